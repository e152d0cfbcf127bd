"""A complete, correct onboarding built by hand as an inventory, for the OB1-OB3 rule tests.

It mirrors the guide's manual plan (its manual plan, set up on moto): user with the managed
policies, the Agentless policy and the SQS read policy; trail -> bucket -> queue in one region.
Every attribute a rule blames has its own line, so tests can check where a result points.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any, TypeVar

from policy_lint.checks.engine import CheckResult, Selection, run_checks
from policy_lint.core.findings import Location
from policy_lint.inventory.model import (
    AccessKey,
    Bucket,
    EventSelectorSummary,
    IamPolicy,
    IamUser,
    Inventory,
    Origin,
    PolicyRef,
    Queue,
    QueueNotification,
    RegionScope,
    Trail,
)
from policy_lint.onboarding.config import AuditLogConfig, OnboardingConfig
from policy_lint.sources.cloudformation.stack import STACK_REGION
from policy_lint.sources.terraform.resources import provider_scope, root_scope

__all__ = ["AuditLogConfig"]
from policy_lint.reference.manifest import load_reference_set

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
USER = "aliyun-security-center-user"
BUCKET = "aws-cloudtrail-logs-sasc-demo"
QUEUE = "aliyun-sasc-log-queue"
TRAIL = "aliyun-sasc-audit-trail"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"
PATH = "main.tf"
R = TypeVar("R")

#: line numbers of the attributes, per resource (rules point at these)
LINES = {
    "aws_iam_user.sas": {
        "": 10,
        "has_login_profile": 11,
        "access_keys": 12,
        "attached_policies": 13,
        "inline_policies": 14,
    },
    "aws_iam_policy.agentless": {"": 20, "document": 21},
    "aws_cloudtrail.audit": {
        "": 30,
        "kms_key_id": 31,
        "events": 32,
        "logging": 33,
        "multi_region": 34,
        "bucket": 35,
    },
    "aws_s3_bucket.logs": {"": 40, "encryption": 41, "notifications": 42, "region": 43},
    "aws_sqs_queue.logs": {"": 50, "fifo": 51, "policy": 52, "kms_key_id": 53, "region": 54},
}


#: Terraform's root module of PATH, and its default provider: what the Terraform source records
SYMBOLS = root_scope(os.path.dirname(PATH))
PROVIDER = f"{SYMBOLS} provider.aws"


def origin(
    address: str,
    line: int,
    source: str = "terraform",
    path: str = PATH,
    region: str | None = None,
    region_scope: RegionScope | None = None,
) -> Origin:
    """Where the Terraform source says a resource is: ``path``'s folder is its root module."""
    symbols = root_scope(os.path.dirname(path))
    return Origin(source, address, path, line, 3, region, symbol_scope=symbols, region_scope=region_scope)


def cfn_origin(address: str, line: int, path: str = "stack.yaml") -> Origin:
    """Where the CloudFormation source says a resource is: one template is one stack, whose
    references and region its resources share."""
    template = f"template {path}"
    return Origin(
        "cloudformation",
        address,
        path,
        line,
        3,
        symbol_scope=template,
        region_scope=RegionScope(template, STACK_REGION),
    )


def _attrs(address: str, region_scope: RegionScope | None = None) -> dict[str, Origin]:
    return {k: origin(address, v, region_scope=region_scope) for k, v in LINES[address].items() if k}


def _located(address: str, region: object = None) -> dict[str, Any]:
    """The origin of a resource, and of its attributes, as the Terraform source records them."""
    scope = provider_scope(PROVIDER, region) if region is not None else None  # type: ignore[arg-type]
    line = LINES[address][""]
    return {"origin": origin(address, line, region_scope=scope), "attribute_origins": _attrs(address, scope)}


def _declared(
    kind: Callable[..., R], address: str, fields: dict[str, Any], changes: dict[str, Any], region: str = ""
) -> R:
    """A resource as the Terraform source declares it: ``fields`` with ``changes`` applied, its
    region scope the provider's (for the ``region`` field)."""
    values = {**fields, **changes}
    return kind(**_located(address, values[region] if region else None), **values)


def at(address: str, attribute: str = "") -> Location:
    return Location(PATH, LINES[address][attribute], 3)


def agentless_document() -> dict[str, Any]:
    data: dict[str, Any] = load_reference_set().get("agentless").data
    return copy.deepcopy(data)


def queue_policy(source_arn: str = f"arn:aws:s3:*:*:{BUCKET}", **extra_condition: Any) -> dict[str, Any]:
    condition: dict[str, Any] = {"ArnLike": {"aws:SourceArn": source_arn}}
    condition.update(extra_condition)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "__owner_statement",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "SQS:*",
                "Resource": QUEUE_ARN,
            },
            {
                "Sid": "example-statement-ID",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": ["SQS:SendMessage"],
                "Resource": QUEUE_ARN,
                "Condition": condition,
            },
        ],
    }


def sqs_read_policy(resource: str = QUEUE_ARN) -> PolicyRef:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"], "Resource": resource}
        ],
    }
    return PolicyRef("sasc-sqs-read", document=doc, inline=True)


def managed(name: str) -> PolicyRef:
    return PolicyRef(name, f"arn:aws:iam::aws:policy/{name}")


def config(**changes: Any) -> OnboardingConfig:
    """The guide's manual plan with all three features and the audit-log pipeline."""
    audit = AuditLogConfig(region=REGION, queue_name=QUEUE, bucket=BUCKET, trail=TRAIL)
    fields: dict[str, Any] = {
        "path": "onboarding.yaml",
        "plan": "manual",
        "features": ("host", "cspm", "agentless"),
        "provisioning_region": REGION,
        "regions": (REGION,),
        "iam_user": USER,
        "account_id": ACCOUNT,
        "audit_log": audit,
        "locations": {
            "plan": Location("onboarding.yaml", 2, 7),
            "iam_user": Location("onboarding.yaml", 8, 11),
            "audit_log": Location("onboarding.yaml", 11, 3),
            "audit_log.region": Location("onboarding.yaml", 12, 11),
            "audit_log.queue_name": Location("onboarding.yaml", 13, 15),
            "audit_log.bucket": Location("onboarding.yaml", 14, 11),
            "audit_log.trail": Location("onboarding.yaml", 15, 10),
        },
    }
    fields.update(changes)
    return OnboardingConfig(**fields)


def user(**changes: Any) -> IamUser:
    fields: dict[str, Any] = {
        "name": USER,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{USER}",
        "has_login_profile": False,
        "access_keys": [AccessKey("WXYZ", "Active")],
        "attached_policies": [
            managed("AmazonEC2ReadOnlyAccess"),
            managed("IAMReadOnlyAccess"),
            managed("ReadOnlyAccess"),
            PolicyRef("AliyunSASC-AgentlessScan-Policy", "${aws_iam_policy.agentless.arn}"),
        ],
        "inline_policies": [sqs_read_policy()],
    }
    return _declared(IamUser, "aws_iam_user.sas", fields, changes)


def agentless_policy(document: Any = None) -> IamPolicy:
    return IamPolicy(
        **_located("aws_iam_policy.agentless"),
        name="AliyunSASC-AgentlessScan-Policy",
        arn="${aws_iam_policy.agentless.arn}",
        document=agentless_document() if document is None else document,
    )


def trail(**changes: Any) -> Trail:
    fields: dict[str, Any] = {
        "name": TRAIL,
        "arn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL}",
        "home_region": REGION,
        "multi_region": True,
        "logging": True,
        "bucket": BUCKET,
        "s3_key_prefix": None,
        "kms_key_id": None,
        "include_global_events": True,
        "events": EventSelectorSummary(True, True),
    }
    return _declared(Trail, "aws_cloudtrail.audit", fields, changes, "home_region")


def bucket(**changes: Any) -> Bucket:
    fields: dict[str, Any] = {
        "name": BUCKET,
        "region": REGION,
        "notifications": [QueueNotification(QUEUE_ARN, ("s3:ObjectCreated:Put",))],
    }
    return _declared(Bucket, "aws_s3_bucket.logs", fields, changes, "region")


def queue(**changes: Any) -> Queue:
    fields: dict[str, Any] = {
        "name": QUEUE,
        "arn": QUEUE_ARN,
        "region": REGION,
        "fifo": False,
        "policy": queue_policy(),
        "kms_key_id": None,
        "sqs_managed_sse": True,
    }
    return _declared(Queue, "aws_sqs_queue.logs", fields, changes, "region")


def inventory(with_config: bool = True, **parts: Any) -> Inventory:
    """The correct onboarding; ``parts`` replaces whole lists (users=[...], queues=[...])."""
    lists: dict[str, Any] = {
        "users": [user()],
        "policies": [agentless_policy()],
        "trails": [trail()],
        "buckets": [bucket()],
        "queues": [queue()],
    }
    lists.update(parts)
    return Inventory(config=config() if with_config else None, sources=["terraform"], **lists)


def results(inv: Inventory, rule: str) -> list[CheckResult]:
    return run_checks(inv, Selection(select=(rule,)))


def verdicts(inv: Inventory, rule: str) -> list[tuple[str, str]]:
    """(status, resource) of every result of one rule."""
    return [(r.status.value, r.resource) for r in results(inv, rule)]


def only(inv: Inventory, rule: str) -> CheckResult:
    found = results(inv, rule)
    assert len(found) == 1, [(r.status.value, r.resource, r.message) for r in found]
    return found[0]
