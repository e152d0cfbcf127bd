"""The finding model shared by every rule and reporter.

Levels follow IAM Access Analyzer's policy checks so users of that tool feel at
home: ERROR > SECURITY_WARNING > WARNING > SUGGESTION.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

#: Findings that mean an input could not be used at all (not parsed, not read): what it holds is
#: unknown, so the run cannot vouch for it (check exits 2, no baseline is written from it).
UNUSABLE_INPUT_RULES = frozenset({"IN001", "PL001"})

#: the ``--fail-on`` of every command that gates (lint, diff, check, verify) when neither the flag
#: nor the settings' ``fail-on`` says otherwise: AWS's policy validators (cfn-policy-validator,
#: tf-policy-validator) block on ERROR and SECURITY_WARNING, and a security gate that passes a
#: security warning is not one
DEFAULT_FAIL_ON = "security-warning"


class Level(IntEnum):
    """How bad a finding is; ordered so ``--fail-on`` can compare."""

    SUGGESTION = 1
    WARNING = 2
    SECURITY_WARNING = 3
    ERROR = 4

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Level:
        key = text.strip().upper().replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(level.label for level in cls)
            raise ValueError(f"unknown level {text!r}; choose one of {choices}") from None


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding points: 1-based line and column, in characters."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule at one place."""

    rule_id: str
    level: Level
    message: str
    location: Location
    rule_name: str = ""
    hint: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.message)


def unusable_inputs(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that say an input could not be used at all."""
    return [f for f in findings if f.rule_id in UNUSABLE_INPUT_RULES and f.level >= Level.ERROR]
