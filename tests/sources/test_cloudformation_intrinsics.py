"""Each CloudFormation intrinsic, evaluated on the fixtures' Outputs (YAML short tags and JSON long form)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy_lint.catalog.arn_builder import PARTITION_UNKNOWN
from policy_lint.inventory.model import Unknown
from policy_lint.sources.cloudformation.intrinsics import REGION_UNKNOWN, Resolver, Symbolic, UnknownNode
from policy_lint.sources.cloudformation.loader import template_resolver
from policy_lint.syntax.nodes import Node, ObjectNode
from policy_lint.syntax.source import read_source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation"


def _resolver(name: str, region: str | None = None, account_id: str | None = None) -> Resolver:
    return template_resolver(FIXTURES / name, region=region, account_id=account_id)


def _output(resolver: Resolver, name: str) -> Node | None:
    outputs = resolver.template.root.get("Outputs")
    assert isinstance(outputs, ObjectNode)
    entry = outputs.get(name)
    assert isinstance(entry, ObjectNode), name
    return resolver.resolve(entry.get("Value"))


def value(name: str, fixture: str = "intrinsics.yaml", **hints: Any) -> Any:
    """The output as Python: Unknown objects stay as they are."""
    node = _output(_resolver(fixture, **hints), name)
    return None if node is None else node.to_python()


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("RefParam", "prod"),
        ("RefList", ["a", "b", "c"]),
        ("NoValue", {"Keep": "kept", "List": ["one", "two"]}),
        ("SubList", "b-prod"),
        ("SubEscape", "${Literal}-prod"),
        ("Join", "a:prod:c"),
        ("Select", "z"),
        ("Split", ["1", "2", "3"]),
        ("SelectSplit", "west"),
        ("IfTrue", "chosen"),
        ("IfFalse", "chosen"),
        ("IfAnd", "chosen"),
        ("IfOr", "chosen"),
        ("IfNoValue", {"Kept": "yes-kept"}),
        ("IfShortCircuit", "chosen"),  # Or(unknown, true) is true without a region
        ("FindInMapAgreeing", "same"),  # every region maps to the same value
        ("Base64", "aGk="),
    ],
)
def test_literal_results(output: str, expected: Any) -> None:
    assert value(output) == expected


@pytest.mark.parametrize(
    ("output", "text"),
    [
        ("RefNoDefault", "${QueueNameParam}"),
        ("Region", "${AWS::Region}"),
        ("Account", "${AWS::AccountId}"),
        ("StackName", "${AWS::StackName}"),
        ("QueueArn", "${LogQueue.Arn}"),  # QueueName is literal but region/account are not
        ("AnonQueueArn", "${AnonQueue.Arn}"),
        ("AnonQueueRef", "${AnonQueue}"),
        ("QueueUrl", "${LogQueue}"),
        # without a region the partition is not known either (it used to be taken for aws)
        ("Partition", "${AWS::Partition}"),
        ("UrlSuffix", "${AWS::URLSuffix}"),
        ("BucketArn", "arn:${AWS::Partition}:s3:::prod-trail-logs"),
        ("SubString", "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:audit-logs"),
        ("SubSymbolic", "arn:aws:s3:::${QueueNameParam}/*"),
        ("JoinSymbolic", "arn:aws:s3:::${QueueNameParam}"),
    ],
)
def test_symbolic_results_keep_their_expression(output: str, text: str) -> None:
    result = value(output)
    assert isinstance(result, Symbolic)
    assert result.text == text


def test_region_and_account_hints_make_references_literal() -> None:
    hints = {"region": "eu-west-1", "account_id": "111122223333"}
    assert value("QueueArn", **hints) == "arn:aws:sqs:eu-west-1:111122223333:audit-logs"
    assert value("QueueArnListForm", **hints) == "arn:aws:sqs:eu-west-1:111122223333:audit-logs"
    assert value("QueueUrl", **hints) == "https://sqs.eu-west-1.amazonaws.com/111122223333/audit-logs"
    assert value("SubString", **hints) == "arn:aws:sqs:eu-west-1:111122223333:audit-logs"
    assert value("FindInMap", **hints) == "eu-bucket"
    assert value("IfUndecided", **hints) == "a"  # InEurope and IsProd both hold in eu-west-1


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),  # China
        ("us-east-1", "aws", "amazonaws.com"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_the_region_gives_the_partition(region: str, partition: str, suffix: str) -> None:
    assert value("Partition", region=region) == partition
    assert value("UrlSuffix", region=region) == suffix
    assert value("BucketArn", region=region) == f"arn:{partition}:s3:::prod-trail-logs"


def test_partition_without_a_region_names_the_missing_region() -> None:
    result = value("Partition")
    assert isinstance(result, Symbolic)
    assert result.reason == PARTITION_UNKNOWN and "--region" in result.reason


def test_region_reason_tells_the_user_how_to_set_it() -> None:
    result = value("Region")
    assert isinstance(result, Symbolic)
    assert result.reason == REGION_UNKNOWN


@pytest.mark.parametrize(
    ("output", "reason_part"),
    [
        ("RefSsm", "SSM Parameter Store"),
        ("ImportValue", "Fn::ImportValue shared-queue-arn"),
        ("GetAZs", "availability zones"),
        ("DynamicReference", "dynamic reference"),
        ("FindInMap", "AWS::Region"),  # keyed by the region, and the regions disagree
        ("FindInMapMissing", "no entry [ap-south-1][Bucket]"),
        ("SelectPastEnd", "past the end"),
    ],
)
def test_unknown_results_say_why(output: str, reason_part: str) -> None:
    result = value(output)
    assert isinstance(result, Unknown) and not isinstance(result, Symbolic)
    assert reason_part in result.reason


def test_undecidable_if_is_unknown_and_warned_once_at_its_position() -> None:
    resolver = _resolver("intrinsics.yaml")
    node = _output(resolver, "IfUndecided")
    assert isinstance(node, UnknownNode)
    assert "EuropeAndProd" in node.unknown.reason
    _output(resolver, "IfUndecided")  # asking again does not warn again
    messages = [message for message, _ in resolver.warnings]
    assert len([m for m in messages if "EuropeAndProd" in m]) == 1
    offset = next(offset for message, offset in resolver.warnings if "EuropeAndProd" in message)
    source = read_source(FIXTURES / "intrinsics.yaml")
    line, _ = source.position(offset)
    assert "IfUndecided" in source.text.splitlines()[line - 1]


def test_unsupported_intrinsic_is_unknown_and_named_in_a_warning() -> None:
    resolver = _resolver("intrinsics.yaml")
    node = _output(resolver, "Unsupported")
    assert isinstance(node, UnknownNode)
    assert any("Fn::Frobnicate" in message for message, _ in resolver.warnings)


def test_results_keep_the_position_of_the_chosen_value() -> None:
    resolver = _resolver("intrinsics.yaml")
    node = _output(resolver, "IfTrue")
    source = read_source(FIXTURES / "intrinsics.yaml")
    line, col = source.position(node.offset)  # type: ignore[union-attr]
    assert source.text.splitlines()[line - 1][col - 1 :].startswith("chosen")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("Ref", "prod"),
        ("GetAtt", "arn:${AWS::Partition}:s3:::${Logs}"),
        ("Sub", "prod-${AWS::Partition}"),
        ("SubList", "prod-queue/prod"),
        ("Join", "a-b-c"),
        ("Select", "q"),
        ("If", "both"),
        ("IfOr", "either"),
        ("IfNot", "prod"),
        ("NoValue", {"A": "a"}),
    ],
)
def test_json_long_form(output: str, expected: Any) -> None:
    result = value(output, fixture="intrinsics.json")
    if isinstance(result, Symbolic):
        result = result.text
    assert result == expected


def test_json_import_value_is_unknown() -> None:
    result = value("ImportValue", fixture="intrinsics.json")
    assert isinstance(result, Unknown)
    assert "prod-queue" in result.reason
