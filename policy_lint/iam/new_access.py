"""No new access: each changed policy against its version at a base revision (``diff --base``).

The same question as the reference diff (:mod:`policy_lint.iam.diff`), asked of two versions of
one policy: the version after the change is the actual set, the version at the base is the
reference, and :meth:`~policy_lint.iam.diff.Differ.excess_of` says, statement by statement and by
effective permissions, what the change grants that the base did not:

* an action the base did not grant at all: PD201 (write, permissions management, tagging or
  destructive) or PD202 (read, list, or an access level the catalog does not know);
* an action the base granted on narrower resources: PD203;
* an action the base granted only under a condition the change drops or loosens: PD205.

Resource and trust policies are compared one principal at a time: what a statement grants to a
principal is compared with what the base granted to that principal, and a principal no Allow of
the base named is PD204 (a new account, service or ``*``). A whole account (``123456789012``)
and its root ARN are the same principal. Findings are located in the version after the change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.core.findings import Finding, Location
from policy_lint.iam import new_access_rules as rules
from policy_lint.iam.diff import (
    ActualPolicy,
    Differ,
    DiffFinding,
    Excess,
    ReferencePolicy,
)
from policy_lint.iam.evaluate import PermissionSet, PolicyStatement, glob_covers, is_changing, is_destructive
from policy_lint.iam.statements import principal_of_statement
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import RuleMeta

EXAMPLES = 10
_ACCOUNT_ID = re.compile(r"^\d{12}$")
EVERYONE = "*"


@dataclass(frozen=True)
class PolicyChange:
    """One policy in two versions: ``before`` is None for a policy the change adds.

    ``label`` names it in messages (``policy of aws_iam_policy.reader``; empty for a policy file,
    whose path the location already gives); ``anchor``, when set, is where every finding goes (the
    attribute that holds an embedded document), since the compared text is not the file's."""

    before: PolicyDocument | None
    after: PolicyDocument
    label: str = ""
    anchor: Location | None = None


def _principal_values(stmt: PolicyStatement) -> tuple[str, ...] | None:
    """``Key:value`` for each principal a statement names; None for an identity statement (no
    Principal: it applies to whoever holds the policy). NotPrincipal counts as everyone (the
    stricter reading: it names who is left out, not who is let in)."""
    principal = principal_of_statement(stmt.statement)
    if principal is None:
        return None
    if principal.negated or principal.everyone:
        return (EVERYONE,)
    values: list[str] = []
    for key, value in principal.entries:
        if key == "*":
            return (EVERYONE,)
        if key == "AWS" and _ACCOUNT_ID.match(value):
            value = f"arn:aws:iam::{value}:root"
        values.append(f"{key}:{value.lower() if key == 'Service' else value}")
    return tuple(values)


def _covers(wide: str, narrow: str) -> bool:
    """Does principal ``wide`` (``Key:value``) include every principal ``narrow`` stands for?"""
    if wide == EVERYONE or wide == "AWS:*":
        return True
    if narrow == EVERYONE:
        return False
    w_key, _, w_value = wide.partition(":")
    n_key, _, n_value = narrow.partition(":")
    return w_key == n_key and glob_covers(w_value, n_value)


def _granting(statements: Sequence[PolicyStatement], principal: str | None) -> list[PolicyStatement]:
    """The statements that apply to ``principal`` (None: an identity policy, all of them)."""
    if principal is None:
        return list(statements)
    out = []
    for stmt in statements:
        values = _principal_values(stmt)
        if values is not None and any(_covers(v, principal) for v in values):
            out.append(stmt)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _examples(names: Sequence[str]) -> str:
    shown = ", ".join(names[:EXAMPLES])
    return shown + (f" and {len(names) - EXAMPLES:,} more" if len(names) > EXAMPLES else "")


class _Comparison:
    """One policy change: the findings of every Allow statement of the version after it."""

    def __init__(self, change: PolicyChange, base: str, catalog: ActionCatalog):
        self.change = change
        self.base = base
        self.catalog = catalog
        self.findings: list[DiffFinding] = []
        self.after = PermissionSet.from_documents([change.after]).statements
        self.before = (
            PermissionSet.from_documents([change.before]).statements if change.before is not None else ()
        )

    def run(self) -> list[DiffFinding]:
        principals: dict[str | None, None] = {}
        for stmt in self.after:
            if stmt.is_allow:
                for value in _principal_values(stmt) or (None,):
                    principals.setdefault(value, None)
        for principal in principals:
            self._compare(principal)
        return self.findings

    def _compare(self, principal: str | None) -> None:
        after = _granting(self.after, principal)
        before = _granting(self.before, principal)
        allows = [
            s
            for s in after
            if s.is_allow and (principal is None or principal in (_principal_values(s) or ()))
        ]
        if principal is not None and not any(s.is_allow for s in before):
            for stmt in allows:
                self._new_principal(stmt, principal)
            return
        differ = Differ(
            [ActualPolicy(self.change.after.path, self.change.after)],
            [ReferencePolicy(self.base, "base", (), self.change.before)] if self.change.before else [],
            self.catalog,
            actual_perms=PermissionSet(after),
            ref_perms=PermissionSet(before),
        )
        for stmt in allows:
            self._report(differ.excess_of(stmt, as_written=True), principal)

    # ---- reporting ------------------------------------------------------------------------
    def _where(self, stmt: PolicyStatement, principal: str | None) -> str:
        parts = [self.change.label] if self.change.label else []
        parts.append(stmt.ref.label)
        text = " ".join(parts)
        return f"{text} (for principal {principal})" if principal else text

    def _add(
        self, meta: RuleMeta, message: str, stmt: PolicyStatement, hint: str, evidence: dict[str, object]
    ) -> None:
        location = self.change.anchor or stmt.ref.location
        finding = Finding(meta.id, meta.level, message, location, meta.name, hint)
        self.findings.append(
            DiffFinding(finding, {"base": self.base, "granted_by": stmt.ref.to_dict(), **evidence})
        )

    def _new_principal(self, stmt: PolicyStatement, principal: str) -> None:
        names = [e.name for e in sorted(stmt.expand(self.catalog), key=lambda e: e.key)]
        who = "everyone (*)" if principal == EVERYONE else principal
        self._add(
            rules.NEW_PRINCIPAL,
            f"{self._where(stmt, None)} grants {who} {_plural(len(names), 'action')} and no statement at "
            f"{self.base} granted that principal anything: {_examples(names)}",
            stmt,
            "make sure this principal is meant to have access, or remove it from Principal",
            {"principal": principal, "actions": names},
        )

    def _report(self, found: Excess, principal: str | None) -> None:
        stmt = found.statement
        where = self._where(stmt, principal)
        extra = found.extra
        changing = [e.name for e in extra if is_destructive(e.name) or is_changing(e.access_level)]
        changed = set(changing)  # built once: a wildcard expands to thousands of actions
        reading = [e.name for e in extra if e.name not in changed]
        for meta, names, kind in (
            (rules.NEW_CHANGING_ACTION, changing, "write/permissions-management/destructive"),
            (rules.NEW_READ_ACTION, reading, "read/list"),
        ):
            if names:
                self._add(
                    meta,
                    f"{where} grants {_plural(len(names), 'new ' + kind + ' action')} not granted at "
                    f"{self.base}: {_examples(names)}",
                    stmt,
                    "make sure the new access is intended, or remove these actions",
                    {"principal": principal, "actions": names},
                )
        for grant, granted in found.weakened_condition.values():
            names = sorted(set(granted))
            own = ", ".join(str(c) for c in stmt.conditions)
            how = f"under a looser or different condition ({own})" if own else "without a condition"
            self._add(
                rules.WEAKENED_CONDITION,
                f"{where} allows {_examples(names)} {how}; at {self.base} {grant.ref.label} allowed "
                f"{'it' if len(names) == 1 else 'them'} only if "
                + " and ".join(str(c) for c in grant.conditions),
                stmt,
                "restore the base's Condition, or remove these actions from this statement",
                {
                    "principal": principal,
                    "actions": names,
                    "granted_conditions": [c.to_dict() for c in stmt.conditions],
                    "base_statement": grant.ref.to_dict(),
                    "base_conditions": [c.to_dict() for c in grant.conditions],
                },
            )
        for grant, granted in found.lifted.values():
            names = sorted(set(granted))
            meta = rules.WEAKENED_CONDITION if grant.conditions else rules.NEW_RESOURCE
            how = (
                "if " + " and ".join(str(c) for c in grant.conditions)
                if grant.conditions
                else f"on {', '.join(grant.resources)}"
            )
            self._add(
                meta,
                f"{where} allows {_examples(names)}, which at {self.base} the Deny {grant.ref.label} "
                f"removed {how}; the change drops or narrows that Deny",
                stmt,
                "restore the base's Deny, or review why it can go",
                {"principal": principal, "actions": names, "base_deny": grant.to_dict()},
            )
        for grant, granted in found.widened.values():
            names = sorted(set(granted))
            self._add(
                rules.NEW_RESOURCE,
                f"{where} allows {_examples(names)} on {', '.join(found.scopes)}; at {self.base} "
                f"{grant.ref.label} allowed {'it' if len(names) == 1 else 'them'} only on "
                f"{', '.join(grant.resources)}",
                stmt,
                f"scope Resource back to {', '.join(grant.resources)}, or review the wider scope",
                {
                    "principal": principal,
                    "actions": names,
                    "granted_resources": found.scopes,
                    "base_statement": grant.ref.to_dict(),
                    "base_resources": list(grant.resources),
                },
            )


#: Another comparison that runs over the same changes (new privilege-escalation paths, custom
#: rules): given the changes and the base label, its findings. See :func:`new_access`.
ExtraComparison = Callable[[Sequence[PolicyChange], str], list[DiffFinding]]


def new_access(
    changes: Sequence[PolicyChange],
    base: str,
    catalog: ActionCatalog | None = None,
    extra: Sequence[ExtraComparison] = (),
) -> list[DiffFinding]:
    """The access each change grants that its version at ``base`` did not; findings sorted."""
    cat = catalog or default_catalog()
    findings: list[DiffFinding] = []
    for change in changes:
        findings.extend(_Comparison(change, base, cat).run())
    for comparison in extra:
        findings.extend(comparison(changes, base))
    return sorted(findings, key=lambda f: f.finding.sort_key())
