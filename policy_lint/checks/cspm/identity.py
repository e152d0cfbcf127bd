"""CS1: identity posture (CIS AWS Foundations v3.0.0 section 1).

Root user, password policy and IAM user credentials. Account-level rules read the accounts of
:func:`~policy_lint.inventory.account_scope.judged_accounts` and report on ``account``: planned
input decides only what it declares (a password policy), the rest is unknown unless the input
declares the account's scope. Ages are measured against :func:`now`, which tests replace.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from policy_lint.checks.cspm.common import (
    CIS_REF,
    PROFILES,
    cis,
    parse_time,
)
from policy_lint.checks.verdicts import (
    cannot_tell,
    facet,
    failed,
    key_label,
    location,
    resource_id,
    unknown,
    verdict,
)
from policy_lint.core.findings import Level
from policy_lint.inventory.account_scope import (
    ACCOUNT,
    account_resource,
    covers_account,
    judged_accounts,
    outside_input,
)
from policy_lint.inventory.model import Account, IamUser, Inventory, Unknown
from policy_lint.inventory.names import display_name
from policy_lint.rules.registry import Result, RuleGroup

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

ROTATION_DAYS = 90  # CIS 1.14: "rotated every 90 days or less": exactly 90 days still passes
UNUSED_DAYS = 45  # CIS 1.12: "unused for 45 days or greater": exactly 45 days fails
MIN_PASSWORD_LENGTH = 14  # CIS 1.8
PASSWORD_REUSE = 24  # CIS 1.9 audit: "Number of passwords to remember" is 24


def now() -> datetime:
    """The current time (UTC); a module-level function so tests can fix it."""
    return datetime.now(timezone.utc)


def _age(value: object) -> timedelta | Unknown:
    """How long ago a recorded timestamp was, or why that cannot be told."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return Unknown("the date was not recorded")
    stamp = parse_time(str(value))
    if stamp is None:
        return Unknown(f"unreadable timestamp {value!r}")
    return now() - stamp


def _days(age: timedelta) -> str:
    return f"{age.total_seconds() / 86400:.1f} days"


def user_name(user: IamUser) -> str:
    return display_name(user.name, user)


def _accounts(inventory: Inventory) -> Iterator[tuple[str, Account]]:
    """Each account to judge, with its result's resource (``account``): planned input that
    declares no account-wide resource still has an account, whose facts are unknown."""
    for account in judged_accounts(inventory):
        yield account_resource(inventory, account), account


def _users_outside_input(inventory: Inventory, question: str) -> Iterator[Result]:
    """CS105-CS108 judge every IAM user of the account: in planned input without account scope,
    the users the input does not declare are unknown (one result on ``account``)."""
    if judged_accounts(inventory) and not covers_account(inventory):
        why = outside_input("the account's IAM users and access keys outside the input are not known")
        yield unknown(ACCOUNT, f"cannot tell whether {question}", why, None, unknown=why.reason)


@inventory_rule(
    id="CS101",
    name="root-access-key-absent",
    level=Level.ERROR,
    title="The root user has no access key",
    rationale="A root access key has unrestricted, unconditional power over the account and cannot be limited "
    "by any policy; an Inactive key still exists and can be re-activated, so only absence passes (CIS 1.4; "
    "the guide's quick plan also tells you to delete the root key afterwards, AWS-ROOT-KEY).",
    remediation="Delete the root user's access keys (IAM console > Security credentials, signed in as root) "
    "and use IAM users or roles for programmatic access.",
    references=(CIS_REF, "IAM credential report (`<root_account>` row)"),
    frameworks=cis("1.4"),
    profiles=PROFILES,
)
def root_access_key_absent(inventory: Inventory) -> Iterator[Result]:
    for name, account in _accounts(inventory):
        where = location(account, "root_access_keys_present")
        present = account.root_access_keys_present
        if isinstance(present, Unknown):
            active = account.root_access_key_active
            if active is True:  # the credential report alone proves a key exists
                yield verdict(False, name, "", "the root user has an active access key", where)
            else:
                yield cannot_tell(name, present, "whether the root user has access keys", where)
            continue
        yield verdict(
            not present,
            name,
            "the root user has no access key",
            "the root user has an access key (delete it; an inactive key still counts)",
            where,
            root_access_keys_present=present,
        )


@inventory_rule(
    id="CS102",
    name="root-mfa-enabled",
    level=Level.ERROR,
    title="The root user signs in with MFA",
    rationale="Without MFA, the root password alone gives full control of the account (CIS 1.5).",
    remediation="Sign in as the root user and assign an MFA device (IAM console > Security credentials > "
    "Multi-factor authentication).",
    references=(CIS_REF,),
    frameworks=cis("1.5"),
    profiles=PROFILES,
)
def root_mfa_enabled(inventory: Inventory) -> Iterator[Result]:
    for name, account in _accounts(inventory):
        where = location(account, "root_mfa_enabled")
        enabled = account.root_mfa_enabled
        if isinstance(enabled, Unknown):
            yield cannot_tell(name, enabled, "whether the root user has MFA", where)
            continue
        yield verdict(
            enabled, name, "the root user has MFA enabled", "the root user has no MFA device", where
        )


def _policy_number(policy: dict[str, Any], *keys: str) -> int | Unknown | None:
    """A numeric password-policy setting (botocore or Terraform spelling); None when absent."""
    for key in keys:
        if key in policy:
            value = policy[key]
            if isinstance(value, Unknown):
                return value
            try:
                return int(value)
            except (TypeError, ValueError):
                return Unknown(f"{key} is {value!r}, not a number")
    return None


def _password_rule(
    inventory: Inventory, keys: tuple[str, ...], minimum: int, what: str, missing_is_fail: bool
) -> Iterator[Result]:
    for name, account in _accounts(inventory):
        where = location(account, "password_policy")
        policy = account.password_policy
        if isinstance(policy, Unknown):
            yield cannot_tell(name, policy, "the account password policy", where)
            continue
        if policy is None:
            yield verdict(False, name, "", f"no account password policy, so no {what} is enforced", where)
            continue
        value = _policy_number(policy, *keys)
        if isinstance(value, Unknown):
            yield cannot_tell(name, value, f"the password policy's {what}", where)
        elif value is None and not missing_is_fail:
            yield cannot_tell(name, Unknown(f"the policy does not state {keys[0]}"), what, where)
        else:
            yield verdict(
                value is not None and value >= minimum,
                name,
                f"password policy {what} is {value} (at least {minimum})",
                f"password policy {what} is {value if value is not None else 'not set'}; CIS wants at least {minimum}",
                where,
                **{keys[0]: value},
            )


@inventory_rule(
    id="CS103",
    name="password-min-length-14",
    level=Level.WARNING,
    title="The password policy requires at least 14 characters",
    rationale="Longer passwords resist guessing and brute force; without a policy IAM accepts 8 characters "
    "(CIS 1.8).",
    remediation="aws iam update-account-password-policy --minimum-password-length 14 (keep your other "
    "settings: the call replaces the whole policy).",
    references=(CIS_REF,),
    frameworks=cis("1.8"),
    profiles=PROFILES,
)
def password_min_length(inventory: Inventory) -> Iterator[Result]:
    keys = ("MinimumPasswordLength", "minimum_password_length")
    yield from _password_rule(inventory, keys, MIN_PASSWORD_LENGTH, "minimum length", missing_is_fail=False)


@inventory_rule(
    id="CS104",
    name="password-reuse-24",
    level=Level.WARNING,
    title="The password policy prevents reusing the last 24 passwords",
    rationale="Remembering 24 previous passwords stops users cycling back to a compromised one (CIS 1.9).",
    remediation="aws iam update-account-password-policy --password-reuse-prevention 24 (keep your other "
    "settings: the call replaces the whole policy).",
    references=(CIS_REF,),
    frameworks=cis("1.9"),
    profiles=PROFILES,
)
def password_reuse(inventory: Inventory) -> Iterator[Result]:
    keys = ("PasswordReusePrevention", "password_reuse_prevention")
    # GetAccountPasswordPolicy omits PasswordReusePrevention when reuse is not restricted.
    yield from _password_rule(inventory, keys, PASSWORD_REUSE, "reuse prevention", missing_is_fail=True)


@inventory_rule(
    id="CS105",
    name="access-key-rotated-90-days",
    level=Level.WARNING,
    title="Active access keys are at most 90 days old",
    rationale="A long-lived key is more likely to have leaked into code, logs or laptops; rotating at least "
    "every 90 days bounds how long a leaked key works (CIS 1.14). Inactive keys are not judged.",
    remediation="Create a second key, switch the application to it, deactivate and then delete the old one "
    "(for the onboarding user: update the key in the Security Center console before deleting the old one).",
    references=(CIS_REF,),
    frameworks=cis("1.14"),
    profiles=PROFILES,
)
def access_key_rotated(inventory: Inventory) -> Iterator[Result]:
    yield from _users_outside_input(inventory, f"every active access key is at most {ROTATION_DAYS} days old")
    for user in inventory.users:
        where = location(user, "access_keys")
        keys = user.access_keys
        if isinstance(keys, Unknown):
            yield cannot_tell(resource_id(user), keys, f"{user_name(user)}'s access keys", where)
            continue
        for index, key in enumerate(keys):
            label = f"{user_name(user)}'s access key {key_label(key, index)}"
            name = facet(resource_id(user), "access-key", key_label(key, index))
            if isinstance(key.status, Unknown):
                yield cannot_tell(name, key.status, f"whether {label} is active", where)
                continue
            if key.status != "Active":
                continue
            age = _age(key.created)
            if isinstance(age, Unknown):
                yield cannot_tell(name, age, f"when {label} was created", where)
                continue
            yield verdict(
                age <= timedelta(days=ROTATION_DAYS),
                name,
                f"{label} is active and was created {_days(age)} ago",
                f"{label} is active and was created {_days(age)} ago, more than {ROTATION_DAYS} days",
                where,
                created=key.created,
                age_days=round(age.total_seconds() / 86400, 1),
            )


def _stale(label: str, last_used: object, created: object) -> tuple[str | None, Unknown | None]:
    """(stale description, None) or (None, why unknown) or (None, None) when recently used."""
    if isinstance(last_used, Unknown):
        return None, Unknown(f"{label}: last use unknown ({last_used.reason})")
    since, event = (created, "created") if last_used is None else (last_used, "last used")
    age = _age(since)
    if isinstance(age, Unknown):
        return None, Unknown(f"{label}: never used and creation date unknown ({age.reason})")
    if age >= timedelta(days=UNUSED_DAYS):
        never = " and never used" if last_used is None else ""
        return f"{label} {event} {_days(age)} ago{never}", None
    return None, None


def _credential_checks(user: IamUser) -> Iterator[tuple[str | None, Unknown | None]]:
    if isinstance(user.has_login_profile, Unknown):
        yield None, Unknown(f"console password: {user.has_login_profile.reason}")
    elif user.has_login_profile:
        yield _stale("console password", user.password_last_used, user.created)
    if isinstance(user.access_keys, Unknown):
        yield None, Unknown(f"access keys: {user.access_keys.reason}")
        return
    for index, key in enumerate(user.access_keys):
        label = f"access key {key_label(key, index)}"
        if isinstance(key.status, Unknown):
            yield None, Unknown(f"{label}: status unknown ({key.status.reason})")
        elif key.status == "Active":
            yield _stale(label, key.last_used, key.created)


@inventory_rule(
    id="CS106",
    name="credentials-unused-45-days",
    level=Level.WARNING,
    title="No console password or active access key is unused for 45 days or more",
    rationale="Credentials nobody uses are still valid for whoever finds them; disabling those unused for 45 "
    "days or more shrinks the window for an abandoned or leaked credential (CIS 1.12). A never-used "
    "credential counts from its creation date.",
    remediation="Deactivate or delete unused access keys and remove unused console passwords (aws iam "
    "delete-login-profile). For the onboarding user, a stale key means Security Center stopped calling: "
    "check the connection before deleting it.",
    references=(CIS_REF, "IAM credential report"),
    frameworks=cis("1.12"),
    profiles=PROFILES,
)
def credentials_unused(inventory: Inventory) -> Iterator[Result]:
    yield from _users_outside_input(inventory, f"any credential is unused for {UNUSED_DAYS} days or more")
    for user in inventory.users:
        name, who = resource_id(user), user_name(user)
        where = user.origin.location
        checks = list(_credential_checks(user))
        stale = [text for text, _ in checks if text]
        unknowns = [why.reason for _, why in checks if why is not None]
        if stale:
            yield failed(name, f"{who}: " + "; ".join(stale), where, stale=stale, unknown=unknowns)
        elif unknowns:
            question = f"cannot tell whether {who} has unused credentials"
            yield unknown(name, question, "; ".join(unknowns), where, unknown=unknowns)
        else:
            passed = f"{who} has no credential unused for {UNUSED_DAYS} days or more"
            yield verdict(True, name, passed, "", where)


@inventory_rule(
    id="CS107",
    name="one-active-access-key",
    level=Level.WARNING,
    title="Each IAM user has at most one active access key",
    rationale="A second active key doubles what can leak and is often a forgotten rotation; one active key "
    "per user keeps ownership clear (CIS 1.13).",
    remediation="Deactivate every active key but the one in use (aws iam update-access-key --status Inactive).",
    references=(CIS_REF,),
    frameworks=cis("1.13"),
    profiles=PROFILES,
)
def one_active_key(inventory: Inventory) -> Iterator[Result]:
    yield from _users_outside_input(inventory, "every IAM user has at most one active access key")
    for user in inventory.users:
        name, who = resource_id(user), user_name(user)
        where = location(user, "access_keys")
        keys = user.access_keys
        if isinstance(keys, Unknown):
            yield cannot_tell(name, keys, f"{who}'s access keys", where)
            continue
        active: list[str] = []
        unsure: list[Unknown] = []
        for index, key in enumerate(keys):
            if isinstance(key.status, Unknown):
                unsure.append(key.status)
            elif key.status == "Active":
                active.append(key_label(key, index))
        if len(active) <= 1 and unsure:
            yield cannot_tell(
                name, unsure[0], f"how many of {who}'s keys are active", where, active_keys=active
            )
            continue
        yield verdict(
            len(active) <= 1,
            name,
            f"{who} has {len(active)} active access key(s)",
            f"{who} has {len(active)} active access keys ({', '.join(active)}); CIS allows one",
            where,
            active_keys=active,
        )


OB_IAM_CONFLICT = ("OB104",)


@inventory_rule(
    id="CS108",
    name="permissions-through-groups",
    level=Level.SUGGESTION,
    title="IAM users get permissions only through groups",
    rationale="Policies attached to (or inline in) individual users are hard to review and drift apart; "
    "granting through groups keeps permissions tied to roles (CIS 1.15). conflicts_with: OB104: the "
    "onboarding guide tells you to attach AmazonEC2ReadOnlyAccess and IAMReadOnlyAccess, ReadOnlyAccess or "
    "the Agentless policy directly to the Security Center IAM user, which fails this rule. Unlike CS203 the "
    "conflict can be resolved: OB104 counts group policies too, so attaching those policies to a group "
    "that holds only that user passes both.",
    remediation="Create a group, attach the policies to it, add the user, then detach the user's own "
    "policies and delete its inline policies.",
    references=(CIS_REF, "Security Center guide: manual plan, create an IAM user"),
    frameworks=cis("1.15"),
    profiles=PROFILES,
    conflicts_with=OB_IAM_CONFLICT,
)
def permissions_through_groups(inventory: Inventory) -> Iterator[Result]:
    yield from _users_outside_input(inventory, "every IAM user gets permissions only through groups")
    for user in inventory.users:
        name, who = resource_id(user), user_name(user)
        where = location(user, "attached_policies")
        direct: list[str] = []
        unsure: list[Unknown] = []
        for kind, refs in (("attached", user.attached_policies), ("inline", user.inline_policies)):
            if isinstance(refs, Unknown):
                unsure.append(refs)
            else:
                direct += [f"{ref.name} ({kind})" for ref in refs]
        conflict = {"conflicts_with": list(OB_IAM_CONFLICT)}
        if not direct and unsure:
            yield cannot_tell(name, unsure[0], f"{who}'s own policies", where, **conflict)
            continue
        yield verdict(
            not direct,
            name,
            f"no policy attached to or inline in {who}",
            f"policies granted to {who} directly: {', '.join(direct)}",
            where,
            direct_policies=direct,
            **conflict,
        )
