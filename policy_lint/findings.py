"""The finding model shared by every rule and reporter.

Levels follow IAM Access Analyzer's policy checks so users of that tool feel at
home: ERROR > SECURITY_WARNING > WARNING > SUGGESTION.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


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
