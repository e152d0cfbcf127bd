"""Rule metadata and the registry every rule family registers into.

A rule is declared once, next to the code that implements it, with everything a
user needs to understand a finding: a stable ID, a level, why it matters and how
to fix it. ``docs/rules.md`` is generated from this registry, never written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from policy_lint.findings import Level

if TYPE_CHECKING:
    from policy_lint.findings import Location
    from policy_lint.inventory.model import Inventory
    from policy_lint.lint_context import LintContext
    from policy_lint.policy.model import PolicyDocument
    from policy_lint.syntax.nodes import Node


@dataclass(frozen=True)
class RuleMeta:
    """What a rule is, independent of how it is checked."""

    id: str
    name: str
    level: Level
    title: str
    rationale: str
    remediation: str
    family: str
    references: tuple[str, ...] = field(default=())


class Report(NamedTuple):
    """What a rule function yields: the offending node and a message; the engine adds the rest."""

    node: Node | None
    message: str
    hint: str | None = None


PolicyCheck = Callable[["PolicyDocument", "LintContext"], Iterable[Report]]


@dataclass(frozen=True)
class PolicyRule:
    """A rule that reads one policy document."""

    meta: RuleMeta
    check: PolicyCheck


class Status(str, Enum):
    """The verdict of a check on one resource. *unknown* is never a pass."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckMeta(RuleMeta):
    """A rule over the inventory: adds where it applies and which frameworks it maps to."""

    features: tuple[str, ...] = ()  # empty: applies whatever features are selected
    plans: tuple[str, ...] = ()  # empty: both plans
    frameworks: tuple[
        tuple[str, str], ...
    ] = ()  # (framework, control), e.g. ("CIS AWS Foundations v3.0.0", "3.5")
    profiles: tuple[str, ...] = ("onboarding",)  # onboarding | cis
    #: rule IDs (or ID prefixes) this rule cannot pass together with, e.g. a CIS control the guide contradicts
    conflicts_with: tuple[str, ...] = ()


class Result(NamedTuple):
    """What an inventory check yields per resource; the engine adds the rule's metadata."""

    status: Status
    resource: str
    message: str
    location: Location | None = None
    evidence: dict[str, Any] | None = None


InventoryCheck = Callable[["Inventory"], Iterable[Result]]


@dataclass(frozen=True)
class InventoryRule:
    """A rule that reads the whole inventory and judges each relevant resource."""

    meta: CheckMeta
    check: InventoryCheck


FAMILIES: dict[str, str] = {
    "PL0": "Syntax and file",
    "PL1": "Policy grammar",
    "PL2": "Actions",
    "PL3": "Conditions",
    "PL4": "Resources and ARNs",
    "PL5": "Template placeholders",
    "PL6": "Risky permissions",
    "OB0": "Onboarding configuration",
    "OB1": "Onboarding: IAM user and policies",
    "OB2": "Onboarding: CloudTrail and S3",
    "OB3": "Onboarding: SQS queue and notification",
    "CS1": "CSPM posture: identity",
    "CS2": "CSPM posture: logging and storage",
    "CS3": "CSPM posture: network and messaging",
    "PD1": "Reference diff",
    "IN0": "Inputs",
    "SP0": "Suppressions",
}
#: Policy-document rule IDs start with this; they are the rules ``lint`` runs.
POLICY_RULE_PREFIX = "PL"

_META: dict[str, RuleMeta] = {}
_POLICY_RULES: list[PolicyRule] = []
_INVENTORY_RULES: list[InventoryRule] = []


def declare(meta: RuleMeta) -> RuleMeta:
    """Register metadata for a rule reported outside a check function (e.g. by a parser)."""
    if meta.id in _META and _META[meta.id] != meta:
        raise ValueError(f"rule ID {meta.id} declared twice")
    _META[meta.id] = meta
    return meta


def policy_rule(
    id: str,
    name: str,
    level: Level,
    title: str,
    rationale: str,
    remediation: str,
    references: tuple[str, ...] = (),
) -> Callable[[PolicyCheck], PolicyCheck]:
    """Decorator that registers a policy-document rule with its metadata."""

    def register(func: PolicyCheck) -> PolicyCheck:
        meta = declare(
            RuleMeta(
                id=id,
                name=name,
                level=level,
                title=title,
                rationale=rationale,
                remediation=remediation,
                family=FAMILIES.get(id[:3], "Other"),
                references=references,
            )
        )
        _POLICY_RULES.append(PolicyRule(meta, func))
        return func

    return register


def inventory_rule(
    id: str,
    name: str,
    severity: Level,
    title: str,
    rationale: str,
    remediation: str,
    references: tuple[str, ...] = (),
    features: tuple[str, ...] = (),
    plans: tuple[str, ...] = (),
    frameworks: tuple[tuple[str, str], ...] = (),
    profiles: tuple[str, ...] = ("onboarding",),
    conflicts_with: tuple[str, ...] = (),
) -> Callable[[InventoryCheck], InventoryCheck]:
    """Decorator that registers an inventory rule (onboarding or posture) with its metadata."""

    def register(func: InventoryCheck) -> InventoryCheck:
        meta = CheckMeta(
            id=id,
            name=name,
            level=severity,
            title=title,
            rationale=rationale,
            remediation=remediation,
            family=FAMILIES.get(id[:3], "Other"),
            references=references,
            features=features,
            plans=plans,
            frameworks=frameworks,
            profiles=profiles,
            conflicts_with=conflicts_with,
        )
        declare(meta)
        _INVENTORY_RULES.append(InventoryRule(meta, func))
        return func

    return register


def _load_policy_rules() -> None:
    """Register the policy-document rules only: ``lint`` needs nothing else, and importing the
    inventory, onboarding and source modules would cost every lint run their start-up time."""
    import policy_lint.checks.policy  # noqa: F401


def _load_all() -> None:
    # Importing the check modules registers their rules.
    import policy_lint.checks.cspm
    import policy_lint.checks.onboarding
    import policy_lint.checks.policy
    import policy_lint.project.suppressions
    import policy_lint.sources.problems  # noqa: F401


def all_rules() -> list[RuleMeta]:
    _load_all()
    return sorted(_META.values(), key=lambda m: m.id)


def policy_rules() -> list[PolicyRule]:
    _load_policy_rules()
    return list(_POLICY_RULES)


def inventory_rules() -> list[InventoryRule]:
    _load_all()
    return sorted(_INVENTORY_RULES, key=lambda r: r.meta.id)


def is_known_prefix(prefix: str) -> bool:
    """Does at least one registered rule ID start with ``prefix`` (a full ID is its own prefix)?

    The policy rules are looked at first, so ``lint --select PL6`` stays as fast as before;
    only a prefix they do not know loads the inventory rules (still no boto3 or jinja2).
    """
    if not prefix:
        return False
    _load_policy_rules()
    import policy_lint.project.suppressions  # noqa: F401  (the SP rules)

    if any(rule_id.startswith(prefix) for rule_id in _META):
        return True
    _load_all()
    return any(rule_id.startswith(prefix) for rule_id in _META)


def rule_families() -> list[str]:
    """The three-character families that have rules, in the order of the rules reference."""
    present = {meta.id[:3] for meta in all_rules()}
    return [family for family in FAMILIES if family in present] + sorted(present - set(FAMILIES))


def unknown_prefix_message(prefix: str, where: str) -> str:
    """What a user reads for a rule ID or prefix that no rule has."""
    return f"unknown rule or prefix {prefix!r} in {where}; known families: {', '.join(rule_families())}"


def policy_rule_ids() -> list[str]:
    """The IDs ``lint`` can report (policy-document rules and the parser's PL0xx findings)."""
    _load_policy_rules()
    return sorted(rule_id for rule_id in _META if rule_id.startswith(POLICY_RULE_PREFIX))


def get_rule(rule_id: str) -> RuleMeta:
    if rule_id not in _META:
        _load_policy_rules()  # the common case (lint), without importing the inventory rules
    if rule_id not in _META:
        _load_all()
    return _META[rule_id]
