"""Select inventory rules, run each once, and turn their verdicts into located results.

A rule applies when the onboarding configuration selects one of its features and
plans (no configuration: every rule applies), its profile is in the chosen
profile set, and ``--select``/``--ignore`` keep it. The onboarding rules run only
when the inputs hold an onboarding (decided once per run,
:mod:`policy_lint.checks.onboarding.scope`). Rules never ask which source built
the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policy_lint.checks.onboarding.scope import not_applied, onboarding_scope
from policy_lint.core.findings import Level, Location
from policy_lint.inventory.model import Inventory
from policy_lint.inventory.names import readable
from policy_lint.inventory.per_run import one_run
from policy_lint.rules.registry import CheckMeta, InventoryRule, Status
from policy_lint.rules.ruleset import inventory_rules

ONBOARDING = "onboarding"
PROFILE_SETS = {"onboarding": (ONBOARDING,), "cis": ("cis",), "all": (ONBOARDING, "cis")}


@dataclass(frozen=True)
class Selection:
    """Which rules to run."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    profile_set: str = "onboarding"

    def wants(self, meta: CheckMeta) -> bool:
        if meta.profiles and not set(meta.profiles) & set(PROFILE_SETS[self.profile_set]):
            return False
        return self.wants_id(meta.id)

    def wants_id(self, rule_id: str) -> bool:
        """``--select``/``--ignore`` alone (for findings that are no inventory rule, e.g. SP00x)."""
        if self.select and not any(rule_id.startswith(p) for p in self.select):
            return False
        return not any(rule_id.startswith(p) for p in self.ignore)

    def runs_nothing(self) -> bool:
        """A ``select`` that keeps no inventory rule of the profile set (``--select PL6``, or CS rules
        with the onboarding profiles): the command would check nothing and pass."""
        return bool(self.select) and not any(self.wants(rule.meta) for rule in inventory_rules())


@dataclass(frozen=True)
class CheckResult:
    """One verdict of one rule on one resource, with everything a reporter needs."""

    rule_id: str
    rule_name: str
    title: str
    status: Status
    level: Level
    resource: str
    message: str
    location: Location | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: the AWS account a live result is about (``verify``); None for files (``check``)
    account_id: str | None = None

    def sort_key(self) -> tuple[str, str, str, int, str]:
        loc = self.location
        return (self.rule_id, self.resource, loc.path if loc else "", loc.line if loc else 0, self.message)


def applies(meta: CheckMeta, inventory: Inventory) -> bool:
    """Does the onboarding configuration ask for what this rule checks?"""
    config = inventory.config
    if config is None:
        return True
    if meta.plans and config.plan not in meta.plans:
        return False
    return not meta.features or bool(set(meta.features) & set(config.features))


class DuplicateVerdict(AssertionError):
    """A rule gave two results for one resource: a bug in a rule or a source, never input.

    Why it is raised, not merged or dropped: one (rule, resource) pair is what a baseline, a
    suppression, a SARIF fingerprint and a JUnit test case stand for. Two results with one name
    (two Terraform roots with the same addresses, two templates with the same logical IDs) mean the
    report cannot say which resource a verdict is about, and keeping either would hide the other.
    Sources qualify addresses so this cannot happen (:mod:`policy_lint.sources.configurations`);
    if it does, the run stops as an internal error (exit 2, never a pass) and the tests catch it.
    """


def is_onboarding_rule(meta: CheckMeta) -> bool:
    """An OB rule: it judges the onboarding, so it runs only when the inputs hold one."""
    return ONBOARDING in meta.profiles


def run_checks(inventory: Inventory, selection: Selection | None = None) -> list[CheckResult]:
    """Run every applicable rule once over the inventory; results are sorted for stable output.

    Raises DuplicateVerdict when a rule reports one resource twice."""
    chosen = selection or Selection()
    results: list[CheckResult] = []
    in_scope: bool | None = None  # decided once, when the first OB rule is met
    with one_run():
        for rule in inventory_rules():
            if not chosen.wants(rule.meta) or not applies(rule.meta, inventory):
                continue
            if is_onboarding_rule(rule.meta):
                if in_scope is None:
                    in_scope = onboarding_scope(inventory).applies
                if not in_scope:
                    continue
            results.extend(_run_rule(rule, inventory))
    ensure_unique(results)
    return sorted(results, key=CheckResult.sort_key)


def ensure_unique(results: list[CheckResult]) -> None:
    """The invariant of a report: at most one result per (rule, resource)."""
    seen: set[tuple[str, str]] = set()
    for result in results:
        key = (result.rule_id, result.resource)
        if key in seen:
            raise DuplicateVerdict(f"{result.rule_id} reported {result.resource} twice")
        seen.add(key)


def onboarding_not_applied(inventory: Inventory, selection: Selection | None = None) -> str | None:
    """For the run's summary: ``not applied: <why>`` when the selection asked for OB rules and the
    inputs hold no onboarding; None when they ran or none was asked for."""
    chosen = selection or Selection()
    if not any(is_onboarding_rule(r.meta) and chosen.wants(r.meta) for r in inventory_rules()):
        return None
    return not_applied(inventory)


def _run_rule(rule: InventoryRule, inventory: Inventory) -> list[CheckResult]:
    meta = rule.meta
    return [
        CheckResult(
            rule_id=meta.id,
            rule_name=meta.name,
            title=meta.title,
            status=result.status,
            level=meta.level,
            resource=result.resource,
            # one place for every rule: a reference left in a message reads as what it names
            message=readable(result.message),
            location=result.location,
            evidence=dict(result.evidence or {}),
        )
        for result in rule.check(inventory)
    ]
