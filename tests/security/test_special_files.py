"""Special files (FIFOs, devices) are unusable input, never a hang or an unbounded read.

A pull request can commit a FIFO named ``policy.json`` (git stores it as a plain file, but a
workspace restored from a cache or an archive can hold one), and a user can point ``--baseline``
at ``/dev/zero`` by mistake. Each case runs the real CLI in a subprocess with a generous deadline:
the deadline only turns a regression into a failure instead of a hung CI job.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DEADLINE = 60  # seconds; the safe path answers in well under one


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this platform has no FIFOs")


@needs_fifo
def test_lint_refuses_a_fifo_named_like_a_policy(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "policy.json")
    done = run("lint", "policy.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "policy.json: not a regular file (a named pipe)" in done.stderr
    assert "Traceback" not in done.stderr


@needs_fifo
def test_lint_of_a_folder_reports_the_fifo_in_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "trap.json")
    (tmp_path / "ok.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    done = run("lint", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "trap.json: not a regular file (a named pipe)" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_lint_of_dev_zero_stops_at_once(tmp_path: Path) -> None:
    done = run("lint", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 2
    assert "/dev/zero: not a regular file (a device)" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_baseline_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    done = run("lint", "p.json", "--baseline", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 2
    assert "/dev/zero: not a regular file (a device)" in done.stderr


def test_a_broken_policy_is_reported_whatever_the_selection(tmp_path: Path) -> None:
    """--select PL6 must not turn an unparseable policy into a silent pass (nor a baseline past it)."""
    (tmp_path / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [}')
    done = run("lint", "broken.json", "--select", "PL6", cwd=tmp_path)
    assert done.returncode == 1
    assert "broken.json:1:41: PL001 error" in done.stdout
    refused = run("lint", "broken.json", "--select", "PL6", "--write-baseline", "b.json", cwd=tmp_path)
    assert refused.returncode == 2
    assert not (tmp_path / "b.json").exists()
