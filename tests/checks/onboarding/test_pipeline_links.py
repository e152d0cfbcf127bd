"""The audit pipeline is found from any end, and a missing part is reported once, where it belongs
(issue 10 items 1 and 2, planned input; tests/live/test_pipeline_links.py does the same live)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.inventory.model import Inventory
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b

BUCKET = "aws_s3_bucket.logs"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NO_NOTIFICATION = f"bucket {b.BUCKET} (trail {b.TRAIL}'s bucket) has no event notification to queue {b.QUEUE}"


def _queue_only_config() -> b.AuditLogConfig:
    """What the console asks for: the queue's region and name."""
    return b.AuditLogConfig(region=b.REGION, queue_name=b.QUEUE)


def _without_notification(**changes: object) -> Inventory:
    inv = b.inventory(buckets=[b.bucket(notifications=[])], **changes)
    assert inv.config is not None
    inv.config = b.config(audit_log=_queue_only_config())
    return inv


def test_the_queue_policy_links_the_trail_bucket_when_the_notification_is_missing() -> None:
    inv = _without_notification()
    result = b.only(inv, "OB306")
    assert (result.status, result.resource, result.message) == (Status.FAIL, BUCKET, NO_NOTIFICATION)
    assert b.only(inv, "OB304").status is Status.PASS  # aws:SourceArn names the trail's bucket
    assert b.verdicts(inv, "OB201") == [("pass", "aws_cloudtrail.audit")]  # not "no trail ... declared"


def test_a_source_arn_that_lets_any_bucket_in_links_nothing() -> None:
    """``arn:aws:s3:*:*:*`` names no bucket: the trail is not guessed to be the audit trail."""
    inv = _without_notification(queues=[b.queue(policy=b.queue_policy("arn:aws:s3:*:*:*"))])
    (result,) = [r for r in b.results(inv, "OB201") if r.resource.startswith("config:")]
    assert result.status is Status.FAIL
    assert result.message == (
        f"no CloudTrail trail writing to a bucket linked to queue {b.QUEUE} is declared in the inputs "
        f"(declared: {b.TRAIL})"
    )


def test_without_config_the_link_through_the_queue_policy_is_an_onboarding() -> None:
    inv = b.inventory(with_config=False, users=[], policies=[], buckets=[b.bucket(notifications=[])])
    result = b.only(inv, "OB306")
    assert (result.status, result.resource, result.message) == (Status.FAIL, BUCKET, NO_NOTIFICATION)


def test_a_configuration_without_a_pipeline_says_once_what_is_missing() -> None:
    """The IAM user is declared, the audit log is configured, none of its parts is: one unknown
    (the parts may be in other inputs, or made in the console), not a cascade over OB201 and OB307."""
    inv = b.inventory(trails=[], buckets=[], queues=[])
    pipeline_results = b.results(inv, "OB2") + b.results(inv, "OB3")
    assert [(r.rule_id, r.status, r.resource) for r in pipeline_results] == [
        ("OB307", Status.UNKNOWN, "config:audit_log")
    ]
    (result,) = pipeline_results
    assert result.message.startswith(
        f"none of the audit-log pipeline (queue {b.QUEUE}, bucket {b.BUCKET}, trail {b.TRAIL}) is "
        "declared in the inputs"
    )
    assert result.location == b.config().location("audit_log")


def test_a_fully_listed_account_without_the_pipeline_fails_once() -> None:
    inv = b.inventory(trails=[], buckets=[], queues=[])
    inv.sources, inv.complete = ["live"], {"users", "trails", "queues"}
    (result,) = b.results(inv, "OB2") + b.results(inv, "OB3")
    assert (result.rule_id, result.status) == ("OB307", Status.FAIL)
    assert "is found in the account" in result.message and "declared" not in result.message


def test_the_cli_reports_the_missing_notification_on_the_bucket(tmp_path: Path) -> None:
    """A copy of examples/terraform/onboarding without its aws_s3_bucket_notification, checked
    with the console's two inputs (region and queue name) in onboarding.yaml."""
    folder = tmp_path / "onboarding"
    shutil.copytree(EXAMPLES / "terraform" / "onboarding", folder)
    main_tf = folder / "main.tf"
    text = main_tf.read_text(encoding="utf-8")
    start, end = text.index('resource "aws_s3_bucket_notification"'), text.index("# Step 2, last part")
    main_tf.write_text(text[:start] + text[end:], encoding="utf-8")
    config = tmp_path / "onboarding.yaml"
    lines = (EXAMPLES / "onboarding" / "onboarding.yaml").read_text(encoding="utf-8").splitlines()
    config.write_text(
        "\n".join(x for x in lines if not x.startswith(("  bucket:", "  trail:"))) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", str(folder), "--config", str(config)])
    assert result.exit_code == 1
    failed = [line for line in result.stdout.splitlines() if " error " in line]
    assert len(failed) == 1 and "OB306" in failed[0] and "[aws_s3_bucket.trail]" in failed[0]
    assert "has no event notification to queue aliyun-sasc-log-queue" in failed[0]
    assert "OB304 unknown" not in result.stdout and "is declared" not in result.stdout
