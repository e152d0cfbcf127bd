"""verify --organization, in process against moto: listing (paginated, OUs), shards, one account
failing while the others continue, the read-only guard on every assumed session, and the
least-privilege member role generated from the allow-list."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import Selection
from policy_lint.commands.organization import OrganizationJob, judge_members
from policy_lint.live import collector as collector_mod
from policy_lint.live import organization as org_mod
from policy_lint.live.collector import CollectOptions, collect
from policy_lint.live.member_role import template
from policy_lint.live.organization import (
    LISTING_OPERATIONS,
    Caller,
    Member,
    OrganizationOptions,
    collect_members,
    list_members,
    open_listing_session,
    parse_shard,
    select_members,
    shard_of,
)
from policy_lint.live.session import READ_OPERATIONS, LiveError, ReadOnlyViolation, iam_actions
from policy_lint.project.settings import load_settings

from .conftest import dummy_env

REGION = "us-east-1"
OPTIONS = CollectOptions(regions=(REGION,), workers=2, timeout=120)
#: more accounts than one ListAccounts page of moto holds (20), so the listing must paginate
ACCOUNTS = 23


@pytest.fixture(scope="module")
def org(aws_env: None) -> Iterator[dict[str, Any]]:
    moto = pytest.importorskip("moto", reason="moto is a test extra: pip install 'policy-lint[test]'")
    with moto.mock_aws():
        import boto3

        client = boto3.client("organizations", region_name=REGION)
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        parent = client.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"][
            "Id"
        ]
        child = client.create_organizational_unit(ParentId=parent, Name="prod")["OrganizationalUnit"]["Id"]
        members = []
        for i in range(ACCOUNTS):
            status = client.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")
            members.append(status["CreateAccountStatus"]["AccountId"])
        client.move_account(AccountId=members[0], SourceParentId=root, DestinationParentId=parent)
        client.move_account(AccountId=members[1], SourceParentId=root, DestinationParentId=child)
        yield {"members": members, "root": root, "parent": parent, "child": child}


def test_listing_paginates_and_follows_child_ous(org: dict[str, Any]) -> None:
    session, caller = open_listing_session(OPTIONS)
    everyone = {m.account_id for m in list_members(session, ())}
    assert everyone == {*org["members"], caller.account_id}  # 24 accounts: two pages
    under = {m.account_id for m in list_members(session, (org["parent"],))}
    assert under == {org["members"][0], org["members"][1]}  # the nested OU's account too


def test_the_listing_session_allows_only_the_listing_calls(org: dict[str, Any]) -> None:
    session, _ = open_listing_session(OPTIONS)
    with pytest.raises(ReadOnlyViolation):
        session.client("organizations", region_name=REGION).create_account(
            Email="x@example.com", AccountName="x"
        )
    with pytest.raises(ReadOnlyViolation):
        session.client("iam").list_users()  # the management account is not collected through it
    assert set(LISTING_OPERATIONS["organizations"]) == {
        "ListAccounts",
        "ListAccountsForParent",
        "ListChildren",
    }


def test_shards_partition_the_accounts_stably() -> None:
    ids = [f"{n:012d}" for n in range(1000, 1300)]
    members = [Member(i, "", "ACTIVE") for i in ids]
    shards = [select_members(members, OrganizationOptions(shard=(k, 3))) for k in (1, 2, 3)]
    assert sorted(m.account_id for shard in shards for m in shard) == ids  # each exactly once
    assert all(len(shard) > 60 for shard in shards)  # and roughly a third each
    # an account keeps its shard when another account joins or leaves the organization
    fewer = select_members(members[1:], OrganizationOptions(shard=(2, 3)))
    assert [m.account_id for m in fewer] == [m.account_id for m in shards[1] if m.account_id != ids[0]]
    assert shard_of("111122223333", 3) == shard_of("111122223333", 3)


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_a_shard_outside_1_to_n_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def test_accounts_and_exclusions_filter_before_sharding() -> None:
    members = [Member(f"{n:012d}", "", "ACTIVE") for n in range(5)]
    chosen = select_members(
        members,
        OrganizationOptions(accounts=("000000000001", "000000000002"), exclude_accounts=("000000000002",)),
    )
    assert [m.account_id for m in chosen] == ["000000000001"]


def test_an_account_asked_for_but_not_listed_is_reported_unknown(org: dict[str, Any]) -> None:
    members = [Member(a, "", "ACTIVE") for a in org["members"][:2]]
    chosen = select_members(members, OrganizationOptions(accounts=(org["members"][0], "999988887777")))
    assert [m.account_id for m in chosen] == sorted([org["members"][0], "999988887777"])
    job = OrganizationJob(
        None, OPTIONS, OrganizationOptions(), load_settings(None), Selection(profile_set="cis")
    )
    run = judge_members(chosen, Caller("123456789012", "aws"), job)
    missing = [r for r in run.results if r.account_id == "999988887777"]
    assert missing and all(r.status.value == "unknown" and "did not list it" in r.message for r in missing)


def test_every_assumed_session_is_read_only(org: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sessions the collector gets in each member are guarded: no write, no sts:AssumeRole."""
    opened: list[Any] = []
    real_open = collector_mod.open_session

    def recording(**kwargs: Any) -> Any:
        session = real_open(**kwargs)
        opened.append((kwargs["role_arn"], session))
        return session

    monkeypatch.setattr(collector_mod, "open_session", recording)
    members = [Member(a, "", "ACTIVE") for a in org["members"][:3]]
    caller = Caller("123456789012", "aws")
    outcomes = list(collect_members(members, caller, None, OPTIONS, OrganizationOptions(account_workers=2)))
    assert sorted(o.member.account_id for o in outcomes if o.collection) == sorted(
        m.account_id for m in members
    )
    assert len(opened) == 3
    for role_arn, session in opened:
        account = role_arn.split(":")[4]
        assert role_arn.endswith(":role/OrganizationAccountAccessRole")
        assert session.client("sts", region_name=REGION).get_caller_identity()["Account"] == account
        with pytest.raises(ReadOnlyViolation):
            session.client("iam").create_user(UserName="attacker")
        with pytest.raises(ReadOnlyViolation):
            session.client("sts", region_name=REGION).assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/Admin", RoleSessionName="escalate"
            )
        with pytest.raises(ReadOnlyViolation):
            session.client("s3").delete_bucket(Bucket="any")


def test_one_account_failing_leaves_its_checks_unknown_and_the_others_verified(org: dict[str, Any]) -> None:
    denied, throttled = org["members"][2], org["members"][3]
    reasons = {
        denied: "cannot assume role arn:aws:iam::{}:role/OrganizationAccountAccessRole: AccessDenied: "
        "not authorized to perform sts:AssumeRole",
        throttled: "cannot assume role: Throttling: Rate exceeded",
    }

    def flaky(config: Any, options: CollectOptions) -> Any:
        account = str(options.role_arn).split(":")[4]
        if account in reasons:
            raise LiveError(reasons[account].format(account))
        return collect(config, options)

    members = [Member(a, f"m{i}", "ACTIVE") for i, a in enumerate(org["members"][:5])]
    members.append(Member("999999999999", "closed", "SUSPENDED"))
    job = OrganizationJob(
        None,
        OPTIONS,
        OrganizationOptions(account_workers=3),
        load_settings(None),
        Selection(profile_set="cis"),
    )
    run = judge_members(members, Caller("123456789012", "aws"), job, collector=flaky)
    by_account: dict[str, list[Any]] = {}
    for result in run.results:
        by_account.setdefault(str(result.account_id), []).append(result)
    assert set(by_account) == {m.account_id for m in members}
    for account in (denied, throttled, "999999999999"):
        results = by_account[account]
        assert results and {r.status.value for r in results} == {"unknown"}
        assert all(f"account {account} was not verified" in r.message for r in results)
        assert run.accounts[account]["error"]
    assert (
        "AccessDenied" in by_account[denied][0].message and "sts:AssumeRole" in by_account[denied][0].message
    )
    assert "Throttling" in by_account[throttled][0].message
    assert "SUSPENDED" in by_account["999999999999"][0].message
    verified = [m.account_id for m in members[:5] if m.account_id not in reasons]
    for account in verified:
        assert "error" not in run.accounts[account]
        assert any(r.status.value != "unknown" for r in by_account[account])  # really judged
    # an unverified account is unknown on every rule that judged a verified one (and on the rules
    # that found nothing to judge there: nothing is known about the failed account)
    judged = {r.rule_id for account in verified for r in by_account[account]}
    assert judged <= {r.rule_id for r in by_account[denied]}


def test_member_role_template_is_the_allow_list() -> None:
    doc = template("PolicyLintVerifier")
    role = doc["Resources"]["PolicyLintVerifierRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements] == [iam_actions(READ_OPERATIONS)]
    shipped = json.loads(Path(org_mod.__file__).with_name("verifier-policy.json").read_text())
    assert sorted(a for s in shipped["Statement"] for a in s["Action"]) == iam_actions(READ_OPERATIONS)
    assert not any(
        a.split(":")[1].startswith(("Create", "Delete", "Put", "Update", "Attach")) for a in iam_actions()
    )
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [t["Action"] for t in trust] == ["sts:AssumeRole"] and role["RoleName"] == "PolicyLintVerifier"


def test_member_role_template_from_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--member-role-template", "--member-role", "Auditor"],
        env=dummy_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == template("Auditor")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "4/3"], "between 1 and N"),
        (["--accounts", "12345"], "is not an AWS account ID"),
        (["--role-arn", "arn:aws:iam::123456789012:role/x"], "drop --role-arn"),
        (["--write-baseline", "never-written.json"], "--write-baseline"),
    ],
)
def test_organization_usage_errors(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--organization", *args],
        env=dummy_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not Path("never-written.json").exists()


def test_shard_without_organization_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--shard", "1/2"],
        env=dummy_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "need --organization" in proc.stderr


def test_collections_alive_at_once_are_bounded_by_the_pool_not_the_organization() -> None:
    """A slow consumer (judging) does not let finished collections pile up: memory stays bounded."""
    import gc
    import weakref

    class FakeCollection:
        pass

    alive: weakref.WeakSet[FakeCollection] = weakref.WeakSet()

    def fake(config: Any, options: CollectOptions) -> Any:
        made = FakeCollection()
        alive.add(made)
        return made

    members = [Member(f"{n:012d}", "", "ACTIVE") for n in range(40)]
    most = 0
    seen = 0
    for outcome in collect_members(
        members,
        Caller("123456789012", "aws"),
        None,
        OPTIONS,
        OrganizationOptions(account_workers=3),
        collector=fake,
    ):
        assert outcome.collection is not None
        seen += 1
        del outcome
        gc.collect()
        most = max(most, len(alive))
    assert seen == 40
    # the one being judged, up to 3 queued and 3 finished by workers waiting for a place
    assert most <= 3 + 3 + 1
