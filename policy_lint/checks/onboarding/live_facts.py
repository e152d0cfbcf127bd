"""Onboarding facts only a live account holds: root keys, the quick plan's user, key use (AWS-ROOT-KEY, PLAN-QUICK-USER, AWS-KEY-LAST-USED, AWS-USER-NO-ENABLED-FLAG).

Planned input (Terraform, CloudFormation) never declares root keys or the user the
quick plan creates, so on planned input these rules report *unknown* (or nothing, when
there is no account), never a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from policy_lint.checks.cspm.common import parse_time
from policy_lint.checks.onboarding.onboarding_user import QUICK_USER_PREFIX
from policy_lint.checks.verdicts import (
    facet,
    failed,
    key_label,
    location,
    passed,
    resource_id,
    undecided,
    unknown,
)
from policy_lint.core.findings import Level
from policy_lint.inventory.model import Account, IamUser, Inventory, PolicyRef, Unknown
from policy_lint.rules.registry import Result, RuleGroup

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

GUIDE = "Security Center guide: Quick plan / Manual plan"
#: Managed policies (or boundaries) that leave a user unable to do anything.
DISABLING_POLICIES = ("AWSCompromisedKeyQuarantine", "AWSDenyAll")
#: A key unused for longer than this is stale: the console syncs at least daily (sync intervals).
STALE_DAYS = 7


def _account_resource(inventory: Inventory) -> tuple[str, Any]:
    if inventory.accounts:
        return resource_id(inventory.accounts[0]), location(inventory.accounts[0])
    return "account", None


@inventory_rule(
    id="OB120",
    name="root-access-key-deleted",
    level=Level.ERROR,
    title="The root user's access key is deleted after the quick plan",
    rationale="The quick plan uses the root user's access key once to create the AlibabaSasSubAccount_ user; "
    "the guide then says to delete it. A root key, even inactive, is the account's most powerful credential "
    "(AWS-ROOT-KEY). AWS China has no root user, so the rule does not apply in aws-cn (AWS-CHINA-NO-ROOT, GUIDE-CHINA-ROOT).",
    remediation="Sign in as root, open Security credentials and delete the access key (deactivating is not enough).",
    references=(
        GUIDE,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",
    ),
    plans=("quick",),
)
def root_access_key_deleted(inventory: Inventory) -> Iterator[Result]:
    for account in inventory.accounts:
        if account.partition == "aws-cn":
            continue
        yield _root_key_result(account)


def _root_key_result(account: Account) -> Result:
    resource, where = resource_id(account), location(account)
    present = account.root_access_keys_present
    if isinstance(present, Unknown):
        return unknown(resource, "cannot tell whether the root user has an access key", present, where)
    if not present:
        return passed(resource, "the root user has no access key", where, AccountAccessKeysPresent=0)
    active = account.root_access_key_active
    if isinstance(active, Unknown):
        state = f"active or inactive is unknown: {active.reason}"
    else:
        state = "active" if active else "inactive, but the guide says delete it"
    return failed(
        resource,
        f"the root user still has an access key ({state})",
        where,
        AccountAccessKeysPresent=1,
        active=None if isinstance(active, Unknown) else active,
    )


@inventory_rule(
    id="OB122",
    name="quick-plan-user",
    level=Level.ERROR,
    title="The quick plan's AlibabaSasSubAccount_ user exists, has an active key and is not disabled",
    rationale="The quick plan creates an IAM user named AlibabaSasSubAccount_<suffix> and keeps using its key. "
    "Without the user, an active key, or with a quarantine/deny-all policy or boundary, Security Center "
    "silently stops syncing (PLAN-QUICK-USER, AWS-KEY-LAST-USED, AWS-USER-NO-ENABLED-FLAG; IAM users have no enabled flag, GUIDE-DISABLE).",
    remediation="Re-run the quick plan, or reactivate the key and detach AWSCompromisedKeyQuarantine*/deny-all "
    "policies and restrictive permissions boundaries from the user.",
    references=(GUIDE,),
    plans=("quick",),
)
def quick_plan_user(inventory: Inventory) -> Iterator[Result]:
    users = [u for u in inventory.users if isinstance(u.name, str) and u.name.startswith(QUICK_USER_PREFIX)]
    if not users and inventory.config is None:
        return  # without onboarding.yaml nothing says the quick plan is used: no user to miss
    if not users:
        resource, where = _account_resource(inventory)
        if "users" in inventory.complete:
            yield failed(
                resource, f"no IAM user named {QUICK_USER_PREFIX}*: the quick plan's user is missing", where
            )
        else:
            yield undecided(
                resource,
                f"the inventory does not list every IAM user, so whether a {QUICK_USER_PREFIX}* user exists is "
                "unknown (verify the live account: policy-lint verify)",
                where,
            )
        return
    for user in users:
        yield _quick_user_result(user)


def _quick_user_result(user: IamUser) -> Result:
    resource, where = resource_id(user), location(user)
    keys = user.access_keys
    if isinstance(keys, Unknown):
        return unknown(resource, f"cannot tell whether {user.name} has an active key", keys, where)
    active = [k for k in keys if k.status == "Active"]
    unsure = [k.status for k in keys if isinstance(k.status, Unknown)]
    if not active and unsure:
        return unknown(resource, f"cannot tell whether {user.name} has an active key", unsure[0], where)
    if not active:
        return failed(resource, f"{user.name} has no active access key", where, keys=len(keys))
    disabling = _disabling(user)
    if isinstance(disabling, Unknown):
        return unknown(resource, f"cannot tell whether {user.name} is disabled", disabling, where)
    if disabling:
        return failed(
            resource,
            f"{user.name} is effectively disabled by {', '.join(disabling)}",
            where,
            disabled_by=disabling,
        )
    return passed(resource, f"{user.name} exists with an active key (...{active[0].key_id_suffix})", where)


def _disabling(user: IamUser) -> list[str] | Unknown:
    """Names of quarantine/deny-all policies or boundary on the user (deny-all by document too)."""
    found: list[str] = []
    boundary = user.permissions_boundary
    if isinstance(boundary, Unknown):
        return boundary
    if boundary and boundary.rsplit("/", 1)[-1].startswith(DISABLING_POLICIES):
        found.append(f"permissions boundary {boundary.rsplit('/', 1)[-1]}")
    for refs in (user.attached_policies, user.inline_policies):
        if isinstance(refs, Unknown):
            return refs
        found.extend(_policy_label(ref) for ref in refs if _is_disabling(ref))
    return found


def _policy_label(ref: PolicyRef) -> str:
    return f"inline policy {ref.name}" if ref.inline else f"policy {ref.name}"


def _is_disabling(ref: PolicyRef) -> bool:
    if ref.name.startswith(DISABLING_POLICIES):
        return True
    document = ref.document
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny" or statement.get("Condition"):
            continue
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        if "*" in (actions if isinstance(actions, list) else [actions]) and "*" in (
            resources if isinstance(resources, list) else [resources]
        ):
            return True
    return False


@inventory_rule(
    id="OB123",
    name="iam-user-key-used",
    level=Level.WARNING,
    title="The onboarding user's active access key is being used",
    rationale="Security Center uses the onboarding user's key on every sync. A key that was never used, or not "
    f"for more than {STALE_DAYS} days, means the console holds another key or stopped syncing (AWS-KEY-LAST-USED).",
    remediation="Check the key entered in the console (compare the last four characters) and the sync settings.",
    references=(GUIDE,),
)
def iam_user_key_used(inventory: Inventory) -> Iterator[Result]:
    config = inventory.config
    if config is None:
        return
    now = datetime.now(timezone.utc)
    for user in inventory.users:
        if not isinstance(user.name, str):
            continue
        wanted = (
            user.name == config.iam_user
            if config.plan == "manual"
            else user.name.startswith(QUICK_USER_PREFIX)
        )
        if not wanted:
            continue
        if isinstance(user.access_keys, Unknown):
            yield unknown(
                resource_id(user), f"cannot list {user.name}'s keys", user.access_keys, location(user)
            )
            continue
        several = sum(key.status == "Active" for key in user.access_keys) > 1
        for index, key in enumerate(user.access_keys):
            if key.status != "Active":
                continue
            named = resource_id(user)
            if several:  # one verdict per active key: the key names it, as in CS105 (verdicts.facet)
                named = facet(named, "access-key", key_label(key, index))
            if not key.key_id_suffix:  # declared but not created yet (planned input): no use to judge
                yield undecided(
                    named,
                    f"{user.name}'s key is created at apply time; whether it is used can only be "
                    "verified live (policy-lint verify)",
                    location(user),
                )
                continue
            yield _key_use_result(user, named, key.key_id_suffix, key.last_used, now)


def _key_use_result(
    user: IamUser, resource: str, suffix: str, last_used: str | Unknown | None, now: datetime
) -> Result:
    where = location(user)
    evidence: dict[str, Any] = {
        "key": f"...{suffix}",
        "last_used": None if isinstance(last_used, Unknown) else last_used,
    }
    if isinstance(last_used, Unknown):
        return unknown(resource, f"key ...{suffix}: last use unknown", last_used, where, evidence)
    if last_used is None:
        return failed(resource, f"{user.name}'s active key ...{suffix} has never been used", where, evidence)
    when = parse_time(last_used)
    if when is None:
        return unknown(
            resource, f"key ...{suffix}", f"unreadable last-use time {last_used!r}", where, evidence
        )
    days = (now - when).days
    if days > STALE_DAYS:
        return failed(
            resource, f"{user.name}'s active key ...{suffix} was last used {days} days ago", where, evidence
        )
    return passed(
        resource, f"{user.name}'s active key ...{suffix} was used {days} day(s) ago", where, evidence
    )
