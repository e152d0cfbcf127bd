"""The policy documents of a principal: attached, inline and through its groups, or why not.

A policy is found, in order, in its own document, among the customer policies the inputs
declare (by ARN, name or reference), or in the bundled snapshot of AWS managed policies
(:mod:`policy_lint.reference.managed`). One that none of them holds is unknown, with the reason, never
assumed empty. Documents are parsed with their references canonicalized in the scope of the
principal that names them, so a ``Resource`` that refers to a queue matches that queue's ARN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.findings import Location
from policy_lint.inventory.model import (
    IamGroup,
    IamPolicy,
    IamUser,
    Inventory,
    PolicyRef,
    Unknown,
    first_unknown,
)
from policy_lint.inventory.references import canon_tree, refers_to, same_value, scope_of, text
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.reference.managed import load_managed
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source

#: The attributes of a user or group that hold its policies.
POLICY_ATTRIBUTES = ("attached_policies", "inline_policies")


@dataclass
class ResolvedPolicy:
    """A policy of a user (attached, inline or via a group) and its parsed document, or why not."""

    label: str
    document: PolicyDocument | None
    location: Location | None
    unknown: str | None = None
    managed: bool = False


def parsed_document(data: object, label: str, scope: str | None = None) -> PolicyDocument | Unknown:
    """A policy ``dict`` (references canonicalized in ``scope``) as a :class:`PolicyDocument`."""
    if isinstance(data, Unknown):
        return data
    if not isinstance(data, dict):
        return Unknown(f"{label}: the policy document is not a JSON object")
    nested = first_unknown(data)
    if nested is not None:
        return Unknown(f"{label}: part of the document is unknown ({nested.reason})")
    written = json.dumps(canon_tree(data, scope), indent=2, ensure_ascii=False, default=str)
    return build_document(Source(label, written), parse_json(written), PolicyType.IDENTITY)


def resolve_policy(
    ref: PolicyRef, inventory: Inventory, where: Location | None, scope: str | None = None
) -> ResolvedPolicy:
    """The document of an attached or inline policy (``ref``, written in ``scope``): its own, a
    declared customer policy, or the bundled snapshot of AWS managed policies."""
    arn = ref.arn
    label = ref.name if isinstance(ref.name, str) and ref.name else (text(arn) or "policy")
    if ref.document is not None:
        doc = parsed_document(ref.document, label, scope)
        if isinstance(doc, Unknown):
            return ResolvedPolicy(label, None, where, doc.reason)
        return ResolvedPolicy(label, doc, where)
    if isinstance(arn, Unknown):
        return ResolvedPolicy(label, None, where, f"policy ARN unknown: {arn.reason}")
    if isinstance(arn, str):  # an AWS managed policy's ARN, whose partition may be symbolic
        managed = load_managed(arn)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True)
    for policy in inventory.policies:
        theirs = scope_of(policy)
        if (isinstance(arn, str) and names_policy(arn, policy, scope)) or (
            arn is None and same_value(ref.name, policy.name, scope, theirs)
        ):
            loc = policy.origin_of("document").location
            address = policy.origin.address
            declared = parsed_document(policy.document, address, theirs)
            if isinstance(declared, Unknown):
                return ResolvedPolicy(label, None, loc, declared.reason)
            return ResolvedPolicy(address, declared, loc)
    if arn is None and not ref.inline:
        managed = load_managed(ref.name)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True)
    what = text(arn) or ref.name
    if isinstance(arn, str) and arn_builder.is_aws_managed_policy(arn):
        why = f"AWS managed policy {what} is not in the bundled snapshot"
    else:
        why = f"policy {what} is not declared in the inputs"
    return ResolvedPolicy(label, None, where, why)


def names_policy(arn: str, policy: IamPolicy, scope: str | None) -> bool:
    """Does ``arn`` (written in ``scope``: an attachment, a permissions boundary) name the declared policy?"""
    return same_value(arn, policy.arn, scope, scope_of(policy)) or refers_to(arn, policy, "arn", scope)


def policy_refs(principal: IamUser | IamGroup) -> list[PolicyRef]:
    """The principal's attached and inline policies that are known (a list that is unknown adds none)."""
    return [ref for attr in POLICY_ATTRIBUTES for ref in _known(getattr(principal, attr))]


def _known(refs: Any) -> list[PolicyRef]:
    return refs if isinstance(refs, list) else []


def _own_policies(
    principal: IamUser | IamGroup, inventory: Inventory, prefix: str
) -> tuple[list[ResolvedPolicy], list[str]]:
    """The principal's attached and inline policies, and the reasons some lists are unknown
    (``prefix`` says whose: "" for the user, "group <name> " for a group)."""
    out: list[ResolvedPolicy] = []
    unknown: list[str] = []
    for attr in POLICY_ATTRIBUTES:
        refs = getattr(principal, attr)
        if isinstance(refs, Unknown):
            unknown.append(f"{prefix}{attr.replace('_', ' ')}: {refs.reason}")
            continue
        where = principal.origin_of(attr).location
        out += [resolve_policy(ref, inventory, where, scope_of(principal)) for ref in refs]
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
        theirs, missing = _own_policies(group, inventory, f"group {group_name} ")
        out += theirs
        unknown += missing
    unknown += [f"{p.label}: {p.unknown}" for p in out if p.unknown]
    return out, unknown
