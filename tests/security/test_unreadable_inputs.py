"""Inputs that cannot be read are unusable input (exit 2) with the path and what to do, never
skipped in silence and never an internal error; the other inputs are still reported.

Before: ``check`` skipped an unreadable template in a folder (its sniff swallowed the OSError) and
exited 0; ``lint`` and ``check`` skipped a sub-folder they could not list (``os.walk`` ignores
errors by default); a file named below a folder that cannot be entered ended the run with an
internal PermissionError.

Permission bits do not stop root, and CI runs these tests as root. Switching to ``nobody`` is no
way out here: the interpreter lives under ``/root`` (mode 700), so ``nobody`` could not even
start it. Instead the CLI runs as root without the two capabilities that let root ignore
permission bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: dropped from the bounding set before
exec, so the new program never has them), which makes a mode-000 file or folder unreadable to
it as to any user. A probe checks that this works; the tests skip, saying why, only where it
cannot (not Linux, or no right to drop capabilities).
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.security import cli
from tests.security.cli import ADMIN_POLICY, CS301_OPEN, OPEN_SSH, assert_no_internal_error

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2

QUEUE_TEMPLATE = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"


def _drop_permission_override() -> None:
    """preexec_fn: the program about to be exec'd gets no capability to ignore permission bits."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _preexec() -> Callable[[], None] | None:
    return _drop_permission_override if os.geteuid() == 0 else None


@pytest.fixture(scope="module")
def permissions_hold(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip (with the reason) unless a mode-000 file is really unreadable to a child process."""
    if not sys.platform.startswith("linux") and os.geteuid() == 0:
        pytest.skip("running as root on a platform where root cannot give up reading every file")
    trap = tmp_path_factory.mktemp("probe") / "trap"
    trap.write_text("x")
    trap.chmod(0)
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"open({str(trap)!r}).read()"],
            preexec_fn=_preexec(),
            capture_output=True,
            timeout=cli.DEADLINE,
            check=False,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot run the CLI without root's permission override here: {exc}")
    finally:
        trap.chmod(0o600)
    if done.returncode == 0:
        pytest.skip("a mode-000 file is still readable to a child process here (root keeps its override)")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli.run(*args, cwd=cwd, preexec=_preexec())


@pytest.fixture
def locked() -> Iterator[Callable[[Path], Path]]:
    """``lock(path)`` sets mode 000 on a file or folder, restored afterwards so it can be removed."""
    done: list[Path] = []

    def lock(path: Path) -> Path:
        path.chmod(0)
        done.append(path)
        return path

    yield lock
    for path in reversed(done):
        path.chmod(0o700)


# -- lint ---------------------------------------------------------------------------------------------
def test_lint_reports_a_sub_folder_it_cannot_list(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY)
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "hidden-admin.json").write_text(ADMIN_POLICY)
    locked(tmp_path / "team")
    done = run("lint", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert "team: cannot list this folder (permission denied): make it readable and searchable" in done.stderr
    assert "admin.json:1:" in done.stdout and "PL601" in done.stdout


def test_lint_reports_an_unreadable_file_in_a_folder(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY)
    locked_file = tmp_path / "secret-admin.json"
    locked_file.write_text(ADMIN_POLICY)
    locked(locked_file)
    done = run("lint", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert "secret-admin.json: permission denied: make it readable by the user running policy-lint" in (
        done.stderr
    )
    assert "admin.json:1:" in done.stdout and "PL601" in done.stdout


def test_lint_reports_a_file_below_a_folder_it_cannot_enter(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY)
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "policy.json").write_text(ADMIN_POLICY)
    locked(tmp_path / "vault")
    done = run("lint", "vault/policy.json", "admin.json", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert "vault/policy.json: cannot be reached: permission denied on a folder above it" in done.stderr
    assert "admin.json:1:" in done.stdout and "PL601" in done.stdout


# -- check --------------------------------------------------------------------------------------------
def test_check_reports_an_unreadable_template_in_a_folder(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH)
    (tmp_path / "template.yaml").write_text(QUEUE_TEMPLATE)
    locked(tmp_path / "template.yaml")
    done = run("check", "--profile-set", "cis", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert "template.yaml:1:1: IN001 error permission denied: make it readable" in done.stdout
    assert CS301_OPEN in done.stdout


def test_check_reports_a_sub_folder_it_cannot_list(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH)
    (tmp_path / "network").mkdir()
    (tmp_path / "network" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    locked(tmp_path / "network")
    done = run("check", "--profile-set", "cis", "--format", "json", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    report = json.loads(done.stdout)
    problems = [p for p in report["problems"] if p["rule_id"] == "IN001"]
    assert [(p["location"]["path"], p["level"]) for p in problems] == [("./network", "error")]
    assert problems[0]["message"].startswith("cannot list this folder (permission denied)")
    assert any(r["rule_id"] == "CS301" and r["status"] == "fail" for r in report["results"])


def test_check_reports_a_file_below_a_folder_it_cannot_enter(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH)
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "template.yaml").write_text(QUEUE_TEMPLATE)
    locked(tmp_path / "vault")
    done = run("check", "--profile-set", "cis", "vault/template.yaml", "open.json", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert (
        "vault/template.yaml:1:1: IN001 error cannot be reached: permission denied on a folder above it"
        in (done.stdout)
    )
    assert CS301_OPEN in done.stdout


def test_check_reports_a_module_folder_it_cannot_list(
    tmp_path: Path, permissions_hold: None, locked: Callable[[Path], Path]
) -> None:
    (tmp_path / ".git").mkdir()  # modules outside the checked folder load only from the same repository
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "main.tf").write_text('module "shared" {\n  source = "../shared"\n}\n')
    (tmp_path / "root" / "open.json").write_text(OPEN_SSH)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    locked(tmp_path / "shared")
    done = run("check", "--profile-set", "cis", "root", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2
    assert "shared:1:1: IN001 error cannot list this module folder (permission denied)" in done.stdout
    assert "has no .tf files" not in done.stdout  # the old, wrong reason (a warning, exit 0)
    assert CS301_OPEN in done.stdout
