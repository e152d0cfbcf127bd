"""Privilege escalation per principal in check (issue 12, items 3-5): a path whose actions come
from several policies reaching one user (two attachments, a group membership, a role it may
assume) is reported once, on the user, naming every contributing statement with the file:line
of the attribute that holds it; a boundary removes a path; a policy that is not known makes the
verdict unknown, never a pass and never a fail on the part that is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.checks.embedded_policies import lint_embedded
from policy_lint.checks.engine import CheckResult, run_checks
from policy_lint.inventory.model import Inventory
from policy_lint.onboarding.config import load_config
from policy_lint.rules.registry import Status
from policy_lint.sources.detect import detect, load_inventory

ROOT = Path(__file__).resolve().parents[3]
TERRAFORM = ROOT / "tests" / "fixtures" / "terraform" / "escalation"
CLOUDFORMATION = ROOT / "tests" / "fixtures" / "cloudformation" / "escalation" / "template.yaml"
EXAMPLES = ROOT / "examples"


def _inventory(*paths: Path, config: Path | None = None) -> Inventory:
    inventory = Inventory(config=load_config(str(config)) if config else None)
    return load_inventory(detect([str(p) for p in paths]), inventory)


def _escalation(inventory: Inventory) -> list[CheckResult]:
    return [r for r in run_checks(inventory) if r.rule_id.startswith(("PE", "PR"))]


def _on(results: list[CheckResult], resource: str) -> list[CheckResult]:
    return [r for r in results if r.resource == resource or r.resource.startswith(resource + ":")]


def _line_after(text: str, block: str, attribute: str) -> int:
    """The 1-based line of ``attribute`` in the block that starts with ``block`` (read from the
    fixture, not from the tool)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(block))
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith(attribute)) + 1


@pytest.fixture(scope="module")
def terraform() -> tuple[list[CheckResult], str, Inventory]:
    inventory = _inventory(TERRAFORM)
    return _escalation(inventory), (TERRAFORM / "main.tf").read_text(), inventory


def test_two_policies_attached_to_one_user_make_one_path_naming_both_statements(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    results, text, _ = terraform
    mine = _on(results, "aws_iam_user.two_policies")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    found = mine[0]
    pass_line = _line_after(text, 'resource "aws_iam_policy" "pass_roles"', "policy =")
    run_line = _line_after(text, 'resource "aws_iam_policy" "run_instances"', "policy =")
    assert "user two-policies" in found.message and "passrole-ec2" in found.message
    assert (
        f'aws_iam_policy.pass_roles at {TERRAFORM / "main.tf"}:{pass_line} statement 1 ("PassAnyRole")'
        in (found.message)
    )
    assert f"aws_iam_policy.run_instances at {TERRAFORM / 'main.tf'}:{run_line}" in found.message
    steps = {c["action"]: c for c in found.evidence["contributions"]}
    assert steps["iam:PassRole"]["location"].endswith(f"main.tf:{pass_line}")
    assert steps["ec2:RunInstances"]["location"].endswith(f"main.tf:{run_line}")
    assert found.evidence["principal"]["name"] == "two-policies"


def test_neither_policy_alone_is_a_path(terraform: tuple[list[CheckResult], str, Inventory]) -> None:
    """The path exists only across the two documents: linted one by one (an unattached copy of
    each keeps its per-document PE findings), neither reports PE014."""
    _, _, inventory = terraform
    alone = Inventory(
        policies=[p for p in inventory.policies if p.origin.address.endswith(("pass_roles", "run_instances"))]
    )
    assert len(alone.policies) == 2
    assert not [f for f in lint_embedded(alone) if f.rule_id.startswith("PE")]


def test_a_group_membership_gives_its_half_of_the_path(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    results, text, _ = terraform
    mine = _on(results, "aws_iam_user.member")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    group_line = _line_after(text, 'resource "aws_iam_group_policy" "builders_pass"', "policy =")
    assert (
        f"inline policy builders-pass of group builders at {TERRAFORM / 'main.tf'}:{group_line} "
        'statement 1 ("GroupPassRole")' in mine[0].message
    )


def test_a_permissions_boundary_without_the_action_removes_the_path(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    results, _, _ = terraform
    mine = _on(results, "aws_iam_user.bounded")
    assert [(r.rule_id, r.status) for r in mine] == [("PR001", Status.PASS)]


def test_a_policy_not_in_the_inputs_makes_the_verdict_unknown_naming_it(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    """No path in the known half, and the other half is not declared: unknown, never a pass."""
    results, _, _ = terraform
    mine = _on(results, "aws_iam_user.partly_known")
    assert [(r.rule_id, r.status) for r in mine] == [("PR001", Status.UNKNOWN)]
    assert "maintained-elsewhere" in mine[0].message


def test_a_path_with_an_unknown_policy_beside_it_is_unknown_not_a_fail(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    """The missing policy may deny what the known ones allow: the path is named, as unknown."""
    results, _, _ = terraform
    mine = _on(results, "aws_iam_user.open_but_partly_known")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.UNKNOWN)]
    assert "passrole-ec2" in mine[0].message and "maintained-elsewhere" in mine[0].message


def test_assuming_a_declared_role_that_trusts_the_user_and_can_escalate_is_a_path(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    results, text, _ = terraform
    mine = _on(results, "aws_iam_user.assumer")
    assert [(r.rule_id, r.status) for r in mine] == [("PE025", Status.FAIL)]
    found = mine[0]
    assert found.resource == "aws_iam_user.assumer:role:aws_iam_role.admin"
    assert "into role admin, whose policies open attach-role-policy" in found.message
    own = _line_after(text, 'resource "aws_iam_user_policy" "assumer"', "policy =")
    trust = _line_after(text, 'resource "aws_iam_role" "admin"', "assume_role_policy")
    assert (
        f'assume-admin of user assumer at {TERRAFORM / "main.tf"}:{own} statement 1 ("AssumeAdmin")'
        in found.message
    )
    assert f"trust policy of role admin at {TERRAFORM / 'main.tf'}:{trust}" in found.message
    # the role itself is judged as a principal too
    assert [r.rule_id for r in _on(results, "aws_iam_role.admin")] == ["PE005"]


def test_assuming_a_role_that_does_not_trust_the_user_is_no_path(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    results, _, _ = terraform
    assert [(r.rule_id, r.status) for r in _on(results, "aws_iam_user.not_trusted")] == [
        ("PR001", Status.PASS)
    ]


def test_check_reports_a_path_once_per_principal_not_per_document(
    terraform: tuple[list[CheckResult], str, Inventory],
) -> None:
    """The documents that reach a user or role are judged per principal: no per-document PE
    finding repeats the per-principal result (the admin role's own inline policy, for one)."""
    _, _, inventory = terraform
    assert not [f for f in lint_embedded(inventory) if f.rule_id.startswith("PE")]


def test_a_policy_no_principal_receives_keeps_its_per_document_finding(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "loose" {\n'
        '  name = "loose"\n'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
        'Action = "iam:PutUserPolicy", Resource = "*" }] })\n'
        "}\n"
    )
    inventory = _inventory(tmp_path)
    assert [f.rule_id for f in lint_embedded(inventory) if f.rule_id.startswith("PE")] == ["PE006"]
    assert not _escalation(inventory)  # no principal: nothing judged per principal


def test_cloudformation_builds_the_same_paths_naming_logical_ids_and_lines() -> None:
    results = _escalation(_inventory(CLOUDFORMATION))
    text = CLOUDFORMATION.read_text().splitlines()
    doc_line = {
        name: next(i for i in range(text.index(f"  {name}:"), len(text)) if "PolicyDocument:" in text[i]) + 1
        for name in ("PassRoles", "RunInstances")
    }
    two = _on(results, "TwoPolicies")
    assert [(r.rule_id, r.status) for r in two] == [("PE014", Status.FAIL)]
    assert f"policy PassRoles at {CLOUDFORMATION}:{doc_line['PassRoles']}" in two[0].message
    assert f"policy RunInstances at {CLOUDFORMATION}:{doc_line['RunInstances']}" in two[0].message
    member = _on(results, "Member")
    assert [(r.rule_id, r.status) for r in member] == [("PE014", Status.FAIL)]
    assert "inline policy builders-pass of group builders" in member[0].message


@pytest.mark.parametrize(
    ("inputs", "user"),
    [
        ((EXAMPLES / "terraform" / "onboarding",), "aws_iam_user.sas"),
        ((EXAMPLES / "cloudformation" / "onboarding.yaml",), "SasUser"),
    ],
    ids=["terraform", "cloudformation"],
)
def test_the_guides_onboarding_user_has_no_escalation_path(inputs: tuple[Path, ...], user: str) -> None:
    """Claim a vendor can show its customers: the onboarding user of the guide (ReadOnlyAccess,
    AmazonEC2ReadOnlyAccess, IAMReadOnlyAccess, the Agentless policy and the audit-queue read
    policy, as examples/ declares it) can reach no published privilege-escalation path, judged
    with all five policies together. The same claim is checked live in
    tests/live/test_escalation_live.py."""
    results = _escalation(_inventory(*inputs, config=EXAMPLES / "onboarding" / "onboarding.yaml"))
    mine = _on(results, user)
    assert [(r.rule_id, r.status) for r in mine] == [("PR001", Status.PASS)]
    assert "across 5 policies" in mine[0].message
    assert not [r for r in results if r.rule_id.startswith("PE")]


UNTRUSTED = """
variable "trust" {
  type = string
}

resource "aws_iam_role" "mystery" {
  name               = "mystery"
  assume_role_policy = var.trust
  inline_policy {
    name   = "attach-anything"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = "*" }] })
  }
}

resource "aws_iam_user" "hopeful" {
  name = "hopeful"
}

resource "aws_iam_user_policy" "hopeful" {
  name   = "assume-mystery"
  user   = aws_iam_user.hopeful.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.mystery.arn }] })
}

resource "aws_iam_user" "bystander" {
  name = "bystander"
}
"""


def test_a_user_that_may_assume_a_role_whose_trust_is_not_known_does_not_pass(tmp_path: Path) -> None:
    """The role opens a path and its trust policy is an apply-time value: whether the user may
    assume it cannot be told, so the user is unknown (naming the role), never a pass; a user
    without sts:AssumeRole still passes."""
    (tmp_path / "main.tf").write_text(UNTRUSTED)
    results = _escalation(_inventory(tmp_path))
    hopeful = _on(results, "aws_iam_user.hopeful")
    assert [(r.rule_id, r.status) for r in hopeful] == [("PR001", Status.UNKNOWN)]
    assert "role mystery, whose trust policy is not known" in hopeful[0].message
    assert [(r.rule_id, r.status) for r in _on(results, "aws_iam_user.bystander")] == [("PR001", Status.PASS)]


PARTLY_KNOWN_ROLE = """\
data "aws_caller_identity" "current" {}

resource "aws_iam_role" "deployer" {
  name = "deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:root" } }]
  })
}

resource "aws_iam_role_policy_attachment" "deployer" {
  role       = aws_iam_role.deployer.name
  policy_arn = "arn:aws:iam::111122223333:policy/not-in-these-files"
}

resource "aws_iam_user" "hopeful" {
  name = "hopeful"
}

resource "aws_iam_user_policy" "hopeful" {
  name   = "assume-deployer"
  user   = aws_iam_user.hopeful.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.deployer.arn }] })
}
"""


def test_a_user_that_may_assume_a_role_with_an_unknown_policy_does_not_pass(tmp_path: Path) -> None:
    """The role trusts the account and the user may assume it, but the role's policy is not in the
    inputs: what the user can reach through it cannot be told, so PR001 is unknown naming the role."""
    (tmp_path / "main.tf").write_text(PARTLY_KNOWN_ROLE)
    inventory = _inventory(tmp_path)
    hopeful = _on(_escalation(inventory), "aws_iam_user.hopeful")
    assert [(r.rule_id, r.status) for r in hopeful] == [("PR001", Status.UNKNOWN)], hopeful
    assert "role deployer, part of whose permissions is not known" in hopeful[0].message


CONDITIONED = """\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_user_policy" "pass_with_mfa" {
  name = "pass-with-mfa"
  user = aws_iam_user.deployer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "iam:PassRole"
      Resource  = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_user_policy" "run_from_office" {
  name = "run-from-office"
  user = aws_iam_user.deployer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "ec2:RunInstances"
      Resource  = "*"
      Condition = { IpAddress = { "aws:SourceIp" = "203.0.113.0/24" } }
    }]
  })
}
"""


def test_a_path_open_only_under_conditions_is_named_with_them_on_the_principal(tmp_path: Path) -> None:
    """PassRole with MFA (one policy) and RunInstances from one network (another): the user can
    escalate, but only with both conditions met; check says so, neither dropping the path nor
    reporting it as unconditional."""
    (tmp_path / "main.tf").write_text(CONDITIONED, "utf-8")
    mine = _on(_escalation(_inventory(tmp_path)), "aws_iam_user.deployer")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    message = mine[0].message
    assert "only when" in message
    assert "aws:MultiFactorAuthPresent" in message and "aws:SourceIp" in message
    conditions = str(mine[0].evidence["conditions"])
    assert "aws:MultiFactorAuthPresent" in conditions and "203.0.113.0/24" in conditions


def test_the_same_path_without_conditions_says_no_condition(tmp_path: Path) -> None:
    """The negative of the test above: with the conditions removed the path is unconditional."""
    plain = CONDITIONED.replace(
        '      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }\n', ""
    ).replace('      Condition = { IpAddress = { "aws:SourceIp" = "203.0.113.0/24" } }\n', "")
    (tmp_path / "main.tf").write_text(plain, "utf-8")
    mine = _on(_escalation(_inventory(tmp_path)), "aws_iam_user.deployer")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    assert "only when" not in mine[0].message
    assert not mine[0].evidence.get("conditions")


ANY_MANAGED = """\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_iam_role" "config" {
  name               = "config-recorder"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "config.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "config" {
  role       = aws_iam_role.config.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
}

resource "aws_iam_role" "batch" {
  name               = "batch-service"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "batch.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "batch" {
  role       = aws_iam_role.batch.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole"
}
"""


def test_a_principal_given_any_aws_managed_policy_gets_a_verdict(tmp_path: Path) -> None:
    """Neither policy is in the curated snapshot; both are AWS's. AWS_ConfigRole reads
    configurations (no path: pass, not unknown); AWSBatchServiceRole passes roles to EC2 and runs
    instances (read from the policy: statement 3 PassRole to ec2.amazonaws.com, statement 1
    ec2:RunInstances), named with the managed policy."""
    (tmp_path / "main.tf").write_text(ANY_MANAGED, "utf-8")
    results = _escalation(_inventory(tmp_path))
    config = _on(results, "aws_iam_role.config")
    assert [(r.rule_id, r.status) for r in config] == [("PR001", Status.PASS)]
    batch = {r.rule_id: r for r in _on(results, "aws_iam_role.batch") if r.status is Status.FAIL}
    assert "PE014" in batch
    assert "AWS managed policy AWSBatchServiceRole" in batch["PE014"].message


def test_an_aws_managed_policy_arn_with_the_wrong_path_says_where_the_policy_is(tmp_path: Path) -> None:
    """arn:aws:iam::aws:policy/AWSGlueServiceRole names nothing (the policy is under
    service-role/): the verdict is unknown, and says the real path rather than 'not bundled'."""
    text = ANY_MANAGED.replace("service-role/AWS_ConfigRole", "AWSGlueServiceRole")
    (tmp_path / "main.tf").write_text(text, "utf-8")
    (verdict,) = _on(_escalation(_inventory(tmp_path)), "aws_iam_role.config")
    assert (verdict.rule_id, verdict.status) == ("PR001", Status.UNKNOWN)
    assert "AWSGlueServiceRole does not exist: that policy's path is /service-role/" in verdict.message
