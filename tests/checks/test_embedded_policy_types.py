"""The policy type an IaC attribute gives a document: a permissions boundary is linted as one, an
Organizations policy as an SCP or an RCP, each at its own line."""

from __future__ import annotations

from pathlib import Path

from policy_lint.checks.embedded_policies import embedded_policies, lint_embedded
from policy_lint.core.findings import Finding
from policy_lint.inventory.model import Inventory
from policy_lint.policy.model import PolicyType
from policy_lint.sources.cloudformation import loader as cfn
from policy_lint.sources.terraform import hcl
from tests.checks.test_embedded_policies import PUBLIC_BUCKET_CFN

#: a boundary that allows everything but IAM: identity-shaped, "Allow" on "*", grants nothing
BOUNDARY_TF = """\
resource "aws_iam_policy" "boundary" {
  name = "boundary"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "*", Resource = "*" },
      { Effect = "Deny", Action = "iam:*", Resource = "*" },
    ]
  })
}

resource "aws_iam_role" "app" {
  name                 = "app"
  permissions_boundary = aws_iam_policy.boundary.arn
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
"""

ATTACHED_TOO_TF = (
    BOUNDARY_TF
    + """
resource "aws_iam_role_policy_attachment" "also" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.boundary.arn
}
"""
)


def _org_policy(name: str, type_line: str, statement: str) -> str:
    """An aws_organizations_policy holding one statement (``type_line`` may set its type)."""
    return f"""
resource "aws_organizations_policy" "{name}" {{
  name = "{name}"{type_line}
  content = jsonencode({{
    Version = "2012-10-17"
    Statement = [{statement}]
  }})
}}
"""


ORG_TF = (
    _org_policy("full", "", '{ Effect = "Allow", Action = "*", Resource = "*", Principal = "*" }')
    + _org_policy(
        "rcp",
        '\n  type = "RESOURCE_CONTROL_POLICY"',
        '{ Effect = "Allow", Principal = "*", Action = "s3:*" }',
    )
    + """
resource "aws_organizations_policy" "tags" {
  name    = "tags"
  type    = "TAG_POLICY"
  content = jsonencode({ tags = { team = { tag_key = { "@@assign" = "Team" } } } })
}
"""
)

BOUNDARY_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: "*"
  User:
    Type: AWS::IAM::User
    Properties:
      PermissionsBoundary: !Ref Boundary
  Scp:
    Type: AWS::Organizations::Policy
    Properties:
      Name: deny-leave
      Type: SERVICE_CONTROL_POLICY
      Content:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: organizations:LeaveOrganization
            Resource: "*"
"""


def _terraform(tmp_path: Path, text: str) -> Inventory:
    path = tmp_path / "main.tf"
    path.write_text(text, encoding="utf-8")
    inventory = Inventory(sources=["terraform"])
    hcl.load([path], inventory)
    return inventory


def _cloudformation(tmp_path: Path, text: str) -> tuple[Inventory, Path]:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    inventory = Inventory(sources=["cloudformation"])
    cfn.load([path], inventory)
    return inventory, path


def _types(inventory: Inventory) -> dict[str, PolicyType]:
    return {f"{e.resource} {e.label}": e.policy_type for e in embedded_policies(inventory)}


def _ids(findings: list[Finding], about: str) -> set[str]:
    return {f.rule_id for f in findings if about in f.message}


def test_a_terraform_permissions_boundary_is_linted_as_one(tmp_path: Path) -> None:
    inventory = _terraform(tmp_path, BOUNDARY_TF)
    assert (
        _types(inventory)["aws_iam_policy.boundary permissions boundary"] is PolicyType.PERMISSIONS_BOUNDARY
    )
    findings = lint_embedded(inventory)
    # Allow * on * in a boundary grants nothing: not "full administrator access"
    assert "PL601" not in _ids(findings, "aws_iam_policy.boundary")


def test_a_boundary_also_attached_as_a_permission_policy_grants_and_is_linted_as_identity(
    tmp_path: Path,
) -> None:
    inventory = _terraform(tmp_path, ATTACHED_TOO_TF)
    assert _types(inventory)["aws_iam_policy.boundary policy"] is PolicyType.IDENTITY
    findings = lint_embedded(inventory)
    at = [f for f in findings if f.rule_id == "PL601" and "aws_iam_policy.boundary" in f.message]
    assert at and at[0].location.line == 3  # the `policy =` line


def test_terraform_organizations_policies_are_scp_and_rcp_at_their_content_line(tmp_path: Path) -> None:
    inventory = _terraform(tmp_path, ORG_TF)
    types = _types(inventory)
    assert types["aws_organizations_policy.full SCP"] is PolicyType.SCP  # the type's default
    assert types["aws_organizations_policy.rcp RCP"] is PolicyType.RCP
    assert not any("tags" in key for key in types)  # a tag policy is not IAM's policy language
    findings = lint_embedded(inventory)
    full = [f for f in findings if "aws_organizations_policy.full" in f.message]
    assert {f.rule_id for f in full} >= {"PL110"}  # an SCP names no Principal
    assert "PL601" not in {f.rule_id for f in full}  # FullAWSAccess-like SCP grants nothing
    full_line, rcp_line, _ = [n for n, text in enumerate(ORG_TF.splitlines(), 1) if "content =" in text]
    assert all(f.location.line == full_line for f in full)  # the `content =` line
    rcp = [f for f in findings if "aws_organizations_policy.rcp" in f.message]
    assert "PL117" in {f.rule_id for f in rcp}  # an RCP cannot Allow
    assert all(f.location.line == rcp_line for f in rcp)  # its `content =` line


def test_cloudformation_boundary_and_scp(tmp_path: Path) -> None:
    inventory, path = _cloudformation(tmp_path, BOUNDARY_CFN)
    types = _types(inventory)
    assert types["Boundary permissions boundary"] is PolicyType.PERMISSIONS_BOUNDARY
    assert types["Scp SCP"] is PolicyType.SCP
    findings = lint_embedded(inventory)
    assert "PL601" not in _ids(findings, "Boundary")
    scp = [f for f in findings if "SCP of Scp" in f.message]
    assert "PL110" in {f.rule_id for f in scp}, findings
    assert all(f.location.path == str(path) and f.location.line == 21 for f in scp)  # `Content:`


QUEUE_TF = """\
resource "aws_sqs_queue" "q" {
  name = "jobs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "sqs:SendMessage", Resource = "*" }]
  })
}
"""


def test_a_bucket_or_queue_policy_carries_its_resource_type(tmp_path: Path) -> None:
    """What ``lint --resource-type`` takes, from the resource that holds the policy (the rules that read it,
    the resource-policy validity checks, judge the document against that resource type)."""
    inventory = _terraform(tmp_path, QUEUE_TF)
    (queue_policy,) = [e for e in embedded_policies(inventory) if e.resource == "aws_sqs_queue.q"]
    assert (queue_policy.policy_type, queue_policy.resource_type) == (PolicyType.RESOURCE, "AWS::SQS::Queue")
    inventory, _ = _cloudformation(tmp_path, PUBLIC_BUCKET_CFN)
    (bucket_policy,) = [e for e in embedded_policies(inventory) if e.policy_type is PolicyType.RESOURCE]
    assert bucket_policy.resource_type == "AWS::S3::Bucket"


def test_a_queue_policy_naming_a_bucket_action_is_judged_against_the_queue(tmp_path: Path) -> None:
    """The resource-policy validity rules read the holder's type: s3:GetObject in a queue's policy grants nothing."""
    inventory = _terraform(
        tmp_path, QUEUE_TF.replace('"sqs:SendMessage"', '["sqs:SendMessage", "s3:GetObject"]')
    )
    findings = [f for f in lint_embedded(inventory) if f.rule_id == "PL414"]
    assert len(findings) == 1 and "s3:GetObject" in findings[0].message, findings
    assert findings[0].location.line == 3  # the `policy =` line
    assert [f for f in lint_embedded(_terraform(tmp_path, QUEUE_TF)) if f.rule_id == "PL414"] == []
