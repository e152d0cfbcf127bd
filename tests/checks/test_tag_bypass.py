"""PL607 (tag condition the holder can bypass with CreateTags) and PL608 (share any snapshot/AMI), GUIDE-TAG-BYPASS."""

from __future__ import annotations

import copy
import json
from typing import Any

from policy_lint.reference.manifest import load_reference_set
from tests.conftest import REPO_ROOT
from tests.helpers import at, lint_policy, rule_ids, statement

AGENTLESS = REPO_ROOT / "examples" / "policies" / "agentless-en.json"
DESTROY = {
    "Effect": "Allow",
    "Action": ["ec2:TerminateInstances", "ec2:DeleteSnapshot"],
    "Resource": "*",
    "Condition": {"StringLike": {"ec2:ResourceTag/Name": "scan-*"}},
}
CREATE_ACTION = {"StringEquals": {"ec2:CreateAction": ["RunInstances", "CreateSnapshot"]}}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def agentless() -> dict[str, Any]:
    return json.loads(AGENTLESS.read_text(encoding="utf-8"))


def test_reference_agentless_has_the_bypass_at_its_create_tags_entry() -> None:
    text = AGENTLESS.read_text(encoding="utf-8")
    findings = lint_policy(text, select="PL607")
    [finding] = findings
    line = next(i for i, raw in enumerate(text.splitlines(), 1) if '"ec2:CreateTags"' in raw)
    assert (finding.location.line, finding.location.col) == (line, 17)
    assert finding.level.label == "security-warning"
    assert "Name=SAS_Agentless* or alibaba-cloud-security-scan*" in finding.message
    assert "ec2:TerminateInstances" in finding.message and "ec2:DeleteSnapshot" in finding.message
    assert finding.hint is not None and '"ec2:CreateAction"' in finding.hint
    assert '"RunInstances"' in finding.hint  # suggested from the policy's own creating actions


def test_shipped_reference_template_has_it_too() -> None:
    reference = load_reference_set().get("agentless")
    assert rule_ids(lint_policy(reference.text, select="PL607")) == ["PL607"]


def test_create_tags_conditioned_on_create_action_is_the_fix() -> None:
    doc = agentless()
    doc["Statement"][2]["Action"].remove("ec2:CreateTags")
    doc["Statement"].append(
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": CREATE_ACTION}
    )
    assert rule_ids(lint_policy(doc, select="PL607")) == []


def test_request_tag_and_tag_keys_conditions_also_close_it() -> None:
    deny_value = {"StringNotLike": {"aws:RequestTag/Name": "scan-*"}}
    other_keys = {"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner", "CostCenter"]}}
    for condition in (deny_value, other_keys):
        tag = {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": condition}
        assert rule_ids(lint_policy(policy(DESTROY, tag), select="PL607")) == [], condition
    loose = {
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": "*",
        "Condition": {"StringLike": {"aws:RequestTag/Name": "*"}},
    }
    assert rule_ids(lint_policy(policy(DESTROY, loose), select="PL607")) == ["PL607"]


def test_wildcard_create_tags_grant_is_found_via_its_pattern() -> None:
    findings = lint_policy(
        policy(DESTROY, {"Effect": "Allow", "Action": "ec2:Create*", "Resource": "*"}), select="PL607"
    )
    [finding] = findings
    assert "(via ec2:Create*)" in finding.message


def test_deny_on_create_tags_closes_it() -> None:
    deny = {"Effect": "Deny", "Action": "ec2:CreateTags", "Resource": "*"}
    tag = {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}
    assert rule_ids(lint_policy(policy(DESTROY, tag, deny), select="PL607")) == []


def test_no_tag_condition_no_pl607() -> None:
    doc = policy({"Effect": "Allow", "Action": ["ec2:TerminateInstances", "ec2:CreateTags"], "Resource": "*"})
    assert rule_ids(lint_policy(doc, select="PL607")) == []


def test_pl608_on_modify_attribute_on_every_snapshot_and_ami() -> None:
    text = AGENTLESS.read_text(encoding="utf-8")
    findings = lint_policy(text, select="PL608")
    lines = text.splitlines()
    expected = [
        (next(i for i, raw in enumerate(lines, 1) if f'"{action}"' in raw), 17)
        for action in ("ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute")
    ]
    assert at(findings, "PL608") == expected
    assert "any AMI of the account can be shared" in findings[0].message
    assert "any snapshot of the account can be shared" in findings[1].message


def test_pl608_not_when_scoped_to_own_snapshots() -> None:
    scoped = statement(
        Effect="Allow",
        Action="ec2:ModifySnapshotAttribute",
        Resource="*",
        Condition={"StringLike": {"ec2:ResourceTag/Name": "SAS_Agentless*"}},
    )
    assert rule_ids(lint_policy(scoped, select="PL608")) == []
    one = statement(
        Effect="Allow", Action="ec2:ModifySnapshotAttribute", Resource="arn:aws:ec2:*::snapshot/snap-0123"
    )
    assert rule_ids(lint_policy(one, select="PL608")) == []


def test_pl608_in_aws_cn_arn_scope() -> None:
    cn = statement(Effect="Allow", Action="ec2:ModifyImageAttribute", Resource="arn:aws-cn:ec2:*::image/*")
    assert rule_ids(lint_policy(cn, select="PL608")) == ["PL608"]


def test_neither_fires_on_action_star_which_pl601_covers() -> None:
    admin = statement(Effect="Allow", Action="*", Resource="*")
    assert rule_ids(lint_policy(admin, select="PL6")) == ["PL601"]
    # nor when "*" sits next to the guide's tag-conditioned statements
    doc = agentless()
    doc["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})
    ids = [i for i in rule_ids(lint_policy(copy.deepcopy(doc), select="PL60")) if i in ("PL607", "PL608")]
    assert "PL607" not in ids  # the destructive actions are allowed anyway: nothing left to bypass
    assert ids == ["PL608", "PL608"]  # the explicit Modify*Attribute entries still are


def test_resource_policies_are_not_checked() -> None:
    doc = statement(
        Effect="Allow",
        Principal={"AWS": "arn:aws:iam::123456789012:root"},
        Action="ec2:ModifySnapshotAttribute",
        Resource="*",
    )
    assert rule_ids(lint_policy(doc, select="PL608")) == []


def test_a_notaction_statement_grants_create_tags_and_a_deny_by_notaction_closes_it() -> None:
    # a NotAction that names no EC2 tagging action grants ec2:CreateTags: it must stay in the analysis
    all_but_destroying = {
        "Effect": "Allow",
        "NotAction": ["iam:*", "ec2:TerminateInstances", "ec2:DeleteSnapshot"],
        "Resource": "*",
    }
    unrelated = {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
    findings = lint_policy(policy(DESTROY, unrelated, all_but_destroying), select="PL607")
    assert rule_ids(findings) == ["PL607"]
    assert "ec2:CreateTags is allowed (via NotAction" in findings[0].message
    # and a Deny written with NotAction (everything but S3) takes ec2:CreateTags away again
    deny_all_but_s3 = {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}
    assert rule_ids(lint_policy(policy(DESTROY, all_but_destroying, deny_all_but_s3), select="PL607")) == []
