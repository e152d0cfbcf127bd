"""Read-only boto3 sessions: an allow-list of read operations enforced in a botocore hook.

The hook runs on ``before-parameter-build`` (the first event of every API call, before
parameters are validated or a request is built) and again on ``before-call``, so an
operation that is not on the list raises :class:`ReadOnlyViolation` without any HTTP
request. The same list, mapped to IAM actions, is the shipped least-privilege policy
``verifier-policy.json`` (a test keeps the two equal).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every operation the collector may call, by botocore service name, mapped to the IAM action
#: that authorises it (None: needs no permission). Named one by one: no Get*/List* patterns.
READ_OPERATIONS: Mapping[str, Mapping[str, str | None]] = {
    # GetCallerIdentity needs no permission and cannot be denied by an IAM policy.
    "sts": {"GetCallerIdentity": None},
    "iam": {
        op: f"iam:{op}"
        for op in (
            "GetAccountSummary",
            "GetAccountPasswordPolicy",
            # IAM classifies it as Read, and AWS's IAMReadOnlyAccess grants it: it (re)builds the
            # credential report and changes no configuration. Called only when the root user
            # has an access key, to tell an active key from an inactive one (FACTS R5).
            "GenerateCredentialReport",
            "GetCredentialReport",
            "ListUsers",
            "GetUser",
            "GetLoginProfile",
            "ListAccessKeys",
            "GetAccessKeyLastUsed",
            "ListMFADevices",
            "ListAttachedUserPolicies",
            "ListUserPolicies",
            "GetUserPolicy",
            "ListGroupsForUser",
            "ListAttachedGroupPolicies",
            "ListGroupPolicies",
            "GetGroupPolicy",
            "GetPolicy",
            "GetPolicyVersion",
        )
    },
    "cloudtrail": {
        op: f"cloudtrail:{op}" for op in ("DescribeTrails", "GetTrailStatus", "GetEventSelectors")
    },
    "s3": {
        "GetBucketLocation": "s3:GetBucketLocation",
        "GetBucketEncryption": "s3:GetEncryptionConfiguration",
        "GetBucketNotificationConfiguration": "s3:GetBucketNotification",
        "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
        "GetBucketPolicy": "s3:GetBucketPolicy",
        # botocore's S3 region redirector calls HeadBucket to find a bucket's region.
        "HeadBucket": "s3:ListBucket",
    },
    "s3control": {"GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock"},
    "sqs": {"ListQueues": "sqs:ListQueues", "GetQueueAttributes": "sqs:GetQueueAttributes"},
    "ec2": {"DescribeSecurityGroups": "ec2:DescribeSecurityGroups"},
}

#: The base session of ``--role-arn`` may also assume the verifier role (a credential exchange:
#: it changes nothing in the account). Its clients never see the inventory operations.
ASSUME_ROLE_OPERATIONS: Mapping[str, Mapping[str, str | None]] = {
    "sts": {"GetCallerIdentity": None, "AssumeRole": "sts:AssumeRole"}
}

GUARD_ID = "policy-lint-read-only-guard"


class ReadOnlyViolation(RuntimeError):
    """An operation outside the allow-list was attempted; no request was sent."""


def iam_actions(operations: Mapping[str, Mapping[str, str | None]] = READ_OPERATIONS) -> list[str]:
    """The IAM actions the operations need, sorted (what ``verifier-policy.json`` must grant)."""
    return sorted({a for ops in operations.values() for a in ops.values() if a is not None})


def iam_action(service: str, operation: str) -> str:
    """The IAM action of an allowed operation, for messages (``s3:GetEncryptionConfiguration``)."""
    return READ_OPERATIONS.get(service, {}).get(operation) or f"{service}:{operation}"


@dataclass
class CallStats:
    """API calls (one per operation invoked) and HTTP attempts (retries included), thread-safe."""

    calls: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_call(self, name: str) -> None:
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    def count_attempt(self) -> None:
        with self._lock:
            self.attempts += 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


def install_guard(
    session: Any,
    allowed: Mapping[str, Mapping[str, str | None]] = READ_OPERATIONS,
    stats: CallStats | None = None,
) -> None:
    """Make ``session`` (a boto3 Session) refuse every operation not in ``allowed``.

    Install it before creating clients: a client copies the session's hooks when it is built.
    """

    def refuse_writes(model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if model.name not in allowed.get(service, {}):
            raise ReadOnlyViolation(
                f"policy-lint verify is read-only: {service}:{model.name} is not on its allow-list "
                "of read operations, so it was refused before any request was sent"
            )

    def count_call(model: Any, **_: Any) -> None:
        if stats is not None:
            stats.count_call(f"{model.service_model.service_name}:{model.name}")

    def count_attempt(**_: Any) -> None:
        if stats is not None:
            stats.count_attempt()

    events = session.events
    events.register_first("before-parameter-build", refuse_writes, unique_id=GUARD_ID)
    events.register_first("before-call", refuse_writes, unique_id=GUARD_ID + "-call")
    events.register("before-call", count_call, unique_id=GUARD_ID + "-count")
    # first: an in-process mock (moto) answers on before-send and would hide later handlers
    events.register_first("before-send", count_attempt, unique_id=GUARD_ID + "-send")


class LiveError(Exception):
    """AWS cannot be reached or refuses the credentials: a one-line message, exit code 2.

    Messages are built from error codes and botocore's own text, which never contain a
    secret access key.
    """


def client_config(max_pool: int = 10, max_attempts: int = 8) -> Any:
    """botocore Config shared by every client: adaptive retries (throttling backs off) and a pool
    large enough for the collector's threads."""
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        max_pool_connections=max_pool,
        connect_timeout=10,
        read_timeout=30,
    )


def open_session(
    *,
    profile: str | None = None,
    role_arn: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    static_credentials: tuple[str, str] | None = None,
    stats: CallStats | None = None,
) -> Any:
    """A guarded boto3 Session from the standard credential chain, a profile, or an assumed role.

    ``static_credentials`` (key ID, secret) is only for the demo's local moto server.
    ``endpoint_url`` is used for the AssumeRole call; the collector passes it to its clients too
    (``AWS_ENDPOINT_URL`` in the environment is honoured by botocore itself).
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        if static_credentials is not None:
            key_id, secret = static_credentials
            base = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=region)
        else:
            base = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise LiveError(f"AWS profile not found: {exc}") from None
    if role_arn is None:
        install_guard(base, READ_OPERATIONS, stats)
        return base
    install_guard(base, ASSUME_ROLE_OPERATIONS, stats)
    sts = base.client("sts", region_name=region or base.region_name, endpoint_url=endpoint_url)
    try:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="policy-lint-verify", DurationSeconds=3600)[
            "Credentials"
        ]
    except ClientError as exc:
        raise LiveError(f"cannot assume role {role_arn}: {describe_client_error(exc)}") from None
    except BotoCoreError as exc:
        raise LiveError(describe_botocore_error(exc)) from None
    assumed = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region or base.region_name,
    )
    install_guard(assumed, READ_OPERATIONS, stats)
    return assumed


def describe_client_error(exc: Any) -> str:
    """``Code: Message`` of an AWS error response (a botocore ClientError)."""
    error = exc.response.get("Error", {})
    return f"{error.get('Code', '?')}: {error.get('Message', '')}"


def describe_botocore_error(exc: Exception) -> str:
    """A user-facing sentence for a botocore failure that is not an AWS error response."""
    from botocore.exceptions import (
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or sign in with 'aws sso login'"
        )
    if isinstance(exc, PartialCredentialsError):
        return f"incomplete AWS credentials: {exc}"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach the AWS endpoint: {exc} (check the network, the region and AWS_ENDPOINT_URL)"
    if isinstance(exc, NoRegionError):
        return "no region: pass --regions, set regions in the onboarding config, or set AWS_REGION"
    return f"{type(exc).__name__}: {exc}"
