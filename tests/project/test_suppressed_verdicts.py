"""A suppressed check result keeps, for the reports, the verdict and the account it had: a
suppressed unknown is still unknown (never shown as a failure), and an organization run's result
keeps its member account (ASFF files it there, OCSF and CSV name it)."""

from __future__ import annotations

import json
from pathlib import Path

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Level
from policy_lint.project.apply import filter_results
from policy_lint.project.settings import Settings, SuppressionEntry
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status

MEMBER = "210987654321"


def _result(status: Status) -> CheckResult:
    return CheckResult(
        rule_id="OB201",
        rule_name="trail-logs-management-events",
        title="CloudTrail logs management events",
        level=Level.ERROR,
        status=status,
        resource=f"arn:aws:cloudtrail:eu-west-1:{MEMBER}:trail/audit",
        message="the trail's event selectors could not be read",
        account_id=MEMBER,
    )


def test_a_suppressed_unknown_stays_unknown_in_its_own_account(tmp_path: Path) -> None:
    why = "the trail is read by the security account's own audit (SEC-7)"
    settings = Settings(root=tmp_path, suppressions=(SuppressionEntry(rule="OB201", reason=why),))
    filtered, problems = filter_results([_result(Status.UNKNOWN)], None, settings)
    assert filtered.kept == [] and problems == []
    (entry,) = filtered.suppressed
    assert (entry["status"], entry["account_id"], entry["reason"]) == ("unknown", MEMBER, why)

    scope = {"organization": {"accounts": {MEMBER: {"regions": ["eu-west-1"]}}}}
    context = {"command": "verify", "scope": scope, "suppressed": filtered.suppressed}
    (finding,) = json.loads(format_output("asff", results=[], context=context))
    assert finding["AwsAccountId"] == MEMBER and finding["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert finding["Workflow"]["Status"] == "SUPPRESSED" and finding["Note"]["Text"] == why
    (event,) = json.loads(format_output("ocsf", results=[], context=context))
    assert event["compliance"]["status_id"] == 0 and event["status_id"] == 3  # Unknown, Suppressed
    assert event["cloud"]["account"]["uid"] == MEMBER
    assert event["finding_info"]["desc"].startswith("Could not be evaluated: ")
    csv_row = format_output("csv", results=[], context=context).splitlines()[1]
    assert f",suppressed,arn:aws:cloudtrail:eu-west-1:{MEMBER}:trail/audit,{MEMBER}," in csv_row
    assert "Could not be evaluated: " in csv_row


def test_the_same_result_blocking_has_the_same_ids(tmp_path: Path) -> None:
    """Accepted or not, Security Hub and a SIEM see one finding: the IDs match."""
    settings = Settings(root=tmp_path, suppressions=(SuppressionEntry(rule="OB201", reason="known"),))
    filtered, _ = filter_results([_result(Status.FAIL)], None, settings)
    scope = {"organization": {"accounts": {MEMBER: {"regions": ["eu-west-1"]}}}}
    suppressed = {"command": "verify", "scope": scope, "suppressed": filtered.suppressed}
    blocking = {"command": "verify", "scope": scope}
    for fmt, key in (("asff", lambda f: f["Id"]), ("ocsf", lambda e: e["finding_info"]["uid"])):
        (quiet,) = json.loads(format_output(fmt, results=[], context=suppressed))
        (loud,) = json.loads(format_output(fmt, results=[_result(Status.FAIL)], context=blocking))
        assert key(quiet) == key(loud), fmt
