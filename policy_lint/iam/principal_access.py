"""No new access per principal: what reaches each user and role at the base and after the change.

The per-document comparison (:mod:`policy_lint.iam.new_access`) sees a change to a policy's text.
Access also changes without one: an attachment or a group membership gives a user or role an
existing policy, a Deny (a statement or a whole policy) that reached it goes, its permissions
boundary goes or is loosened. Here each principal's effective permissions (every identity policy
that reaches it, within its boundary) after the change are compared with those at the base, and
what is new is reported under the PD2 rule of the same meaning, naming the principal and the cause:

* a policy that reaches the principal only after the change: the attachment (or membership) that
  gives it, at its ``file:line``;
* an action the base denied (a Deny in another policy that reached the principal): the Deny, at
  ``REF:path:line``;
* an action the base's identity policies granted but its boundary did not allow: the boundary.

New access that comes from a policy's own text, which reached the principal at both sides, is the
per-document comparison's finding, not reported twice. Part of what reaches a principal that is
not known at one side (a policy the inputs do not declare) is PD207, naming it: never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.core.findings import Finding, Location
from policy_lint.iam import new_access_rules as rules
from policy_lint.iam.diff import Differ, DiffFinding, Excess
from policy_lint.iam.escalation import RoleTarget
from policy_lint.iam.evaluate import (
    ExpandedAction,
    Grant,
    PermissionSet,
    PolicyStatement,
    is_changing,
    is_destructive,
)
from policy_lint.iam.new_access import _examples, _plural
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import RuleMeta

_GRANTED = ("allowed", "conditional")
#: how much a decision lets through: a boundary that moves up this order lets more through
_RANK = {"allowed": 2, "conditional": 1}


@dataclass(frozen=True)
class HeldPolicy:
    """One policy that reaches a principal, as both sides of a change name it."""

    #: the same at both sides for the same policy reaching the same way (its address, ARN or
    #: inline name, and the group it comes through): a key only one side has is a new or gone reach
    key: str
    #: how messages name it (``policy aws_iam_policy.x (through group ops)``)
    shown: str
    document: PolicyDocument = field(compare=False, repr=False)
    #: where the principal receives it: the attachment, membership or inline policy
    reached_at: Location | None = None
    #: where its statements are written (the declared document), else ``reached_at``
    written_at: Location | None = None


@dataclass
class PrincipalAccess:
    """Everything that reaches one user or role at one side of a change."""

    kind: str  # user | role
    name: str
    address: str  # the Terraform address or CloudFormation logical ID, the same at both sides
    location: Location | None
    policies: list[HeldPolicy] = field(default_factory=list)
    boundary: HeldPolicy | None = None
    #: where the principal names its boundary (None without one)
    boundary_at: Location | None = None
    #: why part of what reaches it is not known (a policy not declared, a group not declared)
    unknown: list[str] = field(default_factory=list)
    #: why its permissions boundary is not known (one of ``unknown``): a boundary only takes access
    #: away, so with it unknown no access can be called new, nor the principal passed
    boundary_unknown: str | None = None
    #: its ARN as documents spell it, and the roles it might assume (for escalation paths)
    arn: str | None = None
    roles: tuple[RoleTarget, ...] = ()

    @property
    def who(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class PrincipalChange:
    """One principal at the base (None: the change adds it) and after the change."""

    before: PrincipalAccess | None
    after: PrincipalAccess

    @property
    def unchanged(self) -> bool:
        """Does the same reach it the same way at both sides (same policies, texts, boundary, unknowns,
        and roles it may assume)? Then nothing can be new, and the comparison is skipped (a folder's
        other principals are compared whenever any file of it changes)."""
        return self.before is not None and _fingerprint(self.before) == _fingerprint(self.after)


def _text(held: HeldPolicy | None) -> tuple[str, str] | None:
    return (held.key, held.document.source.text) if held is not None else None


def _fingerprint(access: PrincipalAccess) -> tuple[object, ...]:
    roles = sorted(
        (
            role.arn,
            role.trust.document.source.text if role.trust else "",
            tuple(sorted(p.document.source.text for p in role.permissions)),
            role.boundary.document.source.text if role.boundary else "",
        )
        for role in access.roles
    )
    return (
        sorted(_text(p) or ("", "") for p in access.policies),
        _text(access.boundary),
        sorted(access.unknown),
        access.boundary_unknown,
        access.arn,
        roles,
    )


def _at(location: Location | None) -> str:
    return f" at {location}" if location is not None else ""


def _deny_gone(who: str, shown: str, deny: str) -> Callable[[str, list[str]], str]:
    def message(kind: str, names: list[str]) -> str:
        return (
            f"{who}: {shown} grants {_plural(len(names), kind + ' action')} that the Deny {deny} removed; "
            f"the change removes that Deny from what reaches {who}: {_examples(names)}"
        )

    return message


def _identity(access: PrincipalAccess | None) -> PermissionSet:
    return PermissionSet.from_documents(p.document for p in access.policies) if access else PermissionSet([])


def _boundary(access: PrincipalAccess | None) -> PermissionSet | None:
    if access is None or access.boundary is None:
        return None
    return PermissionSet.from_documents([access.boundary.document])


@dataclass
class _Pending:
    """One cause's finding for one policy, its actions gathered over the policy's statements."""

    names: list[str]
    actions: dict[str, ExpandedAction]
    where: Location | None
    message: Callable[[str, list[str]], str]
    hint: str
    evidence: dict[str, object]


class _Comparison:
    """One principal: the new access each Allow that reaches it after the change brings."""

    def __init__(self, change: PrincipalChange, base: str, catalog: ActionCatalog):
        self.change = change
        self.base = base
        self.catalog = catalog
        self.after = change.after
        self.before = change.before
        self.findings: list[DiffFinding] = []
        self.pending: dict[tuple[str, ...], _Pending] = {}
        self.after_perms = _identity(self.after)
        self.before_perms = _identity(self.before)
        self.after_bound = _boundary(self.after)
        self.before_bound = _boundary(self.before)
        self.held = {id(p.document): p for p in self.after.policies}
        self.before_keys = {p.key for p in self.before.policies} if self.before else set()
        self.before_held = {id(p.document): p for p in self.before.policies} if self.before else {}

    def run(self) -> list[DiffFinding]:
        self._unknown()
        if self.after.boundary_unknown is not None:
            if self.before is not None and self.after.boundary_unknown in self.before.unknown:
                self._unknown_finding(self.after.boundary_unknown, "after the change")  # not said above
            return self.findings
        differ = Differ([], [], self.catalog, actual_perms=self.after_perms, ref_perms=self.before_perms)
        for stmt in self.after_perms.statements:
            if not stmt.is_allow:
                continue
            held = self.held[id(stmt.document)]
            actions = {e.name: e for e in stmt.expand(self.catalog)}
            found = differ.excess_of(stmt, as_written=True)
            if held.key not in self.before_keys:
                self._reached(held, found, actions)
            else:
                self._denies_gone(held, found, actions)
            self._boundary_loosened(held, stmt, actions)
        for pending in self.pending.values():
            self._split(pending)
        return self.findings

    # ---- what is not known ------------------------------------------------------------------
    def _unknown(self) -> None:
        """PD207 for each part of what reaches the principal that is unknown at one side only (the
        same unknown at both sides is the same policy: the change does not touch it)."""
        before = self.before.unknown if self.before else []
        for reasons, other, side in (
            (self.after.unknown, before, "after the change"),
            (before, self.after.unknown, f"at {self.base}"),
        ):
            for reason in reasons:
                if reason not in other:
                    self._unknown_finding(reason, side)

    def _unknown_finding(self, reason: str, side: str) -> None:
        finding = Finding(
            rules.PRINCIPAL_UNKNOWN.id,
            rules.PRINCIPAL_UNKNOWN.level,
            f"{self.after.who}: what reaches it {side} is not fully known ({reason}), so the access this "
            "change gives it cannot be told",
            self.after.location or Location(self.after.address, 1, 1),
            rules.PRINCIPAL_UNKNOWN.name,
            "declare the policy (or group) in the inputs compared, or review this principal's access by hand",
        )
        self.findings.append(
            DiffFinding(finding, {"base": self.base, "principal": self.after.who, "unknown": reason})
        )

    # ---- the boundary ---------------------------------------------------------------------
    def _within_boundary(self, key: str, scopes: Sequence[str]) -> bool:
        """Does the boundary after the change let the action through (at least under a condition)?"""
        if self.after_bound is None:
            return True
        return any(self.after_bound.evaluate(key, scope).status in _GRANTED for scope in scopes)

    def _boundary_loosened(
        self, held: HeldPolicy, stmt: PolicyStatement, actions: dict[str, ExpandedAction]
    ) -> None:
        """Actions the base's identity policies granted outright but its boundary did not allow,
        and that reach the principal now (the boundary went, or lets more through)."""
        if self.before_bound is None or self.before is None or self.before.boundary is None:
            return
        scopes = ["*"] if stmt.not_resource else [p.text for p in stmt.resources]
        blocked: list[str] = []
        conditioned: list[str] = []  # the base's boundary allowed them only under a condition
        narrowed: list[str] = []  # ... only on part of the resources
        for name, expanded in sorted(actions.items()):
            key = expanded.key
            for scope in scopes:
                if self.after_perms.evaluate(key, scope, assume=stmt.conditions).status == "denied":
                    continue
                if self.before_perms.evaluate(key, scope, assume=stmt.conditions).status != "allowed":
                    continue  # not granted at the base either: the identity comparison reports it
                was = self.before_bound.evaluate(key, scope, assume=stmt.conditions)
                lets = (
                    self.after_bound.evaluate(key, scope, assume=stmt.conditions)
                    if self.after_bound
                    else None
                )
                if _RANK.get(lets.status if lets else "allowed", 0) <= _RANK.get(was.status, 0):
                    continue  # the boundary after the change lets through no more than the base's
                if was.status != "conditional":
                    blocked.append(name)
                elif any(g.conditions for g in was.allows):
                    conditioned.append(name)
                else:
                    narrowed.append(name)
                break
        if not (blocked or conditioned or narrowed):
            return
        old = self.before.boundary
        now = (
            f"the change removes it from {self.after.who}"
            if self.after.boundary is None
            else f"its boundary after the change ({self.after.boundary.shown}) lets them through"
        )
        cause = f"the permissions boundary at {self.base} ({old.shown}{_at(old.written_at)}) did not allow"
        where = self.after.boundary_at or self.after.location or held.reached_at
        self._pend(
            ("boundary", held.key),
            blocked,
            actions,
            where,
            lambda kind, names: (
                f"{self.after.who}: {held.shown} grants {_plural(len(names), kind + ' action')} {cause}, "
                f"and {now}: {_examples(names)}"
            ),
            "restore the permissions boundary, or review the access it no longer limits",
            {"cause": "boundary", "base_boundary": old.shown},
        )
        evidence = {"cause": "boundary", "base_boundary": old.shown}
        hint = "restore the permissions boundary, or review the access it no longer limits"
        head = f"{self.after.who}: {held.shown} grants"
        if conditioned:
            message = f"{head} {_examples(conditioned)}, which {cause} except under a condition, and {now}"
            self._add(rules.WEAKENED_CONDITION, message, where, hint, {**evidence, "actions": conditioned})
        if narrowed:
            message = (
                f"{head} {_examples(narrowed)}, which {cause} except on part of the resources, and {now}"
            )
            self._add(rules.NEW_RESOURCE, message, where, hint, {**evidence, "actions": narrowed})

    # ---- a policy that reaches the principal only after the change ----------------------------
    def _reached(self, held: HeldPolicy, found: Excess, actions: dict[str, ExpandedAction]) -> None:
        where = held.reached_at or held.written_at or self.after.location
        new = "a new principal" if self.before is None else f"not at {self.base}"
        cause = f"{self.after.who} receives {held.shown}{_at(held.reached_at)} ({new})"
        extra = [e.name for e in found.extra if self._within_boundary(e.key, found.scopes)]
        self._pend(
            ("attachment", held.key),
            extra,
            actions,
            where,
            lambda kind, names: (
                f"{cause}, which grants it {_plural(len(names), 'new ' + kind + ' action')} it did not "
                f"have at {self.base}: {_examples(names)}"
            ),
            "make sure the principal is meant to have this policy, or remove the attachment",
            {"cause": "attachment", "statement": found.statement.ref.to_dict()},
        )
        for meta, grants, what in (
            (rules.WEAKENED_CONDITION, found.weakened_condition, "without the condition"),
            (rules.NEW_RESOURCE, found.widened, "on more resources than"),
        ):
            for grant, granted in grants.values():
                names = [
                    n
                    for n in sorted(set(granted))
                    if self._within_boundary(self._key(n, actions), found.scopes)
                ]
                if not names:
                    continue
                limit = (
                    " and ".join(str(c) for c in grant.conditions)
                    if meta is rules.WEAKENED_CONDITION
                    else ", ".join(grant.resources)
                )
                self._add(
                    meta,
                    f"{cause}, which allows {_examples(names)} {what} its policies at {self.base} required "
                    f"({self._base_statement(grant)}: {limit})",
                    where,
                    "make sure the principal is meant to have this policy, or remove the attachment",
                    {"cause": "attachment", "actions": names, "base_statement": grant.ref.to_dict()},
                )
        self._lifted(held, found, actions, where, cause)

    # ---- a Deny that reached the principal at the base and does not now ------------------------
    def _denies_gone(self, held: HeldPolicy, found: Excess, actions: dict[str, ExpandedAction]) -> None:
        """Actions the base denied through another policy's Deny (a policy's own Deny is the
        per-document comparison's): the Deny removed, or the policy holding it no longer reaching."""
        by_deny: dict[str, tuple[Grant, list[str]]] = {}
        for expanded in found.extra:
            if not self._within_boundary(expanded.key, found.scopes):
                continue
            for scope in found.scopes:
                decision = self.before_perms.evaluate(expanded.key, scope, assume=found.statement.conditions)
                if decision.status != "denied":
                    continue
                for deny in decision.deciding_denies:
                    if self._own(deny, held):
                        continue
                    by_deny.setdefault(self._base_statement(deny), (deny, []))[1].append(expanded.name)
                break
        where = self.after.location or held.reached_at
        for label, (deny, names) in by_deny.items():
            self._pend(
                ("deny", held.key, label),
                names,
                actions,
                where,
                _deny_gone(self.after.who, held.shown, label),
                "restore the Deny (or the policy holding it), or review why it can go",
                {"cause": "deny", "base_deny": deny.to_dict()},
            )
        self._lifted(held, found, actions, where, None)

    def _lifted(
        self,
        held: HeldPolicy,
        found: Excess,
        actions: dict[str, ExpandedAction],
        where: Location | None,
        cause: str | None,
    ) -> None:
        """A conditional or partial Deny of another policy, at the base, the change drops or narrows."""
        for grant, granted in found.lifted.values():
            if cause is None and self._own(grant, held):
                continue
            names = [
                n for n in sorted(set(granted)) if self._within_boundary(self._key(n, actions), found.scopes)
            ]
            if not names:
                continue
            meta = rules.WEAKENED_CONDITION if grant.conditions else rules.NEW_RESOURCE
            how = (
                "if " + " and ".join(str(c) for c in grant.conditions)
                if grant.conditions
                else f"on {', '.join(grant.resources)}"
            )
            head = cause or f"{self.after.who}: {held.shown}"
            self._add(
                meta,
                f"{head} allows {_examples(names)}, which at {self.base} the Deny {self._base_statement(grant)} "
                f"removed {how}; that Deny no longer reaches {self.after.who} as it did",
                where,
                "restore the base's Deny, or review why it can go",
                {"cause": "deny", "actions": names, "base_deny": grant.to_dict()},
            )

    # ---- helpers ----------------------------------------------------------------------------
    def _own(self, grant: Grant, held: HeldPolicy) -> bool:
        """Is the base statement ``grant`` in the base version of ``held`` (same policy, same reach)?"""
        base = self.before_held.get(id(grant.statement.document))
        return base is not None and base.key == held.key

    def _base_statement(self, grant: Grant) -> str:
        """``statement 2 of policy aws_iam_policy.deny (REF:infra/main.tf:16:3)``."""
        base = self.before_held.get(id(grant.statement.document))
        if base is None:
            return grant.ref.label
        where = f" at {base.written_at}" if base.written_at else f" at {self.base}"
        return f"{grant.ref.label} of {base.shown}{where}"

    def _pend(
        self,
        key: tuple[str, ...],
        names: Sequence[str],
        actions: dict[str, ExpandedAction],
        where: Location | None,
        message: Callable[[str, list[str]], str],
        hint: str,
        evidence: dict[str, object],
    ) -> None:
        """Gather one cause's actions over every statement of a policy: one finding per policy and
        cause (an AWS managed policy has many statements), written when the principal is done."""
        if not names:
            return
        pending = self.pending.setdefault(key, _Pending([], {}, where, message, hint, evidence))
        pending.names.extend(names)  # repeats go when the finding is written (_split)
        pending.actions.update(actions)

    def _split(self, pending: _Pending) -> None:
        """One finding for the write/permissions-management/destructive actions (PD201), one for
        the rest (PD202), as the per-document comparison splits them."""
        names = sorted(set(pending.names))
        actions = pending.actions
        changing = [n for n in names if is_destructive(n) or is_changing(self._level(n, actions))]
        changed = set(changing)  # built once: a wildcard expands to thousands of actions
        reading = [n for n in names if n not in changed]
        for meta, group, kind in (
            (rules.NEW_CHANGING_ACTION, changing, "write/permissions-management/destructive"),
            (rules.NEW_READ_ACTION, reading, "read/list"),
        ):
            if group:
                evidence = {**pending.evidence, "actions": group}
                self._add(meta, pending.message(kind, group), pending.where, pending.hint, evidence)

    @staticmethod
    def _key(name: str, actions: dict[str, ExpandedAction]) -> str:
        expanded = actions.get(name)
        return expanded.key if expanded is not None else name.lower()

    @staticmethod
    def _level(name: str, actions: dict[str, ExpandedAction]) -> str:
        expanded = actions.get(name)
        return expanded.access_level if expanded is not None else "Unknown"

    def _add(
        self, meta: RuleMeta, message: str, where: Location | None, hint: str, evidence: dict[str, object]
    ) -> None:
        location = where or Location(self.after.address, 1, 1)
        finding = Finding(meta.id, meta.level, message, location, meta.name, hint)
        self.findings.append(
            DiffFinding(finding, {"base": self.base, "principal": self.after.who, **evidence})
        )


def principal_new_access(
    changes: Sequence[PrincipalChange], base: str, catalog: ActionCatalog | None = None
) -> list[DiffFinding]:
    """The access each principal has after the change that it did not have at ``base``, by a
    cause other than a changed policy text (which :func:`~policy_lint.iam.new_access.new_access`
    reports)."""
    cat = catalog or default_catalog()
    found: list[DiffFinding] = []
    for change in changes:
        if not change.unchanged:
            found.extend(_Comparison(change, base, cat).run())
    return found
