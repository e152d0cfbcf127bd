"""Mark the findings that sit in a statement copied verbatim from the vendor's reference policy.

The mark (``Finding.extra["vendor_reference"]``, the reference statement's label) is all lint
does: whether a marked finding is accepted or blocks is the settings' call
(``accept-vendor-reference``, applied in :mod:`policy_lint.project.apply`), the same for lint,
check and verify.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise

from policy_lint.core.findings import Finding
from policy_lint.policy.model import PolicyDocument
from policy_lint.syntax.nodes import Node, walk

#: ``Finding.extra`` key of the reference statement a finding's statement repeats
VENDOR_REFERENCE = "vendor_reference"
#: ``Finding.extra`` key naming who wrote a statement the input only names (an AWS SAM policy
#: template, which SAM expands at deployment): accepted like the vendor reference's weaknesses
UPSTREAM_TEMPLATE = "upstream_template"


def mark_inherited(doc: PolicyDocument, located: Sequence[tuple[int, Finding]]) -> None:
    """Mark each finding (with the offset of the node it points at) whose statement is a verbatim
    copy of a reference statement. Findings outside every statement are left alone."""
    if not located or not doc.statements:
        return
    from policy_lint.reference.vendor_statements import inherited_from

    offsets = sorted(offset for offset, _ in located)
    spans: list[tuple[int, int, str]] = []
    statements = doc.statements
    starts = [statement.node.offset for statement in statements]
    in_order = all(a < b for a, b in pairwise(starts))
    for number, statement in enumerate(statements):
        start = statement.node.offset
        at = bisect_left(offsets, start)
        if at == len(offsets):
            break  # no finding from here on
        # Statements sit in order in one array, so a node before the next statement's start is inside
        # this one; only the last statement needs its own end (a walk of its nodes).
        last = number + 1 == len(statements) or not in_order
        end = _last_offset(statement.node) if last else starts[number + 1] - 1
        if offsets[at] > end:
            continue  # no finding in this statement: skip the costly comparison with the references
        inherited = inherited_from(statement.node.to_python())
        if inherited is not None:
            spans.append((start, end, inherited.label))
    for offset, finding in located:
        label = next((label for start, end, label in spans if start <= offset <= end), None)
        if label is not None:
            finding.extra[VENDOR_REFERENCE] = label


def _last_offset(node: Node) -> int:
    return max(child.offset for child in walk(node))
