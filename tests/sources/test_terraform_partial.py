"""Partly known Terraform values: the known parts stay known, and a part not known is never dropped.

Issue 10 items 3 and 4. The module tests reproduce terraform-aws-modules/s3-bucket's bucket
policy on a copy of its pattern written here (``source_policy_documents = compact([...])`` of
conditional ``data.aws_iam_policy_document`` documents, then a triple ``replace()`` of
placeholders): with one source document not known, CS205 must never say "has no Deny".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.checks.engine import CheckResult
from policy_lint.inventory.model import Inventory, Unknown, first_unknown
from policy_lint.sources.terraform import hcl as terraform_hcl
from policy_lint.sources.terraform.values import UnknownItems, Unresolved
from tests.checks.cspm.builders import run
from tests.sources.test_terraform_hcl import evaluate

# -- list functions keep their known items --------------------------------------------------


def test_compact_keeps_known_items_and_an_unknown_item_that_may_be_empty_in_place() -> None:
    result = evaluate('compact(["a", "", null, var.doc, "b"])')
    assert isinstance(result, list)
    assert result[0] == "a" and result[2] == "b"
    # compact() cannot know whether ${var.doc} is "" or null: it may be there or not
    assert isinstance(result[1], UnknownItems) and result[1].symbol == "${var.doc}"


def test_compact_keeps_a_text_with_known_characters_as_one_item() -> None:
    (item,) = evaluate('compact(["arn:aws:s3:::${var.bucket}"])')  # type: ignore[misc]
    assert isinstance(item, Unresolved) and not isinstance(item, UnknownItems)
    assert item.symbol == "arn:aws:s3:::${var.bucket}"


def test_length_of_a_list_with_items_not_known_is_not_known_but_earlier_indexes_are() -> None:
    length = evaluate('length(compact(["a", var.doc]))')
    assert isinstance(length, Unresolved) and "number of items is not known" in length.reason
    assert evaluate('compact(["a", var.doc])[0]') == "a"
    after = evaluate('compact(["a", var.doc, "b"])[2]')
    assert isinstance(after, Unresolved) and "items before it are not known" in after.reason


def test_concat_keeps_known_lists_around_an_unknown_one() -> None:
    result = evaluate('concat(["a"], var.more, ["b"])')
    assert isinstance(result, list) and result[0] == "a" and result[2] == "b"
    assert isinstance(result[1], UnknownItems) and result[1].symbol == "${var.more}"


def test_flatten_spreads_an_unknown_list_but_keeps_a_text_as_one_item() -> None:
    result = evaluate('flatten([["a"], var.more, "arn:${var.x}"])')
    assert isinstance(result, list) and result[0] == "a"
    assert isinstance(result[1], UnknownItems)
    assert isinstance(result[2], Unresolved) and not isinstance(result[2], UnknownItems)


def test_distinct_keeps_known_items_and_an_unknown_one_that_may_repeat_one() -> None:
    result = evaluate('distinct(["a", var.x, "a", "b"])')
    assert isinstance(result, list) and len(result) == 3
    assert result[0] == "a" and result[2] == "b"
    assert isinstance(result[1], UnknownItems)  # ${var.x} may be "a"


def test_merge_keeps_known_keys_and_keys_of_an_object_with_unknown_values_are_known() -> None:
    merged = evaluate("merge({a = 1, b = var.x}, {c = 2})")
    assert isinstance(merged, dict) and merged["a"] == 1 and merged["c"] == 2
    assert isinstance(merged["b"], Unresolved)
    assert evaluate("keys({a = var.x, b = 1})") == ["a", "b"]
    assert evaluate("length(keys({a = var.x, b = 1}))") == 2


def test_for_expression_keeps_items_whose_if_is_known() -> None:
    result = evaluate('[for s in ["a", var.x, ""] : upper(s) if s != ""]')
    assert isinstance(result, list) and len(result) == 2
    assert result[0] == "A" and isinstance(result[1], UnknownItems)
    spread = evaluate('[for s in concat(["a"], var.more) : upper(s)]')
    assert isinstance(spread, list) and spread[0] == "A" and isinstance(spread[1], UnknownItems)


# -- string functions keep a template with holes --------------------------------------------


def test_replace_with_an_unknown_replacement_keeps_the_template() -> None:
    result = evaluate('replace("arn:aws:s3:::_ID_/*", "_ID_", var.bucket)')
    assert isinstance(result, Unresolved) and result.symbol == "arn:aws:s3:::${var.bucket}/*"
    assert evaluate('replace("no placeholder", "_ID_", var.bucket)') == "no placeholder"


def test_replace_in_a_template_with_holes_replaces_the_known_text() -> None:
    result = evaluate('replace("_ACCOUNT_:${var.bucket}/_ACCOUNT_", "_ACCOUNT_", "123456789012")')
    assert isinstance(result, Unresolved) and result.symbol == "123456789012:${var.bucket}/123456789012"


def test_replace_stays_unknown_where_a_hole_decides_the_result() -> None:
    straddling = evaluate('replace("ab${var.x}cd", "bc", "Z")')  # "bc" may span the hole
    assert isinstance(straddling, Unresolved) and straddling.symbol.startswith("${replace(")
    whole = evaluate('replace(var.x, "a", "b")')  # nothing known to replace in
    assert isinstance(whole, Unresolved) and whole.symbol.startswith("${replace(")
    regex = evaluate('replace("a${var.x}", "/a+/", "b")')  # a pattern may match inside the hole
    assert isinstance(regex, Unresolved) and regex.symbol.startswith("${replace(")


# -- count from the keys of a map whose values are not known --------------------------------


def test_count_from_length_of_keys_is_literal_when_the_keys_are(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n  queues = { a = aws_s3_bucket.b.arn, b = "x" }\n}\n'
        'resource "aws_s3_bucket" "b" {}\n'
        'resource "aws_sqs_queue" "q" {\n  count = length(keys(local.queues))\n  name = "q${count.index}"\n}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory, region="us-east-1")
    assert sorted(q.name for q in inventory.queues) == ["q0", "q1"]
    assert not [f for f in inventory.problems if "count is not a literal" in f.message]


# -- item 4: a part not known makes the verdict unknown, never a fail ------------------------

#: A copy of terraform-aws-modules/s3-bucket's bucket policy (main.tf: locals.policy,
#: aws_s3_bucket_policy.this, data.aws_iam_policy_document.combined and two of its sources).
MODULE = """
variable "bucket" {}
variable "attach_deny_insecure_transport_policy" { default = false }
variable "attach_elb_log_delivery_policy" { default = false }
variable "attach_policy" { default = false }
variable "policy" { default = null }
variable "override_documents" { default = [] }

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  attach_policy = var.attach_deny_insecure_transport_policy || var.attach_elb_log_delivery_policy || var.attach_policy
  policy_placeholders = {
    "_S3_BUCKET_ID_"   = try(aws_s3_bucket.this[0].id, null),
    "_S3_BUCKET_ARN_"  = try(aws_s3_bucket.this[0].arn, null),
    "_AWS_ACCOUNT_ID_" = try(data.aws_caller_identity.current.account_id, null)
  }
  policy = local.attach_policy ? replace(
    replace(
      replace(
        data.aws_iam_policy_document.combined[0].json,
        "_S3_BUCKET_ID_", local.policy_placeholders["_S3_BUCKET_ID_"]
      ),
      "_S3_BUCKET_ARN_", local.policy_placeholders["_S3_BUCKET_ARN_"]
    ),
    "_AWS_ACCOUNT_ID_", local.policy_placeholders["_AWS_ACCOUNT_ID_"]
  ) : ""
  elb_service_accounts = { us-east-1 = "127311923021", eu-west-1 = "156460612806" }
}

resource "aws_s3_bucket" "this" {
  count  = 1
  bucket = var.bucket
}

resource "aws_s3_bucket_policy" "this" {
  count  = local.attach_policy ? 1 : 0
  bucket = aws_s3_bucket.this[0].id
  policy = local.policy
}

data "aws_iam_policy_document" "combined" {
  count = local.attach_policy ? 1 : 0
  source_policy_documents = compact([
    var.attach_elb_log_delivery_policy ? data.aws_iam_policy_document.elb_log_delivery[0].json : "",
    var.attach_deny_insecure_transport_policy ? data.aws_iam_policy_document.deny_insecure_transport[0].json : "",
    var.attach_policy ? var.policy : "",
  ])
  override_policy_documents = var.override_documents
}

data "aws_iam_policy_document" "elb_log_delivery" {
  count = var.attach_elb_log_delivery_policy ? 1 : 0
  dynamic "statement" {
    for_each = { for k, v in local.elb_service_accounts : k => v if k == data.aws_region.current.region }
    content {
      sid       = format("ELBRegion%s", title(statement.key))
      principals {
        type        = "AWS"
        identifiers = [format("arn:aws:iam::%s:root", statement.value)]
      }
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this[0].arn}/*"]
    }
  }
}

data "aws_iam_policy_document" "deny_insecure_transport" {
  count = var.attach_deny_insecure_transport_policy ? 1 : 0
  statement {
    sid       = "denyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
"""

#: examples/complete's call: a literal bucket name, the Deny, and a policy whose principal is a
#: role ARN known only after apply
ROOT = """
resource "aws_iam_role" "this" {}

data "aws_iam_policy_document" "bucket_policy" {
  statement {
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.this.arn]
    }
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::my-literal-bucket"]
  }
}

module "s3_bucket" {
  source = "./module"
  bucket = "my-literal-bucket"
%s
}
"""


def cs205(
    tmp_path: Path, arguments: str, root: str = ROOT, account_id: str | None = "123456789012"
) -> CheckResult:
    """CS205's one verdict on the module's bucket, called with ``arguments``. With the account ID
    given, every placeholder the module replaces is literal: only the source documents decide."""
    (tmp_path / "module").mkdir()
    (tmp_path / "module" / "main.tf").write_text(MODULE)
    (tmp_path / "main.tf").write_text(root % arguments)
    inventory = Inventory()
    terraform_hcl.load(
        [tmp_path / "main.tf"], inventory, region="us-east-1", account_id=account_id, roots=[tmp_path]
    )
    (bucket,) = inventory.buckets
    assert bucket.name == "my-literal-bucket"
    (result,) = run("CS205", inventory)
    return result


@pytest.mark.parametrize("account_id", ["123456789012", None])
def test_s3_bucket_pattern_with_an_apply_time_principal_finds_the_deny(
    tmp_path: Path, account_id: str | None
) -> None:
    # without the account ID, replace() keeps the document as a template with a hole
    result = cs205(
        tmp_path,
        "attach_deny_insecure_transport_policy = true\n"
        "attach_elb_log_delivery_policy = true\n"
        "attach_policy = true\n"
        "policy = data.aws_iam_policy_document.bucket_policy.json",
        account_id=account_id,
    )
    assert result.status.value == "pass", result.message
    assert "denies aws:SecureTransport false" in result.message


def test_s3_bucket_pattern_with_a_source_document_not_known_is_unknown_never_no_deny(
    tmp_path: Path,
) -> None:
    root = ROOT.replace("%s", "attach_policy = true\npolicy = var.policy_from_outside\n%s")
    result = cs205(tmp_path, "", root='variable "policy_from_outside" {}\n' + root)
    assert result.status.value == "unknown", result.message
    assert "has no Deny" not in result.message
    assert "incomplete" in result.message and "var.policy" in result.message


def test_s3_bucket_pattern_without_any_deny_still_fails(tmp_path: Path) -> None:
    result = cs205(tmp_path, "attach_policy = true\npolicy = data.aws_iam_policy_document.bucket_policy.json")
    assert result.status.value == "fail", result.message
    assert "has no Deny" in result.message


def test_an_override_document_not_known_may_replace_the_deny(tmp_path: Path) -> None:
    root = 'variable "overrides" {}\n' + ROOT
    result = cs205(
        tmp_path,
        "attach_deny_insecure_transport_policy = true\noverride_documents = var.overrides",
        root=root,
    )
    # the override may hold a statement "denyInsecureTransport" that replaces the Deny
    assert result.status.value == "unknown", result.message
    assert "incomplete" in result.message


def write_bucket_with_policy(tmp_path: Path, policy: str, *extra_files: Path) -> Inventory:
    (tmp_path / "main.tf").write_text(
        'variable "extra" {}\nvariable "ids" {}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_s3_bucket_policy" "b" {\n  bucket = aws_s3_bucket.b.id\n  policy = ' + policy + "\n}\n"
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf", *extra_files], inventory, region="us-east-1")
    return inventory


DENY = (
    '{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "arn:aws:s3:::b/*",'
    ' Condition = { Bool = { "aws:SecureTransport" = "false" } } }'
)
ALLOW = (
    '{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "s3:GetObject" }'
)


def test_statements_merged_with_a_list_not_known_keep_the_found_deny(tmp_path: Path) -> None:
    inventory = write_bucket_with_policy(
        tmp_path, f'jsonencode({{ Version = "2012-10-17", Statement = concat([{DENY}], var.extra) }})'
    )
    (bucket,) = inventory.buckets
    missing = first_unknown(bucket.policy)
    assert isinstance(missing, Unknown) and "incomplete" in missing.reason and "var.extra" in missing.reason
    (result,) = run("CS205", inventory)
    assert result.status.value == "pass", result.message  # a missing part cannot remove a found Deny


@pytest.mark.parametrize(
    "statements",
    [
        pytest.param(f"concat([{ALLOW}], var.extra)", id="merged-list"),
        pytest.param(f"[for id in var.ids : {ALLOW}]", id="for-over-unknown-collection"),
    ],
)
def test_statements_not_known_make_no_deny_unknown(tmp_path: Path, statements: str) -> None:
    inventory = write_bucket_with_policy(
        tmp_path, f'jsonencode({{ Version = "2012-10-17", Statement = {statements} }})'
    )
    (result,) = run("CS205", inventory)
    assert result.status.value == "unknown", result.message
    assert "incomplete" in result.message


def test_dynamic_statements_not_known_are_a_missing_part_and_static_ones_stay(tmp_path: Path) -> None:
    document = (
        'data "aws_iam_policy_document" "p" {\n'
        '  statement {\n    effect = "Allow"\n    actions = ["s3:GetObject"]\n'
        '    resources = ["arn:aws:s3:::b/*"]\n'
        '    principals {\n      type = "AWS"\n      identifiers = ["arn:aws:iam::111122223333:root"]\n    }\n  }\n'
        '  dynamic "statement" {\n    for_each = var.extra\n    content {\n'
        '      effect = "Deny"\n      actions = ["s3:*"]\n      resources = ["*"]\n    }\n  }\n}\n'
    )
    (tmp_path / "policy.tf").write_text(document)
    inventory = write_bucket_with_policy(
        tmp_path, "data.aws_iam_policy_document.p.json", tmp_path / "policy.tf"
    )
    (bucket,) = inventory.buckets
    statements = bucket.policy["Statement"]
    assert statements[0]["Action"] == "s3:GetObject"  # the static statement stays known
    assert isinstance(statements[1], Unknown) and "incomplete" in statements[1].reason
    (result,) = run("CS205", inventory)
    assert result.status.value == "unknown", result.message


@pytest.mark.parametrize(
    ("effect", "actions"),
    [
        pytest.param("var.effect", '["s3:*"]', id="effect-not-known"),
        pytest.param('"Deny"', "var.actions", id="actions-not-known"),
        pytest.param('"Deny"', '["s3:${var.verb}"]', id="action-with-a-hole"),
    ],
)
def test_a_statement_whose_effect_or_action_is_not_known_may_be_the_deny(
    tmp_path: Path, effect: str, actions: str
) -> None:
    (tmp_path / "policy.tf").write_text(
        'variable "effect" {}\nvariable "actions" {}\nvariable "verb" {}\n'
        'data "aws_iam_policy_document" "p" {\n  statement {\n'
        f"    effect = {effect}\n    actions = {actions}\n"
        '    resources = ["arn:aws:s3:::b/*"]\n'
        '    principals {\n      type = "*"\n      identifiers = ["*"]\n    }\n'
        '    condition {\n      test = "Bool"\n      variable = "aws:SecureTransport"\n      values = ["false"]\n    }\n'
        "  }\n}\n"
    )
    inventory = write_bucket_with_policy(
        tmp_path, "data.aws_iam_policy_document.p.json", tmp_path / "policy.tf"
    )
    (result,) = run("CS205", inventory)
    assert result.status.value == "unknown", result.message
    assert "has no Deny" not in result.message and "incomplete" in result.message
