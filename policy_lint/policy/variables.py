"""What is wrong with a malformed IAM policy variable (``${aws:username}``) in a policy string.

IAM substitutes ``${prefix:name}`` (optionally ``${prefix:name, 'default'}``) and the escapes
``${*}``, ``${?}``, ``${$}`` (AWS-POLICY-VARIABLES). Anything else that starts with ``${`` is
either a template placeholder (:mod:`policy_lint.policy.placeholders` decides, and PL501
reports it) or a policy variable written wrongly, which IAM takes literally: the resource or
condition value then matches nothing. This module names the mistake the way IAM Access
Analyzer does (missing brace, missing quote, space, empty variable, unsupported symbol).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policy_lint.policy.placeholders import SPANS_STRINGS, is_policy_variable, meant_as_variable

#: The characters of a variable name: a key such as ``aws:PrincipalTag/team-name``.
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.:/\-]")
_QUOTED_DEFAULT = re.compile(r"^\s*'[^']*'\s*$")


@dataclass(frozen=True)
class VariableProblem:
    """One malformed variable: where it starts in the string, its text, and the mistake."""

    offset: int
    text: str
    kind: str  # "missing brace" | "missing quote" | "space" | "empty" | "unsupported symbol"
    message: str


def variable_problems(text: str) -> list[VariableProblem]:
    """Every malformed policy variable in ``text``, in order (placeholders are not judged here)."""
    if "${" not in text:
        return []
    found: list[VariableProblem] = []
    start = text.find("${")
    while start != -1:
        end = text.find("}", start + 2)
        nested = text.find("${", start + 2)
        if end == -1 or (nested != -1 and nested < end):
            shown = text[start : nested if nested != -1 else len(text)]
            found.append(
                VariableProblem(
                    start, shown, "missing brace", f"policy variable {shown} has no closing brace"
                )
            )
            start = nested
            continue
        inner = text[start + 2 : end]
        problem = _problem(inner)
        if problem is not None:
            kind, message = problem
            found.append(VariableProblem(start, text[start : end + 1], kind, message))
        start = text.find("${", end + 1)
    return found


def may_hold_malformed_variables(text: str) -> bool:
    """Whether some string written in ``text`` (a whole document) may hold a malformed policy
    variable: False only when none can, so the per-string search (:func:`variable_problems`) is
    skipped. The reasoning of :func:`~policy_lint.policy.placeholders.may_hold_placeholders`: with
    no escape, each ``${...}`` of a string is a ``${...}`` of the file, and one that stays inside a
    string (no quote, no whitespace) and is judged fine there is fine in its string too."""
    if "\\" in text:
        return True  # an escape may spell "${" (\u0024{)
    if "$" not in text:
        return False
    start = text.find("${")
    while start != -1:
        end = text.find("}", start + 2)
        if end == -1:
            return True
        inner = text[start + 2 : end]
        if "${" in inner or SPANS_STRINGS.search(inner) is not None or _problem(inner) is not None:
            return True
        start = text.find("${", end + 1)
    return False


def _problem(inner: str) -> tuple[str, str] | None:
    if is_policy_variable(inner) or not meant_as_variable(inner):
        return None  # fine, or a placeholder (PL501's)
    shown = "${" + inner + "}"
    if not inner.strip():
        return "empty", f"{shown} is an empty policy variable"
    name, comma, default = inner.partition(",")
    if comma and not _QUOTED_DEFAULT.match(default):
        return (
            "missing quote",
            f"the default value of {shown} must be in single quotes: ${{{name.strip()}, '{default.strip().strip(chr(39))}'}}",
        )
    stripped = name.strip()
    if any(ch.isspace() for ch in stripped):
        return "space", f"{shown}: a policy variable name cannot contain a space"
    symbols = sorted({ch for ch in stripped if not _NAME_CHARS.match(ch)})
    if symbols:
        listed = " ".join(repr(ch) for ch in symbols)
        return "unsupported symbol", f"{shown}: {listed} is not allowed in a policy variable name"
    return "empty", f"{shown} names no context key"
