"""PD206: privilege-escalation paths a change opens (``diff --base``).

The escalation paths of each changed identity policy (:func:`policy_lint.iam.escalation.find_escalations`,
one document at a time, as ``lint`` judges it) after the change, less those its version at the base
already opened. A path that needs a condition is still reported, with the condition (uncertain is
said, not dropped); one the base opened under a condition and the change opens without it is the
weakened condition PD205 reports, not a new path.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy_lint.core.findings import Finding, Location
from policy_lint.iam import new_access_rules as rules
from policy_lint.iam.diff import DiffFinding
from policy_lint.iam.escalation import EscalationPath, SourcedPolicy, find_escalations
from policy_lint.iam.new_access import PolicyChange
from policy_lint.policy.model import PolicyDocument, PolicyType


def _paths(document: PolicyDocument | None, label: str) -> list[EscalationPath]:
    if document is None or document.policy_type is not PolicyType.IDENTITY:
        return []
    return find_escalations([SourcedPolicy(document, label)])


def new_escalations(changes: Sequence[PolicyChange], base: str) -> list[DiffFinding]:
    """One PD206 finding per path a changed policy opens that its version at ``base`` did not."""
    found: list[DiffFinding] = []
    for change in changes:
        label = change.label or change.after.path
        before = {(p.id, p.via_role) for p in _paths(change.before, label)}
        for path in _paths(change.after, label):
            if (path.id, path.via_role) in before:
                continue
            actions = sorted({c.action for c in path.contributions})
            location = change.anchor or (
                path.contributions[0].location if path.contributions else Location(change.after.path, 1, 1)
            )
            condition = f" if {' and '.join(path.conditions)}" if path.conditional else ""
            where = f"{change.label} " if change.label else ""
            message = (
                f"{where}opens the privilege-escalation path {path.id} ({path.title}){condition}, which it "
                f"did not at {base}: {', '.join(actions)}"
            )
            found.append(escalation_finding(path, message, location, {"base": base}))
    return found


def escalation_finding(
    path: EscalationPath, message: str, location: Location, evidence: dict[str, object]
) -> DiffFinding:
    """A PD206 finding for ``path``, with the path's fix as the hint and the path as evidence."""
    meta = rules.NEW_ESCALATION
    finding = Finding(meta.id, meta.level, message, location, meta.name, path.spec.fix)
    return DiffFinding(finding, {**evidence, "escalation": path.to_dict()})
