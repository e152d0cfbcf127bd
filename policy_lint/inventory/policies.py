"""The policy documents of a principal: attached, inline and through its groups, or why not.

One resolution for every rule that reads a principal's permissions: the onboarding rules (a
user's policies, :func:`user_policies`) and privilege escalation (a user's or role's policies
and its permissions boundary, :func:`principal_policies`).

A policy is found, in order, in its own document, among the customer policies the inputs
declare (by ARN, name or reference), or in the bundled snapshot of AWS managed policies
(:mod:`policy_lint.reference.managed`). One that none of them holds is unknown, with the reason, never
assumed empty. Documents are parsed with their references canonicalized in the scope of the
principal that names them, so a ``Resource`` that refers to a queue matches that queue's ARN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.findings import Location
from policy_lint.inventory.model import (
    IamGroup,
    IamPolicy,
    IamRole,
    IamUser,
    Inventory,
    PolicyRef,
    Unknown,
    first_unknown,
)
from policy_lint.inventory.references import canon_tree, refers_to, same_value, scope_of, text
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.reference.managed import load_managed, path_of
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source

#: The attributes of a user or group that hold its policies.
POLICY_ATTRIBUTES = ("attached_policies", "inline_policies")


@dataclass
class ResolvedPolicy:
    """A policy of a user (attached, inline or via a group) and its parsed document, or why not."""

    label: str
    document: PolicyDocument | None
    #: where the principal receives it: the attachment (or the inline policy) that names it
    location: Location | None
    unknown: str | None = None
    managed: bool = False
    #: the resource that declares the document, as users know it (Terraform address, CloudFormation
    #: logical ID, live ARN); None for an inline policy or an AWS managed policy
    declared_by: str | None = None
    #: where the document itself is written, when a declared policy holds it (its ``policy`` attribute)
    written_at: Location | None = None
    #: "group NAME" when the principal receives it through a group membership
    via: str | None = None
    inline: bool = False
    #: the policy's ARN when it is known as text (AWS managed, live, declared with a literal ARN)
    arn: str | None = None

    def shown(self, holder: str) -> str:
        """How a finding names this policy for people: ``inline policy NAME of user X``,
        ``policy aws_iam_policy.x``, ``AWS managed policy ReadOnlyAccess``, each with the group it
        comes through (``holder`` names the principal that holds an inline policy)."""
        if self.inline:
            text = f"inline policy {self.label} of {self.via or holder}"
        else:
            if self.managed:  # its name: the ARN may hold a partition the input leaves to a reference
                text = f"AWS managed policy {self.label}"
            else:
                text = f"policy {self.declared_by or self.arn or self.label}"
            if self.via:
                text += f" (through {self.via})"
        return text

    @property
    def where(self) -> Location | None:
        """Where its statements are written: the declared document, else where it is attached."""
        return self.written_at or self.location


def parsed_document(data: object, label: str, scope: str | None = None) -> PolicyDocument | Unknown:
    """A policy ``dict`` (references canonicalized in ``scope``) as a :class:`PolicyDocument`.

    Parsed once per text, label and scope (:func:`_parsed_text`): the escalation rules resolve
    every principal's policies, in each CloudFormation condition scenario, and a document model
    is never changed once built."""
    if isinstance(data, Unknown):
        return data
    if not isinstance(data, dict):
        return Unknown(f"{label}: the policy document is not a JSON object")
    nested = first_unknown(data)
    if nested is not None:
        return Unknown(f"{label}: part of the document is unknown ({nested.reason})")
    return _parsed_text(json.dumps(data, ensure_ascii=False, default=str), label, scope)


@lru_cache(maxsize=4096)
def _parsed_text(raw: str, label: str, scope: str | None) -> PolicyDocument:
    written = json.dumps(canon_tree(json.loads(raw), scope), indent=2, ensure_ascii=False)
    return build_document(Source(label, written), parse_json(written), PolicyType.IDENTITY)


def resolve_policy(
    ref: PolicyRef, inventory: Inventory, where: Location | None, scope: str | None = None
) -> ResolvedPolicy:
    """The document of an attached or inline policy (``ref``, written in ``scope``): its own, a
    declared customer policy, or the bundled snapshot of AWS managed policies."""
    resolved = _resolve(ref, inventory, ref.location or where, scope)
    resolved.inline = ref.inline
    if resolved.arn is None and isinstance(ref.arn, str) and ":" in ref.arn:
        resolved.arn = ref.arn
    return resolved


def _resolve(
    ref: PolicyRef, inventory: Inventory, where: Location | None, scope: str | None
) -> ResolvedPolicy:
    arn = ref.arn
    label = ref.name if isinstance(ref.name, str) and ref.name else (text(arn) or "policy")
    declared = _declared(ref, inventory, scope) if not ref.inline else None
    if ref.document is not None:
        doc = parsed_document(ref.document, label, scope)
        if isinstance(doc, Unknown):
            return ResolvedPolicy(label, None, where, doc.reason)
        if declared is not None:  # the document a declared policy holds, copied onto the attachment
            address, written = declared.origin.qualified, declared.origin_of("document").location
            return ResolvedPolicy(label, doc, where, declared_by=address, written_at=written)
        return ResolvedPolicy(label, doc, where)
    if isinstance(arn, Unknown):
        return ResolvedPolicy(label, None, where, f"policy ARN unknown: {arn.reason}")
    if isinstance(arn, str):  # an AWS managed policy's ARN, whose partition may be symbolic
        managed = load_managed(arn, every=True)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True, arn=arn)
    if declared is not None:
        loc = declared.origin_of("document").location
        address = declared.origin.address
        parsed = parsed_document(declared.document, address, scope_of(declared))
        shown = declared.origin.qualified
        if isinstance(parsed, Unknown):
            return ResolvedPolicy(label, None, loc, parsed.reason, declared_by=shown)
        return ResolvedPolicy(address, parsed, loc, declared_by=shown, written_at=loc)
    if arn is None and not ref.inline:
        managed = load_managed(ref.name, every=True)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True)
    what = text(arn) or ref.name
    if isinstance(arn, str) and arn_builder.is_aws_managed_policy(arn):
        why = f"AWS managed policy {what} is not in the bundled snapshot"
        real_path = path_of(arn.rsplit("/", 1)[-1])
        if real_path is not None:  # the name exists, under another path: IAM finds no such policy
            why = f"AWS managed policy {what} does not exist: that policy's path is {real_path}"
    else:
        why = f"policy {what} is not declared in the inputs"
    return ResolvedPolicy(label, None, where, why)


def _declared(ref: PolicyRef, inventory: Inventory, scope: str | None) -> IamPolicy | None:
    """The customer policy the inputs declare that an attachment names (by ARN or reference, or by
    name when it gives no ARN)."""
    arn = ref.arn
    for policy in inventory.policies:
        if (isinstance(arn, str) and names_policy(arn, policy, scope)) or (
            arn is None and same_value(ref.name, policy.name, scope, scope_of(policy))
        ):
            return policy
    return None


def names_policy(arn: str, policy: IamPolicy, scope: str | None) -> bool:
    """Does ``arn`` (written in ``scope``: an attachment, a permissions boundary) name the declared policy?"""
    return same_value(arn, policy.arn, scope, scope_of(policy)) or refers_to(arn, policy, "arn", scope)


def has_member(group: IamGroup, inventory: Inventory) -> bool:
    """Does a user of the inputs belong to the group (so its policies reach a principal)?"""
    for user in inventory.users:
        names = user.groups if isinstance(user.groups, list) else []
        if any(_group_named(name, user, inventory) is group for name in names):
            return True
    return False


def reaches_a_principal(policy: IamPolicy, inventory: Inventory) -> bool:
    """Is the declared policy attached to a user or role of the inputs, or to a group one belongs to?"""
    holders: list[IamUser | IamGroup | IamRole] = [*inventory.users, *inventory.roles, *inventory.groups]
    for holder in holders:
        attached = holder.attached_policies
        refs = attached if isinstance(attached, list) else []
        if not any(isinstance(r.arn, str) and names_policy(r.arn, policy, scope_of(holder)) for r in refs):
            continue
        if not isinstance(holder, IamGroup) or has_member(holder, inventory):
            return True
    return False


def policy_refs(principal: IamUser | IamGroup) -> list[PolicyRef]:
    """The principal's attached and inline policies that are known (a list that is unknown adds none)."""
    return [ref for attr in POLICY_ATTRIBUTES for ref in _known(getattr(principal, attr))]


def _known(refs: Any) -> list[PolicyRef]:
    return refs if isinstance(refs, list) else []


def _own_policies(
    principal: IamUser | IamGroup | IamRole, inventory: Inventory, prefix: str, via: str | None = None
) -> tuple[list[ResolvedPolicy], list[str]]:
    """The principal's attached and inline policies, and the reasons some lists are unknown
    (``prefix`` says whose: "" for the user, "group <name> " for a group, which ``via`` names)."""
    out: list[ResolvedPolicy] = []
    unknown: list[str] = []
    for attr in POLICY_ATTRIBUTES:
        refs = getattr(principal, attr)
        if isinstance(refs, Unknown):
            unknown.append(f"{prefix}{attr.replace('_', ' ')}: {refs.reason}")
            continue
        where = principal.origin_of(attr).location
        for ref in refs:
            resolved = resolve_policy(ref, inventory, where, scope_of(principal))
            resolved.via = via
            out.append(resolved)
    return out, unknown


def _group_named(name: str, user: IamUser, inventory: Inventory) -> IamGroup | None:
    """The declared group a user's membership names (by name, or by reference in the user's scope)."""
    mine = scope_of(user)
    return next(
        (
            g
            for g in inventory.groups
            if same_value(g.name, name, scope_of(g), mine) or refers_to(name, g, "name", mine)
        ),
        None,
    )


def user_policies(user: IamUser, inventory: Inventory) -> tuple[list[ResolvedPolicy], list[str]]:
    """Attached, inline and group policies of the user, and the reasons some are unknown."""
    out, unknown = _own_policies(user, inventory, "")
    groups = user.groups
    if isinstance(groups, Unknown):
        unknown.append(f"groups: {groups.reason}")
        groups = []
    for group_name in groups:
        group = _group_named(group_name, user, inventory)
        if group is None:
            unknown.append(f"group {group_name} is not declared in the inputs")
            continue
        shown = group.name if isinstance(group.name, str) else group.origin.qualified
        theirs, missing = _own_policies(group, inventory, f"group {group_name} ", via=f"group {shown}")
        out += theirs
        unknown += missing
    unknown += [f"{p.label}: {p.unknown}" for p in out if p.unknown]
    return out, unknown


@dataclass
class PrincipalPolicies:
    """Every policy that reaches one user or role, its permissions boundary, and what is unknown."""

    policies: list[ResolvedPolicy]
    #: the permissions boundary, resolved (its ``unknown`` says why its document is not known);
    #: None when the principal has none
    boundary: ResolvedPolicy | None
    #: why part of what reaches the principal is not known (a policy, a group, the boundary)
    unknown: list[str]


def principal_policies(principal: IamUser | IamRole, inventory: Inventory) -> PrincipalPolicies:
    """What reaches a user (its own policies and its groups') or a role (its own), and its boundary."""
    if isinstance(principal, IamUser):
        policies, unknown = user_policies(principal, inventory)
    else:
        policies, unknown = _own_policies(principal, inventory, "")
        unknown += [f"{p.label}: {p.unknown}" for p in policies if p.unknown]
    boundary = permissions_boundary(principal, inventory)
    if isinstance(boundary, Unknown):
        unknown.append(f"permissions boundary: {boundary.reason}")
        return PrincipalPolicies(policies, None, unknown)
    if boundary is not None and boundary.unknown:
        unknown.append(f"permissions boundary {boundary.label}: {boundary.unknown}")
    return PrincipalPolicies(policies, boundary, unknown)


def permissions_boundary(
    principal: IamUser | IamRole, inventory: Inventory
) -> ResolvedPolicy | Unknown | None:
    """The principal's permissions boundary with its document (AWS managed or declared), None
    without one, Unknown when whether it has one is not known."""
    named = principal.permissions_boundary
    if isinstance(named, Unknown):
        return named
    if not named:
        return None
    where = principal.origin_of("permissions_boundary").location
    ref = PolicyRef(named.rsplit("/", 1)[-1], arn=named)
    return resolve_policy(ref, inventory, where, scope_of(principal))
