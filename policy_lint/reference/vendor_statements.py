"""Is this statement one the vendor's reference policy already has, word for word?

The onboarding guide's own policies carry weaknesses (the Agentless policy's untagged
``ec2:CreateTags``, snapshot and AMI sharing: PL607, PL608). A customer who follows the guide
exactly inherits them, and a gate that blocks on them blocks every correct onboarding. So a
finding inside a statement that is *inherited verbatim* from a reference policy keeps its level,
but is accepted by default as a documented vendor risk (``accept-vendor-reference`` in the
settings). Any deviation from the reference makes the statement the user's own again: it is
judged, and blocks, as usual.

"Verbatim" means the same statement once the spelling IAM ignores is ignored: the Sid, the
order of list entries, a single value written without a list, the case of action names and
condition keys. Every other difference (one action more, a condition value less, another
resource) is a deviation. A reference placeholder (``${SQS ARN}``) stands for any one value
without a wildcard: ``arn:aws:iam::*:root`` in place of ``arn:aws:iam::${Account ID}:root`` widens
the grant, so it is a deviation.

Read without the manifest (no YAML import), so ``lint`` pays only for three small JSON files,
and only once a finding is to be looked at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policy_lint.core.package_data import package_files
from policy_lint.policy.placeholders import find_placeholders

PACKAGE = "policy_lint.reference.policies"
#: the keys whose values IAM compares without regard to case
_CASELESS_VALUES = frozenset({"Action", "NotAction"})


@dataclass(frozen=True)
class VendorStatement:
    """One statement of a shipped reference policy."""

    file: str
    index: int
    sid: str | None
    normal: Any

    @property
    def label(self) -> str:
        named = f" ({self.sid})" if self.sid else ""
        return f"{self.file} statement {self.index + 1}{named}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sorted(values: list[Any]) -> list[Any]:
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True))


def normalise(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with the spelling IAM ignores removed (see the module docstring)."""
    out: dict[str, Any] = {}
    for name, value in statement.items():
        if name == "Sid":
            continue
        if name in _CASELESS_VALUES:
            out[name] = _sorted([v.lower() if isinstance(v, str) else v for v in _as_list(value)])
        elif name in {"Resource", "NotResource"}:
            out[name] = _sorted(_as_list(value))
        elif name in {"Principal", "NotPrincipal"} and isinstance(value, dict):
            out[name] = {kind: _sorted(_as_list(v)) for kind, v in value.items()}
        elif name == "Condition" and isinstance(value, dict):
            out[name] = {
                operator: (
                    {key.lower(): _sorted(_as_list(v)) for key, v in keys.items()}
                    if isinstance(keys, dict)
                    else keys
                )
                for operator, keys in value.items()
            }
        else:
            out[name] = value
    return out


def _pattern(value: str) -> re.Pattern[str] | None:
    """A reference string with placeholders, as a pattern where each placeholder is any value."""
    found = find_placeholders(value)
    if not found:
        return None
    parts: list[str] = []
    position = 0
    for offset, token, _kind in found:
        parts.append(re.escape(value[position:offset]))
        parts.append(r"[^*?]+")  # a real value: a wildcard in its place widens the grant
        position = offset + len(token)
    parts.append(re.escape(value[position:]))
    return re.compile("".join(parts), re.S)


def _same(reference: Any, actual: Any) -> bool:
    if isinstance(reference, dict):
        return (
            isinstance(actual, dict)
            and reference.keys() == actual.keys()
            and all(_same(reference[k], actual[k]) for k in reference)
        )
    if isinstance(reference, list):
        # Both sorted; placeholders may sort differently from the values that fill them, so pair
        # each reference entry with a distinct actual entry.
        if not isinstance(actual, list) or len(reference) != len(actual):
            return False
        remaining = list(actual)
        for entry in reference:
            match = next((i for i, candidate in enumerate(remaining) if _same(entry, candidate)), None)
            if match is None:
                return False
            remaining.pop(match)
        return True
    if isinstance(reference, str) and isinstance(actual, str):
        pattern = _pattern(reference)
        return pattern.fullmatch(actual) is not None if pattern else reference == actual
    return type(reference) is type(actual) and reference == actual


@lru_cache(maxsize=1)
def vendor_statements() -> tuple[VendorStatement, ...]:
    """Every statement of every shipped reference policy."""
    found: list[VendorStatement] = []
    for entry in sorted(package_files(PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        document = json.loads(entry.read_text(encoding="utf-8"))
        for index, statement in enumerate(_as_list(document.get("Statement", []))):
            if isinstance(statement, dict):
                sid = statement.get("Sid")
                label = sid if isinstance(sid, str) else None
                found.append(VendorStatement(entry.name, index, label, normalise(statement)))
    return tuple(found)


@lru_cache(maxsize=1)
def _shapes() -> frozenset[tuple[frozenset[str], int]]:
    return frozenset(_shape(v.normal) for v in vendor_statements())


def _shape(statement: dict[str, Any]) -> tuple[frozenset[str], int]:
    """Keys (without Sid) and the number of actions: equal for a copy, and cheap to compare first."""
    actions = statement.get("Action", statement.get("NotAction"))
    return frozenset(k for k in statement if k != "Sid"), len(actions) if isinstance(actions, list) else 1


def inherited_from(statement: Any) -> VendorStatement | None:
    """The reference statement ``statement`` repeats verbatim, or None."""
    if not isinstance(statement, dict) or _shape(statement) not in _shapes():
        return None  # most statements: no reference statement has its keys and action count
    normal = normalise(statement)
    return next((v for v in vendor_statements() if _same(v.normal, normal)), None)
