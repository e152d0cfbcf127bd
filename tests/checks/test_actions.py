"""PL2xx: every Action / NotAction string names a real, current action, with findings where a person looks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.checks.policy.actions import judge
from policy_lint.core.findings import Finding, Level
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_source
from policy_lint.syntax.source import Source
from tests.helpers import lint_policy

#: Where the first action of :func:`policy` sits: line 6, column 9 (the opening quote).
FIRST_LINE, COLUMN = 6, 9


def policy(*actions: str, key: str = "Action") -> str:
    """A one-statement policy with one action per line, so the i-th action is at line 6 + i, column 9."""
    items = ",\n".join(f"        {json.dumps(action)}" for action in actions)
    return (
        '{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
        f'    "{key}": [\n{items}\n    ],\n    "Resource": "*"\n  }}]\n}}\n'
    )


def pl2(*actions: str, key: str = "Action") -> list[Finding]:
    return lint_policy(policy(*actions, key=key), select="PL2")


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [(f.rule_id, f.message) for f in findings]
    return findings[0]


# -- valid input stays quiet ------------------------------------------------------------------


def test_valid_actions_have_no_findings() -> None:
    valid = [
        "s3:GetObject",
        "SQS:SendMessage",  # service prefixes and action names are case-insensitive
        "sqs:sendmessage",
        "kms:ReEncrypt*",
        "ec2:DeleteVpcEndpoints",  # only the plural exists (GUIDE-ACTIONS-VALID)
        "ec2:Describe*",
        "iam:GetP?licy",
        "s3:*",
        "*",
    ]
    assert pl2(*valid) == []
    assert pl2(*valid, key="NotAction") == []


def test_wildcards_match_case_insensitively_and_completely() -> None:
    catalog = default_catalog()
    assert sorted(a.full_name for a in catalog.match("kms:ReEncrypt*")) == [
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]
    assert [a.full_name for a in catalog.match("SQS:SENDMESSAGE")] == ["sqs:SendMessage"]


def test_template_placeholders_are_left_to_pl5() -> None:
    assert pl2("s3:${Action}", "{{ action }}", "<ACTION>") == []


# -- PL201 malformed-action -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason", "hint"),
    [
        ("s3GetObject", "no ':'", "did you mean s3:GetObject?"),
        ("s3:", "empty action name", 'name the action ("s3:ActionName"), or use "s3:*" for all of them'),
        (":Get", "empty service prefix", 'add the service prefix, e.g. "s3:Get"'),
        ("s3:Get Object", "whitespace inside", "did you mean s3:GetObject?"),
        (" s3:GetObject", "leading or trailing whitespace", "did you mean s3:GetObject?"),
        ("s3:Get:Object", "more than one ':'", None),
        ("s3:Get/Object", "character '/'", None),
    ],
)
def test_pl201_malformed_action(text: str, reason: str, hint: str | None) -> None:
    finding = only(pl2("s3:GetObject", text))
    assert finding.rule_id == "PL201" and finding.level is Level.ERROR
    assert (finding.location.line, finding.location.col) == (FIRST_LINE + 1, COLUMN)
    assert finding.message.startswith(f"malformed action {text!r}: ") and reason in finding.message
    assert finding.hint == hint


def test_pl201_gives_up_politely_without_a_known_prefix() -> None:
    finding = only(pl2("nosuchthing"))
    assert finding.rule_id == "PL201"
    assert finding.hint == 'write it as "service:ActionName", e.g. "s3:GetObject"'


# -- PL202 unknown-service --------------------------------------------------------------------


def test_pl202_unknown_service_suggests_the_full_action() -> None:
    finding = only(pl2("ec2x:DescribeInstances"))
    assert (finding.rule_id, finding.level) == ("PL202", Level.ERROR)
    assert (finding.location.line, finding.location.col) == (FIRST_LINE, COLUMN)
    assert finding.message == "unknown service prefix 'ec2x' in 'ec2x:DescribeInstances'"
    assert finding.hint == "did you mean ec2:DescribeInstances?"


def test_pl202_suggests_the_prefix_when_the_action_does_not_exist_there() -> None:
    finding = only(pl2("dynamo:Get*"))
    assert finding.rule_id == "PL202"
    assert finding.hint == 'did you mean the service prefix "dynamodb"?'
    assert only(pl2("zzqx:Get")).hint is None


def test_pl202_is_not_reported_for_a_retired_service() -> None:
    finding = only(pl2("codestar:ListProjects"))
    assert finding.rule_id == "PL205"


# -- PL203 unknown-action ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("ec2:DeleteVpcEndpoint", "did you mean ec2:DeleteVpcEndpoints?"),  # singular for plural
        ("ec2:DescribeInstance", "did you mean ec2:DescribeInstances?"),
        ("s3:GetObjekt", "did you mean s3:GetObject?"),
        ("SQS:SendMesage", "did you mean sqs:SendMessage?"),
    ],
)
def test_pl203_unknown_action_with_suggestion(text: str, hint: str) -> None:
    finding = only(pl2("s3:GetObject", "s3:PutObject", text))
    assert (finding.rule_id, finding.level) == ("PL203", Level.ERROR)
    assert (finding.location.line, finding.location.col) == (FIRST_LINE + 2, COLUMN)
    prefix, _, name = text.partition(":")
    assert finding.message == f"unknown action {text!r}: {prefix} has no action {name!r}"
    assert finding.hint == hint


def test_pl203_without_anything_close_has_no_hint() -> None:
    finding = only(pl2("ec2:InvalidAction"))
    assert finding.rule_id == "PL203" and finding.hint is None


def test_pl203_applies_to_notaction() -> None:
    finding = only(pl2("s3:GetObjekt", key="NotAction"))
    assert finding.rule_id == "PL203"
    assert (finding.location.line, finding.location.col) == (FIRST_LINE, COLUMN)


# -- PL204 wildcard-matches-nothing -----------------------------------------------------------


def test_pl204_wildcard_matching_nothing() -> None:
    finding = only(pl2("s3:List*", "s3:Gett*"))
    assert (finding.rule_id, finding.level) == ("PL204", Level.ERROR)
    assert (finding.location.line, finding.location.col) == (FIRST_LINE + 1, COLUMN)
    assert finding.message == "'s3:Gett*' matches no action of s3"
    assert finding.hint == "did you mean s3:Get*?"


def test_pl204_other_patterns_have_no_shortening_hint() -> None:
    finding = only(pl2("iam:*Nope?"))
    assert finding.rule_id == "PL204" and finding.hint is None


def test_pl204_wildcard_service_prefix() -> None:
    assert pl2("*:GetObject", "s3*:List*") == []
    finding = only(pl2("*:NoSuchActionAnywhere"))
    assert (finding.rule_id, finding.message) == (
        "PL204",
        "'*:NoSuchActionAnywhere' matches no action of any service",
    )


# -- PL205 retired-action ---------------------------------------------------------------------


def test_pl205_retired_service_names_it_retired_with_the_date() -> None:
    finding = only(pl2("codestar:*"))
    assert (finding.rule_id, finding.level) == ("PL205", Level.WARNING)
    assert finding.message.startswith(
        "'codestar:*' belongs to a retired service: AWS CodeStar was discontinued"
    )
    assert "2024-07-31" in finding.message and "unknown" not in finding.message


def test_pl205_retired_action_in_a_live_service() -> None:
    findings = pl2("cloudhsm:DescribeClusters", "cloudhsm:DescribeHapg", "cloudhsm:*Hapg")
    assert [(f.rule_id, f.location.line) for f in findings] == [
        ("PL205", FIRST_LINE + 1),
        ("PL205", FIRST_LINE + 2),
    ]
    assert findings[0].message.startswith("'cloudhsm:DescribeHapg' is a retired action: AWS CloudHSM Classic")
    assert "matches only a retired action (cloudhsm:" in findings[1].message


# -- PL206 undocumented-action ----------------------------------------------------------------


def test_pl206_undocumented_action_names_the_managed_policy() -> None:
    finding = only(pl2("payments:GetAccountBalance"))
    assert (finding.rule_id, finding.level) == ("PL206", Level.SUGGESTION)
    assert (finding.location.line, finding.location.col) == (FIRST_LINE, COLUMN)
    assert "not in the Service Authorization Reference" in finding.message
    assert "AWSManagedSettingsAdminAccess" in finding.message and "real action" in finding.message


def test_pl206_undocumented_service() -> None:
    finding = only(pl2("builderid:ListInvitations"))
    assert finding.rule_id == "PL206"
    assert (
        "service 'builderid'" in finding.message and "AWSSupplyChainFederationAdminAccess" in finding.message
    )


def test_pl206_not_reported_when_a_pattern_also_matches_documented_actions() -> None:
    # payments:Get* covers documented payments actions as well as the undocumented ones.
    assert pl2("payments:Get*") == []


# -- one verdict per string, cheap per document ----------------------------------------------


def test_each_bad_string_gets_exactly_one_pl2_finding() -> None:
    bad = ["s3GetObject", "ec2x:Run", "ec2:DeleteVpcEndpoint", "s3:Gett*", "codestar:*", "payments:Get"]
    findings = pl2(*bad)
    assert [f.rule_id for f in findings] == ["PL201", "PL202", "PL203", "PL204", "PL205", "PL206"]
    assert [f.location.line for f in findings] == [FIRST_LINE + i for i in range(len(bad))]


def _lint_with(catalog: ActionCatalog, text: str) -> list[Finding]:
    ctx = LintContext(LintOptions(select=("PL2",)), catalog)
    return lint_source(Source("policy.json", text), ctx)


def test_catalog_loads_only_the_services_a_policy_uses() -> None:
    catalog = ActionCatalog()
    assert _lint_with(catalog, policy("s3:GetObject", "sqs:SendMessage", "s3:Put*")) == []
    assert catalog.loaded_services() == {"s3", "sqs"}


def test_each_action_string_is_looked_up_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = ActionCatalog()
    calls: list[str] = []
    original = catalog.lookup

    def counting(text: str) -> Any:
        calls.append(text)
        return original(text)

    monkeypatch.setattr(catalog, "lookup", counting)
    findings = _lint_with(catalog, policy("s3:GetObject", "ec2:DeleteVpcEndpoint", "s3:Gett*"))
    assert [f.rule_id for f in findings] == ["PL203", "PL204"]
    # not once per rule; a live documented action (s3:GetObject) needs no full lookup at all
    assert calls == ["ec2:DeleteVpcEndpoint", "s3:Gett*"]


def test_judge_is_usable_on_its_own() -> None:
    outcome = judge("ec2:DeleteVpcEndpoint", default_catalog())
    assert outcome is not None and outcome.rule_id == "PL203"
    assert judge("ec2:DeleteVpcEndpoints", default_catalog()) is None


# -- the supplement itself --------------------------------------------------------------------


def test_supplement_entries_are_real_exceptions() -> None:
    """Every exception is still missing from the installed reference, and says why it is there."""
    supplement = default_catalog().supplement
    reference = ActionCatalog.reference_only()
    assert supplement["retired_services"] and supplement["undocumented_actions"]
    for prefix, note in supplement["retired_services"].items():
        assert note.strip(), prefix
        assert not reference.has_service(prefix), f"{prefix} is retired but the reference lists it"
    for full, note in supplement["retired_actions"].items():
        assert note.strip(), full
        assert reference.action(*full.split(":", 1)) is None, f"{full} is retired but documented"
    for prefix, entry in supplement["undocumented_services"].items():
        assert entry["used_by"] and not reference.has_service(prefix), prefix
    for full, entry in supplement["undocumented_actions"].items():
        assert entry["used_by"] and entry["access_level"], full
        assert reference.action(*full.split(":", 1)) is None, (
            f"{full} is documented now: refresh the supplement"
        )
