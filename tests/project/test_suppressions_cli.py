"""Settings, suppressions and baselines, as a user meets them through `policy-lint lint`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ADMIN = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "BreakGlass", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "Everyday", "Effect": "Allow", "Action": "*", "Resource": "*"}
  ]
}
"""

YAML_POLICY = """Version: "2012-10-17"
Statement:
  - Sid: Admin
    Effect: Allow
    {comment}
    Action: "*"
    Resource: "*"
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # settings are searched up to the repository root
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "admin.json").write_text(ADMIN, encoding="utf-8")
    return tmp_path


def rule_lines(output: str, rule: str) -> list[str]:
    """The reported findings of ``rule`` (the indented accepted/suppressed list is not reported)."""
    return [line for line in output.splitlines() if f" {rule} " in line and not line.startswith(" ")]


def accepted_lines(output: str, rule: str) -> list[str]:
    """The entries of the text output's "Accepted or suppressed, not counted" list for ``rule``."""
    return [line for line in output.splitlines() if line.startswith(f"  {rule}")]


def test_sid_scoped_suppression_hides_only_that_statement(project: Path) -> None:
    (project / ".policy-lint.yaml").write_text(
        "suppressions:\n"
        "  - rule: PL601\n"
        "    path: policies/admin.json\n"
        "    sid: BreakGlass\n"
        "    reason: break-glass role, reviewed in SEC-42\n",
        encoding="utf-8",
    )
    proc = run(project, "lint", "policies/admin.json", "--fail-on", "security-warning")
    star = rule_lines(proc.stdout, "PL601")
    assert len(star) == 1, proc.stdout
    assert star[0].startswith("policies/admin.json:5:"), "the Everyday statement (line 5) is still reported"
    assert accepted_lines(proc.stdout, "PL601") == [
        '  PL601 at policies/admin.json:4:56: Allow "*" on all resources grants full administrator access '
        "(accepted: break-glass role, reviewed in SEC-42)"
    ], "the suppressed one is listed with what it is and its reason, not hidden"
    assert proc.returncode == 1


def test_unknown_settings_key_is_a_located_error(project: Path) -> None:
    (project / ".policy-lint.yaml").write_text("select: [PL6]\nignroe: [PL601]\n", encoding="utf-8")
    proc = run(project, "lint", "policies/admin.json")
    assert proc.returncode == 2
    assert ".policy-lint.yaml:2:1: unknown key 'ignroe'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_pyproject_settings_ignore_a_rule(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.policy-lint]\nignore = ["PL601"]\n', encoding="utf-8")
    proc = run(project, "lint", "policies/admin.json")
    assert rule_lines(proc.stdout, "PL601") == []


def test_pyproject_unknown_key_points_at_its_line(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.policy-lint]\nfail-on = "warning"\nselekt = ["PL6"]\n',
        encoding="utf-8",
    )
    proc = run(project, "lint", "policies/admin.json")
    assert proc.returncode == 2
    assert "pyproject.toml:4:1:" in proc.stderr and "selekt" in proc.stderr


@pytest.mark.parametrize(
    ("comment", "reported", "problem"),
    [
        ("# policy-lint: ignore[PL601] admin for the platform team, SEC-7", False, None),
        ("# policy-lint: ignore[PL601]", True, "SP001"),
        ("# policy-lint: ignore[PL601] accepted until review (until 2020-01-31)", True, "SP002"),
        ("# policy-lint: ignore[PL999] typo in the rule id", True, "SP003"),
    ],
)
def test_inline_yaml_suppression_needs_a_reason_and_a_future_date(
    project: Path, comment: str, reported: bool, problem: str | None
) -> None:
    (project / "policies" / "admin.yaml").write_text(YAML_POLICY.format(comment=comment), encoding="utf-8")
    proc = run(project, "lint", "policies/admin.yaml")
    assert bool(rule_lines(proc.stdout, "PL601")) is reported, proc.stdout
    if problem is not None:
        assert rule_lines(proc.stdout, problem), proc.stdout
        assert rule_lines(proc.stdout, problem)[0].startswith("policies/admin.yaml:5:")


def test_unused_inline_suppression_is_reported(project: Path) -> None:
    policy = YAML_POLICY.replace('Action: "*"', 'Action: "s3:GetObject"').format(
        comment="# policy-lint: ignore[PL601] was admin once"
    )
    (project / "policies" / "reader.yaml").write_text(policy, encoding="utf-8")
    proc = run(project, "lint", "policies/reader.yaml")
    assert rule_lines(proc.stdout, "SP004"), proc.stdout


def test_baseline_hides_old_findings_and_survives_moved_lines(project: Path) -> None:
    written = run(project, "lint", "policies/admin.json", "--write-baseline", "baseline.json")
    assert written.returncode == 0, written.stderr
    stored = json.loads((project / "baseline.json").read_text())
    assert stored["format"] == "policy-lint-baseline/2"
    assert {f["rule_id"] for f in stored["findings"]} >= {"PL601"}

    clean = run(project, "lint", "policies/admin.json", "--baseline", "baseline.json")
    assert clean.returncode == 0, clean.stdout

    moved = "\n\n\n" + ADMIN  # the same statements, three lines lower
    (project / "policies" / "admin.json").write_text(moved, encoding="utf-8")
    assert run(project, "lint", "policies/admin.json", "--baseline", "baseline.json").returncode == 0

    grown = ADMIN.replace(
        '{"Sid": "Everyday"',
        '{"Sid": "PassAnything", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},\n'
        '    {"Sid": "Everyday"',
    )
    (project / "policies" / "admin.json").write_text(grown, encoding="utf-8")
    new = run(project, "lint", "policies/admin.json", "--baseline", "baseline.json", "--fail-on", "warning")
    assert new.returncode == 1
    assert rule_lines(new.stdout, "PL602") and not rule_lines(new.stdout, "PL601"), new.stdout


def test_a_baselined_placeholder_stays_baselined_when_lines_move_and_uses_are_added(project: Path) -> None:
    """PL501 is one finding per missing value, the other uses named in the hint: neither moving the
    file's lines nor adding a use of the same placeholder makes it a new finding; a new
    placeholder is one."""
    statement = '{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${{BUCKET}}/{n}"}}'
    body = ",\n  ".join(statement.format(n=n) for n in range(2))
    policy = project / "policies" / "bucket.json"
    policy.write_text(f'{{"Version": "2012-10-17", "Statement": [\n  {body}\n]}}\n', encoding="utf-8")
    assert run(project, "lint", "policies/bucket.json", "--write-baseline", "baseline.json").returncode == 0

    body = ",\n  ".join(statement.format(n=n) for n in range(3))  # one more use of ${BUCKET}
    policy.write_text(f'\n\n{{"Version": "2012-10-17", "Statement": [\n  {body}\n]}}\n', encoding="utf-8")
    same = run(project, "lint", "policies/bucket.json", "--baseline", "baseline.json")
    assert same.returncode == 0, same.stdout

    policy.write_text(policy.read_text("utf-8").replace("/2", "/${PREFIX}"), encoding="utf-8")
    new = run(project, "lint", "policies/bucket.json", "--baseline", "baseline.json")
    assert new.returncode == 1
    assert (
        [line for line in rule_lines(new.stdout, "PL501")]
        == [line for line in rule_lines(new.stdout, "PL501") if "${PREFIX}" in line]
        != []
    )


def test_broken_baseline_is_a_usage_error(project: Path) -> None:
    (project / "baseline.json").write_text("{not json", encoding="utf-8")
    proc = run(project, "lint", "policies/admin.json", "--baseline", "baseline.json")
    assert proc.returncode == 2
    assert "baseline.json:1:2" in proc.stderr and "Traceback" not in proc.stderr


def test_unwritable_baseline_is_an_error_not_a_crash(project: Path) -> None:
    result = run(project, "lint", "policies/admin.json", "--write-baseline", "missing/dir/baseline.json")
    assert result.returncode == 2
    assert "cannot write baseline missing/dir/baseline.json" in result.stderr
    assert "internal error" not in result.stderr


def test_suppressed_findings_stay_visible_in_json_and_sarif(project: Path) -> None:
    import jsonschema

    (project / ".policy-lint.yaml").write_text(
        "suppressions:\n  - rule: PL601\n    sid: BreakGlass\n    reason: break-glass role, reviewed in SEC-42\n",
        encoding="utf-8",
    )
    as_json = json.loads(run(project, "lint", "policies/admin.json", "--format", "json").stdout)
    [entry] = as_json["suppressed"]
    assert entry["rule_id"] == "PL601" and entry["reason"] == "break-glass role, reviewed in SEC-42"
    assert entry["location"].startswith("policies/admin.json:4:")

    sarif = json.loads(run(project, "lint", "policies/admin.json", "--format", "sarif").stdout)
    schema = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    dismissed = [r for r in results if r.get("suppressions")]
    assert len(dismissed) == 1 and dismissed[0]["ruleId"] == "PL601"
    assert dismissed[0]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "break-glass role, reviewed in SEC-42"}
    ]
    assert dismissed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    open_alerts = [r for r in results if r["ruleId"] == "PL601" and not r.get("suppressions")]
    assert len(open_alerts) == 1, "the Everyday statement stays an open alert"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"select: 5\n", ".policy-lint.yaml:1:9: select: 5 is not of type 'array'"),
        (b"- a\n", ".policy-lint.yaml:1:1: settings must be a mapping"),
        (b"suppressions: [{rule: PL601}]\n", "'reason' is a required property"),
        (b"fail-on: loud\n", "fail-on: 'loud' is not one of"),
        (b"select: [PL6\n", ".policy-lint.yaml:2:1:"),
        (b"\xff\xfe\x00binary", "policy-lint.yaml"),
    ],
)
def test_unusable_settings_file_is_a_located_error_with_exit_2(
    project: Path, content: bytes, expected: str
) -> None:
    (project / ".policy-lint.yaml").write_bytes(content)
    proc = run(project, "lint", "policies/admin.json")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_empty_settings_file_means_defaults(project: Path) -> None:
    (project / ".policy-lint.yaml").write_text("", encoding="utf-8")
    proc = run(project, "lint", "policies/admin.json", "--fail-on", "security-warning")
    assert proc.returncode == 1 and len(rule_lines(proc.stdout, "PL601")) == 2


def test_baseline_ignores_the_line_numbers_a_message_names(project: Path) -> None:
    """An escalation finding names the lines of the statements it combines; moving them is no new finding,
    but a different account in an ARN is."""
    from policy_lint.project.baseline import Entry

    def key(message: str) -> str:
        return Entry("PE001", "policies/a.json", message).fingerprint

    assert key("by statement 1 at line 4 via *") == key("by statement 1 at line 9 via *")
    assert key("aws_iam_policy.a (main.tf:12:3) grants it") == key(
        "aws_iam_policy.a (main.tf:40:3) grants it"
    )
    assert key("statement 2 (line 7)") != key("statement 3 (line 7)")
    assert key("on arn:aws:iam::111122223333:user/*") != key("on arn:aws:iam::444455556666:user/*")
