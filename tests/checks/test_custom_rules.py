"""Custom rules (``custom-rules:``): each kind fires where its definition says, by effective permissions.

Each kind has a policy it must flag and a close variant it must leave alone, so a rule that fired
on everything (or on nothing) fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy_lint.checks.custom_rules import CustomRule, compile_rule, meta_of
from policy_lint.core.findings import Finding, Level
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_text
from policy_lint.policy.model import PolicyType

ACCOUNT = "111122223333"
OTHER = "444455556666"
ORG = "o-abcdefghij"

NEVER_PASSROLE = CustomRule(
    "CU001", "Never pass roles", Level.ERROR, "never-grant", actions=("iam:PassRole",)
)
ORG_CONDITION = CustomRule(
    "CU002",
    "Cross-account reads need the organization",
    Level.SECURITY_WARNING,
    "require-condition",
    actions=("s3:GetObject",),
    keys=("aws:PrincipalOrgID",),
)
OUR_PRINCIPALS = CustomRule(
    "CU003",
    "Only our accounts",
    Level.WARNING,
    "allowed-principals",
    accounts=(ACCOUNT,),
    services=("ec2.amazonaws.com",),
    organizations=(ORG,),
)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    key = "NotAction" if more.pop("not_action", False) else "Action"
    return {"Effect": "Allow", key: action, "Resource": resource, **more}


def run(rule: CustomRule, policy: dict[str, Any], policy_type: PolicyType | None = None) -> list[Finding]:
    options = LintOptions(policy_type=policy_type, select=(rule.id,), extra_rules=(compile_rule(rule),))
    return lint_text(json.dumps(policy, indent=2), "policy.json", options)


# --------------------------------------------------------------------------- never-grant


@pytest.mark.parametrize(
    "policy",
    [
        doc(allow("iam:*")),
        doc(allow("*")),
        doc(allow("iam:Pass*")),
        doc(allow(["s3:*", "ec2:*"], not_action=True)),  # NotAction leaves iam:PassRole in
        doc(allow("iam:passrole", "arn:aws:iam::111122223333:role/app")),  # any resource of the scope
        doc(
            allow("iam:*"), {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/x"}
        ),
    ],
    ids=["service-wildcard", "star", "prefix", "not-action", "one-role", "partial-deny"],
)
def test_never_grant_fires_on_every_way_of_granting_the_action(policy: dict[str, Any]) -> None:
    findings = run(NEVER_PASSROLE, policy)
    assert [f.rule_id for f in findings] == ["CU001"]
    assert findings[0].level is Level.ERROR
    assert "iam:PassRole" in findings[0].message


@pytest.mark.parametrize(
    "policy",
    [
        doc(allow(["iam:GetRole", "iam:ListRoles"])),
        doc(allow(["iam:*", "s3:*"], not_action=True)),
        doc(allow("iam:*"), {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}),
        doc({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
    ],
    ids=["other-actions", "not-action-excludes-it", "denied", "deny-only"],
)
def test_never_grant_is_silent_when_the_action_is_not_granted(policy: dict[str, Any]) -> None:
    assert run(NEVER_PASSROLE, policy) == []


def test_never_grant_points_at_the_entry_that_grants_it() -> None:
    text = json.dumps(doc(allow(["s3:GetObject", "iam:*"])), indent=2)
    options = LintOptions(select=("CU001",), extra_rules=(compile_rule(NEVER_PASSROLE),))
    [finding] = lint_text(text, "policy.json", options)
    line = text.splitlines()[finding.location.line - 1]
    assert '"iam:*"' in line
    assert "via iam:*" in finding.message


def test_a_conditional_allow_still_grants_and_says_so() -> None:
    policy = doc(
        allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    )
    [finding] = run(NEVER_PASSROLE, policy)
    assert "when its conditions hold" in finding.message


def test_a_conditional_deny_does_not_take_the_grant_away() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "admins"}},
    }
    assert [f.rule_id for f in run(NEVER_PASSROLE, doc(allow("iam:*"), deny))] == ["CU001"]


def test_never_grant_only_on_the_resources_it_names() -> None:
    admins = CustomRule(
        "CU004",
        "Never pass the admin roles",
        Level.ERROR,
        "never-grant",
        actions=("iam:PassRole",),
        resources=("arn:aws:iam::111122223333:role/admin-*",),
    )
    assert run(admins, doc(allow("iam:PassRole", "arn:aws:iam::111122223333:role/app-*"))) == []
    assert [f.rule_id for f in run(admins, doc(allow("iam:PassRole", "arn:aws:iam::*:role/*")))] == ["CU004"]


def test_never_grant_does_not_read_an_scp() -> None:
    """An SCP grants nothing: its Allow * (FullAWSAccess) is not a grant."""
    assert run(NEVER_PASSROLE, doc(allow("*")), PolicyType.SCP) == []


# --------------------------------------------------------------------------- require-condition

BUCKET = "arn:aws:s3:::shared/*"


def bucket_statement(action: Any = "s3:GetObject", **more: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": action,
        "Resource": BUCKET,
        **more,
    }


@pytest.mark.parametrize(
    "statement",
    [
        bucket_statement(),
        bucket_statement("s3:*"),
        bucket_statement("s3:Get*"),
        bucket_statement(Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}}),
        bucket_statement(Condition={"Null": {"aws:PrincipalOrgID": "false"}}),
        bucket_statement(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}),
        # true for a request without the key (AWS evaluates a negated operator as true then)
        bucket_statement(Condition={"StringNotEquals": {"aws:PrincipalOrgID": ORG}}),
        # present, but any value passes
        bucket_statement(Condition={"StringLike": {"aws:PrincipalOrgID": "*"}}),
    ],
    ids=["exact", "service-wildcard", "prefix", "if-exists", "null", "other-key", "negated", "any-value"],
)
def test_require_condition_fires_without_a_present_condition_on_the_key(statement: dict[str, Any]) -> None:
    findings = run(ORG_CONDITION, doc(statement), PolicyType.RESOURCE)
    assert [f.rule_id for f in findings] == ["CU002"]
    assert "aws:PrincipalOrgID" in findings[0].message


@pytest.mark.parametrize(
    "statement",
    [
        bucket_statement(Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        bucket_statement(
            Condition={"StringEquals": {"AWS:principalorgid": ORG}}
        ),  # keys compare case-insensitively
        bucket_statement("s3:PutObject"),
        {**bucket_statement(), "Effect": "Deny"},
    ],
    ids=["org-condition", "key-case", "other-action", "deny"],
)
def test_require_condition_is_silent_when_satisfied_or_not_applicable(statement: dict[str, Any]) -> None:
    assert run(ORG_CONDITION, doc(statement), PolicyType.RESOURCE) == []


# --------------------------------------------------------------------------- allowed-principals


def principal_policy(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": BUCKET,
    }
    if condition:
        statement["Condition"] = condition
    return doc(statement)


@pytest.mark.parametrize(
    ("principal", "condition"),
    [
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, None),
        ({"AWS": ACCOUNT}, None),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, None),
        ({"Service": "EC2.amazonaws.com"}, None),
        ("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        ({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),
    ],
    ids=["account-root", "bare-account", "role-in-account", "service", "star-in-org", "star-in-account"],
)
def test_allowed_principals_accepts_the_listed_ones(principal: Any, condition: dict[str, Any] | None) -> None:
    assert run(OUR_PRINCIPALS, principal_policy(principal, condition), PolicyType.RESOURCE) == []


@pytest.mark.parametrize(
    ("principal", "condition", "named"),
    [
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, None, OTHER),
        ({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", OTHER]}, None, OTHER),
        ({"Service": "lambda.amazonaws.com"}, None, "lambda.amazonaws.com"),
        ("*", None, "everyone"),
        ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}, "everyone"),
        ("*", {"StringLike": {"aws:PrincipalAccount": "1111*"}}, "everyone"),
        ({"CanonicalUser": "abc"}, None, "CanonicalUser"),
    ],
    ids=[
        "other-account",
        "one-of-two",
        "other-service",
        "star",
        "star-other-org",
        "star-wildcard",
        "canonical",
    ],
)
def test_allowed_principals_flags_any_other(
    principal: Any, condition: dict[str, Any] | None, named: str
) -> None:
    findings = run(OUR_PRINCIPALS, principal_policy(principal, condition), PolicyType.RESOURCE)
    assert [f.rule_id for f in findings] == ["CU003"]
    assert named in findings[0].message


def test_allowed_principals_never_accepts_not_principal() -> None:
    policy = doc(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "s3:GetObject",
            "Resource": BUCKET,
        }
    )
    [finding] = run(OUR_PRINCIPALS, policy, PolicyType.RESOURCE)
    assert "NotPrincipal" in finding.message


def test_allowed_principals_reads_federated_providers_in_trust_policies() -> None:
    def trust(provider: str) -> dict[str, Any]:
        return doc(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        )

    ours = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    theirs = f"arn:aws:iam::{OTHER}:oidc-provider/token.actions.githubusercontent.com"
    assert run(OUR_PRINCIPALS, trust(ours), PolicyType.TRUST) == []
    assert [f.rule_id for f in run(OUR_PRINCIPALS, trust(theirs), PolicyType.TRUST)] == ["CU003"]


def test_allowed_principals_does_not_judge_identity_policies() -> None:
    assert run(OUR_PRINCIPALS, doc(allow("s3:GetObject")), PolicyType.IDENTITY) == []


def test_an_unresolved_principal_is_not_judged() -> None:
    """Uncertain never fails: a reference the source could not resolve may be a listed account."""
    assert run(OUR_PRINCIPALS, principal_policy({"AWS": "${var.reader_arn}"}), PolicyType.RESOURCE) == []


# --------------------------------------------------------------------------- metadata


def test_the_help_text_is_generated_from_the_definition() -> None:
    meta = meta_of(ORG_CONDITION)
    assert meta.id == "CU002" and meta.level is Level.SECURITY_WARNING
    assert meta.title == "Cross-account reads need the organization"
    assert "require-condition" in meta.rationale and "s3:GetObject" in meta.rationale
    assert "aws:PrincipalOrgID" in meta.rationale and "aws:PrincipalOrgID" in meta.remediation
    assert meta.policy_types == ("identity", "resource", "trust")


def test_the_options_carrying_custom_rules_reach_lint_workers() -> None:
    """``lint -j`` sends the options to worker processes: the compiled rules must survive pickling."""
    import pickle

    options = LintOptions(select=("CU001",), extra_rules=(compile_rule(NEVER_PASSROLE),))
    copied = pickle.loads(pickle.dumps(options))
    assert copied == options
    findings = lint_text(json.dumps(doc(allow("iam:*"))), "policy.json", copied)
    assert [f.rule_id for f in findings] == ["CU001"]


def test_require_condition_counts_a_numeric_condition_on_the_key() -> None:
    """aws:MultiFactorAuthAge under NumericLessThan holds only after a recent MFA sign-in: it counts."""
    mfa = CustomRule(
        "CU009",
        "MFA for deletes",
        Level.ERROR,
        "require-condition",
        actions=("s3:DeleteObject",),
        keys=("aws:MultiFactorAuthAge",),
    )
    statement = {
        "Effect": "Allow",
        "Action": "s3:DeleteObject",
        "Resource": BUCKET,
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    }
    assert run(mfa, doc(statement), PolicyType.IDENTITY) == []
    unconditioned = {k: v for k, v in statement.items() if k != "Condition"}
    assert [f.rule_id for f in run(mfa, doc(unconditioned), PolicyType.IDENTITY)] == ["CU009"]
