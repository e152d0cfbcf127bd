"""``parse_json`` reads an array of plain strings (most of a policy: Action and Resource lists) with one
regular-expression match instead of one loop turn per item, and the ``, "Key":`` between two members of an
object with one match (speed-ups). The trees, and the errors, must be exactly those of the general loop:
these tests parse the same text with the shortcuts turned off and compare."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from policy_lint.syntax import json_parser
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, StringArrayNode, walk


def _shape(node: Node) -> object:
    """Everything a rule can read of a node: kind, offset, tag, value, and the same of its children."""
    if isinstance(node, ScalarNode):
        return ("scalar", node.offset, node.tag, type(node.value).__name__, node.value)
    if isinstance(node, ArrayNode):
        return ("array", node.offset, node.tag, [_shape(item) for item in node.items])
    assert isinstance(node, ObjectNode)
    return ("object", node.offset, node.tag, [(_shape(k), _shape(v)) for k, v in node.pairs])


def _outcome(text: str) -> object:
    try:
        return _shape(parse_json(text, max_depth=8))
    except JsonSyntaxError as exc:
        return ("error", type(exc).__name__, exc.message, exc.offset, exc.hint)


def _general_loop(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(json_parser, "_string_array", lambda _text, _pos: None)
        patch.setattr(json_parser, "_comma_key", lambda _text, _pos: None)
        return _outcome(text)


def _random_json(rng: random.Random, depth: int = 0) -> str:
    ws = lambda: rng.choice(["", " ", "\n  ", "\t", "\r\n"])  # noqa: E731
    pick = rng.random()
    if depth > 3 or pick < 0.35:
        return rng.choice(
            ['"s3:GetObject"', '"a\\"b"', '"\\u0041ction"', '""', "1", "-2.5e3", "true", "null", '"x y"']
        )
    if pick < 0.75:
        items = [
            _random_json(rng, depth + 1) if rng.random() < 0.3 else f'"{rng.choice("ab*:/")}"'
            for _ in range(rng.randint(0, 4))
        ]
        body = (ws() + "," + ws()).join(items)
        tail = rng.choice(["", "", "", ",", " ,", "x"])  # trailing commas and junk are errors
        return "[" + ws() + body + ws() + tail + "]"
    pairs = [
        f'"{rng.choice(["Action", "Resource", "k"])}"{ws()}:{ws()}{_random_json(rng, depth + 1)}'
        for _ in range(rng.randint(0, 3))
    ]
    return "{" + ws() + ("," + ws()).join(pairs) + ws() + "}"


def test_random_documents_parse_as_the_general_loop_parses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    shortcut_used = comma_key_used = 0
    for _ in range(4_000):
        text = _random_json(rng)
        if rng.random() < 0.1:  # cut short: an unterminated array or string
            text = text[: rng.randint(0, len(text))]
        assert _outcome(text) == _general_loop(text, monkeypatch), text
        shortcut_used += json_parser._string_array(text, text.find("[")) is not None if "[" in text else 0
        comma_key_used += any(json_parser._comma_key(text, at) for at in range(len(text)) if text[at] == ",")
    assert shortcut_used > 200 and comma_key_used > 200  # the shortcuts were exercised, not only the loop


def test_nesting_cap_counts_an_array_of_strings_as_one_level(monkeypatch: pytest.MonkeyPatch) -> None:
    for depth in (7, 8, 9):
        text = "[" * depth + '"a", "b"' + "]" * depth
        assert _outcome(text) == _general_loop(text, monkeypatch)
    assert _outcome("[" * 9 + '"a"' + "]" * 9)[0] == "error"


def test_managed_policies_parse_as_the_general_loop_parses_them(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in sorted((corpus / "iam-managed").glob("*.json"))[::5]:
        text = path.read_text(encoding="utf-8")
        assert _outcome(text) == _general_loop(text, monkeypatch), path.name


def test_a_list_read_in_one_go_is_marked_as_holding_only_plain_strings() -> None:
    # rules take or skip a StringArrayNode whole, without a type test per item: the mark must be true
    rng = random.Random(11)
    marked = 0
    for _ in range(2_000):
        try:
            root = parse_json(_random_json(rng), max_depth=8)
        except JsonSyntaxError:
            continue
        for node in walk(root):
            if type(node) is StringArrayNode:
                marked += 1
                assert all(type(item) is ScalarNode and type(item.value) is str for item in node.items)
    assert marked > 100
    assert type(parse_json('["s3:GetObject", "s3:PutObject"]')) is StringArrayNode
    for mixed in ('["s3:GetObject", 1]', '["a\\"b"]', '["a", ["b"]]', '["a", null]', "[]"):
        assert type(parse_json(mixed)) is ArrayNode, mixed
