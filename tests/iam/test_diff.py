"""``diff_policies`` on real documents: the guide's agentless policy and AWS managed policies.

Every variant is built from ``examples/policies/agentless-en.json`` (the guide's English
copy) in ``tmp_path``, so a finding's location can be checked against the file written.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from policy_lint.commands.diff import load_actual, parse_vars
from policy_lint.iam.diff import DiffResult, diff_policies
from policy_lint.iam.diff_references import DiffUsageError, reference_policies
from tests.conftest import REPO_ROOT

AGENTLESS = REPO_ROOT / "examples" / "policies" / "agentless-en.json"
SCAN_TAG = "alibaba-cloud-security-scan*"


def agentless() -> dict[str, Any]:
    return json.loads(AGENTLESS.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, document: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=4), encoding="utf-8")
    return str(path)


def line_of(path: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle`` (to check finding locations)."""
    hits = [i for i, line in enumerate(Path(path).read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def run(*actual: str, features: tuple[str, ...] = (), names: tuple[str, ...] = (), **kw: Any) -> DiffResult:
    policies, problems = load_actual(list(actual))
    assert not problems
    refs, notes = reference_policies(features=list(features), names=list(names), **kw)
    return diff_policies(policies, refs, notes=notes)


def ids(result: DiffResult) -> list[str]:
    return [f.finding.rule_id for f in result.findings]


def test_the_guide_policy_covers_its_own_reference() -> None:
    result = run(str(AGENTLESS), features=("agentless",))
    assert result.stats["missing"] == 0 and result.stats["conditional"] == 0
    # PLAN-AGENTLESS-CONTENT's 51 actions, with kms:ReEncrypt* expanded to ReEncryptFrom and ReEncryptTo
    assert result.stats["covered"] == result.stats["reference_actions"] == 52
    # only the guide's own design flaws remain, flagged as such (GUIDE-TAG-BYPASS)
    assert sorted(ids(result)) == ["PL607", "PL608", "PL608"]
    assert all(f.evidence["reference_has_it"] for f in result.findings)


def test_condition_removed_from_delete_snapshot_is_pd105(tmp_path: Path) -> None:
    doc = agentless()
    del doc["Statement"][1]["Condition"]  # the ec2:DeleteSnapshot statement
    path = write(tmp_path, "no-condition.json", doc)
    result = run(path, features=("agentless",))
    [weakened] = result.by_rule("PD105")
    f = weakened.finding
    assert "ec2:DeleteSnapshot without a condition" in f.message
    assert "StringLike ec2:ResourceTag/Name SAS_Agentless*" in f.message  # the lost condition, named
    assert (f.location.path, f.location.line) == (path, 22)  # the second statement's "{"
    assert weakened.evidence["reference_conditions"] == [
        {"operator": "StringLike", "key": "ec2:ResourceTag/Name", "values": ["SAS_Agentless*"]}
    ]
    assert "PD101" not in ids(result)  # nothing is missing: it is granted more broadly


def test_widened_tag_condition_is_pd105(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][0]["Condition"]["StringLike"]["ec2:ResourceTag/Name"] = "*"
    result = run(write(tmp_path, "wide.json", doc), features=("agentless",))
    [weakened] = result.by_rule("PD105")
    assert "ec2:TerminateInstances" in weakened.finding.message
    assert "looser or different condition (StringLike ec2:ResourceTag/Name *)" in weakened.finding.message


def test_tighter_tag_condition_is_no_weakening(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][0]["Condition"]["StringLike"]["ec2:ResourceTag/Name"] = "alibaba-cloud-security-scan-x*"
    result = run(write(tmp_path, "tight.json", doc), features=("agentless",))
    assert "PD105" not in ids(result)
    # narrower than the reference: the vendor's own scan resources may not match it
    [conditional] = result.by_rule("PD102")
    assert "if StringLike ec2:ResourceTag/Name alibaba-cloud-security-scan-x*" in conditional.finding.message
    assert "ec2:TerminateInstances" in conditional.evidence["actions"]


def test_action_removed_is_pd101_missing(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][2]["Action"].remove("ec2:DescribeInstances")
    path = write(tmp_path, "no-describe.json", doc)
    result = run(path, features=("agentless",))
    [missing] = result.by_rule("PD101")
    assert "1 action of 44 not allowed" in missing.finding.message
    assert missing.evidence["actions"] == ["ec2:DescribeInstances"]
    assert missing.evidence["cause"] == "implicit-deny"
    assert result.stats["missing"] == 1


def test_ec2_star_added_is_risky_excess_and_weakens_every_tag_condition(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][2]["Action"].append("ec2:*")
    path = write(tmp_path, "ec2-star.json", doc)
    result = run(path, features=("agentless",))
    [excess] = result.by_rule("PD104")
    assert excess.finding.level.label == "security-warning"
    assert "destructive actions" in excess.finding.message
    assert "ec2:DeleteVolume" in excess.evidence["destructive"]
    assert "ec2:TerminateInstances" not in excess.evidence["actions"]  # in the reference: PD105, not excess
    weakened = {a for f in result.by_rule("PD105") for a in f.evidence["actions"]}
    assert {"ec2:TerminateInstances", "ec2:DeleteSnapshot", "ec2:DeleteVpc"} <= weakened
    assert all(f.finding.location.line == 34 for f in result.by_rule("PD105"))  # the ec2:* statement


def test_read_only_extra_is_plain_excess(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][2]["Action"].append("s3:ListAllMyBuckets")
    result = run(write(tmp_path, "extra-read.json", doc), features=("agentless",))
    [excess] = result.by_rule("PD103")
    assert excess.evidence["actions"] == ["s3:ListAllMyBuckets"]
    assert "PD104" not in ids(result)


def test_deny_removing_a_required_action_points_at_the_deny(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"].append(
        {"Sid": "NoDescribe", "Effect": "Deny", "Action": "ec2:DescribeInstances", "Resource": "*"}
    )
    path = write(tmp_path, "deny.json", doc)
    result = run(path, features=("agentless",))
    [missing] = result.by_rule("PD101")
    assert missing.evidence["cause"] == "denied"
    assert "this Deny removes 1 action" in missing.finding.message
    assert missing.finding.location.line == line_of(path, '"Action": "ec2:DescribeInstances"')
    assert missing.evidence["denied_by"]["sid"] == "NoDescribe"


def test_deny_in_another_file_removes_a_managed_grant(tmp_path: Path) -> None:
    deny = write(
        tmp_path,
        "deny-iam.json",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:Get*", "Resource": "*"}]},
    )
    result = run("ReadOnlyAccess", deny, features=("host",))
    missing = result.by_rule("PD101")
    assert missing and all(f.finding.location.path == deny for f in missing)
    assert "iam:GetAccountAuthorizationDetails" in missing[0].evidence["actions"]


def test_conditional_grant_is_pd102(tmp_path: Path) -> None:
    doc = agentless()
    doc["Statement"][2]["Condition"] = {"StringEquals": {"aws:RequestedRegion": "ap-northeast-1"}}
    path = write(tmp_path, "region-only.json", doc)
    result = run(path, features=("agentless",))
    [conditional] = result.by_rule("PD102")
    assert "if StringEquals aws:RequestedRegion ap-northeast-1" in conditional.finding.message
    assert conditional.evidence["reference_actions"] == 44
    assert "PD101" not in ids(result) and "PD105" not in ids(result)


def test_host_is_satisfied_by_read_only_access_alone() -> None:
    result = run("ReadOnlyAccess", features=("host",))
    assert "PD101" not in ids(result) and "PD102" not in ids(result)
    assert result.stats["covered"] == result.stats["reference_actions"] > 200
    # ReadOnlyAccess is far broader than the two Host policies: that is excess, not a failure
    assert result.by_rule("PD104") or result.by_rule("PD103")


def test_ec2_read_only_alone_misses_iam_and_cspm() -> None:
    result = run("AmazonEC2ReadOnlyAccess", features=("host", "cspm"))
    missing = {f.evidence["reference"] for f in result.by_rule("PD101")}
    assert missing == {"IAMReadOnlyAccess", "ReadOnlyAccess"}
    assert not any(f.evidence["reference"] == "AmazonEC2ReadOnlyAccess" for f in result.by_rule("PD101"))


def test_not_action_allow_covers_and_not_action_deny_removes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "not-action.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "NotAction": ["organizations:*"], "Resource": "*"},
                {"Effect": "Deny", "NotAction": ["ec2:*", "kms:*"], "Resource": "*"},
            ],
        },
    )
    result = run(path, features=("agentless",))
    [missing] = result.by_rule("PD101")
    assert missing.evidence["actions"] == ["iam:GetUser"]  # the only non-EC2/KMS action of the 51
    assert missing.finding.location.line == line_of(path, '"Effect": "Deny"') + 1  # the NotAction key


def test_not_resource_allow_is_partial_coverage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "not-resource.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:*", "NotResource": "arn:aws:iam::*:user/admin"}],
        },
    )
    result = run(path, names=("IAMReadOnlyAccess",))
    [conditional] = result.by_rule("PD102")
    assert "NotResource arn:aws:iam::*:user/admin" in conditional.finding.message
    assert "PD101" not in ids(result)


def test_wildcards_in_actual_and_reference_compare_by_effective_actions(tmp_path: Path) -> None:
    doc = agentless()
    stmt = doc["Statement"][2]
    stmt["Action"] = [a for a in stmt["Action"] if not a.startswith("kms:")] + [
        "KMS:*Grant*",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:GenerateDataKey",
        "kms:ReEncrypt*",
    ]
    result = run(write(tmp_path, "kms-wild.json", doc), features=("agentless",))
    assert "PD101" not in ids(result)  # KMS:*Grant* covers CreateGrant, ListGrants, RevokeGrant
    [excess] = result.by_rule("PD104")
    assert "kms:RetireGrant" in excess.evidence["actions"]  # ... and grants RetireGrant too


def test_filled_placeholder_scope_is_compared_and_widened_scope_is_pd106() -> None:
    values, _ = parse_vars(["SQS ARN=arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue"])
    result = run("ReadOnlyAccess", names=("sqs-read-policy",), values=values)
    [widened] = result.by_rule("PD106")
    assert widened.evidence["actions"] == ["sqs:GetQueueUrl", "sqs:ReceiveMessage"]
    assert widened.evidence["reference_resources"] == [
        "arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue"
    ]
    assert "PD107" not in ids(result)


def test_unfilled_placeholder_is_pd107_and_actions_still_checked() -> None:
    result = run("AmazonEC2ReadOnlyAccess", names=("sqs-read-policy",))
    assert "PD107" in ids(result)
    [missing] = result.by_rule("PD101")
    assert missing.evidence["actions"] == ["sqs:GetQueueUrl", "sqs:ReceiveMessage"]


def test_aws_cn_partition_fills_the_reference_with_aws_cn_arns(tmp_path: Path) -> None:
    queue = "arn:aws-cn:sqs:cn-north-1:123456789012:aliyun-sasc-log-queue"
    values, partition = parse_vars([f"SQS ARN={queue}", "partition=aws-cn"])
    assert partition == "aws-cn"
    grant = {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"]}
    right = write(tmp_path, "cn.json", {"Version": "2012-10-17", "Statement": [{**grant, "Resource": queue}]})
    wrong = write(
        tmp_path,
        "aws.json",
        {"Version": "2012-10-17", "Statement": [{**grant, "Resource": queue.replace("aws-cn", "aws")}]},
    )
    kw = {"names": ("sqs-read-policy",), "values": values, "partition": partition}
    assert ids(run(right, **kw)) == []
    assert "PD101" in ids(run(wrong, **kw))  # arn:aws: never matches a China queue (GUIDE-PARTITION)


def test_usage_errors_are_diff_usage_errors() -> None:
    with pytest.raises(DiffUsageError, match="did you mean ReadOnlyAccess"):
        reference_policies(names=["ReadOnlyAcess"])
    with pytest.raises(DiffUsageError, match="unknown feature"):
        reference_policies(features=["hots"])
    with pytest.raises(
        DiffUsageError, match="nothing to compare with: sqs-queue-policy is a resource policy"
    ):
        reference_policies(names=["sqs-queue-policy"])
    with pytest.raises(DiffUsageError, match="KEY=VALUE"):
        parse_vars(["no-equals-sign"])
    with pytest.raises(DiffUsageError, match="unknown placeholder"):
        parse_vars(["colour=blue"])
    with pytest.raises(DiffUsageError, match="choose one of aws, aws-cn"):
        parse_vars(["partition=aws-xx"])


def test_variant_is_a_copy() -> None:
    # guard for the tests above: the example file itself is untouched by building variants
    assert agentless() == copy.deepcopy(agentless())
    assert agentless()["Statement"][1]["Condition"]["StringLike"]["ec2:ResourceTag/Name"] == "SAS_Agentless*"
    assert SCAN_TAG in AGENTLESS.read_text()
