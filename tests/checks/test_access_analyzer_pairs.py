"""Every IAM Access Analyzer check docs/access-analyzer.md marks covered or partly covered has a policy pair.

The pair is a policy that triggers the check (the covering rule reports it at Access Analyzer's level or
stricter) and the same policy minimally corrected (that rule reports nothing). PAIRS holds the checks of the
older rules (PL001, PL1xx, PL2xx, PL301-PL306, PL401-PL402); the newer rules keep their pairs in their own
test tables, which the completeness test below reads, so a check that gains a rule cannot go unpaired.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.core.findings import Level
from policy_lint.rules.access_analyzer import CHECKS
from policy_lint.rules.access_analyzer_docs import Coverage, coverage_rows
from policy_lint.rules.lint_ruleset import get_policy_rule
from policy_lint.rules.ruleset import all_rules
from tests.checks import (
    test_access_analyzer_conditions,
    test_arn_structure,
    test_redundancy,
    test_trust_principals,
)
from tests.helpers import lint_policy

AA_LEVEL = {check.name: check.level for check in CHECKS}
BUCKET = "arn:aws:s3:::my-bucket"
OBJECTS = f"{BUCKET}/*"
ROLE = "arn:aws:iam::111122223333:role/app"
ACCOUNT_ROOT = "arn:aws:iam::111122223333:root"

#: (check, rule) pairs a rule deliberately reports below Access Analyzer's level: the test holds the rule to
#: its own level instead. PL303 is a warning where Access Analyzer says error; its rationale gives the reason
#: as the effect being possibly intended: a key no action supports is always missing, so "the condition never
#: matches, or with a Not operator or IfExists always matches, which is rarely what was meant" ("rarely", not
#: "never"). It does not say in so many words why it stays below Access Analyzer's error.
BELOW_ACCESS_ANALYZER = {
    ("Missing action for condition key", "PL303"): Level.WARNING,
    ("Unsupported action for condition key", "PL303"): Level.WARNING,
}


def stmt(**fields: Any) -> dict[str, Any]:
    """An identity-policy statement reading objects, with ``fields`` replacing or (as None) removing elements."""
    base: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}
    base.update(fields)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


def cond(operator: str, key: str, value: Any, **fields: Any) -> dict[str, Any]:
    return stmt(Condition={operator: {key: value}}, **fields)


def listing(key: str = "s3:prefix", action: str = "s3:ListBucket") -> dict[str, Any]:
    """List the bucket under home/ (s3:prefix is a key of s3:ListBucket only)."""
    return cond("StringLike", key, "home/*", Action=action, Resource=BUCKET)


def bucket_policy(**fields: Any) -> dict[str, Any]:
    """A resource policy granting another account read access to the bucket's objects."""
    return stmt(**({"Principal": {"AWS": ACCOUNT_ROOT}} | fields))


def two_statements(first_sid: str, second_sid: str, **fields: Any) -> dict[str, Any]:
    policy = stmt(Sid=first_sid, **fields)
    second = dict(policy["Statement"][0], Sid=second_sid, Action="s3:PutObject")
    return {"Version": "2012-10-17", "Statement": [policy["Statement"][0], second]}


def many_buckets(count: int) -> dict[str, Any]:
    return stmt(Resource=[f"arn:aws:s3:::application-data-bucket-{n:04d}/*" for n in range(count)])


_VALID = json.dumps(stmt())

#: (AA check, rule, policy type or None, positive, the positive minimally corrected)
PAIRS: list[tuple[str, str, str | None, Any, Any]] = [
    # -- documents and elements ----------------------------------------------------------------------
    ("Json syntax error", "PL001", None, _VALID.replace("]}", "}"), _VALID),
    ("Missing version", "PL101", None, {"Statement": stmt()["Statement"]}, stmt()),
    ("Invalid version", "PL103", None, stmt() | {"Version": "2012-10-18"}, stmt()),
    (
        "Missing statement",
        "PL104",
        None,
        {"Version": "2012-10-17", "Statment": stmt()["Statement"]},
        stmt(),
    ),
    (
        "Invalid policy element",
        "PL105",
        None,
        stmt(Conditon={"Bool": {"aws:SecureTransport": "true"}}),
        stmt(Condition={"Bool": {"aws:SecureTransport": "true"}}),
    ),
    ("Missing effect", "PL106", None, stmt(Effect=None), stmt()),
    ("Invalid effect", "PL106", None, stmt(Effect="allow"), stmt()),
    ("Missing action", "PL107", None, stmt(Action=None), stmt()),
    ("Unsupported element combination", "PL107", None, stmt(NotAction="s3:PutObject"), stmt()),
    ("Missing resource", "PL108", "identity", stmt(Resource=None), stmt()),
    ("Unsupported element combination", "PL108", None, stmt(NotResource=f"{BUCKET}/private/*"), stmt()),
    ("Missing principal", "PL109", "resource", stmt(), bucket_policy()),
    ("Unsupported principal", "PL110", "identity", bucket_policy(), stmt()),
    ("SCP syntax error principal", "PL110", "scp", bucket_policy(Effect="Deny"), stmt(Effect="Deny")),
    (
        "Unique Sids required",
        "PL111",
        "identity",
        two_statements("Read", "Read"),
        two_statements("Read", "Write"),
    ),
    (
        "Unique Sids recommended",
        "PL111",
        "resource",
        two_statements("Read", "Read", Principal={"AWS": ACCOUNT_ROOT}),
        two_statements("Read", "Write", Principal={"AWS": ACCOUNT_ROOT}),
    ),
    ("Unsupported Sid", "PL112", "identity", stmt(Sid="read-objects"), stmt(Sid="ReadObjects")),
    ("Empty array action", "PL113", None, stmt(Action=[]), stmt(Action=["s3:GetObject"])),
    ("Empty array resource", "PL113", None, stmt(Resource=[]), stmt(Resource=[OBJECTS])),
    (
        "Empty object condition",
        "PL113",
        None,
        stmt(Condition={}),
        stmt(Condition={"Bool": {"aws:SecureTransport": "true"}}),
    ),
    ("Empty object principal", "PL113", "resource", bucket_policy(Principal={}), bucket_policy()),
    ("Data type mismatch", "PL114", None, stmt(Action={"s3": "GetObject"}), stmt()),
    # each ARN adds 46 non-whitespace characters: 140 of them are over the 6,144-character quota, 125 under it
    ("Policy size exceeds identity policy quota", "PL115", "identity", many_buckets(140), many_buckets(125)),
    # -- actions ---------------------------------------------------------------------------------------
    ("Invalid action", "PL201", None, stmt(Action="s3GetObject"), stmt()),
    ("Invalid action", "PL203", None, stmt(Action="s3:GetObjects"), stmt()),
    ("Invalid action", "PL204", None, stmt(Action="s3:Gett*"), stmt(Action="s3:Get*")),
    (
        "Invalid service",
        "PL202",
        None,
        stmt(Action="dynamo:GetItem", Resource="*"),
        stmt(Action="dynamodb:GetItem", Resource="*"),
    ),
    (
        "Invalid service in action",
        "PL202",
        None,
        stmt(Action="stepfunctions:StartExecution", Resource="*"),
        stmt(Action="states:StartExecution", Resource="*"),
    ),
    # -- conditions ------------------------------------------------------------------------------------
    (
        "Invalid condition operator",
        "PL301",
        None,
        cond("StringEqual", "aws:PrincipalAccount", "111122223333"),
        cond("StringEquals", "aws:PrincipalAccount", "111122223333"),
    ),
    (
        "Null with if exists",
        "PL301",
        None,
        cond("NullIfExists", "aws:PrincipalTag/team", "false"),
        cond("Null", "aws:PrincipalTag/team", "false"),
    ),
    (
        "Invalid condition key format",
        "PL302",
        None,
        cond("IpAddress", "SourceIp", "203.0.113.0/24"),
        cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ),
    (
        "Invalid global condition key",
        "PL302",
        None,
        cond("IpAddress", "aws:SourceIpAddress", "203.0.113.0/24"),
        cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ),
    (
        "Invalid service condition key",
        "PL302",
        None,
        listing("s3:prefixx"),
        listing(),
    ),
    (
        "Unsupported global condition key",
        "PL302",
        None,
        cond("ArnEquals", "aws:ARN", ROLE),
        cond("ArnEquals", "aws:PrincipalArn", ROLE),
    ),
    (
        "Missing action for condition key",
        "PL303",
        None,
        cond("StringEquals", "iam:PassedToService", "ec2.amazonaws.com", Action="iam:GetRole", Resource=ROLE),
        cond(
            "StringEquals", "iam:PassedToService", "ec2.amazonaws.com", Action="iam:PassRole", Resource=ROLE
        ),
    ),
    (
        "Unsupported action for condition key",
        "PL303",
        None,
        listing(action="s3:GetObject"),
        listing(),
    ),
    (
        "Type mismatch",
        "PL304",
        None,
        cond("NumericLessThan", "aws:username", "5"),
        cond("NumericLessThan", "aws:MultiFactorAuthAge", "5"),
    ),
    (
        "Type mismatch",
        "PL306",
        None,
        cond("StringEquals", "aws:MultiFactorAuthPresent", "true"),
        cond("Bool", "aws:MultiFactorAuthPresent", "true"),
    ),
    (
        "Type mismatch Boolean",
        "PL304",
        None,
        cond("Bool", "aws:SecureTransport", "yes"),
        cond("Bool", "aws:SecureTransport", "true"),
    ),
    (
        "Type mismatch date",
        "PL304",
        None,
        cond("DateLessThan", "aws:CurrentTime", "next week"),
        cond("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z"),
    ),
    (
        "Invalid date value",
        "PL304",
        None,
        cond("DateLessThan", "aws:CurrentTime", "2030-13-45T00:00:00Z"),
        cond("DateLessThan", "aws:CurrentTime", "2030-12-31T00:00:00Z"),
    ),
    (
        "Type mismatch number",
        "PL304",
        None,
        cond("NumericLessThan", "aws:MultiFactorAuthAge", "one hour"),
        cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
    ),
    (
        "Type mismatch IP range",
        "PL304",
        None,
        cond("IpAddress", "aws:SourceIp", "office"),
        cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ),
    # PL304's rationale: "IAM Access Analyzer reports invalid CIDRs as errors"
    (
        "Invalid condition data type",
        "PL304",
        None,
        cond("IpAddress", "aws:SourceIp", "203.0.113.0/33"),
        cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ),
    (
        "Type mismatch string",
        "PL306",
        None,
        cond("StringLike", "aws:MultiFactorAuthAge", "36*"),
        cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
    ),
    (
        "Duplicate keys with different case",
        "PL320",
        None,
        stmt(
            Condition={
                "StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:requestedregion": "eu-west-2"}
            }
        ),
        stmt(Condition={"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"]}}),
    ),
    # partly covered: a region is judged against its partition's region pattern, not the service's regions
    (
        "Invalid Region",
        "PL321",
        None,
        cond("StringEquals", "aws:RequestedRegion", "Europe (Ireland)"),
        cond("StringEquals", "aws:RequestedRegion", "eu-west-1"),
    ),
    # -- resources -------------------------------------------------------------------------------------
    ("Invalid ARN prefix", "PL401", None, stmt(Resource="ARN:aws:s3:::my-bucket/*"), stmt()),
    ("Missing ARN field", "PL401", None, stmt(Resource="arn:aws:s3:my-bucket/*"), stmt()),
    ("Invalid partition", "PL402", None, stmt(Resource="arn:aws-eu:s3:::my-bucket/*"), stmt()),
]


@pytest.mark.parametrize(
    ("check", "rule", "policy_type", "positive", "negative"),
    PAIRS,
    ids=[f"{rule}-{check}" for check, rule, *_ in PAIRS],
)
def test_the_positive_is_reported_and_the_corrected_negative_is_not(
    check: str, rule: str, policy_type: str | None, positive: Any, negative: Any
) -> None:
    meta = get_policy_rule(rule)
    assert check in meta.access_analyzer, f"{rule} does not name {check!r} in its metadata"
    found = [f for f in lint_policy(positive, select=rule, policy_type=policy_type) if f.rule_id == rule]
    assert found, f"{check}: {rule} reported nothing on the positive policy"
    expected = BELOW_ACCESS_ANALYZER.get((check, rule))
    if expected is None:
        assert all(f.level >= AA_LEVEL[check] for f in found), (
            f"{check}: {rule} is below Access Analyzer's level"
        )
    else:
        assert meta.level == expected and all(f.level == expected for f in found)
    corrected = [f for f in lint_policy(negative, select=rule, policy_type=policy_type) if f.rule_id == rule]
    assert corrected == [], f"{check}: {rule} still reports the corrected policy"


def test_the_pairs_below_access_analyzers_level_are_the_partly_covered_rows() -> None:
    for (check, rule), level in BELOW_ACCESS_ANALYZER.items():
        assert level < AA_LEVEL[check]
        assert (check, rule) in {(c, r) for c, r, *_ in PAIRS}
        assert "rarely what was meant" in get_policy_rule(rule).rationale


#: Pairs written as inline ``parametrize`` lists, which cannot be imported: the file and test that hold each.
INLINE_PAIRS: dict[str, tuple[str, ...]] = {
    # test_a_policy_over_its_types_quota_is_reported_and_one_under_it_is_not,
    # test_a_resource_policy_names_only_its_resource_types_actions_and_arns
    "test_size_and_resource_policy.py": (
        "Policy size exceeds role trust policy quota",
        "Policy size exceeds SCP quota",
        "Policy size exceeds resource policy quota",
        "Unsupported action in policy",
        "Unsupported resource ARN in policy",
    ),
}


def _paired_names() -> set[str]:
    names = {check for check, *_ in PAIRS}
    for table in (
        test_trust_principals.CASES,
        test_access_analyzer_conditions.CASES,
        test_arn_structure.CASES,
        test_redundancy.CASES,
    ):
        names |= {row[0] for row in table}
    for checks in INLINE_PAIRS.values():
        names |= set(checks)
    return names


def test_the_inline_pairs_are_where_the_constant_says() -> None:
    here = Path(__file__).parent
    for file_name, checks in INLINE_PAIRS.items():
        text = (here / file_name).read_text(encoding="utf-8")
        for check in checks:
            assert f'"{check}"' in text, f"{check!r} has no pair in {file_name}"


def test_every_covered_or_partly_covered_check_has_a_pair() -> None:
    applicable = {
        row.check.name
        for row in coverage_rows(all_rules())
        if row.coverage in (Coverage.COVERED, Coverage.PARTLY)
    }
    assert len(applicable) >= 126
    missing = applicable - _paired_names()
    assert not missing, f"covered in docs/access-analyzer.md but no policy pair in tests/: {sorted(missing)}"
