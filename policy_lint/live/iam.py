"""IAM users, their groups, roles and the customer managed policies attached to any of them (PLAN-QUICK-USER, AWS-KEY-LAST-USED, AWS-USER-NO-ENABLED-FLAG, AWS-NO-CONSOLE, AWS-TWO-KEYS, PLAN-FEATURE-POLICIES).

AWS managed policies are referenced by ARN without a document: checks read the bundled
snapshot (:mod:`policy_lint.reference.managed`), which spares a GetPolicyVersion per attachment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
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
)
from policy_lint.live.api import Api, Failure, iso, observed, run_all


def list_users(api: Api) -> list[dict[str, Any]] | Failure:
    return api.paginate("iam", "ListUsers", "Users")


def collect_user(api: Api, listed: dict[str, Any]) -> tuple[IamUser, dict[str, str]]:
    """Every fact about one user, and its groups' ARNs by name; a refused call leaves just that
    fact Unknown."""
    name = listed["UserName"]
    about = f"user/{name}"
    user = IamUser(
        observed(listed["Arn"]), name=name, arn=listed["Arn"], created=iso(listed.get("CreateDate"))
    )
    got = api.call("iam", "GetUser", about=about, UserName=name)
    if isinstance(got, Failure):
        user.permissions_boundary = got.unknown()
        user.password_last_used = got.unknown()
    else:
        detail = got.get("User", {})
        boundary = detail.get("PermissionsBoundary") or {}
        user.permissions_boundary = boundary.get("PermissionsBoundaryArn")
        user.password_last_used = iso(detail.get("PasswordLastUsed"))
    read_credentials(api, user, name)
    user.attached_policies = _attached(api, "ListAttachedUserPolicies", about, UserName=name)
    user.inline_policies = _inline(api, "ListUserPolicies", "GetUserPolicy", about, UserName=name)
    groups = api.paginate("iam", "ListGroupsForUser", "Groups", about=about, UserName=name)
    if isinstance(groups, Failure):
        user.groups = groups.unknown()
        return user, {}
    user.groups = [g["GroupName"] for g in groups]
    return user, {g["GroupName"]: g["Arn"] for g in groups}


def read_credentials(api: Api, user: IamUser, name: str) -> None:
    """The user's console password, access keys and MFA devices: facts only per-user calls return
    (GetAccountAuthorizationDetails leaves them out), so the bulk path reads them here too."""
    about = f"user/{name}"
    profile = api.call("iam", "GetLoginProfile", about=about, expected=("NoSuchEntity",), UserName=name)
    if isinstance(profile, Failure):
        user.has_login_profile = False if profile.code == "NoSuchEntity" else profile.unknown()
    else:
        user.has_login_profile = True
    user.access_keys = _access_keys(api, name)
    mfa = api.paginate("iam", "ListMFADevices", "MFADevices", about=about, UserName=name)
    user.mfa_enabled = mfa.unknown() if isinstance(mfa, Failure) else bool(mfa)


def _access_keys(api: Api, name: str) -> Maybe[list[AccessKey]]:
    about = f"user/{name}"
    keys = api.paginate("iam", "ListAccessKeys", "AccessKeyMetadata", about=about, UserName=name)
    if isinstance(keys, Failure):
        return keys.unknown()
    if not all(meta.get("AccessKeyId") for meta in keys):
        return api.malformed("iam", "ListAccessKeys", about, "an entry has no AccessKeyId").unknown()
    result: list[AccessKey] = []
    for meta in keys:
        key_id = str(meta["AccessKeyId"])
        suffix = key_id[-4:]
        used = api.call("iam", "GetAccessKeyLastUsed", about=f"{about} key ...{suffix}", AccessKeyId=key_id)
        last_used: Maybe[str | None]
        if isinstance(used, Failure):
            last_used = used.unknown()
        else:
            # No LastUsedDate (ServiceName "N/A") means never used (AWS-KEY-LAST-USED).
            last_used = iso(used.get("AccessKeyLastUsed", {}).get("LastUsedDate"))
        result.append(
            AccessKey(
                key_id_suffix=suffix,
                status=str(meta.get("Status", "")),
                created=iso(meta.get("CreateDate")),
                last_used=last_used,
            )
        )
    return result


def _attached(api: Api, operation: str, about: str, **params: Any) -> Maybe[list[PolicyRef]]:
    attached = api.paginate("iam", operation, "AttachedPolicies", about=about, **params)
    if isinstance(attached, Failure):
        return attached.unknown()
    return attached_refs(api, operation, about, attached)


def attached_refs(
    api: Api, operation: str, about: str, attached: list[dict[str, Any]]
) -> Maybe[list[PolicyRef]]:
    """Managed policy attachments as ``{PolicyName, PolicyArn}`` entries (per-call or bulk reply)."""
    if not all(p.get("PolicyName") and p.get("PolicyArn") for p in attached):
        return api.malformed("iam", operation, about, "an entry has no PolicyName or PolicyArn").unknown()
    return [PolicyRef(p["PolicyName"], arn=p["PolicyArn"]) for p in attached]


def _inline(api: Api, list_op: str, get_op: str, about: str, **params: Any) -> Maybe[list[PolicyRef]]:
    names = api.paginate("iam", list_op, "PolicyNames", about=about, **params)
    if isinstance(names, Failure):
        return names.unknown()
    refs: list[PolicyRef] = []
    for policy_name in names:
        got = api.call("iam", get_op, about=f"{about} policy/{policy_name}", PolicyName=policy_name, **params)
        # botocore decodes the URL-encoded JSON document into a dict.
        document = (
            got.unknown()
            if isinstance(got, Failure)
            else policy_document(api, get_op, f"{about} policy/{policy_name}", got.get("PolicyDocument"))
        )
        refs.append(PolicyRef(policy_name, document=document, inline=True))
    return refs


def collect_group(api: Api, name: str, arn: str) -> IamGroup:
    about = f"group/{name}"
    return IamGroup(
        observed(arn),
        name=name,
        attached_policies=_attached(api, "ListAttachedGroupPolicies", about, GroupName=name),
        inline_policies=_inline(api, "ListGroupPolicies", "GetGroupPolicy", about, GroupName=name),
    )


def collect_policy(api: Api, arn: str, name: str) -> IamPolicy:
    """A customer managed policy with its default version's document (PLAN-AGENTLESS-CONTENT)."""
    about = arn.split(":", 5)[-1]
    policy = IamPolicy(observed(arn), name=name, arn=arn)
    got = api.call("iam", "GetPolicy", about=about, PolicyArn=arn)
    if isinstance(got, Failure):
        policy.document = got.unknown()
        return policy
    version_id = got.get("Policy", {}).get("DefaultVersionId", "v1")
    version = api.call("iam", "GetPolicyVersion", about=about, PolicyArn=arn, VersionId=version_id)
    policy.document = (
        version.unknown()
        if isinstance(version, Failure)
        else policy_document(api, "GetPolicyVersion", about, version.get("PolicyVersion", {}).get("Document"))
    )
    return policy


def policy_document(api: Api, operation: str, about: str, document: Any) -> Maybe[dict[str, Any]]:
    """A policy document as botocore decoded it (a dict): botocore's IAM after-call handler URL-decodes
    and parses every policyDocumentType member of every IAM reply, GetAccountAuthorizationDetails
    included; text it could not decode is malformed."""
    if isinstance(document, dict):
        return document
    return api.malformed("iam", operation, about, "the policy document is not a JSON object").unknown()


def collect_role(api: Api, listed: dict[str, Any]) -> IamRole:
    """One role as ListRoles returns it (its trust policy included, URL-encoded JSON botocore decodes,
    as it does inline user policies), with its attached and inline policies; a refused call leaves
    just that list Unknown."""
    name = listed["RoleName"]
    about = f"role/{name}"
    return IamRole(
        observed(listed["Arn"]),
        name=name,
        arn=listed["Arn"],
        trust_policy=policy_document(api, "ListRoles", about, listed.get("AssumeRolePolicyDocument")),
        attached_policies=_attached(api, "ListAttachedRolePolicies", about, RoleName=name),
        inline_policies=_inline(api, "ListRolePolicies", "GetRolePolicy", about, RoleName=name),
        permissions_boundary=role_boundary(api, name),
    )


def role_boundary(api: Api, name: str) -> Maybe[str | None]:
    """A role's permissions boundary ARN (None: none): ListRoles leaves it out, GetRole returns it, as
    GetAccountAuthorizationDetails does on the bulk path."""
    got = api.call("iam", "GetRole", about=f"role/{name}", RoleName=name)
    if isinstance(got, Failure):
        return got.unknown()
    boundary = got.get("Role", {}).get("PermissionsBoundary") or {}
    return boundary.get("PermissionsBoundaryArn")


def collect_roles(
    api: Api, pool: Executor, progress: Callable[[str], None]
) -> tuple[list[IamRole], Failure | None]:
    """Every role (paginated ListRoles, details in parallel), or the Failure of the listing: the
    roles are then unknown, with the missing permission in ``collection_errors``."""
    listed = api.paginate("iam", "ListRoles", "Roles")
    if isinstance(listed, Failure):
        return [], listed
    if not all(r.get("RoleName") and r.get("Arn") for r in listed):
        return [], api.malformed("iam", "ListRoles", "", "an entry has no RoleName or Arn")
    return run_all(pool, [partial(collect_role, api, r) for r in listed], progress, "IAM roles"), None


def collect_identities(
    api: Api, pool: Executor, progress: Callable[[str], None], roles: Iterable[IamRole] = ()
) -> tuple[list[IamUser], list[IamGroup], list[IamPolicy], Failure | None]:
    """All users (details in parallel), then their groups, then the customer managed policies
    attached to them or to ``roles``."""
    listed = list_users(api)
    if isinstance(listed, Failure):
        return [], [], [], listed
    collected = run_all(pool, [partial(collect_user, api, u) for u in listed], progress, "IAM users")
    users = [user for user, _ in collected]
    group_arns = {name: arn for _, arns in collected for name, arn in arns.items()}
    groups = run_all(
        pool,
        [partial(collect_group, api, n, a) for n, a in sorted(group_arns.items())],
        progress,
        "IAM groups",
    )
    customer = customer_policies(users, groups, roles)
    policies = run_all(
        pool,
        [partial(collect_policy, api, a, n) for a, n in sorted(customer.items())],
        progress,
        "IAM policies",
    )
    fill_documents(policies, users, groups, roles)
    return users, groups, policies, None


def customer_policies(
    users: Iterable[IamUser], groups: Iterable[IamGroup], roles: Iterable[IamRole]
) -> dict[str, str]:
    """The customer managed policies attached to any of them or that are a user's or role's permissions
    boundary (a boundary limits the principal's escalation paths), ARN -> name (AWS managed
    policies are read from the bundled snapshot instead)."""
    users, roles = list(users), list(roles)
    customer: dict[str, str] = {}
    for refs in _policy_lists(users, groups, roles):
        for ref in refs:
            if isinstance(ref.arn, str) and not ref.inline and not arn_builder.is_aws_managed_policy(ref.arn):
                customer[ref.arn] = ref.name
    bounded: list[IamUser | IamRole] = [*users, *roles]
    for principal in bounded:
        arn = principal.permissions_boundary
        if isinstance(arn, str) and arn and not arn_builder.is_aws_managed_policy(arn):
            customer.setdefault(arn, arn.rsplit("/", 1)[-1])
    return customer


def fill_documents(
    policies: Iterable[IamPolicy],
    users: Iterable[IamUser],
    groups: Iterable[IamGroup],
    roles: Iterable[IamRole],
) -> None:
    """Give every attachment of a collected customer managed policy that policy's document."""
    documents = {p.arn: p.document for p in policies}
    for refs in _policy_lists(users, groups, roles):
        for ref in refs:
            if isinstance(ref.arn, str) and ref.arn in documents:
                ref.document = documents[ref.arn]


def _policy_lists(
    users: Iterable[IamUser], groups: Iterable[IamGroup], roles: Iterable[IamRole] = ()
) -> Iterable[list[PolicyRef]]:
    holders: list[IamUser | IamGroup | IamRole] = [*users, *groups, *roles]
    for holder in holders:
        if isinstance(holder.attached_policies, list):
            yield holder.attached_policies
