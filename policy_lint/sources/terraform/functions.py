"""Terraform's built-in functions over known values, bounded by the load's budget.

Every call goes through :func:`call`, which charges the work (in proportion to the size of the
arguments) and refuses, before building them, results over the one-value limit: ``join`` with a
long separator, ``replace`` with an empty pattern, ``concat`` of large lists. Regular expressions
(``replace(s, "/re/", x)``) run on RE2, the engine Terraform itself uses: matching takes linear
time, so ``"/(a+)+$/"`` cannot hang the run as it would with Python's backtracking ``re``.

Errors never quote the values involved: a function given a file's content must not copy that
content into a message (Python's ``int("AKIA...")`` error would).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from policy_lint.sources.terraform.budget import Budget, BudgetError, ValueTooLarge
from policy_lint.sources.terraform.operators import EvalError, equal, to_bool, to_number
from policy_lint.sources.terraform.partial import compact, concat, distinct, flatten, keys
from policy_lint.sources.terraform.values import Unresolved, Value, to_text
from policy_lint.syntax.json_parser import loads

#: the longest list range() builds (and the most instances one count/for_each expands)
MAX_EXPANSION = 1000
#: memory RE2 may use for one compiled pattern
RE2_MAX_MEMORY = 8 * 1024 * 1024

_GENERIC_ERRORS: dict[type[BaseException], str] = {
    KeyError: "no such key",
    IndexError: "index out of range",
    ZeroDivisionError: "division by zero",
    OverflowError: "a number is too large",
    StopIteration: "too few arguments",
    re.error: "invalid pattern",
    TypeError: "an argument has the wrong type",
    AttributeError: "an argument has the wrong type",
    ValueError: "an argument is not valid",
}


def safe_reason(exc: BaseException) -> str:
    """What went wrong, in words that never include the values involved."""
    if isinstance(exc, (EvalError, BudgetError)):
        return exc.reason
    for kind, reason in _GENERIC_ERRORS.items():
        if isinstance(exc, kind):
            return reason
    return "cannot be evaluated"


def call(name: str, args: list[Value], budget: Budget) -> Value:
    """Call built-in ``name`` with known (or, for a few, partly known) arguments."""
    func = FUNCTIONS[name]
    sizes = [budget.size(arg) for arg in args]
    budget.work(sum(sizes))
    if name in _COLLECTING:
        budget.ensure_fits(sum(sizes))
    try:
        if name in _LIMITED:
            return func(*args, limit=budget.limits.value_size)
        return func(*args)
    except EvalError as exc:
        raise EvalError(
            exc.reason if exc.reason.startswith(f"{name}()") else f"{name}(): {exc.reason}"
        ) from None
    except BudgetError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError) as exc:
        raise EvalError(f"{name}(): {safe_reason(exc)}") from None
    except (AttributeError, StopIteration, RecursionError, re.error) as exc:
        raise EvalError(f"{name}(): {safe_reason(exc)}") from None


# -- text -------------------------------------------------------------------------------------
def _format(fmt: str, *args: Value, limit: int) -> str:
    values = iter(args)
    length = [len(fmt)]

    def sub(match: re.Match[str]) -> str:
        verb = match.group(0)
        if verb == "%%":
            return "%"
        value = next(values)
        if verb.endswith("d"):
            text = str(int(to_number(value)))
        elif verb.endswith("q"):
            text = json.dumps(to_text(value))
        else:
            text = to_text(value)
        length[0] += len(text)
        if length[0] > limit:
            raise ValueTooLarge(f"a value larger than {limit:,} characters or items")
        return text

    return re.sub(r"%%|%[-+ #0-9.]*[sdvqtfgx]", sub, fmt)


def _join(separator: str, items: list[Value], *, limit: int) -> str:
    if not isinstance(separator, str) or not isinstance(items, list):
        raise EvalError("join() needs a separator and a list")
    texts = [to_text(item) for item in items]
    if len(separator) * max(0, len(texts) - 1) + sum(len(t) for t in texts) > limit:
        raise ValueTooLarge(f"a value larger than {limit:,} characters or items")
    return separator.join(texts)


def _replace(text: str, old: str, new: str, *, limit: int) -> str:
    if not all(isinstance(v, str) for v in (text, old, new)):
        raise EvalError("replace() needs three strings")
    if len(old) >= 2 and old.startswith("/") and old.endswith("/"):
        return _regex_replace(text, old[1:-1], new, limit)
    matches = text.count(old) if old else len(text) + 1
    if len(text) + matches * (len(new) - len(old)) > limit:
        raise ValueTooLarge(f"a value larger than {limit:,} characters or items")
    return text.replace(old, new)


def _regex_replace(text: str, pattern: str, template: str, limit: int) -> str:
    """Terraform's regex ``replace``: RE2 syntax, ``$1``/``${name}`` in the replacement."""
    import re2  # google-re2: imported here, only Terraform sources with a regex replace need it

    options = re2.Options()
    options.log_errors = False  # RE2 would print parse errors on stderr
    options.max_mem = RE2_MAX_MEMORY
    try:
        compiled = re2.compile(pattern, options)
    except re2.error:
        raise EvalError("replace(): the pattern is not a valid RE2 regular expression") from None
    pieces = _template_pieces(template)
    length = [len(text)]

    def expand(match: Any) -> str:
        parts: list[str] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(piece)
            else:
                index = compiled.groupindex.get(piece[1]) if piece[0] < 0 else piece[0]
                if index is not None and index <= compiled.groups:
                    parts.append(match.group(index) or "")
        result = "".join(parts)
        length[0] += len(result) - (match.end() - match.start())
        if length[0] > limit:
            raise ValueTooLarge(f"a value larger than {limit:,} characters or items")
        return result

    return str(compiled.sub(expand, text))


_TEMPLATE_NAME = re.compile(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)")


def _template_pieces(template: str) -> list[str | tuple[int, str]]:
    """Go's ``Regexp.Expand`` template: text, and ``(group number, name)`` references."""
    pieces: list[str | tuple[int, str]] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        if template[i] != "$":
            literal.append(template[i])
            i += 1
            continue
        if template.startswith("$$", i):
            literal.append("$")
            i += 2
            continue
        match = _TEMPLATE_NAME.match(template, i + 1)
        if match is None:  # Go copies a malformed reference as text
            literal.append("$")
            i += 1
            continue
        name = match.group(1) or match.group(2)
        pieces.append("".join(literal))
        literal = []
        number = int(name) if name.isdigit() and len(name) < 9 else -1
        pieces.append((number, name))
        i = match.end()
    pieces.append("".join(literal))
    return [p for p in pieces if p != ""]


# -- collections ------------------------------------------------------------------------------
def _merge(*maps: Value) -> Value:
    result: dict[str, Value] = {}
    for item in maps:
        if isinstance(item, Unresolved):
            return item
        if item is not None:
            if not isinstance(item, dict):
                raise EvalError("merge() needs objects")
            result.update(item)
    return result


def _coalesce(*values: Value) -> Value:
    for value in values:
        if isinstance(value, Unresolved):
            return value
        if value is not None and value != "":
            return value
    return None


def _toset(values: Value) -> Value:
    if isinstance(values, Unresolved):
        return values
    return distinct(list(values))


def _range(*args: Value) -> list[int]:
    numbers = range(*(int(to_number(a)) for a in args))
    if len(numbers) > MAX_EXPANSION:  # measured before the list is built: range(1e9) must not fill memory
        raise EvalError(f"range too large: more than {MAX_EXPANSION:,} items")
    return list(numbers)


def _tonumber(value: Value) -> Value:
    return None if value is None else to_number(value)


def _tobool(value: Value) -> Value:
    return None if value is None else to_bool(value)


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "jsondecode": lambda s: loads(s),
    "format": _format,
    "join": _join,
    "split": lambda sep, s: s.split(sep),
    "concat": concat,
    "merge": _merge,
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trimprefix": lambda s, p: s[len(p) :] if s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "replace": _replace,
    "substr": lambda s, o, n: s[o:] if n < 0 else s[o : o + n],
    "tostring": lambda v: to_text(v) if v is not None else None,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: v if isinstance(v, Unresolved) else list(v),
    "toset": _toset,
    "tomap": lambda v: dict(v),
    "coalesce": _coalesce,
    "coalescelist": lambda *ls: next((list(v) for v in ls if v), []),
    "compact": compact,
    "distinct": distinct,
    "flatten": flatten,
    "length": lambda v: v if isinstance(v, Unresolved) else len(v),
    "keys": keys,
    "values": lambda m: [m[k] for k in sorted(m)],
    "lookup": lambda m, k, *d: m[k] if k in m or not d else d[0],
    "element": lambda items, i: items[int(to_number(i)) % len(items)],
    "contains": lambda items, v: any(equal(item, v) for item in items),
    "min": lambda *v: min(to_number(n) for n in v),
    "max": lambda *v: max(to_number(n) for n in v),
    "abs": lambda n: abs(to_number(n)),
    "sort": lambda v: sorted(v),
    "reverse": lambda v: list(reversed(v)),
    "range": _range,
    "zipmap": lambda ks, vs: dict(zip([to_text(k) for k in ks], vs, strict=False)),
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "basename": lambda p: Path(p).name,
    "dirname": lambda p: str(Path(p).parent),
    "abspath": lambda p: p,
    "one": lambda v: v[0] if v else None,
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
}
#: functions whose result may be as large as all their arguments together: refused up front
_COLLECTING = frozenset({"concat", "merge", "zipmap", "coalescelist", "flatten", "compact", "values"})
#: functions that meter their own output against the one-value limit
_LIMITED = frozenset({"format", "join", "replace"})
#: file functions, evaluated by the evaluator through its scope (see policy_lint.sources.scanned)
FILE_FUNCTIONS = frozenset({"file", "templatefile", "fileexists"})
