"""``verify --organization``: list an AWS Organization's accounts and collect each one read-only.

The accounts come from Organizations (``ListAccounts``, or ``ListAccountsForParent`` and
``ListChildren`` under the OUs asked for), read through a session whose guard allows only those
listing calls. Each member is then collected by the ordinary collector with ``role_arn`` set to
the member role: the role is assumed by botocore's credential fetcher on the separate credential
session (:func:`policy_lint.live.session.open_session`), so every member session carries the same
read-only guard as a single-account run and the collector never holds a session that may call
``sts:AssumeRole``.

Accounts are collected by a bounded pool (``--account-workers``), each with its own per-region
pool (``--workers``). An account that cannot be used (the role cannot be assumed, a throttled or
unreachable endpoint, the deadline) becomes an :class:`AccountOutcome` with the reason; the
others carry on. ``--shard K/N`` keeps the accounts whose stable hash falls in shard K.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from policy_lint.live.collector import Collection, CollectOptions, collect
from policy_lint.live.session import LiveError, describe_botocore_error, describe_client_error, open_session
from policy_lint.onboarding.config import OnboardingConfig

#: The calls that list the organization, allowed on the management (or delegated administrator)
#: session only; the member sessions keep the verifier's READ_OPERATIONS.
LISTING_OPERATIONS: Mapping[str, Mapping[str, str | None]] = {
    "sts": {"GetCallerIdentity": None},
    "organizations": {
        op: f"organizations:{op}" for op in ("ListAccounts", "ListAccountsForParent", "ListChildren")
    },
}

#: The role AWS Organizations creates in the accounts it creates (full admin: see docs/live.md for
#: the least-privilege role to create instead, ``policy-lint verify --member-role-template``).
DEFAULT_MEMBER_ROLE = "OrganizationAccountAccessRole"


#: The status of an account ``--accounts`` names that Organizations did not list.
NOT_LISTED = "NOT_LISTED"


@dataclass(frozen=True)
class Member:
    """One account of the organization as Organizations lists it."""

    account_id: str
    name: str
    status: str  # ACTIVE | SUSPENDED | PENDING_CLOSURE


@dataclass(frozen=True)
class OrganizationOptions:
    """Which accounts to verify, and how."""

    #: the role assumed in each member (a name; the ARN is built per account)
    member_role: str = DEFAULT_MEMBER_ROLE
    #: only these account IDs (empty: every listed account)
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    #: only the accounts under these OUs or roots, child OUs included
    ous: tuple[str, ...] = ()
    #: accounts collected at once
    account_workers: int = 4
    #: (K, N): verify shard K of N
    shard: tuple[int, int] = (1, 1)


@dataclass
class AccountOutcome:
    """One member's collection, or why there is none (its checks are then unknown)."""

    member: Member
    collection: Collection | None = None
    error: str | None = None
    #: an unexpected exception in the worker (a bug), re-raised in the caller's thread
    failure: BaseException | None = None


@dataclass(frozen=True)
class Caller:
    """Who lists the organization: the partition and account member ARNs are built in."""

    account_id: str
    partition: str


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N; raises ValueError with what is wrong."""
    k, sep, n = text.partition("/")
    if not sep or not k.isdigit() or not n.isdigit():
        raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/3")
    shard, count = int(k), int(n)
    if not 1 <= shard <= count:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N")
    return shard, count


def shard_of(account_id: str, count: int) -> int:
    """The shard (1..count) an account belongs to: SHA-256 of its ID, modulo count.

    Hashing rather than striding over the sorted list: an account keeps its shard when accounts
    are added to or closed in the organization, so two shards run minutes apart never both skip
    (or both take) an account because the list moved between them.
    """
    digest = hashlib.sha256(account_id.encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_members(members: Iterable[Member], options: OrganizationOptions) -> list[Member]:
    """The members to verify, sorted by account ID: ``--accounts``, minus ``--exclude-accounts``,
    then this shard's part."""
    wanted = set(options.accounts)
    excluded = set(options.exclude_accounts)
    shard, count = options.shard
    listed = {m.account_id: m for m in members}
    # an account asked for by --accounts that the listing lacks is reported, not dropped
    absent = [Member(a, "", NOT_LISTED) for a in sorted(wanted - set(listed))]
    chosen = [
        m
        for m in [*listed.values(), *absent]
        if (not wanted or m.account_id in wanted)
        and m.account_id not in excluded
        and shard_of(m.account_id, count) == shard
    ]
    return sorted(chosen, key=lambda m: m.account_id)


def list_members(session: Any, ous: Sequence[str], endpoint_url: str | None = None) -> list[Member]:
    """Every account of the organization, or of the OUs (and their child OUs) named; LiveError
    when Organizations refuses (the caller is not the management account or a delegated admin)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = session.client("organizations", endpoint_url=endpoint_url)
    try:
        if not ous:
            return list(_accounts(client.get_paginator("list_accounts").paginate()))
        members: list[Member] = []
        for parent in _ous_under(client, ous):
            pages = client.get_paginator("list_accounts_for_parent").paginate(ParentId=parent)
            members.extend(_accounts(pages))
        return members
    except ClientError as exc:
        raise LiveError(
            f"cannot list the organization's accounts: {describe_client_error(exc)} (run from the "
            "management account or a delegated administrator, with organizations:ListAccounts)"
        ) from None
    except BotoCoreError as exc:
        raise LiveError(describe_botocore_error(exc)) from None


def _accounts(pages: Iterable[Mapping[str, Any]]) -> Iterator[Member]:
    for page in pages:
        for account in page.get("Accounts") or []:
            account_id = str(account.get("Id") or "")
            if len(account_id) != 12 or not account_id.isdigit():
                raise LiveError(f"malformed response from Organizations: account ID {account_id[:40]!r}")
            yield Member(account_id, str(account.get("Name") or ""), str(account.get("Status") or ""))


def _ous_under(client: Any, ous: Sequence[str]) -> list[str]:
    """The OUs named and every OU below them (a root ID r-... is accepted as a parent too)."""
    seen: list[str] = []
    pending = list(dict.fromkeys(ous))
    while pending:
        parent = pending.pop(0)
        if parent in seen:
            continue
        seen.append(parent)
        pages = client.get_paginator("list_children").paginate(
            ParentId=parent, ChildType="ORGANIZATIONAL_UNIT"
        )
        pending.extend(str(c.get("Id")) for page in pages for c in page.get("Children") or [])
    return seen


def member_role_arn(caller: Caller, account_id: str, role: str) -> str:
    return f"arn:{caller.partition}:iam::{account_id}:role/{role}"


def open_listing_session(options: CollectOptions) -> tuple[Any, Caller]:
    """The management session (only the listing calls allowed) and who it is."""
    from policy_lint.live.collector import _identity

    regions = options.regions
    session = open_session(
        profile=options.profile,
        region=regions[0] if regions else None,
        endpoint_url=options.endpoint_url,
        static_credentials=options.static_credentials,
        timeout=options.timeout,
        allowed=LISTING_OPERATIONS,
    )
    region = regions[0] if regions else session.region_name or "us-east-1"
    _, account_id, partition = _identity(session, region, options.endpoint_url, options.timeout)
    return session, Caller(account_id, partition)


Collector = Callable[[OnboardingConfig | None, CollectOptions], Collection]


def collect_members(
    members: Sequence[Member],
    caller: Caller,
    config: OnboardingConfig | None,
    options: CollectOptions,
    org: OrganizationOptions,
    progress: Callable[[str], None] = lambda _: None,
    collector: Collector | None = None,
) -> Iterator[AccountOutcome]:
    """Collect each ACTIVE member through its member role, ``org.account_workers`` at a time,
    yielding each outcome as it finishes, so the caller can judge it and drop its inventory.

    Memory stays bounded by the pool, not by the organization: finished collections wait in a
    queue of ``account_workers`` places (a worker whose collection finds the queue full waits
    before taking the next account), and nothing here keeps a collection once it is yielded.
    """
    run = collector or (lambda cfg, opts: collect(cfg, opts))
    done: queue.Queue[AccountOutcome] = queue.Queue(maxsize=org.account_workers)
    stopping = threading.Event()

    def one(member: Member) -> None:
        role = member_role_arn(caller, member.account_id, org.member_role)
        try:
            outcome = AccountOutcome(member, collection=run(config, replace(options, role_arn=role)))
        except LiveError as exc:
            outcome = AccountOutcome(member, error=str(exc))
        except BaseException as exc:  # a bug: handed to the caller, which re-raises it
            outcome = AccountOutcome(member, failure=exc)
        while not stopping.is_set():
            try:
                done.put(outcome, timeout=0.5)
                return
            except queue.Full:
                continue

    pool = ThreadPoolExecutor(max_workers=org.account_workers, thread_name_prefix="account")
    try:
        submitted = 0
        for member in members:
            if member.status == NOT_LISTED:
                reason = "--accounts names it, but Organizations did not list it (not in the organization or not under --ous)"
                yield AccountOutcome(member, error=reason)
            elif member.status != "ACTIVE":
                yield AccountOutcome(member, error=f"the account is {member.status or 'not ACTIVE'}")
            else:
                pool.submit(one, member)
                submitted += 1
        for finished in range(1, submitted + 1):
            outcome = done.get()
            progress(f"accounts: {finished}/{submitted}")
            if outcome.failure is not None:
                raise outcome.failure
            yield outcome
            del outcome
    except BaseException:
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
