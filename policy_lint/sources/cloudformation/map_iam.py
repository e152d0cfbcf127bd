"""CloudFormation IAM resources into the inventory: users, groups, their policies, keys and memberships.

Policies and memberships declared as their own resources (``AWS::IAM::Policy``,
``UserToGroupAddition``, ...) become attachments folded into the user or group by :mod:`cfn_link`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import (
    AccessKey,
    IamGroup,
    IamPolicy,
    IamRole,
    IamUser,
    Maybe,
    PolicyRef,
    Resource,
    Unknown,
)
from policy_lint.sources.cloudformation.intrinsics import Resolver, UnknownNode, intrinsic
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import (
    given,
    link_name,
    link_text,
    link_value,
    list_items,
    literal_text,
    required_document,
)
from policy_lint.syntax.nodes import Node, ObjectNode


def map_user(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("UserName")), Resolver.default_ref(logical_id).text)
    login = props.get("LoginProfile")
    user = IamUser(
        stack.origin(logical_id, offset),
        name=name,
        arn=link_value(stack.symbols.attr(logical_id, "Arn")),
        iam_path=link_text(props.get("Path")),
        has_login_profile=Unknown(f"LoginProfile: {login.unknown.reason}")
        if isinstance(login, UnknownNode)
        else login is not None,
        access_keys=[],
        attached_policies=[],
        inline_policies=[],
        groups=[],
        permissions_boundary=link_text(props.get("PermissionsBoundary")),
        mfa_enabled=Unknown("MFA devices of a planned user are not known from the template"),
        password_last_used=Unknown("sign-ins of a planned user are not known from the template"),
    )
    for attribute, prop in (
        ("name", "UserName"),
        ("has_login_profile", "LoginProfile"),
        ("attached_policies", "ManagedPolicyArns"),
        ("inline_policies", "Policies"),
        ("groups", "Groups"),
        ("permissions_boundary", "PermissionsBoundary"),
    ):
        stack.prop_origin(user, attribute, props, prop)
    _fill_principal(stack, user, props)
    groups = list_items(props.get("Groups"))
    user.groups = groups if isinstance(groups, Unknown) else [link_name(item) for item in groups]
    stack.add("user", logical_id, user, name, user.arn if isinstance(user.arn, str) else None)


def _fill_principal(stack: Stack, principal: IamUser | IamGroup | IamRole, props: ObjectNode) -> None:
    """Inline ``Policies`` and ``ManagedPolicyArns`` of a user or group."""
    policies = list_items(props.get("Policies"))
    if isinstance(policies, Unknown):
        principal.inline_policies = policies
    else:
        inline: list[PolicyRef] = []
        for item in policies:
            entry = item if isinstance(item, ObjectNode) else ObjectNode(item.offset)
            inline.append(
                PolicyRef(
                    name=link_name(entry.get("PolicyName")) if entry.get("PolicyName") else "(unnamed)",
                    document=required_document(entry.get("PolicyDocument")),
                    inline=True,
                    location=stack.origin(principal.origin.address, entry.offset).location,
                )
            )
        principal.inline_policies = inline
    managed = list_items(props.get("ManagedPolicyArns"))
    if isinstance(managed, Unknown):
        principal.attached_policies = managed
        return
    raw = stack.raw_targets(principal.origin.address, "ManagedPolicyArns", props.get("ManagedPolicyArns"))
    for written, resolved in zip(raw, managed, strict=False):
        attach_managed(stack, principal, written, resolved)


def attach_managed(
    stack: Stack, principal: IamUser | IamGroup | IamRole, written: Node, resolved: Node
) -> None:
    arn = link_text(resolved)
    if isinstance(arn, str):
        managed = arn_builder.aws_managed_policy(arn)
        if managed is not None:
            _append(principal, "attached_policies", PolicyRef(name=managed.name, arn=arn, document=None))
            return
    placeholder = PolicyRef(
        name=arn if isinstance(arn, str) else "(unknown)",
        arn=arn,
        document=Unknown("a customer managed policy not declared in the templates checked"),
    )
    _append(principal, "attached_policies", placeholder)

    def resolve_to(policy: Resource) -> None:
        assert isinstance(policy, IamPolicy)
        placeholder.name = policy.name if isinstance(policy.name, str) else placeholder.name
        placeholder.arn = policy.arn
        placeholder.document = policy.document

    found = intrinsic(written)
    if (found is not None and found[0] == "Ref") or (isinstance(arn, str) and ":policy/" in arn):
        stack.attach("policy", written, resolve_to, f"{principal.origin.address}.ManagedPolicyArns")


def _append(principal: Any, attribute: str, value: Any) -> None:
    current = getattr(principal, attribute)
    if isinstance(current, list) and value not in current:
        current.append(value)


def map_group(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("GroupName")), Resolver.default_ref(logical_id).text)
    group = IamGroup(stack.origin(logical_id, offset), name=name, attached_policies=[], inline_policies=[])
    stack.prop_origin(group, "attached_policies", props, "ManagedPolicyArns")
    stack.prop_origin(group, "inline_policies", props, "Policies")
    _fill_principal(stack, group, props)
    stack.add("group", logical_id, group, name)


def map_role(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("RoleName")), Resolver.default_ref(logical_id).text)
    role = IamRole(
        stack.origin(logical_id, offset),
        name=name,
        arn=link_value(stack.symbols.attr(logical_id, "Arn")),
        iam_path=link_text(props.get("Path")),
        trust_policy=required_document(props.get("AssumeRolePolicyDocument")),
        attached_policies=[],
        inline_policies=[],
        permissions_boundary=link_text(props.get("PermissionsBoundary")),
    )
    for attribute, prop in (
        ("trust_policy", "AssumeRolePolicyDocument"),
        ("attached_policies", "ManagedPolicyArns"),
        ("inline_policies", "Policies"),
        ("permissions_boundary", "PermissionsBoundary"),
    ):
        stack.prop_origin(role, attribute, props, prop)
    _fill_principal(stack, role, props)
    stack.add("role", logical_id, role, name, role.arn if isinstance(role.arn, str) else None)


def map_user_to_group(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    group = link_text(props.get("GroupName"))
    if group is None:
        stack.warn(f"{logical_id}: AWS::IAM::UserToGroupAddition without GroupName", offset)
        return
    for target in stack.raw_targets(logical_id, "Users", props.get("Users")):
        stack.attach("user", target, partial(_append_group, group=group), f"{logical_id}.Users")


def _append_group(user: Any, group: Maybe[str]) -> None:
    if isinstance(group, Unknown):
        user.groups = Unknown(f"group membership: {group.reason}")
    else:
        _append(user, "groups", group)


def map_access_key(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    status_node = props.get("Status")
    status = literal_text(status_node, "access key Status") if status_node is not None else "Active"
    key = AccessKey(
        key_id_suffix="",
        status=status if status is not None else "Active",
        created=Unknown(f"{logical_id} is created when the stack is deployed"),
        last_used=Unknown(f"{logical_id} is created when the stack is deployed; its use is not known"),
    )
    target = stack.raw_property(logical_id, "UserName")
    if target is None:
        stack.warn(f"{logical_id}: AWS::IAM::AccessKey without UserName", offset)
        return
    stack.attach(
        "user", target, partial(_append, attribute="access_keys", value=key), f"{logical_id}.UserName"
    )


def map_managed_policy(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = given(link_text(props.get("ManagedPolicyName")), Resolver.default_ref(logical_id).text)
    arn = link_value(stack.symbols.policy_arn(logical_id))
    document = required_document(props.get("PolicyDocument"))
    path = link_text(props.get("Path"))
    policy = IamPolicy(stack.origin(logical_id, offset), name=name, arn=arn, iam_path=path, document=document)
    stack.prop_origin(policy, "document", props, "PolicyDocument")
    stack.add("policy", logical_id, policy, name, arn)
    ref = PolicyRef(name=name if isinstance(name, str) else logical_id, arn=arn, document=document)
    for prop, kind in (("Users", "user"), ("Groups", "group"), ("Roles", "role")):
        for target in stack.raw_targets(logical_id, prop, props.get(prop)):
            stack.attach(
                kind,
                target,
                partial(_append, attribute="attached_policies", value=ref),
                f"{logical_id}.{prop}",
            )


def map_inline_policy(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    ref = PolicyRef(
        name=link_name(props.get("PolicyName")) if props.get("PolicyName") else logical_id,
        document=required_document(props.get("PolicyDocument")),
        inline=True,
        location=stack.origin(logical_id, offset).location,
    )
    for prop, kind in (("Users", "user"), ("Groups", "group"), ("Roles", "role")):
        for target in stack.raw_targets(logical_id, prop, props.get(prop)):
            stack.attach(
                kind, target, partial(_append, attribute="inline_policies", value=ref), f"{logical_id}.{prop}"
            )
