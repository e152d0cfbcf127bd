"""Numbers from untrusted files, without Python's limits turning into internal errors.

JSON and YAML allow integers of any length and exponents of any size. Python refuses to turn
more than 4,300 digits into an ``int`` (``ValueError``: a guard against quadratic conversion),
turns ``1e999999`` into infinity (which ``int()`` refuses with ``OverflowError`` and
``json.dumps`` writes as ``Infinity``, which is not JSON), and YAML's ``.nan`` compares unequal to
itself. One such number used to end the whole run and lose every other file's findings.

So a number Python cannot hold exactly and finitely is kept as its literal text, as a
:class:`NumberText`: the value is still there (IAM compares policy numbers as text anyway), it is
still typed "number" for the grammar rules, and it serializes as a JSON string. Code that needs an
integer from a value asks :func:`as_int`, which answers None instead of raising.
"""

from __future__ import annotations

import math
import re
from typing import TypeVar

T = TypeVar("T")

#: CPython's default ``int_max_str_digits``. Held here too, so raising the interpreter's limit
#: (``PYTHONINTMAXSTRDIGITS=0``) cannot make a 10 MB number cost quadratic time.
MAX_INT_DIGITS = 4300

#: Ints up to this many bits have fewer than MAX_INT_DIGITS decimal digits (log2(10) < 3.33).
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.32)
_DECIMAL_INT = re.compile(r"[+-]?[0-9]+")


class NumberText(str):
    """A number literal kept as its text: too many digits for an ``int``, or not a finite float.

    It is a ``str`` so it serializes and compares as the text IAM sees; its node's ``type_name``
    is still "number" (``ScalarNode.is_string`` is False), and it shows unquoted, like a number.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)


def json_number(literal: str, is_float: bool) -> int | float | NumberText:
    """The value of a JSON number literal (already matched by the grammar)."""
    if not is_float:
        if len(literal) - literal.startswith("-") > MAX_INT_DIGITS:
            return NumberText(literal)
        try:
            return held(int(literal), literal)
        except ValueError:  # the interpreter's own limit is lower than ours
            return NumberText(literal)
    return held(float(literal), literal)


def held(value: T, literal: str) -> T | NumberText:
    """``value``, or its literal text when Python cannot hold it safely: a non-finite float
    (YAML ``.inf``, ``1e999999``), or an int too long to print again (YAML ``0x`` + 5,000 digits:
    base 16 has no digit limit, but ``str()`` of the result has)."""
    if isinstance(value, float) and not math.isfinite(value):
        return NumberText(literal)
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return NumberText(literal)
    return value


def as_int(value: object) -> int | None:
    """An integer from a number, a finite float (truncated) or decimal text; None for anything else.

    Booleans count as 0/1, as ``int()`` does. Text is ASCII digits with an optional sign and
    surrounding spaces: ``int()`` also takes ``1_000`` and other scripts' digits, and raises on
    more than 4,300 of them.
    """
    if isinstance(value, int):
        return int(value) if value.bit_length() <= _MAX_INT_BITS else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL_INT.fullmatch(text) and len(text) <= MAX_INT_DIGITS:
            try:
                return int(text)
            except ValueError:  # the interpreter's own limit is lower than ours
                return None
    return None
