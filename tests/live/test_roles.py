"""Live roles: ListRoles (paginated) with each trust policy, the roles' policies, linted as ``check`` lints
planned roles; a refused ListRoles leaves the roles unknown, naming the permission."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from policy_lint.checks.embedded_policies import lint_embedded
from policy_lint.inventory.model import IamRole, Inventory, Unknown
from policy_lint.live import iam
from policy_lint.live.api import Failure
from policy_lint.live.collector import Collection, CollectOptions, collect

from .conftest import stub_api, stubbed

REGION = "us-east-1"
#: a trust policy anyone may use: what PL702 reports in a Terraform role
OPEN_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PASS_ANY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
}
#: more roles than one ListRoles page holds (100 by default), so the listing must paginate
MANY = 105


class _Inline:
    """An executor that runs each job at once (no thread pool needed for a unit test)."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture(scope="module")
def live(moto_aws: None) -> Iterator[Collection]:
    import boto3

    client = boto3.client("iam")
    client.create_role(RoleName="open-role", AssumeRolePolicyDocument=json.dumps(OPEN_TRUST))
    arn = client.create_policy(PolicyName="admin", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    client.attach_role_policy(RoleName="open-role", PolicyArn=arn)
    client.put_role_policy(RoleName="open-role", PolicyName="pass", PolicyDocument=json.dumps(PASS_ANY))
    for i in range(MANY):
        client.create_role(RoleName=f"worker-{i:03}", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    yield collect(None, CollectOptions(regions=(REGION,), workers=2))


def test_every_role_is_listed_across_pages_with_its_trust_policy(live: Collection) -> None:
    names = {role.name for role in live.inventory.roles}
    assert {"open-role", *(f"worker-{i:03}" for i in range(MANY))} <= names
    assert "roles" in live.inventory.complete
    role = next(r for r in live.inventory.roles if r.name == "open-role")
    assert role.trust_policy == OPEN_TRUST  # URL-encoded JSON in the response, decoded to the document
    assert [p.name for p in role.attached_policies] == ["admin"]  # type: ignore[union-attr]
    assert [p.name for p in role.inline_policies] == ["pass"]  # type: ignore[union-attr]
    assert any(p.name == "admin" and p.document == ADMIN for p in live.inventory.policies)


def test_verify_lints_live_roles_like_check(live: Collection) -> None:
    findings = lint_embedded(live.inventory)
    on_role = [f for f in findings if "open-role" in f.message or "open-role" in f.location.path]
    ids = {f.rule_id for f in on_role}
    assert "PL702" in ids, on_role  # the trust policy, as a trust policy
    assert "PL602" in ids, on_role  # the inline policy, as an identity policy
    assert any(f.rule_id == "PL601" for f in findings)  # the attached customer managed policy
    workers = [f for f in findings if "worker-" in f.location.path and f.level.label == "error"]
    assert workers == []


def test_a_refused_list_roles_leaves_the_roles_unknown_naming_the_permission() -> None:
    client, stub = stubbed("iam")
    stub.add_client_error(
        "list_roles",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:ListRoles",
        http_status_code=403,
    )
    api = stub_api(iam=client)
    roles, failed = iam.collect_roles(api, _Inline(), lambda _: None)  # type: ignore[arg-type]
    assert roles == [] and isinstance(failed, Failure)
    assert failed.reason.startswith("iam:ListRoles denied: AccessDenied")
    assert api.errors.errors["iam:ListRoles"] == failed.reason
    inventory = Inventory(sources=["live"], complete={"users"})
    assert inventory.listing_gap("roles") is not None


def test_a_refused_role_policy_listing_is_unknown_for_that_role_only() -> None:
    client, stub = stubbed("iam")
    stub.add_response("list_attached_role_policies", {"AttachedPolicies": [], "IsTruncated": False})
    stub.add_client_error("list_role_policies", service_error_code="AccessDenied", http_status_code=403)
    api = stub_api(iam=client)
    listed = {
        "RoleName": "r",
        "Arn": "arn:aws:iam::123456789012:role/r",
        "AssumeRolePolicyDocument": EC2_TRUST,
    }
    role = iam.collect_role(api, listed)
    assert isinstance(role, IamRole) and role.trust_policy == EC2_TRUST
    assert role.attached_policies == []
    assert isinstance(role.inline_policies, Unknown)
    assert "iam:ListRolePolicies denied" in role.inline_policies.reason


def test_verify_runs_the_settings_custom_rules_on_live_policies(live: Collection) -> None:
    """verify judges a live account's policies with the project's custom rules (what ``judge`` passes)."""
    from policy_lint.checks.custom_rules import CustomRule, compile_rule
    from policy_lint.core.findings import Level

    never_pass = CustomRule(
        "CU001", "Never pass roles", Level.ERROR, "never-grant", actions=("iam:PassRole",)
    )
    trusted = CustomRule(
        "CU002", "Trust EC2 only", Level.WARNING, "allowed-principals", services=("ec2.amazonaws.com",)
    )
    rules = (compile_rule(never_pass), compile_rule(trusted))
    findings = lint_embedded(live.inventory, select=("CU",), extra_rules=rules)
    on_role = {(f.rule_id, f.message.split(":")[0]) for f in findings if "open-role" in f.message}
    assert any(rule == "CU001" and "inline policy pass" in where for rule, where in on_role), on_role
    assert any(rule == "CU002" and "trust policy" in where for rule, where in on_role), on_role  # AWS "*"
    assert any(f.rule_id == "CU001" and "via *;" in f.message for f in findings)  # the attached admin policy
    assert not [f for f in findings if "worker-" in f.message]  # EC2-trusted roles that grant nothing
