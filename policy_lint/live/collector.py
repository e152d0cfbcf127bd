"""Collect a live account into the inventory: identity first, then each service, concurrently.

Phases run one after another from the calling thread; inside a phase every region, user,
queue or bucket is a job on one thread pool (each thread has its own clients). A phase
never waits on the pool from inside the pool, so it cannot deadlock.

One :class:`~policy_lint.live.deadline.Deadline` bounds the whole run: past it, calls are not
made and calls in flight are abandoned, so what was not collected becomes *unknown*. Ctrl-C
cancels it, so the workers stop at once and the pool is shut down without waiting on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import LIVE_SOURCE, Inventory
from policy_lint.live import account, cloudtrail, ec2, iam_bulk, queue_age, regions, s3, sqs
from policy_lint.live.api import Api, ErrorLog
from policy_lint.live.deadline import Deadline, Stopped
from policy_lint.live.session import (
    CallStats,
    LiveError,
    client_config,
    describe_botocore_error,
    describe_client_error,
    describe_malformed,
    open_session,
)
from policy_lint.onboarding.config import OnboardingConfig

T = TypeVar("T")


#: The default overall deadline of a collection, in seconds (``verify --timeout``).
DEFAULT_TIMEOUT = 300.0

#: A principal ARN as GetCallerIdentity returns it: the partition and the account are read from it.
_CALLER_ARN = re.compile(r"arn:([a-z][a-z0-9-]*):(?:iam|sts)::(\d{12}):\S+")


@dataclass(frozen=True)
class CollectOptions:
    """Where and as whom to collect."""

    regions: tuple[str, ...] = ()
    profile: str | None = None
    role_arn: str | None = None
    #: for the demo and tests; otherwise botocore reads AWS_ENDPOINT_URL itself
    endpoint_url: str | None = None
    #: (key ID, secret) for the demo's local moto server only
    static_credentials: tuple[str, str] | None = None
    workers: int = 8
    #: seconds for the whole collection (None: no overall deadline)
    timeout: float | None = DEFAULT_TIMEOUT
    #: read IAM through GetAccountAuthorizationDetails (False: per call, to compare and benchmark)
    bulk_iam: bool = True


@dataclass
class Collection:
    """The inventory and what it cost."""

    inventory: Inventory
    account_id: str
    partition: str
    principal_arn: str
    regions: tuple[str, ...]
    stats: CallStats = field(default_factory=CallStats)
    #: calls the overall deadline left without an answer (their facts are unknown)
    not_collected: int = 0


def regions_to_collect(options: CollectOptions, config: OnboardingConfig | None) -> tuple[str, ...]:
    """``--regions`` wins; otherwise the config's asset, provisioning and audit-log regions."""
    if options.regions:
        return tuple(dict.fromkeys(options.regions))
    if config is None:
        return ()
    wanted = list(config.regions)
    if config.provisioning_region:
        wanted.append(config.provisioning_region)
    if config.audit_log is not None:
        wanted.append(config.audit_log.region)
    return tuple(dict.fromkeys(wanted))


def collect(
    config: OnboardingConfig | None,
    options: CollectOptions,
    progress: Callable[[str], None] = lambda _: None,
) -> Collection:
    """Read the account into an Inventory; raises LiveError when AWS cannot be used at all
    (including when the credentials or the caller's identity did not arrive before the deadline)."""
    deadline = Deadline(options.timeout)
    stats = CallStats()
    regions = regions_to_collect(options, config)
    session = _before_deadline(
        deadline,
        "fetching the credentials",
        partial(
            open_session,
            profile=options.profile,
            role_arn=options.role_arn,
            region=regions[0] if regions else None,
            endpoint_url=options.endpoint_url,
            static_credentials=options.static_credentials,
            stats=stats,
            timeout=options.timeout,
        ),
    )
    if not regions:
        if not session.region_name:
            raise LiveError(
                "no region to collect: pass --regions, set regions in the onboarding config, or set AWS_REGION"
            )
        regions = (session.region_name,)
    home = regions[0]
    principal, account_id, partition = _before_deadline(
        deadline,
        "asking sts:GetCallerIdentity",
        partial(_identity, session, home, options.endpoint_url, options.timeout),
    )
    for region in regions:
        if arn_builder.partition_of(region) != partition:
            raise LiveError(
                f"region {region} is not in partition {partition} of these credentials ({principal})"
            )
    errors = ErrorLog()
    api = Api(
        session,
        partition=partition,
        home_region=home,
        account_id=account_id,
        errors=errors,
        endpoint_url=options.endpoint_url,
        stats=stats,
        max_pool=options.workers + 2,
        deadline=deadline,
    )
    inventory = Inventory(config=config, sources=[*(["config"] if config else []), LIVE_SOURCE])
    pool = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="collect")
    try:
        _collect_services(api, config, inventory, list(regions), pool, progress, options.bulk_iam)
    except BaseException:
        # Ctrl-C (or a bug): wake the workers, drop queued jobs, and do not wait on any call in flight.
        deadline.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    inventory.collection_errors = dict(sorted(errors.errors.items()))
    return Collection(
        inventory, account_id, partition, principal, regions, stats, not_collected=errors.not_collected
    )


def _collect_services(
    api: Api,
    config: OnboardingConfig | None,
    inventory: Inventory,
    region_list: list[str],
    pool: ThreadPoolExecutor,
    progress: Callable[[str], None],
    bulk_iam: bool = True,
) -> None:
    account_future = pool.submit(account.collect_account, api)
    inventory.disabled_regions = regions.not_enabled(api, region_list)
    enabled = [r for r in region_list if r not in inventory.disabled_regions]
    every_region = not inventory.disabled_regions
    progress("CloudTrail")
    inventory.trails, trails_complete = cloudtrail.collect_trails(api, enabled, pool, progress)
    progress("SQS")
    inventory.queues, queues_complete = sqs.collect_queues(api, enabled, pool, progress)
    queue_age.read_oldest_ages(api, inventory.queues, pool, progress)
    progress("EC2 security groups")
    inventory.security_groups, groups_complete = ec2.collect_security_groups(api, enabled, pool, progress)
    progress("IAM")
    found = iam_bulk.collect_iam(api, pool, progress, bulk=bulk_iam)
    inventory.users, inventory.groups, inventory.policies = found.users, found.groups, found.policies
    inventory.roles = found.roles
    names = {t.bucket for t in inventory.trails if isinstance(t.bucket, str)}
    names |= sqs.source_buckets(inventory.queues)
    if config is not None and config.audit_log is not None and config.audit_log.bucket:
        names.add(config.audit_log.bucket)
    progress("S3")
    inventory.buckets = s3.collect_buckets(api, names, pool, progress)
    inventory.accounts = [account_future.result()]
    inventory.complete = {
        kind
        for kind, ok in (
            ("trails", trails_complete and every_region),
            ("queues", queues_complete and every_region),
            ("security_groups", groups_complete and every_region),
            ("users", found.users_failed is None),
            ("roles", found.roles_failed is None),
        )
        if ok
    }


def _before_deadline(deadline: Deadline, doing: str, step: Callable[[], T]) -> T:
    """A step nothing can be collected without: past the deadline, exit 2 (LiveError)."""
    try:
        return deadline.run(step)
    except Stopped:
        raise LiveError(
            f"AWS did not answer within the --timeout of {deadline.seconds:g} s while {doing}; "
            "nothing was collected (check the endpoint and the network, or raise --timeout)"
        ) from None


def _identity(
    session: object, region: str, endpoint_url: str | None, timeout: float | None
) -> tuple[str, str, str]:
    """(principal ARN, account ID, partition) from sts:GetCallerIdentity, or a LiveError."""
    from botocore.exceptions import BotoCoreError, ClientError

    from policy_lint.live.shapes import malformed_errors

    try:
        # Two attempts only: this first call is the probe that fails fast on a wrong endpoint.
        sts = session.client(  # type: ignore[attr-defined]
            "sts",
            region_name=region,
            endpoint_url=endpoint_url,
            config=client_config(2, max_attempts=2, timeout=timeout),
        )
        identity = sts.get_caller_identity()
    except ClientError as exc:
        raise LiveError(f"AWS rejected the credentials: {describe_client_error(exc)}") from None
    except BotoCoreError as exc:
        raise LiveError(describe_botocore_error(exc)) from None
    except malformed_errors() as exc:
        raise LiveError(f"malformed response from sts:GetCallerIdentity: {describe_malformed(exc)}") from None
    arn = str(identity.get("Arn") or "")
    match = _CALLER_ARN.fullmatch(arn)
    if match is None or identity.get("Account") != match.group(2):
        shown = arn if len(arn) <= 100 else arn[:100] + "..."
        raise LiveError(
            "malformed response from sts:GetCallerIdentity: "
            f"Arn {shown!r} is not an IAM or STS principal ARN of account {identity.get('Account')!r}"
        )
    return arn, match.group(2), match.group(1)
