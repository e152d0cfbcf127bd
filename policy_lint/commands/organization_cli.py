"""The command-line side of ``verify --organization``: check its options, run it, write the report.

Kept apart from :mod:`policy_lint.commands.verify` so the single-account path reads as before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from policy_lint.commands.console import echo_err
from policy_lint.commands.options import split_ids

if TYPE_CHECKING:
    from policy_lint.commands.organization import OrganizationJob
    from policy_lint.live.organization import OrganizationOptions


def organization_options(params: Mapping[str, Any]) -> OrganizationOptions:
    """The options of an organization run, or a usage error (exit 2) naming the one that is wrong."""
    from policy_lint.live.organization import OrganizationOptions, parse_shard

    if params["demo"]:
        raise click.UsageError("--demo verifies one account: drop --organization")
    if params["role_arn"]:
        raise click.UsageError(
            "--organization assumes --member-role in each account: drop --role-arn (to list the "
            "organization as another role, use a profile with role_arn)"
        )
    if params["write_baseline"]:
        raise click.UsageError("--write-baseline records one account: drop --organization")
    wanted = split_ids(params["accounts"], upper=False)
    excluded = split_ids(params["exclude_accounts"], upper=False)
    member_role = str(params["member_role"])
    for account in (*wanted, *excluded):
        if len(account) != 12 or not account.isdigit():
            raise click.UsageError(f"{account!r} is not an AWS account ID (12 digits)")
    if not member_role.strip("/ "):
        raise click.UsageError("--member-role needs a role name")
    try:
        shard_k_n = parse_shard(str(params["shard"]))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return OrganizationOptions(
        member_role=member_role.strip("/"),
        accounts=wanted,
        exclude_accounts=excluded,
        ous=split_ids(params["ous"], upper=False),
        account_workers=int(params["account_workers"]),
        shard=shard_k_n,
    )


@dataclass(frozen=True)
class Output:
    """How ``verify`` writes its report and picks its exit status (its result options)."""

    fmt: str
    show_passed: bool
    color: bool | None
    timestamp: bool
    fail_on: str
    fail_on_unknown: bool
    #: ``--also``: more formats of the same report, each to its file
    also: tuple[tuple[str, str], ...] = ()


def run_organization(
    config_path: str | None,
    job: OrganizationJob,
    profile_set: str,
    progress: Callable[[str], None],
    out: Output,
) -> None:
    """Verify the organization, write the report, and exit with the run's status."""
    from policy_lint.commands.judging import emit, exit_status
    from policy_lint.commands.organization import verify_organization
    from policy_lint.live.session import LiveError

    try:
        run = verify_organization(job, progress)
    except LiveError as exc:
        progress("")
        echo_err(f"policy-lint: error: {exc}")
        sys.exit(2)
    progress("")
    shard, count = job.org.shard
    scope: dict[str, Any] = {
        "config": config_path,
        "sources": ["config", "live"] if job.config is not None else ["live"],
        "organization": {
            "member_role": job.org.member_role,
            "shard": f"{shard}/{count}",
            "accounts": run.accounts,
        },
        "profile_set": profile_set,
        "api_calls": run.api_calls,
        "settings": job.settings.source,
        "suppressed": run.suppressed,
        **({"onboarding_rules": run.onboarding_rules} if run.onboarding_rules else {}),
    }
    written = emit(
        "verify",
        out.fmt,
        run.results,
        run.problems,
        scope,
        show_passed=out.show_passed,
        color=out.color,
        timestamp=out.timestamp,
        also=out.also,
    )
    for account_id, entry in run.accounts.items():
        if entry.get("error"):
            echo_err(f"policy-lint: note: account {account_id} was not verified: {entry['error']}")
    if run.not_collected:
        echo_err(
            f"policy-lint: warning: the --timeout ran out in some accounts: {run.not_collected} calls got "
            "no answer, and the facts they would have given are unknown"
        )
    sys.exit(exit_status(run.results, run.problems, out.fail_on, out.fail_on_unknown) if written else 2)
