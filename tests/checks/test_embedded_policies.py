"""check lints the policies inside Terraform and CloudFormation resources, at their own line, with
the type their attribute gives them, and accepts the vendor reference's weaknesses as lint does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
