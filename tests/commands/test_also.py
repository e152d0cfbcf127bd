"""``--also FORMAT=FILE``: every report of one run, the main one on standard output.

The GitHub action used to run the linter twice (SARIF for code scanning, workflow commands for
annotations); each extra file must be exactly what ``--format FORMAT`` prints on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from tests.conftest import REPO_ROOT
from tests.reporters.workflow_commands import parse_output

POLICIES = REPO_ROOT / "examples" / "policies"
TERRAFORM = REPO_ROOT / "examples" / "terraform"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_lint_writes_sarif_and_json_beside_the_annotations_each_as_its_own_run_prints(tmp_path: Path) -> None:
    sarif, report = tmp_path / "results.sarif", tmp_path / "report.json"
    code, out, _ = run(
        "lint", str(POLICIES), "--format", "github", "--also", f"sarif={sarif}", "--also", f"json={report}"
    )
    alone_code, alone_out, _ = run("lint", str(POLICIES), "--format", "github")
    assert (code, out) == (alone_code, alone_out)  # the main report and the exit code are unchanged
    assert any(command.name == "error" for command in parse_output(out))  # the broken Chinese copy
    assert sarif.read_text(encoding="utf-8") == run("lint", str(POLICIES), "--format", "sarif")[1]
    assert report.read_text(encoding="utf-8") == run("lint", str(POLICIES), "--format", "json")[1]
    assert json.loads(report.read_text(encoding="utf-8"))["findings"][0]["rule_id"] == "PL001"


def test_check_writes_junit_from_the_same_run_and_a_file_is_never_coloured(tmp_path: Path) -> None:
    junit, text = tmp_path / "checks.xml", tmp_path / "report.txt"
    code, out, _ = run(
        "check", str(TERRAFORM), "--color", "--also", f"junit={junit}", "--also", f"text={text}"
    )
    assert code == run("check", str(TERRAFORM))[0]
    assert "\x1b[" in out  # the terminal report is coloured as asked ...
    assert "\x1b[" not in text.read_text(encoding="utf-8")  # ... the file is not
    assert junit.read_text(encoding="utf-8") == run("check", str(TERRAFORM), "--format", "junit")[1]


def test_a_report_that_cannot_be_written_is_exit_2_after_the_others(tmp_path: Path) -> None:
    written = tmp_path / "ok.sarif"
    missing_folder = tmp_path / "no-such-folder" / "x.json"
    code, out, err = run(
        "lint",
        str(POLICIES / "agentless-en.json"),
        "--also",
        f"json={missing_folder}",
        "--also",
        f"sarif={written}",
    )
    assert code == 2
    assert "No findings in 1 file." in out  # the main report is still there
    assert written.is_file()  # and so is the report that could be written
    assert f"cannot write the json report to {missing_folder}" in err
    assert "Traceback" not in out + err


def test_a_malformed_also_is_a_usage_error() -> None:
    for value, said in (("sarif", "write it as FORMAT=FILE"), ("pdf=x.pdf", "'pdf' is not a format")):
        code, _, err = run("lint", str(POLICIES), "--also", value)
        assert code == 2 and said in err, err


def test_verify_writes_its_json_report_beside_the_text_one(tmp_path: Path) -> None:
    report = tmp_path / "verify.json"
    code, out, _ = run("verify", "--demo", "--also", f"json={report}")
    assert code == 1  # the demo account has the guide's faults
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["command"] == "verify" and written["scope"]["account"] == "123456789012"
    failed = sorted(r["rule_id"] for r in written["results"] if r["status"] == "fail")
    assert failed and all(rule_id in out for rule_id in failed)  # the text report says the same
