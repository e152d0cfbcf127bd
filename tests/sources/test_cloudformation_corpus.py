"""Real templates from the shared corpus: loaded and asserted, and every file read without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.inventory.model import EventSelectorSummary, Inventory, Unknown
from policy_lint.sources.cloudformation import loader as cloudformation

TEMPLATE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}


def load(path: Path, **hints: str) -> Inventory:
    inventory = Inventory()
    cloudformation.load([path], inventory, **hints)  # type: ignore[arg-type]
    return inventory


def test_widdix_cloudtrail_template(corpus: Path) -> None:
    """Conditions over parameter defaults pick the internal bucket; its policy is folded in."""
    inventory = load(
        corpus / "cloudformation/widdix__aws-cf-templates/security/cloudtrail.yaml", region="eu-west-1"
    )
    (trail,) = inventory.trails  # ExternalTrail's condition is false with the defaults
    assert trail.origin.address == "Trail"
    assert trail.bucket == "${TrailBucket}"
    assert trail.logging is True and trail.multi_region is True and trail.log_file_validation is True
    assert trail.kms_key_id is None  # Fn::If [HasParentKmsKeyStack, ImportValue, NoValue] with Default ''
    assert trail.s3_key_prefix is None  # LogFilePrefix defaults to ''
    assert trail.events == EventSelectorSummary(True, True, (), "default")
    (bucket,) = inventory.buckets
    assert bucket.name == trail.bucket
    assert bucket.policy["Statement"][0]["Resource"] == "arn:aws:s3:::${TrailBucket}"  # type: ignore[index]
    assert inventory.problems == []


def test_serverless_s3_to_sqs_pattern(corpus: Path) -> None:
    """SAM template: notification, queue and queue policy link up through symbolic references."""
    inventory = load(corpus / "cloudformation/aws-samples__serverless-patterns/s3-sqs/template.yaml")
    (bucket,), (queue,) = inventory.buckets, inventory.queues
    assert bucket.name == "${SourceBucketName}"  # a parameter without Default
    (notification,) = bucket.notifications  # type: ignore[misc]
    assert notification.queue_arn == queue.arn == "${StandardQueue.Arn}"
    assert notification.events == ("s3:ObjectCreated:*",)
    condition = queue.policy["Statement"][0]["Condition"]  # type: ignore[index]
    assert condition["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::${SourceBucketName}"
    assert isinstance(queue.region, Unknown)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in TEMPLATE_SUFFIXES)


def test_trail_templates_in_the_corpus_all_yield_trails(corpus: Path) -> None:
    with_trails = [
        p
        for p in _files(corpus / "cloudformation")
        if "AWS::CloudTrail::Trail" in p.read_text(errors="replace")
    ]
    assert len(with_trails) >= 20
    inventory = Inventory()
    for path in with_trails:
        cloudformation.load([path], inventory)
    assert len(inventory.trails) >= len(with_trails) - 5  # a few are conditional or deliberately broken
    assert all(t.origin.path and t.origin.line for t in inventory.trails)


@pytest.mark.slow
def test_every_corpus_file_loads_without_raising(corpus: Path) -> None:
    files = _files(corpus / "cloudformation")
    assert len(files) > 400
    for path in files:
        inventory = Inventory()
        cloudformation.load([path], inventory)  # must not raise
        for problem in inventory.problems:
            assert problem.rule_id in ("IN001", "IN002")
            assert problem.location.path == str(path) and problem.location.line >= 1
        for resource in [*inventory.buckets, *inventory.queues, *inventory.trails, *inventory.users]:
            assert resource.origin.line is not None and resource.origin.line >= 1
