"""States moto cannot produce, on botocore Stubber with real response shapes,
and refused calls turned into *unknown* results that name the missing permission."""

from __future__ import annotations

from datetime import datetime, timezone

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import IamUser, Inventory, Origin, Unknown
from policy_lint.live import account, cloudtrail, iam, s3
from policy_lint.rules.registry import Status

from .conftest import stub_api, stubbed

USER_ARN = "arn:aws:iam::123456789012:user/AlibabaSasSubAccount_abc123"
CREATED = datetime(2026, 1, 5, tzinfo=timezone.utc)
DENIED = {
    "service_error_code": "AccessDenied",
    "service_message": "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: "
    "iam:GetLoginProfile on resource: user AlibabaSasSubAccount_abc123",
    "http_status_code": 403,
}


def test_root_access_key_present_and_active() -> None:
    """moto limits 2 and 3: AccountAccessKeysPresent is always 0 and the credential report has no
    <root_account> row; these are the shapes IAM returns for an account whose root has a key."""
    client, stub = stubbed("iam")
    stub.add_response(
        "get_account_summary", {"SummaryMap": {"AccountAccessKeysPresent": 1, "AccountMFAEnabled": 0}}
    )
    report = (
        "user,arn,user_creation_time,password_enabled,access_key_1_active,access_key_2_active\n"
        "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,false,true\n"
    )
    stub.add_client_error("get_credential_report", "ReportNotPresent", http_status_code=410)
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    stub.add_response(
        "get_credential_report",
        {"Content": report.encode(), "ReportFormat": "text/csv", "GeneratedTime": CREATED},
    )
    stub.add_client_error("get_account_password_policy", "NoSuchEntity", http_status_code=404)
    control, control_stub = stubbed("s3control")
    control_stub.add_response(
        "get_public_access_block",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": False,
            }
        },
        {"AccountId": "123456789012"},
    )
    account.REPORT_WAIT_SECONDS = 5.0
    found = account.collect_account(stub_api(iam=client, s3control=control))
    stub.assert_no_pending_responses()
    assert found.root_access_keys_present is True and found.root_access_key_active is True
    assert found.root_mfa_enabled is False and found.password_policy is None
    assert found.s3_public_access_block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    # the account of a quick-plan onboarding (OB rules judge only one): its user is there
    quick = IamUser(
        Origin("live", "arn:aws:iam::123456789012:user/AlibabaSasSubAccount_1"), "AlibabaSasSubAccount_1"
    )
    inventory = Inventory(accounts=[found], users=[quick], sources=["live"])
    results = {r.rule_id: r for r in run_checks(inventory, Selection(select=("OB120",)))}
    assert results["OB120"].status is Status.FAIL and "active" in results["OB120"].message


def _user_responses(stub: object, *, boundary: str | None = None, login_denied: bool = False) -> None:
    user = {
        "UserName": "AlibabaSasSubAccount_abc123",
        "UserId": "AIDAEXAMPLEUSERID0001",
        "Arn": USER_ARN,
        "Path": "/",
        "CreateDate": CREATED,
    }
    if boundary:
        user["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    stub.add_response("get_user", {"User": user})  # type: ignore[attr-defined]
    if login_denied:
        stub.add_client_error("get_login_profile", **DENIED)  # type: ignore[attr-defined]
    else:
        stub.add_client_error("get_login_profile", "NoSuchEntity", http_status_code=404)  # type: ignore[attr-defined]
    stub.add_response(
        "list_access_keys",
        {
            "AccessKeyMetadata": [  # type: ignore[attr-defined]
                {
                    "UserName": "AlibabaSasSubAccount_abc123",
                    "AccessKeyId": "AKIAEXAMPLEKEY1WXYZ",
                    "Status": "Active",
                    "CreateDate": CREATED,
                }
            ]
        },
    )
    stub.add_response(
        "get_access_key_last_used",
        {
            "UserName": "AlibabaSasSubAccount_abc123",
            "AccessKeyLastUsed": {  # type: ignore[attr-defined]
                "LastUsedDate": datetime.now(timezone.utc),
                "ServiceName": "ec2",
                "Region": "ap-northeast-1",
            },
        },
    )
    stub.add_response("list_mfa_devices", {"MFADevices": []})  # type: ignore[attr-defined]
    stub.add_response(
        "list_attached_user_policies",
        {
            "AttachedPolicies": [  # type: ignore[attr-defined]
                {
                    "PolicyName": "AmazonEC2ReadOnlyAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
                }
            ]
        },
    )
    stub.add_response("list_user_policies", {"PolicyNames": []})  # type: ignore[attr-defined]
    stub.add_response("list_groups_for_user", {"Groups": []})  # type: ignore[attr-defined]


def _quick_inventory(user: object) -> Inventory:
    from policy_lint.onboarding.config import OnboardingConfig

    config = OnboardingConfig(path="onboarding.yaml", plan="quick", features=("host",))
    return Inventory(config=config, users=[user], complete={"users"})  # type: ignore[list-item]


def test_quarantine_boundary_disables_quick_plan_user() -> None:
    """moto limit 4: get_user never returns PermissionsBoundary (nor can one be set)."""
    client, stub = stubbed("iam")
    _user_responses(stub, boundary="arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2")
    user, groups = iam.collect_user(
        stub_api(iam=client),
        {"UserName": "AlibabaSasSubAccount_abc123", "Arn": USER_ARN, "CreateDate": CREATED},
    )
    stub.assert_no_pending_responses()
    assert user.permissions_boundary.endswith("AWSCompromisedKeyQuarantineV2") and groups == {}
    assert user.access_keys[0].key_id_suffix == "WXYZ" and "AKIAEXAMPLEKEY1" not in repr(user)
    results = {
        (r.rule_id): r for r in run_checks(_quick_inventory(user), Selection(select=("OB122", "OB123")))
    }
    assert results["OB122"].status is Status.FAIL
    assert "AWSCompromisedKeyQuarantineV2" in results["OB122"].message
    assert results["OB123"].status is Status.PASS  # used a moment ago


def test_access_denied_becomes_unknown_naming_the_permission() -> None:
    client, stub = stubbed("iam")
    _user_responses(stub, login_denied=True)
    api = stub_api(iam=client)
    user, _ = iam.collect_user(
        api, {"UserName": "AlibabaSasSubAccount_abc123", "Arn": USER_ARN, "CreateDate": CREATED}
    )
    assert isinstance(user.has_login_profile, Unknown)
    assert user.has_login_profile.reason.startswith("iam:GetLoginProfile denied: AccessDenied")
    assert api.errors.errors == {
        "iam:GetLoginProfile user/AlibabaSasSubAccount_abc123": user.has_login_profile.reason
    }
    assert user.access_keys[0].status == "Active"  # the other calls still answered
    from policy_lint.onboarding.config import OnboardingConfig

    config = OnboardingConfig(
        path="onboarding.yaml", plan="manual", features=("host",), iam_user="AlibabaSasSubAccount_abc123"
    )
    results = [r for r in run_checks(Inventory(config=config, users=[user]), Selection(select=("OB102",)))]
    assert [r.status for r in results] == [Status.UNKNOWN]
    assert "iam:GetLoginProfile" in results[0].message


def test_default_event_selector_and_advanced_read_only() -> None:
    """moto limit 6: a trail without selectors returns [] where AWS returns this default selector."""
    default = {
        "TrailARN": "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/t",
        "EventSelectors": [
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [],
                "ExcludeManagementEventSources": [],
            }
        ],
    }
    summary = cloudtrail.summarize_selectors(default)
    assert (summary.management_read, summary.management_write, summary.kind) == (True, True, "basic")
    split = {
        "EventSelectors": [
            {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True},
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "ExcludeManagementEventSources": ["kms.amazonaws.com"],
            },
        ]
    }
    summary = cloudtrail.summarize_selectors(split)
    assert (summary.management_read, summary.management_write, summary.excluded_sources) == (
        True,
        True,
        ("kms.amazonaws.com",),
    )
    advanced = {
        "AdvancedEventSelectors": [
            {
                "Name": "reads",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["true"]},
                ],
            }
        ]
    }
    summary = cloudtrail.summarize_selectors(advanced)
    assert (summary.management_read, summary.management_write, summary.kind) == (True, False, "advanced")


def test_eventbridge_and_missing_encryption_configuration() -> None:
    """moto limits 8 and 9: AWS returns AES256 for a bucket without configuration (moto raises
    NotFound; real S3 used to, too) and keeps EventBridgeConfiguration, which moto drops."""
    client, stub = stubbed("s3")
    stub.add_response("get_bucket_location", {"LocationConstraint": "EU"})
    stub.add_client_error(
        "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", http_status_code=404
    )
    stub.add_response("get_bucket_notification_configuration", {"EventBridgeConfiguration": {}})
    stub.add_client_error(
        "get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404
    )
    stub.add_client_error("get_bucket_policy", **{**DENIED, "service_message": "Access Denied"})
    api = stub_api(s3=client)
    bucket = s3.collect_bucket(api, "logs")
    assert bucket is not None and bucket.region == "eu-west-1" and bucket.encryption == "AES256"
    assert bucket.eventbridge is True and bucket.notifications == [] and bucket.public_access_block is None
    assert isinstance(bucket.policy, Unknown) and bucket.policy.reason.startswith("s3:GetBucketPolicy denied")


def test_missing_bucket_is_left_out_and_recorded() -> None:
    client, stub = stubbed("s3")
    stub.add_client_error("get_bucket_location", "NoSuchBucket", http_status_code=404)
    api = stub_api(s3=client)
    assert s3.collect_bucket(api, "gone") is None
    assert "s3:GetBucketLocation gone" in api.errors.errors
