"""OB301-OB308: the audit-log queue, its policy and the bucket notification (AWS-S3-SAME-REGION, AWS-BUCKET-OWNER, AWS-S3-NOTIFICATION, AWS-SQS-EXISTS, AWS-S3-NO-FIFO, AWS-S3-SEND-POLICY, AWS-SQS-KMS, PLAN-QUEUE-INPUTS, GUIDE-SQS-WRITE, GUIDE-QUEUE-REGION, GUIDE-TRAIL-REGION, GUIDE-PARTITION, GUIDE-SOURCE-ACCOUNT, GUIDE-PUT-ONLY)."""

from __future__ import annotations

from typing import Any

from policy_lint.catalog.arn_builder import PARTITION_UNKNOWN
from policy_lint.inventory.model import Inventory, QueueNotification, Unknown
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b
from tests.helpers import lint_policy, rule_ids

QUEUE = "aws_sqs_queue.logs"
BUCKET = "aws_s3_bucket.logs"


# --------------------------------------------------------------------------- OB301


def test_fifo_queue_fails_at_its_line() -> None:
    result = b.only(b.inventory(queues=[b.queue(fifo=True)]), "OB301")
    assert result.status is Status.FAIL and "FIFO" in result.message
    assert result.location == b.at(QUEUE, "fifo")


def test_standard_queue_passes_and_unknown_type_is_unknown() -> None:
    assert b.only(b.inventory(), "OB301").status is Status.PASS
    assert b.only(b.inventory(queues=[b.queue(fifo=Unknown("var.fifo"))]), "OB301").status is Status.UNKNOWN


# --------------------------------------------------------------------------- OB302 / OB303


def test_queue_in_another_region_than_the_bucket_fails() -> None:
    queue = b.queue(region="us-east-1", arn=f"arn:aws:sqs:us-east-1:{b.ACCOUNT}:{b.QUEUE}")
    bucket = b.bucket(notifications=[QueueNotification(queue.arn, ("s3:ObjectCreated:Put",))])
    result = b.only(b.inventory(queues=[queue], buckets=[bucket]), "OB302")
    assert result.status is Status.FAIL
    assert result.evidence["queue_region"] == "us-east-1" and result.evidence["bucket_region"] == b.REGION
    assert result.location == b.at(QUEUE, "region")


def test_same_region_passes() -> None:
    assert b.only(b.inventory(), "OB302").status is Status.PASS


def test_unknown_region_in_terraform_is_unknown() -> None:
    inv = b.inventory(queues=[b.queue(region=Unknown("provider region is var.region without default"))])
    result = b.only(inv, "OB302")
    assert result.status is Status.UNKNOWN and "var.region" in result.message


def _cfn(resource: Any, address: str, line: int) -> Any:
    resource.origin = b.cfn_origin(address, line)
    resource.attribute_origins = {}
    return resource


def test_two_resources_of_one_cloudformation_template_share_the_stack_region() -> None:
    region = "${AWS::Region}"
    queue = _cfn(b.queue(region=region, arn="${LogQueue.Arn}"), "LogQueue", 5)
    notify = [QueueNotification("${LogQueue.Arn}", ("s3:ObjectCreated:*",))]
    bucket = _cfn(b.bucket(region=region, notifications=notify), "TrailBucket", 20)
    trail = _cfn(b.trail(bucket="${TrailBucket}"), "Trail", 30)
    inv = b.inventory(with_config=False, queues=[queue], buckets=[bucket], trails=[trail])
    result = b.only(inv, "OB302")
    assert result.status is Status.PASS and "same CloudFormation template" in result.message


def test_pseudo_parameters_of_two_templates_may_differ() -> None:
    region = "${AWS::Region}"
    queue = _cfn(b.queue(region=region, arn="${LogQueue.Arn}"), "LogQueue", 5)
    # another stack's bucket names the queue by its literal ARN: linked, but its region is its own stack's
    notify = [QueueNotification(b.QUEUE_ARN, ("s3:ObjectCreated:*",))]
    bucket = _cfn(b.bucket(region=region, notifications=notify), "TrailBucket", 20)
    bucket.origin = b.cfn_origin("TrailBucket", 20, "other-stack.yaml")
    inv = b.inventory(with_config=False, queues=[queue], buckets=[bucket], trails=[])
    assert b.only(inv, "OB302").status is Status.UNKNOWN


def test_symbolic_references_do_not_cross_templates() -> None:
    queue = _cfn(b.queue(arn="${LogQueue.Arn}"), "LogQueue", 5)
    notify = [QueueNotification("${LogQueue.Arn}", ("s3:ObjectCreated:*",))]
    bucket = _cfn(b.bucket(notifications=notify), "TrailBucket", 20)
    bucket.origin = b.cfn_origin("TrailBucket", 20, "other-stack.yaml")
    trail = _cfn(b.trail(bucket="${TrailBucket}"), "Trail", 30)
    trail.origin = b.cfn_origin("Trail", 30, "other-stack.yaml")
    inv = b.inventory(with_config=False, queues=[queue], buckets=[bucket], trails=[trail])
    # other-stack's ${LogQueue.Arn} is a queue of that stack (not in the inputs), not stack.yaml's LogQueue
    assert b.results(inv, "OB302") == []  # no bucket notifies stack.yaml's queue
    assert b.verdicts(inv, "OB306") == [("pass", "TrailBucket")]  # it notifies its own stack's queue


def test_queue_outside_the_trail_home_region_is_a_warning_level_fail() -> None:
    result = b.only(b.inventory(trails=[b.trail(home_region="us-east-1")]), "OB303")
    assert result.status is Status.FAIL and result.level.label == "warning"
    assert b.only(b.inventory(), "OB303").status is Status.PASS
    assert (
        b.only(b.inventory(trails=[b.trail(home_region=Unknown("provider alias region"))]), "OB303").status
        is Status.UNKNOWN
    )


# --------------------------------------------------------------------------- OB304


def test_guide_queue_policy_passes_with_a_source_account_warning() -> None:
    result = b.only(b.inventory(), "OB304")
    assert result.status is Status.PASS
    assert "aws:SourceAccount" in result.message
    assert result.evidence["expected_source_arn"] == f"arn:aws:s3:::{b.BUCKET}"


def test_source_account_condition_silences_the_warning() -> None:
    policy = b.queue_policy(f"arn:aws:s3:::{b.BUCKET}", StringEquals={"aws:SourceAccount": b.ACCOUNT})
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert result.status is Status.PASS and "SourceAccount" not in result.message


def test_queue_policy_without_source_arn_fails() -> None:
    policy = b.queue_policy()
    del policy["Statement"][1]["Condition"]
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert result.status is Status.FAIL and "without an aws:SourceArn" in result.message
    assert result.location == b.at(QUEUE, "policy")


def test_source_arn_of_another_bucket_fails() -> None:
    policy = b.queue_policy("arn:aws:s3:::some-other-bucket")
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert result.status is Status.FAIL and "some-other-bucket" in result.message


def test_guide_template_fails_in_china_because_the_partition_is_literal() -> None:
    inv = b.inventory(queues=[b.queue(arn=f"arn:aws-cn:sqs:cn-north-1:{b.ACCOUNT}:{b.QUEUE}")])
    inv.config = b.config(domain="china")
    result = b.only(inv, "OB304")
    assert result.status is Status.FAIL and "partition" in result.message
    assert result.evidence["expected_source_arn"] == f"arn:aws-cn:s3:::{b.BUCKET}"


def test_symbolic_bucket_arn_in_the_condition_links_to_the_bucket() -> None:
    policy = b.queue_policy("${aws_s3_bucket.logs.arn}")
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304").status is Status.PASS


def test_missing_policy_fails_and_unresolved_values_are_unknown() -> None:
    assert b.only(b.inventory(queues=[b.queue(policy=None)]), "OB304").status is Status.FAIL
    assert (
        b.only(b.inventory(queues=[b.queue(policy=Unknown("data source"))]), "OB304").status is Status.UNKNOWN
    )
    policy = b.queue_policy("${var.bucket_arn}")
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert (
        result.status is Status.UNKNOWN
        and "aws:SourceArn var.bucket_arn cannot be resolved" in result.message
    )


QUEUE_SYMBOL = "${aws_sqs_queue.logs.arn}"


def _pipeline_without_config(region: object, source_arn: str, bucket_arn: str | None = None) -> Inventory:
    """A queue whose ARN is not literal (no account), notified by the bucket, and no onboarding.yaml:
    only the region can say which partition the bucket's ARN is in."""
    policy = b.queue_policy(source_arn)
    policy["Statement"][1]["Resource"] = QUEUE_SYMBOL
    queue = b.queue(arn=QUEUE_SYMBOL, region=region, policy=policy)
    notify = [QueueNotification(QUEUE_SYMBOL, ("s3:ObjectCreated:Put",))]
    bucket = b.bucket(region=region, notifications=notify, arn=bucket_arn)
    return b.inventory(with_config=False, queues=[queue], buckets=[bucket])


def test_the_queue_region_decides_the_partition_without_a_configuration() -> None:
    """In China the bucket's ARN is arn:aws-cn:; it used to be compared with a guessed arn:aws:."""
    inv = _pipeline_without_config("cn-north-1", f"arn:aws-cn:s3:::{b.BUCKET}")
    assert b.only(inv, "OB304").status is Status.PASS


def test_a_literal_partition_is_unknown_when_the_region_is_not_known() -> None:
    """Unknown never passes: arn:aws: is the bucket's ARN only if the stack is deployed in aws."""
    region = Unknown("provider aws has no literal region in these files")
    result = b.only(_pipeline_without_config(region, f"arn:aws:s3:::{b.BUCKET}"), "OB304")
    assert result.status is Status.UNKNOWN
    assert "only in partition aws" in result.message and PARTITION_UNKNOWN in result.message


def test_the_bucket_arn_in_the_unknown_partition_passes() -> None:
    """The policy names the bucket's ARN in whatever partition it is deployed (Bucket.arn)."""
    arn = f"arn:${{data.aws_partition.current.partition}}:s3:::{b.BUCKET}"
    region = Unknown("provider aws has no literal region in these files")
    assert b.only(_pipeline_without_config(region, arn, bucket_arn=arn), "OB304").status is Status.PASS


def test_another_bucket_fails_even_when_the_partition_is_not_known() -> None:
    """Uncertain never fails, but no partition makes another bucket's name right; the partition is
    not said to differ, since it is not known."""
    region = Unknown("provider aws has no literal region in these files")
    result = b.only(_pipeline_without_config(region, "arn:aws:s3:::some-other-bucket"), "OB304")
    assert result.status is Status.FAIL
    assert "some-other-bucket" in result.message and "partition differs" not in result.message


def test_an_unconditional_deny_for_s3_fails() -> None:
    policy = b.queue_policy()
    policy["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": b.QUEUE_ARN}
    )
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert result.status is Status.FAIL and "denies" in result.message


def test_a_deny_with_not_principal_denies_s3_unless_it_is_listed() -> None:
    # NotPrincipal: the Deny applies to every principal except the listed ones, so to S3 too
    policy = b.queue_policy()
    deny = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{b.ACCOUNT}:root"},
        "Action": "sqs:SendMessage",
        "Resource": b.QUEUE_ARN,
    }
    policy["Statement"].append(deny)
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304")
    assert result.status is Status.FAIL and "denies S3's SendMessage (statement 3)" in result.message
    deny["NotPrincipal"] = {"Service": "s3.amazonaws.com"}
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB304").status is Status.PASS


# --------------------------------------------------------------------------- OB305


def test_principal_star_without_condition_is_public() -> None:
    policy = b.queue_policy()
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sqs:ReceiveMessage",
            "Resource": b.QUEUE_ARN,
        }
    )
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305")
    assert result.status is Status.FAIL and result.evidence["public"] == ["statement 3"]
    assert result.level.label == "security-warning"


def test_principal_star_restricted_by_source_arn_is_not_public() -> None:
    policy = b.queue_policy()
    policy["Statement"][1]["Principal"] = "*"
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305").status is Status.PASS
    # a condition that does not restrict who asks does not count
    policy["Statement"][1]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305").status is Status.FAIL


def test_public_check_on_unknown_policy_is_unknown() -> None:
    assert b.only(b.inventory(queues=[b.queue(policy=Unknown("x"))]), "OB305").status is Status.UNKNOWN


def test_public_check_with_an_unknown_principal_or_condition_is_unknown_never_pass() -> None:
    policy = b.queue_policy()
    policy["Statement"].append({"Effect": "Allow", "Principal": Unknown("var.principal"), "Action": "sqs:*"})
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305")
    assert result.status is Status.UNKNOWN and "var.principal" in result.message
    # Principal "*" whose condition is unknown may or may not be restricted
    policy = b.queue_policy()
    policy["Statement"][1]["Principal"] = "*"
    policy["Statement"][1]["Condition"] = {"StringEquals": Unknown("var.condition")}
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305").status is Status.UNKNOWN
    # a known public statement fails even when another part of the policy is unknown
    policy["Statement"][0]["Principal"] = "*"
    assert b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305").status is Status.FAIL


def test_principal_star_restricted_by_source_org_id_is_not_public_as_pl606_says() -> None:
    # issue 9: PL606 knew aws:SourceOrgID restricts who may send, OB305 kept its own key set and failed
    policy = b.queue_policy()
    policy["Statement"][1]["Principal"] = "*"
    policy["Statement"][1]["Condition"] = {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}
    assert lint_policy(policy, select="PL606", policy_type="resource") == []
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305")
    assert result.status is Status.PASS and result.evidence["public"] == []


def test_allow_with_not_principal_is_public_as_pl606_says() -> None:
    # issue 9: "everyone except the account root" may read the audit log; OB305 looked at Principal only
    policy = b.queue_policy()
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{b.ACCOUNT}:root"},
            "Action": "sqs:ReceiveMessage",
            "Resource": b.QUEUE_ARN,
        }
    )
    assert rule_ids(lint_policy(policy, select="PL606", policy_type="resource")) == ["PL606"]
    result = b.only(b.inventory(queues=[b.queue(policy=policy)]), "OB305")
    assert result.status is Status.FAIL and result.evidence["public"] == ["statement 3"]
    assert "NotPrincipal" in result.message


# --------------------------------------------------------------------------- OB306


def _notifying(*events: str, prefix: Any = None, eventbridge: bool = False) -> Inventory:
    notes = [QueueNotification(b.QUEUE_ARN, tuple(events), prefix=prefix)] if events else []
    return b.inventory(buckets=[b.bucket(notifications=notes, eventbridge=eventbridge)])


def test_put_and_all_created_events_pass() -> None:
    assert b.only(_notifying("s3:ObjectCreated:Put"), "OB306").status is Status.PASS
    assert b.only(_notifying("s3:ObjectCreated:*"), "OB306").status is Status.PASS


def test_copy_only_notification_fails() -> None:
    result = b.only(_notifying("s3:ObjectCreated:Copy"), "OB306")
    assert result.status is Status.FAIL and "PutObject" in result.message
    assert result.location == b.at(BUCKET, "notifications")
    assert result.evidence["notifications"][0]["events"] == ["s3:ObjectCreated:Copy"]


def test_prefix_filter_must_keep_awslogs() -> None:
    assert b.only(_notifying("s3:ObjectCreated:*", prefix="AWSLogs/"), "OB306").status is Status.PASS
    assert b.only(_notifying("s3:ObjectCreated:*", prefix="images/"), "OB306").status is Status.FAIL


def test_prefix_follows_the_trail_key_prefix() -> None:
    inv = _notifying("s3:ObjectCreated:*", prefix="cloudtrail/AWSLogs/")
    assert b.only(inv, "OB306").status is Status.FAIL  # the trail has no key prefix
    inv.trails = [b.trail(s3_key_prefix="cloudtrail")]
    assert b.only(inv, "OB306").status is Status.PASS


def test_eventbridge_only_fails() -> None:
    result = b.only(_notifying(eventbridge=True), "OB306")
    assert result.status is Status.FAIL and "EventBridge" in result.message


def test_notification_to_another_queue_fails_and_unknown_events_are_unknown() -> None:
    other = QueueNotification(f"arn:aws:sqs:{b.REGION}:{b.ACCOUNT}:other", ("s3:ObjectCreated:*",))
    result = b.only(b.inventory(buckets=[b.bucket(notifications=[other])]), "OB306")
    assert result.status is Status.FAIL and "other" in result.message
    unknown = QueueNotification(b.QUEUE_ARN, Unknown("events = var.events"))
    assert b.only(b.inventory(buckets=[b.bucket(notifications=[unknown])]), "OB306").status is Status.UNKNOWN


# --------------------------------------------------------------------------- OB307


def _config_verdicts(inv: Inventory) -> dict[str, str]:
    return {r.resource: r.status.value for r in b.results(inv, "OB307")}


def test_configuration_matching_the_infrastructure_passes() -> None:
    assert _config_verdicts(b.inventory()) == {
        "config:audit_log.queue_name": "pass",
        "config:audit_log.region": "pass",
        "config:audit_log.bucket": "pass",
        "config:audit_log.trail": "pass",
    }


def test_configured_region_differs_from_the_queue() -> None:
    inv = b.inventory()
    inv.config = b.config(audit_log=b.AuditLogConfig("us-west-2", b.QUEUE, b.BUCKET, b.TRAIL))
    results = {r.resource: r for r in b.results(inv, "OB307")}
    region = results["config:audit_log.region"]
    assert region.status.value == "fail"
    assert region.evidence == {"configured": "us-west-2", "declared": b.REGION}
    assert (region.location.path, region.location.line) == ("onboarding.yaml", 12)


def test_configured_queue_name_differs_and_the_bucket_notifies_another() -> None:
    inv = b.inventory()
    inv.config = b.config(audit_log=b.AuditLogConfig(b.REGION, "typo-queue", b.BUCKET, b.TRAIL))
    result = next(r for r in b.results(inv, "OB307") if r.resource == "config:audit_log.queue_name")
    assert result.status is Status.FAIL
    assert "typo-queue" in result.message and b.QUEUE in result.message


def test_unknown_queue_region_is_unknown() -> None:
    inv = b.inventory(queues=[b.queue(region=Unknown("provider region from env"))])
    assert _config_verdicts(inv)["config:audit_log.region"] == "unknown"


# --------------------------------------------------------------------------- OB308


def test_queue_encryption() -> None:
    assert b.only(b.inventory(), "OB308").status is Status.PASS
    result = b.only(b.inventory(queues=[b.queue(kms_key_id="alias/aws/sqs")]), "OB308")
    assert result.status is Status.FAIL and result.location == b.at(QUEUE, "kms_key_id")
    result = b.only(b.inventory(queues=[b.queue(kms_key_id="${aws_kms_key.q.arn}")]), "OB308")
    assert result.status is Status.UNKNOWN and "s3.amazonaws.com" in result.message
    assert (
        b.only(b.inventory(queues=[b.queue(kms_key_id=Unknown("computed"))]), "OB308").status
        is Status.UNKNOWN
    )


# --------------------------------------------------------------------------- which queue is the audit queue


def test_without_config_a_queue_nothing_links_to_s3_is_not_judged() -> None:
    worker = b.queue(name="jobs", arn=f"arn:aws:sqs:{b.REGION}:{b.ACCOUNT}:jobs", fifo=True, policy=None)
    inv = b.inventory(with_config=False, users=[], trails=[], buckets=[], queues=[worker])
    assert b.results(inv, "OB3") == []


def test_without_config_a_queue_whose_policy_admits_s3_is_judged() -> None:
    inv = b.inventory(with_config=False, users=[], trails=[], buckets=[], queues=[b.queue(fifo=True)])
    assert b.verdicts(inv, "OB301") == [("fail", QUEUE)]


def test_configured_queue_name_selects_the_queue_among_others() -> None:
    other = b.queue(name="jobs", arn=f"arn:aws:sqs:{b.REGION}:{b.ACCOUNT}:jobs", fifo=True)
    other.origin = b.origin("aws_sqs_queue.jobs", 90)
    inv = b.inventory(queues=[other, b.queue()])
    assert b.verdicts(inv, "OB301") == [("pass", QUEUE)]


def test_terraform_resources_of_one_provider_share_its_unknown_region() -> None:
    why = Unknown("provider aws has no literal region in these files")
    inv = b.inventory(with_config=False, queues=[b.queue(region=why)], buckets=[b.bucket(region=why)])
    result = b.only(inv, "OB302")
    assert result.status is Status.PASS and "same provider" in result.message
    other = Unknown("provider aws.west has no literal region in these files")
    inv = b.inventory(with_config=False, queues=[b.queue(region=why)], buckets=[b.bucket(region=other)])
    assert b.only(inv, "OB302").status is Status.UNKNOWN


def test_configured_trail_writing_to_another_bucket_fails_the_bucket_key() -> None:
    inv = b.inventory(trails=[b.trail(bucket="some-other-bucket")])
    result = next(r for r in b.results(inv, "OB307") if r.resource == "config:audit_log.bucket")
    assert result.status is Status.FAIL and "some-other-bucket" in result.message
