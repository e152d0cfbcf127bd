"""Shared helpers of the CSPM rules: framework labels, names and times (verdicts: :mod:`policy_lint.checks.verdicts`)."""

from __future__ import annotations

from datetime import datetime, timezone

CIS = "CIS AWS Foundations v3.0.0"
FSBP = "AWS Foundational Security Best Practices"
CIS_REF = "CIS Amazon Web Services Foundations Benchmark v3.0.0"
PROFILES = ("cis",)


def cis(*controls: str) -> tuple[tuple[str, str], ...]:
    """The ``frameworks`` mapping for one or more CIS v3.0.0 control numbers."""
    return tuple((CIS, control) for control in controls)


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 timestamp as AWS and the credential report write it; None when unreadable (N/A)."""
    text = text.strip()
    if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not read the Z suffix
        text = text[:-1] + "+00:00"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
