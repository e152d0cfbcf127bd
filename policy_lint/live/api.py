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

from policy_lint.inventory.model import Unknown
from policy_lint.live.session import CallStats, client_config, iam_action

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


@dataclass(frozen=True)
class Failure:
    """A call that did not return a response: the IAM action, the error code and AWS's message."""

    action: str
    code: str
    message: str

    @property
    def reason(self) -> str:
        if self.code in DENIED_CODES:
            return f"{self.action} denied: {self.code}: {self.message}".rstrip(": ")
        if self.code in UNSUPPORTED_CODES:
            return f"{self.action} not supported by this endpoint: {self.code}: {self.message}".rstrip(": ")
        return f"{self.action} failed: {self.code}: {self.message}".rstrip(": ")

    def unknown(self) -> Unknown:
        return Unknown(self.reason)


Reply = dict[str, Any] | Failure
T = TypeVar("T")


class ErrorLog:
    """``collection_errors`` filled from many threads: ``{"iam:GetLoginProfile user/alice": reason}``."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def record(self, key: str, reason: str) -> None:
        with self._lock:
            self.errors[key] = reason


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
    ) -> None:
        self.session = session
        self.partition = partition
        self.home_region = home_region
        self.account_id = account_id
        self.errors = errors
        self.endpoint_url = endpoint_url
        self.stats = stats
        self._config = client_config(max_pool)
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
        **params: Any,
    ) -> list[Any] | Failure:
        """Every item under ``key`` across all pages, or the Failure of the first page that failed."""
        client = self.client(service, region)

        def run() -> dict[str, Any]:
            items: list[Any] = []
            for page in client.get_paginator(_snake(operation)).paginate(**params):
                items.extend(page.get(key, []))
            return {key: items}

        reply = self._guarded(service, operation, about, (), run)
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

        action = iam_action(service, operation)
        try:
            return run()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(
                error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            )
            failure = Failure(action, code, " ".join(str(error.get("Message", "")).split()))
        except BotoCoreError as exc:
            failure = Failure(action, type(exc).__name__, str(exc))
        if failure.code not in expected:
            self.errors.record(f"{action} {about}".strip(), failure.reason)
        return failure

    def _no_account_host(self, request: Any, **_: Any) -> None:
        """s3control puts the account ID in front of the host; a local endpoint cannot serve that."""
        request.url = request.url.replace(f"://{self.account_id}.", "://", 1)

    # ---- ARNs ---------------------------------------------------------------------------------

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


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
