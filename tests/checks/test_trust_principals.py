"""PL7: every Access Analyzer trust, principal, PassRole and service-linked-role check it covers.

Each row is one AA check: a positive policy that must get a finding of the rule at AA's level or
stricter, and the same policy minimally corrected, which must get none from that rule.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy_lint.core.findings import Level
from policy_lint.rules.lint_ruleset import get_policy_rule
from tests.helpers import lint_policy

ACCOUNT = "123456789012"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
EKS = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(principal: Any, action: Any = "sts:AssumeRole", **more: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action, **more})


def github(sub: Any = None, operator: str = "StringLike") -> dict[str, Any]:
    condition: dict[str, Any] = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    }
    if sub is not None:
        condition[operator] = {"token.actions.githubusercontent.com:sub": sub}
    return trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", Condition=condition)


def queue(principal: Any, key: str = "Principal", **more: Any) -> dict[str, Any]:
    """A queue policy statement: the resource-policy rows differ only in their principal and condition."""
    return doc({"Effect": "Allow", key: principal, "Action": "sqs:SendMessage", "Resource": QUEUE, **more})


def cloudfront_site(condition: dict[str, Any]) -> dict[str, Any]:
    return doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site/*",
            "Condition": condition,
        }
    )


def identity(**statement: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", **statement})


PASS, SLR, SW, W = "iam:PassRole", "iam:CreateServiceLinkedRole", Level.SECURITY_WARNING, Level.WARNING
ADMIN, APP = f"arn:aws:iam::{ACCOUNT}:role/admin", f"arn:aws:iam::{ACCOUNT}:role/app"
ECS_SLR = "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
ECS_ONLY = {"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}

# (AA check, rule, policy type, AA level, positive, negative)
CASES: list[tuple[str, str, str | None, Level, dict[str, Any], dict[str, Any]]] = [
    (
        "Role trust policy syntax error notprincipal",
        "PL701",
        "trust",
        Level.ERROR,
        doc(
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    ),
    (
        "Role trust policy unsupported wildcard in principal",
        "PL702",
        "trust",
        Level.ERROR,
        trust("*"),
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    ),
    (
        "Role trust policy syntax error resource",
        "PL703",
        "trust",
        Level.ERROR,
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Resource="*"),
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    ),
    (
        "Invalid federated principal syntax in role trust policy",
        "PL704",
        "trust",
        Level.ERROR,
        trust({"Federated": f"arn:aws:iam::{ACCOUNT}:role/Okta"}, "sts:AssumeRoleWithSAML"),
        trust({"Federated": SAML}, "sts:AssumeRoleWithSAML"),
    ),
    (
        "Federated principal not supported",
        "PL705",
        "resource",
        Level.ERROR,
        queue({"Federated": SAML}),
        queue({"AWS": f"arn:aws:iam::{ACCOUNT}:role/Okta"}),
    ),
    (
        "Missing condition key for oidc principal",
        "PL706",
        "trust",
        Level.SECURITY_WARNING,
        trust({"Federated": EKS}, "sts:AssumeRoleWithWebIdentity"),
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF:aud": "sts.amazonaws.com",
                    "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF:sub": "system:serviceaccount:app:web",
                }
            },
        ),
    ),
    (
        "Missing github repo condition key",
        "PL709",
        "trust",
        Level.SECURITY_WARNING,
        github(),
        github("repo:octo-org/app:ref:refs/heads/main", "StringEquals"),
    ),
    (
        "Specific github repo and branch recommended",
        "PL710",
        "trust",
        Level.WARNING,
        github("repo:octo-org/app:*"),
        github("repo:octo-org/app:environment:production", "StringEquals"),
    ),
    (
        "Missing action for roles anywhere trust policy",
        "PL711",
        "trust",
        Level.ERROR,
        trust({"Service": "rolesanywhere.amazonaws.com"}, ["sts:AssumeRole", "sts:TagSession"]),
        trust(
            {"Service": "rolesanywhere.amazonaws.com"},
            ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        ),
    ),
    (
        "Redundant principal in role trust policy",
        "PL712",
        "trust",
        Level.SUGGESTION,
        trust(
            {
                "AWS": [
                    f"arn:aws:iam::{ACCOUNT}:role/deploy",
                    f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci-session",
                ]
            }
        ),
        trust({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/deploy"]}),
    ),
    (
        "Mismatched action for principal",
        "PL713",
        "trust",
        Level.ERROR,
        trust({"Federated": "cognito-identity.amazonaws.com"}, ["sts:AssumeRole", "sts:TagSession"]),
        trust(
            {"Federated": "cognito-identity.amazonaws.com"},
            ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        ),
    ),
    (
        "Allow with NotPrincipal",
        "PL606",
        "resource",
        Level.SECURITY_WARNING,
        queue({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "NotPrincipal"),
        queue({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    ),
    (
        "Unsupported wildcard in principal",
        "PL721",
        "resource",
        Level.ERROR,
        queue({"AWS": "arn:aws:iam::*:root"}),
        queue({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    ),
    (
        "Invalid service principal format",
        "PL722",
        "trust",
        Level.ERROR,
        trust({"Service": "Lambda"}),
        trust({"Service": "lambda.amazonaws.com"}),
    ),
    (
        "Unsupported condition key for service principal",
        "PL723",
        "resource",
        Level.ERROR,
        cloudfront_site({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        cloudfront_site({"StringEquals": {"aws:SourceOrgID": "o-abc123"}}),
    ),
    (
        "Recommended condition key for service principal",
        "PL724",
        "resource",
        Level.SUGGESTION,
        cloudfront_site({"Bool": {"aws:SecureTransport": "true"}}),
        cloudfront_site({"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
    ),
    (
        "Invalid principal key",
        "PL114",
        "resource",
        Level.ERROR,
        queue({"Account": ACCOUNT}),
        queue({"AWS": ACCOUNT}),
    ),
    (
        "Invalid principal format",
        "PL114",
        "resource",
        Level.ERROR,
        queue(ACCOUNT),
        queue({"AWS": ACCOUNT}),
    ),
    *(
        (check, rule, "identity", level, identity(**positive), identity(**negative))
        for check, rule, level, positive, negative in [
            # PassRole
            (
                "Pass role with NotResource",
                "PL602",
                SW,
                {"Action": PASS, "NotResource": ADMIN},
                {"Action": PASS, "Resource": APP},
            ),
            (
                "Pass role with star in action and NotResource",
                "PL602",
                SW,
                {"Action": "iam:Pass*", "NotResource": ADMIN},
                {"Action": "iam:Pass*", "Resource": APP},
            ),
            (
                "Pass role with star in resource",
                "PL602",
                SW,
                {"Action": PASS, "Resource": "*"},
                {"Action": PASS, "Resource": APP},
            ),
            (
                "Pass role with star in action and resource",
                "PL602",
                SW,
                {"Action": "iam:*", "Resource": "*"},
                {"Action": "iam:*", "Resource": APP},
            ),
            (
                "Pass role with NotAction and NotResource",
                "PL730",
                SW,
                {"NotAction": "s3:*", "NotResource": ADMIN},
                {"NotAction": ["s3:*", PASS], "NotResource": ADMIN},
            ),
            (
                "Pass role with star in resource and NotAction",
                "PL730",
                SW,
                {"NotAction": "s3:*", "Resource": "*"},
                {"NotAction": ["s3:*", PASS], "Resource": "*"},
            ),
            # CreateServiceLinkedRole
            (
                "Create SLR with NotResource",
                "PL731",
                W,
                {"Action": SLR, "NotResource": ADMIN},
                {"Action": SLR, "Resource": ECS_SLR},
            ),
            (
                "Create SLR with star in action and NotResource",
                "PL731",
                W,
                {"Action": "iam:Create*", "NotResource": ADMIN},
                {"Action": "iam:Create*", "Resource": ECS_SLR},
            ),
            (
                "Create SLR with NotAction and NotResource",
                "PL731",
                W,
                {"NotAction": "s3:*", "NotResource": ADMIN},
                {"NotAction": ["s3:*", SLR], "NotResource": ADMIN},
            ),
            (
                "Create SLR with star in resource",
                "PL731",
                W,
                {"Action": SLR, "Resource": "*"},
                {"Action": SLR, "Resource": "*", "Condition": ECS_ONLY},
            ),
            (
                "Create SLR with star in action and resource",
                "PL731",
                W,
                {"Action": "iam:*", "Resource": "*"},
                {"Action": "iam:*", "Resource": APP},
            ),
            (
                "Create SLR with star in resource and NotAction",
                "PL731",
                W,
                {"NotAction": "s3:*", "Resource": "*"},
                {"NotAction": ["s3:*", SLR], "Resource": "*"},
            ),
        ]
    ),
]


@pytest.mark.parametrize(
    ("check", "rule", "policy_type", "level", "positive", "negative"), CASES, ids=[c[0] for c in CASES]
)
def test_access_analyzer_check(
    check: str,
    rule: str,
    policy_type: str | None,
    level: Level,
    positive: dict[str, Any],
    negative: dict[str, Any],
) -> None:
    assert check in get_policy_rule(rule).access_analyzer, f"{rule} does not name {check!r} in its metadata"
    found = [f for f in lint_policy(positive, select=rule, policy_type=policy_type) if f.rule_id == rule]
    assert found, f"{check}: {rule} missed the positive policy"
    assert all(f.level >= level for f in found)
    assert [f for f in lint_policy(negative, select=rule, policy_type=policy_type) if f.rule_id == rule] == []


def test_every_pl7_access_analyzer_name_has_a_row() -> None:
    from policy_lint.rules.lint_ruleset import lint_rule_set

    named = {
        (meta.id, check)
        for meta in lint_rule_set().metas()
        if meta.id.startswith("PL7")
        for check in meta.access_analyzer
    }
    assert named <= {(rule, check) for check, rule, *_ in CASES}


def _ids(policy: dict[str, Any], select: str = "PL7", policy_type: str | None = None) -> list[str]:
    return sorted(f.rule_id for f in lint_policy(policy, select=select, policy_type=policy_type))


def test_trust_wildcard_narrowed_to_the_organization_is_accepted() -> None:
    narrowed = trust("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert _ids(narrowed, "PL702", "trust") == []
    # a condition that does not name the caller narrows nothing
    weak = trust("*", Condition={"Bool": {"aws:SecureTransport": "true"}})
    assert _ids(weak, "PL702", "trust") == ["PL702"]


def test_an_rcp_guarding_sts_is_not_judged_as_a_trust_policy() -> None:
    # Inferred as trust (all actions sts:AssumeRole*), but every statement has a Resource: an RCP.
    rcp = doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Resource": "*",
            "Condition": {"Null": {"token.actions.githubusercontent.com:sub": "false"}},
        }
    )
    assert _ids(rcp) == []
    assert _ids(rcp, policy_type="trust") == ["PL703"]


def test_oidc_audience_without_subject_and_subject_without_audience() -> None:
    prefix = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF"
    only_aud = trust(
        {"Federated": EKS},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringEquals": {f"{prefix}:aud": "sts.amazonaws.com"}},
    )
    assert _ids(only_aud) == ["PL708"]
    only_sub = trust(
        {"Federated": EKS},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringEquals": {f"{prefix}:sub": "system:serviceaccount:a:b"}},
    )
    assert _ids(only_sub) == ["PL707"]
    # condition keys are case-insensitive: an upper-cased key still counts
    upper = trust(
        {"Federated": EKS},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringEquals": {f"{prefix.upper()}:SUB": "x", f"{prefix}:aud": "y"}},
    )
    assert _ids(upper) == []


def test_cognito_is_narrowed_by_its_identity_pool_audience() -> None:
    pool = trust(
        {"Federated": "cognito-identity.amazonaws.com"},
        "sts:AssumeRoleWithWebIdentity",
        Condition={
            "StringEquals": {
                "cognito-identity.amazonaws.com:aud": "us-east-1:12345678-1234-1234-1234-123456789012"
            },
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
        },
    )
    assert _ids(pool) == []


@pytest.mark.parametrize(
    "sub", ["*", "repo:*", "repo:*/*:*", ["repo:octo-org/app:ref:refs/heads/main", "repo:*"]]
)
def test_github_subject_matching_any_owner_is_as_bad_as_none(sub: Any) -> None:
    assert "PL709" in _ids(github(sub))


def test_github_negated_subject_condition_is_no_repository_condition() -> None:
    negated = github("repo:evil/*", "StringNotLike")
    assert _ids(negated) == ["PL709"]


def test_terraform_and_cloudformation_values_are_not_judged() -> None:
    templated = trust(
        {"Federated": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/x"},
        "sts:AssumeRoleWithWebIdentity",
        Condition={"StringEquals": {"x:sub": "a", "x:aud": "b"}},
    )
    assert "PL704" not in _ids(templated)
    assert _ids(trust({"Service": "${var.service}"})) == []


@pytest.mark.parametrize(
    "service",
    [
        "ec2.amazonaws.com",
        "logs.eu-west-1.amazonaws.com",
        "ec2.amazonaws.com.cn",
        "member.org.stacksets.cloudformation.amazonaws.com",
    ],
)
def test_real_service_principals_pass(service: str) -> None:
    assert _ids(trust({"Service": service})) == []


@pytest.mark.parametrize(
    ("service", "why"),
    [
        ("EC2.amazonaws.com", "upper-case"),
        ("lambda.amazonaws", "does not end in .amazonaws.com"),
        ("arn:aws:iam::aws:policy/x", "ARN"),
        ("lambda", "not of the form"),
    ],
)
def test_malformed_service_principals_are_errors(service: str, why: str) -> None:
    found = [f for f in lint_policy(trust({"Service": service}), select="PL722") if f.rule_id == "PL722"]
    assert len(found) == 1 and why in found[0].message and found[0].level is Level.ERROR


def test_passrole_and_slr_rules_read_identity_policies_only() -> None:
    # A VPC endpoint policy "*" on "*" grants nothing to anyone by itself.
    endpoint = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    assert _ids(endpoint, "PL73", "resource") == []
    admin = identity(Action="*", Resource="*")
    assert _ids(admin, "PL73") == ["PL731"]


def test_slr_on_a_wildcard_service_name_condition_is_still_any_service() -> None:
    wild = identity(
        Action="iam:CreateServiceLinkedRole",
        Resource="*",
        Condition={"StringLike": {"iam:AWSServiceName": "*"}},
    )
    assert _ids(wild, "PL731") == ["PL731"]


def test_an_unconditional_deny_in_the_same_policy_takes_the_grant_back() -> None:
    allow_and_deny = doc(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    )
    assert _ids(allow_and_deny, "PL73") == []
    conditional = copy.deepcopy(allow_and_deny)
    conditional["Statement"][1]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    assert _ids(conditional, "PL73") == ["PL731"]
