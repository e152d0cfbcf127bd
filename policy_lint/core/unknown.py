"""A value the input could not decide, and why: the one type every layer uses to say "unknown".

It has its own module, apart from the inventory's resources, so that modules the resources
depend on (the onboarding configuration builds its queue's ARN with :mod:`.arns`) can use it
without importing the resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Unknown:
    """A value the source could not determine, and why."""

    reason: str

    def __bool__(self) -> bool:  # an Unknown must never pass a truthiness test by accident
        raise TypeError(
            f"truth value of an unknown value ({self.reason}) is undefined: check is_unknown() first"
        )


@dataclass(frozen=True)
class Malformed(Unknown):
    """A value the input states but that is broken (a policy string that is not JSON): nothing can be
    judged from it, and unlike a value known only at apply time it is a fault of the input itself
    (AWS refuses such a policy), so the rules that meet it report it rather than stay silent."""


Maybe: TypeAlias = "T | Unknown"
