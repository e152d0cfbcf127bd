"""Numbers Python cannot hold stay their text; integers are read without int()'s exceptions."""

from __future__ import annotations

import json

import pytest

from policy_lint.syntax.json_parser import loads, parse_json
from policy_lint.syntax.nodes import ScalarNode
from policy_lint.syntax.numbers import NumberText, as_int, json_number

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("literal", "is_float", "expected"),
    [("12", False, 12), ("-0", False, 0), ("1.5", True, 1.5), ("1e-999999", True, 0.0)],
)
def test_numbers_python_holds_are_plain_numbers(literal: str, is_float: bool, expected: float) -> None:
    value = json_number(literal, is_float)
    assert value == expected and not isinstance(value, NumberText)


@pytest.mark.parametrize(("literal", "is_float"), [(HUGE, False), ("-" + HUGE, False), ("1e999999", True)])
def test_numbers_python_cannot_hold_keep_their_text(literal: str, is_float: bool) -> None:
    value = json_number(literal, is_float)
    assert isinstance(value, NumberText) and value == literal
    assert repr(value) == literal  # shown like a number in messages, not quoted
    assert json.dumps([value]) == f'["{literal}"]'  # never Infinity


def test_a_kept_number_is_typed_number_not_string() -> None:
    node = parse_json(f'{{"n": {HUGE}}}')
    value = node.to_python()["n"]
    assert isinstance(value, NumberText)
    scalar = ScalarNode(value, 0)
    assert scalar.type_name == "number" and not scalar.is_string
    assert ScalarNode("text", 0).is_string


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (22, 22),
        (True, 1),
        (22.9, 22),
        (" 22 ", 22),
        ("-1", -1),
        ("+3", 3),
        (float("inf"), None),
        (float("nan"), None),
        (HUGE, None),
        (NumberText("1e999999"), None),
        ("\u0662\u0662", None),  # Arabic-Indic digits: int() takes them, CloudFormation does not
        ("\u00b2", None),  # superscript two: str.isdigit() is True, int() raises
        ("1_000", None),
        ("22.0", None),
        (None, None),
        ([22], None),
        pytest.param(10**5000, None, id="int-of-5001-digits"),
    ],
)
def test_as_int_answers_none_instead_of_raising(value: object, expected: int | None) -> None:
    assert as_int(value) == expected


def test_loads_is_json_loads_without_recursion_or_infinity() -> None:
    text = '{"a": [1, {"b": 2, "b": 3}, [[]], "x"], "c": null, "d": 1e999999}'
    assert loads(text) == {"a": [1, {"b": 3}, [[]], "x"], "c": None, "d": "1e999999"}
    with pytest.raises(ValueError, match="nesting deeper than 512 levels"):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="NaN and Infinity are not JSON numbers"):
        loads("[NaN]")


def test_to_python_of_the_deepest_accepted_document_does_not_recurse() -> None:
    deep = parse_json("[" * 512 + "]" * 512).to_python()
    depth = 0
    while deep:
        deep, depth = deep[0], depth + 1
    assert depth == 511
