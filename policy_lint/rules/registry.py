"""Rule metadata, and the types a rule set is made of.

A rule is declared once, next to the code that implements it, with everything a
user needs to understand a finding: a stable ID, a level, why it matters and how
to fix it. Each rule module keeps its rules in a :class:`RuleGroup`;
:mod:`policy_lint.rules.ruleset` lists the modules and builds the :class:`RuleSet` that
``docs/rules.md`` is generated from. This module imports no rule module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from policy_lint.core.findings import Level

if TYPE_CHECKING:
    from policy_lint.core.findings import Location
    from policy_lint.inventory.model import Inventory
    from policy_lint.lint.context import LintContext
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
    #: the IAM Access Analyzer policy checks this rule covers, by their exact names without the level
    #: prefix ("Invalid ARN Region"); docs/access-analyzer.md is generated from them
    access_analyzer: tuple[str, ...] = field(default=())
    #: the policy types (identity, resource, trust, scp, rcp, permissions-boundary) the rule applies to;
    #: empty: every type
    policy_types: tuple[str, ...] = field(default=())


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
    #: onboarding | cis; empty: a rule of every profile set, run whatever the inputs hold (the
    #: per-principal counterpart of a policy rule, as the lint of embedded policies runs)
    profiles: tuple[str, ...] = ("onboarding",)
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
    "PL7": "Trust and principals",
    "PL8": "Variables and empty values",
    "PL9": "Size and redundancy",
    "PE0": "Privilege escalation",
    "PR0": "Privilege escalation per principal (check, verify)",
    "OB0": "Onboarding configuration",
    "OB1": "Onboarding: IAM user and policies",
    "OB2": "Onboarding: CloudTrail and S3",
    "OB3": "Onboarding: SQS queue and notification",
    "CS1": "CSPM posture: identity",
    "CS2": "CSPM posture: logging and storage",
    "CS3": "CSPM posture: network and messaging",
    "PD1": "Reference diff",
    "PD2": "New access (diff --base)",
    "IN0": "Inputs",
    "SP0": "Suppressions",
}
#: Policy-document rule IDs start with one of these; they are the rules ``lint`` runs
#: (PL: one document's own rules, PE: the privilege-escalation paths, also judged per principal).
POLICY_RULE_PREFIX = ("PL", "PE")

_Meta = TypeVar("_Meta", bound=RuleMeta)


def family_of(rule_id: str) -> str:
    """The family title of a rule ID (``PL2`` -> "Actions")."""
    return FAMILIES.get(rule_id[:3], "Other")


class RuleGroup:
    """The rules one module declares, in the order it declares them.

    A module that declares rules makes one group and declares into it::

        RULES = RuleGroup()
        policy_rule = RULES.policy_rule  # this module's decorator


        @policy_rule(id="PL201", ...)
        def unknown_action(doc, ctx): ...

    :mod:`policy_lint.rules.ruleset` lists those modules and collects their groups. Importing a rule
    module therefore registers nothing anywhere: the rule set is written down, not assembled
    from whichever modules happen to have been imported.
    """

    def __init__(self) -> None:
        self.metas: list[RuleMeta] = []
        self.policy_rules: list[PolicyRule] = []
        self.inventory_rules: list[InventoryRule] = []

    def declare(self, meta: _Meta) -> _Meta:
        """Metadata for a rule reported outside a check function (e.g. by a parser)."""
        self.metas.append(meta)
        return meta

    def policy_rule(
        self,
        id: str,
        name: str,
        level: Level,
        title: str,
        rationale: str,
        remediation: str,
        references: tuple[str, ...] = (),
        access_analyzer: tuple[str, ...] = (),
        policy_types: tuple[str, ...] = (),
    ) -> Callable[[PolicyCheck], PolicyCheck]:
        """Decorator that declares a policy-document rule with its metadata."""

        def register(func: PolicyCheck) -> PolicyCheck:
            common = (id, name, level, title, rationale, remediation, family_of(id), references)
            meta = RuleMeta(*common, access_analyzer=access_analyzer, policy_types=policy_types)
            self.policy_rules.append(PolicyRule(self.declare(meta), func))
            return func

        return register

    def inventory_rule(
        self,
        id: str,
        name: str,
        level: Level,
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
        """Decorator that declares an inventory rule (onboarding or posture) with its metadata."""

        def register(func: InventoryCheck) -> InventoryCheck:
            common = (id, name, level, title, rationale, remediation, family_of(id), references)
            meta = CheckMeta(
                *common,
                features=features,
                plans=plans,
                frameworks=frameworks,
                profiles=profiles,
                conflicts_with=conflicts_with,
            )
            self.inventory_rules.append(InventoryRule(self.declare(meta), func))
            return func

        return register

    def inventory_counterpart(self, meta: RuleMeta, check: InventoryCheck) -> None:
        """Judge what the policy rule ``meta`` judges per document over the inventory too, under the
        same ID and words (privilege escalation: ``lint`` judges one document, ``check`` and
        ``verify`` one principal with every policy that reaches it). The policy rule keeps the
        metadata, so the ID is declared once; the counterpart belongs to every profile set."""
        common = {f.name: getattr(meta, f.name) for f in fields(RuleMeta)}
        self.inventory_rules.append(InventoryRule(CheckMeta(**common, profiles=()), check))


class RuleSet:
    """Rules by ID, collected from the groups of the modules :mod:`policy_lint.rules.ruleset` lists."""

    def __init__(self, groups: Iterable[RuleGroup]) -> None:
        self._metas: dict[str, RuleMeta] = {}
        policy: list[PolicyRule] = []
        inventory: list[InventoryRule] = []
        for group in groups:
            for meta in group.metas:
                if meta.id in self._metas:
                    raise ValueError(f"rule ID {meta.id} declared twice")
                self._metas[meta.id] = meta
            policy.extend(group.policy_rules)
            inventory.extend(group.inventory_rules)
        policy_ids = {rule.meta.id for rule in policy}
        for rule in inventory:  # a counterpart needs its policy rule, which holds the metadata
            if rule.meta.id not in self._metas or (
                self._metas[rule.meta.id] is not rule.meta and rule.meta.id not in policy_ids
            ):
                raise ValueError(f"inventory rule {rule.meta.id} has no declared policy rule")
        #: in declaration order (the order of the groups, then of each module)
        self.policy_rules: tuple[PolicyRule, ...] = tuple(policy)
        self.inventory_rules: tuple[InventoryRule, ...] = tuple(sorted(inventory, key=lambda r: r.meta.id))

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._metas

    def get(self, rule_id: str) -> RuleMeta | None:
        return self._metas.get(rule_id)

    def metas(self) -> list[RuleMeta]:
        """Every rule's metadata, sorted by ID."""
        return sorted(self._metas.values(), key=lambda m: m.id)

    def ids(self) -> list[str]:
        return sorted(self._metas)

    def has_prefix(self, prefix: str) -> bool:
        """Does at least one rule ID start with ``prefix`` (a full ID is its own prefix)?"""
        return bool(prefix) and any(rule_id.startswith(prefix) for rule_id in self._metas)
