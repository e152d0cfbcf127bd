"""OB rules judge only an onboarding (issue 10 item 1): scope is decided once per run.

The reproduction is a copy of the pattern of trussworks/terraform-aws-cloudtrail's examples/simple
(a generic CloudTrail module: a KMS-encrypted multi-region trail, its bucket from a registry
module, no onboarding.yaml, no IAM user, no SQS queue, no notification). It used to fail OB202
"Security Center cannot decrypt them"; it is none of the onboarding's business.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.checks.onboarding.scope import onboarding_scope
from policy_lint.cli import main
from policy_lint.inventory.model import Inventory, PolicyRef
from tests.checks.onboarding import builders as b
from tests.reporters.test_json_schema import validate

#: the module root: a trail that encrypts with the module's own KMS key (trussworks main.tf pattern)
MODULE = """
resource "aws_kms_key" "cloudtrail" {
  description         = "trail key"
  enable_key_rotation = true
}

variable "trail_name" {
  type = string
}

variable "s3_bucket_name" {
  type = string
}

resource "aws_cloudtrail" "main" {
  name                       = var.trail_name
  s3_bucket_name             = var.s3_bucket_name
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.cloudtrail.arn
}
"""

#: examples/simple: calls the module, its bucket comes from a registry module that is not read
EXAMPLE = """
module "aws_cloudtrail" {
  source         = "../../"
  trail_name     = var.trail_name
  s3_bucket_name = module.logs.aws_logs_bucket
}

module "logs" {
  source           = "trussworks/logs/aws"
  version          = "~> 12"
  s3_bucket_name   = var.logs_bucket
  allow_cloudtrail = true
}

variable "trail_name" {
  type = string
}

variable "logs_bucket" {
  type = string
}
"""

NOT_APPLIED = "Onboarding rules (OB) not applied: no onboarding.yaml (--config)"


@pytest.fixture
def generic_cloudtrail(tmp_path: Path) -> Path:
    repo = tmp_path / "terraform-aws-cloudtrail"
    (repo / "examples" / "simple").mkdir(parents=True)
    (repo / "main.tf").write_text(MODULE, encoding="utf-8")
    (repo / "examples" / "simple" / "main.tf").write_text(EXAMPLE, encoding="utf-8")
    return repo


def _check(*args: str) -> Any:
    return CliRunner().invoke(main, ["check", *args])


def test_a_generic_cloudtrail_module_gets_no_onboarding_verdict(generic_cloudtrail: Path) -> None:
    result = _check(str(generic_cloudtrail), "--format", "json")
    payload = json.loads(result.stdout)
    assert [r for r in payload["results"] if r["rule_id"].startswith("OB")] == []
    assert "cannot decrypt" not in result.stdout
    assert payload["scope"]["onboarding_rules"].startswith("not applied: no onboarding.yaml")
    validate(payload)  # the field is part of the JSON report's schema
    assert result.exit_code == 0, result.output


def test_the_trail_is_still_judged_by_the_posture_rules(generic_cloudtrail: Path) -> None:
    """Scope silences the onboarding rules only: CIS's CS203 still sees the KMS key, and passes."""
    payload = json.loads(_check(str(generic_cloudtrail), "--profile-set", "all", "--format", "json").stdout)
    assert {r["rule_id"] for r in payload["results"]} >= {"CS202", "CS203"}
    assert not any(r["rule_id"].startswith("OB") for r in payload["results"])
    assert "onboarding_rules" in payload["scope"]


def test_the_text_summary_says_once_why(generic_cloudtrail: Path) -> None:
    out = _check(str(generic_cloudtrail)).stdout
    assert out.count("Onboarding rules (OB) not applied") == 1
    assert NOT_APPLIED in out and "SQS queue pipeline in the inputs" in out


def test_sarif_and_html_say_why_too(generic_cloudtrail: Path) -> None:
    sarif = json.loads(_check(str(generic_cloudtrail), "--format", "sarif").stdout)
    (invocation,) = sarif["runs"][0]["invocations"]
    (note,) = invocation["toolConfigurationNotifications"]
    assert note["level"] == "note" and note["message"]["text"].startswith(NOT_APPLIED)
    html = _check(str(generic_cloudtrail), "--format", "html").stdout
    assert "onboarding_rules" in html and "not applied: no onboarding.yaml" in html


def test_a_cis_run_does_not_mention_the_onboarding_rules(generic_cloudtrail: Path) -> None:
    """--profile-set cis asks for no OB rule: nothing to explain."""
    result = _check(str(generic_cloudtrail), "--profile-set", "cis", "--format", "json")
    assert "onboarding_rules" not in json.loads(result.stdout)["scope"]


def test_an_onboarding_yaml_puts_the_inputs_in_scope(generic_cloudtrail: Path) -> None:
    config = Path(__file__).resolve().parents[3] / "examples" / "onboarding" / "onboarding.yaml"
    payload = json.loads(_check(str(generic_cloudtrail), "--config", str(config), "--format", "json").stdout)
    assert any(r["rule_id"].startswith("OB") for r in payload["results"])
    assert "onboarding_rules" not in payload["scope"]


# --------------------------------------------------------------------------- what recognises an onboarding


def _scope(inv: Inventory) -> tuple[bool, str]:
    decided = onboarding_scope(inv)
    return decided.applies, decided.reason


def test_the_guide_user_name_recognises_the_onboarding() -> None:
    plain = b.user(attached_policies=[], inline_policies=[])
    inv = b.inventory(with_config=False, users=[plain], policies=[], trails=[], buckets=[], queues=[])
    applies, why = _scope(inv)
    assert applies and "aliyun-security-center-user" in why
    assert b.verdicts(inv, "OB101") == [("pass", "aws_iam_user.sas")]


def test_the_quick_plan_user_prefix_recognises_the_onboarding() -> None:
    quick = b.user(name="AlibabaSasSubAccount_abc", attached_policies=[], inline_policies=[])
    inv = b.inventory(with_config=False, users=[quick], policies=[], trails=[], buckets=[], queues=[])
    assert _scope(inv)[0]


def test_the_agentless_tag_values_recognise_the_onboarding() -> None:
    renamed = b.user(name="scanner", attached_policies=[], inline_policies=[])
    inv = b.inventory(with_config=False, users=[renamed], trails=[], buckets=[], queues=[])
    applies, why = _scope(inv)  # the declared Agentless policy carries alibaba-cloud-security-scan*
    assert applies and "Agentless" in why


def test_the_agentless_tag_values_in_a_user_inline_policy_recognise_the_onboarding() -> None:
    inline = PolicyRef("scan", document=b.agentless_document(), inline=True)
    renamed = b.user(name="scanner", attached_policies=[], inline_policies=[inline])
    inv = b.inventory(with_config=False, users=[renamed], policies=[], trails=[], buckets=[], queues=[])
    applies, why = _scope(inv)
    assert applies and "of user scanner" in why


def test_read_only_access_alone_does_not_make_an_onboarding() -> None:
    """An auditor with ReadOnlyAccess is not Security Center's user (a guide policy is too common)."""
    auditor = b.user(name="auditor", attached_policies=[b.managed("ReadOnlyAccess")], inline_policies=[])
    inv = b.inventory(with_config=False, users=[auditor], policies=[], trails=[], buckets=[], queues=[])
    assert not _scope(inv)[0]
    assert [r for r in run_checks(inv, Selection()) if r.rule_id.startswith("OB")] == []


def test_a_trail_bucket_queue_pipeline_recognises_the_onboarding() -> None:
    inv = b.inventory(with_config=False, users=[], policies=[])
    applies, why = _scope(inv)
    assert applies and "aliyun-sasc-audit-trail" in why and "aliyun-sasc-log-queue" in why


@pytest.mark.parametrize(
    "parts",
    [
        {"trails": []},  # a bucket notifying a worker queue, no trail
        {"queues": [], "buckets": [b.bucket(notifications=[])]},  # a trail and its bucket, no queue
    ],
    ids=["bucket-to-queue-without-trail", "trail-to-bucket-without-queue"],
)
def test_half_a_pipeline_is_not_an_onboarding(parts: dict[str, Any]) -> None:
    inv = b.inventory(with_config=False, users=[], policies=[], **parts)
    assert not _scope(inv)[0]
    assert [r for r in run_checks(inv, Selection()) if r.rule_id.startswith("OB")] == []


def test_without_config_a_trail_linked_to_no_queue_is_not_judged() -> None:
    """The onboarding user is recognised, but a KMS trail writing elsewhere is not its audit trail."""
    other = b.trail(name="org-trail", arn=None, bucket="org-logs", kms_key_id="alias/trail")
    other.origin = b.origin("aws_cloudtrail.org", 90)
    inv = b.inventory(with_config=False, trails=[b.trail(), other])
    assert b.verdicts(inv, "OB202") == [("pass", "aws_cloudtrail.audit")]
