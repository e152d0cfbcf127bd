"""Custom rules through the CLI: settings in, CU findings out of lint and check, selectable and
suppressible like built-in rules, and every mistake in their definition a located error (exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policy_lint.cli import main
from policy_lint.policy.loader import load_policy
from policy_lint.project.custom_rules import custom_rule_findings
from policy_lint.project.settings import load_settings
from policy_lint.rules.ruleset import use_settings_rules
from policy_lint.syntax.source import Source

NEVER_PASSROLE = """\
custom-rules:
  - id: CU001
    title: Never pass roles
    level: error
    never-grant:
      actions: [iam:PassRole]
"""
ALL_KINDS = (
    NEVER_PASSROLE
    + """\
  - id: CU002
    title: Cross-account reads need the organization
    level: security-warning
    require-condition:
      actions: [s3:GetObject]
      keys: [aws:PrincipalOrgID]
  - id: CU003
    title: Only our accounts
    level: warning
    allowed-principals:
      accounts: ["111122223333"]
"""
)
PYPROJECT_NEVER_PASSROLE = (
    "[[tool.policy-lint.custom-rules]]\n"
    'id = "CU001"\ntitle = "Never pass roles"\nlevel = "error"\n'
    'never-grant = { actions = ["iam:PassRole"] }\n'
)
IAM_STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}


@pytest.fixture(autouse=True)
def forget_custom_rules() -> Iterator[None]:
    """The settings' rules are known process-wide once read: leave none behind for other tests."""
    yield
    use_settings_rules(())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "admin.json").write_text(json.dumps(IAM_STAR), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def settings(project: Path, text: str) -> Path:
    path = project / ".policy-lint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the must-show


def test_never_grant_passrole_fires_on_iam_star_and_fails_the_run(project: Path) -> None:
    settings(project, NEVER_PASSROLE)
    result = invoke("lint", "admin.json", "--fail-on", "error")
    assert result.exit_code == 1, result.output
    assert "admin.json:1:" in result.output
    assert "CU001 error statement 1 grants iam:PassRole on * via iam:*" in result.output


def test_ignore_cu001_on_the_command_line_or_in_settings_turns_it_off(project: Path) -> None:
    settings(project, NEVER_PASSROLE)
    result = invoke("lint", "admin.json", "--fail-on", "error", "--ignore", "CU001")
    assert result.exit_code == 0, result.output
    assert "CU001" not in result.output
    settings(project, NEVER_PASSROLE + "ignore: [CU001]\n")
    assert invoke("lint", "admin.json", "--fail-on", "error").exit_code == 0


def test_select_cu_runs_only_the_custom_rules(project: Path) -> None:
    settings(project, NEVER_PASSROLE)
    result = invoke("lint", "admin.json", "--select", "CU")
    assert result.exit_code == 1
    assert "CU001" in result.output and "PL6" not in result.output


def test_an_inline_suppression_accepts_a_custom_finding(project: Path) -> None:
    settings(project, NEVER_PASSROLE)
    (project / "admin.yaml").write_text(
        "Version: '2012-10-17'\n"
        "Statement:\n"
        "  - Effect: Allow\n"
        "    # policy-lint: ignore[CU001] break-glass role, reviewed in SEC-42\n"
        "    Action: 'iam:*'\n"
        "    Resource: '*'\n",
        encoding="utf-8",
    )
    result = invoke("lint", "admin.yaml", "--select", "CU", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["findings"] == []
    assert [(s["rule_id"], s["reason"]) for s in payload["suppressed"]] == [
        ("CU001", "break-glass role, reviewed in SEC-42")
    ]


def test_a_settings_suppression_names_a_custom_rule(project: Path) -> None:
    settings(
        project,
        NEVER_PASSROLE
        + "suppressions:\n  - rule: CU001\n    path: admin.json\n    reason: reviewed in SEC-42\n",
    )
    result = invoke("lint", "admin.json", "--select", "CU,SP", "--fail-on", "suggestion", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["findings"] == []  # no SP003 "unknown rule" either
    assert [s["rule_id"] for s in payload["suppressed"]] == ["CU001"]


def test_a_suppression_naming_an_undefined_custom_rule_is_reported(project: Path) -> None:
    settings(
        project,
        NEVER_PASSROLE
        + "suppressions:\n  - rule: CU002\n    path: admin.json\n    reason: reviewed in SEC-42\n",
    )
    result = invoke("lint", "admin.json", "--select", "CU,SP", "--format", "json")
    findings = json.loads(result.output)["findings"]
    assert {(f["rule_id"], f["message"]) for f in findings} >= {
        ("SP003", "suppression names unknown rule 'CU002'")
    }
    assert "CU001" in {f["rule_id"] for f in findings}


@pytest.mark.parametrize("option", ["--ignore", "--select"])
def test_a_cu_id_no_custom_rule_has_is_a_usage_error(project: Path, option: str) -> None:
    settings(project, NEVER_PASSROLE)
    result = invoke("lint", "admin.json", option, "CU009")
    assert result.exit_code == 2
    assert "'CU009' in " + option + " names no custom rule" in result.stderr
    assert "CU001" in result.stderr


def test_a_cu_id_in_the_settings_that_no_custom_rule_has_is_located(project: Path) -> None:
    settings(project, NEVER_PASSROLE + "ignore: [CU009]\n")
    result = invoke("lint", "admin.json")
    assert result.exit_code == 2
    assert ".policy-lint.yaml:7:10: unknown rule or prefix 'CU009' in ignore" in result.stderr


def test_pyproject_custom_rules_work_too(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.policy-lint]\nfail-on = "error"\n\n' + PYPROJECT_NEVER_PASSROLE,
        encoding="utf-8",
    )
    result = invoke("lint", "admin.json")
    assert result.exit_code == 1
    assert "CU001" in result.output


# --------------------------------------------------------------------------- check (Terraform)

TERRAFORM = """\
resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["iam:*"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_policy" "reader" {
  name = "reader"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:GetRole"], Resource = "*" }]
  })
}

resource "aws_s3_bucket" "shared" {
  bucket = "shared"
}

resource "aws_s3_bucket_policy" "shared" {
  bucket = aws_s3_bucket.shared.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::shared/*"
    }]
  })
}
"""


def test_check_runs_every_kind_on_terraform_policies(project: Path) -> None:
    settings(project, ALL_KINDS)
    (project / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    result = invoke("check", "main.tf", "--select", "CU", "--format", "json")
    assert result.exit_code == 1, result.output
    problems = {
        (p["rule_id"], p["location"]["line"], p["message"].split(":")[0])
        for p in json.loads(result.output)["problems"]
    }
    assert problems == {
        ("CU001", 3, "policy of aws_iam_policy.admin"),  # and not the reader policy (iam:GetRole)
        ("CU002", 27, "policy of aws_s3_bucket.shared"),
        ("CU003", 27, "policy of aws_s3_bucket.shared"),
    }


def test_check_passes_when_the_terraform_grants_nothing_forbidden(project: Path) -> None:
    settings(project, ALL_KINDS)
    fixed = TERRAFORM.replace('Action   = ["iam:*"]', 'Action   = ["iam:GetRole"]').replace(
        "444455556666", "111122223333"
    )
    fixed = fixed.replace(
        '      Resource  = "arn:aws:s3:::shared/*"\n',
        '      Resource  = "arn:aws:s3:::shared/*"\n      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abcdefghij" } }\n',
    )
    (project / "main.tf").write_text(fixed, encoding="utf-8")
    result = invoke("check", "main.tf", "--select", "CU", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["problems"] == []


def test_check_ignore_cu001(project: Path) -> None:
    settings(project, NEVER_PASSROLE)
    (project / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    result = invoke("check", "main.tf", "--select", "CU", "--ignore", "CU001")
    assert "CU001" not in result.output


# --------------------------------------------------------------------------- the function diff --base calls


def test_custom_rule_findings_judges_one_document(project: Path) -> None:
    settings(project, ALL_KINDS)
    loaded = load_settings()
    document, problem = load_policy(Source("admin.json", json.dumps(IAM_STAR)))
    assert problem is None and document is not None
    assert [f.rule_id for f in custom_rule_findings(loaded, document)] == ["CU001"]
    reader = {**IAM_STAR, "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}]}
    document, _ = load_policy(Source("reader.json", json.dumps(reader)))
    assert document is not None and custom_rule_findings(loaded, document) == []


# --------------------------------------------------------------------------- definitions that would mislead


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (NEVER_PASSROLE.replace("CU001", "XX001"), "2:9", "'XX001' is not"),
        (NEVER_PASSROLE.replace("CU001", "CU01"), "2:9", "'CU01' is not"),
        (
            NEVER_PASSROLE + NEVER_PASSROLE.removeprefix("custom-rules:\n"),
            "7:9",
            "CU001 is defined twice (first at",
        ),
        (NEVER_PASSROLE.replace("level: error", "level: critical"), "4:12", "'critical' is not one of"),
        (
            NEVER_PASSROLE
            + "    require-condition:\n      actions: [s3:GetObject]\n      keys: [aws:PrincipalOrgID]\n",
            "2:5",
            "define exactly one of never-grant, require-condition, allowed-principals; it has never-grant, require-condition",
        ),
        (
            NEVER_PASSROLE.replace("    never-grant:\n      actions: [iam:PassRole]\n", ""),
            "2:5",
            "it has none",
        ),
        (NEVER_PASSROLE.replace("[iam:PassRole]", "[]"), "6:16", "should be non-empty"),
        (
            NEVER_PASSROLE.replace("[iam:PassRole]", "[iam:GetRole, iam:PassRol]"),
            "6:30",
            "'iam:PassRol' matches no known action",
        ),
        (
            NEVER_PASSROLE.replace("[iam:PassRole]", "[iam:PassRole]\n      colour: blue"),
            "7:7",
            "unknown key 'colour'",
        ),
        (  # a title that would rewrite the terminal or the SARIF viewer's text
            NEVER_PASSROLE.replace("title: Never pass roles", 'title: "Never pass \\e[8mroles"'),
            "3:12",
            "is not text without control or bidirectional-override characters",
        ),
        (
            NEVER_PASSROLE.replace("title: Never pass roles", 'title: "Never pass \\u202eroles"'),
            "3:12",
            "is not text without control",
        ),
    ],
    ids=[
        "bad-family",
        "two-digits",
        "duplicate",
        "unknown-level",
        "two-kinds",
        "no-kind",
        "empty-actions",
        "unknown-action",
        "unknown-key",
        "control-character-title",
        "bidi-override-title",
    ],
)
def test_a_bad_definition_is_a_located_error(project: Path, text: str, where: str, says: str) -> None:
    settings(project, text)
    result = invoke("lint", "admin.json")
    assert result.exit_code == 2, result.output
    assert f".policy-lint.yaml:{where}: " in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_definition_in_pyproject_is_located_at_its_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.policy-lint]\n\n" + PYPROJECT_NEVER_PASSROLE + "\n"
        "[[tool.policy-lint.custom-rules]]\n"
        'id = "CU002"\ntitle = "Typo"\nlevel = "error"\n'
        'never-grant = { actions = ["iam:PasRole"] }\n',
        encoding="utf-8",
    )
    result = invoke("lint", "admin.json")
    assert result.exit_code == 2
    assert "pyproject.toml:13:1: custom rule CU002: 'iam:PasRole' matches no known action" in result.stderr


def test_a_custom_rule_is_not_excused_by_the_vendor_reference(project: Path) -> None:
    """The guide's Agentless policy grants ec2:TerminateInstances (on tagged instances): built-in findings
    in its verbatim statements are accepted vendor risk, but a rule the project wrote still blocks."""
    agentless = (
        Path(__file__).resolve().parents[2] / "policy_lint" / "reference" / "policies" / "agentless.json"
    )
    (project / "agentless.json").write_text(agentless.read_text(encoding="utf-8"), encoding="utf-8")
    settings(
        project,
        "custom-rules:\n  - id: CU001\n    title: Nothing terminates instances\n    level: security-warning\n"
        "    never-grant: {actions: [ec2:TerminateInstances]}\n",
    )
    result = invoke("lint", "agentless.json", "--fail-on", "security-warning", "--format", "json")
    assert result.exit_code == 1, result.output
    payload = json.loads(result.output)
    assert [f["rule_id"] for f in payload["findings"]] == ["CU001"]
    assert "CU001" not in {s["rule_id"] for s in payload.get("suppressed", [])}
    assert "ec2:TerminateInstances" in payload["findings"][0]["message"]
