"""The position-keeping JSON parser: same values as json.loads, exact error positions."""

from __future__ import annotations

import json

import pytest

from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import ArrayNode, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source


def _pos(text: str, offset: int) -> tuple[int, int]:
    return Source("t.json", text).position(offset)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "\\u00e9\\n"}}',
        "[]",
        '"just a string"',
        '{"Action": "s3:GetObject", "\\u0041ction": "iam:*"}',
    ],
)
def test_values_match_json_loads(text: str) -> None:
    assert parse_json(text).to_python() == json.loads(text)


def test_duplicate_keys_are_all_kept_in_order() -> None:
    root = parse_json('{"Action": "s3:GetObject", "\\u0041ction": "iam:*"}')
    assert isinstance(root, ObjectNode)
    assert [(k.value, v.to_python()) for k, v in root.pairs] == [
        ("Action", "s3:GetObject"),
        ("Action", "iam:*"),
    ]
    # .get() behaves like JSON: the last one wins
    value = root.get("Action")
    assert isinstance(value, ScalarNode) and value.value == "iam:*"


def test_every_value_and_key_has_its_position() -> None:
    text = '{\n  "Statement": [\n    {"Action": ["a:B", "c:D"]}\n  ]\n}'
    root = parse_json(text)
    assert isinstance(root, ObjectNode)
    key, stmts = root.pairs[0]
    assert _pos(text, key.offset) == (2, 3)
    assert isinstance(stmts, ArrayNode)
    stmt = stmts.items[0]
    assert _pos(text, stmt.offset) == (3, 5)
    assert isinstance(stmt, ObjectNode)
    actions = stmt.get("Action")
    assert isinstance(actions, ArrayNode)
    assert [_pos(text, a.offset) for a in actions.items] == [(3, 17), (3, 24)]


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ('[\n  "a"\n  "b"\n]', (3, 3), "expected ',' or ']'"),
        ('{"a": 1,}', (1, 9), "trailing comma"),
        ('{"a": 1 "b": 2}', (1, 9), "expected ',' or '}'"),
        ("{'a': 1}", (1, 2), "double-quoted key"),
        ('{"a": // note\n 1}', (1, 7), "comments are not allowed"),
        ('{"a": NaN}', (1, 7), "NaN"),
        ('{"a": "unterminated}', (1, 7), "unterminated string"),
        ('{"a": 1} {"b": 2}', (1, 10), "extra data"),
        ("", (1, 1), "file is empty"),
        ("   \n  ", (1, 1), "file is empty"),
        ('{"a": [1, 2', (1, 12), "not closed"),
    ],
)
def test_errors_point_where_a_person_fixes_them(text: str, where: tuple[int, int], fragment: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text)
    assert fragment in info.value.message
    assert _pos(text, info.value.offset) == where


def test_error_position_agrees_with_json_module() -> None:
    text = '{\n "Action": [\n  "kms:ReEncrypt*"\n  "iam:GetUser"\n ]\n}'
    with pytest.raises(json.JSONDecodeError) as reference:
        json.loads(text)
    with pytest.raises(JsonSyntaxError) as ours:
        parse_json(text)
    assert _pos(text, ours.value.offset) == (reference.value.lineno, reference.value.colno)
    assert ours.value.hint and "missing ','" in ours.value.hint


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = "[" * 10_000 + "]" * 10_000
    with pytest.raises(JsonSyntaxError, match="nesting deeper"):
        parse_json(text)


def test_moderate_nesting_is_fine() -> None:
    text = "[" * 300 + "]" * 300
    node = parse_json(text)
    assert isinstance(node, ArrayNode)


def test_columns_count_characters_not_bytes() -> None:
    text = '{"Sid": "日本語", "x": [1 2]}'
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text)
    assert _pos(text, info.value.offset) == (1, 24)
