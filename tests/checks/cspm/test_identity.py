"""CS1 identity rules: pass, fail and unknown on hand-built inventories, with CIS boundary values."""

from __future__ import annotations

from typing import Any

import pytest

from policy_lint.inventory.model import AccessKey, Account, IamUser, Inventory, PolicyRef, Unknown
from policy_lint.rules.registry import Status
from tests.checks.cspm.builders import ago, origin, run, statuses

SECRET_LOOKING_ID = "AKIAIOSFODNN7EXAMPLE"


def account(**fields: Any) -> Inventory:
    return Inventory(
        accounts=[Account(origin("arn:aws:iam::123456789012:root"), "123456789012", "aws", **fields)]
    )


def user(**fields: Any) -> Inventory:
    fields.setdefault("has_login_profile", False)
    fields.setdefault("access_keys", [])
    return Inventory(users=[IamUser(origin("aws_iam_user.sas", line=3), "sas", **fields)])


def key(
    suffix: str = "ABCD", status: Any = "Active", created: Any = None, last_used: Any = None
) -> AccessKey:
    return AccessKey(suffix, status, created, last_used)


# --- CS101 root access key (CIS 1.4) ---------------------------------------------------------


def test_root_key_absent_passes_present_fails() -> None:
    assert statuses(run("CS101", account(root_access_keys_present=False))) == ["pass"]
    [failed] = run("CS101", account(root_access_keys_present=True))
    assert failed.status is Status.FAIL and failed.resource == "account"
    assert "inactive key still counts" in failed.message


def test_root_key_unknown_names_the_reason_unless_the_credential_report_shows_an_active_key() -> None:
    denied = Unknown("iam:GetAccountSummary AccessDenied")
    [result] = run("CS101", account(root_access_keys_present=denied))
    assert result.status is Status.UNKNOWN and "AccessDenied" in result.message
    # an inactive root key may still exist, so "no active key" alone is not a pass
    assert statuses(run("CS101", account(root_access_keys_present=denied, root_access_key_active=False))) == [
        "unknown"
    ]
    assert statuses(run("CS101", account(root_access_keys_present=denied, root_access_key_active=True))) == [
        "fail"
    ]


def test_account_rules_yield_nothing_without_an_account() -> None:
    # planned input (Terraform, CloudFormation) builds no Account: nothing to judge, not a pass
    for rule_id in ("CS101", "CS102", "CS103", "CS104"):
        assert run(rule_id, Inventory()) == []


# --- CS102 root MFA (CIS 1.5) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "pass"), (False, "fail"), (Unknown("not collected"), "unknown")]
)
def test_root_mfa(value: Any, expected: str) -> None:
    assert statuses(run("CS102", account(root_mfa_enabled=value))) == [expected]


# --- CS103 / CS104 password policy (CIS 1.8, 1.9) --------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"MinimumPasswordLength": 14}, "pass"),
        ({"MinimumPasswordLength": 13}, "fail"),
        ({"minimum_password_length": "20"}, "pass"),  # Terraform spelling, string value
        (None, "fail"),  # no policy: IAM's default is 8 characters
        ({"PasswordReusePrevention": 24}, "unknown"),  # length not stated
        (Unknown("iam:GetAccountPasswordPolicy AccessDenied"), "unknown"),
    ],
)
def test_password_min_length(policy: Any, expected: str) -> None:
    assert statuses(run("CS103", account(password_policy=policy))) == [expected]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"MinimumPasswordLength": 14, "PasswordReusePrevention": 24}, "pass"),
        ({"PasswordReusePrevention": 23}, "fail"),
        ({"MinimumPasswordLength": 14}, "fail"),  # AWS omits the key when reuse is not restricted
        (None, "fail"),
        ({"PasswordReusePrevention": "lots"}, "unknown"),
        (Unknown("denied"), "unknown"),
    ],
)
def test_password_reuse(policy: Any, expected: str) -> None:
    assert statuses(run("CS104", account(password_policy=policy))) == [expected]


# --- CS105 key rotation (CIS 1.14) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (ago(89), "pass"),
        (ago(90), "pass"),  # "every 90 days or less": exactly 90 days is still compliant
        (ago(90.001), "fail"),
        (ago(400), "fail"),
    ],
)
def test_key_rotation_boundary(created: str, expected: str) -> None:
    assert statuses(run("CS105", user(access_keys=[key(created=created)]))) == [expected]


def test_key_rotation_judges_only_active_keys_and_redacts_the_key_id() -> None:
    keys = [key(SECRET_LOOKING_ID[-4:], "Inactive", ago(500)), key("WXYZ", "Active", ago(100))]
    [result] = run("CS105", user(access_keys=keys))
    assert result.status is Status.FAIL
    assert result.resource == "aws_iam_user.sas:access-key:...WXYZ"
    assert (
        result.message
        == "sas's access key ...WXYZ is active and was created 100.0 days ago, more than 90 days"
    )
    assert SECRET_LOOKING_ID not in result.message + result.resource
    assert result.location is not None and result.location.line == 3


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        (Unknown("iam:ListAccessKeys AccessDenied"), "AccessDenied"),
        ([key(created=None)], "not recorded"),
        ([key(created="N/A")], "unreadable timestamp"),
        ([key(status=Unknown("status unknown at plan time"))], "plan time"),
    ],
)
def test_key_rotation_unknown(keys: Any, reason: str) -> None:
    [result] = run("CS105", user(access_keys=keys))
    assert result.status is Status.UNKNOWN and reason in result.message


def test_planned_keys_without_an_id_are_told_apart_by_position() -> None:
    # a Terraform aws_iam_access_key has no ID before apply: two of them must not share a resource
    results = run(
        "CS105", user(access_keys=[key("", created=Unknown("apply")), key("", created=Unknown("apply"))])
    )
    assert [r.resource for r in results] == [
        "aws_iam_user.sas:access-key:#1",
        "aws_iam_user.sas:access-key:#2",
    ]
    assert statuses(results) == ["unknown", "unknown"]


def test_key_rotation_reads_the_z_suffix() -> None:
    created = ago(10).replace("+00:00", "Z")
    assert statuses(run("CS105", user(access_keys=[key(created=created)]))) == ["pass"]


# --- CS106 unused credentials (CIS 1.12) ------------------------------------------------------


@pytest.mark.parametrize(
    ("last_used", "expected"),
    [(ago(44.99), "pass"), (ago(45), "fail"), (ago(46), "fail")],  # "45 days or greater": 45 fails
)
def test_unused_key_boundary(last_used: str, expected: str) -> None:
    inventory = user(access_keys=[key(created=ago(300), last_used=last_used)])
    assert statuses(run("CS106", inventory)) == [expected]


@pytest.mark.parametrize(
    ("last_used", "created", "expected"),
    [
        (ago(10), ago(300), "pass"),
        (ago(45), ago(300), "fail"),
        (None, ago(45), "fail"),
        (None, ago(20), "pass"),
    ],
)
def test_unused_console_password(last_used: Any, created: Any, expected: str) -> None:
    # a password never used counts from the user's creation date
    inventory = user(has_login_profile=True, password_last_used=last_used, created=created)
    assert statuses(run("CS106", inventory)) == [expected]


def test_unused_credentials_message_names_each_stale_credential() -> None:
    inventory = user(
        has_login_profile=True,
        password_last_used=ago(60),
        access_keys=[
            key("AAAA", created=ago(100), last_used=None),
            key("BBBB", created=ago(100), last_used=ago(1)),
        ],
    )
    [result] = run("CS106", inventory)
    assert result.status is Status.FAIL
    assert "console password last used 60.0 days ago" in result.message
    assert "access key ...AAAA created 100.0 days ago and never used" in result.message
    assert "BBBB" not in result.message


def test_unused_credentials_ignore_inactive_keys_and_users_without_credentials() -> None:
    assert statuses(run("CS106", user(access_keys=[key(status="Inactive", created=ago(900))]))) == ["pass"]


@pytest.mark.parametrize(
    "fields",
    [
        {"has_login_profile": Unknown("planned user")},
        {"has_login_profile": True, "password_last_used": Unknown("credential report denied")},
        {"has_login_profile": True, "password_last_used": None, "created": None},
        {"access_keys": Unknown("iam:ListAccessKeys AccessDenied")},
        {"access_keys": [key(last_used=Unknown("iam:GetAccessKeyLastUsed AccessDenied"))]},
    ],
)
def test_unused_credentials_unknown(fields: dict[str, Any]) -> None:
    assert statuses(run("CS106", user(**fields))) == ["unknown"]


def test_a_stale_credential_fails_even_when_another_is_unknown() -> None:
    inventory = user(
        has_login_profile=Unknown("denied"), access_keys=[key(created=ago(90), last_used=ago(50))]
    )
    [result] = run("CS106", inventory)
    assert result.status is Status.FAIL and result.evidence["unknown"]


# --- CS107 one active key (CIS 1.13) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], "pass"),
        ([key("AAAA"), key("BBBB", "Inactive")], "pass"),
        ([key("AAAA"), key("BBBB")], "fail"),
        ([key("AAAA"), key("BBBB", Unknown("planned"))], "unknown"),
        ([key("AAAA"), key("BBBB"), key("CCCC", Unknown("planned"))], "fail"),
        (Unknown("denied"), "unknown"),
    ],
)
def test_one_active_key(keys: Any, expected: str) -> None:
    assert statuses(run("CS107", user(access_keys=keys))) == [expected]


# --- CS108 permissions through groups (CIS 1.15) ----------------------------------------------


def test_direct_policies_fail_and_name_the_conflict_with_the_guide() -> None:
    inventory = user(
        attached_policies=[PolicyRef("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess")],
        inline_policies=[PolicyRef("queue-read", inline=True)],
    )
    [result] = run("CS108", inventory)
    assert result.status is Status.FAIL
    assert "ReadOnlyAccess (attached)" in result.message and "queue-read (inline)" in result.message
    assert result.evidence["conflicts_with"] == ["OB104"]


def test_permissions_through_a_group_pass() -> None:
    [result] = run("CS108", user(groups=["security-center"]))
    assert result.status is Status.PASS and result.evidence["conflicts_with"] == ["OB104"]


def test_direct_policies_unknown() -> None:
    assert statuses(run("CS108", user(attached_policies=Unknown("iam:ListAttachedUserPolicies denied")))) == [
        "unknown"
    ]
