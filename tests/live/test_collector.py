"""Every collector call against moto in-process, and the rules on what it collected.

One account is provisioned and collected once for the module: the guide's manual onboarding
(with the demo's two faults) plus a FIFO queue, a KMS trail, a queue in another region, a user
with a console password, MFA and a group, and an SSH-open security group.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.live import demo
from policy_lint.live.collector import Collection, CollectOptions, collect
from policy_lint.onboarding.config import load_config
from policy_lint.rules.registry import Status

R, OTHER = demo.REGION, "us-east-1"


def _extras(account: str) -> dict[str, Any]:
    import boto3

    iam, sqs = boto3.client("iam"), boto3.client("sqs", region_name=R)
    ct, s3, ec2 = (
        boto3.client("cloudtrail", region_name=R),
        boto3.client("s3", region_name=R),
        boto3.client("ec2", region_name=R),
    )
    sqs.create_queue(QueueName="events.fifo", Attributes={"FifoQueue": "true"})
    far = boto3.client("sqs", region_name=OTHER).create_queue(QueueName="far-queue")["QueueUrl"]
    boto3.client("sqs", region_name=OTHER).set_queue_attributes(
        QueueUrl=far,
        Attributes={
            "KmsMasterKeyId": "alias/aws/sqs",
            "Policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": "*",
                            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::plain-bucket"}},
                        }
                    ]
                }
            ),
        },
    )
    s3.create_bucket(Bucket="plain-bucket", CreateBucketConfiguration={"LocationConstraint": R})
    s3.create_bucket(Bucket="kms-trail-bucket", CreateBucketConfiguration={"LocationConstraint": R})
    ct.create_trail(
        Name="kms-trail",
        S3BucketName="kms-trail-bucket",
        KmsKeyId="arn:aws:kms:ap-northeast-1:123456789012:key/abcd",
    )
    iam.create_user(UserName="console-user")
    iam.create_login_profile(UserName="console-user", Password="Str0ng!Passw0rd-demo")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="console-user")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="console-user",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_group(GroupName="auditors")
    iam.attach_group_policy(GroupName="auditors", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
    iam.put_group_policy(
        GroupName="auditors",
        PolicyName="extra",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
            }
        ),
    )
    iam.add_user_to_group(GroupName="auditors", UserName="console-user")
    sg = ec2.create_security_group(GroupName="ssh-open", Description="ssh")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    key = iam.list_access_keys(UserName=demo.USER)["AccessKeyMetadata"][0]["AccessKeyId"]
    return {"sg": sg, "key": key}


@pytest.fixture(scope="module")
def world(
    moto_aws: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Collection, dict[str, Any]]]:
    account = demo.provision(None)
    extras = _extras(account)
    path = Path(tmp_path_factory.mktemp("live")) / "onboarding.yaml"
    path.write_text(demo.config_text(account))
    collection = collect(load_config(str(path)), CollectOptions(regions=(R, OTHER), workers=4))
    yield collection, extras


def _one(items: list[Any], **where: Any) -> Any:
    found = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(found) == 1, (where, found)
    return found[0]


def test_identity_and_scope(world: tuple[Collection, dict[str, Any]]) -> None:
    collection, _ = world
    assert (collection.account_id, collection.partition, collection.regions) == (
        "123456789012",
        "aws",
        (R, OTHER),
    )
    assert collection.inventory.collection_errors == {}
    assert collection.inventory.complete == {"users", "roles", "queues", "trails", "security_groups"}
    assert collection.stats.total_calls > 30


def test_account_facts(world: tuple[Collection, dict[str, Any]]) -> None:
    (account,) = world[0].inventory.accounts
    assert account.origin.address == "arn:aws:iam::123456789012:root"
    assert account.root_access_keys_present is False and account.root_access_key_active is False
    assert account.password_policy is None  # NoSuchEntity: no policy set
    assert account.s3_public_access_block is None  # NoSuchPublicAccessBlockConfiguration


def test_onboarding_user(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory, extras = world[0].inventory, world[1]
    user = _one(inventory.users, name=demo.USER)
    assert user.origin.address == f"arn:aws:iam::123456789012:user/{demo.USER}"
    assert user.has_login_profile is False and user.mfa_enabled is False
    (key,) = user.access_keys
    assert key.key_id_suffix == extras["key"][-4:] and key.status == "Active" and key.last_used is None
    assert extras["key"] not in repr(inventory)  # only the last four characters are kept
    attached = {p.name: p for p in user.attached_policies}
    assert attached["ReadOnlyAccess"].document is None  # AWS managed: the bundled snapshot is used
    assert attached["AliyunSASC-AgentlessScan-Policy"].document["Statement"]  # customer managed: fetched
    (inline,) = user.inline_policies
    assert inline.inline and inline.document["Statement"][0]["Action"][0] == "sqs:GetQueueUrl"
    policy = _one(inventory.policies, name="AliyunSASC-AgentlessScan-Policy")
    assert policy.document == attached["AliyunSASC-AgentlessScan-Policy"].document


def test_login_profile_mfa_and_groups(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory = world[0].inventory
    user = _one(inventory.users, name="console-user")
    assert user.has_login_profile is True and user.mfa_enabled is True
    assert user.groups == ["auditors"] and user.access_keys == []
    group = _one(inventory.groups, name="auditors")
    assert [p.arn for p in group.attached_policies] == ["arn:aws:iam::aws:policy/SecurityAudit"]
    assert group.inline_policies[0].document["Statement"][0]["Action"] == "s3:ListAllMyBuckets"


def test_trails(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory = world[0].inventory
    trail = _one(inventory.trails, name=demo.TRAIL)
    assert trail.multi_region is True and trail.logging is True and trail.log_file_validation is True
    assert trail.kms_key_id is None and trail.bucket == demo.BUCKET and trail.home_region == R
    assert (trail.events.management_read, trail.events.management_write, trail.events.kind) == (
        True,
        True,
        "default",
    )
    kms = _one(inventory.trails, name="kms-trail")
    assert kms.kms_key_id.endswith("key/abcd") and kms.logging is False


def test_buckets(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory = world[0].inventory
    assert sorted(b.name for b in inventory.buckets) == sorted(
        [demo.BUCKET, "kms-trail-bucket", "plain-bucket"]
    )
    bucket = _one(inventory.buckets, name=demo.BUCKET)
    assert bucket.region == R and bucket.encryption == "AES256" and bucket.owner_account == "123456789012"
    (note,) = bucket.notifications
    assert note.events == ("s3:ObjectCreated:Copy",) and note.queue_arn.endswith(f":{demo.QUEUE}")
    assert bucket.policy["Statement"][2]["Sid"] == "DenyInsecureTransport"
    # No encryption configuration (moto raises NotFound, AWS returns AES256): SSE-S3 either way.
    plain = _one(inventory.buckets, name="plain-bucket")
    assert plain.encryption == "AES256" and plain.notifications == [] and plain.policy is None


def test_queues(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory = world[0].inventory
    queue = _one(inventory.queues, name=demo.QUEUE)
    assert queue.fifo is False and queue.region == R and queue.origin.region == R
    assert queue.arn == f"arn:aws:sqs:{R}:123456789012:{demo.QUEUE}"
    assert isinstance(queue.policy, dict) and queue.kms_key_id is None
    assert _one(inventory.queues, name="events.fifo").fifo is True
    far = _one(inventory.queues, name="far-queue")
    assert (
        far.region == OTHER
        and far.arn.startswith(f"arn:aws:sqs:{OTHER}:")
        and far.kms_key_id == "alias/aws/sqs"
    )


def test_security_groups(world: tuple[Collection, dict[str, Any]]) -> None:
    inventory, extras = world[0].inventory, world[1]
    group = _one(inventory.security_groups, group_id=extras["sg"])
    assert group.origin.address == f"arn:aws:ec2:{R}:123456789012:security-group/{extras['sg']}"
    (rule,) = group.ingress
    assert (rule.protocol, rule.from_port, rule.to_port, rule.ipv4_ranges) == ("tcp", 22, 22, ("0.0.0.0/0",))


def _verdicts(inventory: Inventory, profile_set: str = "all") -> dict[tuple[str, str], str]:
    return {
        (r.rule_id, r.resource): r.status.value
        for r in run_checks(inventory, Selection(profile_set=profile_set))
    }


def test_rules_on_live_data(world: tuple[Collection, dict[str, Any]]) -> None:
    """The same rules as for planned input judge the live inventory, naming resources by ARN."""
    results = run_checks(world[0].inventory, Selection(profile_set="all"))
    failed = {r.rule_id for r in results if r.status is Status.FAIL}
    queue_arn = f"arn:aws:sqs:{R}:123456789012:{demo.QUEUE}"
    by_rule = {(r.rule_id, r.resource): r for r in results}
    # The demo's two faults: the Copy-only notification and the queue policy without aws:SourceArn.
    assert by_rule[("OB304", queue_arn)].status is Status.FAIL
    assert any(
        r.rule_id == "OB306" and demo.BUCKET in r.resource and r.status is Status.FAIL for r in results
    )
    assert "OB123" in failed  # the onboarding key has never been used
    assert by_rule[("OB101", f"arn:aws:iam::123456789012:user/{demo.USER}")].status is Status.PASS
    assert not [r for r in results if r.status is Status.UNKNOWN], "live data left something unknown"
    assert all(not isinstance(r.message, Unknown) for r in results)
