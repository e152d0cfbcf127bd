"""Each user and role of a changed Terraform folder or CloudFormation template, at both sides.

``diff --base`` builds the planned inventory of the folder (or template) at the base and after the
change, as ``check`` loads it, and pairs the principals declared there by kind and address
(Terraform address, logical ID). What reaches each one (attached, inline and group policies, and
its permissions boundary: :func:`policy_lint.inventory.policies.principal_policies`) becomes a
:class:`~policy_lint.iam.principal_access.PrincipalAccess`, which
:mod:`policy_lint.iam.principal_access` compares. Locations at the base are rewritten from the
private copy's paths to ``REF:path``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

from policy_lint.checks.principals.reach import roles
from policy_lint.core.findings import Location
from policy_lint.iam.escalation import RoleTarget
from policy_lint.iam.principal_access import HeldPolicy, PrincipalAccess, PrincipalChange
from policy_lint.inventory.model import IamRole, IamUser, Inventory, Origin, Resource
from policy_lint.inventory.names import display_name, readable
from policy_lint.inventory.policies import ResolvedPolicy, principal_policies
from policy_lint.inventory.references import canon, scope_of

Relocate = Callable[[Location | None], Location | None]


def _key(policy: ResolvedPolicy) -> str:
    """The same text at both sides for one policy reaching one way (not a location: a line moves)."""
    what = f"inline {policy.label}" if policy.inline else (policy.arn or _address(policy) or policy.label)
    return f"{policy.via or ''}|{what}"


def _address(policy: ResolvedPolicy) -> str | None:
    """The declaring resource's address without the root-module path (which is the base's private
    copy at one side and the working tree at the other)."""
    if policy.declared_by is None:
        return None
    return policy.declared_by.rsplit(": ", 1)[-1]


def _held(
    policy: ResolvedPolicy, holder: str, relocate: Relocate, membership: Location | None = None
) -> HeldPolicy | None:
    """``membership``: where the principal joins its groups, which is where a group's policy
    reaches it (the group's own attachment may be unchanged)."""
    if policy.document is None:
        return None  # its reason is in the principal's unknown list
    return HeldPolicy(
        _key(policy),
        readable(policy.shown(holder)),
        policy.document,
        relocate(membership if policy.via and membership else policy.location),
        relocate(policy.where),
    )


def access_of(principal: IamUser | IamRole, inventory: Inventory, relocate: Relocate) -> PrincipalAccess:
    """What reaches one principal, located for reports (``relocate``: a base copy's path -> ``REF:path``)."""
    kind = "user" if isinstance(principal, IamUser) else "role"
    name = display_name(principal.name, principal)
    arn = principal.arn
    access = PrincipalAccess(
        kind,
        name,
        principal.origin.address,
        relocate(principal.origin.location),
        arn=canon(arn, scope_of(principal)) if isinstance(arn, str) else None,
    )
    resolved = principal_policies(principal, inventory)
    access.unknown = list(resolved.unknown)
    seen: set[str] = set()
    membership = principal.origin_of("groups").location if isinstance(principal, IamUser) else None
    for policy in resolved.policies:
        held = _held(policy, access.who, relocate, membership)
        if held is not None and held.key not in seen:
            seen.add(held.key)
            access.policies.append(held)
    if resolved.boundary is not None:
        access.boundary = _held(resolved.boundary, access.who, relocate)
        access.boundary_at = relocate(principal.origin_of("permissions_boundary").location)
    # principal_policies words a boundary it cannot read so (whether it has one, or its document)
    access.boundary_unknown = next(
        (u for u in resolved.unknown if u.startswith("permissions boundary")), None
    )
    return access


def rescope(inventory: Inventory, old: str, new: str) -> None:
    """Write the base's references in the after side's scope: the base is read from a private copy,
    so its Terraform root (``terraform root /tmp/.../iam``) or template path is not the working
    tree's, and ``${aws_s3_bucket.logs.arn}`` would read as another bucket at each side."""
    for item in fields(inventory):
        resources = getattr(inventory, item.name)
        if not isinstance(resources, list):
            continue
        for resource in resources:
            if isinstance(resource, Resource):
                resource.origin = _moved(resource.origin, old, new)
                resource.attribute_origins = {
                    k: _moved(v, old, new) for k, v in resource.attribute_origins.items()
                }


def _moved(origin: Origin, old: str, new: str) -> Origin:
    scope = origin.symbol_scope
    if scope is None or old not in scope:
        return origin
    return replace(origin, symbol_scope=scope.replace(old, new))


def _principals(
    inventory: Inventory, declared: Callable[[Location | None], bool]
) -> dict[tuple[str, str], IamUser | IamRole]:
    found: dict[tuple[str, str], IamUser | IamRole] = {}
    principals: list[IamUser | IamRole] = [*inventory.users, *inventory.roles]
    for principal in principals:
        if declared(principal.origin.location):
            kind = "user" if isinstance(principal, IamUser) else "role"
            found.setdefault((kind, principal.origin.address), principal)
    return found


def principal_changes(
    before: Inventory | None,
    after: Inventory,
    declared_before: Callable[[Location | None], bool],
    declared_after: Callable[[Location | None], bool],
    relocate_before: Relocate,
    relocate_after: Relocate,
) -> list[PrincipalChange]:
    """Each user and role declared in the files read after the change (``declared_after``), with its
    version at the base (None when the base has none, or ``before`` is None: a new template)."""
    old = _principals(before, declared_before) if before is not None else {}
    changes: list[PrincipalChange] = []
    after_roles = _role_targets(after)
    before_roles = _role_targets(before) if before is not None else ()
    for key, principal in _principals(after, declared_after).items():
        now = access_of(principal, after, relocate_after)
        now.roles = after_roles
        was = None
        if key in old and before is not None:
            was = access_of(old[key], before, relocate_before)
            was.roles = before_roles
        changes.append(PrincipalChange(was, now))
    return changes


def _role_targets(inventory: Inventory) -> tuple[RoleTarget, ...]:
    """The roles a principal of the inventory might assume (for the assume-role escalation path)."""
    found, _untrusted = roles(inventory, {})
    return tuple(role.target for role in found.values())
