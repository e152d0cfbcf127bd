"""Every root module is its own configuration (issue 10 item 5), on copies of the module-repository
pattern of terraform-aws-modules/s3-bucket: a module at the repository root, called by
``examples/a`` and ``examples/b`` with ``source = "../../"`` and different inputs.

Checked together, the examples once merged into one configuration: ``module.bucket...`` appeared
once per example with the same address and different meanings, and the module itself was judged
as a root on its defaults.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.checks.engine import CheckResult, DuplicateVerdict, ensure_unique
from policy_lint.cli import main
from policy_lint.core.findings import Level
from policy_lint.inventory.links import buckets_of_trail
from policy_lint.inventory.model import Inventory
from policy_lint.rules.registry import Status
from policy_lint.sources.detect import detect, load_inventory

MODULE = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

variable "create" {
  type    = bool
  default = true
}
variable "prefix" { type = string }
variable "secure" {
  type    = bool
  default = false
}
variable "queues" {
  type    = set(string)
  default = []
}

locals {
  name = "${var.prefix}-logs"
}

resource "aws_s3_bucket" "this" {
  count  = var.create ? 1 : 0
  bucket = local.name
}

resource "aws_s3_bucket_policy" "this" {
  count  = var.create && var.secure ? 1 : 0
  bucket = aws_s3_bucket.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::${local.name}", "arn:aws:s3:::${local.name}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues
  name     = "${var.prefix}-${each.key}"
}
"""

EXAMPLE = """
provider "aws" {{
  region = "eu-west-1"
}}

module "bucket" {{
  source = "../../"
{arguments}
}}
"""

EXAMPLE_A = EXAMPLE.format(arguments='  prefix = "alpha"\n  secure = true\n  queues = ["one"]')
EXAMPLE_B = EXAMPLE.format(arguments='  prefix = "beta"\n  queues = ["two", "three"]')
EXAMPLE_OFF = EXAMPLE.format(arguments='  prefix = "gamma"\n  create = false')


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A module repository: the module at the top, two examples calling it (a real .git folder
    makes ``../../`` a module of the same repository when an example is checked alone)."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return write(
        tmp_path / "repo",
        {
            "main.tf": MODULE,
            "examples/a/main.tf": EXAMPLE_A,
            "examples/b/main.tf": EXAMPLE_B,
            "examples/off/main.tf": EXAMPLE_OFF,
        },
    )


def check(*paths: Path, select: str = "CS20,CS30") -> dict[str, Any]:
    args = ["check", *map(str, paths), "--profile-set", "all", "--format", "json", "--select", select]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    payload: dict[str, Any] = json.loads(result.output)
    return payload


def verdicts(payload: dict[str, Any], rule: str) -> dict[str, str]:
    return {r["resource"]: r["status"] for r in payload["results"] if r["rule_id"] == rule}


def test_a_repository_with_its_examples_is_judged_root_by_root(repository: Path) -> None:
    payload = check(repository)
    # each example is its own configuration: its inputs decide count, for_each, locals and policy
    assert verdicts(payload, "CS205") == {
        "examples/a: module.bucket.aws_s3_bucket.this[0]": "pass",  # secure = true: the Deny exists
        "examples/b: module.bucket.aws_s3_bucket.this[0]": "fail",  # secure defaults to false
    }
    assert verdicts(payload, "CS303") == {
        'examples/a: module.bucket.aws_sqs_queue.this["one"]': "pass",
        'examples/b: module.bucket.aws_sqs_queue.this["three"]': "pass",
        'examples/b: module.bucket.aws_sqs_queue.this["two"]': "pass",
    }
    # examples/off: create = false, so count = 0 and no bucket; the module at the top is called
    # by the examples, so it is no root of its own: nothing is judged on its defaults, bare or not
    resources = {r["resource"] for r in payload["results"]}
    assert not any(r.startswith(("examples/off", "aws_s3_bucket", "module.bucket")) for r in resources)


def test_each_root_has_its_own_values(repository: Path) -> None:
    inventory = load_inventory(detect([str(repository)]), Inventory())
    names = {b.origin.qualified: b.name for b in inventory.buckets}
    assert names == {
        "examples/a: module.bucket.aws_s3_bucket.this[0]": "alpha-logs",
        "examples/b: module.bucket.aws_s3_bucket.this[0]": "beta-logs",
    }
    # references stay what Terraform calls them within a root: linking is per root
    assert {b.origin.address for b in inventory.buckets} == {"module.bucket.aws_s3_bucket.this[0]"}
    assert len({b.origin.symbol_scope for b in inventory.buckets}) == 2


def test_one_root_checked_as_itself_keeps_bare_addresses(repository: Path) -> None:
    assert verdicts(check(repository / "examples" / "a"), "CS205") == {
        "module.bucket.aws_s3_bucket.this[0]": "pass"
    }
    # the module checked alone is a root of its own (its terraform block), judged on its defaults
    alone = check(repository / "main.tf")
    assert set(verdicts(alone, "CS205")) == {"aws_s3_bucket.this[0]"}


def test_two_roots_given_as_arguments_are_named_by_their_paths(repository: Path) -> None:
    a, b = repository / "examples" / "a", repository / "examples" / "b"
    assert set(verdicts(check(a, b), "CS205")) == {
        f"{a.as_posix()}: module.bucket.aws_s3_bucket.this[0]",
        f"{b.as_posix()}: module.bucket.aws_s3_bucket.this[0]",
    }


def test_an_example_without_provider_block_is_the_root_when_nothing_else_is(tmp_path: Path) -> None:
    """trussworks/terraform-aws-cloudtrail: the module has a terraform block, its only example
    has none and relies on the implicit provider. The example is what a user applies: the root,
    named, because the checked folder is the repository, not the example."""
    example = EXAMPLE_B.replace('provider "aws" {\n  region = "eu-west-1"\n}\n', "")
    repo = write(tmp_path / "repo", {"main.tf": MODULE, "examples/simple/main.tf": example})
    assert verdicts(check(repo), "CS205") == {"examples/simple: module.bucket.aws_s3_bucket.this[0]": "fail"}


def test_an_uncalled_folder_that_is_no_root_is_named_in_an_input_note(repository: Path) -> None:
    """terraform-aws-modules' ``wrappers/``: no provider or terraform block, called by nobody,
    while the examples are roots. It is not judged, and the user is told which folder that is."""
    wrapper = 'module "wrapper" {\n  source   = "../"\n  for_each = var.items\n  prefix = each.key\n}\n'
    write(repository, {"wrappers/main.tf": wrapper})
    payload = check(repository)
    assert not any(r["resource"].startswith(("wrappers", "module.wrapper")) for r in payload["results"])
    notes = [p for p in payload["problems"] if "not checked" in p["message"]]
    assert len(notes) == 1 and "wrappers" in notes[0]["message"]
    assert notes[0]["rule_id"] == "IN002"


def test_an_uncalled_folder_of_plain_resources_is_a_root(repository: Path) -> None:
    """A test fixture without provider block, next to examples that have one: nobody calls it,
    so it can only be applied as a root (with the implicit provider), and it is judged."""
    write(
        repository,
        {"tests/fixture/main.tf": 'resource "aws_s3_bucket" "fixture" {\n  bucket = "fixture"\n}\n'},
    )
    assert verdicts(check(repository), "CS205")["tests/fixture: aws_s3_bucket.fixture"] == "fail"


def test_roots_checked_together_are_one_inventory(tmp_path: Path) -> None:
    """An onboarding often spans roots: the trail in one, its bucket in another, linked by a name."""
    trail = (
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_cloudtrail" "audit" {\n  name = "audit"\n  s3_bucket_name = "acme-trail-logs"\n'
        "  is_multi_region_trail = true\n}\n"
    )
    bucket = 'provider "aws" {\n  region = "eu-west-1"\n}\nresource "aws_s3_bucket" "logs" {\n  bucket = "acme-trail-logs"\n}\n'
    repo = write(tmp_path / "accounts", {"logging/main.tf": trail, "pipeline/main.tf": bucket})
    inventory = load_inventory(detect([str(repo)]), Inventory())
    (audit,) = inventory.trails
    assert audit.origin.qualified == "logging: aws_cloudtrail.audit"
    assert [b.origin.qualified for b in buckets_of_trail(audit, inventory)] == [
        "pipeline: aws_s3_bucket.logs"
    ]


def test_no_rule_reports_one_address_twice(repository: Path) -> None:
    """The same module called by three roots with identical addresses: every (rule, resource)
    pair of the whole report is unique."""
    payload = check(repository, select="CS,OB")
    pairs = Counter((r["rule_id"], r["resource"]) for r in payload["results"])
    assert pairs and max(pairs.values()) == 1


def test_templates_with_the_same_logical_ids_are_named_by_their_files(tmp_path: Path) -> None:
    template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
    folder = write(tmp_path / "stacks", {"a.yaml": template, "nested/b.yaml": template})
    assert set(verdicts(check(folder), "CS205")) == {"a.yaml: Bucket", "nested/b.yaml: Bucket"}
    assert set(verdicts(check(folder / "a.yaml"), "CS205")) == {"Bucket"}


def test_a_folder_and_its_plan_are_two_configurations(tmp_path: Path) -> None:
    """A folder's .tf files and the plan made from them name the same addresses: both are judged,
    each under its own name, never two verdicts on one name."""
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.logs",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "logs",
                        "values": {"bucket": "acme-logs"},
                    }
                ]
            }
        },
    }
    folder = write(
        tmp_path / "stack",
        {
            "main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n',
            "plan.json": json.dumps(plan),
        },
    )
    # the root is the checked folder itself: named as it was given
    assert set(verdicts(check(folder), "CS205")) == {
        f"{folder.as_posix()}: aws_s3_bucket.logs",
        "plan.json: aws_s3_bucket.logs",
    }


def _result(resource: str) -> CheckResult:
    return CheckResult("CS205", "bucket-tls-only", "TLS only", Status.FAIL, Level.ERROR, resource, "m")


def test_a_duplicate_verdict_is_an_internal_error_not_a_silent_merge() -> None:
    ensure_unique([_result("a: Bucket"), _result("b: Bucket")])
    with pytest.raises(DuplicateVerdict, match="CS205 reported Bucket twice"):
        ensure_unique([_result("Bucket"), _result("Bucket")])


def test_two_onboardings_checked_together_give_one_result_per_rule_and_resource() -> None:
    """The Terraform and the CloudFormation onboarding at once: two users, two queues, two trails.
    Rules that judge a pair (user and queue, queue and trail) name the part they judge."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    config = examples / "onboarding" / "onboarding.yaml"
    args = [
        "check",
        str(examples / "terraform" / "onboarding"),
        str(examples / "cloudformation" / "onboarding.yaml"),
    ]
    result = CliRunner().invoke(
        main, [*args, "--config", str(config), "--profile-set", "all", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    payload = json.loads(result.output)
    pairs = Counter((r["rule_id"], r["resource"]) for r in payload["results"])
    assert max(pairs.values()) == 1
    ob303 = {r["resource"] for r in payload["results"] if r["rule_id"] == "OB303"}
    assert "onboarding.yaml: AuditQueue:trail:onboarding.yaml: AuditTrail" in ob303
