"""A strict JSON parser that keeps the offset of every value and every key.

Why not ``json.loads``? It forgets positions and silently keeps the last of two
duplicate keys, so ``{"Action": "s3:GetObject", "\\u0041ction": "iam:*"}`` would
lint as ``iam:*`` with no trace of the trick. This parser is iterative (a
10,000-deep file cannot blow the Python stack), leans on regular expressions and
``json.decoder.scanstring`` (C code) for the heavy lifting, and explains errors
the way a person would fix them. A number Python cannot hold (5,000 digits, ``1e999999``) is
kept as its text (:mod:`policy_lint.syntax.numbers`) instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from json import JSONDecodeError
from json import decoder as _json_decoder
from typing import Any

from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, StringArrayNode
from policy_lint.syntax.numbers import json_number

MAX_DEPTH = 512

_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: The C implementation from the standard library: fast, and exact about escapes.
scanstring: Callable[[str, int, bool], tuple[str, int]] = _json_decoder.scanstring  # type: ignore[attr-defined]
_simple_string = re.compile(r'"([^"\\\x00-\x1f]*)"').match
#: Fast path for the commonest key: optional whitespace, a string without escapes, ':' and whitespace.
_simple_key = re.compile(r'[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*').match
#: The same after the ',' that ends the previous member: the member separator and the next key in one match.
_comma_key = re.compile(r'[ \t\n\r]*,[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*').match
#: A whole array of strings without escapes (most of a policy: Action and Resource lists), read by one match;
#: anything else in it (an escape, a number, a trailing comma, a syntax error) leaves it to the general loop.
_string_array = re.compile(
    r'\[[ \t\n\r]*"[^"\\\x00-\x1f]*"(?:[ \t\n\r]*,[ \t\n\r]*"[^"\\\x00-\x1f]*")*[ \t\n\r]*\]'
).match
_number = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?").match
_VALUE_START = frozenset('{["-0123456789tfn')


_whitespace_match: Callable[[str, int], re.Match[str]] = _WHITESPACE.match  # type: ignore[assignment]


def _strings_of(text: str, start: int, end: int) -> list[Node]:
    """The items of an array ``_string_array`` matched: its strings hold no quote and no escape,
    so splitting at the quotes gives each string and what lies between (cheaper than a match
    object per string, on the Action and Resource lists that are most of a policy)."""
    parts = text[start:end].split('"')
    items: list[Node] = []
    at = start + len(parts[0])
    for index in range(1, len(parts) - 1, 2):
        value = parts[index]
        items.append(ScalarNode(value, at))
        at += len(value) + 2 + len(parts[index + 1])
    return items


def _skip_ws(text: str, pos: int) -> int:
    # The pattern matches the empty string, so there is always a match.
    return _whitespace_match(text, pos).end()


class JsonSyntaxError(Exception):
    """A syntax error at a character offset; ``hint`` says how to fix it."""

    def __init__(self, message: str, offset: int, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


class NestingError(JsonSyntaxError):
    """Nesting past the parser's depth cap (reported like a syntax error, told apart by callers
    that have a cap of their own to name)."""


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "end of file"
    ch = text[pos]
    if ch in "\r\n\t ":
        return "whitespace"
    return repr(ch)


def _parse_string(text: str, pos: int) -> tuple[str, int]:
    match = _simple_string(text, pos)
    if match is not None:
        return match.group(1), match.end()
    try:
        return scanstring(text, pos + 1, True)
    except JSONDecodeError as exc:
        msg = exc.msg
        if msg.startswith("Unterminated string"):
            raise JsonSyntaxError("unterminated string", pos, "close the string with '\"'") from None
        if msg.startswith("Invalid control character"):
            raise JsonSyntaxError(
                "control character inside a string", exc.pos, "escape newlines and tabs as \\n and \\t"
            ) from None
        raise JsonSyntaxError(msg[0].lower() + msg[1:], exc.pos) from None


def _unexpected_value(text: str, pos: int) -> JsonSyntaxError:
    if pos >= len(text):
        return JsonSyntaxError("unexpected end of file, expected a value", pos)
    ch = text[pos]
    if ch == "'":
        return JsonSyntaxError("strings must use double quotes", pos, "replace ' with \"")
    if ch == "/":
        return JsonSyntaxError("comments are not allowed in JSON", pos, "remove the comment")
    if text.startswith(("NaN", "Infinity", "-Infinity"), pos):
        return JsonSyntaxError("NaN and Infinity are not JSON numbers", pos)
    return JsonSyntaxError(f"expected a value, found {_describe(text, pos)}", pos)


def _parse_key(text: str, pos: int) -> tuple[ScalarNode, int]:
    """Parse ``"key" :`` and return the key node and the offset of the value."""
    if pos >= len(text):
        raise JsonSyntaxError("unexpected end of file inside an object", pos, "add the missing '}'")
    if text[pos] != '"':
        if text[pos] == "}":
            raise JsonSyntaxError("trailing comma before '}'", pos, "remove the last ','")
        if text[pos] == "/":
            raise JsonSyntaxError("comments are not allowed in JSON", pos, "remove the comment")
        raise JsonSyntaxError(
            f"expected a double-quoted key, found {_describe(text, pos)}", pos, 'object keys must be "quoted"'
        )
    key, end = _parse_string(text, pos)
    key_node = ScalarNode(key, pos)
    end = _skip_ws(text, end)
    if text[end : end + 1] != ":":
        raise JsonSyntaxError(f"expected ':' after key {key!r}, found {_describe(text, end)}", end)
    return key_node, _skip_ws(text, end + 1)


def _next_key(text: str, pos: int) -> tuple[ScalarNode, int]:
    """``"key" :`` after optional whitespace: one regex for plain keys, else the careful path."""
    simple = _simple_key(text, pos)
    if simple is not None:
        return ScalarNode(simple.group(1), simple.start(1) - 1), simple.end()
    return _parse_key(text, _skip_ws(text, pos))


def parse_json(text: str, max_depth: int = MAX_DEPTH) -> Node:
    """Parse one JSON document into a :class:`Node` tree or raise :class:`JsonSyntaxError`."""
    length = len(text)
    pos = _skip_ws(text, 0)
    if pos >= length:
        raise JsonSyntaxError("file is empty", 0, "a policy document is a JSON object")
    # Each frame: [container, pending key node or None]; typed Any, as asserting each member's
    # type cost a global lookup and a call per member of every object
    stack: list[list[Any]] = []
    while True:
        # ---- parse one value starting at pos -------------------------------------------
        if pos >= length:
            raise _unexpected_value(text, pos)
        ch = text[pos]
        node: Node
        if ch == '"':
            simple = _simple_string(text, pos)
            if simple is not None:
                node, pos = ScalarNode(simple.group(1), pos), simple.end()
            else:
                value, end = _parse_string(text, pos)
                node, pos = ScalarNode(value, pos), end
        elif ch == "{" or ch == "[":
            if len(stack) >= max_depth:
                raise NestingError(f"nesting deeper than {max_depth} levels", pos)
            strings = _string_array(text, pos) if ch == "[" else None
            if strings is not None:
                end = strings.end()
                node, pos = StringArrayNode(pos, _strings_of(text, pos, end)), end
            else:
                container: Node = ObjectNode(pos) if ch == "{" else ArrayNode(pos)
                after = _whitespace_match(text, pos + 1).end()
                closer = "}" if ch == "{" else "]"
                if text[after : after + 1] == closer:
                    node, pos = container, after + 1
                elif isinstance(container, ObjectNode):
                    key_node, pos = _next_key(text, after)
                    stack.append([container, key_node])
                    continue
                else:
                    stack.append([container, None])
                    pos = after
                    continue
        else:
            match = _number(text, pos) if ch in "-0123456789" else None
            if match is not None:
                number = json_number(match.group(0), bool(match.group(1) or match.group(2)))
                node, pos = ScalarNode(number, pos), match.end()
            elif text.startswith("true", pos):
                node, pos = ScalarNode(True, pos), pos + 4
            elif text.startswith("false", pos):
                node, pos = ScalarNode(False, pos), pos + 5
            elif text.startswith("null", pos):
                node, pos = ScalarNode(None, pos), pos + 4
            else:
                raise _unexpected_value(text, pos)
        # ---- attach the finished value and read what follows it ------------------------
        while True:
            if not stack:
                pos = _whitespace_match(text, pos).end()
                if pos < length:
                    raise JsonSyntaxError(
                        f"extra data after the JSON document: {_describe(text, pos)}",
                        pos,
                        "a file holds one document; remove what follows it or wrap both in a list",
                    )
                return node
            frame = stack[-1]
            parent = frame[0]
            if isinstance(parent, ObjectNode):
                parent.pairs.append((frame[1], node))
                following = _comma_key(text, pos)  # the commonest case in one match: `, "Key": `
                if following is not None:
                    frame[1] = ScalarNode(following.group(1), following.start(1) - 1)
                    pos = following.end()
                    break
                pos = _whitespace_match(text, pos).end()
                nxt = text[pos : pos + 1]
                if nxt == ",":
                    key_node, pos = _next_key(text, pos + 1)
                    frame[1] = key_node
                    break
                if nxt == "}":
                    node, pos = parent, pos + 1
                    stack.pop()
                    continue
                hint = "missing ',' between members?" if nxt == '"' else None
                if not nxt:
                    raise JsonSyntaxError("unexpected end of file: an object is not closed", pos, "add '}'")
                raise JsonSyntaxError(
                    f"expected ',' or '}}' after a member, found {_describe(text, pos)}", pos, hint
                )
            parent.items.append(node)
            pos = _whitespace_match(text, pos).end()
            nxt = text[pos : pos + 1]
            if nxt == ",":
                pos = _skip_ws(text, pos + 1)
                if text[pos : pos + 1] == "]":
                    raise JsonSyntaxError("trailing comma before ']'", pos, "remove the last ','")
                break
            if nxt == "]":
                node, pos = parent, pos + 1
                stack.pop()
                continue
            if not nxt:
                raise JsonSyntaxError("unexpected end of file: a list is not closed", pos, "add ']'")
            hint = "missing ',' between list items?" if nxt in _VALUE_START else None
            raise JsonSyntaxError(
                f"expected ',' or ']' after a list item, found {_describe(text, pos)}", pos, hint
            )


class NestingTooDeep(ValueError):
    """:func:`loads` met deeper nesting than it was allowed: the text may be valid JSON."""


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for text from a file (a policy string inside a plan or a template).

    The same plain values, but built without recursion (``json.loads`` of 100,000 ``[`` raises
    RecursionError), nesting capped at :data:`MAX_DEPTH`, numbers Python cannot hold kept as text
    (never ``inf``, which ``json.dumps`` would write as ``Infinity``), and ``NaN``/``Infinity``
    refused. Raises ValueError, like ``json.loads``, for anything that is not one JSON document,
    and :class:`NestingTooDeep` (a ValueError) past ``max_depth``.
    """
    try:
        return parse_json(text, max_depth).to_python()
    except NestingError as exc:
        raise NestingTooDeep(f"{exc.message} (character {exc.offset + 1})") from None
    except JsonSyntaxError as exc:
        raise ValueError(f"{exc.message} (character {exc.offset + 1})") from None
