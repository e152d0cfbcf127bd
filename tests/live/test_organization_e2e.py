"""End to end: a moto organization of 10 provisioned members, verified by the real CLI.

moto_server runs in a subprocess; the organization and its members are provisioned with boto3
(each member through sts:AssumeRole, as an administrator would); the CLI runs as a separate
process with only AWS_ENDPOINT_URL and dummy credentials. Two members carry one fault each.
The same organization is then verified in three shards and merged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.live import demo

from .conftest import dummy_env

pytestmark = pytest.mark.slow

MANAGEMENT = "123456789012"
MEMBERS = 10
#: member index -> its one fault (demo.FAULT_NAMES)
FAULTS = {2: "copy-only-notification", 7: "queue-without-source-arn"}
#: the fault's rule: OB306 (bucket notification misses PutObject), OB304 (queue policy without aws:SourceArn)
FAULT_RULES = {"copy-only-notification": "OB306", "queue-without-source-arn": "OB304"}
#: Every member's onboarding user has a fresh access key that moto never marks used: OB123 would
#: (rightly) warn in every account, so these runs ignore it to show that everything else passes.
#: OB104/OB105 (the user's effective permissions against the reference policies) cost ~4 s of CPU
#: per account and judge nothing the organization path changes; tests/live/test_e2e.py runs them.
IGNORE = ["--ignore", "OB123,OB104,OB105"]


def _provision(endpoint: str) -> list[str]:
    import boto3

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIATESTTESTTESTTEST",
            aws_secret_access_key="test-secret",
        )

    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    sts = client("sts")
    members = []
    for index in range(MEMBERS):
        created = org.create_account(Email=f"member{index}@example.com", AccountName=f"member-{index}")
        account = created["CreateAccountStatus"]["AccountId"]
        role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=role, RoleSessionName="provision")["Credentials"]
        faults = (FAULTS[index],) if index in FAULTS else ()
        demo.provision(
            endpoint,
            (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
            faults=faults,
            bucket=f"trail-logs-{account}",
        )
        members.append(account)
    return members


def _cli(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", *args],
        env=dummy_env({"AWS_ENDPOINT_URL": endpoint}),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _start(endpoint: str, out: Path, *args: str) -> subprocess.Popen[bytes]:
    """The CLI in the background, its stdout into ``out`` (the shards run side by side)."""
    with out.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "policy_lint", *args],
            env=dummy_env({"AWS_ENDPOINT_URL": endpoint}),
            stdout=sink,
            stderr=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def organization(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    saved = dict(os.environ)
    os.environ.update(dummy_env())
    try:
        members = _provision(moto_server)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    folder = Path(tmp_path_factory.mktemp("org"))
    config = folder / "onboarding.yaml"
    # One onboarding for every member: no account_id, and no bucket (each member has its own).
    text = demo.config_text(MANAGEMENT).replace(f'account_id: "{MANAGEMENT}"\n', "")
    config.write_text(text.replace(f"  bucket: {demo.BUCKET}\n", ""))
    base = [
        "verify",
        "--organization",
        "--config",
        str(config),
        "--regions",
        demo.REGION,
        "--exclude-accounts",
        MANAGEMENT,
        *IGNORE,
    ]
    return {"members": members, "base": base, "folder": folder, "endpoint": moto_server}


@pytest.fixture(scope="module")
def unsharded(organization: dict[str, Any]) -> dict[str, Any]:
    proc = _cli(organization["endpoint"], *organization["base"], "--format", "json")
    path = organization["folder"] / "all.json"
    path.write_text(proc.stdout)
    return {"code": proc.returncode, "stderr": proc.stderr, "report": json.loads(proc.stdout), "path": path}


def test_the_report_names_exactly_the_two_faults(
    organization: dict[str, Any], unsharded: dict[str, Any]
) -> None:
    members, report = organization["members"], unsharded["report"]
    assert unsharded["code"] == 1, unsharded["stderr"]  # both faults fail at error level
    assert "Traceback" not in unsharded["stderr"]
    assert sorted(report["scope"]["organization"]["accounts"]) == sorted(members)  # management excluded
    assert {r["account_id"] for r in report["results"]} == set(members)
    not_passed = {(r["account_id"], r["rule_id"]) for r in report["results"] if r["status"] != "pass"}
    expected = {(members[i], FAULT_RULES[fault]) for i, fault in FAULTS.items()}
    assert not_passed == expected
    # every other account passes every check, and each was checked by the same rules
    rules = {account: set() for account in members}  # type: dict[str, set[str]]
    for r in report["results"]:
        rules[r["account_id"]].add(r["rule_id"])
    assert len({frozenset(v) for v in rules.values()}) == 1 and len(rules[members[0]]) > 10


def test_markdown_report_has_an_organization_summary(organization: dict[str, Any]) -> None:
    proc = _cli(
        organization["endpoint"], "merge", str(organization["folder"] / "all.json"), "--format", "markdown"
    )
    members = organization["members"]
    text = proc.stdout
    assert proc.returncode == 1, proc.stderr
    summary = text[text.index("## Organization summary") : text.index("## Account ")]
    for index, account in enumerate(members):
        row = next(line for line in summary.splitlines() if line.startswith(f"| {account}"))
        assert ("fail" in row) == (index in FAULTS), row
        assert f"## Account {account}" in text


def test_shards_merged_equal_the_unsharded_run(
    organization: dict[str, Any], unsharded: dict[str, Any]
) -> None:
    folder = organization["folder"]
    shard_files = [folder / f"shard{k}.json" for k in (1, 2, 3)]
    running = [
        _start(organization["endpoint"], path, *organization["base"], "--shard", f"{k}/3", "--format", "json")
        for k, path in enumerate(shard_files, 1)
    ]
    seen: list[str] = []
    for proc, path in zip(running, shard_files, strict=True):
        assert proc.wait(timeout=300) in (0, 1)
        seen.extend(json.loads(path.read_text())["scope"]["organization"]["accounts"])
    assert sorted(seen) == sorted(organization["members"])  # each account in exactly one shard
    merged = _cli(organization["endpoint"], "merge", *map(str, shard_files), "--format", "json")
    assert merged.returncode == unsharded["code"], merged.stderr
    report = json.loads(merged.stdout)

    def canonical(results: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(r, sort_keys=True) for r in results)

    assert canonical(report["results"]) == canonical(unsharded["report"]["results"])
    assert report["summary"] == unsharded["report"]["summary"]
    # an overlapping shard (the unsharded run again) is detected, not double-counted
    again = _cli(
        organization["endpoint"], "merge", *map(str, shard_files), str(unsharded["path"]), "--format", "json"
    )
    doubled = json.loads(again.stdout)
    assert doubled["summary"] == unsharded["report"]["summary"]
    assert doubled["scope"]["duplicates"] == len(unsharded["report"]["results"])
