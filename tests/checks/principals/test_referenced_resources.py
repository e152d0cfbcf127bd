"""A statement whose whole Resource is a reference is judged, never silently dropped ("unknown never
passes, and uncertain never fails").

``iam:PassRole`` on ``aws_iam_role.x.arn`` with ``ec2:RunInstances`` on ``*`` is the PassRole +
RunInstances path (PE014). The reference names a role the input declares with a known name, so
its ARN is ``arn:<partition>:iam::<account>:role/app`` whatever the account: the path is found
(a fail naming the statement at its file:line), the same in Terraform and CloudFormation
(``!GetAtt X.Arn``, ``Fn::Sub ${X.Arn}``). A reference to a role the input does not declare
makes the path unknown, naming the value; without ec2:RunInstances there is no path at all.
Run through the real CLI (``check --format json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from policy_lint.cli import main

ROLE = """resource "aws_iam_role" "x" {
  name = "app"
  assume_role_policy = jsonencode({Version="2012-10-17", Statement=[{Effect="Allow", Principal={Service="ec2.amazonaws.com"}, Action="sts:AssumeRole"}]})
}
resource "aws_iam_user" "u" { name = "dev" }
"""
USER_POLICY = """resource "aws_iam_user_policy" "p" {
  user = aws_iam_user.u.name
  policy = jsonencode({Version="2012-10-17", Statement=[
    {Effect="Allow", Action="iam:PassRole", Resource=%s}%s]})
}
"""
RUN = ',\n    {Effect="Allow", Action="ec2:RunInstances", Resource="*"}'

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  X:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
  U:
    Type: AWS::IAM::User
    Properties:
      UserName: dev
  P:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Users: [!Ref U]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: iam:PassRole
            Resource: %s
          - Effect: Allow
            Action: ec2:RunInstances
            Resource: "*"
"""


def _check(path: Path) -> list[dict[str, Any]]:
    """The PE and PR results about user dev of ``policy-lint check <path> --format json``."""
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    results = report["results"] if isinstance(report, dict) else report
    return [
        r
        for r in results
        if str(r.get("rule_id", "")).startswith(("PE", "PR"))
        and (r.get("evidence") or {}).get("principal", {}).get("name") == "dev"
    ]


def _terraform(tmp_path: Path, resource: str, run: bool = True) -> Path:
    (tmp_path / "main.tf").write_text(ROLE + USER_POLICY % (resource, RUN if run else ""))
    return tmp_path


def _policy_line(text: str) -> int:
    """The line of the ``policy =`` attribute, read from the input (not from the tool)."""
    return next(
        i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith("policy = jsonencode")
    )


def _verdicts(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((r["rule_id"], r["status"]) for r in results)


def test_passrole_on_a_declared_role_reference_opens_the_path(tmp_path: Path) -> None:
    folder = _terraform(tmp_path, "aws_iam_role.x.arn")
    results = _check(folder)
    assert _verdicts(results) == [("PE014", "fail")]
    found = results[0]
    line = _policy_line((folder / "main.tf").read_text())
    assert "user dev can escalate privileges (passrole-ec2)" in found["message"]
    assert f"main.tf:{line} statement 1" in found["message"]
    steps = {c["action"]: c for c in found["evidence"]["contributions"]}
    assert steps["iam:PassRole"]["location"].endswith(f"main.tf:{line}")
    assert steps["iam:PassRole"]["statement"] == 1


def test_passrole_on_a_role_not_in_the_inputs_is_unknown_naming_it(tmp_path: Path) -> None:
    results = _check(_terraform(tmp_path, "aws_iam_role.other.arn"))
    assert _verdicts(results) == [("PE014", "unknown")]
    assert "iam:PassRole on aws_iam_role.other.arn" in results[0]["message"]
    assert "not resolved from the inputs" in results[0]["message"]


def test_passrole_on_a_variable_is_unknown_naming_it(tmp_path: Path) -> None:
    folder = _terraform(tmp_path, "var.role_arn")
    (folder / "variables.tf").write_text('variable "role_arn" { type = string }\n')
    results = _check(folder)
    assert _verdicts(results) == [("PE014", "unknown")]
    assert "iam:PassRole on var.role_arn" in results[0]["message"]


def test_without_run_instances_the_user_has_no_path(tmp_path: Path) -> None:
    for name, resource in (("declared", "aws_iam_role.x.arn"), ("other", "aws_iam_role.other.arn")):
        folder = tmp_path / name
        folder.mkdir()
        results = _check(_terraform(folder, resource, run=False))
        assert _verdicts(results) == [("PR001", "pass")], name


def test_cloudformation_gives_the_same_verdict(tmp_path: Path) -> None:
    """Parity: !GetAtt and Fn::Sub of the declared role's Arn open the path as Terraform's reference
    does; a role not in the template is unknown."""
    cases = {
        "getatt": ("!GetAtt X.Arn", "fail"),
        "sub": ('!Sub "${X.Arn}"', "fail"),
        "missing": ("!ImportValue other-role-arn", "unknown"),
    }
    (tmp_path / "tf").mkdir()
    terraform = _check(_terraform(tmp_path / "tf", "aws_iam_role.x.arn"))
    for name, (resource, status) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "template.yaml").write_text(TEMPLATE % resource)
        results = _check(folder)
        assert [r["status"] for r in results] == [status], name
        if status == "unknown":  # the template reader keeps the import as an unknown part of the document
            assert "other-role-arn" in results[0]["message"]
        else:
            assert _verdicts(results) == [("PE014", "fail")], name
            assert [r["evidence"]["path"] for r in results] == [r["evidence"]["path"] for r in terraform]
            assert "user dev can escalate privileges (passrole-ec2)" in results[0]["message"]


ASSUMER = """data "aws_partition" "current" {}
resource "aws_iam_role" "admin" {
  name = "admin"
  assume_role_policy = jsonencode({Version="2012-10-17", Statement=[{Effect="Allow", Principal={Service="ec2.amazonaws.com"}, Action="sts:AssumeRole"}]})
}
resource "aws_iam_role_policy" "admin" {
  role = aws_iam_role.admin.id
  policy = jsonencode({Version="2012-10-17", Statement=[{Effect="Allow", Action="sts:AssumeRole",
    Resource="arn:${data.aws_partition.current.partition}:iam::*:role/service"}]})
}
resource "aws_iam_role" "service" {
  name = "service"
  assume_role_policy = templatefile("${path.module}/missing-trust.tpl", {})
}
resource "aws_iam_role_policy" "service" {
  role = aws_iam_role.service.id
  policy = jsonencode({Version="2012-10-17", Statement=[{Effect="Allow", Action="iam:CreatePolicyVersion", Resource="*"}]})
}
"""


def test_a_role_it_may_assume_by_name_whose_trust_is_not_known_is_no_pass(tmp_path: Path) -> None:
    """The declared role's ARN, spelled from its name, meets the literal-name ARN the policy allows;
    the role's own policy opens a path, and whether its trust admits the caller is not known: the
    caller is unknown (was a pass: the role's ARN stayed a reference no policy matched)."""
    (tmp_path / "main.tf").write_text(ASSUMER)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json"])
    report = json.loads(result.output)
    results = report["results"] if isinstance(report, dict) else report
    admin = [r for r in results if r["rule_id"] == "PR001" and r["resource"] == "aws_iam_role.admin"]
    assert [r["status"] for r in admin] == ["unknown"]
    assert "may sts:AssumeRole role service, whose trust policy is not known" in admin[0]["message"]


DENY = ',\n    {Effect="Deny", Action="iam:PassRole", Resource=%s}'


def test_a_deny_on_an_unresolved_value_makes_the_path_it_may_block_unknown(tmp_path: Path) -> None:
    """Uncertain never fails: Deny iam:PassRole on var.protected matches nothing as written, but the
    variable may be the role's ARN or ``*``, so the path it may close is unknown, naming the Deny."""
    (tmp_path / "main.tf").write_text(
        ROLE + USER_POLICY % ("aws_iam_role.x.arn", RUN + DENY % "var.protected")
    )
    (tmp_path / "variables.tf").write_text('variable "protected" { type = string }\n')
    results = _check(tmp_path)
    assert _verdicts(results) == [("PE014", "unknown")]
    assert "Deny on var.protected (not resolved from the inputs) may block it" in results[0]["message"]


def test_a_deny_on_an_unresolved_value_of_another_action_leaves_the_path_a_fail(tmp_path: Path) -> None:
    """The control: a Deny that cannot touch the path's actions, whatever its value, changes nothing."""
    deny_other = ',\n    {Effect="Deny", Action="s3:DeleteBucket", Resource=var.protected}'
    (tmp_path / "main.tf").write_text(ROLE + USER_POLICY % ("aws_iam_role.x.arn", RUN + deny_other))
    (tmp_path / "variables.tf").write_text('variable "protected" { type = string }\n')
    assert _verdicts(_check(tmp_path)) == [("PE014", "fail")]
