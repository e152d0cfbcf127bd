"""A suppression's expiry date: one accepted spelling, and anything else that reads like one refused.

Inline, the expiry is ``(until YYYY-MM-DD)`` at the end of the comment; in the settings file it is
``expires: YYYY-MM-DD``. An expiry written any other way (``(until 01/01/2020)``,
``(until 2020-1-1)``, ``(expires 2020-01-01)``, an impossible ``2020-02-30``) used to become part
of the reason, so the acceptance never expired and nobody was told. Now it is a problem of its own
and the suppression does not apply until the date is written so it can expire.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
#: Something a reader takes for a date: 2020-01-01, 1/1/2020, 01.01.20, "Jan 1 2020", "1 March 2020".
_DATE_LIKE = (
    r"(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}[-/.]\d{1,2}\b"
    rf"|(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS})[a-z]*\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?\s+\d{{2,4}})"
)
_WORDS = r"until|till|til|expires?|expiry|expiring|expiration|expired"
#: The one inline spelling: "(until 2027-03-31)" at the very end.
_UNTIL = re.compile(r"\s*\(\s*until\s+(?P<date>\d{4}-\d{2}-\d{2})\s*\)\s*$", re.IGNORECASE)
#: A parenthesised group at the end that starts with an expiry word, or holds only a date.
_TRAILING = re.compile(rf"\(\s*(?:(?:{_WORDS})\b[^()]*|\d[\d\s./-]*)\)\s*$", re.IGNORECASE)
#: An expiry word followed by a date anywhere ("valid until 1/1/2020", "expires: 2020-01-01").
_WORD_AND_DATE = re.compile(
    rf"\b(?:{_WORDS}|through|thru|valid\s+to)\b\s*:?\s*(?:on\s+|the\s+)?{_DATE_LIKE}", re.IGNORECASE
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ACCEPTED = "(until YYYY-MM-DD)"


@dataclass(frozen=True)
class Expiry:
    """The reason without its expiry, the ISO date if one was given, and what is wrong, if anything."""

    reason: str
    until: str | None = None
    problem: str | None = None


def iso_date_problem(value: str) -> str | None:
    """Why ``value`` is not a real ``YYYY-MM-DD`` date, or None when it is one."""
    if not _ISO.match(value):
        return f"{value!r} is not a YYYY-MM-DD date"
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a date that exists"
    return None


def split_expiry(text: str) -> Expiry:
    """Read ``reason (until YYYY-MM-DD)`` from the text after ``ignore[...]``."""
    match = _UNTIL.search(text)
    reason = text[: match.start()].strip() if match else text.strip()
    until = match.group("date") if match else None
    if until is not None:
        problem = iso_date_problem(until)
        if problem is not None:
            return Expiry(reason, until, f"the expiry {problem}; write it as {ACCEPTED}")
    problem = expiry_in_reason(reason)
    if problem is not None:
        return Expiry(reason, until, f"{problem}; write the expiry at the end as {ACCEPTED}")
    return Expiry(reason, until)


def expiry_in_reason(reason: str) -> str | None:
    """A phrase of ``reason`` that reads like an expiry the tool would not understand, described."""
    found = _TRAILING.search(reason) or _WORD_AND_DATE.search(reason)
    if found is None:
        return None
    return (
        f"{found.group().strip()!r} reads like an expiry date the tool cannot read, so it would never expire"
    )
