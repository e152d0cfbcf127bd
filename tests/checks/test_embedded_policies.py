"""check lints the policies inside Terraform and CloudFormation resources, at their own line, with
the type their attribute gives them, and accepts the vendor reference's weaknesses as lint does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

AGENTLESS = (REPO_ROOT / "policy_lint" / "reference" / "policies" / "agentless.json").read_text(
    encoding="utf-8"
)

ADMIN_TF = """\
resource "aws_iam_policy" "admin" {
  name = "everything"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_sqs_queue" "q" {
  name = "jobs"
}

resource "aws_iam_policy" "reader" {
  name = "reader"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = aws_sqs_queue.q.arn }]
  })
}
"""

PUBLIC_BUCKET_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Site:
    Type: AWS::S3::Bucket
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: "s3:*"
            Resource: !Sub "arn:${AWS::Partition}:s3:::${Site}/*"
"""


ROLE_TF = """\
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
  inline_policy {
    name   = "all"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
  }
}

resource "aws_iam_role_policy" "extra" {
  role = aws_iam_role.ci.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}
"""

ROLE_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ci:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: all
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Ci]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: "iam:*", Resource: "*"}]
"""


def check(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", str(folder), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=folder,
    )


def reported(output: str, rule: str) -> list[str]:
    return [line for line in output.splitlines() if f": {rule} " in line and not line.startswith(" ")]


def test_a_terraform_policy_is_linted_at_its_policy_attribute(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ADMIN_TF, encoding="utf-8")
    proc = check(tmp_path, "--fail-on", "security-warning")
    lines = reported(proc.stdout, "PL601")
    assert len(lines) == 1, proc.stdout + proc.stderr
    assert lines[0].startswith(f"{tmp_path / 'main.tf'}:3:")  # the `policy =` line
    assert "policy of aws_iam_policy.admin" in lines[0]
    assert proc.returncode == 1


def test_a_reference_the_source_cannot_resolve_is_not_a_placeholder_or_a_bad_arn(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ADMIN_TF, encoding="utf-8")
    proc = check(tmp_path, "--format", "json")
    problems = json.loads(proc.stdout)["problems"]
    about_reader = [p for p in problems if "aws_iam_policy.reader" in p["message"]]
    assert about_reader == []


def test_a_cloudformation_bucket_policy_is_linted_as_a_resource_policy(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(PUBLIC_BUCKET_CFN, encoding="utf-8")
    proc = check(tmp_path, "--format", "json")
    problems = json.loads(proc.stdout)["problems"]
    public = [p for p in problems if p["rule_id"] == "PL606"]
    assert public, problems
    assert all(p["location"]["line"] == 9 for p in public)  # PolicyDocument:
    assert "policy of Site" in public[0]["message"] or "policy of SitePolicy" in public[0]["message"]


def test_the_guides_agentless_policy_in_terraform_passes_the_gate_and_is_listed(tmp_path: Path) -> None:
    (tmp_path / "agentless.json").write_text(AGENTLESS, encoding="utf-8")
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "agentless" {\n'
        '  name   = "AliyunSasAgentlessPolicy"\n'
        '  policy = file("${path.module}/agentless.json")\n'
        "}\n",
        encoding="utf-8",
    )
    proc = check(tmp_path, "--fail-on", "security-warning")
    assert proc.returncode == 0, proc.stdout
    assert reported(proc.stdout, "PL607") == []
    accepted = [line for line in proc.stdout.splitlines() if line.startswith("  PL607 security-warning at ")]
    assert len(accepted) == 1 and "main.tf:3:" in accepted[0]

    (tmp_path / ".policy-lint.yaml").write_text("accept-vendor-reference: false\n", encoding="utf-8")
    blocking = check(tmp_path, "--fail-on", "security-warning")
    assert blocking.returncode == 1
    assert len(reported(blocking.stdout, "PL607")) == 1


def test_selecting_only_onboarding_rules_lints_nothing(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ADMIN_TF, encoding="utf-8")
    proc = check(tmp_path, "--select", "OB", "--fail-on", "security-warning")
    assert reported(proc.stdout, "PL601") == []


@pytest.mark.parametrize(
    ("file", "text", "trust_line", "inline_line", "separate_line"),
    [("main.tf", ROLE_TF, 3, 7, 15), ("template.yaml", ROLE_CFN, 6, 13, 17)],
)
def test_a_roles_trust_policy_and_its_inline_policies_are_linted_where_written(
    tmp_path: Path, file: str, text: str, trust_line: int, inline_line: int, separate_line: int
) -> None:
    (tmp_path / file).write_text(text, encoding="utf-8")
    proc = check(tmp_path, "--format", "json")
    problems = json.loads(proc.stdout)["problems"]
    by_rule = {(p["rule_id"], p["location"]["line"]) for p in problems}
    assert ("PL606", trust_line) in by_rule  # anyone may assume the role: the trust policy, as a trust policy
    assert ("PL601", inline_line) in by_rule  # the role's own inline policy, at its block
    assert ("PL602", separate_line) in by_rule  # a separate role policy resource, at its document
    assert all("${" not in p["message"] for p in problems)


DYNAMIC_TRUST_TF = """\
variable "trust_policy_permissions" {
  type = map(any)
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.trust_policy_permissions
    content {
      sid           = statement.key
      effect        = statement.value.effect
      actions       = ["sts:AssumeRole"]
      resources     = statement.value.resources
      not_resources = statement.value.not_resources
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "dynamic"
  assume_role_policy = data.aws_iam_policy_document.this.json
}
"""


def test_a_dynamic_statement_whose_shape_is_unknown_is_not_judged(tmp_path: Path) -> None:
    """The iam-role module pattern: resources = statement.value.resources may be null, so the trust
    policy may have no Resource; "trust policies do not support Resource" would be a false error."""
    (tmp_path / "main.tf").write_text(DYNAMIC_TRUST_TF, encoding="utf-8")
    problems = json.loads(check(tmp_path, "--format", "json").stdout)["problems"]
    assert [p for p in problems if p["rule_id"].startswith("PL")] == []


BROKEN_TF = """\
resource "aws_iam_policy" "broken" {
  name   = "broken"
  policy = "{\\"Statement\\": [}"
}
"""

BROKEN_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Broken:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: '{"Statement": [}'
"""


def test_a_terraform_policy_string_that_is_not_json_is_an_error_never_a_pass(tmp_path: Path) -> None:
    """AWS refuses the policy, so a silent exit 0 would be a false pass."""
    (tmp_path / "main.tf").write_text(BROKEN_TF, encoding="utf-8")
    done = check(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "main.tf:3:3: PL001 error policy of aws_iam_policy.broken: policy is not valid JSON" in done.stdout


def test_a_cloudformation_policy_string_that_is_not_json_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(BROKEN_CFN, encoding="utf-8")
    done = check(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "stack.yaml:6:7: PL001 error policy of Broken: the policy document is a string that is not JSON"
        in (done.stdout)
    )


ESCALATING_TF = """\
resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Read"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObject"]
        Resource = "*"
      },
      {
        Sid      = "Iam"
        Effect   = "Allow"
        Action   = "iam:CreatePolicyVersion"
        Resource = "*"
      },
    ]
  })
}
"""


def test_messages_of_a_terraform_policy_cite_no_line_of_its_reserialised_json(tmp_path: Path) -> None:
    """check lints a policy it rebuilt from jsonencode() as JSON of its own: a line of that text
    ("statement 2 at line 10", "(line 7)") is nowhere in main.tf, so the messages name the statement
    by number and Sid and the finding sits at the policy attribute, as before."""
    (tmp_path / "main.tf").write_text(ESCALATING_TF, encoding="utf-8")
    proc = check(tmp_path, "--fail-on", "suggestion")
    (escalation,) = reported(proc.stdout, "PE001")
    assert escalation.startswith(f"{tmp_path / 'main.tf'}:3:"), escalation
    assert 'iam:CreatePolicyVersion by statement 2 ("Iam") via iam:CreatePolicyVersion' in escalation
    (repeat,) = reported(proc.stdout, "PL910")
    assert "'s3:GetObject' repeats 's3:GetObject' in the same statement" in repeat
    assert "line" not in escalation.split(": ", 1)[1] and "(line" not in repeat


def test_lint_still_cites_the_lines_of_the_file_it_reads(tmp_path: Path) -> None:
    policy = tmp_path / "admin.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": ["s3:GetObject",\n   "s3:GetObject"], "Resource": "*"},\n'
        '  {"Sid": "Iam", "Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}]}\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "lint", str(policy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert 'by statement 2 ("Iam") at line 4 via' in proc.stdout, proc.stdout
    assert "repeats 's3:GetObject' (line 2)" in proc.stdout
