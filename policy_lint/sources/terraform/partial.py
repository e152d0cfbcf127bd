"""Built-in functions over partly known values: the known parts stay known.

One unknown argument must not make a whole policy unknown (issue 10). A list function keeps its
known items, and an item it cannot decide becomes :class:`UnknownItems` in place (``compact()``
cannot know whether an unknown element is empty, so the element may vanish; ``concat()`` of an
unknown list adds some items, how many is not known). A string function works on a *template
with holes*, the form the evaluator gives a string with unknown parts: the known text with the
``${...}`` symbol of each unknown part in place (``arn:aws:s3:::${var.bucket}/*``).

What cannot be decided stays unknown: ``replace()`` whose pattern may straddle a hole, a regular
expression over a template, the number of items in a list with unknown items.
"""

from __future__ import annotations

import json

from policy_lint.sources.terraform.operators import EvalError
from policy_lint.sources.terraform.values import (
    Unresolved,
    Value,
    as_unknown_items,
    interpolations,
    symbolic,
    whole_reference,
)


def _may_be_empty(item: Unresolved) -> bool:
    """Could this unknown value be null or ""? A template with known text around its holes cannot."""
    pieces = template_pieces(item.symbol)
    return pieces is None or not any(isinstance(p, str) and p for p in pieces)


def compact(items: Value) -> list[Value]:
    """``compact()``: known empty strings and nulls go; an unknown item that may be empty stays
    as :class:`UnknownItems` (present or not, the input cannot say)."""
    if not isinstance(items, list):
        raise EvalError("compact() needs a list")
    kept: list[Value] = []
    for item in items:
        if isinstance(item, Unresolved):
            kept.append(as_unknown_items(item) if _may_be_empty(item) else item)
        elif item not in (None, ""):
            kept.append(item)
    return kept


def concat(*lists: Value) -> list[Value]:
    """``concat()``: an unknown list adds items not known, in place, between the known ones."""
    result: list[Value] = []
    for item in lists:
        if isinstance(item, Unresolved):
            result.append(as_unknown_items(item))
        elif isinstance(item, list):
            result.extend(item)
        else:
            raise EvalError("concat() needs lists")
    return result


def flatten(value: Value) -> list[Value]:
    """``flatten()``: an unknown item that may be a list adds items not known, in place."""
    if not isinstance(value, list):
        raise EvalError("flatten() needs a list")
    result: list[Value] = []
    stack: list[tuple[list[Value], int]] = [(value, 0)]
    while stack:  # iterative: a deeply nested list must not hit the recursion limit
        items, index = stack.pop()
        if index < len(items):
            stack.append((items, index + 1))
            item = items[index]
            if isinstance(item, list):
                stack.append((item, 0))
            elif isinstance(item, Unresolved) and whole_reference(item):
                result.append(as_unknown_items(item))
            else:
                result.append(item)
    return result


def distinct(values: Value) -> list[Value]:
    """``distinct()``: items in first-seen order, hashed by canonical JSON so a long list is not
    quadratic. An unknown item after the first may equal an earlier one, so it may go."""
    if not isinstance(values, list):
        raise EvalError("distinct() needs a list")
    seen: set[str] = set()
    result: list[Value] = []
    for value in values:
        key = json.dumps(symbolic(value), sort_keys=True) + type(value).__name__
        if key in seen:
            continue
        seen.add(key)
        if isinstance(value, Unresolved) and result:
            value = as_unknown_items(value)
        result.append(value)
    return result


def keys(value: Value) -> list[str]:
    """``keys()``: an object's keys are known even when its values are not."""
    if not isinstance(value, dict):
        raise EvalError("keys() needs an object")
    return sorted(value)


# -- templates with holes ---------------------------------------------------------------------
def template_pieces(symbol: str) -> list[str | Unresolved] | None:
    """A template with holes as known text and holes (each hole an Unresolved of its symbol);
    None when it cannot be taken apart (a directive, an unclosed hole)."""
    pieces: list[str | Unresolved] = []
    pos = 0
    for start, end in interpolations(symbol):
        if start < 0:
            return None
        pieces.append(symbol[pos:start])
        pieces.append(Unresolved(symbol[start : end + 1], ""))
        pos = end + 1
    rest = symbol[pos:]
    if "${" in rest.replace("$${", ""):
        return None  # an interpolation that does not close
    pieces.append(rest)
    return pieces


def _straddles(old: str, before: str, after: str) -> bool:
    """Could ``old`` match across a hole: end in the hole with a start in ``before``, or start in
    the hole with an end in ``after``? Then the hole's value decides the result."""
    return any(before.endswith(old[:cut]) or after.startswith(old[cut:]) for cut in range(1, len(old)))


def replace_in_template(text: Unresolved, old: str, new: str) -> str | None:
    """``replace(text, old, new)`` on the known text of a template with holes (``new`` may be a
    hole's symbol); None when the result depends on a hole's value.

    A hole stays as it is written: it names a value not known, before or after the replacement
    alike (rules compare a symbol as a whole, never look inside it)."""
    if not old or (len(old) >= 2 and old.startswith("/") and old.endswith("/")):
        return None  # a regular expression may match anything a hole turns out to hold
    if whole_reference(text):
        return None
    pieces = template_pieces(text.symbol)
    if pieces is None:
        return None
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, Unresolved):
            before = pieces[index - 1] if index > 0 else ""
            after = pieces[index + 1] if index + 1 < len(pieces) else ""
            if _straddles(old, str(before), str(after)):
                return None
            out.append(piece.symbol)
        else:
            out.append(piece.replace(old, new))
    return "".join(out)
