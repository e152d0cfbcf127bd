"""Robustness: every .tf file of the shared corpus loads without raising."""

from __future__ import annotations

import collections
import time
from pathlib import Path

from policy_lint.inventory.model import Inventory
from policy_lint.sources.terraform import hcl as terraform_hcl


def test_whole_terraform_corpus_loads_with_located_findings(corpus: Path) -> None:
    files = sorted((corpus / "terraform").rglob("*.tf"))
    inventory = Inventory()
    started = time.perf_counter()
    terraform_hcl.load(files, inventory)
    elapsed = time.perf_counter() - started
    counts = {k: len(getattr(inventory, k)) for k in ("users", "policies", "trails", "buckets", "queues")}
    findings = collections.Counter(p.rule_id for p in inventory.problems)
    print(f"{len(files)} .tf files in {elapsed:.1f}s: {counts}, findings {dict(findings)}")
    assert len(files) > 700
    assert counts["trails"] >= 20 and counts["queues"] >= 50 and counts["buckets"] >= 300
    # parse failures are located IN001 findings (the corpus holds a deliberately invalid file)
    unreadable = [p for p in inventory.problems if p.rule_id == "IN001"]
    assert any(p.location.path.endswith("example/invalid.tf") for p in unreadable)
    assert all(p.location.line >= 1 and p.location.col >= 1 for p in inventory.problems)


def test_corpus_samples_map_their_trail_queue_and_notification(corpus: Path) -> None:
    base = corpus / "terraform"
    inventory = Inventory()
    terraform_hcl.load(
        sorted((base / "aws-samples__serverless-patterns/s3-sqs-terraform").glob("*.tf")), inventory
    )
    assert inventory.problems == []
    (bucket,) = inventory.buckets
    (queue,) = inventory.queues
    (notification,) = bucket.notifications
    assert notification.queue_arn == queue.arn  # linked by reference
    assert "s3:ObjectCreated:*" in notification.events
    assert queue.policy is not None
