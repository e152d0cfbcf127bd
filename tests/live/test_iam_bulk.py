"""Bulk IAM (GetAccountAuthorizationDetails) and the per-call path build the same inventory on the same
moto account; a refused bulk call falls back per call with the same inventory and no recorded error;
a broken bulk reply falls back too, recorded as malformed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from policy_lint.live import iam_bulk
from policy_lint.live.api import Api, ErrorLog
from policy_lint.live.session import CallStats, open_session

from .conftest import stub_api, stubbed

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _doc(action: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture(scope="module")
def account(moto_aws: None) -> Iterator[dict[str, str]]:
    """Users with inline, managed and group policies, one with an access key and a console password;
    roles with trust policies, policies and a permissions boundary (collected: it limits the role's
    escalation paths); a customer policy whose default is its second version; an unattached policy
    and a group without members (neither is collected)."""
    import boto3

    client = boto3.client("iam", region_name=REGION)

    def policy(name: str, action: str) -> str:
        return str(
            client.create_policy(PolicyName=name, PolicyDocument=json.dumps(_doc(action)))["Policy"]["Arn"]
        )

    versioned = policy("versioned", "s3:GetObject")
    client.create_policy_version(
        PolicyArn=versioned, PolicyDocument=json.dumps(_doc("s3:PutObject")), SetAsDefault=True
    )
    boundary = policy("boundary", "s3:*")
    group_policy = policy("group-managed", "sqs:ReceiveMessage")
    policy("unattached", "ec2:*")
    client.create_user(UserName="alice")
    client.put_user_policy(
        UserName="alice", PolicyName="alice-inline", PolicyDocument=json.dumps(_doc("sqs:*"))
    )
    client.attach_user_policy(UserName="alice", PolicyArn=versioned)
    client.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    key = client.create_access_key(UserName="alice")["AccessKey"]
    client.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-9")
    client.create_user(UserName="bob")
    client.create_group(GroupName="auditors")
    client.create_group(GroupName="empty")
    client.put_group_policy(
        GroupName="auditors", PolicyName="g-inline", PolicyDocument=json.dumps(_doc("kms:*"))
    )
    client.put_group_policy(GroupName="empty", PolicyName="e-inline", PolicyDocument=json.dumps(_doc("*")))
    client.attach_group_policy(GroupName="auditors", PolicyArn=group_policy)
    client.add_user_to_group(GroupName="auditors", UserName="alice")
    client.add_user_to_group(GroupName="auditors", UserName="bob")
    client.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=json.dumps(TRUST), PermissionsBoundary=boundary
    )
    client.put_role_policy(
        RoleName="bounded", PolicyName="r-inline", PolicyDocument=json.dumps(_doc("ec2:Describe*"))
    )
    client.attach_role_policy(RoleName="bounded", PolicyArn=versioned)
    client.create_role(RoleName="plain", AssumeRolePolicyDocument=json.dumps(TRUST))
    yield {"key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"], "boundary": boundary}


def _api(deny_bulk: bool = False) -> Api:
    stats = CallStats()
    session = open_session(region=REGION, stats=stats)
    if deny_bulk:
        session.events.register("before-call", _access_denied)
    return Api(
        session, partition="aws", home_region=REGION, account_id=ACCOUNT, errors=ErrorLog(), stats=stats
    )


def _access_denied(model: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
    """What IAM answers a caller without iam:GetAccountAuthorizationDetails (moto enforces no policy).
    Registered on the generic before-call event after the guard's counter, so the call is counted."""
    from botocore.awsrequest import AWSResponse

    if model.name != "GetAccountAuthorizationDetails":
        return None
    message = f"User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: iam:{model.name}"
    parsed = {
        "Error": {"Code": "AccessDenied", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }
    return AWSResponse("https://iam.amazonaws.com/", 403, {}, None), parsed


def _collect(api: Api, bulk: bool) -> iam_bulk.IamCollection:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return iam_bulk.collect_iam(api, pool, lambda _: None, bulk=bulk)


def _view(found: iam_bulk.IamCollection) -> tuple[Any, ...]:
    return found.users, found.groups, found.roles, found.policies, found.users_failed, found.roles_failed


def test_bulk_and_per_call_inventories_are_equal_with_fewer_calls(account: dict[str, str]) -> None:
    """moto keeps no user permissions boundary (put_user_permissions_boundary is not implemented and
    CreateUser drops it): the user boundary is tested with Stubber below."""
    bulk_api, per_call_api = _api(), _api()
    bulk, per_call = _collect(bulk_api, True), _collect(per_call_api, False)
    assert bulk.bulk and not per_call.bulk
    assert _view(bulk) == _view(per_call)
    assert bulk_api.errors.errors == per_call_api.errors.errors == {}
    roles = {r.name: r for r in bulk.roles}
    assert roles["bounded"].permissions_boundary == account["boundary"]
    assert roles["plain"].permissions_boundary is None
    assert roles["bounded"].trust_policy == TRUST  # URL-encoded in the reply, decoded
    alice = next(u for u in bulk.users if u.name == "alice")
    assert alice.groups == ["auditors"] and alice.has_login_profile is True
    assert [(p.name, p.document) for p in alice.inline_policies] == [("alice-inline", _doc("sqs:*"))]  # type: ignore[union-attr]
    versioned = next(p for p in alice.attached_policies if p.name == "versioned")  # type: ignore[union-attr]
    assert versioned.document == _doc("s3:PutObject")  # the default version, not v1
    assert [g.name for g in bulk.groups] == ["auditors"]  # "empty" has no member
    # unattached: not collected; boundary: attached to nothing, but a role's boundary limits its
    # escalation paths, so it is read (issue 12)
    assert sorted(p.name for p in bulk.policies) == ["boundary", "group-managed", "versioned"]
    assert bulk_api.stats is not None and per_call_api.stats is not None
    assert bulk_api.stats.calls.get("iam:GetAccountAuthorizationDetails") == 1
    assert bulk_api.stats.total_calls < per_call_api.stats.total_calls
    for name in ("ListAttachedUserPolicies", "GetUserPolicy", "ListRoles", "GetPolicyVersion", "GetRole"):
        assert f"iam:{name}" not in bulk_api.stats.calls


def test_the_access_key_is_kept_as_its_last_four_characters_only(account: dict[str, str]) -> None:
    found = _collect(_api(), True)
    alice = next(u for u in found.users if u.name == "alice")
    assert isinstance(alice.access_keys, list)
    assert [k.key_id_suffix for k in alice.access_keys] == [account["key_id"][-4:]]
    text = repr(found)
    assert account["key_id"] not in text and account["secret"] not in text


def test_a_refused_bulk_call_falls_back_per_call_with_the_same_inventory(account: dict[str, str]) -> None:
    denied_api, per_call_api = _api(deny_bulk=True), _api()
    messages: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        denied = iam_bulk.collect_iam(denied_api, pool, messages.append)
    per_call = _collect(per_call_api, False)
    assert not denied.bulk
    assert _view(denied) == _view(per_call)
    # the refusal is expected of a least-privilege caller: nothing is unknown, nothing recorded
    assert denied_api.errors.errors == {}
    assert any("iam:GetAccountAuthorizationDetails denied: AccessDenied" in m for m in messages)
    assert denied_api.stats is not None and denied_api.stats.calls["iam:GetAccountAuthorizationDetails"] == 1


def _page(**extra: Any) -> dict[str, Any]:
    return {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [], **extra}


def test_a_marker_that_repeats_is_malformed_not_an_endless_loop() -> None:
    """A hostile endpoint answering IsTruncated with the same Marker forever: two pages, then malformed."""
    client, stub = stubbed("iam")
    stub.add_response("get_account_authorization_details", _page(IsTruncated=True, Marker="m1"))
    stub.add_response("get_account_authorization_details", _page(IsTruncated=True, Marker="m1"))
    api = stub_api(iam=client)
    failed = iam_bulk.read_details(api)
    assert not isinstance(failed, dict)
    assert "malformed response from iam:GetAccountAuthorizationDetails" in failed.reason
    assert "iam:GetAccountAuthorizationDetails" in api.errors.errors


def test_a_user_boundary_and_password_use_come_from_the_bulk_reply_and_list_users() -> None:
    """moto cannot keep a user's permissions boundary or PasswordLastUsed: Stubber on real shapes,
    with the policy document URL-encoded as IAM sends it."""
    from datetime import datetime, timezone
    from urllib.parse import quote

    client, stub = stubbed("iam")
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/deny-all"
    detail = {
        "UserName": "carol",
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/carol",
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": boundary,
        },
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": quote(json.dumps(_doc("s3:*")))}],
    }
    stub.add_response("get_account_authorization_details", _page(UserDetailList=[detail], IsTruncated=False))
    stub.add_response(
        "get_login_profile", {"LoginProfile": {"UserName": "carol", "CreateDate": datetime(2024, 1, 1)}}
    )
    stub.add_response("list_access_keys", {"AccessKeyMetadata": []})
    stub.add_response("list_mfa_devices", {"MFADevices": []})
    api = stub_api(iam=client)
    details = iam_bulk.read_details(api)
    assert isinstance(details, dict)
    used = datetime(2025, 5, 1, tzinfo=timezone.utc).isoformat()
    user = iam_bulk.bulk_user(api, details["UserDetailList"][0], {"carol": used})
    assert user.permissions_boundary == boundary
    assert user.password_last_used == used
    assert user.has_login_profile is True and user.access_keys == [] and user.mfa_enabled is False
    assert [(p.name, p.document) for p in user.inline_policies] == [("p", _doc("s3:*"))]  # type: ignore[union-attr]
    assert api.errors.errors == {}


def test_an_entry_without_a_name_is_malformed_and_recorded_so_iam_is_read_per_call() -> None:
    """The shape model requires no member of UserDetail: an entry without UserName passes botocore."""
    client, stub = stubbed("iam")
    stub.add_response("get_account_authorization_details", _page(UserDetailList=[{"Path": "/"}]))
    api = stub_api(iam=client)
    failed = iam_bulk.read_details(api)
    assert not isinstance(failed, dict)
    assert failed.reason.endswith("an entry of UserDetailList has no UserName or Arn")
    assert "iam:GetAccountAuthorizationDetails" in api.errors.errors


def _managed(name: str, attached: int, bounding: int, versions: int = 3) -> dict[str, Any]:
    """A customer managed policy as IAM lists it in the bulk reply: every version's document
    (URL-encoded), the last one the default, and IAM's use counts."""
    from datetime import datetime
    from urllib.parse import quote

    return {
        "PolicyName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        "DefaultVersionId": f"v{versions}",
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": bounding,
        "PolicyVersionList": [
            {
                "Document": quote(json.dumps(_doc(f"s3:Get{name}{v}"))),
                "VersionId": f"v{v}",
                "IsDefaultVersion": v == versions,
                "CreateDate": datetime(2024, 1, v),
            }
            for v in range(1, versions + 1)
        ],
    }


def _kept_documents(unused: int) -> list[tuple[str, list[Any]]]:
    """The policies read_details keeps, with their documents, when the account also holds ``unused``
    policies attached to nothing (two pages: the unused ones first)."""
    client, stub = stubbed("iam")
    carol = {
        "UserName": "carol",
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/carol",
        "AttachedManagedPolicies": [
            {"PolicyName": "used", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/used"}
        ],
    }
    spare = [_managed(f"spare{i}", attached=0, bounding=0) for i in range(unused)]
    stub.add_response(
        "get_account_authorization_details", _page(Policies=spare, IsTruncated=True, Marker="page-2")
    )
    kept = [_managed("used", attached=1, bounding=0), _managed("bounding", attached=0, bounding=2)]
    stub.add_response(
        "get_account_authorization_details", _page(UserDetailList=[carol], Policies=kept, IsTruncated=False)
    )
    details = iam_bulk.read_details(stub_api(iam=client))
    assert isinstance(details, dict)
    return [
        (p["Arn"].rsplit("/", 1)[-1], [v["Document"] for v in p["PolicyVersionList"]])
        for p in details["Policies"]
    ]


def test_the_policy_documents_kept_do_not_grow_with_policies_attached_to_nothing() -> None:
    """IAM counts each policy's attachments and boundary uses: a policy with neither cannot reach a
    principal, so its documents are dropped with its page; a kept policy keeps its default version
    only (the other versions are history)."""
    expected = [("used", [_doc("s3:Getused3")]), ("bounding", [_doc("s3:Getbounding3")])]
    assert _kept_documents(0) == expected
    assert _kept_documents(60) == expected


def test_a_policy_without_use_counts_is_kept() -> None:
    """moto sends no PermissionsBoundaryUsageCount: a count that is missing cannot say the policy is unused."""
    detail = _managed("uncounted", attached=0, bounding=0)
    del detail["PermissionsBoundaryUsageCount"]
    client, stub = stubbed("iam")
    stub.add_response("get_account_authorization_details", _page(Policies=[detail], IsTruncated=False))
    details = iam_bulk.read_details(stub_api(iam=client))
    assert isinstance(details, dict) and [p["Arn"] for p in details["Policies"]] == [detail["Arn"]]


def test_a_policy_attached_after_iam_counted_is_read_per_call() -> None:
    """The count said 0 (it lags an attachment made during the read), the user's entry names the
    policy: its document is read with GetPolicy and GetPolicyVersion, not lost."""
    from urllib.parse import quote

    arn = f"arn:aws:iam::{ACCOUNT}:policy/late"
    client, stub = stubbed("iam")
    dave = {
        "UserName": "dave",
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/dave",
        "AttachedManagedPolicies": [{"PolicyName": "late", "PolicyArn": arn}],
    }
    stub.add_response(
        "get_account_authorization_details",
        _page(UserDetailList=[dave], Policies=[_managed("late", attached=0, bounding=0)], IsTruncated=False),
    )
    stub.add_response("list_users", {"Users": []})
    stub.add_client_error("get_login_profile", "NoSuchEntity", http_status_code=404)
    stub.add_response("list_access_keys", {"AccessKeyMetadata": []})
    stub.add_response("list_mfa_devices", {"MFADevices": []})
    stub.add_response("get_policy", {"Policy": {"PolicyName": "late", "Arn": arn, "DefaultVersionId": "v3"}})
    stub.add_response(
        "get_policy_version",
        {"PolicyVersion": {"Document": quote(json.dumps(_doc("s3:Getlate3"))), "VersionId": "v3"}},
    )
    api = stub_api(iam=client)
    with ThreadPoolExecutor(max_workers=1) as pool:
        found = iam_bulk.collect_iam(api, pool, lambda _: None)
    assert found.bulk
    assert [(p.name, p.document) for p in found.policies] == [("late", _doc("s3:Getlate3"))]
    attached = found.users[0].attached_policies
    assert isinstance(attached, list) and attached[0].document == _doc("s3:Getlate3")
    assert api.errors.errors == {}
