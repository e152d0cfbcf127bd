"""PL910-PL913: redundant actions, resources, statements and numeric condition values (AA's suggestions)."""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from typing import Any

import pytest

from policy_lint.rules.access_analyzer import CHECKS
from policy_lint.rules.lint_ruleset import get_policy_rule
from tests.helpers import lint_policy

AA_LEVEL = {check.name: check.level for check in CHECKS}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _stmt(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "iam:GetRole",
        "Resource": "arn:aws:iam::111122223333:role/*",
    }
    base.update(fields)
    return base


_MFA_AGE = {"NumericLessThan": {"aws:MultiFactorAuthAge": ["3600", "1200"]}}

CASES = [
    (
        "Redundant action",
        "PL910",
        _doc(_stmt(Action=["iam:Get*", "iam:GetRole"])),
        _doc(_stmt(Action=["iam:Get*"])),
    ),
    (
        "Redundant resource",
        "PL911",
        _doc(
            _stmt(Resource=["arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/jane-admin"])
        ),
        _doc(_stmt(Resource=["arn:aws:iam::111122223333:role/*"])),
    ),
    (
        "Redundant statement",
        "PL912",
        _doc(_stmt(Sid="One"), _stmt(Sid="Two")),
        _doc(_stmt(Sid="One")),
    ),
    (
        "Redundant condition value num",
        "PL913",
        _doc(_stmt(Condition=_MFA_AGE)),
        _doc(_stmt(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})),
    ),
]


@pytest.mark.parametrize(("check", "rule", "bad", "good"), CASES, ids=[c[1] for c in CASES])
def test_the_positive_is_suggested_and_the_corrected_negative_is_clean(
    check: str, rule: str, bad: dict[str, Any], good: dict[str, Any]
) -> None:
    assert check in get_policy_rule(rule).access_analyzer
    found = [f for f in lint_policy(bad) if f.rule_id == rule]
    assert len(found) == 1, found
    assert found[0].level >= AA_LEVEL[check]
    assert lint_policy(good) == []


def test_the_covered_copy_is_reported_at_its_own_place_and_names_what_covers_it() -> None:
    findings = lint_policy(_doc(_stmt(Action=["iam:GetRole", "IAM:getrole", "iam:Get*"])), select="PL910")
    assert [(f.location.line, f.message) for f in findings] == [
        (7, "'iam:GetRole' is already covered by 'iam:Get*' in the same statement"),
        (8, "'IAM:getrole' repeats 'iam:GetRole' (line 7) in the same statement"),
    ]


@pytest.mark.parametrize(
    "resources",
    [
        ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],  # the bucket is not an object
        ["arn:aws:iam::111122223333:role/a?c", "arn:aws:iam::111122223333:role/ab*"],  # overlap, no cover
        ["arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}/*"],  # a variable is not judged
        ["arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:ROLE/x"],  # ARNs are case-sensitive
    ],
)
def test_resources_that_are_not_covered_are_not_reported(resources: list[str]) -> None:
    assert lint_policy(_doc(_stmt(Resource=resources)), select="PL911") == []


def test_statements_that_differ_beyond_the_sid_are_not_repeats() -> None:
    other = copy.deepcopy(_stmt(Sid="Two"))
    other["Effect"] = "Deny"
    assert lint_policy(_doc(_stmt(Sid="One"), other), select="PL912") == []


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericEquals": {"aws:MultiFactorAuthAge": ["3600", "1200"]}},  # alternatives, none wider
        {"NumericLessThan": {"aws:MultiFactorAuthAge": ["3600", "soon"]}},  # PL304's
        {"ForAnyValue:NumericLessThan": {"aws:MultiFactorAuthAge": ["3600", "1200"]}},
    ],
)
def test_numeric_values_that_are_not_redundant(condition: dict[str, Any]) -> None:
    assert lint_policy(_doc(_stmt(Condition=condition)), select="PL913") == []


def test_a_statement_with_thousands_of_actions_is_judged_in_bounded_steps() -> None:
    # AWS's largest managed policies list ~1,000 actions per statement: a pairwise comparison of every
    # action with every other made the corpus lint take minutes. Run in a subprocess with a generous
    # timeout so that a regression fails instead of hanging.
    code = (
        "import json\n"
        "from policy_lint.lint.engine import lint_text\n"
        "from policy_lint.lint.context import LintOptions\n"
        "actions = [f'ec2:Describe{n:05d}' for n in range(20000)] + ['ec2:Describe*']\n"
        "doc = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': actions, 'Resource': '*'}]}\n"
        "found = lint_text(json.dumps(doc), 'p.json', LintOptions(select=('PL910',)))\n"
        "print(len(found))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "20000"


@pytest.mark.parametrize(
    ("resources", "covered"),
    [
        # a pattern whose region and account are wildcards still covers by its resource field
        (
            [
                "arn:aws:logs:*:*:log-group:/aws/lambda/*",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f",
            ],
            [1],
        ),
        (
            [
                "arn:aws:logs:*:*:log-group:/aws/lambda/*",
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/ecs/f",
            ],
            [],
        ),
        # ARN fields are matched one by one: the region's star does not reach into the account
        (["arn:aws:logs:us-*:log-group:x", "arn:aws:logs:us-east-1:111122223333:log-group:x"], []),
        # text that is not a six-field ARN is one glob, so a star may span colons
        (["arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b:c", "*"], [1, 0]),
    ],
)
def test_a_resource_is_covered_only_by_a_pattern_matching_it_field_by_field(
    resources: list[str], covered: list[int]
) -> None:
    findings = lint_policy(_doc(_stmt(Resource=resources)), select="PL911")
    assert sorted(f.message.split("'")[1] for f in findings) == sorted(resources[i] for i in covered)


def _brute_force_covered(values: list[str]) -> list[str]:
    """The values another value covers, by trying every pair with arn_like (what coverage means)."""
    from policy_lint.iam.statements import arn_like

    covered = []
    for i, value in enumerate(values):
        if value in values[:i] or any(other != value and arn_like(other, value) for other in values):
            covered.append(value)
    return covered


def test_resource_coverage_agrees_with_trying_every_pair() -> None:
    rng = random.Random(11)
    fields = [["arn"], ["aws"], ["s3", "logs", "*"], ["", "us-east-1", "*"], ["", "111122223333", "*"]]
    tails = ["b", "b/*", "b/x", "log-group:/aws/*", "log-group:/aws/x", "*", "b/x*", "b?x"]
    for _ in range(300):
        values = list(
            dict.fromkeys(
                ":".join(rng.choice(options) for options in fields) + ":" + rng.choice(tails)
                for _ in range(rng.randint(2, 6))
            )
        )
        findings = lint_policy(_doc(_stmt(Resource=values)), select="PL911")
        reported = sorted(f.message.split("'")[1] for f in findings)
        assert reported == sorted(_brute_force_covered(values)), values
