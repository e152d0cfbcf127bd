"""SARIF output: valid against the official 2.1.0 schema, and shaped the way code scanning reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policy_lint.core.findings import Finding
from policy_lint.reporters.formats import format_output
from policy_lint.reporters.sarif import FINGERPRINT_KEY
from tests.helpers import lint_policy
from tests.reporters.conftest import KEY_ID, SECRET, lint_findings, live_results, planned_results

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif(findings: Any = None, results: Any = None, **context: Any) -> dict[str, Any]:
    text = format_output("sarif", findings=findings, results=results, context=context)
    log: dict[str, Any] = json.loads(text)
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return log


def test_the_schema_copy_is_the_official_one() -> None:
    assert SCHEMA["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    # A broken log must fail, or the validation tests below prove nothing.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, SCHEMA)


def test_lint_findings_are_valid_sarif_with_one_rule_each() -> None:
    log = sarif(lint_findings())
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("policy-lint", driver["semanticVersion"])
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["PL001", "PL604"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    pl001 = driver["rules"][0]
    assert pl001["name"] == "syntax-error"
    assert pl001["shortDescription"]["text"] == "The file is not valid JSON or YAML"
    assert pl001["fullDescription"]["text"] and "Fix the syntax" in pl001["help"]["text"]
    assert pl001["defaultConfiguration"]["level"] == "error"
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"PL001": "error", "PL604": "warning"}
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "policies/agentless.json", "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 12, "startColumn": 17}
    assert "invocations" not in run  # no timestamp unless asked


def test_help_uri_points_at_the_generated_rules_reference_anchor() -> None:
    log = sarif(lint_findings())
    rules_md = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        uri = rule["helpUri"]
        assert uri.split("#")[0].endswith("docs/rules.md")
        anchor = uri.split("#")[1]
        # docs_gen writes '### PL001' headings and links them as (#pl001): the same anchor.
        assert f"### {rule['id']}\n" in rules_md and f"](#{anchor})" in rules_md


def test_security_warnings_carry_a_security_severity() -> None:
    findings = lint_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    log = sarif(findings)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    security = [r for r in rules.values() if "security-severity" in r.get("properties", {})]
    assert security, rules.keys()
    for rule in security:
        assert "security" in rule["properties"]["tags"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10


def test_planned_results_have_files_and_resources_and_no_passes(cis_rules: None) -> None:
    log = sarif(results=planned_results())
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["status"]) for r in results] == [
        ("CS101", "unknown"),
        ("CS102", "fail"),
        ("OB001", "fail"),
    ]
    unknown, failed = results[0], results[1]
    assert (unknown["kind"], unknown["level"]) == ("review", "none")
    assert failed["level"] == "warning" and "kind" not in failed
    location = failed["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert location["logicalLocations"] == [
        {
            "name": "aws_iam_access_key.scanner",
            "fullyQualifiedName": "aws_iam_access_key.scanner",
            "kind": "resource",
        }
    ]
    cs102 = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "CS102")
    assert "CIS AWS Foundations v3.0.0 1.14" in cs102["properties"]["tags"]


def test_live_results_use_logical_locations_and_never_show_a_key(cis_rules: None) -> None:
    text = format_output("sarif", results=live_results(), context={})
    assert KEY_ID not in text and SECRET not in text
    assert "…" + KEY_ID[-4:] in text
    log = sarif(results=live_results())
    results = log["runs"][0]["results"]
    assert len(results) == 2  # the pass is not an alert
    for result in results:
        (location,) = result["locations"]
        assert "physicalLocation" not in location
        (logical,) = location["logicalLocations"]
        assert logical["kind"] == "resource" and logical["fullyQualifiedName"].startswith("arn:aws:iam::")


def _fingerprints(findings: list[Finding]) -> dict[str, list[str]]:
    log = sarif(findings)
    out: dict[str, list[str]] = {}
    for result in log["runs"][0]["results"]:
        out.setdefault(result["ruleId"], []).append(result["partialFingerprints"][FINGERPRINT_KEY])
    return out


def test_fingerprints_follow_a_finding_that_moves() -> None:
    risky = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    before = lint_policy({"Version": "2012-10-17", "Statement": [risky]})
    after = lint_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                risky,
            ],
        }
    )
    moved = {f.rule_id: f.location.line for f in after}
    assert any(moved[f.rule_id] != f.location.line for f in before if f.rule_id in moved)
    fp_before, fp_after = _fingerprints(before), _fingerprints(after)
    for rule_id, prints in fp_before.items():
        assert set(prints) <= set(fp_after[rule_id]), rule_id


def test_fingerprints_differ_by_rule_resource_and_message(cis_rules: None) -> None:
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in sarif(lint_findings())["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    # Numbers are normalised away, so two findings differing only by a number get an occurrence suffix.
    twin = lint_findings()[1:]
    twin[1] = Finding(
        twin[0].rule_id, twin[0].level, "kms:ReEncrypt* grants 3 write actions", twin[1].location
    )
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in sarif(twin)["runs"][0]["results"]]
    assert prints[1] == prints[0] + ":2"


def test_paths_outside_the_current_directory_become_file_uris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "repo"
    inside.mkdir()
    monkeypatch.chdir(inside)
    finding = lint_findings()[0]
    here = Finding(
        finding.rule_id,
        finding.level,
        finding.message,
        type(finding.location)(str(inside / "a b.json"), 1, 1),
    )
    away = Finding(
        finding.rule_id,
        finding.level,
        finding.message,
        type(finding.location)(str(tmp_path / "x.json"), 1, 1),
    )
    log = sarif([here, away])
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert {"uri": "a%20b.json", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": (tmp_path / "x.json").as_uri()} in uris


def test_timestamp_and_input_errors_go_into_the_invocation() -> None:
    from policy_lint.core.errors import InputError

    log = sarif(
        lint_findings(),
        timestamp="2026-11-01T12:00:00Z",
        errors=[InputError("binary file", "policies/blob.json")],
    )
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["endTimeUtc"] == "2026-11-01T12:00:00Z"
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "binary file"
