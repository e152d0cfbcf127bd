"""``verify --organization``: judge every member account and build one report.

Each account is judged by the same rules, suppressions and baseline as a single-account run, as
soon as its collection arrives (its inventory is then dropped, so memory grows with the results,
not with the accounts' inventories). An account that could not be collected gets one *unknown*
result per rule that would have run, naming why: unknown never passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult, Selection
    from policy_lint.core.findings import Finding
    from policy_lint.live.collector import CollectOptions
    from policy_lint.live.organization import Caller, Collector, Member, OrganizationOptions
    from policy_lint.onboarding.config import OnboardingConfig
    from policy_lint.project.settings import Settings


@dataclass
class OrganizationRun:
    """Everything the report needs from an organization run."""

    results: list[CheckResult] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    suppressed: list[dict[str, object]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    api_calls: int = 0
    not_collected: int = 0
    onboarding_rules: str | None = None


@dataclass(frozen=True)
class OrganizationJob:
    """What to verify in each account, and how to judge it (the same for every account)."""

    config: OnboardingConfig | None
    options: CollectOptions
    org: OrganizationOptions
    settings: Settings
    selection: Selection
    baseline: str | None = None


def verify_organization(job: OrganizationJob, progress: Callable[[str], None]) -> OrganizationRun:
    """List, select and collect the members, and judge each; LiveError when the organization
    itself cannot be listed."""
    from policy_lint.live import organization

    session, caller = organization.open_listing_session(job.options)
    progress("listing the organization's accounts")
    listed = organization.list_members(session, job.org.ous, job.options.endpoint_url)
    return judge_members(organization.select_members(listed, job.org), caller, job, progress)


def judge_members(
    members: Sequence[Member],
    caller: Caller,
    job: OrganizationJob,
    progress: Callable[[str], None] = lambda _: None,
    collector: Collector | None = None,
) -> OrganizationRun:
    """Collect and judge each member; an account that could not be collected is unknown."""
    from policy_lint.commands.judging import judge
    from policy_lint.live.organization import collect_members

    run = OrganizationRun()
    config, selection = job.config, job.selection
    outcomes = collect_members(members, caller, config, job.options, job.org, progress, collector)
    for outcome in outcomes:
        account_id = outcome.member.account_id
        entry: dict[str, Any] = {"name": outcome.member.name}
        if outcome.collection is None:
            entry["error"] = outcome.error
            run.results.extend(
                unverified_results(account_id, caller.partition, str(outcome.error), config, selection)
            )
        else:
            collection = outcome.collection
            verdict = judge(
                collection.inventory, job.settings, selection, baseline=job.baseline, write_baseline=None
            )
            run.results.extend(replace(r, account_id=account_id) for r in verdict.results)
            run.problems.extend(verdict.problems)
            run.suppressed.extend(verdict.suppressed)
            run.onboarding_rules = run.onboarding_rules or verdict.onboarding_rules
            run.api_calls += collection.stats.total_calls
            run.not_collected += collection.not_collected
            entry["regions"] = list(collection.regions)
            entry["api_calls"] = collection.stats.total_calls
            if collection.inventory.collection_errors:
                entry["collection_errors"] = collection.inventory.collection_errors
        run.accounts[account_id] = entry
    run.accounts = dict(sorted(run.accounts.items()))
    run.results.sort(key=lambda r: (r.account_id or "", *r.sort_key()))
    return run


def unverified_results(
    account_id: str,
    partition: str,
    reason: str,
    config: OnboardingConfig | None,
    selection: Selection,
) -> list[CheckResult]:
    """One unknown result per rule that would have judged the account, on its root ARN."""
    from policy_lint.checks.engine import CheckResult, applies, is_onboarding_rule
    from policy_lint.inventory.model import Inventory
    from policy_lint.rules.registry import Status
    from policy_lint.rules.ruleset import inventory_rules

    scope = Inventory(config=config)
    resource = f"arn:{partition}:iam::{account_id}:root"
    return [
        CheckResult(
            rule_id=rule.meta.id,
            rule_name=rule.meta.name,
            title=rule.meta.title,
            status=Status.UNKNOWN,
            level=rule.meta.level,
            resource=resource,
            message=f"account {account_id} was not verified: {reason}",
            account_id=account_id,
        )
        for rule in inventory_rules()
        if selection.wants(rule.meta)
        and applies(rule.meta, scope)
        and (config is not None or not is_onboarding_rule(rule.meta))
    ]
