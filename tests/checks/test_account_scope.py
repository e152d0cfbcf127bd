"""Issue 10 item 8: account-level facts in planned mode.

A Terraform or CloudFormation folder is usually a fragment of an account. policy-lint used to
report CS201 on a pseudo-resource ``cloudtrail``, at the first trail's line, with account-wide
wording ("no multi-region trail logs all management events"), for such fragments. The inputs
below copy the corpus patterns (checkov's single-region trails, trussworks' multi-region trail,
terraform-aws-iam's account password policy, terraform-aws-s3-bucket's account public access
block, regula's plan of existing buckets); each asserts what a user of that input should see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from policy_lint.cli import main

ACCOUNT_RULES = ("CS101", "CS102", "CS103", "CS104", "CS105", "CS106", "CS107", "CS108", "CS201", "CS204")

SINGLE_REGION_TRAILS = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  MyTrail0:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: some-bucket
  MyTrail1:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      IsMultiRegionTrail: false
      S3BucketName: some-bucket
"""

MULTI_REGION_TRAIL = """\
resource "aws_cloudtrail" "main" {
  name                          = "audit"
  s3_bucket_name                = "audit-logs"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
}
"""


def _check(path: Path, *options: str, cwd: Path | None = None) -> list[dict[str, Any]]:
    runner = CliRunner()
    args = ["check", str(path), "--profile-set", "all", "--format", "json", *options]
    if cwd is None:
        outcome = runner.invoke(main, args)
    else:
        with runner.isolated_filesystem(temp_dir=cwd):
            outcome = runner.invoke(main, args)
    assert outcome.exit_code in (0, 1), outcome.output
    results: list[dict[str, Any]] = json.loads(outcome.output)["results"]
    return results


def _on(results: list[dict[str, Any]], rule: str, resource: str = "account") -> dict[str, Any]:
    [found] = [r for r in results if r["rule_id"] == rule and r["resource"] == resource]
    return found


def test_single_region_trails_of_a_fragment_are_unknown_on_the_account(tmp_path: Path) -> None:
    template = tmp_path / "trails.yaml"
    template.write_text(SINGLE_REGION_TRAILS)
    results = _check(template)
    assert not [r for r in results if r["resource"] == "cloudtrail"]
    cs201 = _on(results, "CS201")
    assert cs201["status"] == "unknown"  # absence cannot fail: other trails may exist elsewhere
    assert cs201["location"] is None  # not attached to the first trail
    message = cs201["message"]
    assert "MyTrail0: not multi-region" in message and "MyTrail1: not multi-region" in message
    assert "--account-scope" in message and "account-scope: true" in message


def test_declared_account_scope_lets_the_same_trails_fail(tmp_path: Path) -> None:
    template = tmp_path / "trails.yaml"
    template.write_text(SINGLE_REGION_TRAILS)
    cs201 = _on(_check(template, "--account-scope"), "CS201")
    assert cs201["status"] == "fail"
    assert "no multi-region trail logs all management events" in cs201["message"]


def test_settings_file_declares_the_account_scope(tmp_path: Path) -> None:
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "main.tf").write_text('resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n')
    (tmp_path / ".git").mkdir()  # the settings search stops at the repository root
    (tmp_path / ".policy-lint.yaml").write_text("account-scope: true\n")
    runner = CliRunner()
    settings = str(tmp_path / ".policy-lint.yaml")
    outcome = runner.invoke(
        main, ["check", str(folder), "--profile-set", "cis", "--format", "json", "--settings", settings]
    )
    assert outcome.exit_code == 1, outcome.output
    report = json.loads(outcome.output)
    assert report["scope"]["account_scope"] is True
    results = report["results"]
    # the input is the whole account: no password policy, no trail
    assert _on(results, "CS103")["status"] == "fail"
    assert _on(results, "CS201") == {**_on(results, "CS201"), "status": "fail"}
    # the declared users are all the users: no account-wide unknown for the per-user rules
    assert not [
        r
        for r in results
        if r["rule_id"] in ("CS105", "CS106", "CS107", "CS108") and r["resource"] == "account"
    ]
    assert _on(results, "CS108", "aws_iam_user.ci")["status"] == "pass"
    # the root user cannot be declared: still unknown, and says how to find out
    root = _on(results, "CS101")
    assert root["status"] == "unknown" and "policy-lint verify" in root["message"]


def test_a_declared_qualifying_trail_proves_the_account_has_one(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MULTI_REGION_TRAIL)
    cs201 = _on(_check(tmp_path), "CS201")
    assert cs201["status"] == "pass" and cs201["evidence"]["trail"] == "aws_cloudtrail.main"


def test_a_fragment_reports_every_account_level_rule_unknown_on_account(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n')
    results = _check(tmp_path)
    for rule in ACCOUNT_RULES:
        result = _on(results, rule)
        assert result["status"] == "unknown", rule
        assert result["location"] is None, rule
    for rule in ("CS103", "CS105", "CS201", "CS204"):
        assert "--account-scope" in _on(results, rule)["message"], rule
    assert "aws_iam_account_password_policy" in _on(results, "CS103")["message"]
    assert "aws_s3_account_public_access_block" in _on(results, "CS204")["message"]


def test_a_declared_password_policy_decides_the_account_without_scope(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_account_password_policy" "this" {\n  minimum_password_length = 6\n}\n'
    )
    results = _check(tmp_path)
    cs103 = _on(results, "CS103")
    assert cs103["status"] == "fail" and "minimum length is 6" in cs103["message"]
    assert cs103["location"]["line"] == 1  # the resource that decides it
    assert _on(results, "CS104")["status"] == "fail"  # reuse prevention not set: not restricted
    # the resource is the account's policy, not the account: nothing else is reported on it
    assert not [r for r in results if r["resource"] == "aws_iam_account_password_policy.this"]


def test_an_account_level_block_covers_every_bucket(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_account_public_access_block" "this" {\n'
        "  block_public_acls       = true\n  block_public_policy     = true\n"
        "  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n"
    )
    assert _on(_check(tmp_path), "CS204")["status"] == "pass"


def test_new_bucket_and_queue_get_the_aws_defaults(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
    )
    results = _check(tmp_path)
    bucket = _on(results, "CS204", "aws_s3_bucket.logs")
    assert bucket["status"] == "pass" and "AWS default for new buckets" in bucket["message"]
    assert "AWS-S3-BPA-DEFAULT" in bucket["evidence"]["bucket_level"]
    assert _on(results, "CS303", "aws_sqs_queue.jobs")["status"] == "pass"


def test_a_bucket_that_turns_a_setting_off_fails_without_an_account_block(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "site" {\n  bucket = "site"\n}\n'
        'resource "aws_s3_bucket_public_access_block" "site" {\n'
        "  bucket = aws_s3_bucket.site.id\n  block_public_acls = true\n  block_public_policy = false\n"
        "  ignore_public_acls = true\n  restrict_public_buckets = false\n}\n"
    )
    results = _check(tmp_path)
    site = _on(results, "CS204", "aws_s3_bucket.site")
    assert site["status"] == "fail" and "BlockPublicPolicy" in site["message"]
    assert _on(results, "CS204")["status"] == "unknown"  # the account as a whole is still unknown


def _plan(action: str) -> dict[str, Any]:
    values = {"bucket": "old-logs"}
    return {
        "format_version": "1.1",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket.logs",
                        "mode": "managed",
                        "type": "aws_s3_bucket",
                        "name": "logs",
                        "values": values,
                    },
                    {
                        "address": "aws_sqs_queue.jobs",
                        "mode": "managed",
                        "type": "aws_sqs_queue",
                        "name": "jobs",
                        "values": {"name": "jobs"},
                    },
                ]
            }
        },
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": name,
                "change": {"actions": [action], "before": None, "after": {}, "after_unknown": {}},
            }
            for address, kind, name in (
                ("aws_s3_bucket.logs", "aws_s3_bucket", "logs"),
                ("aws_sqs_queue.jobs", "aws_sqs_queue", "jobs"),
            )
        ],
    }


def test_the_defaults_do_not_apply_to_resources_a_plan_shows_as_existing(tmp_path: Path) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps(_plan("no-op")))
    results = _check(existing)
    bucket = _on(results, "CS204", "aws_s3_bucket.logs")
    assert bucket["status"] == "unknown" and "exists already (plan action no-op)" in bucket["message"]
    queue = _on(results, "CS303", "aws_sqs_queue.jobs")
    assert queue["status"] == "unknown" and "AWS-SQS-SSE-DEFAULT" in queue["message"]
    created = tmp_path / "created.json"
    created.write_text(json.dumps(_plan("create")))
    results = _check(created)
    assert _on(results, "CS204", "aws_s3_bucket.logs")["status"] == "pass"
    assert _on(results, "CS303", "aws_sqs_queue.jobs")["status"] == "pass"


def test_an_account_scope_that_is_not_a_boolean_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n')
    settings = tmp_path / ".policy-lint.yaml"
    settings.write_text('account-scope: "yes"\n')  # a string would silently read as true
    outcome = CliRunner().invoke(main, ["check", str(tmp_path), "--settings", str(settings)])
    assert outcome.exit_code == 2
    assert ".policy-lint.yaml:1:" in outcome.output and "account-scope" in outcome.output
