"""Special files (FIFOs, devices) are unusable input, never a hang or an unbounded read.

A pull request can commit a FIFO named ``policy.json`` (git stores it as a plain file, but a
workspace restored from a cache or an archive can hold one), and a user can point ``--baseline``
at ``/dev/zero`` by mistake. Each case runs the real CLI in a subprocess with a generous deadline:
the deadline only turns a regression into a failure instead of a hung CI job.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.security.cli import ADMIN_POLICY, CS301_OPEN, OPEN_SSH, run

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


NAMED_PIPE = "not a regular file (a named pipe); only regular files are read"


@needs_fifo
def test_check_of_a_folder_reports_fifos_named_like_its_inputs(tmp_path: Path) -> None:
    # main.tf used to block the HCL reader, template.yaml the sniff that tells templates apart
    for name in ("main.tf", "template.yaml", "plan.json", "terraform.tfvars"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "open.json").write_text(OPEN_SSH)
    done = run("check", "--profile-set", "cis", ".", cwd=tmp_path)
    assert done.returncode == 2
    for name in ("main.tf", "template.yaml", "plan.json", "terraform.tfvars"):
        assert f"{name}:1:1: IN001 error {NAMED_PIPE}" in done.stdout
    assert CS301_OPEN in done.stdout
    assert "Traceback" not in done.stderr


@needs_fifo
def test_check_refuses_a_fifo_named_explicitly(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "template.yaml")
    (tmp_path / "open.json").write_text(OPEN_SSH)
    done = run("check", "--profile-set", "cis", "template.yaml", "open.json", cwd=tmp_path)
    assert done.returncode == 2
    assert f"template.yaml:1:1: IN001 error {NAMED_PIPE}" in done.stdout
    assert CS301_OPEN in done.stdout


@needs_fifo
def test_check_reports_a_fifo_in_a_called_module_outside_the_checked_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # modules outside the checked folder load only from the same repository
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "main.tf").write_text('module "shared" {\n  source = "../shared"\n}\n')
    (tmp_path / "root" / "open.json").write_text(OPEN_SSH)
    (tmp_path / "shared").mkdir()
    os.mkfifo(tmp_path / "shared" / "main.tf")
    done = run("check", "--profile-set", "cis", "root", cwd=tmp_path)
    assert done.returncode == 2
    assert f"shared/main.tf:1:1: IN001 error {NAMED_PIPE}" in done.stdout
    assert CS301_OPEN in done.stdout


@needs_fifo
def test_a_fifo_settings_file_is_refused_not_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".policy-lint.yaml")
    (tmp_path / "p.json").write_text(ADMIN_POLICY)
    done = run("lint", "p.json", cwd=tmp_path)
    assert done.returncode == 2
    assert ".policy-lint.yaml: a settings file must be a regular file" in done.stderr


def test_a_huge_pyproject_is_refused_not_read_whole(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with (tmp_path / "pyproject.toml").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    (tmp_path / "p.json").write_text(ADMIN_POLICY)
    done = run("lint", "p.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "pyproject.toml: file is 64.0 MiB, over the 1 MiB limit\n" in done.stderr
