"""Values of evaluated HCL: plain Python data, or :class:`Unresolved` where the input does not fix them.

Shared by the evaluator, its operators and built-in functions, and the resource mapper.
"""

from __future__ import annotations

import json
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
