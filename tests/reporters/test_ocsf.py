"""``--format ocsf``: OCSF Compliance Finding events, validated with ``py-ocsf-models`` (the OCSF
models Prowler uses): every event is parsed by its ``ComplianceFinding`` model, and the model
dumped back must equal the event, so no field we write is of a type or name OCSF does not have.
The ``cloud`` object (OCSF's cloud profile) is outside that model and is checked against the
schema's ``cloud``/``account`` fields with the library's own ``Cloud`` model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Level
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status
from tests.reporters.conftest import (
    KEY_ID,
    SECRET,
    accepted_entries,
    lint_findings,
    live_results,
    planned_results,
)
from tests.security.inprocess import policy_lint

ocsf_models = pytest.importorskip("py_ocsf_models", reason="py-ocsf-models (test extra) is not installed")
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding  # noqa: E402
from py_ocsf_models.objects.cloud import Cloud  # noqa: E402

LIVE = {
    "command": "verify",
    "scope": {"account": "123456789012", "regions": ["eu-west-1"], "partition": "aws"},
}


def validate(event: dict[str, Any]) -> None:
    model = ComplianceFinding.model_validate(event)
    dumped = model.model_dump(mode="json", exclude_none=True)
    assert dumped == {k: v for k, v in event.items() if k != "cloud"}
    if "cloud" in event:
        assert (
            Cloud.model_validate(event["cloud"]).model_dump(mode="json", exclude_none=True) == event["cloud"]
        )
        assert "cloud" in event["metadata"]["profiles"]


def ocsf(findings: Any = None, results: Any = None, context: Any = LIVE) -> list[dict[str, Any]]:
    events = json.loads(format_output("ocsf", findings=findings, results=results, context=context))
    for event in events:
        validate(event)
        assert (event["class_uid"], event["category_uid"], event["type_uid"]) == (2003, 2, 200301)
    assert len({e["finding_info"]["uid"] for e in events}) == len(events)
    return events


def test_one_compliance_finding_per_result_with_its_verdict() -> None:
    by_resource = {e["resources"][0]["uid"]: e for e in ocsf(results=live_results())}
    failed = by_resource["arn:aws:iam::123456789012:user/aliyun-security-center-user"]
    assert (failed["compliance"]["status_id"], failed["severity_id"]) == (3, 2)  # Fail, Low
    unknown = by_resource["arn:aws:iam::123456789012:root"]
    assert unknown["compliance"]["status_id"] == 0  # Unknown, never Pass
    assert unknown["message"].startswith("Could not be evaluated: ")
    passed = by_resource["arn:aws:iam::123456789012:user/ci-deployer"]
    assert (passed["compliance"]["status_id"], passed["severity_id"]) == (1, 1)  # Pass, Informational
    assert failed["cloud"]["account"]["uid"] == "123456789012" and failed["cloud"]["region"] == "eu-west-1"


def test_lint_findings_are_fails_at_their_file_and_have_no_account() -> None:
    events = ocsf(findings=lint_findings(), context={"command": "lint"})
    assert [e["compliance"]["status_id"] for e in events] == [3, 3, 3]
    assert events[2]["resources"][0]["data"] == {"location": "policies/broken.json:83:21"}
    assert all("cloud" not in e and e["metadata"]["profiles"] == [] for e in events)  # none invented


def test_check_results_carry_the_rules_framework_and_fix(cis_rules: None) -> None:
    events = {e["compliance"]["control"]: e for e in ocsf(results=planned_results(), context={})}
    assert events["CS101"]["compliance"]["standards"] == ["CIS AWS Foundations v3.0.0"]
    assert events["CS101"]["remediation"]["desc"] == "Delete the root user's access keys."


def test_time_is_the_timestamp_in_epoch_milliseconds() -> None:
    [event] = ocsf(results=live_results()[:1], context={**LIVE, "timestamp": "2026-01-02T03:04:05Z"})
    assert event["time"] == 1767323045000


def test_no_secret_or_control_character_in_an_event() -> None:
    result = CheckResult(
        "CS102", "k", "Access keys are rotated", Status.FAIL, Level.WARNING,
        "user\x1b]8;;https://evil.example\x07", f"key {KEY_ID} secret={SECRET}\n",
    )  # fmt: skip
    text = format_output("ocsf", results=[result], context=LIVE)
    assert SECRET not in text and KEY_ID not in text and "…MPLE" in text
    [event] = json.loads(text)
    assert "\x1b" not in event["resources"][0]["uid"] and "\n" not in event["message"]


def test_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
        ),
        encoding="utf-8",
    )
    run = policy_lint("lint", "p.json", "--format", "ocsf", cwd=tmp_path)
    assert run.code == 1
    events = json.loads(run.stdout)
    assert events and all(validate(e) is None for e in events)
    assert "PL602" in {e["compliance"]["control"] for e in events}


def test_an_organization_run_names_each_member_account() -> None:
    from tests.reporters.test_asff import ORG, org_results

    events = ocsf(results=org_results(), context=ORG)
    assert {(e["cloud"]["account"]["uid"], e["cloud"]["region"]) for e in events} == {
        ("111111111111", "eu-west-1"),
        ("222222222222", "us-east-2"),
    }


def test_accepted_and_suppressed_findings_are_suppressed_events_with_the_reason() -> None:
    events = ocsf(findings=lint_findings(), context={**LIVE, "suppressed": accepted_entries()})
    suppressed = [e for e in events if e["status_id"] == 3]
    assert [(e["metadata"]["event_code"], e["status"], e["compliance"]["status_id"]) for e in suppressed] == [
        ("PL607", "Suppressed", 3),
        ("OB203", "Suppressed", 3),
    ]
    assert "vendor risk" in suppressed[0]["status_detail"] and "SEC-142" in suppressed[1]["status_detail"]
    assert all(e["status_id"] == 1 for e in events if e not in suppressed)  # the others are New
