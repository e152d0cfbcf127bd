"""Baselines cannot be turned against the project: written only from complete runs, never over
another file, matched from any folder, and a hostile baseline is a located error, never a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.security.cli import run as run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml")
DEADLINE = 120  # seconds; only turns a regression (a hang) into a failure
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "admin.json").write_text(json.dumps(ADMIN, indent=2), encoding="utf-8")
    return tmp_path


def test_write_baseline_refuses_a_run_with_a_missing_input(project: Path) -> None:
    done = run(project, "lint", "policies/admin.json", "policies/gone.json", "--write-baseline", "b.json")
    assert done.returncode == 2
    assert "baseline b.json not written" in done.stderr and "gone.json" in done.stderr
    assert not (project / "b.json").exists()


def test_write_baseline_refuses_a_run_with_a_broken_policy(project: Path) -> None:
    (project / "policies" / "broken.json").write_text(
        '{"Version": "2012-10-17", "Statement": [', encoding="utf-8"
    )
    done = run(project, "lint", "policies/admin.json", "policies/broken.json", "--write-baseline", "b.json")
    assert done.returncode == 2
    assert "policies/broken.json:1:" in done.stderr and "PL001" in done.stderr
    assert not (project / "b.json").exists()


def test_check_write_baseline_refuses_an_unreadable_terraform_file(project: Path) -> None:
    (project / "infra").mkdir()
    (project / "infra" / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = \n', encoding="utf-8")
    done = run(project, "check", "infra", "--config", CONFIG, "--write-baseline", "b.json")
    assert done.returncode == 2
    assert "infra/main.tf:" in done.stderr and "IN001" in done.stderr
    assert not (project / "b.json").exists()


def test_write_baseline_does_not_overwrite_another_file(project: Path) -> None:
    target = project / "policies" / "admin.json"
    before = target.read_bytes()
    done = run(project, "lint", "policies/admin.json", "--write-baseline", "policies/admin.json")
    assert done.returncode == 2
    assert "refusing to overwrite policies/admin.json" in done.stderr
    assert target.read_bytes() == before


def test_write_baseline_replaces_a_baseline_or_an_empty_file(project: Path) -> None:
    (project / "b.json").write_text("", encoding="utf-8")
    assert run(project, "lint", "policies/admin.json", "--write-baseline", "b.json").returncode == 0
    assert json.loads((project / "b.json").read_text())["findings"]
    assert run(project, "lint", "policies/admin.json", "--write-baseline", "b.json").returncode == 0


def test_settings_baseline_works_from_a_sub_folder(project: Path) -> None:
    assert run(project, "lint", "policies/admin.json", "--fail-on", "security-warning").returncode == 1
    (project / ".policy-lint.yaml").write_text(
        "fail-on: security-warning\nbaseline: baseline.json\n", encoding="utf-8"
    )
    assert run(project, "lint", "policies/admin.json", "--write-baseline", "baseline.json").returncode == 0
    assert run(project, "lint", "policies/admin.json").returncode == 0
    from_sub_folder = run(project / "policies", "lint", "admin.json")
    assert from_sub_folder.returncode == 0, from_sub_folder.stdout + from_sub_folder.stderr
    assert "PL601" not in from_sub_folder.stdout


def test_command_line_baseline_matches_from_another_folder(project: Path) -> None:
    assert run(project, "lint", "policies/admin.json", "--write-baseline", "baseline.json").returncode == 0
    stored = json.loads((project / "baseline.json").read_text())
    assert {f["where"] for f in stored["findings"]} == {"policies/admin.json"}
    done = run(
        project / "policies",
        "lint",
        "admin.json",
        "--baseline",
        "../baseline.json",
        "--fail-on",
        "suggestion",
    )
    assert done.returncode == 0, done.stdout


def test_format_1_baselines_are_still_read(project: Path) -> None:
    findings = json.loads(run(project, "lint", "policies/admin.json", "--format", "json").stdout)["findings"]
    assert findings

    def fingerprint(rule: str, where: str, message: str) -> str:
        return hashlib.sha256(f"{rule}\0{where}\0{message}".encode()).hexdigest()[:32]

    old = {
        "format": "policy-lint-baseline/1",
        "findings": [
            {"fingerprint": fingerprint(f["rule_id"], "policies/admin.json", f["message"])} for f in findings
        ],
    }
    (project / "old.json").write_text(json.dumps(old), encoding="utf-8")
    for cwd, args in (
        (project, ("policies/admin.json", "--baseline", "old.json")),
        (project / "policies", ("admin.json", "--baseline", "../old.json")),
    ):
        done = run(cwd, "lint", *args, "--fail-on", "suggestion")
        assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"format": "policy-lint-baseline/2", "findings": [' + "9" * 5000 + "]}",
            "b.json:1:51: not a policy-lint baseline: an integer of 5,000 digits",
        ),
        ("[" * 100_000 + "]" * 100_000, "b.json:1:33: not a policy-lint baseline: nested more than 32"),
        ('\n  {"findings": [[[[' + "[" * 100_000, "b.json:2:"),
    ],
    ids=["5000-digit-integer", "nested-100000-deep", "nested-and-unfinished"],
)
def test_hostile_baseline_is_a_located_error(project: Path, content: str, expected: str) -> None:
    (project / "b.json").write_text(content, encoding="utf-8")
    done = run(project, "lint", "policies/admin.json", "--baseline", "b.json")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    refused = run(project, "lint", "policies/admin.json", "--write-baseline", "b.json")
    assert refused.returncode == 2 and "refusing to overwrite b.json" in refused.stderr


def test_baseline_file_stores_no_secret_from_a_finding(project: Path) -> None:
    """The baseline is committed: a secret a finding quotes (a Sid here) must not be written to it."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    doc = {"Version": "2012-10-17", "Statement": [{**ADMIN["Statement"][0], "Sid": "AKIAIOSFODNN7EXAMPLE"}]}
    doc["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalTag/k": secret}}
    (project / "leaky.json").write_text(json.dumps(doc))
    written = run(project, "lint", "leaky.json", "--write-baseline", "baseline.json")
    assert written.returncode == 0, written.stderr
    stored = (project / "baseline.json").read_text()
    assert "AKIAIOSFODNN7EXAMPLE" not in stored and secret not in stored
    again = run(project, "lint", "leaky.json", "--baseline", "baseline.json")
    assert again.returncode == 0, "the fingerprint still matches the finding it was written from"


def test_baseline_of_a_non_utf8_file_name(project: Path) -> None:
    """A file name that is not UTF-8 is written escaped, and its findings still match."""
    name = b"caf\xe9-admin.json"
    with open(os.path.join(os.fsencode(project), name), "w") as handle:
        handle.write(json.dumps(ADMIN))
    written = run(project, "lint", ".", "--write-baseline", "baseline.json")
    assert written.returncode == 0, written.stderr
    rows = json.loads((project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert "caf\\xe9-admin.json" in [row["where"] for row in rows]
    again = run(project, "lint", ".", "--baseline", "baseline.json")
    assert again.returncode == 0, again.stdout + again.stderr
