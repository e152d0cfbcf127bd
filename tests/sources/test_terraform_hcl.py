"""Terraform HCL source: each mapping and resolution feature on small .tf fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.catalog.arn_builder import partition_of
from policy_lint.inventory.model import EventSelectorSummary, Inventory, Unknown
from policy_lint.sources.scanned import NotReadable
from policy_lint.sources.terraform import hcl as terraform_hcl
from policy_lint.sources.terraform.budget import Budget
from policy_lint.sources.terraform.evaluator import Evaluator, Unresolved, parse_hcl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"


def load_dir(name: str, **hints: str) -> Inventory:
    inventory = Inventory()
    terraform_hcl.load(sorted((FIXTURES / name).glob("*.tf")), inventory, **hints)  # type: ignore[arg-type]
    return inventory


def by_address(items, address):  # type: ignore[no-untyped-def]
    return next(item for item in items if item.origin.address == address)


@pytest.fixture(scope="module")
def onboarding() -> Inventory:
    return load_dir("onboarding")


def test_onboarding_pipeline_resolves_locals_tfvars_and_links_by_reference(onboarding: Inventory) -> None:
    bucket = by_address(onboarding.buckets, "aws_s3_bucket.trail")
    queue = by_address(onboarding.queues, "aws_sqs_queue.audit")
    trail = by_address(onboarding.trails, "aws_cloudtrail.audit")
    # prefix comes from terraform.tfvars (the variable has no default), region from var default
    assert bucket.name == "acme-cloudtrail-logs"
    assert queue.name == "acme-audit-events"
    assert bucket.region == queue.region == trail.home_region == "us-east-1"
    # the trail names the bucket by reference: resolved to the literal name
    assert trail.bucket == bucket.name
    # the notification names the queue symbolically, with the same text the queue stores as its ARN
    (notification,) = bucket.notifications
    assert notification.queue_arn == queue.arn == "${aws_sqs_queue.audit.arn}"
    assert notification.events == ("s3:ObjectCreated:Put",)
    assert notification.prefix == "AWSLogs/"
    assert trail.events == EventSelectorSummary(True, True, (), "basic")
    assert trail.multi_region is True and trail.logging is True and trail.kms_key_id is None


def test_separate_resources_fold_into_their_bucket_and_queue(onboarding: Inventory) -> None:
    bucket = by_address(onboarding.buckets, "aws_s3_bucket.trail")
    assert bucket.encryption == "AES256"
    assert bucket.public_access_block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    # templatefile() rendered; the unknown account ID stays symbolic inside the document
    assert bucket.policy["Statement"][0]["Resource"] == (
        "arn:aws:s3:::acme-cloudtrail-logs/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
    )
    queue = by_address(onboarding.queues, "aws_sqs_queue.audit")
    (statement,) = queue.policy["Statement"]
    # aws_iam_policy_document rendered as the provider does (single values unwrapped)
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == queue.arn
    assert statement["Condition"] == {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-cloudtrail-logs"}}


def test_provider_alias_gives_the_region_and_fifo_is_read(onboarding: Inventory) -> None:
    tokyo = by_address(onboarding.queues, "aws_sqs_queue.tokyo")
    assert tokyo.region == "ap-northeast-1"
    assert tokyo.fifo is True


def test_origins_point_at_the_block_and_attribute_lines(onboarding: Inventory) -> None:
    trail = by_address(onboarding.trails, "aws_cloudtrail.audit")
    text = (FIXTURES / "onboarding" / "main.tf").read_text().splitlines()
    assert text[trail.origin.line - 1].startswith('resource "aws_cloudtrail" "audit"')
    assert "s3_bucket_name" in text[trail.origin_of("bucket").line - 1]
    bucket = by_address(onboarding.buckets, "aws_s3_bucket.trail")
    assert text[bucket.origin_of("notifications").line - 1].startswith(
        'resource "aws_s3_bucket_notification"'
    )


def test_account_id_hint_makes_arns_literal() -> None:
    inventory = load_dir("onboarding", account_id="111122223333")
    queue = by_address(inventory.queues, "aws_sqs_queue.audit")
    bucket = by_address(inventory.buckets, "aws_s3_bucket.trail")
    assert queue.arn == "arn:aws:sqs:us-east-1:111122223333:acme-audit-events"
    assert bucket.notifications[0].queue_arn == queue.arn
    assert queue.policy["Statement"][0]["Resource"] == queue.arn
    assert "111122223333" in bucket.policy["Statement"][0]["Resource"]


def test_iam_user_login_profile_keys_groups_and_policies() -> None:
    inventory = load_dir("iam")
    (user,) = inventory.users
    assert user.name == "AlibabaSasSubAccount_1"
    assert user.has_login_profile is True
    (key,) = user.access_keys
    assert key.status == "Inactive" and key.key_id_suffix == ""
    assert user.groups == ["readers"]
    (attached,) = user.attached_policies
    assert attached.name == "agentless"
    assert attached.document["Statement"][0]["Action"] == ["ec2:DescribeInstances"]  # file() was read
    (inline,) = user.inline_policies
    assert inline.inline and inline.document["Statement"][0]["Action"] == ["sqs:ReceiveMessage"]  # <<-EOT
    (group,) = inventory.groups
    (managed,) = group.attached_policies
    assert (managed.name, managed.arn, managed.document) == (
        "ReadOnlyAccess",
        "arn:aws-cn:iam::aws:policy/ReadOnlyAccess",
        None,
    )
    (account,) = inventory.accounts
    assert account.partition == "aws-cn"
    assert account.password_policy["MinimumPasswordLength"] == 14
    assert account.password_policy["RequireSymbols"] is True
    assert account.password_policy["ExpirePasswords"] is True


def test_access_key_defaults_to_active(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" { name = "u" }\nresource "aws_iam_access_key" "k" { user = aws_iam_user.u.name }\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory, region="us-east-1")
    assert inventory.users[0].access_keys[0].status == "Active"
    assert inventory.users[0].has_login_profile is False


def test_local_module_is_loaded_with_its_arguments_and_remote_module_is_reported() -> None:
    inventory = load_dir("modules_call")
    queue = by_address(inventory.queues, "module.events.aws_sqs_queue.this")
    assert queue.name == "events" and queue.fifo is False
    assert queue.region == "eu-central-1"  # inherited from the root provider
    assert queue.kms_key_id == "alias/aws/sqs" and queue.sqs_managed_sse is False
    bucket = inventory.buckets[0]
    assert bucket.notifications[0].queue_arn == queue.arn  # through the module's output
    (problem,) = inventory.problems
    assert problem.rule_id == "IN002" and "terraform-aws-modules/sqs/aws" in problem.message
    assert problem.location.line == 10


def test_module_directory_given_with_its_caller_is_not_loaded_twice() -> None:
    files = sorted((FIXTURES / "modules_call").rglob("*.tf"))
    inventory = Inventory()
    terraform_hcl.load(files, inventory)
    assert [q.origin.address for q in inventory.queues] == ["module.events.aws_sqs_queue.this"]


def test_count_and_for_each_expand_literals_and_keep_others_as_unknown() -> None:
    inventory = load_dir("expansion")
    addresses = sorted(b.origin.address for b in inventory.buckets)
    assert addresses == ["aws_s3_bucket.dynamic", "aws_s3_bucket.logs[0]", "aws_s3_bucket.logs[1]"]
    assert sorted(q.name for q in inventory.queues) == ["queue-a", "queue-b"]
    assert by_address(inventory.queues, 'aws_sqs_queue.q["a"]').arn == '${aws_sqs_queue.q["a"].arn}'
    dynamic = by_address(inventory.buckets, "aws_s3_bucket.dynamic")
    assert dynamic.name == "${aws_s3_bucket.dynamic.id}"  # count.index unknown: name is not literal
    (problem,) = inventory.problems
    assert problem.rule_id == "IN002" and "bucket_count" in problem.message
    assert problem.location.line == 24


def test_advanced_selectors_kms_key_and_logging_off() -> None:
    inventory = load_dir("expansion")
    advanced = by_address(inventory.trails, "aws_cloudtrail.advanced")
    assert advanced.bucket == "logs-0"
    assert advanced.events == EventSelectorSummary(True, False, (), "advanced")
    kms = by_address(inventory.trails, "aws_cloudtrail.kms")
    assert kms.kms_key_id == "arn:aws:kms:us-west-2:111122223333:key/abcd"
    assert kms.logging is False
    assert kms.events == EventSelectorSummary(True, True, (), "default")  # no selectors: the default


def test_security_group_dynamic_ingress_and_separate_rule() -> None:
    inventory = load_dir("expansion")
    (group,) = inventory.security_groups
    assert [(r.protocol, r.from_port, r.to_port, r.ipv4_ranges, r.ipv6_ranges) for r in group.ingress] == [
        ("tcp", 22, 22, ("0.0.0.0/0",), ()),
        ("tcp", 443, 443, ("0.0.0.0/0",), ()),
        ("-1", None, None, (), ("::/0",)),
    ]


def test_parse_error_is_a_located_finding_and_other_files_still_load() -> None:
    inventory = load_dir("broken")
    (problem,) = inventory.problems
    assert problem.rule_id == "IN001"
    assert problem.location.path.endswith("unclosed.tf") and problem.location.line == 5
    assert [b.name for b in inventory.buckets] == ["fine-bucket"]
    assert isinstance(inventory.buckets[0].region, Unknown)  # no provider region, no hint


def test_region_hint_fills_a_missing_provider_region() -> None:
    inventory = load_dir("broken", region="eu-north-1")
    assert inventory.buckets[0].region == "eu-north-1"


def test_unknown_variable_stays_unknown_never_a_passing_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "fifo" {}\nvariable "key" {}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  fifo_queue = var.fifo\n  kms_master_key_id = var.key\n}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory, region="us-east-1")
    (queue,) = inventory.queues
    assert isinstance(queue.fifo, Unknown) and "fifo" in queue.fifo.reason
    assert queue.kms_key_id == "${var.key}"
    assert queue.origin_of("fifo").line == 5


def evaluate(expression: str, **variables: object) -> object:
    hcl = parse_hcl(f"x = {expression}\n", "t.tf")

    class Scope:
        def resolve(self, root, steps, text):  # type: ignore[no-untyped-def]
            if root == "var" and steps and steps[0] in variables:
                return variables[steps[0]], 1
            return Unresolved("${" + text + "}", "unknown"), len(steps)

        def read_file(self, path):  # type: ignore[no-untyped-def]
            raise NotReadable("no files in this test")

        def file_exists(self, path):  # type: ignore[no-untyped-def]
            raise NotReadable("no files in this test")

        def refused(self, message, path, line, col):  # type: ignore[no-untyped-def]
            pass

    return Evaluator(Scope(), hcl.text, budget=Budget()).eval(hcl.body.attributes["x"].expr)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"a-${var.x}-b"', "a-1-b"),
        ('var.x > 0 ? "yes" : "no"', "yes"),
        ('jsonencode({a = [1, true], "b" = null})', '{"a":[1,true],"b":null}'),
        ('[for s in ["a", "b"] : upper(s) if s != "b"]', ["A"]),
        ("{for k, v in {a = 1} : k => v + 1}", {"a": 2}),
        ('format("arn:%s:s3:::%s", "aws", "b")', "arn:aws:s3:::b"),
        ('merge({a = 1}, {b = 2})["b"]', 2),
        ('lookup({a = 1}, "z", 3)', 3),
        ('"$${literal}"', "${literal}"),
        ('"tab\\there"', "tab\there"),
        ('length(["a", "b"]) * 2', 4),
        ('try(var.missing.attr, "fallback")', "${var.missing.attr}"),
    ],
)
def test_expression_evaluation(expression: str, expected: object) -> None:
    result = evaluate(expression, x=1)
    if isinstance(result, Unresolved):
        result = result.symbol
    assert result == expected


def test_unresolved_reference_keeps_its_symbol_inside_text() -> None:
    result = evaluate('"arn:aws:s3:::${aws_s3_bucket.b.id}/*"')
    assert isinstance(result, Unresolved)
    assert result.symbol == "arn:aws:s3:::${aws_s3_bucket.b.id}/*"


def test_a_port_that_is_not_a_number_makes_the_ingress_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_security_group" "s" { name = "s" }\n'
        'resource "aws_security_group_rule" "r" {\n'
        '  type = "ingress"\n  security_group_id = aws_security_group.s.id\n'
        '  protocol = "tcp"\n  from_port = "ssh"\n  to_port = 22\n  cidr_blocks = ["0.0.0.0/0"]\n}\n',
        encoding="utf-8",
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory, region="us-east-1")
    (group,) = inventory.security_groups
    assert isinstance(group.ingress, Unknown)
    assert "aws_security_group_rule.r" in group.ingress.reason


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("eu-isoe-west-1", "aws-iso-e"),
    ],
)
def test_partition_of_a_literal_region_follows_the_partition_catalog(region: str, partition: str) -> None:
    assert partition_of(region) == partition
    assert isinstance(partition_of("${var.region}"), Unknown)


def test_a_huge_range_is_unresolved_without_being_built() -> None:
    assert evaluate("range(3)") == [0, 1, 2]
    result = evaluate("range(1e12)")  # a list this long would exhaust memory before any check
    assert isinstance(result, Unresolved) and "range too large" in result.reason


def test_a_policy_nested_thousands_deep_is_unknown_not_an_internal_error(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  name = "p"\n  policy = <<EOT\n'
        f'{{"Version": "2012-10-17", "Statement": {deep}}}\nEOT\n}}\n'
        'resource "aws_iam_policy" "q" {\n  name = "q"\n  policy = <<EOT\n'
        f'{{"Version": "2012-10-17", "Statement": {"[" * 100 + "]" * 100}}}\nEOT\n}}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory)
    documents = {p.name: p.document for p in inventory.policies}
    for name in ("p", "q"):  # rules walk documents recursively: none this deep reaches them
        assert (
            isinstance(documents[name], Unknown) and "nested deeper than 64 levels" in documents[name].reason
        )


def test_advanced_read_only_not_equals_true_records_writes_only(tmp_path: Path) -> None:
    """readOnly NotEquals ["true"] keeps write events only; the Terraform source used to ignore
    not_equals and report read and write, so OB201 passed here while CloudFormation and live failed."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudtrail" "writes" {\n'
        '  name           = "writes"\n'
        '  s3_bucket_name = "logs"\n'
        "  advanced_event_selector {\n"
        '    field_selector {\n      field  = "eventCategory"\n      equals = ["Management"]\n    }\n'
        '    field_selector {\n      field      = "readOnly"\n      not_equals = ["true"]\n    }\n'
        "  }\n}\n"
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory)
    (trail,) = inventory.trails
    assert trail.events == EventSelectorSummary(False, True, (), "advanced")
