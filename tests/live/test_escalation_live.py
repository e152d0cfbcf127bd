"""Privilege escalation per principal, live (issue 12): an account in moto (in-process) holding
the same users as tests/fixtures/terraform/escalation gets the same verdicts as the planned
files, naming policies by ARN; a role's permissions boundary is read (iam:GetRole) and limits
its paths; the guide's onboarding user, provisioned as examples/terraform/onboarding would,
has no path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.inventory.model import Inventory
from policy_lint.live.collector import CollectOptions, collect
from policy_lint.onboarding.config import load_config
from policy_lint.rules.registry import Status
from policy_lint.sources.detect import detect, load_inventory

from .test_planned_vs_live import CONFIG, _apply_example

ROOT = Path(__file__).resolve().parents[2]
PLANNED = ROOT / "tests" / "fixtures" / "terraform" / "escalation"


def _doc(sid: str, action: str, resource: str = "*") -> str:
    statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _provision() -> dict[str, str]:
    """The planned fixture's users, created through boto3; returns the policies' ARNs by name."""
    import boto3

    iam = boto3.client("iam")
    account = boto3.client("sts").get_caller_identity()["Account"]
    arns = {
        name: iam.create_policy(PolicyName=name, PolicyDocument=doc)["Policy"]["Arn"]
        for name, doc in (
            ("pass-roles", _doc("PassAnyRole", "iam:PassRole")),
            ("run-instances", _doc("LaunchInstances", "ec2:RunInstances")),
            ("ec2-only-boundary", _doc("Ec2Only", "ec2:*")),
        )
    }
    iam.create_user(UserName="two-policies")
    for name in ("pass-roles", "run-instances"):
        iam.attach_user_policy(UserName="two-policies", PolicyArn=arns[name])
    iam.create_group(GroupName="builders")
    iam.put_group_policy(
        GroupName="builders", PolicyName="builders-pass", PolicyDocument=_doc("GroupPassRole", "iam:PassRole")
    )
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="builders", UserName="member")
    iam.attach_user_policy(UserName="member", PolicyArn=arns["run-instances"])
    # A user's boundary: moto stores none (limit 4 in test_stubbed.py), see the stubbed test below.
    iam.create_user(UserName="assumer")
    role_arn = f"arn:aws:iam::{account}:role/admin"
    iam.put_user_policy(
        UserName="assumer",
        PolicyName="assume-admin",
        PolicyDocument=_doc("AssumeAdmin", "sts:AssumeRole", role_arn),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:user/assumer"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps(trust))
    attach = _doc("AttachToRoles", "iam:AttachRolePolicy")
    iam.put_role_policy(RoleName="admin", PolicyName="attach-anything", PolicyDocument=attach)
    iam.create_role(
        RoleName="bounded-role",
        AssumeRolePolicyDocument=json.dumps(trust),
        PermissionsBoundary=arns["ec2-only-boundary"],
    )
    iam.put_role_policy(RoleName="bounded-role", PolicyName="attach-anything", PolicyDocument=attach)
    return arns


@pytest.fixture(scope="module")
def live(moto_aws: None) -> Iterator[tuple[list[CheckResult], dict[str, str], Inventory]]:
    _apply_example()
    arns = _provision()
    collection = collect(load_config(str(CONFIG)), CollectOptions(workers=2))
    assert collection.inventory.collection_errors == {}
    yield run_checks(collection.inventory, Selection()), arns, collection.inventory


def _by_principal(results: list[CheckResult]) -> dict[str, list[tuple[str, str]]]:
    """(rule, status) of the escalation results, by the principal's name."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in results:
        if r.rule_id.startswith(("PE", "PR")):
            name = r.evidence["principal"]["name"]
            out.setdefault(name, []).append((r.rule_id, r.status.value))
    return out


def _mine(results: list[CheckResult], name: str) -> list[CheckResult]:
    return [
        r for r in results if r.rule_id.startswith(("PE", "PR")) and r.evidence["principal"]["name"] == name
    ]


def test_two_policies_of_one_live_user_make_one_path_naming_both_arns(live: Any) -> None:
    results, arns, _ = live
    mine = _mine(results, "two-policies")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    message = mine[0].message
    assert f'policy {arns["pass-roles"]} statement 1 ("PassAnyRole")' in message
    assert f'policy {arns["run-instances"]} statement 1 ("LaunchInstances")' in message


def test_a_live_group_membership_gives_its_half_of_the_path(live: Any) -> None:
    results, _, _ = live
    mine = _mine(results, "member")
    assert [(r.rule_id, r.status) for r in mine] == [("PE014", Status.FAIL)]
    assert 'inline policy builders-pass of group builders statement 1 ("GroupPassRole")' in mine[0].message


def test_a_live_roles_boundary_is_read_and_limits_its_paths(live: Any) -> None:
    """The role's boundary comes from GetRole (ListRoles leaves it out); it is a customer policy
    attached to nobody, collected because it is a boundary."""
    results, arns, inventory = live
    role = next(r for r in inventory.roles if r.name == "bounded-role")
    assert role.permissions_boundary == arns["ec2-only-boundary"]
    assert [(r.rule_id, r.status) for r in _mine(results, "bounded-role")] == [("PR001", Status.PASS)]
    assert [r.rule_id for r in _mine(results, "admin")] == ["PE005"]  # the same policy, no boundary


class _Inline:
    """An executor that runs each job at once (the stubbed calls must come in order)."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_live_users_customer_boundary_is_collected_and_judged() -> None:
    """moto limit 4 (no user boundary): on botocore's Stubber, GetUser names a customer managed
    boundary attached to nobody; it is read (GetPolicy, GetPolicyVersion) so the user is judged
    (a pass), not left unknown for a boundary whose document is missing."""
    from datetime import datetime, timezone

    from policy_lint.live import iam

    from .conftest import stub_api, stubbed
    from .test_stubbed import USER_ARN, _user_responses

    boundary = "arn:aws:iam::123456789012:policy/ec2-only-boundary"
    client, stub = stubbed("iam")
    created = datetime(2026, 1, 5, tzinfo=timezone.utc)
    name = USER_ARN.rsplit("/", 1)[1]
    stub.add_response(
        "list_users",
        {
            "Users": [
                {
                    "UserName": name,
                    "UserId": "AIDAEXAMPLEUSERID0001",
                    "Arn": USER_ARN,
                    "Path": "/",
                    "CreateDate": created,
                }
            ]
        },
    )
    _user_responses(stub, boundary=boundary)
    stub.add_response(
        "get_policy",
        {"Policy": {"PolicyName": "ec2-only-boundary", "Arn": boundary, "DefaultVersionId": "v1"}},
        {"PolicyArn": boundary},
    )
    stub.add_response(
        "get_policy_version",
        {
            "PolicyVersion": {
                "Document": _doc("Ec2Only", "ec2:*"),
                "VersionId": "v1",
                "IsDefaultVersion": True,
            }
        },
        {"PolicyArn": boundary, "VersionId": "v1"},
    )
    users, groups, policies, failed = iam.collect_identities(stub_api(iam=client), _Inline(), lambda _: None)  # type: ignore[arg-type]
    stub.assert_no_pending_responses()
    assert failed is None and [p.arn for p in policies] == [boundary]
    inventory = Inventory(users=users, groups=groups, policies=policies, sources=["live"])
    results = [r for r in run_checks(inventory, Selection()) if r.rule_id.startswith(("PE", "PR"))]
    assert [(r.rule_id, r.status) for r in results] == [("PR001", Status.PASS)]


def test_assuming_a_live_role_that_trusts_the_user_is_a_path(live: Any) -> None:
    results, _, _ = live
    mine = _mine(results, "assumer")
    assert [(r.rule_id, r.status) for r in mine] == [("PE025", Status.FAIL)]
    assert "into role admin, whose policies open attach-role-policy" in mine[0].message


def test_planned_and_live_agree_on_every_user_both_declare(live: Any) -> None:
    results, _, _ = live
    planned = _by_principal(run_checks(load_inventory(detect([str(PLANNED)]), Inventory()), Selection()))
    observed = _by_principal(results)
    for name in ("two-policies", "member", "assumer", "admin"):
        assert planned[name] == observed[name], name


def test_the_guides_onboarding_user_has_no_escalation_path_live(live: Any) -> None:
    """Claim a vendor can show its customers, live: the onboarding user as the guide creates it
    (ReadOnlyAccess, AmazonEC2ReadOnlyAccess, IAMReadOnlyAccess, the Agentless policy, the
    audit-queue read policy), read from the account, reaches no published escalation path."""
    results, _, _ = live
    user = load_config(str(CONFIG)).iam_user
    mine = _mine(results, str(user))
    assert [(r.rule_id, r.status) for r in mine] == [("PR001", Status.PASS)]
    assert "across 5 policies" in mine[0].message
