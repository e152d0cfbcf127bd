"""Terraform plan JSON source: planned values, after_unknown, configuration references, old format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy_lint.inventory.model import EventSelectorSummary, Inventory, Unknown
from policy_lint.sources.terraform import plan as terraform_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "plan"


@pytest.fixture(scope="module")
def plan() -> Inventory:
    inventory = Inventory()
    terraform_plan.load([FIXTURES / "onboarding.plan.json"], inventory)
    return inventory


def test_planned_values_map_to_trail_bucket_and_queue(plan: Inventory) -> None:
    assert plan.sources == ["terraform-plan"]
    assert plan.problems == []
    (trail,) = plan.trails
    (bucket,) = plan.buckets
    (queue,) = plan.queues
    # region from the provider's var.region reference, resolved through the plan's variables
    assert trail.home_region == bucket.region == queue.region == "eu-west-1"
    # s3_bucket_name is unknown at plan time; the configuration says it is the bucket's id,
    # which is its (literal) name
    assert trail.bucket == bucket.name == "acme-cloudtrail-logs"
    assert trail.events == EventSelectorSummary(True, True, (), "basic")
    assert trail.multi_region is True and trail.kms_key_id is None


def test_encryption_configuration_folds_into_the_bucket(plan: Inventory) -> None:
    (bucket,) = plan.buckets
    assert bucket.encryption == "aws:kms"
    assert bucket.kms_key_id is None  # "" in the plan means no key named


def test_unknown_queue_arn_links_notification_and_queue(plan: Inventory) -> None:
    (bucket,) = plan.buckets
    (queue,) = plan.queues
    (notification,) = bucket.notifications
    assert notification.queue_arn == queue.arn == "${aws_sqs_queue.audit.arn}"
    assert notification.events == ("s3:ObjectCreated:*",)


def test_policy_known_only_after_apply_is_unknown(plan: Inventory) -> None:
    (queue,) = plan.queues
    # the queue policy resource was folded in (queue_url linked through configuration references),
    # and its policy is unknown at plan time: never a guess
    assert isinstance(queue.policy, Unknown)
    assert "after apply" in queue.policy.reason
    assert queue.origin_of("policy").address == "aws_sqs_queue_policy.audit"


def test_origin_is_the_line_of_the_resource_object(plan: Inventory) -> None:
    (trail,) = plan.trails
    text = (FIXTURES / "onboarding.plan.json").read_text().splitlines()
    assert text[trail.origin.line - 1].strip() == "{"
    assert '"address": "aws_cloudtrail.audit"' in text[trail.origin.line]
    assert '"enable_logging"' in text[trail.origin_of("logging").line - 1]


def test_account_id_hint_builds_the_literal_queue_arn_on_both_sides() -> None:
    inventory = Inventory()
    terraform_plan.load([FIXTURES / "onboarding.plan.json"], inventory, account_id="111122223333")
    (queue,) = inventory.queues
    assert queue.arn == "arn:aws:sqs:eu-west-1:111122223333:acme-audit-events"
    assert inventory.buckets[0].notifications[0].queue_arn == queue.arn


def test_old_format_plan_from_the_corpus(corpus: Path) -> None:
    path = (
        corpus
        / "terraform/fugue__regula/rego/tests/rules/tf/aws/cloudtrail/inputs/log_file_validation_infra.json"
    )
    inventory = Inventory()
    terraform_plan.load([path], inventory)
    trails = {t.name: t for t in inventory.trails}
    assert set(trails) == {"invalid_trail", "valid_trail"}
    assert trails["invalid_trail"].log_file_validation is False
    assert trails["valid_trail"].log_file_validation is True
    assert trails["valid_trail"].home_region == "us-east-2"
    # format 0.1 references name only the resource; the bucket argument means its id
    bucket_names = {b.name for b in inventory.buckets}
    assert trails["valid_trail"].bucket in bucket_names


def test_not_a_plan_and_broken_json_are_located_findings(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": "1.2",\n "planned_values": {,}}')
    future = tmp_path / "future.json"
    future.write_text('{"format_version": "2.0", "planned_values": {}}')
    inventory = Inventory()
    terraform_plan.load([broken, future], inventory)
    by_path = {Path(p.location.path).name: p for p in inventory.problems}
    assert by_path["broken.json"].rule_id == "IN001" and by_path["broken.json"].location.line == 2
    assert "2.0" in by_path["future.json"].message


def test_every_plan_file_of_the_corpus_loads(corpus: Path) -> None:
    files = [
        p
        for p in sorted((corpus / "terraform").rglob("*.json"))
        if '"format_version"' in p.read_text(encoding="utf-8", errors="replace")
    ]
    inventory = Inventory()
    terraform_plan.load(files, inventory)
    understood = sum(
        len(getattr(inventory, kind))
        for kind in ("users", "policies", "trails", "buckets", "queues", "security_groups")
    )
    print(f"{len(files)} plan files, {understood} resources, {len(inventory.problems)} input findings")
    assert len(files) > 100
    assert understood > 100
    assert all(p.location.line >= 1 for p in inventory.problems)


def test_a_value_of_the_wrong_shape_is_a_located_warning_and_the_other_resources_still_load(
    tmp_path: Path,
) -> None:
    resources = [
        {"address": "aws_iam_policy.odd", "mode": "managed", "type": "aws_iam_policy", "name": "odd"},
        {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q"},
    ]
    resources[0]["values"] = {"name": ["not", "a", "string"], "policy": "{}"}
    resources[1]["values"] = {"name": "events"}
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps({"format_version": "1.0", "planned_values": {"root_module": {"resources": resources}}}),
        encoding="utf-8",
    )
    inventory = Inventory()
    terraform_plan.load([path], inventory)
    (warning,) = inventory.problems
    assert warning.rule_id == "IN002" and warning.location.path == str(path)
    assert "aws_iam_policy.odd (aws_iam_policy) could not be read" in warning.message
    assert [queue.name for queue in inventory.queues] == ["events"]
