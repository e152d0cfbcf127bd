"""CloudFormation resources into the inventory: what each mapped type becomes, and where it points."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.inventory.model import EventSelectorSummary, Inventory, Unknown
from policy_lint.sources.cloudformation import loader as cloudformation
from policy_lint.sources.cloudformation.intrinsics import REGION_UNKNOWN
from policy_lint.sources.cloudformation.sniff import looks_like_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation"
REGION, ACCOUNT = "eu-west-1", "111122223333"


def load(*names: str, region: str | None = REGION, account_id: str | None = ACCOUNT) -> Inventory:
    inventory = Inventory()
    cloudformation.load([FIXTURES / name for name in names], inventory, region=region, account_id=account_id)
    return inventory


def line_of(name: str, text: str) -> int:
    """1-based line of the first line containing ``text`` in a fixture (the expectation, written by hand)."""
    lines = (FIXTURES / name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.fixture(scope="module")
def onboarding() -> Inventory:
    return load("onboarding.yaml")


def test_the_source_is_recorded_and_a_clean_template_has_no_problems(onboarding: Inventory) -> None:
    assert onboarding.sources == ["cloudformation"]
    assert onboarding.problems == []


def test_user_and_what_is_attached_to_it(onboarding: Inventory) -> None:
    (user,) = onboarding.users
    assert user.name == "alibaba-cspm"
    assert user.arn == f"arn:aws:iam::{ACCOUNT}:user/alibaba-cspm"
    assert user.has_login_profile is False
    assert user.origin.address == "ScanUser"
    assert (user.origin.path, user.origin.line) == (
        str(FIXTURES / "onboarding.yaml"),
        line_of("onboarding.yaml", "ScanUser:"),
    )
    attached = {ref.name: ref for ref in user.attached_policies}  # type: ignore[union-attr]
    # AWS managed: by ARN, the document comes from the bundled snapshot
    assert attached["ReadOnlyAccess"].arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert attached["ReadOnlyAccess"].document is None
    # the customer managed policy of the same stack, with its document
    agentless = attached["AlibabaAgentless"]
    assert agentless.arn == f"arn:aws:iam::{ACCOUNT}:policy/AlibabaAgentless"
    assert agentless.document["Statement"][0]["Action"] == "ec2:DescribeInstances"  # type: ignore[index]
    inline = {ref.name: ref for ref in user.inline_policies}  # type: ignore[union-attr]
    assert set(inline) == {"read-queue", "extra-inline"}  # Policies and a separate AWS::IAM::Policy
    assert all(ref.inline for ref in inline.values())
    queue_statement = inline["read-queue"].document["Statement"][0]  # type: ignore[index]
    assert queue_statement["Resource"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:audit-log-queue"
    extra = inline["extra-inline"].document["Statement"][0]  # type: ignore[index]
    assert extra["Resource"] == "arn:aws:s3:::audit-trail-logs/*"
    assert user.groups == ["${ScanGroup}", "auditors"]  # Groups, then UserToGroupAddition
    assert user.origin_of("attached_policies").line == line_of("onboarding.yaml", "ManagedPolicyArns:")


def test_access_key_is_folded_into_its_user_and_active_by_default(onboarding: Inventory) -> None:
    (user,) = onboarding.users
    (key,) = user.access_keys  # type: ignore[misc]
    assert key.status == "Active"
    assert key.key_id_suffix == ""  # no key ID exists before deployment


def test_group_and_customer_policy(onboarding: Inventory) -> None:
    (group,) = onboarding.groups
    assert group.name == "${ScanGroup}"  # no GroupName: the symbolic name users refer to
    assert [ref.name for ref in group.attached_policies] == ["IAMReadOnlyAccess"]  # type: ignore[union-attr]
    (policy,) = onboarding.policies
    assert policy.name == "AlibabaAgentless"
    assert isinstance(policy.document, dict)


def test_trail(onboarding: Inventory) -> None:
    (trail,) = onboarding.trails
    assert trail.name == "audit"
    assert trail.arn == f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/audit"
    assert trail.home_region == REGION
    assert trail.bucket == "audit-trail-logs"
    assert trail.multi_region is True and trail.logging is True and trail.log_file_validation is True
    assert trail.include_global_events is True  # CloudFormation's default
    assert trail.kms_key_id is None  # Fn::If on a false condition chose AWS::NoValue
    assert trail.events == EventSelectorSummary(True, True, (), "basic")
    assert trail.origin_of("logging").line == line_of("onboarding.yaml", "IsLogging: true")
    assert trail.origin_of("kms_key_id").line == line_of("onboarding.yaml", "KMSKeyId:")


def test_bucket_with_notification_policy_and_public_access_block(onboarding: Inventory) -> None:
    (bucket,) = onboarding.buckets
    assert bucket.name == "audit-trail-logs"
    assert bucket.region == REGION
    assert bucket.owner_account == ACCOUNT
    assert bucket.encryption == "AES256" and bucket.kms_key_id is None
    assert bucket.public_access_block == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    (notification,) = bucket.notifications  # type: ignore[misc]
    (queue,) = onboarding.queues
    assert notification.queue_arn == queue.arn
    assert notification.events == ("s3:ObjectCreated:Put",)
    assert (notification.prefix, notification.suffix) == ("AWSLogs/", ".json.gz")
    assert notification.origin is not None
    assert notification.origin.line == line_of("onboarding.yaml", "- Event: s3:ObjectCreated:Put")
    assert bucket.policy["Statement"][0]["Resource"] == f"arn:aws:s3:::audit-trail-logs/AWSLogs/{ACCOUNT}/*"  # type: ignore[index]
    policy_origin = bucket.origin_of("policy")
    assert policy_origin.address == "TrailBucketPolicy"
    assert policy_origin.line == line_of("onboarding.yaml", "TrailBucketPolicy:") + 4  # its PolicyDocument


def test_queue_with_its_policy_folded_in(onboarding: Inventory) -> None:
    (queue,) = onboarding.queues
    assert queue.name == "audit-log-queue"
    assert queue.arn == f"arn:aws:sqs:{REGION}:{ACCOUNT}:audit-log-queue"
    assert queue.region == REGION
    assert queue.fifo is False and queue.kms_key_id is None and queue.sqs_managed_sse is True
    statement = queue.policy["Statement"][0]  # type: ignore[index]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::audit-trail-logs"
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    assert queue.origin_of("policy").address == "LogQueuePolicy"


def test_security_group_with_inline_and_separate_ingress(onboarding: Inventory) -> None:
    (group,) = onboarding.security_groups
    assert group.group_id == "${ScannerSg}"
    rules = [(r.protocol, r.from_port, r.to_port, r.ipv4_ranges) for r in group.ingress]  # type: ignore[union-attr]
    assert rules == [("tcp", 22, 22, ("10.0.0.0/8",)), ("tcp", 443, 443, ("0.0.0.0/0",))]


def test_without_region_and_account_values_stay_symbolic_or_unknown() -> None:
    inventory = load("onboarding.yaml", region=None, account_id=None)
    (queue,), (bucket,), (trail,) = inventory.queues, inventory.buckets, inventory.trails
    assert queue.arn == "${LogQueue.Arn}"
    assert isinstance(queue.region, Unknown) and queue.region.reason == REGION_UNKNOWN
    assert isinstance(trail.home_region, Unknown)
    assert isinstance(bucket.owner_account, Unknown)
    assert queue.origin.region is None
    # the notification and the queue still name the same queue
    assert bucket.notifications[0].queue_arn == queue.arn  # type: ignore[index]
    statement = queue.policy["Statement"][0]  # type: ignore[index]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "${AWS::AccountId}"


def test_json_template_failing_variants_and_positions() -> None:
    inventory = load("onboarding.json")
    assert inventory.problems == []
    (queue,), (bucket,), (trail,), (user,) = (
        inventory.queues,
        inventory.buckets,
        inventory.trails,
        inventory.users,
    )
    assert queue.fifo is True  # "true" as a string, as CloudFormation accepts
    assert queue.kms_key_id == "alias/aws/sqs" and queue.sqs_managed_sse is False
    assert queue.policy == {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]
    }
    assert queue.origin_of("fifo").line == line_of("onboarding.json", '"FifoQueue"')
    assert bucket.name == "${Bucket}"
    assert bucket.encryption == "aws:kms" and bucket.kms_key_id == "${Key.Arn}"
    assert bucket.eventbridge is True and bucket.notifications == []
    assert trail.bucket == bucket.name
    assert trail.logging is False and trail.include_global_events is False and trail.multi_region is False
    assert trail.kms_key_id == "${Key}"
    assert trail.events == EventSelectorSummary(True, False, ("kms.amazonaws.com",), "advanced")
    assert user.has_login_profile is True
    assert [key.status for key in user.access_keys] == ["Inactive"]  # type: ignore[union-attr]
    assert (trail.origin.line, trail.origin.col) == (line_of("onboarding.json", '"Trail": {'), 5)


@pytest.mark.parametrize(
    ("trail", "read", "write", "excluded", "kind"),
    [
        ("ReadPlusWrite", True, True, ("kms.amazonaws.com",), "basic"),
        ("WriteOnly", False, True, (), "basic"),
        ("DataOnly", False, False, (), "basic"),
        ("AdvancedBoth", True, True, (), "advanced"),
        ("AdvancedWriteOnly", False, True, (), "advanced"),
        ("AdvancedDataOnly", False, False, (), "advanced"),
        ("NoLoggingProperty", True, True, (), "default"),
    ],
)
def test_event_selectors(trail: str, read: bool, write: bool, excluded: tuple[str, ...], kind: str) -> None:
    trails = {t.origin.address: t for t in load("selectors.yaml").trails}
    assert trails[trail].events == EventSelectorSummary(read, write, excluded, kind)


def test_missing_is_logging_is_unknown_not_false() -> None:
    trails = {t.origin.address: t for t in load("selectors.yaml").trails}
    logging = trails["NoLoggingProperty"].logging
    assert isinstance(logging, Unknown) and "IsLogging" in logging.reason


def test_resource_conditions() -> None:
    inventory = load("conditions.yaml")
    assert [b.name for b in inventory.buckets] == ["created-bucket"]  # NotCreated's condition is false
    (queue,) = inventory.queues  # IsProd is undecidable: kept, and said so
    assert isinstance(queue.fifo, Unknown)
    warnings = [p for p in inventory.problems if p.rule_id == "IN002"]
    assert len(warnings) == 1 and "IsProd" in warnings[0].message
    assert warnings[0].location.line == line_of("conditions.yaml", "Condition: IsProd")


def test_unexpanded_transform_and_unknown_values_are_reported() -> None:
    inventory = load("transform.yaml")
    (queue,) = inventory.queues
    assert isinstance(queue.kms_key_id, Unknown) and "shared-key" in queue.kms_key_id.reason
    assert isinstance(queue.fifo, Unknown)
    messages = [p.message for p in inventory.problems]
    assert any("Transform MyMacro" in m for m in messages)
    assert not any("Serverless" in m for m in messages)  # SAM's own resources are mapped as written
    assert any("UnknownThing" in m for m in messages)


@pytest.mark.parametrize(
    ("name", "line", "col", "text"),
    [
        ("broken.yaml", 6, 1, "YAML syntax error"),
        ("broken.json", 3, 42, "JSON syntax error"),
        ("not_a_template.yaml", 1, 1, "not a CloudFormation template"),
    ],
)
def test_unreadable_files_are_located_in001_findings(name: str, line: int, col: int, text: str) -> None:
    inventory = load(name)
    (finding,) = inventory.problems
    assert finding.rule_id == "IN001"
    assert (finding.location.path, finding.location.line, finding.location.col) == (
        str(FIXTURES / name),
        line,
        col,
    )
    assert text in finding.message


def test_attachments_across_templates_by_literal_name() -> None:
    inventory = load("split/users.yaml", "split/attachments.yaml")
    (user,) = inventory.users
    assert [key.status for key in user.access_keys] == ["Active"]  # type: ignore[union-attr]
    (attached,) = user.attached_policies  # type: ignore[misc]
    assert attached.document["Statement"][0]["Action"] == "sqs:*"  # type: ignore[index]
    # an attachment whose target is nowhere is reported, not dropped silently
    (warning,) = inventory.problems
    assert warning.rule_id == "IN002" and "nobody-here" in warning.message


def test_sniff_and_detection() -> None:
    assert looks_like_template((FIXTURES / "onboarding.yaml").read_text())
    assert looks_like_template((FIXTURES / "onboarding.json").read_text())
    assert not looks_like_template((FIXTURES / "not_a_template.yaml").read_text())


def test_duplicate_keys_are_warned_at_the_second_key(tmp_path: Path) -> None:
    template = tmp_path / "dup.yaml"
    template.write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n'
        "    Properties:\n      FifoQueue: true\n      FifoQueue: false\n",
        encoding="utf-8",
    )
    inventory = Inventory()
    cloudformation.load([template], inventory, region=REGION, account_id=ACCOUNT)
    [warning] = [p for p in inventory.problems if "duplicate key" in p.message]
    assert warning.rule_id == "IN002"
    assert (warning.location.line, warning.location.col) == (7, 7)
    assert "keeps only the last one" in warning.message
    assert inventory.queues[0].fifo is False  # what CloudFormation itself would deploy


def test_resources_that_are_not_a_mapping_are_a_located_in001_finding(tmp_path: Path) -> None:
    listed = tmp_path / "listed.yaml"
    listed.write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources: [1, 2]\n', encoding="utf-8")
    bare = tmp_path / "bare.yaml"
    bare.write_text('AWSTemplateFormatVersion: "2010-09-09"\n', encoding="utf-8")
    inventory = Inventory()
    cloudformation.load([listed, bare], inventory, region=REGION, account_id=ACCOUNT)
    (finding,) = inventory.problems  # the template without Resources simply declares nothing
    assert finding.rule_id == "IN001"
    assert (finding.location.path, finding.location.line, finding.location.col) == (str(listed), 2, 12)
    assert "Resources is a list" in finding.message
