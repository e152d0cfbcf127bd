"""PL3xx: condition operators, keys, types and set operators, as a policy author meets them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.catalog.conditions import KeyScope, parse_operator, suggest_operator
from policy_lint.catalog.defaults import default_condition_keys
from policy_lint.core.findings import Finding, Level
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_source
from policy_lint.syntax.source import read_source
from tests.helpers import at, lint_policy, rule_ids


def policy(
    condition: dict[str, Any], action: Any = "s3:GetObject", effect: str = "Allow", **extra: Any
) -> str:
    """A one-statement policy whose Condition block puts the first operator on line 9 and its first key on line 10."""
    stmt: dict[str, Any] = {
        "Effect": effect,
        "Action": action,
        "Resource": "*",
        "Condition": condition,
        **extra,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]}, indent=2)


def only(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


# -- PL301 ------------------------------------------------------------------------------------------
def test_misspelled_operator_is_an_error_at_the_operator_with_a_suggestion() -> None:
    findings = lint_policy(policy({"StringEqual": {"aws:PrincipalOrgID": "o-abc"}}), select="PL301")
    assert rule_ids(findings) == ["PL301"]
    assert findings[0].level is Level.ERROR
    assert at(findings, "PL301") == [(9, 9)]
    assert findings[0].message == "unknown condition operator 'StringEqual'"
    assert findings[0].hint == "did you mean 'StringEquals'?"


def test_operator_case_matters_because_iam_rejects_wrong_case() -> None:
    findings = lint_policy(policy({"stringEquals": {"aws:PrincipalOrgID": "o-abc"}}), select="PL301")
    assert rule_ids(findings) == ["PL301"]
    assert findings[0].hint == "did you mean 'StringEquals'? condition operators are case-sensitive"
    lower_set = lint_policy(policy({"ForAnyValue:Stringlike": {"aws:TagKeys": "a*"}}), select="PL301")
    assert lower_set[0].hint and "ForAnyValue:StringLike" in lower_set[0].hint


def test_null_cannot_take_ifexists_and_unknown_prefixes_are_rejected() -> None:
    findings = lint_policy(policy({"NullIfExists": {"aws:TokenIssueTime": "true"}}), select="PL301")
    assert findings[0].hint == "Null cannot take IfExists: Null itself tests whether the key is present"
    bad_prefix = lint_policy(policy({"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}), select="PL301")
    assert rule_ids(bad_prefix) == ["PL301"]
    nonsense = lint_policy(policy({"bad": {"aws:TagKeys": "a"}}), select="PL301")
    assert nonsense[0].hint and "String*" in nonsense[0].hint


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringNotEqualsIgnoreCase",
        "StringLikeIfExists",
        "NumericLessThanEquals",
        "DateGreaterThanIfExists",
        "Bool",
        "BoolIfExists",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddressIfExists",
        "ArnNotLikeIfExists",
        "Null",
        "ForAllValues:StringLike",
        "ForAnyValue:StringEqualsIfExists",
    ],
)
def test_every_documented_operator_spelling_is_accepted(operator: str) -> None:
    assert parse_operator(operator) is not None
    assert rule_ids(lint_policy(policy({operator: {"aws:TagKeys": "x"}}), select="PL301")) == []


def test_operator_parsing_exposes_its_parts() -> None:
    op = parse_operator("ForAllValues:StringNotLikeIfExists")
    assert op is not None
    assert (op.base, op.set_operator, op.if_exists, op.negated) == (
        "StringNotLike",
        "ForAllValues",
        True,
        True,
    )
    assert suggest_operator("NumericGreaterThenEquals") == "did you mean 'NumericGreaterThanEquals'?"


# -- PL302 ------------------------------------------------------------------------------------------
def test_unknown_global_key_is_an_error_at_the_key() -> None:
    findings = lint_policy(policy({"StringEquals": {"aws:InvalidConditionKey": "x"}}), select="PL302")
    assert rule_ids(findings) == ["PL302"]
    assert findings[0].level is Level.ERROR
    assert at(findings, "PL302") == [(10, 11)]
    assert findings[0].message == "'aws:InvalidConditionKey' is not a global condition key"


def test_unknown_keys_get_did_you_mean_hints() -> None:
    global_typo = lint_policy(policy({"IpAddress": {"aws:SourceIpp": "203.0.113.0/24"}}), select="PL302")
    assert global_typo[0].hint == "did you mean 'aws:SourceIp'?"
    service_typo = lint_policy(policy({"StringLike": {"s3:prefx": "home/*"}}), select="PL302")
    assert service_typo[0].message == "'s3:prefx' is not a condition key of s3"
    assert service_typo[0].hint == "did you mean 's3:prefix'?"


def test_keys_without_prefix_or_with_an_unknown_prefix() -> None:
    bare = lint_policy(policy({"DateGreaterThan": {"bad": "2019-07-16T12:00:00Z"}}), select="PL302")
    assert "has no prefix" in bare[0].message
    alien = lint_policy(policy({"StringEquals": {"foo:bar": "x"}}), select="PL302")
    assert alien[0].message == "'foo:bar': 'foo' is neither a service prefix nor an identity provider"


@pytest.mark.parametrize(
    "key",
    [
        "AWS:SOURCEIP",  # keys are case-insensitive
        "aws:sourcevpce",
        "aws:PrincipalTag/team",
        "aws:ResourceTag/Cost-Center",
        "aws:RequestTag/env",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:ResourceOrgID",
        "aws:CalledViaLast",
        "aws:PrincipalServiceNamesList",
        "aws:SourceVpcArn",
        "aws:AssumedRoot",
        "ec2:SourceInstanceArn",
        "s3:ExistingObjectTag/classification",
        "ec2:ResourceTag/Name",
        "secretsmanager:ResourceTag/owner",
        "kms:EncryptionContext:aws:s3:arn",
        "accounts.google.com:aud",
        "cognito-identity.amazonaws.com:sub",
        "saml:sub",
        "token.actions.githubusercontent.com:sub",
        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
    ],
)
def test_documented_global_service_and_provider_keys_are_known(key: str) -> None:
    assert rule_ids(lint_policy(policy({"StringLike": {key: "x*"}}), select="PL302")) == []


def test_template_placeholders_in_keys_are_left_to_pl5() -> None:
    findings = lint_policy(
        policy({"StringEquals": {"${OidcProvider}:sub": "system:serviceaccount:x"}}), select="PL302"
    )
    assert findings == []


def test_key_catalog_scopes_and_types() -> None:
    keys = default_condition_keys()
    source_ip = keys.lookup("aws:SourceIp")
    assert source_ip is not None and source_ip.scope is KeyScope.GLOBAL
    epoch = keys.lookup("aws:EpochTime")
    assert epoch is not None and epoch.value_types == {"Date", "Numeric"}
    tag_keys = keys.lookup("aws:TagKeys")
    assert tag_keys is not None and tag_keys.multivalued
    service = keys.lookup("S3:PREFIX")
    assert service is not None and service.name == "s3:prefix" and service.scope is KeyScope.SERVICE


# -- PL303 ------------------------------------------------------------------------------------------
def test_service_key_no_action_supports_is_a_warning_naming_actions_that_do() -> None:
    text = policy({"StringEquals": {"s3:x-amz-storage-class": "STANDARD"}}, action="s3:ListBucket")
    findings = lint_policy(text, select="PL303")
    assert rule_ids(findings) == ["PL303"]
    assert findings[0].level is Level.WARNING
    assert at(findings, "PL303") == [(10, 11)]
    assert findings[0].message == "s3:ListBucket does not support the condition key 's3:x-amz-storage-class'"
    assert findings[0].hint and "s3:PutObject" in findings[0].hint


def test_key_of_another_service_with_wildcard_actions() -> None:
    text = policy(
        {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/B"}}, action="s3:GetObject*"
    )
    findings = lint_policy(text, select="PL303")
    assert len(findings) == 1
    assert findings[0].message.startswith("none of the ")
    assert "matched by s3:GetObject*" in findings[0].message


@pytest.mark.parametrize(
    ("action", "key"),
    [
        ("ec2:RunInstances", "ec2:InstanceType"),  # supported through the instance resource type
        ("iam:PassRole", "iam:PassedToService"),
        ("s3:GetObject", "s3:ExistingObjectTag/team"),
        (
            "secretsmanager:GetSecretValue",
            "secretsmanager:ResourceTag/owner",
        ),  # the reference's literal tag-key
        ("aws-marketplace:Subscribe", "aws-marketplace:ProductId"),  # documented beyond the reference
        ("s3:GetObject", "aws:ResourceTag/team"),  # global keys are always fine
        ("*", "s3:prefix"),
        ("s3:NoSuchAction", "s3:prefix"),  # unknown actions are PL2's business
    ],
)
def test_supported_or_unknowable_combinations_are_quiet(action: str, key: str) -> None:
    assert lint_policy(policy({"StringLike": {key: "x*"}}, action=action), select="PL303") == []


def test_notaction_statements_are_not_checked_for_key_support() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "NotAction": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "x"}},
            }
        ],
    }
    assert lint_policy(json.dumps(doc), select="PL303") == []


# -- PL304 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operator", "key", "value", "expected"),
    [
        ("NumericLessThan", "s3:max-keys", "bad", "NumericLessThan needs a number, not 'bad'"),
        ("DateGreaterThan", "aws:CurrentTime", "yesterday", "DateGreaterThan needs an ISO 8601 date"),
        ("DateLessThan", "aws:CurrentTime", "2030-13-45T00:00:00Z", "DateLessThan needs an ISO 8601 date"),
        ("DateLessThan", "aws:CurrentTime", "2030-02-30", "DateLessThan needs an ISO 8601 date"),
        ("DateLessThan", "aws:CurrentTime", "2030-01-31T24:00:00Z", "DateLessThan needs an ISO 8601 date"),
        ("Bool", "aws:SecureTransport", "yes", "Bool needs true or false, not 'yes'"),
        ("IpAddress", "aws:SourceIp", "10.0.0.300/8", "IpAddress needs an IP address or CIDR range"),
        ("Null", "aws:TokenIssueTime", "maybe", "Null needs true or false, not 'maybe'"),
        ("ArnLike", "aws:SourceArn", "my-bucket", "ArnLike needs an ARN"),
        ("BinaryEquals", "aws:UserAgent", "not base64!", "BinaryEquals needs a base64-encoded value"),
    ],
)
def test_values_the_operator_cannot_read_are_errors_at_the_value(
    operator: str, key: str, value: str, expected: str
) -> None:
    findings = only(lint_policy(policy({operator: {key: value}}), select="PL304"), "PL304")
    assert len(findings) == 1, findings
    assert findings[0].level is Level.ERROR
    assert findings[0].message.startswith(expected)
    assert at(findings, "PL304") == [(10, 11 + len(key) + 4)]


def test_non_string_operator_on_a_key_of_another_type() -> None:
    findings = lint_policy(
        policy({"NumericEquals": {"s3:prefix": ["home/${aws:username}/*"]}}), select="PL304"
    )
    assert rule_ids(findings) == ["PL304"]
    assert (
        findings[0].message
        == "NumericEquals cannot read s3:prefix, a String key: the condition never matches"
    )
    assert findings[0].hint == "use String* for s3:prefix"
    arn_on_bool = lint_policy(
        policy({"ArnEquals": {"aws:SecureTransport": "arn:aws:iam::1:root"}}), select="PL304"
    )
    assert arn_on_bool[0].message == "ArnEquals needs an ARN key, but aws:SecureTransport is a Bool key"


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("NumericLessThan", "s3:max-keys", 10),
        ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600"),
        ("DateGreaterThan", "aws:CurrentTime", "2024-01-31T12:00:00Z"),
        ("DateLessThan", "aws:CurrentTime", "2024-01-31"),
        ("DateLessThan", "aws:CurrentTime", "2028-02-29T23:59:59+05:30"),  # a leap day
        ("DateLessThan", "aws:CurrentTime", "20240131T120000Z"),
        ("DateLessThan", "aws:EpochTime", 1700000000),
        ("NumericGreaterThan", "aws:EpochTime", "1700000000"),
        ("Bool", "aws:SecureTransport", False),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", "True"),
        ("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64"),
        ("NotIpAddress", "aws:SourceIp", "203.0.113.7"),
        ("Null", "aws:TokenIssueTime", "true"),
        ("ArnLike", "aws:SourceArn", "arn:aws:s3:::*"),
        ("ArnLike", "aws:PrincipalArn", "${aws:SourceArn}"),
        ("ArnEquals", "kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::b"),  # ARN held by a String key
        ("StringEquals", "aws:SourceVpc", "vpc-1234"),
    ],
)
def test_well_typed_conditions_are_quiet(operator: str, key: str, value: Any) -> None:
    assert lint_policy(policy({operator: {key: value}}), select="PL304") == []


# -- PL305 / PL307 ----------------------------------------------------------------------------------
def test_forallvalues_on_single_valued_key_in_allow_is_a_security_warning_like_access_analyzer() -> None:
    text = policy({"ForAllValues:StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}})
    findings = lint_policy(text, select="PL305")
    assert rule_ids(findings) == ["PL305"]
    assert findings[0].level is Level.SECURITY_WARNING  # AA: "ForAllValues with single valued key"
    assert at(findings, "PL305") == [(9, 9)]
    assert "also matches requests without aws:RequestedRegion" in findings[0].message
    assert findings[0].hint == "use 'StringEquals'"
    deny = policy({"ForAllValues:StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}, effect="Deny")
    assert lint_policy(deny, select="PL305") == []


def test_foranyvalue_on_single_valued_key_is_a_plain_warning() -> None:
    text = policy({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    assert lint_policy(text, select="PL305") == []
    findings = lint_policy(text, select="PL307")
    assert rule_ids(findings) == ["PL307"]
    assert findings[0].level is Level.WARNING
    assert "set operators are for multivalued keys" in findings[0].message


@pytest.mark.parametrize(
    ("operator", "key"),
    [
        ("ForAllValues:StringEquals", "aws:TagKeys"),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths"),
        ("ForAnyValue:StringEquals", "aws:CalledVia"),
        ("ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr"),  # AWS's own Cognito example
        ("ForAnyValue:StringEquals", "token.actions.githubusercontent.com:sub"),
    ],
)
def test_set_operators_on_multivalued_or_provider_keys_are_fine(operator: str, key: str) -> None:
    text = policy({operator: {key: ["a*"]}})
    assert lint_policy(text, select="PL305") == lint_policy(text, select="PL307") == []


# -- PL306 ------------------------------------------------------------------------------------------
def test_string_operator_on_bool_key_is_a_warning() -> None:
    findings = lint_policy(policy({"StringEquals": {"aws:MultiFactorAuthPresent": "true"}}), select="PL3")
    assert rule_ids(findings) == ["PL306"]
    assert findings[0].level is Level.WARNING
    assert findings[0].message == "StringEquals compares aws:MultiFactorAuthPresent (Bool key) as text"
    assert findings[0].hint == "use Bool"


def test_string_operator_with_a_value_the_key_never_holds() -> None:
    text = policy({"StringEquals": {"aws:ViaAWSService": "amplify.amazonaws.com"}})
    findings = lint_policy(text, select="PL3")
    assert rule_ids(findings) == ["PL306"]
    assert findings[0].message == (
        "aws:ViaAWSService is a Bool key and is never 'amplify.amazonaws.com': this StringEquals is never true"
    )
    assert at(findings, "PL306") == [(10, 32)]
    negated = lint_policy(
        policy({"StringNotEquals": {"s3:signatureAge": "bad"}}, action="s3:GetObject"), select="PL306"
    )
    assert negated[0].message.endswith("this StringNotEquals is always true")


def test_string_operators_on_string_and_arn_keys_are_fine() -> None:
    text = policy({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*", "aws:userid": "AIDA*"}})
    assert lint_policy(text, select="PL306") == []


# -- fixtures from other linters' test suites -----------------------------------------------------
FIXTURES = {
    "iam-invalid/boogy__iam-policy-validator/examples/iam-test-policies/identity-policies/invalid_policy.json": {
        "PL302"
    },
    "iam-invalid/boogy__iam-policy-validator/examples/iam-test-policies/identity-policies/wrong-condition-key.json": {
        "PL303",
        "PL306",
        "PL312",  # StringEquals "arn:aws:iam::*:policy/DeveloperBoundary": the * is literal
    },
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_bad_key.json": {"PL302"},
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_action_specific__2.json": {
        "PL303"
    },
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_action_specific_bad_type.json": {
        "PL306"
    },
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_multiple__2.json": {
        "PL304",
        "PL312",  # StringEquals "home/${aws:username}/*": the * is literal
    },
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_multiple__3.json": {
        "PL302",
        "PL312",  # StringEquals "home/${aws:username}/*": the * is literal
    },
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_mismatch.json": {"PL303"},
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_operator__2.json": {"PL301"},
    "iam-invalid/duo-labs__parliament/extracted/test_formatting__test_condition_operator__3.json": {
        "PL304",
        "PL309",  # NumericEquals does not substitute ${aws:username}
    },
}


def _lint_file(path: Path, select: str = "PL3") -> list[Finding]:
    return lint_source(read_source(path), LintContext(LintOptions(select=(select,))))


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_known_bad_condition_fixtures_get_the_expected_findings(corpus: Path, name: str) -> None:
    assert {f.rule_id for f in _lint_file(corpus / name)} == FIXTURES[name]


def test_no_condition_errors_on_aws_managed_policies(corpus: Path) -> None:
    errors = []
    for path in sorted((corpus / "iam-managed").glob("*.json")):
        errors += [
            f"{f.location}: {f.rule_id} {f.message}" for f in _lint_file(path) if f.level is Level.ERROR
        ]
    assert errors == []
