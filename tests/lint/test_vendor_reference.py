"""Weaknesses inherited verbatim from the vendor's reference policy: kept at their level, accepted
by default as a documented vendor risk, listed with the reason; any deviation blocks as usual."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.reference.vendor_statements import inherited_from
from tests.conftest import REPO_ROOT

AGENTLESS = json.loads((REPO_ROOT / "policy_lint" / "reference" / "policies" / "agentless.json").read_text())
QUEUE_POLICY = REPO_ROOT / "examples" / "policies" / "sqs-queue-policy-filled.json"


def _lint(
    tmp_path: Path, document: dict[str, Any], *args: str, settings: str | None = None
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "agentless.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    if settings is not None:
        (tmp_path / ".policy-lint.yaml").write_text(settings, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "policy_lint",
            "lint",
            "agentless.json",
            "--fail-on",
            "security-warning",
            *args,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _create_tags_statement(document: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in document["Statement"] if "ec2:CreateTags" in s["Action"])


def test_the_guide_followed_exactly_passes_the_security_gate_and_says_what_it_accepted(
    tmp_path: Path,
) -> None:
    proc = _lint(tmp_path, AGENTLESS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    accepted = [line for line in proc.stdout.splitlines() if line.startswith("  PL607 security-warning at ")]
    assert len(accepted) == 1
    assert "inherited verbatim from the vendor's reference policy (agentless.json statement 3)" in accepted[0]
    assert "accept-vendor-reference: false" in accepted[0]
    assert proc.stdout.rstrip().endswith("No findings in 1 file.")


def test_the_json_report_lists_the_accepted_findings_with_kind_and_level(tmp_path: Path) -> None:
    proc = _lint(tmp_path, AGENTLESS, "--format", "json")
    report = json.loads(proc.stdout)
    entries = {e["rule_id"]: e for e in report["suppressed"]}
    assert {"PL607", "PL608"} <= set(entries)
    assert entries["PL607"]["kind"] == "vendor-reference"
    assert entries["PL607"]["level"] == "security-warning"
    assert report["findings"] == []


def test_spelling_iam_ignores_is_still_verbatim(tmp_path: Path) -> None:
    document = copy.deepcopy(AGENTLESS)
    statement = _create_tags_statement(document)
    statement["Action"] = sorted((a.lower() for a in statement["Action"]), reverse=True)
    statement["Sid"] = "ScannerResources"
    statement["Resource"] = ["*"]
    assert proc_ok(_lint(tmp_path, document))


def proc_ok(proc: subprocess.CompletedProcess[str]) -> bool:
    return proc.returncode == 0 and "PL607 security-warning at" in proc.stdout


def test_a_deviation_that_adds_risk_makes_the_statement_the_users_and_it_blocks(tmp_path: Path) -> None:
    document = copy.deepcopy(AGENTLESS)
    _create_tags_statement(document)["Action"].append("ec2:DeleteVolume")
    proc = _lint(tmp_path, document)
    assert proc.returncode == 1
    reported = [line for line in proc.stdout.splitlines() if " PL607 security-warning " in line]
    assert reported and reported[0].startswith("agentless.json:")


def test_accept_vendor_reference_false_makes_them_block(tmp_path: Path) -> None:
    proc = _lint(tmp_path, AGENTLESS, settings="accept-vendor-reference: false\n")
    assert proc.returncode == 1
    assert any(line.startswith("agentless.json:") and " PL607 " in line for line in proc.stdout.splitlines())
    assert "Accepted or suppressed" not in proc.stdout


@pytest.mark.parametrize(
    ("change", "verbatim"),
    [
        (lambda s: s, True),
        (lambda s: {**s, "Sid": "Other"}, True),
        (
            lambda s: {**s, "Resource": "arn:aws:sqs:eu-west-1:111122223333:other-queue"},
            True,
        ),  # a placeholder
        (lambda s: {**s, "Action": ["sqs:SendMessage", "sqs:DeleteQueue"]}, False),
        (lambda s: {**s, "Resource": "arn:aws:sqs:*:*:*"}, False),  # a wildcard is not a filled placeholder
        (lambda s: {k: v for k, v in s.items() if k != "Condition"}, False),
    ],
)
def test_placeholders_stand_for_any_value_and_nothing_else_may_differ(change: Any, verbatim: bool) -> None:
    statements = json.loads(QUEUE_POLICY.read_text())["Statement"]
    sending = next(s for s in statements if "Condition" in s)
    assert (inherited_from(change(copy.deepcopy(sending))) is not None) is verbatim


def test_one_condition_value_less_is_a_deviation() -> None:
    first = copy.deepcopy(AGENTLESS["Statement"][0])
    assert inherited_from(first) is not None
    first["Condition"]["StringLike"]["ec2:ResourceTag/Name"] = "*"
    assert inherited_from(first) is None


def test_an_accept_vendor_reference_that_is_not_a_boolean_is_a_located_error(tmp_path: Path) -> None:
    proc = _lint(tmp_path, AGENTLESS, settings='accept-vendor-reference: "no"\n')
    assert proc.returncode == 2
    assert ".policy-lint.yaml:1:26: accept-vendor-reference: 'no' is not of type 'boolean'" in proc.stderr
    assert "Traceback" not in proc.stderr
