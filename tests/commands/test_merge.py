"""`policy-lint merge`: reports of shards and check runs combined as if one run had produced them;
duplicates kept once, conflicting verdicts and unusable files a located error (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "terraform" / "onboarding"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def check_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, out, err = run("check", str(FIXTURE), "--format", "json", "--profile-set", "all")
    assert code in (0, 1), err
    path = tmp_path_factory.mktemp("merge") / "check.json"
    path.write_text(out)
    return {"code": code, "path": path, "report": json.loads(out)}


def _write(folder: Path, name: str, report: dict[str, Any]) -> str:
    path = folder / name
    path.write_text(json.dumps(report, indent=2))
    return str(path)


def test_one_report_merged_is_that_report(check_report: dict[str, Any]) -> None:
    code, out, err = run("merge", str(check_report["path"]), "--format", "json")
    assert code == check_report["code"], err
    merged = json.loads(out)
    assert merged["results"] == check_report["report"]["results"]
    assert merged["problems"] == check_report["report"]["problems"]
    assert merged["summary"] == check_report["report"]["summary"]
    assert merged["command"] == "check" and merged["scope"]["duplicates"] == 0


def test_the_same_report_twice_is_not_double_counted(check_report: dict[str, Any]) -> None:
    path = str(check_report["path"])
    code, out, _ = run("merge", path, path, "--format", "json")
    merged = json.loads(out)
    assert code == check_report["code"]
    assert merged["summary"] == check_report["report"]["summary"]
    assert merged["scope"]["duplicates"] == len(check_report["report"]["results"])


def _shards(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's results split in two, as two shards of one run would write them."""
    results = report["results"]
    first, second = dict(report), dict(report)
    first["results"], second["results"] = results[::2], results[1::2]
    return first, second


def test_totals_and_exit_status_are_those_of_one_run(check_report: dict[str, Any], tmp_path: Path) -> None:
    report = json.loads(json.dumps(check_report["report"]))
    report["results"][0].update(status="fail", level="warning", message="planted failure")
    first, second = _shards(report)
    files = [_write(tmp_path, "a.json", first), _write(tmp_path, "b.json", second)]
    assert run("merge", *files, "--fail-on", "error")[0] == 0  # a warning does not fail at error
    code, out, _ = run("merge", *files, "--fail-on", "warning", "--format", "json")
    assert code == 1
    summary = json.loads(out)["summary"]
    assert summary["fail"] == check_report["report"]["summary"]["fail"] + 1
    assert sum(summary.values()) == len(report["results"])


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "markdown", "html"])
def test_any_format_renders_the_merged_results(
    check_report: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    first, second = _shards(check_report["report"])
    files = [_write(tmp_path, "a.json", first), _write(tmp_path, "b.json", second)]
    code, out, err = run("merge", *files, "--format", fmt)
    assert code == check_report["code"], err
    one_run = run("check", str(FIXTURE), "--format", fmt, "--profile-set", "all")[1]
    resource = check_report["report"]["results"][0]["resource"]
    assert (resource in out) == (resource in one_run)
    if fmt == "sarif":
        assert len(json.loads(out)["runs"][0]["results"]) == len(json.loads(one_run)["runs"][0]["results"])


def test_conflicting_duplicates_are_an_error_naming_both_places(
    check_report: dict[str, Any], tmp_path: Path
) -> None:
    report = check_report["report"]
    flipped = json.loads(json.dumps(report))
    flipped["results"][3]["status"] = "fail" if report["results"][3]["status"] != "fail" else "pass"
    files = [_write(tmp_path, "a.json", report), _write(tmp_path, "b.json", flipped)]
    code, out, err = run("merge", *files)
    assert code == 2 and out == ""
    rule = report["results"][3]["rule_id"]
    assert f"{files[1]}:" in err and f"at {files[0]}:" in err and rule in err
    assert "different states" in err and "Traceback" not in err


BAD = {
    "not-json.json": ('{"format": "policy-lint-report/2",\n  "results": [', "not a JSON report"),
    "lint.json": (
        '{"format": "policy-lint-report/2", "command": "lint", "tool": {}, "findings": []}',
        "merge reads check and verify",
    ),
    "sarif.json": ('{"version": "2.1.0", "runs": []}', "missing 'format'"),
    "old.json": ('{"format": "policy-lint-report/1", "command": "check"}', "policy-lint-report/2"),
    "status.json": (
        '{"format": "policy-lint-report/2", "command": "check", "results": [\n'
        ' {"rule_id": "OB101", "rule": "r", "title": "t", "status": "maybe", "level": "error",'
        ' "resource": "x", "message": "m", "location": null, "evidence": {}}]}',
        "status 'maybe'",
    ),
    "results.json": (
        '{"format": "policy-lint-report/2", "command": "verify", "results": {}}',
        "results is an object",
    ),
    "level.json": (
        '{"format": "policy-lint-report/2", "command": "check", "results": [\n'
        ' {"rule_id": "OB101", "rule": "r", "title": "t", "status": "fail", "level": "fatal",'
        ' "resource": "x", "message": "m", "location": null, "evidence": {}}]}',
        "unknown level 'fatal'",
    ),
    "binary.json": ("\x00\x01", "binary file"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_an_unusable_file_is_a_located_error(name: str, tmp_path: Path) -> None:
    text, message = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "merge", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"policy-lint: error: {path}") or f"{path}:" in proc.stderr, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_a_bad_field_is_located_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text(BAD["status.json"][0])
    code, _, err = run("merge", str(path))
    assert code == 2 and f"{path}:2:" in err


@pytest.mark.parametrize("target", ["missing.json", ".", "/dev/zero"])
def test_a_path_that_is_no_regular_file_is_refused(target: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "merge", target],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.strip()


def _as_shard(report: dict[str, Any], shard: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(report))
    copy["scope"]["organization"] = {"shard": shard, "accounts": {"111122223333": {}}, "member_role": "R"}
    return copy


def test_a_missing_shard_is_an_error_unless_partial_is_asked(
    check_report: dict[str, Any], tmp_path: Path
) -> None:
    """Shards 1/3 and 3/3 without 2/3 leave its accounts out: that must not pass as the organization."""
    report = check_report["report"]
    files = [_write(tmp_path, f"s{k}.json", _as_shard(report, f"{k}/3")) for k in (1, 3)]
    code, out, err = run("merge", *files)
    assert code == 2 and out == ""
    assert "shard 2/3 missing" in err and "--partial" in err
    code, _, _ = run("merge", *files, "--partial")
    assert code in (0, 1)


def test_shards_of_different_splits_are_refused(check_report: dict[str, Any], tmp_path: Path) -> None:
    report = check_report["report"]
    files = [
        _write(tmp_path, "a.json", _as_shard(report, "1/3")),
        _write(tmp_path, "b.json", _as_shard(report, "1/4")),
    ]
    code, _, err = run("merge", *files)
    assert code == 2 and "different splits (1/3, 1/4)" in err


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (7, "a suppressed finding is a number; expected an object"),
        ({"rule_id": 5, "reason": "x"}, "rule_id is a number; expected a string"),
        ({"rule_id": "PL607", "account_id": [1]}, "account_id is a list; expected a string"),
    ],
)
def test_a_malformed_suppressed_finding_is_located_in_every_format(
    check_report: dict[str, Any], tmp_path: Path, entry: Any, expected: str
) -> None:
    """Every format lists the accepted findings, so a hostile report's entry that is not one is
    refused where it is written (exit 2), never an internal error in one format's renderer."""
    report = {**check_report["report"], "suppressed": [entry]}
    path = _write(tmp_path, "hostile.json", report)
    for fmt in ("text", "csv", "sarif", "github", "ocsf"):
        code, _, err = run("merge", path, "--format", fmt)
        assert code == 2 and expected in err and f"{path}:" in err, (fmt, err)
        assert "internal error" not in err


def test_the_accepted_findings_survive_a_merge(check_report: dict[str, Any], tmp_path: Path) -> None:
    accepted = {
        "rule_id": "PL607",
        "message": "ec2:CreateTags is allowed on every resource without an ec2:CreateAction condition",
        "location": "main.tf:69:3",
        "resource": None,
        "reason": "inherited verbatim from the vendor's reference policy",
        "kind": "vendor-reference",
        "level": "security-warning",
    }
    path = _write(tmp_path, "accepted.json", {**check_report["report"], "suppressed": [accepted]})
    code, out, _ = run("merge", path, "--format", "csv")
    assert code == check_report["code"]
    (row,) = [line for line in out.splitlines() if ",accepted," in line]
    assert row.startswith("PL607,security-warning,accepted,") and "vendor's reference policy" in row
