"""``--format asff``: findings Security Hub's ``BatchImportFindings`` accepts.

Validated three ways: botocore's own model of the ``BatchImportFindings`` request (required
members, types, enums, minimum lengths: the check boto3 runs before sending), the fields and
limits the AwsSecurityFinding reference adds (Types and Severity required on the "Required
top-level ASFF attributes" page, Title <= 256, Description <= 1024, Id <= 512, a 12-digit account),
and an import into moto's Security Hub (moto 5 implements ``BatchImportFindings`` and
``GetFindings``; it checks little beyond a non-empty ``Resources``, so it proves the round trip,
the model proves the shape).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.validate import ParamValidator
from moto import mock_aws

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
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

ACCOUNT = "123456789012"
LIVE = {"command": "verify", "scope": {"account": ACCOUNT, "regions": ["eu-west-1"], "partition": "aws"}}
CHECK = {"command": "check", "scope": {"account": ACCOUNT, "region": "ap-northeast-1"}}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")  # a format Security Hub accepts


def validate(findings: list[dict[str, Any]]) -> None:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings}, shape)
    assert not report.has_errors(), report.generate_report()
    for finding in findings:
        assert finding["SchemaVersion"] == "2018-10-08"
        assert finding["Types"] and all(t.count("/") >= 1 for t in finding["Types"])
        assert finding["Severity"]["Label"] in {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
        assert len(finding["Title"]) <= 256 and len(finding["Description"]) <= 1024
        assert len(finding["Id"]) <= 512
        assert re.fullmatch(r"\d{12}", finding["AwsAccountId"])
        assert TIME.match(finding["CreatedAt"]) and TIME.match(finding["UpdatedAt"])
        account, region = finding["AwsAccountId"], finding["ProductArn"].split(":")[3]
        assert finding["ProductArn"] == f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
        assert finding["Compliance"]["Status"] in {"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}


def asff(findings: Any = None, results: Any = None, context: Any = LIVE) -> list[dict[str, Any]]:
    out = json.loads(format_output("asff", findings=findings, results=results, context=context))
    validate(out)
    assert len({f["Id"] for f in out}) == len(out)  # one Security Hub finding each
    return out


def test_live_results_have_their_compliance_and_severity() -> None:
    by_resource = {f["Resources"][0]["Id"]: f for f in asff(results=live_results())}
    old_key = by_resource["arn:aws:iam::123456789012:user/aliyun-security-center-user"]
    assert old_key["Compliance"]["Status"] == "FAILED" and old_key["Severity"]["Label"] == "LOW"
    root = by_resource["arn:aws:iam::123456789012:root"]
    assert root["Compliance"]["Status"] == "NOT_AVAILABLE"  # unknown is never PASSED
    assert root["Description"].startswith("Could not be evaluated: AccessDenied")
    passed = by_resource["arn:aws:iam::123456789012:user/ci-deployer"]
    assert passed["Compliance"]["Status"] == "PASSED" and passed["Severity"]["Label"] == "INFORMATIONAL"
    assert {f["ProductArn"] for f in by_resource.values()} == {
        "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    }


def test_ids_are_stable_across_runs_and_times() -> None:
    first = asff(results=live_results(), context={**LIVE, "timestamp": "2026-01-01T00:00:00Z"})
    second = asff(results=live_results(), context={**LIVE, "timestamp": "2026-02-01T00:00:00Z"})
    assert [f["Id"] for f in first] == [f["Id"] for f in second]  # a re-import updates, never duplicates
    assert first[0]["UpdatedAt"] == "2026-01-01T00:00:00Z"


def test_a_result_keeps_its_own_account() -> None:
    result = CheckResult(
        "CS101", "root", "The root user has no access keys", Status.FAIL, Level.ERROR,
        "arn:aws:iam::111122223333:root", "root has a key", evidence={"account_id": "111122223333"},
    )  # fmt: skip
    [finding] = asff(results=[result])
    assert finding["AwsAccountId"] == "111122223333"
    assert ":111122223333:product/111122223333/default" in finding["ProductArn"]


def test_check_findings_and_results_validate() -> None:
    out = asff(findings=lint_findings(), results=planned_results(), context=CHECK)
    assert len(out) == 3 + 4
    assert {f["Resources"][0]["Id"] for f in out} >= {"policies/broken.json:83:21", "aws_iam_user.scanner"}


def test_a_long_message_is_cut_to_the_limits_not_rejected() -> None:
    """The attack: one 5,000-character message would make Security Hub reject the batch."""
    finding = Finding("PL604", Level.WARNING, "x" * 5000, Location("p.json", 1, 1), "t" * 500)
    [out] = asff(findings=[finding], context=CHECK)
    assert len(out["Description"]) == 1024 and out["Description"].endswith("…")
    assert len(out["Title"]) <= 256


def test_no_secret_or_control_character_reaches_security_hub() -> None:
    result = CheckResult(
        "CS102", "k", "Access keys are rotated", Status.FAIL, Level.WARNING,
        "user\n::error::forged", f"key {KEY_ID} secret={SECRET}\x1b[2J",
    )  # fmt: skip
    text = format_output("asff", results=[result], context=LIVE)
    assert SECRET not in text and KEY_ID not in text and "…MPLE" in text
    [finding] = json.loads(text)
    assert "\n" not in finding["Resources"][0]["Id"] and "\x1b" not in finding["Description"]


@mock_aws
def test_moto_security_hub_imports_every_finding() -> None:
    out = asff(findings=lint_findings(), results=live_results())
    hub = boto3.client("securityhub", region_name="eu-west-1")
    hub.enable_security_hub()
    response = hub.batch_import_findings(Findings=out)  # boto3 validates the request on the way
    assert (response["SuccessCount"], response["FailedCount"]) == (len(out), 0)
    stored = hub.get_findings()["Findings"]
    assert {f["Id"] for f in stored} == {f["Id"] for f in out}
    response = hub.batch_import_findings(Findings=out)  # the same run again: updated, not added
    assert len(hub.get_findings()["Findings"]) == len(out)


def test_lint_refuses_asff_naming_what_to_pass(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": []', encoding="utf-8")
    run = policy_lint("lint", "p.json", "--format", "asff", cwd=tmp_path)
    assert run.code == 2 and run.stdout == ""
    assert "--format asff needs the AWS account and region" in run.stderr
    assert "check --account-id ID --region REGION" in run.stderr


def test_diff_refuses_asff_pointing_at_check_not_at_an_option_it_lacks(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    run = policy_lint("diff", "p.json", "--reference", "agentless", "--format", "asff", cwd=tmp_path)
    assert run.code == 2 and run.stdout == ""
    assert "and diff has neither: use check --account-id ID --region REGION" in run.stderr


ONBOARDING = Path(__file__).resolve().parents[1] / "fixtures" / "onboarding" / "no-iam-user.yaml"


def test_check_without_an_account_refuses_and_with_one_validates(tmp_path: Path) -> None:
    run = policy_lint("check", "--config", str(ONBOARDING), "--format", "asff", cwd=tmp_path)
    assert run.code == 2 and "pass --account-id ID" in run.stderr
    run = policy_lint(
        "check", "--config", str(ONBOARDING), "--account-id", "210987654321", "--format", "asff", cwd=tmp_path
    )
    assert run.code in (0, 1), run.stderr
    out = json.loads(run.stdout)
    validate(out)
    assert out and {f["AwsAccountId"] for f in out} == {"210987654321"}
    assert {f["ProductArn"].split(":")[3] for f in out} == {"ap-northeast-1"}  # the onboarding's region


def org_results() -> list[CheckResult]:
    """Two member accounts of a ``verify --organization`` run, as it reports them."""
    return [
        CheckResult(
            "CS101",
            "root",
            "The root user has no access keys",
            Status.FAIL,
            Level.ERROR,
            f"arn:aws:iam::{account}:root",
            "root has a key",
            account_id=account,
        )
        for account in ("111111111111", "222222222222")
    ]


ORG = {
    "command": "verify",
    "scope": {
        "organization": {
            "accounts": {
                "111111111111": {"regions": ["eu-west-1"]},
                "222222222222": {"regions": ["us-east-2"]},
            }
        }
    },
}


def test_an_organization_run_files_each_finding_under_its_member_account_and_region() -> None:
    out = asff(results=org_results(), context=ORG)
    assert {(f["AwsAccountId"], f["ProductArn"].split(":")[3]) for f in out} == {
        ("111111111111", "eu-west-1"),
        ("222222222222", "us-east-2"),
    }


@mock_aws
def test_accepted_and_suppressed_findings_are_imported_as_suppressed_with_the_reason() -> None:
    out = asff(findings=lint_findings(), context={**CHECK, "suppressed": accepted_entries()})
    suppressed = [f for f in out if "Workflow" in f]
    assert [(f["GeneratorId"], f["Workflow"]["Status"], f["Compliance"]["Status"]) for f in suppressed] == [
        ("policy-lint/PL607", "SUPPRESSED", "FAILED"),
        ("policy-lint/OB203", "SUPPRESSED", "FAILED"),
    ]
    assert "vendor risk" in suppressed[0]["Note"]["Text"] and "SEC-142" in suppressed[1]["Note"]["Text"]
    assert suppressed[1]["Resources"][0]["Id"] == "aws_s3_bucket.logs"
    hub = boto3.client("securityhub", region_name="ap-northeast-1")
    hub.enable_security_hub()
    response = hub.batch_import_findings(Findings=out)
    assert (response["SuccessCount"], response["FailedCount"]) == (len(out), 0)
