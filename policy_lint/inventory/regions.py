"""Are two resources in one region? Decided from what each source recorded on the origins.

A literal region says it. Where the input does not say which region a resource is in, its
source records what decides it (``Origin.region_scope``): resources of one CloudFormation
template are in the stack's region, resources of one Terraform provider configuration in that
provider's region, whatever it turns out to be. Across scopes the same unresolved text may name
two regions (``${AWS::Region}`` of two stacks), so the answer is unknown, naming what is missing.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from policy_lint.inventory.model import Resource, Unknown
from policy_lint.inventory.references import is_literal, same_value, scope_of

#: the values of :class:`policy_lint.rules.registry.Status`, so a rule turns one into the other
Verdict: TypeAlias = Literal["pass", "fail", "unknown"]


def same_region(a: Resource, a_region: object, b: Resource, b_region: object) -> tuple[Verdict, str]:
    """(verdict, why): are the two resources, in ``a_region`` and ``b_region``, in the same region?

    Literal regions compare directly. Resources that share a region scope share a region. Two
    regions that are the same unresolved reference, written in one scope, are one region.
    """
    if is_literal(a_region) and is_literal(b_region):
        if a_region == b_region:
            return "pass", f"both in {a_region}"
        return "fail", f"{a_region} != {b_region}"
    shared = a.origin.region_scope
    if shared is not None and shared == b.origin.region_scope:
        return "pass", f"both {shared.shared}"
    written_in = scope_of(a)
    if written_in is not None and same_value(a_region, b_region, written_in, scope_of(b)):
        return "pass", f"both in {a_region} (the same provider region)"
    reasons = [
        f"{r.origin.address}: {v.reason if isinstance(v, Unknown) else (v or 'not stated')}"
        for r, v in ((a, a_region), (b, b_region))
        if not is_literal(v)
    ]
    return "unknown", "region unknown (" + "; ".join(reasons) + ")"
