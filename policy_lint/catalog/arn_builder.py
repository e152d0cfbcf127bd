"""The ARNs of the inventory's resources, and the partition of a region: built once, for every source.

Terraform (HCL and plan JSON), CloudFormation, live AWS and onboarding.yaml all build the ARN of
a resource here, so one resource gets one ARN whatever it was read from, and the partition is
decided in one place: from the region, through the partition catalog (AWS-PARTITION,
AWS-REGIONS). A region that is not known gives a partition that is not known, never a guessed
``aws``: ``arn:aws:`` and ``arn:aws-cn:`` are different resources (GUIDE-PARTITION).

Every part of an ARN is one of:

* a literal string (``eu-west-1``, ``123456789012``);
* symbolic text, a reference a source keeps as ``${...}`` because it cannot resolve it
  (``${aws_s3_bucket.b.id}``, ``${AWS::Partition}``): the ARN is then symbolic text too, which
  rules compare by equality with what other resources carry;
* :class:`~policy_lint.inventory.model.Unknown`, or ``None`` (not given): the ARN is Unknown,
  and its reason names the part that is missing.

So a builder returns a literal ARN, symbolic text, or an Unknown; :func:`is_literal` tells the
first from the second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from policy_lint.catalog import partitions
from policy_lint.core.unknown import Maybe, Unknown

#: A part of an ARN as a source has it: literal, symbolic ``${...}`` text, Unknown, or not given.
Part: TypeAlias = "str | Unknown | None"

#: Why the partition of a resource whose region is not known is not known either (the same words
#: for every source, so the same resource read from Terraform or CloudFormation says the same).
PARTITION_UNKNOWN = (
    "the region is not known, so neither is the partition (aws, aws-cn, aws-us-gov, ...); pass --region"
)

#: The kinds of IAM resource an ARN can name (``arn:<p>:iam::<account>:<kind><path><name>``).
IAM_KINDS = frozenset({"user", "group", "role", "policy"})

#: An AWS managed policy's ARN: the account is ``aws``. The partition may be a reference a source
#: could not resolve (``arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess`` in a stack whose
#: region is not known): the policy is the same whichever partition the ARN names.
_AWS_MANAGED_POLICY = re.compile(
    r"^arn:(?:aws[a-z-]*|\$\{[^}]*\}):iam::aws:policy(?P<path>/(?:[^/]+/)*)(?P<name>[^/]+)$"
)


def is_symbolic(text: str) -> bool:
    """Does the text hold a reference a source could not resolve (``${...}``)?"""
    return "${" in text


def is_literal(value: object) -> bool:
    """A string with no unresolved reference in it: the ARN (or part) is known."""
    return isinstance(value, str) and not is_symbolic(value)


def partition_of(region: Part) -> Maybe[str]:
    """The partition of a region (``cn-north-1`` -> ``aws-cn``), or Unknown saying why not.

    A region newer than the catalog that has a partition's naming pattern belongs to that
    partition (:func:`~policy_lint.catalog.partitions.partition_of_region`); a region that is
    not known (Unknown, symbolic, absent) or that no partition claims gives Unknown.
    """
    if not is_literal(region) or not region:
        return Unknown(PARTITION_UNKNOWN)
    assert isinstance(region, str)
    found = partitions.partition_of_region(region, by_pattern=True)
    if found is None:
        return Unknown(f"region {region} belongs to no known partition, so the partition is not known")
    return found


def dns_suffix(partition: Part) -> Maybe[str]:
    """The endpoint DNS suffix of a partition (``amazonaws.com.cn`` for ``aws-cn``)."""
    if isinstance(partition, Unknown):
        return partition
    if not is_literal(partition) or not partition:
        return Unknown(PARTITION_UNKNOWN)
    assert isinstance(partition, str)
    suffix = partitions.dns_suffix(partition)
    return suffix if suffix is not None else Unknown(f"partition {partition} is not known")


def _missing(what: str, value: Part) -> Unknown | None:
    """Why ``value``, one part of an ARN, makes it Unknown (None when the part is text)."""
    if isinstance(value, Unknown):
        return Unknown(f"the {what} is not known: {value.reason}")
    if value is None or value == "":
        return Unknown(f"the {what} is not known")
    return None


def arn(partition: Part, service: str, region: Part, account: Part, resource: Part) -> Maybe[str]:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``.

    ``region`` and ``account`` may be ``""`` for services whose ARNs carry none (S3 buckets,
    IAM); every other part must be given.
    """
    parts: list[tuple[str, Part, bool]] = [
        ("partition", partition, False),
        ("region", region, True),
        ("account", account, True),
        ("name", resource, False),
    ]
    for what, value, may_be_empty in parts:
        if may_be_empty and value == "":
            continue
        problem = _missing(what, value)
        if problem is not None:
            return problem
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def bucket_arn(partition: Part, name: Part) -> Maybe[str]:
    """``arn:<partition>:s3:::<name>``: bucket ARNs carry no region or account."""
    return arn(partition, "s3", "", "", name)


def queue_arn(partition: Part, region: Part, account: Part, name: Part) -> Maybe[str]:
    """``arn:<partition>:sqs:<region>:<account>:<name>``."""
    return arn(partition, "sqs", region, account, name)


def queue_url(partition: Part, region: Part, account: Part, name: Part) -> Maybe[str]:
    """``https://sqs.<region>.<dns suffix>/<account>/<name>``: what ``!Ref`` of a queue gives."""
    suffix = dns_suffix(partition)
    for what, value in (("partition", suffix), ("region", region), ("account", account), ("name", name)):
        problem = _missing(what, value)
        if problem is not None:
            return problem
    return f"https://sqs.{region}.{suffix}/{account}/{name}"


def iam_arn(partition: Part, account: Part, kind: str, name: Part, path: Part = "/") -> Maybe[str]:
    """``arn:<partition>:iam::<account>:<kind><path><name>`` (``kind``: user, group, role, policy).

    IAM paths start and end with ``/``; an absent path is ``/``.
    """
    if kind not in IAM_KINDS:
        raise ValueError(f"not an IAM resource kind: {kind!r}")
    path = "/" if path is None or path == "" else path
    problem = _missing("path", path)
    if problem is not None:
        return problem
    if isinstance(name, str) and name:
        return arn(partition, "iam", "", account, f"{kind}{path}{name}")
    return arn(partition, "iam", "", account, name)


def account_root_arn(partition: Part, account: Part) -> Maybe[str]:
    """``arn:<partition>:iam::<account>:root``: the account as a principal."""
    return arn(partition, "iam", "", account, "root")


def trail_arn(partition: Part, region: Part, account: Part, name: Part) -> Maybe[str]:
    """``arn:<partition>:cloudtrail:<home region>:<account>:trail/<name>``."""
    if isinstance(name, str) and name:
        return arn(partition, "cloudtrail", region, account, f"trail/{name}")
    return arn(partition, "cloudtrail", region, account, name)


def security_group_arn(partition: Part, region: Part, account: Part, group_id: Part) -> Maybe[str]:
    """``arn:<partition>:ec2:<region>:<account>:security-group/<id>``."""
    if isinstance(group_id, str) and group_id:
        return arn(partition, "ec2", region, account, f"security-group/{group_id}")
    return arn(partition, "ec2", region, account, group_id)


def literal_or(value: Maybe[str], fallback: str) -> str:
    """The ARN when it is literal, else ``fallback`` (the resource's own symbol, ``${q.Arn}``)."""
    return value if is_literal(value) and isinstance(value, str) else fallback


@dataclass(frozen=True)
class ManagedPolicyArn:
    """The path and name an AWS managed policy's ARN gives (``/job-function/``, ``ViewOnlyAccess``)."""

    path: str
    name: str


def aws_managed_policy(arn: str) -> ManagedPolicyArn | None:
    """The path and name of an AWS managed policy's ARN; None for any other text."""
    match = _AWS_MANAGED_POLICY.match(arn.strip())
    return ManagedPolicyArn(match.group("path"), match.group("name")) if match else None


def is_aws_managed_policy(arn: str) -> bool:
    """Is ``arn`` the ARN of an AWS managed policy (``arn:<partition>:iam::aws:policy/...``)?"""
    return aws_managed_policy(arn) is not None
