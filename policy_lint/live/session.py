"""Read-only boto3 sessions: an allow-list of read operations enforced in a botocore hook.

The hook runs on ``before-parameter-build`` (the first event of every API call, before
parameters are validated or a request is built) and again on ``before-call``, so an
operation that is not on the list raises :class:`ReadOnlyViolation` without any HTTP
request. The same list, mapped to IAM actions, is the shipped least-privilege policy
``verifier-policy.json`` (a test keeps the two equal).

Credentials are fetched by a second botocore session that the verifier's code never holds:
botocore's credential providers (``role_arn`` profiles, SSO, web identity, ``--role-arn``)
build their STS and SSO clients from *that* session, whose guard allows exactly the calls
those providers make (:data:`CREDENTIAL_OPERATIONS`). The session handed to the collector
allows only :data:`READ_OPERATIONS`, so its code can never call ``sts:AssumeRole`` itself.
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
            # has an access key, to tell an active key from an inactive one (AWS-ROOT-KEY).
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
            "ListRoles",
            "GetRole",
            "ListAttachedRolePolicies",
            "ListRolePolicies",
            "GetRolePolicy",
            "GetPolicy",
            "GetPolicyVersion",
            # users, groups, roles, customer managed policies and their attachments in one
            # paginated call (AWS-IAM-BULK-DETAILS); refused, the calls above are used instead
            "GetAccountAuthorizationDetails",
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
    # which opt-in regions the account has enabled (AWS-OPT-IN-REGIONS)
    "account": {"ListRegions": "account:ListRegions"},
    # the age of the oldest message of a queue that holds messages (AWS-SQS-QUEUE-AGE)
    "cloudwatch": {"GetMetricData": "cloudwatch:GetMetricData"},
}

#: Every call botocore's own credential providers make (botocore/credentials.py and tokens.py):
#: a ``role_arn`` profile or ``--role-arn`` (AssumeRole), web identity (AssumeRoleWithWebIdentity),
#: an SSO profile (GetRoleCredentials, with the cached token refreshed by CreateToken) and an
#: ``aws login`` profile (CreateOAuth2Token). Allowed only on the credential session.
CREDENTIAL_OPERATIONS: Mapping[str, Mapping[str, str | None]] = {
    "sts": {"AssumeRole": "sts:AssumeRole", "AssumeRoleWithWebIdentity": "sts:AssumeRoleWithWebIdentity"},
    # authorised by the SSO access token, not by an IAM policy
    "sso": {"GetRoleCredentials": None},
    "sso-oidc": {"CreateToken": None},
    "signin": {"CreateOAuth2Token": None},
}

#: The session name of ``--role-arn``, visible in CloudTrail as the assumed-role session.
ROLE_SESSION_NAME = "policy-lint-verify"

#: Seconds to wait for a connection, and for each read from it (botocore's defaults are 60 and 60).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0

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
    """Make ``session`` (a boto3 or botocore Session) refuse every operation not in ``allowed``.

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

    events = _events(session)
    events.register_first("before-parameter-build", refuse_writes, unique_id=GUARD_ID)
    events.register_first("before-call", refuse_writes, unique_id=GUARD_ID + "-call")
    events.register("before-call", count_call, unique_id=GUARD_ID + "-count")
    # first: an in-process mock (moto) answers on before-send and would hide later handlers
    events.register_first("before-send", count_attempt, unique_id=GUARD_ID + "-send")


def _events(session: Any) -> Any:
    """The event emitter of a boto3 Session (``.events``) or of a botocore Session."""
    events = getattr(session, "events", None)
    return events if events is not None else session.get_component("event_emitter")


class LiveError(Exception):
    """AWS cannot be reached or refuses the credentials: a one-line message, exit code 2.

    Messages are built from error codes and botocore's own text, which never contain a
    secret access key.
    """


def client_config(max_pool: int = 10, max_attempts: int = 8, timeout: float | None = None) -> Any:
    """botocore Config shared by every client: adaptive retries (throttling backs off), a pool
    large enough for the collector's threads, and socket timeouts no longer than ``timeout``
    (the run's overall deadline: no single wait may outlast the whole run)."""
    from botocore.config import Config

    cap = timeout if timeout is not None else float("inf")
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        max_pool_connections=max_pool,
        connect_timeout=min(CONNECT_TIMEOUT, cap),
        read_timeout=min(READ_TIMEOUT, cap),
    )


def open_session(
    *,
    profile: str | None = None,
    role_arn: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    static_credentials: tuple[str, str] | None = None,
    stats: CallStats | None = None,
    timeout: float | None = None,
    allowed: Mapping[str, Mapping[str, str | None]] = READ_OPERATIONS,
) -> Any:
    """A guarded boto3 Session from the standard credential chain, a profile, or an assumed role.

    ``static_credentials`` (key ID, secret) is only for the demo's local moto server.
    ``endpoint_url`` is used for the AssumeRole call; the collector passes it to its clients too
    (``AWS_ENDPOINT_URL`` in the environment is honoured by botocore itself). ``timeout`` caps
    the socket timeouts. With ``role_arn`` the role is assumed here, so that a refusal is told
    apart from unusable credentials. ``allowed`` is the session's allow-list (the organization
    listing has its own, :data:`policy_lint.live.organization.LISTING_OPERATIONS`).
    """
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    from policy_lint.live.shapes import malformed_errors

    try:
        credentials = _credential_session(profile, stats, timeout)
        verifier = _botocore_session(profile, allowed, stats, timeout)
        if static_credentials is not None:
            source: Any = _Fixed(_static(*static_credentials))
        else:
            # The verifier's credentials come from a resolver bound to the credential session:
            # every client botocore builds to fetch them carries that session's guard, not ours.
            source = _resolver(credentials, region)
        if role_arn is not None:
            source = _Fixed(_assumed_role(credentials, source, role_arn, region, endpoint_url))
        verifier.register_component("credential_provider", source)
        session = boto3.Session(botocore_session=verifier, region_name=region)
        if role_arn is not None:
            session.get_credentials().get_frozen_credentials()  # AssumeRole, now
    except ProfileNotFound as exc:
        raise LiveError(f"AWS profile not found: {exc}") from None
    except ClientError as exc:
        raise LiveError(f"cannot assume role {role_arn}: {describe_client_error(exc)}") from None
    except BotoCoreError as exc:
        raise LiveError(describe_botocore_error(exc)) from None
    except malformed_errors() as exc:
        raise LiveError(
            f"malformed response from AWS while fetching credentials: {describe_malformed(exc)}"
        ) from None
    return session


def _botocore_session(
    profile: str | None,
    allowed: Mapping[str, Mapping[str, str | None]],
    stats: CallStats | None,
    timeout: float | None,
) -> Any:
    """A botocore session for ``profile`` with its guard and default timeouts installed."""
    import botocore.session

    from policy_lint.live.shapes import install_shape_check

    session = botocore.session.Session(profile=profile)
    session.get_scoped_config()  # raises ProfileNotFound now, not inside the first call
    session.set_default_client_config(client_config(timeout=timeout))
    install_guard(session, allowed, stats)
    install_shape_check(_events(session))
    return session


def _credential_session(profile: str | None, stats: CallStats | None, timeout: float | None) -> Any:
    """The session botocore's credential providers build their clients from (never handed out)."""
    return _botocore_session(profile, CREDENTIAL_OPERATIONS, stats, timeout)


def _resolver(credential_session: Any, region: str | None) -> Any:
    """botocore's standard credential chain, bound to the credential session."""
    from botocore.credentials import create_credential_resolver

    return create_credential_resolver(credential_session, region_name=region)


class _Fixed:
    """A credential resolver that hands out credentials already built (static or assumed)."""

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def load_credentials(self) -> Any:
        return self._credentials


def _static(key_id: str, secret: str) -> Any:
    from botocore.credentials import Credentials

    return Credentials(key_id, secret, method="explicit")


def _assumed_role(
    credential_session: Any, source: Any, role_arn: str, region: str | None, endpoint_url: str | None
) -> Any:
    """Credentials of ``role_arn``, assumed (and renewed before they expire, one hour) by botocore's
    own fetcher through the credential session."""
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
    from botocore.exceptions import NoCredentialsError

    base = source.load_credentials()
    if base is None:
        raise NoCredentialsError()

    def sts_client(service: str, **kwargs: Any) -> Any:
        return credential_session.create_client(
            service, region_name=region, endpoint_url=endpoint_url, **kwargs
        )

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=sts_client,
        source_credentials=base,
        role_arn=role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME, "DurationSeconds": 3600},
    )
    return DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method="assume-role")


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


def describe_malformed(exc: BaseException) -> str:
    """What was wrong with an answer, in one bounded line (the answer is untrusted text)."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:200] + "..."
    return text if type(exc).__name__ == "MalformedResponse" else f"{type(exc).__name__}: {text}"
