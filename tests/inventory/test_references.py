"""Canonical references: one token per thing a reference names, in the scope it was written in."""

from __future__ import annotations

from policy_lint.catalog.arns import Arn, parse_arn
from policy_lint.iam import statements
from policy_lint.inventory.model import Bucket, Origin, Queue
from policy_lint.inventory.references import canon, canon_tree, refers_to, same_value, shown

#: a scope whose own text holds ":" (a Windows path), as a template's path may
TEMPLATE = r"template C:\stacks\audit.yaml"
ROOT = "terraform root envs/prod"


def test_a_canonical_arn_still_splits_into_its_six_fields() -> None:
    # The tokens of ${AWS::Partition} and ${TrailBucket} hold no ":", so the ARN's fields stay put.
    written = "arn:${AWS::Partition}:s3:::${TrailBucket}/AWSLogs/*"
    parsed = parse_arn(canon(written, TEMPLATE))
    assert isinstance(parsed, Arn)
    assert parsed.service == "s3" and parsed.region == "" and parsed.account == ""
    assert ":" not in parsed.partition and parsed.resource.endswith("/AWSLogs/*")
    assert shown(canon(written, TEMPLATE)) == written


def test_arn_like_compares_canonical_arns_field_by_field() -> None:
    bucket = canon("arn:${AWS::Partition}:s3:::${TrailBucket}", TEMPLATE)
    assert statements.arn_like(canon("arn:${AWS::Partition}:s3:::*", TEMPLATE), bucket)
    # the partition field compares literally: a literal partition is not the pseudo-parameter
    assert not statements.arn_like("arn:aws:s3:::*", bucket)


def test_a_token_is_no_wildcard() -> None:
    # ``[*]`` inside a reference is Terraform's splat, not an IAM wildcard
    every = canon("${aws_s3_bucket.b[*].arn}", ROOT)
    one = canon("${aws_s3_bucket.b[0].arn}", ROOT)
    assert "*" not in every and "?" not in canon('${aws_s3_bucket.b["?"].arn}', ROOT)
    assert not statements.arn_like(every, one)


def test_the_attributes_that_mean_a_name_are_one_token() -> None:
    assert canon("${aws_s3_bucket.b.id}", ROOT) == canon("${aws_s3_bucket.b.bucket}", ROOT)
    assert shown(canon("${aws_s3_bucket.b.id}", ROOT)) == "${aws_s3_bucket.b.name}"


def test_the_same_reference_in_two_scopes_is_two_values() -> None:
    assert same_value("${LogQueue.Arn}", "${LogQueue.Arn}", TEMPLATE, TEMPLATE)
    assert not same_value("${LogQueue.Arn}", "${LogQueue.Arn}", TEMPLATE, "template other.yaml")


def test_policy_variables_and_literal_sources_stay_as_written() -> None:
    assert canon("arn:aws:s3:::b/${aws:username}/*", ROOT) == "arn:aws:s3:::b/${aws:username}/*"
    # a source that writes no references (live): ${...} is text, equal only to the same text
    assert canon("${LogQueue.Arn}", None) == "${LogQueue.Arn}"
    assert not same_value("${LogQueue.Arn}", "${LogQueue.Arn}", None, TEMPLATE)


def test_a_policy_document_is_canonicalized_value_by_value() -> None:
    document = {"Statement": [{"Resource": ['${aws_sqs_queue.q["a"].arn}']}]}
    tree = canon_tree(document, ROOT)
    assert tree["Statement"][0]["Resource"] == [canon('${aws_sqs_queue.q["a"].arn}', ROOT)]


def test_a_reference_refers_to_the_resource_of_its_scope_only() -> None:
    queue = Queue(Origin("cloudformation", "LogQueue", symbol_scope=TEMPLATE), name="q")
    bucket = Bucket(Origin("cloudformation", "TrailBucket", symbol_scope=TEMPLATE), name="b")
    assert refers_to("${LogQueue.Arn}", queue, "arn", TEMPLATE)
    assert not refers_to("${LogQueue.Arn}", queue, "arn", "template other.yaml")
    # !Ref of a bucket is its name; !Ref of a queue is its URL
    assert refers_to("${TrailBucket}", bucket, "name", TEMPLATE)
    assert not refers_to("${LogQueue}", queue, "name", TEMPLATE)
