"""Values of evaluated HCL: plain Python data, or :class:`Unresolved` where the input does not fix them.

Shared by the evaluator, its operators and built-in functions, and the resource mapper.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Value = Any  # str | int | float | bool | None | list[Value] | dict[str, Value] | Unresolved


@dataclass(frozen=True)
class Index:
    """An index step of a traversal (``x[0]``, ``x["k"]``), as opposed to an attribute step."""

    value: Any


@dataclass(frozen=True)
class Unresolved:
    """A value the input does not fix: ``symbol`` is its symbolic text, ``reason`` says why."""

    symbol: str
    reason: str


@dataclass(frozen=True)
class UnknownItems(Unresolved):
    """In a list: items that are not known, maybe none, maybe several (``compact()`` of an unknown
    element, ``concat()`` of an unknown list). The known items around it stay known; the list's
    length, and the index of every item after it, are not known."""


def known_length(items: list[Value]) -> bool:
    """Does ``items`` hold exactly ``len(items)`` items (no :class:`UnknownItems` in it)?"""
    return not any(isinstance(item, UnknownItems) for item in items)


def as_unknown_items(value: Unresolved) -> UnknownItems:
    """``value``, standing for items of a list whose number is not known."""
    return value if isinstance(value, UnknownItems) else UnknownItems(value.symbol, value.reason)


def whole_reference(value: Unresolved) -> bool:
    """Is ``value`` a reference alone (``${var.x}``), whose type is not known, rather than a text
    with holes (``arn:aws:s3:::${var.x}``, a JSON document around a symbol), which is a string?"""
    symbol = value.symbol
    return symbol.startswith("${") and symbol.endswith("}") and symbol.count("${") == 1


def has_unresolved(value: Value) -> bool:
    """True when ``value`` or anything inside it is unresolved."""
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, dict):
        return any(has_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unresolved(v) for v in value)
    return False


def first_reason(value: Value) -> str:
    """The reason of the first unresolved part of ``value`` (for messages)."""
    if isinstance(value, Unresolved):
        return value.reason
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        if has_unresolved(item):
            return first_reason(item)
    return ""


def symbolic(value: Value) -> Value:
    """Replace every unresolved part by its symbol: the value as a policy document would hold it."""
    if isinstance(value, Unresolved):
        return value.symbol
    if isinstance(value, dict):
        return {k: symbolic(v) for k, v in value.items()}
    if isinstance(value, list):
        return [symbolic(v) for v in value]
    return value


def to_text(value: Value) -> str:
    """HCL's string conversion of a primitive (used in templates)."""
    if isinstance(value, Unresolved):
        return value.symbol
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(symbolic(value), separators=(",", ":"))
    return str(value)


#: nesting a policy document may have (a real one is about 6 deep); deeper is not a policy
MAX_DOCUMENT_DEPTH = 64


def shown_text(text: str) -> str:
    """A path, key or source as written, quoted and cut short: enough to find it, never a file."""
    return repr(text if len(text) <= 200 else text[:197] + "...")


def closing_brace(body: str, start: int) -> int | None:
    """The index of the ``}`` that closes a ``${``/``%{`` whose expression starts at ``start``
    (quoted strings and nested braces skipped, as Terraform reads them), or None if none does."""
    depth = 0
    quote = False
    j = start
    n = len(body)
    while j < n:
        ch = body[j]
        if quote:
            if ch == "\\":
                j += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return j
            depth -= 1
        j += 1
    return None


def interpolations(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each ``${ ... }`` (end = index of the closing brace); (-1, -1) for a directive."""
    i = 0
    n = len(body)
    while i < n:
        if body.startswith("$${", i) or body.startswith("%%{", i):
            i += 3
            continue
        if body.startswith("%{", i):
            yield -1, -1
            return
        if body.startswith("${", i):
            j = closing_brace(body, i + 2)
            if j is None:
                return
            yield i, j
            i = j + 1
            continue
        i += 1
