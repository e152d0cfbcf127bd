"""Privilege-escalation paths: each published path found when its actions are allowed, and not
when one step is missing, scoped away or denied; conditions, boundaries and the CLI finding."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.catalog.defaults import default_catalog
from policy_lint.cli import main
from policy_lint.iam.escalation import (
    EscalationPath,
    RoleTarget,
    SourcedPolicy,
    find_escalations,
    load_paths,
    may_open_a_path,
)
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyDocument, PolicyType
from policy_lint.reference.managed import load_managed
from policy_lint.syntax.source import Source

ACCOUNT = "123456789012"
PACKAGE = Path(__file__).resolve().parents[2] / "policy_lint"


def allow(actions: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def doc(
    *statements: dict[str, Any], path: str = "p.json", kind: PolicyType = PolicyType.IDENTITY
) -> PolicyDocument:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    document, problem = load_policy(Source(path, text), kind)
    assert document is not None, problem
    return document


def found(
    *statements: dict[str, Any], boundary: list[dict[str, Any]] | None = None
) -> dict[str, EscalationPath]:
    boundaries = (
        [SourcedPolicy(doc(*boundary, path="b.json"), "boundary.json", "boundary")] if boundary else []
    )
    paths = find_escalations([SourcedPolicy(doc(*statements), "policy.json")], boundaries)
    return {p.id: p for p in paths}


PASS = allow("iam:PassRole")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OWN_USER = f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"

#: path id -> (a policy that opens it, a policy that comes close and does not)
CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "create-policy-version": (
        [allow("iam:CreatePolicyVersion")],
        [allow(["iam:GetPolicyVersion", "iam:ListPolicyVersions"])],
    ),
    "set-default-policy-version": (
        [allow("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/*")],
        [allow("iam:SetDefaultPolicyVersion"), deny("iam:SetDefaultPolicyVersion")],
    ),
    "attach-user-policy": (
        [allow("iam:Attach*Policy")],
        [allow("iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:role/app")],  # a role is no user
    ),
    "attach-group-policy": (
        [allow("iam:AttachGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/devs")],
        [allow("iam:DetachGroupPolicy")],
    ),
    "attach-role-policy": (
        [allow("iam:*")],
        [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
    ),
    "put-user-policy": (
        [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "NotResource": "arn:aws:iam::*:role/*"}],
        [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "NotResource": "arn:aws:iam::*:user/*"}],
    ),
    "put-group-policy": (
        [allow("*")],
        [allow("iam:PutGroupPolicy"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}],
    ),
    "put-role-policy": (
        [allow("iam:Put?olePolicy")],
        [allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:user/bob")],
    ),
    "add-user-to-group": (
        [allow("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/*")],
        [allow("iam:RemoveUserFromGroup")],
    ),
    "create-access-key": (
        [allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/*")],
        [allow("iam:CreateAccessKey", OWN_USER)],
    ),
    "create-login-profile": (
        [allow("iam:CreateLoginProfile")],
        [allow("iam:CreateLoginProfile", OWN_USER)],
    ),
    "update-login-profile": (
        [allow("iam:UpdateLoginProfile", [OWN_USER, f"arn:aws:iam::{ACCOUNT}:user/admin"])],
        [allow("iam:UpdateLoginProfile", OWN_USER)],
    ),
    "update-assume-role-policy": (
        [allow("iam:UpdateAssumeRolePolicy", ROLE)],
        [allow("iam:UpdateAssumeRolePolicy"), deny("iam:UpdateAssumeRolePolicy", "arn:aws:iam::*:role/*")],
    ),
    "passrole-ec2": (
        [PASS, allow("ec2:RunInstances")],
        [
            allow(
                "iam:PassRole",
                Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            ),
            allow("ec2:RunInstances"),
        ],
    ),
    "passrole-lambda": (
        [PASS, allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping"])],
        [PASS, allow("lambda:CreateFunction")],  # no way to run it
    ),
    "passrole-glue": (
        [PASS, allow("glue:CreateDevEndpoint")],
        [allow("glue:CreateDevEndpoint")],  # no role to pass
    ),
    "glue-update-dev-endpoint": (
        [allow("glue:UpdateDevEndpoint")],
        [allow("glue:GetDevEndpoint")],
    ),
    "passrole-cloudformation": (
        [PASS, allow("cloudformation:*")],
        [allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:user/*"), allow("cloudformation:CreateStack")],
    ),
    "passrole-datapipeline": (
        [
            PASS,
            allow(
                [
                    "datapipeline:CreatePipeline",
                    "datapipeline:PutPipelineDefinition",
                    "datapipeline:ActivatePipeline",
                ]
            ),
        ],
        [PASS, allow(["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"])],
    ),
    "passrole-sagemaker": (
        [PASS, allow(["sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"])],
        [PASS, allow("sagemaker:CreateNotebookInstance")],
    ),
    "passrole-ecs": (
        [
            allow(
                "iam:PassRole",
                ROLE,
                Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
            allow("ecs:RunTask"),
        ],
        [allow("ecs:RunTask")],
    ),
    "passrole-codebuild": (
        [PASS, allow(["codebuild:CreateProject", "codebuild:StartBuildBatch"])],
        [PASS, allow(["codebuild:CreateProject", "codebuild:BatchGetBuilds"])],
    ),
    "ssm-send-command": (
        [allow("ssm:SendCommand", ["arn:aws:ec2:*:*:instance/*", "arn:aws:ssm:*:*:document/*"])],
        [allow("ssm:SendCommand", "arn:aws:ssm:*:*:document/AWS-RunShellScript")],  # no instance
    ),
    "ssm-start-session": (
        [allow("ssm:StartSession")],
        [allow("ssm:StartSession", "arn:aws:ssm:*:*:document/AWS-StartPortForwardingSession")],
    ),
}

#: judged with the target role's trust and permissions, below
ROLE_PATHS = {"assume-role"}


def test_every_path_in_the_data_file_has_a_positive_and_a_negative_case() -> None:
    ids = {spec.id for spec in load_paths()}
    assert set(CASES) | ROLE_PATHS == ids
    for spec in load_paths():
        assert spec.rule.startswith("PE") and spec.gains and spec.fix and spec.references, spec.id
        assert all(url.startswith("https://") for url in spec.references), spec.id


@pytest.mark.parametrize("path_id", sorted(CASES))
def test_a_policy_allowing_every_step_opens_the_path(path_id: str) -> None:
    opened = found(*CASES[path_id][0])
    assert path_id in opened
    assert opened[path_id].conditions == ()


@pytest.mark.parametrize("path_id", sorted(CASES))
def test_a_policy_missing_a_step_does_not(path_id: str) -> None:
    assert path_id not in found(*CASES[path_id][1])


def test_each_step_s_resource_is_one_the_action_takes() -> None:
    """A step's scope is an ARN of a resource type the catalog lists for the action, or "*" when it
    lists none (ssm:SendCommand's instance, not its document: the instance holds the role)."""
    catalog = default_catalog()
    for spec in load_paths():
        for need in (n for group in spec.needs for n in group):
            [info] = catalog.match(need.action)
            types = {r.name.lower() for r in info.resource_types}
            if need.resource == "*":
                assert not types, need
                continue
            resource_type = re.split(r"[/:]", need.resource.split(":", 5)[5])[0].lower()
            assert resource_type in types, need


def test_the_issue_lists_every_path() -> None:
    """The actions issue 12 names are each needed by some path of the data file."""
    needed = {a.lower() for spec in load_paths() for a in spec.actions}
    named = [
        "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachUserPolicy",
        "iam:AttachRolePolicy", "iam:AttachGroupPolicy", "iam:PutUserPolicy", "iam:PutRolePolicy",
        "iam:PutGroupPolicy", "iam:AddUserToGroup", "iam:CreateAccessKey", "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile", "iam:UpdateAssumeRolePolicy", "iam:PassRole", "ec2:RunInstances",
        "lambda:CreateFunction", "lambda:InvokeFunction", "lambda:CreateEventSourceMapping",
        "glue:CreateDevEndpoint", "glue:UpdateDevEndpoint", "cloudformation:CreateStack",
        "datapipeline:CreatePipeline", "sagemaker:CreateNotebookInstance", "ecs:RunTask",
        "codebuild:CreateProject", "codebuild:StartBuild", "ssm:SendCommand", "ssm:StartSession",
        "sts:AssumeRole",
    ]  # fmt: skip
    assert [a for a in named if a.lower() not in needed] == []


# --------------------------------------------------------------------------- statements and evidence


def test_the_path_is_built_across_statements_and_names_each_one() -> None:
    policy = doc(
        {"Sid": "Pass", **PASS},
        {"Sid": "Create", **allow("lambda:CreateFunction")},
        {"Sid": "Invoke", **allow("lambda:Invoke*")},
    )
    [path] = [
        p for p in find_escalations([SourcedPolicy(policy, "infra/app.tf")]) if p.id == "passrole-lambda"
    ]
    assert path.rule_id == "PE015"
    assert [(c.action, c.label, c.statement.sid, c.pattern) for c in path.contributions] == [
        ("iam:PassRole", "infra/app.tf", "Pass", "iam:PassRole"),
        ("lambda:CreateFunction", "infra/app.tf", "Create", "lambda:CreateFunction"),
        ("lambda:InvokeFunction", "infra/app.tf", "Invoke", "lambda:Invoke*"),
    ]
    lines = [c.location.line for c in path.contributions]
    assert lines == sorted(lines) and len(set(lines)) == 3


def test_two_policies_together_open_a_path_neither_opens_alone() -> None:
    passing = SourcedPolicy(doc(PASS, path="a.json"), "aws_iam_policy.pass")
    running = SourcedPolicy(doc(allow("ec2:RunInstances"), path="b.json"), "aws_iam_policy.run")
    assert not [p for p in find_escalations([passing]) if p.id == "passrole-ec2"]
    assert not [p for p in find_escalations([running]) if p.id == "passrole-ec2"]
    [path] = [p for p in find_escalations([passing, running]) if p.id == "passrole-ec2"]
    assert [c.label for c in path.contributions] == ["aws_iam_policy.pass", "aws_iam_policy.run"]


def test_a_deny_in_another_policy_closes_the_path() -> None:
    granting = SourcedPolicy(doc(allow("iam:*")), "granting")
    denying = SourcedPolicy(doc(deny("iam:CreateAccessKey")), "denying")
    ids = {p.id for p in find_escalations([granting, denying])}
    assert "create-access-key" not in ids and "attach-user-policy" in ids


def test_not_action_allow_grants_every_other_service() -> None:
    """PowerUserAccess-style: everything but IAM: SSM paths open, IAM and PassRole paths do not."""
    opened = found({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    assert {"ssm-send-command", "ssm-start-session", "glue-update-dev-endpoint"} <= set(opened)
    assert not {i for i in opened if i.startswith(("passrole", "attach", "put-", "create-"))}


def test_deny_with_not_action_leaves_only_what_it_excludes() -> None:
    opened = found(allow("*"), {"Effect": "Deny", "NotAction": "iam:AttachUserPolicy", "Resource": "*"})
    assert set(opened) == {"attach-user-policy"}


def test_a_deny_on_the_partition_s_users_blocks_the_path() -> None:
    assert "attach-user-policy" not in found(
        allow("iam:AttachUserPolicy"), deny("iam:*", "arn:aws:iam::*:user/*")
    )


def test_a_scoped_grant_is_shown_with_its_resource() -> None:
    [step] = found(allow("iam:AttachRolePolicy", "arn:aws:iam::*:role/app-*"))[
        "attach-role-policy"
    ].contributions
    assert step.narrowed and step.resource == "arn:aws:iam::*:role/app-*"
    assert step.describe().endswith("via iam:AttachRolePolicy on arn:aws:iam::*:role/app-*")
    [whole] = found(allow("iam:AttachRolePolicy"))["attach-role-policy"].contributions
    assert not whole.narrowed


def test_a_grant_on_another_resource_type_of_the_service_does_not_count() -> None:
    """glue:* on databases and tables (SageMakerStudioUserIAMDefaultExecutionPolicy) is no dev endpoint."""
    assert "glue-update-dev-endpoint" not in found(
        allow("glue:*", ["arn:aws:glue:*:*:database/*", "arn:aws:glue:*:*:table/*"])
    )
    assert "glue-update-dev-endpoint" in found(allow("glue:*", "arn:aws:glue:*:*:devEndpoint/*"))
    assert "glue-update-dev-endpoint" in found(allow("glue:*", "arn:aws:glue:*"))


def test_aws_managed_policies_are_no_versions_to_write() -> None:
    """cloudsplaining's fp4 pattern: an AWS managed policy (account ``aws``) takes no new version."""
    assert "create-policy-version" not in found(
        allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/fp4-*")
    )
    assert "create-policy-version" in found(allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*"))


def test_pass_role_or_run_instances_alone_is_no_path() -> None:
    """cloudsplaining's fn1 patterns: each half of PE014 alone opens nothing."""
    assert found(PASS) == {}
    assert found(allow(["ec2:DescribeInstances", "ec2:RunInstances"])) == {}


def test_a_deny_on_some_users_leaves_the_others() -> None:
    opened = found(
        allow("iam:CreateAccessKey"), deny("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/admin*")
    )
    assert "create-access-key" in opened


def test_wildcards_expand_like_the_catalog() -> None:
    assert "passrole-ec2" in found(allow(["iam:Pass*", "ec2:Run*"]))
    assert "passrole-ec2" not in found(allow(["iam:Pass*", "ec2:Describe*"]))
    assert "create-policy-version" in found(allow("IAM:createpolicyversion"))  # actions ignore case


def test_a_service_limited_pass_role_serves_only_its_service() -> None:
    only_lambda = allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    )
    opened = found(only_lambda, allow(["ec2:RunInstances", "lambda:CreateFunction", "lambda:InvokeFunction"]))
    assert "passrole-lambda" in opened and opened["passrole-lambda"].conditions == ()
    assert "passrole-ec2" not in opened


# --------------------------------------------------------------------------- conditions


def test_a_conditioned_path_is_reported_with_its_condition() -> None:
    opened = found(allow("iam:AttachUserPolicy", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    path = opened["attach-user-policy"]
    assert path.conditions == ("Bool aws:MultiFactorAuthPresent true",)
    assert path.contributions[0].conditions == ("Bool aws:MultiFactorAuthPresent true",)


def test_a_conditional_deny_makes_the_path_conditional_not_closed() -> None:
    opened = found(
        allow("iam:CreatePolicyVersion"),
        deny("iam:*", Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    )
    path = opened["create-policy-version"]
    assert path.conditions == ("not (NotIpAddress aws:SourceIp 203.0.113.0/24)",)
    assert [c.effect for c in path.contributions] == ["Allow", "Deny"]


def test_an_unconditional_way_wins_over_a_conditional_one() -> None:
    opened = found(
        allow("iam:PutUserPolicy", Condition={"StringEquals": {"aws:ResourceTag/team": "dev"}}),
        allow("iam:PutUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/*"),
    )
    assert opened["put-user-policy"].conditions == ()


def lint_json(tmp_path: Path, policy: dict[str, Any]) -> list[dict[str, Any]]:
    file = tmp_path / "policy.json"
    file.write_text(json.dumps(policy, indent=2))
    result = CliRunner().invoke(main, ["lint", str(file), "--select", "PE", "--format", "json"])
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return findings


def test_the_lint_finding_names_the_condition(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            allow("iam:AttachRolePolicy", Condition={"StringLike": {"aws:ResourceTag/team": "dev*"}})
        ],
    }
    [finding] = lint_json(tmp_path, policy)
    assert finding["rule_id"] == "PE005"
    assert "only when StringLike aws:ResourceTag/team dev*" in finding["message"]


def test_the_lint_finding_names_a_conditional_deny(tmp_path: Path) -> None:
    """The landing-zone "deny without MFA" pattern: the path is named, with the Deny's condition."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            allow("*"),
            {
                "Effect": "Deny",
                "NotAction": [
                    "iam:CreateVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:ListMFADevices",
                    "sts:GetSessionToken",
                ],
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
    findings = {f["rule_id"]: f["message"] for f in lint_json(tmp_path, policy)}
    assert findings["PE001"] == (
        "privilege escalation path create-policy-version: iam:CreatePolicyVersion by statement 1 at line 4 via *; "
        "unless the Deny in statement 2 at line 9 applies; only when not (Bool aws:MultiFactorAuthPresent false)"
    )


# --------------------------------------------------------------------------- boundaries


def test_a_boundary_limits_the_path() -> None:
    statements = [allow("iam:*"), PASS, allow("ec2:RunInstances")]
    assert {"attach-user-policy", "passrole-ec2"} <= set(found(*statements))
    limited = found(*statements, boundary=[allow(["ec2:*", "iam:PassRole"])])
    assert "attach-user-policy" not in limited
    assert "passrole-ec2" in limited
    assert [c.kind for c in limited["passrole-ec2"].contributions].count("boundary") == 2


def test_a_conditional_boundary_makes_the_path_conditional() -> None:
    limited = found(
        allow("iam:CreateAccessKey"),
        boundary=[allow("iam:CreateAccessKey", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})],
    )
    assert limited["create-access-key"].conditions == ("Bool aws:MultiFactorAuthPresent true",)


# --------------------------------------------------------------------------- sts:AssumeRole


USER = f"arn:aws:iam::{ACCOUNT}:user/dev"


def trust(principal: str, **extra: Any) -> SourcedPolicy:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole", **extra}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
    document, problem = load_policy(Source("trust.json", text), PolicyType.TRUST)
    assert document is not None, problem
    return SourcedPolicy(document, "aws_iam_role.admin (trust)")


def admin_role(trust_policy: SourcedPolicy, *permissions: dict[str, Any]) -> RoleTarget:
    return RoleTarget(
        f"arn:aws:iam::{ACCOUNT}:role/admin",
        trust_policy,
        (SourcedPolicy(doc(*permissions, path="role.json"), "aws_iam_role_policy.admin"),),
    )


def assume(
    *roles: RoleTarget, statements: tuple[dict[str, Any], ...] = (allow("sts:AssumeRole"),)
) -> list[EscalationPath]:
    sources = [SourcedPolicy(doc(*statements), "user.json")]
    return [p for p in find_escalations(sources, roles=roles, principal_arn=USER) if p.id == "assume-role"]


def test_lint_alone_reports_nothing_for_assume_role() -> None:
    assert "assume-role" not in found(allow("sts:AssumeRole"))


def test_assuming_a_broader_role_that_trusts_the_user_is_a_path() -> None:
    [path] = assume(admin_role(trust(USER), allow("iam:*")))
    assert path.rule_id == "PE025" and path.via_role == f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert "attach-user-policy" in path.role_paths
    assert [c.kind for c in path.contributions] == ["identity", "trust"]


def test_assume_role_needs_trust_permission_and_a_broader_role() -> None:
    assert assume(admin_role(trust(f"arn:aws:iam::{ACCOUNT}:user/other"), allow("iam:*"))) == []
    assert assume(admin_role(trust(USER), allow("s3:GetObject"))) == []  # nothing broader
    assert assume(admin_role(trust(USER), allow("iam:*")), statements=(allow("s3:*"),)) == []
    assert assume(RoleTarget(f"arn:aws:iam::{ACCOUNT}:role/admin", None, ())) == []  # trust unknown


def test_an_account_trust_with_a_condition_is_a_conditioned_path() -> None:
    conditioned = trust(
        f"arn:aws:iam::{ACCOUNT}:root", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    )
    [path] = assume(admin_role(conditioned, allow("*")))
    assert path.conditions == ("Bool aws:MultiFactorAuthPresent true",)


# --------------------------------------------------------------------------- through the CLI, and real policies


def test_lint_exits_1_with_the_finding_at_the_first_contributing_statement(tmp_path: Path) -> None:
    policy = tmp_path / "deploy.json"
    policy.write_text(
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        '    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        '    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},\n'
        '    {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}\n'
        "  ]\n"
        "}\n"
    )
    result = CliRunner().invoke(
        main, ["lint", str(policy), "--select", "PE", "--fail-on", "security-warning"]
    )
    assert result.exit_code == 1, result.output
    [line] = [ln for ln in result.stdout.splitlines() if " PE014 " in ln]
    assert line.startswith(f"{policy}:5:")
    assert 'statement 2 ("Pass") at line 5' in line and 'statement 3 ("Run") at line 6' in line


def test_a_resource_policy_is_not_read_for_escalation(tmp_path: Path) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "iam:*", "Resource": "*"}],
    }
    assert lint_json(tmp_path, bucket) == []
    identity = {"Version": "2012-10-17", "Statement": [allow("iam:*")]}
    assert lint_json(tmp_path, identity) != []  # the same grant without a Principal is reported


@pytest.mark.parametrize("name", ["agentless.json", "sqs-read-policy.json", "sqs-queue-policy.json"])
def test_the_guide_s_reference_policies_open_no_path(name: str) -> None:
    result = CliRunner().invoke(
        main, ["lint", str(PACKAGE / "reference" / "policies" / name), "--select", "PE"]
    )
    assert " PE0" not in result.stdout, result.stdout


def test_read_only_managed_policies_open_no_path_and_admin_ones_do() -> None:
    for name in ("ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "AmazonEC2ReadOnlyAccess"):
        assert not may_open_a_path([load_managed(name).document]), name
    admin = {
        p.id for p in find_escalations([SourcedPolicy(load_managed("AdministratorAccess").document, "admin")])
    }
    assert admin == {spec.id for spec in load_paths()} - ROLE_PATHS
    iam_full = {
        p.rule_id for p in find_escalations([SourcedPolicy(load_managed("IAMFullAccess").document, "iam")])
    }
    assert iam_full == {f"PE{n:03d}" for n in range(1, 14)}


def test_the_managed_corpus_names_the_escalating_policies(corpus: Path) -> None:
    folder = corpus / "iam-managed"
    result = CliRunner().invoke(main, ["lint", str(folder), "--select", "PE", "--format", "json", "-j", "1"])
    by_file: dict[str, set[str]] = {}
    messages: dict[tuple[str, str], str] = {}
    for finding in json.loads(result.stdout)["findings"]:
        name = Path(finding["location"]["path"]).name
        by_file.setdefault(name, set()).add(finding["rule_id"])
        messages[name, finding["rule_id"]] = finding["message"]
    assert {"PE001", "PE003", "PE014", "PE023"} <= by_file["AdministratorAccess.json"]
    assert {"PE001", "PE003", "PE010"} <= by_file["IAMFullAccess.json"]
    # AdministratorAccess-derived policies, read by hand: Amplify's CLISDKCalls/AmplifySSRCalls grant on "*"
    # CreatePolicyVersion, AttachRolePolicy, PutRolePolicy, UpdateAssumeRolePolicy and PassRole with Lambda
    # CreateFunction + InvokeFunction; CreateStack on its amplify-* stacks with that PassRole
    amplify = by_file["AdministratorAccess-Amplify.json"]
    assert {"PE001", "PE005", "PE008", "PE013", "PE015", "PE018"} <= amplify
    # Elastic Beanstalk's: PassRole to ec2/cloudformation + RunInstances with a launch template, CreateStack on
    # its awseb-*/eb-* stacks, and AttachRolePolicy of its own managed policies: named with their conditions
    beanstalk = by_file["AdministratorAccess-AWSElasticBeanstalk.json"]
    assert {"PE005", "PE014", "PE018"} <= beanstalk
    assert (
        "only when ArnLike ec2:LaunchTemplate"
        in messages["AdministratorAccess-AWSElasticBeanstalk.json", "PE014"]
    )
    assert (
        "only when ArnLike iam:PolicyArn arn:aws:iam::aws:policy/AWSElasticBeanstalk*"
        in messages["AdministratorAccess-AWSElasticBeanstalk.json", "PE005"]
    )
    assert "ReadOnlyAccess.json" not in by_file
    assert by_file["PowerUserAccess.json"] == {"PE017", "PE023", "PE024"}  # NotAction iam:*: no IAM path
