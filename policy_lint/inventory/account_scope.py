"""Account-level facts (issue 10 item 8): what an input can say about the whole account.

Root keys and MFA, the password policy, the account's trails, users and account-level S3 Block
Public Access belong to the account, not to a resource. A live account is the whole account by
definition. A Terraform or CloudFormation folder is usually a fragment of one: what it does not
declare may exist elsewhere, so an account-level rule is *unknown* there unless

* the input itself decides the fact: it declares an account-wide resource
  (``aws_iam_account_password_policy`` replaces the account's one password policy,
  AWS-PASSWORD-POLICY; ``aws_s3_account_public_access_block`` covers every bucket,
  AWS-S3-BPA-ACCOUNT), or a rule needs only one example
  (CS201: one qualifying trail declared is enough, an existence proof); or
* the user declares the account's scope (``policy-lint check --account-scope`` or
  ``account-scope: true`` in the settings): the input is the whole account, so what it does not
  declare does not exist.

Account-level results are reported on the resource :data:`ACCOUNT`, never on an unrelated
resource or a pseudo-resource such as ``cloudtrail``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from policy_lint.inventory.model import LIVE_SOURCE, Account, Inventory, Maybe, Origin, Unknown

T = TypeVar("T")

#: The resource of every account-level result.
ACCOUNT = "account"
#: How a user declares that the input is the whole account (said in every such unknown).
HOW_TO_DECLARE = (
    "if the input describes the whole account, declare it with `policy-lint check --account-scope` "
    "or `account-scope: true` in .policy-lint.yaml"
)
_NOT_COLLECTED = "not collected"
_ROOT_ONLY_LIVE = (
    "the root user's {what} cannot be declared in Terraform or CloudFormation; only `policy-lint verify` "
    "on the account can tell (AWS-ROOT-KEY)"
)


def covers_account(inventory: Inventory) -> bool:
    """Does the input describe the whole account (live, or a declared account scope)?"""
    return inventory.account_scope or LIVE_SOURCE in inventory.sources


def outside_input(missing: str) -> Unknown:
    """Why an account-level fact is unknown in planned input without account scope: ``missing``
    says what the input lacks (a clause), then how to declare the scope."""
    return Unknown(f"{missing}, and the input may be a fragment of the account: {HOW_TO_DECLARE}")


def judged_accounts(inventory: Inventory) -> list[Account]:
    """The accounts the account-level rules judge: the live account as collected; in planned mode
    the declared account-wide resources completed with what planned input cannot know, or (when
    the input declares none) one account with only that. Nothing when no input describes
    infrastructure (an onboarding.yaml alone makes no claim about the account)."""
    if not inventory.describes_infrastructure():
        return list(inventory.accounts)
    planned = [a for a in inventory.accounts if not a.origin.observed]
    observed = [a for a in inventory.accounts if a.origin.observed]
    if observed or LIVE_SOURCE in inventory.sources:
        return observed + [_planned(inventory, a) for a in planned]
    declared = _one_per_account(planned) or [
        Account(
            Origin("planned", ACCOUNT), account_id=Unknown("not declared"), partition=Unknown("not declared")
        )
    ]
    return [_planned(inventory, account) for account in declared]


def declared(account: Account, attribute: str) -> bool:
    """Does the input state this account-level fact (live: always; planned: an account-wide
    resource sets it)? Without account scope, an undeclared fact is unknown for the account as a
    whole, but a rule judging one resource of the input may read it as absent when the input's
    own setting decides (CS204: a bucket that turns Block Public Access off)."""
    return account.origin.observed or attribute in account.attribute_origins


def account_resource(inventory: Inventory, account: Account) -> str:
    """``account``; with several accounts in one inventory, ``account <id>`` so none is reported twice."""
    accounts = judged_accounts(inventory)
    if len(accounts) <= 1:
        return ACCOUNT
    if isinstance(account.account_id, str):
        return f"{ACCOUNT} {account.account_id}"
    return ACCOUNT


def _one_per_account(accounts: list[Account]) -> list[Account]:
    """The planned accounts, one per account: the configurations checked together (Terraform roots,
    plan files) that declare account-wide resources of an account not known before deployment, or of
    the same account ID, declare them for one account, judged once with every declared fact."""
    merged: dict[str | None, Account] = {}
    for account in accounts:
        key = account.account_id if isinstance(account.account_id, str) else None
        first = merged.get(key)
        if first is None:
            merged[key] = replace(account, attribute_origins=dict(account.attribute_origins))
            continue
        for fact in _DECLARABLE:
            if _not_collected(getattr(first, fact)) and not _not_collected(getattr(account, fact)):
                setattr(first, fact, getattr(account, fact))
                if fact in account.attribute_origins:
                    first.attribute_origins[fact] = account.attribute_origins[fact]
    return list(merged.values())


#: the account facts planned input can declare (aws_iam_account_password_policy, the account block)
_DECLARABLE = ("password_policy", "s3_public_access_block")


def _not_collected(value: object) -> bool:
    return isinstance(value, Unknown) and value.reason == _NOT_COLLECTED


def _planned(inventory: Inventory, account: Account) -> Account:
    """A declared (or empty) planned account with every fact the input does not declare spelt out."""
    scope = inventory.account_scope

    def undeclared(value: Maybe[T | None], what: str) -> Maybe[T | None]:
        if not (isinstance(value, Unknown) and value.reason == _NOT_COLLECTED):
            return value
        # with account scope, what the input does not declare does not exist
        return None if scope else outside_input(f"the input declares no {what}")

    root_keys = Unknown(_ROOT_ONLY_LIVE.format(what="access keys"))
    return replace(
        account,
        # no line: the account is written nowhere; its configuration (root, plan file) names it
        origin=Origin(account.origin.source, ACCOUNT, root=account.origin.root),
        attribute_origins=dict(account.attribute_origins),
        root_access_keys_present=_keep(account.root_access_keys_present, root_keys),
        root_access_key_active=_keep(account.root_access_key_active, root_keys),
        root_mfa_enabled=_keep(account.root_mfa_enabled, Unknown(_ROOT_ONLY_LIVE.format(what="MFA device"))),
        password_policy=undeclared(
            account.password_policy,
            "account password policy (aws_iam_account_password_policy)",
        ),
        s3_public_access_block=undeclared(
            account.s3_public_access_block,
            "account-level S3 Block Public Access (aws_s3_account_public_access_block)",
        ),
    )


def _keep(value: Maybe[T], instead: Unknown) -> Maybe[T]:
    """A planned account's fact as declared, or why planned input cannot know it."""
    return instead if isinstance(value, Unknown) and value.reason == _NOT_COLLECTED else value
