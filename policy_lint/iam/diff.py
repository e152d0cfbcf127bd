"""Diff an actual set of identity policies against the reference policies of the onboarding.

The question is about *effective permissions*, not names: ReadOnlyAccess alone covers
the Host feature (AmazonEC2ReadOnlyAccess + IAMReadOnlyAccess), and a Deny removes an
action a policy elsewhere grants. Every statement of both sides is expanded against the
action catalog to concrete actions, and each action is asked of the other side's
:class:`~policy_lint.iam.evaluate.PermissionSet`:

* **missing** (PD101): a reference action the actual set does not allow (implicit deny,
  or an explicit Deny: then the finding points at the Deny);
* **conditional** (PD102): allowed only under a condition the reference does not have, or
  on part of the reference's resource scope, or a conditional Deny may remove it;
* **excess** (PD103, PD104 when risky): an action the actual set grants and the reference
  set does not grant at all;
* **weakened** (PD105 condition, PD106 resource scope): an action the reference grants
  only under a condition or on narrower resources, granted more broadly by the actual set;
* **tag-condition bypass** (PL607/PL608, GUIDE-TAG-BYPASS) over the whole actual set.

The reference statement's own conditions are assumed when checking coverage: an actual
statement with the same (or a weaker) tag condition covers it.

This module is the algorithm only: the reference set is built by
:mod:`policy_lint.iam.diff_references`, the command line is :mod:`policy_lint.commands.diff`
and the reports are :mod:`policy_lint.reporters.diff_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.core.findings import Finding, Location
from policy_lint.iam import diff_rules
from policy_lint.iam.evaluate import (
    Decision,
    ExpandedAction,
    Grant,
    PermissionSet,
    PolicyStatement,
    StatementRef,
    is_changing,
    is_destructive,
)
from policy_lint.iam.tag_bypass import find_tag_bypass
from policy_lint.lint.inherited import mark_inherited
from policy_lint.policy.model import PolicyDocument
from policy_lint.reference.managed import ManagedPolicy
from policy_lint.rules.lint_ruleset import get_policy_rule
from policy_lint.rules.registry import RuleMeta

EXAMPLES = 5


# --------------------------------------------------------------------------- the two sides


@dataclass(frozen=True)
class ReferencePolicy:
    """One policy of the reference set: a shipped reference or an AWS managed policy."""

    name: str
    kind: str  # "reference" or "aws-managed"
    features: tuple[str, ...]
    document: PolicyDocument = field(compare=False, repr=False)
    unfilled: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({', '.join(self.features)})" if self.features else self.name


@dataclass(frozen=True)
class ActualPolicy:
    """One policy of the actual set: a file, or an AWS managed policy from the snapshot."""

    name: str
    document: PolicyDocument = field(compare=False, repr=False)
    managed: ManagedPolicy | None = None

    @property
    def kind(self) -> str:
        return "aws-managed" if self.managed is not None else "file"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class DiffFinding:
    """A finding plus the evidence JSON output carries."""

    finding: Finding
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class DiffResult:
    findings: list[DiffFinding]
    references: list[ReferencePolicy]
    actual: list[ActualPolicy]
    notes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def by_rule(self, rule_id: str) -> list[DiffFinding]:
        return [f for f in self.findings if f.finding.rule_id == rule_id]


def _finding(meta: RuleMeta, message: str, location: Location, hint: str | None = None) -> Finding:
    return Finding(meta.id, meta.level, message, location, meta.name, hint)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _examples(names: Sequence[str], limit: int = EXAMPLES) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


# --------------------------------------------------------------------------- the diff


@dataclass
class Excess:
    """What one actual Allow statement grants beyond the reference set (:meth:`Differ.excess_of`).

    ``weakened_condition`` and ``widened``: per reference statement that grants the actions only
    under a condition, or on part of the statement's resources, that statement's grant and the
    action names. An action a reference Deny removes outright is ``extra``."""

    statement: PolicyStatement
    scopes: list[str]
    extra: list[ExpandedAction]
    weakened_condition: dict[StatementRef, tuple[Grant, list[str]]]
    widened: dict[StatementRef, tuple[Grant, list[str]]]
    #: per reference Deny that removes the actions only under a condition or on part of the
    #: resources, while a reference Allow grants them fully: the Deny and the action names
    lifted: dict[StatementRef, tuple[Grant, list[str]]] = field(default_factory=dict)


@dataclass
class _Scope:
    resource: str
    any_resource: bool


def _reference_scopes(stmt: PolicyStatement, ref: ReferencePolicy) -> list[_Scope]:
    if stmt.not_resource:
        return [_Scope("*", True)]
    loose = bool(ref.unfilled)
    return [_Scope(p.text, loose or p.has_variable) for p in stmt.resources]


def _actual_scopes(stmt: PolicyStatement, as_written: bool = False) -> list[str]:
    """The resource scopes to ask the reference about; ``as_written`` keeps references and policy
    variables as text (two versions of one policy: the same ``${...}`` means the same resource)."""
    if stmt.not_resource:
        return ["*"]
    return [p.text if as_written else p.glob for p in stmt.resources]


class Differ:
    def __init__(
        self,
        actual: Sequence[ActualPolicy],
        references: Sequence[ReferencePolicy],
        catalog: ActionCatalog,
        *,
        actual_perms: PermissionSet | None = None,
        ref_perms: PermissionSet | None = None,
    ):
        """``actual_perms``/``ref_perms``: the statements to compare when not every statement of the
        documents applies (the new-access diff compares one principal of a resource policy at a time)."""
        self.actual = list(actual)
        self.references = list(references)
        self.catalog = catalog
        self.actual_perms = actual_perms or PermissionSet.from_documents(a.document for a in self.actual)
        self.ref_perms = ref_perms or PermissionSet.from_documents(r.document for r in self.references)
        self.ref_of_doc = {id(r.document): r for r in self.references}
        first_file = next(
            (a for a in self.actual if a.managed is None), self.actual[0] if self.actual else None
        )
        self.anchor = Location(first_file.document.path if first_file else "<actual>", 1, 1)
        self.findings: list[DiffFinding] = []
        self.stats: dict[str, int] = {
            "reference_actions": 0,
            "covered": 0,
            "missing": 0,
            "conditional": 0,
            "excess": 0,
            "weakened": 0,
        }

    def _ref_label(self, stmt: PolicyStatement) -> str:
        ref = self.ref_of_doc.get(id(stmt.document))
        name = ref.name if ref is not None else stmt.document.path
        return f"{name} {stmt.ref.label}"

    # ---- missing / conditional -----------------------------------------------------------
    def missing(self) -> None:
        checked: set[str] = set()
        covered: set[str] = set()
        for ref in self.references:
            for token in ref.unfilled:
                self.findings.append(
                    DiffFinding(
                        _finding(
                            diff_rules.UNFILLED,
                            f"{ref.name}: {token} has no value, so its resource scope is compared as any "
                            f"resource (the actions are still checked)",
                            self.anchor,
                            f"pass --var '{token[2:-1]}=...' or --config onboarding.yaml",
                        ),
                        {"reference": ref.name, "placeholder": token},
                    )
                )
            for stmt in PermissionSet.from_documents([ref.document]).statements:
                if stmt.is_allow:
                    self._missing_in(ref, stmt, checked, covered)
        self.stats["reference_actions"] = len(checked)
        self.stats["covered"] = len(covered)

    def _missing_in(
        self, ref: ReferencePolicy, stmt: PolicyStatement, checked: set[str], covered: set[str]
    ) -> None:
        actions = sorted(stmt.expand(self.catalog), key=lambda e: e.key)
        scopes = _reference_scopes(stmt, ref)
        denied: dict[StatementRef, tuple[Grant, list[str]]] = {}
        limited: dict[StatementRef, tuple[Grant, list[str], list[Decision]]] = {}
        implicit: list[str] = []
        for expanded in actions:
            checked.add(expanded.key)
            worst: Decision | None = None
            for scope in scopes:
                decision = self.actual_perms.evaluate(
                    expanded.key, scope.resource, assume=stmt.conditions, any_resource=scope.any_resource
                )
                if worst is None or _rank(decision) > _rank(worst):
                    worst = decision
            assert worst is not None
            if worst.status == "allowed":
                covered.add(expanded.key)
            elif worst.status == "denied":
                grant = worst.deciding_denies[0]
                denied.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
            elif worst.status == "conditional":
                grant = worst.limits[0]
                entry = limited.setdefault(grant.ref, (grant, [], []))
                entry[1].append(expanded.name)
                entry[2].append(worst)
            else:
                implicit.append(expanded.name)
        where = f"{ref.name} {stmt.ref.label}"
        needed = f" (needed by {', '.join(ref.features)})" if ref.features else ""
        base_evidence = {
            "reference": ref.name,
            "features": list(ref.features),
            "reference_statement": stmt.ref.to_dict(),
            "reference_resources": [s.resource for s in scopes],
            "reference_conditions": [c.to_dict() for c in stmt.conditions],
            "reference_actions": len(actions),
        }
        if implicit:
            self.stats["missing"] += len(implicit)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.MISSING,
                        f"{where}{needed}: {_plural(len(implicit), 'action')} of {len(actions):,} not allowed "
                        f"by the actual policies: {_examples(implicit)}",
                        self.anchor,
                        f"attach {ref.name} or add these actions",
                    ),
                    {**base_evidence, "cause": "implicit-deny", "actions": implicit},
                )
            )
        for grant, names in denied.values():
            self.stats["missing"] += len(names)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.MISSING,
                        f"this Deny removes {_plural(len(names), 'action')} that {where}{needed} grants: "
                        f"{_examples(names)}",
                        grant.location,
                        "narrow or remove the Deny, or exempt these actions",
                    ),
                    {**base_evidence, "cause": "denied", "actions": names, "denied_by": grant.to_dict()},
                )
            )
        for grant, names, decisions in limited.values():
            self.stats["conditional"] += len(names)
            why = _limit_reason(grant)
            verb = "is" if len(names) == 1 else "are"
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.CONDITIONAL,
                        f"{_plural(len(names), 'action')} that {where}{needed} grants "
                        f"{'may be removed by this Deny' if grant.effect == 'Deny' else verb + ' allowed here only'} "
                        f"{why}: {_examples(names)}",
                        grant.location,
                        "make sure the vendor's requests satisfy it, or grant the actions as the reference does",
                    ),
                    {
                        **base_evidence,
                        "cause": "conditional",
                        "actions": names,
                        "limited_by": [g.to_dict() for g in decisions[0].limits],
                    },
                )
            )

    # ---- excess / weakened ------------------------------------------------------------
    def excess(self) -> None:
        for stmt in self.actual_perms.statements:
            if stmt.is_allow:
                self._excess_in(stmt)

    def excess_of(self, stmt: PolicyStatement, *, as_written: bool = False) -> Excess:
        """What the actual Allow ``stmt`` grants that the reference set does not: actions it does not
        grant at all, and actions it grants only under a condition or on narrower resources.
        ``as_written``: compare resources with references and variables as text."""
        extra: list[ExpandedAction] = []
        weakened_cond: dict[StatementRef, tuple[Grant, list[str]]] = {}
        widened: dict[StatementRef, tuple[Grant, list[str]]] = {}
        scopes = _actual_scopes(stmt, as_written)
        lifted: dict[StatementRef, tuple[Grant, list[str]]] = {}
        for expanded in sorted(stmt.expand(self.catalog), key=lambda e: e.key):
            ref_grants: list[Grant] = []
            granted_beyond = denied = allowed_but_denied_if = False
            limiting_denies: list[Grant] = []
            for scope in scopes:
                own_decision = self.actual_perms.evaluate(expanded.key, scope, assume=stmt.conditions)
                if own_decision.status == "denied":
                    continue
                decision = self.ref_perms.evaluate(expanded.key, scope, assume=stmt.conditions)
                if decision.status == "allowed":
                    continue
                granted_beyond = True
                if decision.status == "denied":
                    denied = True  # the reference's Deny removes it: granting it is new
                elif any(g.full for g in decision.allows):
                    allowed_but_denied_if = True  # only a conditional or partial Deny limits it
                    limiting_denies.extend(
                        g for g in decision.denies if not g.full and not _still_denies(own_decision, g)
                    )
                else:
                    ref_grants.extend(decision.allows)
            if not granted_beyond:
                continue
            for grant in limiting_denies:
                lifted.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
            if ref_grants and not denied:
                for grant in ref_grants:
                    if grant.conditions:
                        weakened_cond.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
                    if not grant.covers_scope:
                        widened.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
                continue
            if denied or not allowed_but_denied_if:
                extra.append(expanded)
        return Excess(stmt, scopes, extra, weakened_cond, widened, lifted)

    def _excess_in(self, stmt: PolicyStatement) -> None:
        found = self.excess_of(stmt)
        scopes, weakened_cond, widened = found.scopes, found.weakened_condition, found.widened
        star = stmt.not_resource or "*" in scopes
        extra = found.extra
        destructive = [e.name for e in extra if is_destructive(e.name)]
        changing = [
            e.name for e in extra if star and not is_destructive(e.name) and is_changing(e.access_level)
        ]
        label = stmt.ref.label
        refs = ", ".join(r.name for r in self.references) or "-"
        for grant, granted in weakened_cond.values():
            names = sorted(set(granted))
            self.stats["weakened"] += len(names)
            own = ", ".join(str(c) for c in stmt.conditions)
            how = f"under a looser or different condition ({own})" if own else "without a condition"
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.WEAKENED_CONDITION,
                        f"{label} allows {_examples(names, 10)} {how}; {self._ref_label(grant.statement)} grants "
                        f"{'it' if len(names) == 1 else 'them'} only if "
                        + " and ".join(str(c) for c in grant.conditions),
                        stmt.ref.location,
                        "restore the reference's Condition on this statement, or remove these actions from it",
                    ),
                    {
                        "actions": names,
                        "granted_by": stmt.ref.to_dict(),
                        "granted_conditions": [c.to_dict() for c in stmt.conditions],
                        "reference": self._ref_name(grant),
                        "reference_statement": grant.ref.to_dict(),
                        "reference_conditions": [c.to_dict() for c in grant.conditions],
                    },
                )
            )
        for grant, granted in widened.values():
            names = sorted(set(granted))
            self.stats["weakened"] += len(names)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.WIDENED_SCOPE,
                        f"{label} allows {_examples(names, 10)} on {', '.join(scopes)}; "
                        f"{self._ref_label(grant.statement)} grants {'it' if len(names) == 1 else 'them'} only on "
                        f"{', '.join(grant.resources)}",
                        stmt.ref.location,
                        f"scope Resource to {', '.join(grant.resources)}",
                    ),
                    {
                        "actions": names,
                        "granted_by": stmt.ref.to_dict(),
                        "granted_resources": scopes,
                        "reference": self._ref_name(grant),
                        "reference_statement": grant.ref.to_dict(),
                        "reference_resources": list(grant.resources),
                    },
                )
            )
        if not extra:
            return
        extra_names = [e.name for e in extra]
        self.stats["excess"] += len(extra_names)
        risky = bool(changing or destructive)
        parts = []
        if destructive:
            parts.append(f"{_plural(len(destructive), 'destructive action')} ({_examples(destructive)})")
        if changing:
            on = "NotResource" if stmt.not_resource else "*"
            parts.append(
                f"{len(changing):,} write/permissions-management/tagging on {on} ({_examples(changing)})"
            )
        via = ", ".join(p.text for p in stmt.actions[:3]) + (" ..." if len(stmt.actions) > 3 else "")
        if stmt.not_action:
            via = "NotAction " + via
        message = (
            f"{label} grants {_plural(len(extra_names), 'action')} beyond the reference ({refs}) via {via}"
        )
        message += f", including {' and '.join(parts)}" if risky else f": {_examples(extra_names)}"
        self.findings.append(
            DiffFinding(
                _finding(
                    diff_rules.RISKY_EXCESS if risky else diff_rules.EXCESS,
                    message,
                    stmt.ref.location,
                    "remove the extra actions or attach the reference policy instead",
                ),
                {
                    "granted_by": stmt.ref.to_dict(),
                    "count": len(extra_names),
                    "actions": extra_names,
                    "destructive": destructive,
                    "changing_on_all_resources": changing,
                },
            )
        )

    def _ref_name(self, grant: Grant) -> str:
        ref = self.ref_of_doc.get(id(grant.statement.document))
        return ref.name if ref is not None else grant.ref.path

    # ---- GUIDE-TAG-BYPASS over the whole set ------------------------------------------------------------
    def tag_bypass(self) -> None:
        pairs = [(a.document, s) for a in self.actual for s in a.document.statements]
        ref_pairs = [(r.document, s) for r in self.references for s in r.document.statements]
        in_reference = {b.rule_id: b for b in find_tag_bypass(ref_pairs, self.catalog)}
        for issue in find_tag_bypass(pairs, self.catalog):
            meta = get_policy_rule(issue.rule_id)
            same = in_reference.get(issue.rule_id)
            message = issue.message
            if same is not None:
                owner = self.ref_of_doc.get(id(same.document))
                message += (
                    f"; the reference {owner.name if owner else same.document.path} has the same weakness"
                )
            finding = Finding(issue.rule_id, meta.level, message, issue.location, meta.name, issue.hint)
            if same is not None:  # the vendor's weakness: accepted like lint's when copied verbatim
                mark_inherited(issue.document, [(issue.node.offset, finding)])
            self.findings.append(
                DiffFinding(finding, {"actions": list(issue.actions), "reference_has_it": same is not None})
            )


def _still_denies(decision: Decision, reference_deny: Grant) -> bool:
    """Does a Deny of ``decision`` apply wherever ``reference_deny`` does (no more conditions, at
    least its resources)?"""
    return any(
        all(c.implied_by(reference_deny.conditions) for c in deny.conditions)
        and (deny.covers_scope or set(deny.resources) >= set(reference_deny.resources))
        for deny in decision.denies
    )


def _rank(decision: Decision) -> int:
    return {"allowed": 0, "conditional": 1, "implicit-deny": 2, "denied": 3}[decision.status]


def _limit_reason(grant: Grant) -> str:
    parts: list[str] = []
    if grant.conditions:
        parts.append("if " + " and ".join(str(c) for c in grant.conditions))
    if not grant.covers_scope:
        kind = "NotResource" if grant.not_resource else "Resource"
        parts.append(f"on part of the reference's resources ({kind} {', '.join(grant.resources)})")
    return ", ".join(parts) or "conditionally"


def diff_policies(
    actual: Sequence[ActualPolicy],
    references: Sequence[ReferencePolicy],
    catalog: ActionCatalog | None = None,
    notes: Sequence[str] = (),
) -> DiffResult:
    """Compare the actual policy set with the reference set; findings are sorted."""
    differ = Differ(actual, references, catalog or default_catalog())
    differ.missing()
    differ.excess()
    differ.tag_bypass()
    findings = sorted(differ.findings, key=lambda f: f.finding.sort_key())
    return DiffResult(findings, list(references), list(actual), list(notes), differ.stats)
