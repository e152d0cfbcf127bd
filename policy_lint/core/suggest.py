"""The closest known name to a mistyped one, for "did you mean" hints.

One place for the lookup the action, condition, ARN and grammar rules share, and the reason
:mod:`difflib` is imported on first use rather than at start-up: hints are only needed when a
name is wrong, and most runs have none.
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float) -> str | None:
    """The choice most like ``word`` (difflib's similarity ratio at least ``cutoff``), or None."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None
