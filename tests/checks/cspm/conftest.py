"""Every CSPM rule test runs against a fixed clock (builders.NOW)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.checks.cspm.builders import NOW


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Age rules measure against NOW, so boundary tests are exact and never flaky."""
    monkeypatch.setattr("policy_lint.checks.cspm.identity.now", lambda: NOW)
    return NOW
