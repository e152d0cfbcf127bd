"""The one ARN builder and partition lookup (AWS-PARTITION, AWS-REGIONS): a region decides the
partition, a region that is not known leaves it unknown, and an ARN is literal only when every
part is."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.reference.managed import load_managed
from policy_lint.sources.cloudformation import loader as cloudformation
from policy_lint.sources.terraform import hcl as terraform_hcl


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("ap-southeast-99", "aws"),  # newer than the catalog, but with the aws naming pattern
    ],
)
def test_a_region_decides_the_partition(region: str, partition: str) -> None:
    assert arn_builder.partition_of(region) == partition


@pytest.mark.parametrize(
    "region", [None, "", "${var.region}", "${AWS::Region}", Unknown("provider aws has no literal region")]
)
def test_a_region_that_is_not_known_gives_an_unknown_partition_naming_the_region(region: object) -> None:
    partition = arn_builder.partition_of(region)  # type: ignore[arg-type]
    assert partition == Unknown(arn_builder.PARTITION_UNKNOWN)
    assert "region is not known" in partition.reason and "--region" in partition.reason


def test_a_region_no_partition_claims_is_not_taken_for_aws() -> None:
    partition = arn_builder.partition_of("moon-base-1")
    assert isinstance(partition, Unknown)
    assert "moon-base-1" in partition.reason


def test_dns_suffix_follows_the_partition() -> None:
    assert arn_builder.dns_suffix("aws") == "amazonaws.com"
    assert arn_builder.dns_suffix("aws-cn") == "amazonaws.com.cn"
    assert isinstance(arn_builder.dns_suffix(arn_builder.partition_of(None)), Unknown)


def test_literal_arns_of_every_resource_kind() -> None:
    account = "123456789012"
    assert arn_builder.bucket_arn("aws-cn", "logs") == "arn:aws-cn:s3:::logs"
    assert arn_builder.queue_arn("aws", "eu-west-1", account, "q") == f"arn:aws:sqs:eu-west-1:{account}:q"
    assert arn_builder.queue_url("aws-cn", "cn-north-1", account, "q") == (
        f"https://sqs.cn-north-1.amazonaws.com.cn/{account}/q"
    )
    assert arn_builder.iam_arn("aws", account, "user", "scanner") == f"arn:aws:iam::{account}:user/scanner"
    assert (
        arn_builder.iam_arn("aws", account, "policy", "p", "/team/")
        == f"arn:aws:iam::{account}:policy/team/p"
    )
    assert (
        arn_builder.iam_arn("aws-us-gov", account, "role", "r", None)
        == f"arn:aws-us-gov:iam::{account}:role/r"
    )
    assert arn_builder.account_root_arn("aws", account) == f"arn:aws:iam::{account}:root"
    assert (
        arn_builder.trail_arn("aws", "us-east-1", account, "t")
        == f"arn:aws:cloudtrail:us-east-1:{account}:trail/t"
    )
    assert arn_builder.security_group_arn("aws", "us-east-1", account, "sg-1") == (
        f"arn:aws:ec2:us-east-1:{account}:security-group/sg-1"
    )


def test_an_unknown_part_makes_the_arn_unknown_and_names_the_part() -> None:
    unknown_partition = arn_builder.partition_of(None)
    arn = arn_builder.queue_arn(unknown_partition, "eu-west-1", "123456789012", "q")
    assert isinstance(arn, Unknown)
    assert arn.reason == f"the partition is not known: {arn_builder.PARTITION_UNKNOWN}"
    missing_account = arn_builder.iam_arn("aws", None, "user", "scanner")
    assert missing_account == Unknown("the account is not known")
    unknown_path = arn_builder.iam_arn("aws", "123456789012", "user", "u", Unknown("var.path has no default"))
    assert unknown_path == Unknown("the path is not known: var.path has no default")


def test_symbolic_parts_give_symbolic_text_that_is_not_literal() -> None:
    arn = arn_builder.bucket_arn("${AWS::Partition}", "${LogBucket}")
    assert arn == "arn:${AWS::Partition}:s3:::${LogBucket}"
    assert not arn_builder.is_literal(arn)
    assert arn_builder.literal_or(arn, "${LogBucket.Arn}") == "${LogBucket.Arn}"
    assert arn_builder.literal_or("arn:aws:s3:::b", "${LogBucket.Arn}") == "arn:aws:s3:::b"


def test_only_iam_resource_kinds_build_iam_arns() -> None:
    with pytest.raises(ValueError, match="bucket"):
        arn_builder.iam_arn("aws", "123456789012", "bucket", "b")


@pytest.mark.parametrize(
    ("arn", "path", "name"),
    [
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", "/", "ReadOnlyAccess"),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "/", "ReadOnlyAccess"),
        ("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess", "/", "ReadOnlyAccess"),
        (
            "arn:${data.aws_partition.current.partition}:iam::aws:policy/IAMReadOnlyAccess",
            "/",
            "IAMReadOnlyAccess",
        ),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "/job-function/", "ViewOnlyAccess"),
    ],
)
def test_an_aws_managed_policy_arn_gives_its_path_and_name(arn: str, path: str, name: str) -> None:
    assert arn_builder.aws_managed_policy(arn) == arn_builder.ManagedPolicyArn(path, name)
    assert arn_builder.is_aws_managed_policy(arn)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/ReadOnlyAccess",  # a customer policy of the same name
        "arn:aws:iam::aws:policy/",  # no name
        "arn:aws:iam::aws:role/ReadOnlyAccess",
        "ReadOnlyAccess",
        "arn:aws:iam::aws:policy/a//b",
    ],
)
def test_other_text_is_not_an_aws_managed_policy_arn(arn: str) -> None:
    assert arn_builder.aws_managed_policy(arn) is None and not arn_builder.is_aws_managed_policy(arn)


MANAGED_ARN_CASES = [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "arn:aws:iam::aws:policy/",
    "arn:aws:iam::aws:policy/a//b",
    "arn:aws:iam::123456789012:policy/ReadOnlyAccess",
]


@pytest.mark.parametrize("arn", MANAGED_ARN_CASES)
def test_terraform_and_cloudformation_agree_on_what_is_an_aws_managed_policy(
    tmp_path: Path, arn: str
) -> None:
    # Both sources attach an AWS managed policy by ARN alone (its document comes from the bundled
    # snapshot) and anything else as a policy the inputs must declare: the same answer either way.
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "sas"\n}\n'
        'resource "aws_iam_user_policy_attachment" "a" {\n'
        f'  user       = aws_iam_user.u.name\n  policy_arn = "{arn}"\n}}\n'
    )
    (tmp_path / "stack.yaml").write_text(
        "Resources:\n  User:\n    Type: AWS::IAM::User\n    Properties:\n"
        f"      UserName: sas\n      ManagedPolicyArns:\n        - '{arn}'\n"
    )
    from_terraform, from_cloudformation = Inventory(), Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], from_terraform)
    cloudformation.load([tmp_path / "stack.yaml"], from_cloudformation)
    refs = [inventory.users[0].attached_policies for inventory in (from_terraform, from_cloudformation)]
    assert [len(r) for r in refs] == [1, 1]  # type: ignore[arg-type]
    managed = [r[0].document is None for r in refs]  # type: ignore[index]
    assert managed == [arn_builder.is_aws_managed_policy(arn)] * 2
    assert (load_managed(arn) is not None) <= managed[0]  # the snapshot holds only managed policies
