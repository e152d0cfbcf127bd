"""IAM in bulk: users, groups, roles and customer managed policies from one paginated
``GetAccountAuthorizationDetails``, with the per-call path of :mod:`policy_lint.live.iam` as the
fallback when the caller may not use it (AWS-IAM-BULK-DETAILS).

Both paths build the same inventory: the bulk reply carries every attachment, inline policy,
trust policy and permissions boundary, so only what it leaves out is still read per user
(console password, access keys and their last use, MFA devices) plus one paginated ListUsers
for ``PasswordLastUsed``. Policy documents arrive URL-encoded; botocore's IAM after-call handler
decodes them exactly as it does for GetUserPolicy or ListRoles, and :func:`iam.policy_document`
judges the result the same way on both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from policy_lint.inventory.model import IamGroup, IamPolicy, IamRole, IamUser, Maybe, PolicyRef, Unknown
from policy_lint.live import iam
from policy_lint.live.api import DENIED_CODES, UNSUPPORTED_CODES, Api, Failure, iso, observed, run_all

OPERATION = "GetAccountAuthorizationDetails"
#: AWS managed policies are left out: checks read them from the bundled snapshot.
ENTITIES = ("User", "Role", "Group", "LocalManagedPolicy")
ENTITY_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList")
LISTS = (*ENTITY_LISTS, "Policies")
#: the largest page AWS serves (fewest calls)
PAGE_SIZE = 1000
#: answers after which the per-call path is tried, without recording the refusal: it is expected
#: of a caller granted only the per-call actions
FALL_BACK_QUIETLY = DENIED_CODES | UNSUPPORTED_CODES


@dataclass
class IamCollection:
    """Every IAM entity of the account, and the Failure of each listing (None: complete)."""

    users: list[IamUser] = field(default_factory=list)
    groups: list[IamGroup] = field(default_factory=list)
    roles: list[IamRole] = field(default_factory=list)
    policies: list[IamPolicy] = field(default_factory=list)
    users_failed: Failure | None = None
    roles_failed: Failure | None = None
    #: True when GetAccountAuthorizationDetails answered; False when IAM was read per call
    bulk: bool = False


def collect_iam(
    api: Api, pool: Executor, progress: Callable[[str], None], *, bulk: bool = True
) -> IamCollection:
    """IAM through GetAccountAuthorizationDetails; per call when it is refused (or ``bulk`` is False)."""
    details = read_details(api) if bulk else None
    if isinstance(details, dict):
        return in_order(from_details(api, details, pool, progress))
    if details is not None:
        progress(f"IAM: {details.reason}; reading IAM per call")
    roles, roles_failed = iam.collect_roles(api, pool, progress)
    users, groups, policies, users_failed = iam.collect_identities(api, pool, progress, roles)
    return in_order(IamCollection(users, groups, roles, policies, users_failed, roles_failed))


def in_order(found: IamCollection) -> IamCollection:
    """One order for both paths: AWS lists entities and attachments in an order it does not document,
    and the bulk reply's order differs from ListRoles' and ListAttachedUserPolicies'."""
    found.users.sort(key=lambda u: str(u.arn))
    found.roles.sort(key=lambda r: str(r.arn))
    found.groups.sort(key=lambda g: str(g.name))
    found.policies.sort(key=lambda p: str(p.arn))
    holders: list[IamUser | IamGroup | IamRole] = [*found.users, *found.groups, *found.roles]
    for holder in holders:
        if isinstance(holder.attached_policies, list):
            holder.attached_policies.sort(key=lambda ref: str(ref.arn))
        if isinstance(holder.inline_policies, list):
            holder.inline_policies.sort(key=lambda ref: ref.name)
    return found


def read_details(api: Api) -> dict[str, list[dict[str, Any]]] | Failure:
    """Every page of the reply, the four lists joined; a Failure when a page was refused or is
    unusable (then nothing of it is used). Policies keep only what can matter, page by page: those
    something may be attached to or bounded by, each with its default version only (memory grows
    with what the account uses, not with every policy it ever created)."""
    merged: dict[str, list[dict[str, Any]]] = {key: [] for key in LISTS}
    seen: set[str] = set()
    params: dict[str, Any] = {"Filter": list(ENTITIES), "MaxItems": PAGE_SIZE}
    while True:
        reply = api.call("iam", OPERATION, expected=tuple(FALL_BACK_QUIETLY), **params)
        if isinstance(reply, Failure):
            return reply
        for key in ENTITY_LISTS:
            merged[key].extend(reply.get(key) or [])
        # the page's other policy versions and unused policies are dropped with the page
        merged["Policies"].extend(_trimmed(p) for p in reply.get("Policies") or [] if _may_be_used(p))
        truncated, marker = reply.get("IsTruncated"), reply.get("Marker")
        del reply
        if not truncated:
            break
        if not marker or marker in seen:  # a loop a broken or hostile endpoint could keep up forever
            return api.malformed("iam", OPERATION, "", "IsTruncated without a new Marker")
        seen.add(marker)
        params["Marker"] = marker
    problem = _unnamed(merged)
    return api.malformed("iam", OPERATION, "", problem) if problem else merged


def _may_be_used(entry: dict[str, Any]) -> bool:
    """False for a customer managed policy IAM counts no attachment and no boundary use of
    (AWS-IAM-BULK-DETAILS): no user, group or role can name it, so its documents are not kept. A
    count that is missing (moto sends no PermissionsBoundaryUsageCount) or not a number keeps it.
    Dropping is never wrong: a policy attached after IAM counted is absent from the kept list and
    read per call (:func:`bulk_policy`)."""
    counts = [entry.get("AttachmentCount"), entry.get("PermissionsBoundaryUsageCount")]
    known = all(type(count) is int for count in counts)
    return not (entry.get("Arn") and known and not any(counts))


def _trimmed(entry: dict[str, Any]) -> dict[str, Any]:
    """What :func:`bulk_policy` reads of a policy: its ARN and its default version (the others, up
    to four more documents per policy, are dropped)."""
    default = _default_version(entry)
    return {
        "Arn": entry.get("Arn"),
        "DefaultVersionId": entry.get("DefaultVersionId"),
        "PolicyVersionList": [default] if default is not None else [],
    }


def _unnamed(merged: dict[str, list[dict[str, Any]]]) -> str | None:
    """The entry kind that lacks its name or ARN (the shape model marks neither required). A
    policy's name is not needed: the attachment names it, as on the per-call path (and moto's
    reply leaves it out)."""
    for key, name in (
        ("UserDetailList", "UserName"),
        ("GroupDetailList", "GroupName"),
        ("RoleDetailList", "RoleName"),
    ):
        if not all(entry.get(name) and entry.get("Arn") for entry in merged[key]):
            return f"an entry of {key} has no {name} or Arn"
    if not all(entry.get("Arn") for entry in merged["Policies"]):
        return "an entry of Policies has no Arn"
    return None


def from_details(
    api: Api, details: dict[str, list[dict[str, Any]]], pool: Executor, progress: Callable[[str], None]
) -> IamCollection:
    """The inventory the per-call path would build, from the bulk reply."""
    roles = [bulk_role(api, r) for r in details["RoleDetailList"]]
    last_used = _password_last_used(api)
    users = run_all(
        pool,
        [partial(bulk_user, api, u, last_used) for u in details["UserDetailList"]],
        progress,
        "IAM users",
    )
    groups = _member_groups(api, users, details["GroupDetailList"])
    customer = iam.customer_policies(users, groups, roles)
    listed = {p["Arn"]: p for p in details["Policies"]}
    policies = run_all(
        pool,
        [partial(bulk_policy, api, arn, name, listed.get(arn)) for arn, name in sorted(customer.items())],
        progress,
        "IAM policies",
    )
    iam.fill_documents(policies, users, groups, roles)
    return IamCollection(users, groups, roles, policies, bulk=True)


def _password_last_used(api: Api) -> dict[str, str | None] | Failure:
    """``PasswordLastUsed`` by user name: ListUsers returns it, GetAccountAuthorizationDetails does not."""
    listed = iam.list_users(api)
    if isinstance(listed, Failure):
        return listed
    return {str(u.get("UserName")): iso(u.get("PasswordLastUsed")) for u in listed}


def bulk_user(api: Api, detail: dict[str, Any], last_used: dict[str, str | None] | Failure) -> IamUser:
    name, arn = detail["UserName"], detail["Arn"]
    about = f"user/{name}"
    user = IamUser(observed(arn), name=name, arn=arn, created=iso(detail.get("CreateDate")))
    user.permissions_boundary = _boundary(detail)
    if isinstance(last_used, Failure):
        user.password_last_used = last_used.unknown()
    elif name in last_used:
        user.password_last_used = last_used[name]
    else:
        user.password_last_used = Unknown(f"user {name} was created after iam:ListUsers answered")
    iam.read_credentials(api, user, name)
    user.attached_policies = iam.attached_refs(
        api, OPERATION, about, detail.get("AttachedManagedPolicies") or []
    )
    user.inline_policies = _inline(api, about, detail.get("UserPolicyList") or [])
    user.groups = [str(g) for g in detail.get("GroupList") or []]
    return user


def bulk_role(api: Api, detail: dict[str, Any]) -> IamRole:
    name = detail["RoleName"]
    about = f"role/{name}"
    role = IamRole(observed(detail["Arn"]), name=name, arn=detail["Arn"])
    role.trust_policy = iam.policy_document(api, OPERATION, about, detail.get("AssumeRolePolicyDocument"))
    role.attached_policies = iam.attached_refs(
        api, OPERATION, about, detail.get("AttachedManagedPolicies") or []
    )
    role.inline_policies = _inline(api, about, detail.get("RolePolicyList") or [])
    role.permissions_boundary = _boundary(detail)
    return role


def _member_groups(api: Api, users: list[IamUser], listed: list[dict[str, Any]]) -> list[IamGroup]:
    """The groups some user belongs to, sorted by name, as the per-call path collects them (a group
    without members grants nothing)."""
    details = {g["GroupName"]: g for g in listed}
    names = sorted({g for u in users if isinstance(u.groups, list) for g in u.groups})
    groups: list[IamGroup] = []
    for name in names:
        detail = details.get(name)
        about = f"group/{name}"
        if detail is None:  # created between two pages of the reply
            missing = Unknown(f"group {name} of a user is missing from iam:{OPERATION}'s GroupDetailList")
            groups.append(
                IamGroup(observed(about), name=name, attached_policies=missing, inline_policies=missing)
            )
            continue
        groups.append(
            IamGroup(
                observed(detail["Arn"]),
                name=name,
                attached_policies=iam.attached_refs(
                    api, OPERATION, about, detail.get("AttachedManagedPolicies") or []
                ),
                inline_policies=_inline(api, about, detail.get("GroupPolicyList") or []),
            )
        )
    return groups


def bulk_policy(api: Api, arn: str, name: str, detail: dict[str, Any] | None) -> IamPolicy:
    """A customer managed policy with its default version's document; per call (GetPolicy,
    GetPolicyVersion) when the reply lacks it or its default version."""
    default = _default_version(detail) if detail is not None else None
    if default is None:
        return iam.collect_policy(api, arn, name)
    about = arn.split(":", 5)[-1]
    document = iam.policy_document(api, OPERATION, about, default.get("Document"))
    return IamPolicy(observed(arn), name=name, arn=arn, document=document)


def _default_version(detail: dict[str, Any]) -> dict[str, Any] | None:
    versions = detail.get("PolicyVersionList") or []
    wanted = detail.get("DefaultVersionId")
    for version in versions:
        if version.get("IsDefaultVersion") is True or (wanted and version.get("VersionId") == wanted):
            return dict(version)
    return None


def _inline(api: Api, about: str, entries: list[dict[str, Any]]) -> Maybe[list[PolicyRef]]:
    if not all(entry.get("PolicyName") for entry in entries):
        return api.malformed("iam", OPERATION, about, "an inline policy has no PolicyName").unknown()
    return [
        PolicyRef(
            entry["PolicyName"],
            document=iam.policy_document(
                api, OPERATION, f"{about} policy/{entry['PolicyName']}", entry.get("PolicyDocument")
            ),
            inline=True,
        )
        for entry in entries
    ]


def _boundary(detail: dict[str, Any]) -> str | None:
    boundary = detail.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None
