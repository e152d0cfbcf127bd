"""A reference to a declared role's ARN is read as the ARN its name and path spell (only partition
and account left to apply), and a role whose name is not known stays a reference."""

from __future__ import annotations

from pathlib import Path

from policy_lint.inventory.declared_arns import declared_arns
from policy_lint.inventory.model import Inventory
from policy_lint.inventory.references import canon, scope_of
from policy_lint.sources.detect import detect, load_inventory

MAIN = """resource "aws_iam_role" "svc" {
  name = "app"
  path = "/svc/"
  assume_role_policy = "{}"
}
resource "aws_iam_role" "generated" {
  name_prefix = "gen-"
  assume_role_policy = "{}"
}
resource "aws_iam_user" "u" { name = "dev" }
"""
TEMPLATE = """Resources:
  Svc:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Path: /svc/
      AssumeRolePolicyDocument: {}
  Generated:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
"""


def _spelled(folder: Path) -> dict[str, str]:
    inventory = load_inventory(detect([str(folder)]), Inventory())
    arns = declared_arns(inventory)
    out: dict[str, str] = {}
    for resource in [*inventory.roles, *inventory.users]:
        assert isinstance(resource.arn, str)
        out[resource.origin.address] = arns.arn(canon(resource.arn, scope_of(resource)))
    return out


def test_terraform_role_and_user_arns_are_spelled_with_their_path(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    spelled = _spelled(tmp_path)
    assert spelled["aws_iam_role.svc"] == "arn:*:iam::????????????:role/svc/app"
    assert spelled["aws_iam_user.u"] == "arn:*:iam::????????????:user/dev"
    assert not spelled["aws_iam_role.generated"].startswith("arn:")  # name chosen at apply


def test_cloudformation_role_arn_is_spelled_the_same(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    spelled = _spelled(tmp_path)
    assert spelled["Svc"] == "arn:*:iam::????????????:role/svc/app"
    assert not spelled["Generated"].startswith("arn:")  # RoleName not given: CloudFormation names it
