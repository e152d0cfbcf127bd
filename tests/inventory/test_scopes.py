"""Each source records the scope the linking needs on the origins, and the rules follow it.

A reference (``${aws_sqs_queue.q.arn}``) means one thing within one Terraform root module, child
modules included, and nothing outside it; resources of one provider configuration share its
region even when nobody says which region that is. These tests read real .tf files and plan
JSON through the sources and look at what the rules conclude.
"""

from __future__ import annotations

import json
from pathlib import Path

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.inventory.model import IamUser, Inventory, Origin
from policy_lint.rules.registry import Status
from policy_lint.sources.terraform import hcl as terraform_hcl
from policy_lint.sources.terraform import plan as terraform_plan

QUEUE = """
resource "aws_sqs_queue" "q" {
  name = "audit-events"
}
"""

#: a module whose bucket notifies the queue its caller passes in
NOTIFYING_MODULE = """
variable "queue_arn" {}

resource "aws_s3_bucket_notification" "n" {
  queue {
    events    = ["s3:ObjectCreated:*"]
    queue_arn = var.queue_arn
  }
  bucket = aws_s3_bucket.b.id
}

resource "aws_s3_bucket" "b" {
  bucket = "trail-logs"
}
"""

#: a module that holds a whole pipeline: its bucket notifies its own queue
PIPELINE_MODULE = QUEUE + NOTIFYING_MODULE.replace("var.queue_arn", "aws_sqs_queue.q.arn")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _hcl(root: Path, *folders: str) -> Inventory:
    inventory = Inventory(sources=[])
    files = sorted(p for folder in folders for p in (root / folder).glob("*.tf"))
    terraform_hcl.load(files, inventory, roots=[root])
    assert not inventory.problems, inventory.problems
    return inventory


def _results(inventory: Inventory, rule: str) -> list[CheckResult]:
    """The rule's results, the inputs made an onboarding by the guide's user name (a bucket
    notifying a queue alone is not one: checks/onboarding/scope.py)."""
    user = IamUser(Origin("terraform", "aws_iam_user.sas"), name="aliyun-security-center-user")
    onboarding = Inventory(**{**vars(inventory), "users": [*inventory.users, user]})
    return run_checks(onboarding, Selection(select=(rule,)))


def test_a_module_bucket_notifying_the_root_queue_is_linked_to_it(tmp_path: Path) -> None:
    # The module's files are in another folder, but its references belong to the root that calls
    # it: the notification names the root's queue (terraform-aws-s3-bucket's notification example).
    _write(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'
            + QUEUE
            + 'module "logs" {\n  source    = "./bucket"\n  queue_arn = aws_sqs_queue.q.arn\n}\n',
            "bucket/main.tf": NOTIFYING_MODULE,
        },
    )
    inventory = _hcl(tmp_path, ".")
    (bucket,) = inventory.buckets
    (note,) = bucket.notifications  # type: ignore[misc]
    assert note.queue_arn == "${aws_sqs_queue.q.arn}"
    (result,) = _results(inventory, "OB302")
    assert result.status is Status.PASS
    assert result.message == "queue audit-events and bucket trail-logs: both in eu-west-1"
    (put,) = _results(inventory, "OB306")
    assert put.status is Status.PASS and put.resource == "module.logs.aws_s3_bucket.b"


def test_two_roots_calling_one_module_keep_their_pipelines_apart(tmp_path: Path) -> None:
    # Both roots name their queue module.audit.aws_sqs_queue.q, in the same module folder: only
    # the root tells them apart. Each bucket notifies the queue of its own root, in its region.
    calls = 'module "audit" {\n  source = "../../modules/audit"\n}\n'
    _write(
        tmp_path,
        {
            "envs/prod/main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n' + calls,
            "envs/test/main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n' + calls,
            "modules/audit/main.tf": PIPELINE_MODULE,
        },
    )
    inventory = _hcl(tmp_path, "envs/prod", "envs/test")
    assert len(inventory.queues) == len(inventory.buckets) == 2
    verdicts = [(r.status, r.message) for r in _results(inventory, "OB302")]
    assert verdicts == [
        (Status.PASS, "queue audit-events and bucket trail-logs: both in eu-west-1"),
        (Status.PASS, "queue audit-events and bucket trail-logs: both in us-east-1"),
    ]


def test_a_root_and_its_module_share_the_provider_whose_region_is_unknown(tmp_path: Path) -> None:
    # No provider block: the root's implicit aws provider serves the module too, so the queue and
    # the bucket are in one region, whichever it is.
    _write(
        tmp_path,
        {
            "main.tf": QUEUE
            + 'module "logs" {\n  source    = "./bucket"\n  queue_arn = aws_sqs_queue.q.arn\n}\n',
            "bucket/main.tf": NOTIFYING_MODULE,
        },
    )
    (result,) = _results(_hcl(tmp_path, "."), "OB302")
    assert result.status is Status.PASS
    assert result.message == (
        "queue audit-events and bucket trail-logs: both use the same provider configuration "
        "(provider aws has no literal region in these files)"
    )


def _plan_resource(address: str, values: dict[str, object]) -> dict[str, object]:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}


def _plan_config(address: str, provider: str) -> dict[str, object]:
    rtype, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_config_key": provider,
    }


def test_two_provider_configurations_of_a_plan_do_not_share_a_region(tmp_path: Path) -> None:
    # Neither provider sets a region, so both regions are unknown for the same reason; but the
    # queue uses aws.west and the bucket aws: their regions may differ. Unknown, not a pass.
    resources = {
        "aws_sqs_queue.q": ({"name": "audit-events"}, "aws.west"),
        "aws_s3_bucket.b": ({"bucket": "trail-logs"}, "aws"),
        "aws_s3_bucket_notification.n": (
            {
                "bucket": "trail-logs",
                "queue": [
                    {
                        "queue_arn": "arn:aws:sqs:eu-west-1:123456789012:audit-events",
                        "events": ["s3:ObjectCreated:*"],
                    }
                ],
            },
            "aws",
        ),
    }
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {"resources": [_plan_resource(a, v) for a, (v, _) in resources.items()]}
        },
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {}},
                "aws.west": {"name": "aws", "alias": "west", "expressions": {}},
            },
            "root_module": {"resources": [_plan_config(a, p) for a, (_, p) in resources.items()]},
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    inventory = Inventory(sources=[])
    terraform_plan.load([path], inventory)
    (queue,), (bucket,) = inventory.queues, inventory.buckets
    assert queue.region == bucket.region  # the same Unknown, for the same reason
    (result,) = _results(inventory, "OB302")
    assert result.status is Status.UNKNOWN
    assert "the provider sets no region" in result.message
