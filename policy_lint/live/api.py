"""Call plumbing for the collector: a client per thread, pagination, and failures as values.

A call returns the response dict or a :class:`Failure`. An expected error (``NoSuchEntity``
for a user without a login profile) is a fact the caller interprets; any other error is
recorded in ``inventory.collection_errors`` and the caller stores ``failure.unknown()``, an
:class:`~policy_lint.inventory.model.Unknown` that names the IAM action that was refused, so
rules report *unknown* with the missing permission instead of guessing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from policy_lint.inventory.model import LIVE_SOURCE, Origin, Unknown
from policy_lint.live.deadline import Deadline, Stopped
from policy_lint.live.session import (
    CallStats,
    ReadOnlyViolation,
    client_config,
    describe_malformed,
    iam_action,
)

DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AllAccessDisabled",
    }
)
UNSUPPORTED_CODES = frozenset({"NotImplemented", "InvalidAction", "UnknownOperationException", "404"})
#: Codes of failures that are not AWS error responses.
NOT_COLLECTED = "NotCollected"  # the deadline passed (or Ctrl-C) before the answer
MALFORMED = "MalformedResponse"  # an answer botocore or the shape check could not read
REFUSED = "ReadOnlyViolation"  # botocore itself wanted a call off the allow-list (S3 Express CreateSession)


@dataclass(frozen=True)
class Failure:
    """A call that did not return a response: the IAM action, the error code and AWS's message."""

    action: str
    code: str
    message: str

    @property
    def reason(self) -> str:
        if self.code == NOT_COLLECTED:
            return f"{self.action} {self.message}"
        if self.code == MALFORMED:
            return f"malformed response from {self.action}: {self.message}"
        if self.code == REFUSED:
            return f"{self.action} needed a call the read-only guard refused: {self.message}"
        if self.code in DENIED_CODES:
            return f"{self.action} denied: {self.code}: {self.message}".rstrip(": ")
        if self.code in UNSUPPORTED_CODES:
            return f"{self.action} not supported by this endpoint: {self.code}: {self.message}".rstrip(": ")
        return f"{self.action} failed: {self.code}: {self.message}".rstrip(": ")

    def unknown(self) -> Unknown:
        return Unknown(self.reason)


Reply = dict[str, Any] | Failure
T = TypeVar("T")


def observed(arn: str, region: str | None = None) -> Origin:
    """The origin of a resource read from the account: it exists as described (not declared in
    code), and its values are literal text, with no ``${...}`` references to link."""
    return Origin(LIVE_SOURCE, arn, region=region, observed=True)


class ErrorLog:
    """``collection_errors`` filled from many threads: ``{"iam:GetLoginProfile user/alice": reason}``."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        #: calls the deadline (or Ctrl-C) left without an answer
        self.not_collected = 0
        self._lock = threading.Lock()

    def record(self, key: str, reason: str) -> None:
        with self._lock:
            self.errors[key] = reason

    def record_not_collected(self, action: str, reason: str) -> None:
        """One entry per action, not one per user or queue the deadline left out."""
        with self._lock:
            self.errors[action] = reason
            self.not_collected += 1


class Api:
    """Thread-safe access to AWS for the collector modules."""

    def __init__(
        self,
        session: Any,
        *,
        partition: str,
        home_region: str,
        account_id: str,
        errors: ErrorLog,
        endpoint_url: str | None = None,
        stats: CallStats | None = None,
        max_pool: int = 10,
        deadline: Deadline | None = None,
    ) -> None:
        self.session = session
        self.partition = partition
        self.home_region = home_region
        self.account_id = account_id
        self.errors = errors
        self.endpoint_url = endpoint_url
        self.stats = stats
        #: every call waits at most until this deadline, and stops at once when it is cancelled
        self.deadline = deadline or Deadline()
        self._config = client_config(max_pool, timeout=self.deadline.seconds)
        # A local endpoint (moto, a proxy) cannot serve s3control's "{AccountId}." host prefix.
        overridden = (
            endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL")
            or os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL")
        )
        self._strip_account_host = bool(overridden)
        self._local = threading.local()
        self._create_lock = threading.Lock()  # boto3 sessions are not safe for concurrent client creation

    def client(self, service: str, region: str | None = None) -> Any:
        """This thread's client for ``service`` in ``region`` (IAM and s3control: the home region)."""
        region = region or self.home_region
        cache: dict[tuple[str, str], Any] = self._local.__dict__.setdefault("clients", {})
        key = (service, region)
        if key not in cache:
            with self._create_lock:
                client = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                if service == "s3control" and self._strip_account_host:
                    client.meta.events.register("before-sign.s3-control", self._no_account_host)
                cache[key] = client
        return cache[key]

    def call(
        self,
        service: str,
        operation: str,
        *,
        region: str | None = None,
        about: str = "",
        expected: tuple[str, ...] = (),
        **params: Any,
    ) -> Reply:
        """Call ``operation`` (botocore name, e.g. ``GetLoginProfile``); errors come back as Failure."""
        client = self.client(service, region)
        method: Callable[..., dict[str, Any]] = getattr(client, _snake(operation))
        return self._guarded(service, operation, about, expected, lambda: method(**params))

    def paginate(
        self,
        service: str,
        operation: str,
        key: str,
        *,
        region: str | None = None,
        about: str = "",
        expected: tuple[str, ...] = (),
        **params: Any,
    ) -> list[Any] | Failure:
        """Every item under ``key`` across all pages, or the Failure of the first page that failed."""
        client = self.client(service, region)

        def run() -> dict[str, Any]:
            items: list[Any] = []
            for page in client.get_paginator(_snake(operation)).paginate(**params):
                items.extend(page.get(key, []))
            return {key: items}

        reply = self._guarded(service, operation, about, expected, run)
        return reply if isinstance(reply, Failure) else list(reply[key])

    def _guarded(
        self,
        service: str,
        operation: str,
        about: str,
        expected: tuple[str, ...],
        run: Callable[[], dict[str, Any]],
    ) -> Reply:
        from botocore.exceptions import BotoCoreError, ClientError

        from policy_lint.live.shapes import malformed_errors

        action = iam_action(service, operation)
        try:
            return self.deadline.run(run)
        except Stopped as exc:
            failure = Failure(action, NOT_COLLECTED, str(exc))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(
                error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            )
            failure = Failure(action, code, " ".join(str(error.get("Message", "")).split()))
        except BotoCoreError as exc:
            failure = Failure(action, type(exc).__name__, str(exc))
        except ReadOnlyViolation as exc:
            failure = Failure(action, REFUSED, str(exc))
        except malformed_errors() as exc:
            failure = Failure(action, MALFORMED, describe_malformed(exc))
        if failure.code == NOT_COLLECTED:
            self.errors.record_not_collected(action, failure.reason)
        elif failure.code not in expected:
            self.errors.record(f"{action} {about}".strip(), failure.reason)
        return failure

    def malformed(self, service: str, operation: str, about: str, problem: str) -> Failure:
        """A reply that passed botocore but lacks what the collector needs (a list entry without
        its name): recorded like a failed call."""
        action = iam_action(service, operation)
        failure = Failure(action, MALFORMED, problem)
        self.errors.record(f"{action} {about}".strip(), failure.reason)
        return failure

    def _no_account_host(self, request: Any, **_: Any) -> None:
        """s3control puts the account ID in front of the host; a local endpoint cannot serve that."""
        request.url = request.url.replace(f"://{self.account_id}.", "://", 1)


def _snake(operation: str) -> str:
    """``GetBucketLocation`` -> ``get_bucket_location`` (botocore's own conversion)."""
    from botocore import xform_name

    return str(xform_name(operation))


def iso(value: Any) -> str | None:
    """A botocore datetime (or None) as an ISO-8601 string, so the inventory holds plain data."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def run_all(
    pool: Executor, jobs: Sequence[Callable[[], T]], progress: Callable[[str], None], what: str
) -> list[T]:
    """Run ``jobs`` on the pool, keeping their order; report progress as they finish."""
    futures = [pool.submit(job) for job in jobs]
    results: list[T] = []
    for done, future in enumerate(futures, 1):
        results.append(future.result())
        if done % 25 == 0 or done == len(futures):
            progress(f"{what}: {done}/{len(futures)}")
    return results
