"""HCL's operators with Terraform's semantics, not Python's.

Why not Python's operators: they leak meanings HCL does not have. ``"a" + "b"`` concatenates,
``"ab" * 3`` and ``[1] * 1000000000`` repeat (and fill memory), ``"%s" % x`` formats, ``true == 1``
holds and ``bool("false")`` is true. In Terraform arithmetic and comparison are on numbers only
(a string that spells a number is converted), ``&&``, ``||``, ``!`` and conditions take bools
(``"true"``/``"false"`` are converted), and ``==`` never converts. A value of the wrong type is
an :class:`EvalError`, which the evaluator turns into an unresolved value with its reason.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: numbers beyond this many bits are refused: Terraform keeps 512 bits of precision, and a
#: chain of multiplications would otherwise double the digits (and the memory) at every step
MAX_NUMBER_BITS = 1024

_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class EvalError(Exception):
    """An expression Terraform would reject; ``reason`` never quotes the values involved."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def to_number(value: Any) -> int | float:
    """A number, or a string spelling one (Terraform's conversion); anything else is an error."""
    if isinstance(value, bool) or value is None:
        raise EvalError("a number is required")
    if isinstance(value, (int, float)):
        return checked_number(value)
    if isinstance(value, str) and len(value) <= 400 and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        number: int | float = int(text) if text.lstrip("-").isdigit() else float(text)
        return checked_number(number)
    raise EvalError("a number is required")


def checked_number(value: int | float) -> int | float:
    """``value`` when it is a finite number of reasonable size."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EvalError("a number is too large")
    if isinstance(value, int) and value.bit_length() > MAX_NUMBER_BITS:
        raise EvalError("a number is too large")
    return value


def to_bool(value: Any) -> bool:
    """A bool, or the string ``"true"``/``"false"``; numbers are not bools in Terraform."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError("a bool is required")


def equal(left: Any, right: Any) -> bool:
    """Terraform's ``==``: no conversion (``1 == "1"`` and ``true == 1`` are false)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if _is_number(left) or _is_number(right):
        return _is_number(left) and _is_number(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _divide(a: int | float, b: int | float) -> int | float:
    if b == 0:
        raise EvalError("division by zero")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


def _modulo(a: int | float, b: int | float) -> int | float:
    if b == 0:
        raise EvalError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)
        return -remainder if a < 0 else remainder  # the sign of the dividend, as in Go
    return math.fmod(a, b)


_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "%": _modulo,
}
_COMPARISON = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def binary(op: str, left: Any, right: Any) -> Any:
    """``left op right`` for known values."""
    if op in _ARITHMETIC:
        a, b = to_number(left), to_number(right)
        too_big = (
            isinstance(a, int)
            and isinstance(b, int)
            and a.bit_length() + b.bit_length() > MAX_NUMBER_BITS + 1
        )
        if op == "*" and too_big:
            raise EvalError("a number is too large")  # refused before Python multiplies it
        try:
            return checked_number(_ARITHMETIC[op](a, b))
        except OverflowError:
            raise EvalError("a number is too large") from None
    if op in _COMPARISON:
        return bool(_COMPARISON[op](to_number(left), to_number(right)))
    if op == "==":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    if op == "&&":
        return to_bool(left) and to_bool(right)
    if op == "||":
        return to_bool(left) or to_bool(right)
    raise EvalError(f"operator {op} is not supported")


def unary(op: str, operand: Any) -> Any:
    """``!x`` or ``-x`` for a known value."""
    if op == "!":
        return not to_bool(operand)
    if op == "-":
        return checked_number(-to_number(operand))
    raise EvalError(f"operator {op} is not supported")
