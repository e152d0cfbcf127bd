"""Run the real CLI on hostile input, in-process, and keep stdout and stderr apart as bytes.

click's CliRunner writes through a strict UTF-8 stream, as a UTF-8 terminal or pipe does, so an
output that cannot be encoded fails here exactly as it would for a user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.reporters.formats import FORMATS

__all__ = ["FORMATS", "ONBOARDING", "Run", "policy_lint"]

#: ``check`` against an onboarding that does not name its user, OB101 only: the OB rules judge only an
#: onboarding, and OB101 then lists every declared IAM user by its name (the hostile text a test
#: plants there) as one it cannot tell is the onboarding user (unknown, exit 0).
ONBOARDING = (
    "--config",
    str(Path(__file__).resolve().parents[1] / "fixtures" / "onboarding" / "no-iam-user.yaml"),
    "--select",
    "OB101",
)


@dataclass(frozen=True)
class Run:
    code: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")  # strict: invalid UTF-8 fails the test

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")

    @property
    def both(self) -> str:
        return self.stdout + self.stderr


def policy_lint(*args: str, cwd: Path) -> Run:
    """``policy-lint ARGS`` run in *cwd*; an internal error (exit 2 with a traceback hidden) is
    visible in stderr."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(before)
    assert "internal error" not in result.stderr, result.stderr
    return Run(result.exit_code, result.stdout_bytes, result.stderr_bytes)
