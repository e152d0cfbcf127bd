"""OB120/OB122/OB123 on hand-built inventories: the verdicts a user sees, including unknown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import AccessKey, Account, IamUser, Inventory, Origin, PolicyRef, Unknown
from policy_lint.onboarding.config import OnboardingConfig
from policy_lint.rules.registry import Status

QUICK = OnboardingConfig(path="onboarding.yaml", plan="quick", features=("host",))
MANUAL = OnboardingConfig(path="onboarding.yaml", plan="manual", features=("host",), iam_user="sas")


def _verdicts(inventory: Inventory, rule: str) -> list[tuple[Status, str]]:
    return [(r.status, r.message) for r in run_checks(inventory, Selection(select=(rule,)))]


def _account(partition: str = "aws", **facts: object) -> Account:
    account = Account(
        Origin("live", f"arn:{partition}:iam::123456789012:root"),
        account_id="123456789012",
        partition=partition,
    )
    for key, value in facts.items():
        setattr(account, key, value)
    return account


def _user(name: str, *keys: AccessKey, **facts: object) -> IamUser:
    user = IamUser(
        Origin("live", f"arn:aws:iam::123456789012:user/{name}"), name=name, access_keys=list(keys)
    )
    user.permissions_boundary = None
    for key, value in facts.items():
        setattr(user, key, value)
    return user


def test_root_key_rule() -> None:
    deleted = Inventory(config=QUICK, accounts=[_account(root_access_keys_present=False)])
    assert [s for s, _ in _verdicts(deleted, "OB120")] == [Status.PASS]
    inactive = Inventory(
        config=QUICK, accounts=[_account(root_access_keys_present=True, root_access_key_active=False)]
    )
    [(status, message)] = _verdicts(inactive, "OB120")
    assert status is Status.FAIL and "inactive, but the guide says delete it" in message
    denied = Unknown("iam:GetAccountSummary denied: AccessDenied")
    [(status, message)] = _verdicts(
        Inventory(config=QUICK, accounts=[_account(root_access_keys_present=denied)]), "OB120"
    )
    assert status is Status.UNKNOWN and "iam:GetAccountSummary denied" in message
    # AWS China has no root user (GUIDE-CHINA-ROOT): nothing to judge.
    china = Inventory(config=QUICK, accounts=[_account("aws-cn", root_access_keys_present=True)])
    assert _verdicts(china, "OB120") == []
    # Manual plan: the rule does not apply at all.
    assert (
        _verdicts(Inventory(config=MANUAL, accounts=[_account(root_access_keys_present=True)]), "OB120") == []
    )


def test_quick_plan_user_missing_live_versus_planned() -> None:
    live = Inventory(config=QUICK, accounts=[_account()], users=[_user("someone")], complete={"users"})
    [(status, message)] = _verdicts(live, "OB122")
    assert status is Status.FAIL and "AlibabaSasSubAccount_" in message
    planned = Inventory(config=QUICK, users=[_user("someone")])  # Terraform lists only what it declares
    [(status, message)] = _verdicts(planned, "OB122")
    assert status is Status.UNKNOWN and "policy-lint verify" in message
    # Without onboarding.yaml nothing says the quick plan is used: no missing-user noise on any repo.
    assert _verdicts(Inventory(users=[_user("someone")]), "OB122") == []
    assert _verdicts(Inventory(accounts=[_account()], users=[_user("x")], complete={"users"}), "OB122") == []


def test_quick_plan_user_key_and_deny_all() -> None:
    active = AccessKey("ABCD", "Active", last_used=None)
    ok = _user(
        "AlibabaSasSubAccount_x1",
        active,
        attached_policies=[
            PolicyRef("AmazonEC2ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
        ],
    )
    assert [s for s, _ in _verdicts(Inventory(config=QUICK, users=[ok], complete={"users"}), "OB122")] == [
        Status.PASS
    ]
    inactive = _user("AlibabaSasSubAccount_x2", AccessKey("ABCD", "Inactive"))
    [(status, message)] = _verdicts(Inventory(config=QUICK, users=[inactive]), "OB122")
    assert status is Status.FAIL and "no active access key" in message
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    blocked = _user(
        "AlibabaSasSubAccount_x3", active, inline_policies=[PolicyRef("stop", document=deny, inline=True)]
    )
    [(status, message)] = _verdicts(Inventory(config=QUICK, users=[blocked]), "OB122")
    assert status is Status.FAIL and "inline policy stop" in message


def test_key_use_rule() -> None:
    now = datetime.now(timezone.utc)
    keys = (
        AccessKey("AAAA", "Active", last_used=None),
        AccessKey("BBBB", "Active", last_used=(now - timedelta(days=30)).isoformat()),
        AccessKey("CCCC", "Active", last_used=(now - timedelta(hours=2)).isoformat()),
        AccessKey("DDDD", "Active", last_used=Unknown("iam:GetAccessKeyLastUsed denied: AccessDenied")),
        AccessKey("EEEE", "Inactive", last_used=None),
    )
    inventory = Inventory(config=MANUAL, users=[_user("sas", *keys), _user("other", keys[0])])
    verdicts = _verdicts(inventory, "OB123")
    by_key = {
        suffix: status
        for status, message in verdicts
        for suffix in ("AAAA", "BBBB", "CCCC", "DDDD")
        if suffix in message
    }
    assert by_key == {"AAAA": Status.FAIL, "BBBB": Status.FAIL, "CCCC": Status.PASS, "DDDD": Status.UNKNOWN}
    text = " | ".join(m for _, m in verdicts)
    assert "...AAAA has never been used" in text and "...BBBB was last used 30 days ago" in text
    assert "iam:GetAccessKeyLastUsed denied" in text and "EEEE" not in text and "other" not in text


def test_each_active_key_is_its_own_result() -> None:
    """Two active keys, two verdicts: each names its key (one result per rule and resource)."""
    keys = (AccessKey("AAAA", "Active", last_used=None), AccessKey("BBBB", "Active", last_used=None))
    inventory = Inventory(config=MANUAL, users=[_user("sas", *keys)])
    resources = [r.resource for r in run_checks(inventory, Selection(select=("OB123",)))]
    user = "arn:aws:iam::123456789012:user/sas"
    assert sorted(resources) == [f"{user}:access-key:...AAAA", f"{user}:access-key:...BBBB"]


def test_key_use_reads_the_z_suffix_and_an_unreadable_time_is_unknown() -> None:
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    keys = (AccessKey("ZZZZ", "Active", last_used=two_days_ago), AccessKey("XXXX", "Active", last_used="N/A"))
    verdicts = _verdicts(Inventory(config=MANUAL, users=[_user("sas", *keys)]), "OB123")
    assert sorted(verdicts) == sorted(
        [
            (Status.PASS, "sas's active key ...ZZZZ was used 2 day(s) ago"),
            (Status.UNKNOWN, "key ...XXXX: unreadable last-use time 'N/A'"),
        ]
    )


def test_quick_plan_user_whose_key_status_is_unknown_is_unknown_not_a_missing_key() -> None:
    unsure = _user("AlibabaSasSubAccount_x4", AccessKey("ABCD", Unknown("iam:ListAccessKeys throttled")))
    [(status, message)] = _verdicts(Inventory(config=QUICK, users=[unsure]), "OB122")
    assert status is Status.UNKNOWN and "iam:ListAccessKeys throttled" in message


def test_a_name_missing_from_an_incomplete_live_listing_is_unknown() -> None:
    """iam:ListUsers denied (or not answered before --timeout): the onboarding user may well exist,
    so OB101 is unknown, not failed. With every user listed, the same absence fails."""
    incomplete = Inventory(config=MANUAL, sources=["config", "live"], users=[_user("someone-else")])
    [(status, message)] = _verdicts(incomplete, "OB101")
    assert status is Status.UNKNOWN
    assert message.endswith("the live account's users could not all be listed (see collection_errors)")
    complete = Inventory(
        config=MANUAL, sources=["config", "live"], users=[_user("someone-else")], complete={"users"}
    )
    [(status, _)] = _verdicts(complete, "OB101")
    assert status is Status.FAIL
