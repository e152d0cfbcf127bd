"""PD206 per principal: privilege-escalation paths a change opens for a user or role.

:mod:`policy_lint.iam.new_escalations` judges each changed policy on its own. A path also opens
without a policy's text changing: an attachment gives a principal the action that completes a
path with what it already had, a boundary that blocked a step goes, a Deny that blocked one goes.
Here the paths of every policy that reaches each principal, within its boundary
(:func:`~policy_lint.iam.escalation.find_escalations`, as ``check`` judges a principal), after the
change are compared with those at the base. A path one changed policy opens on its own, which
reached the principal at both sides, is the per-document finding and is not repeated.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy_lint.core.findings import Location
from policy_lint.iam.diff import DiffFinding
from policy_lint.iam.escalation import EscalationPath, SourcedPolicy, find_escalations
from policy_lint.iam.new_escalations import escalation_finding
from policy_lint.iam.principal_access import HeldPolicy, PrincipalAccess, PrincipalChange


def _paths(
    access: PrincipalAccess, bounded: bool = True
) -> tuple[list[EscalationPath], dict[str, HeldPolicy]]:
    """The principal's paths (``bounded``: within its boundary), and each evaluator label's policy."""
    labels: dict[str, HeldPolicy] = {}
    sources: list[SourcedPolicy] = []
    for held in access.policies:
        label = held.shown
        while label in labels:
            label += "'"
        labels[label] = held
        sources.append(SourcedPolicy(held.document, label))
    boundaries = []
    if access.boundary is not None and bounded:
        label = f"permissions boundary {access.boundary.shown}"
        labels[label] = access.boundary
        boundaries.append(SourcedPolicy(access.boundary.document, label, "boundary"))
    found = find_escalations(sources, boundaries, roles=access.roles, principal_arn=access.arn)
    return found, labels


def _alone(held: HeldPolicy, path: EscalationPath) -> bool:
    """Does the policy open the path by itself?"""
    return any(
        (p.id, p.via_role) == (path.id, path.via_role)
        for p in find_escalations([SourcedPolicy(held.document, held.shown)])
    )


def _per_document(change: PrincipalChange, path: EscalationPath, labels: dict[str, HeldPolicy]) -> bool:
    """Is the path the per-document finding: one policy opens it alone after the change, reached
    the principal at the base, and did not open it alone there?"""
    if change.before is None:
        return False
    held = {labels[c.label].key for c in path.contributions if c.label in labels and c.kind == "identity"}
    if len(held) != 1:
        return False
    (key,) = held
    now = next(h for h in change.after.policies if h.key == key)
    was = next((h for h in change.before.policies if h.key == key), None)
    return was is not None and _alone(now, path) and not _alone(was, path)


def _cause(
    change: PrincipalChange, path: EscalationPath, labels: dict[str, HeldPolicy], base: str
) -> tuple[str, Location | None]:
    """Why the path is open now, and where that change is (the attachment, the boundary)."""
    after, before = change.after, change.before
    keys = {h.key for h in before.policies} if before is not None else set()
    new = [
        labels[c.label]
        for c in path.contributions
        if c.label in labels and c.kind == "identity" and labels[c.label].key not in keys
    ]
    if new:
        shown = sorted({h.shown + (f" at {h.reached_at}" if h.reached_at else "") for h in new})
        fresh = f"{after.who} is new and receives" if before is None else "it now receives"
        return f"{fresh} {', '.join(shown)}", new[0].reached_at
    assert before is not None  # a new principal's policies are all new
    texts = {h.key: h.document.source.text for h in before.policies}
    rewritten = [
        labels[c.label]
        for c in path.contributions
        if c.label in labels
        and c.kind == "identity"
        and texts.get(labels[c.label].key) != labels[c.label].document.source.text
    ]
    if rewritten:
        held = rewritten[0]
        return f"the change to {held.shown} opens it with the other policies that reach it", held.written_at
    unbounded = {(p.id, p.via_role) for p in _paths(before, bounded=False)[0]}
    if before.boundary is not None and (path.id, path.via_role) in unbounded:
        was = before.boundary.shown + (
            f" at {before.boundary.written_at}" if before.boundary.written_at else ""
        )
        now = "the change removes it" if after.boundary is None else "the change loosens or replaces it"
        return f"its permissions boundary at {base} ({was}) blocked it and {now}", after.boundary_at
    return f"a Deny that reached it at {base} no longer blocks it", None


def principal_new_escalations(changes: Sequence[PrincipalChange], base: str) -> list[DiffFinding]:
    """One PD206 per (principal, path) the change opens that the base did not, naming the cause."""
    found: list[DiffFinding] = []
    for change in changes:
        if change.after.boundary_unknown is not None or change.unchanged:
            continue  # a boundary not known may block any path (PD207 says so); nothing changed
        after, labels = _paths(change.after)
        if not after:
            continue
        before = {(p.id, p.via_role) for p in _paths(change.before)[0]} if change.before else set()
        for path in after:
            if (path.id, path.via_role) in before or _per_document(change, path, labels):
                continue
            who = change.after.who
            actions = sorted({c.action for c in path.contributions})
            condition = f" if {' and '.join(path.conditions)}" if path.conditional else ""
            via = f" via {path.via_role}" if path.via_role else ""
            cause, at = _cause(change, path, labels, base)
            message = (
                f"{who} can now take the privilege-escalation path {path.id} ({path.title}){via}{condition}, "
                f"which it could not at {base}: {cause}; {', '.join(actions)}"
            )
            location = at or change.after.location or Location(change.after.address, 1, 1)
            found.append(escalation_finding(path, message, location, {"base": base, "principal": who}))
    return found
