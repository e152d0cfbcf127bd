"""Live collection cost: API calls and wall time for a moto account with N IAM users, N roles and N queues.

Run:  python benchmarks/bench_live.py [--sizes 1,100,1000] [--workers 8] [--iam per-call,bulk]
                                      [--operations] [--json out.json]
      python benchmarks/bench_live.py --organization 10,50,200 [--ignore OB104,OB105] [--json out.json]

Each size gets a fresh in-process moto account (``mock_aws``, no HTTP): N users, each with an
access key, one AWS managed policy, one inline policy and a group (one group per 10 users, with
an inline policy), N roles with a trust policy and an inline policy, and N standard queues, each
with a policy. Only the collection (``policy_lint.live.collector.collect``) is timed, not
provisioning. ``--iam`` compares IAM read per call with IAM read through
GetAccountAuthorizationDetails (``CollectOptions.bulk_iam``); ``--operations`` prints the calls
per service operation, counted by the read-only guard's ``before-call`` hook. moto answers in
microseconds where AWS takes 20-100 ms per call, so against AWS the call count, not this wall
time, predicts the cost: divide calls by workers and multiply by the round-trip time.

``--organization`` measures ``verify --organization`` through the real CLI against ``moto_server``
(a subprocess): an organization grown to each size in turn, every member provisioned with the
demo's onboarding (no fault), the management account excluded. Reported per size: wall time of
the CLI, API calls per account, and the CLI process's peak RSS: its own ``VmHWM`` (Linux), written
at exit by the launcher below. Not ``wait4``'s ``ru_maxrss``: Linux carries the parent's peak RSS
through fork and exec into the child's, and the parent here holds moto's server, which grows by
about 31 MiB per member account (each account's IAM loads the AWS managed policies), so
``ru_maxrss`` reported moto's memory, not the CLI's, as soon as moto outgrew the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

REGION = "ap-northeast-1"

#: Runs the real CLI (``python -m policy_lint``) and, at exit, writes the process's own peak RSS
#: (``VmHWM``, in KiB) to the file ``BENCH_PEAK_FILE`` names.
LAUNCHER = """
import atexit, os, runpy, sys

def _peak():
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            kib = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "")
    except OSError:
        return
    with open(os.environ["BENCH_PEAK_FILE"], "w", encoding="ascii") as out:
        out.write(kib)

atexit.register(_peak)
sys.argv[0] = "policy-lint"
runpy.run_module("policy_lint", run_name="__main__", alter_sys=True)
"""


def provision(n: int) -> None:
    import boto3

    iam, sqs = boto3.client("iam"), boto3.client("sqs", region_name=REGION)
    inline = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    for i in range(n):
        name = f"user-{i:04d}"
        iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=inline)
        group = f"group-{i // 10:04d}"
        if i % 10 == 0:
            iam.create_group(GroupName=group)
            iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=inline)
        iam.add_user_to_group(GroupName=group, UserName=name)
        role = f"role-{i:04d}"
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=inline)
        url = sqs.create_queue(QueueName=f"queue-{i:04d}")["QueueUrl"]
        policy = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": "*",
                }
            ]
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def measure(n: int, workers: int, bulk: bool) -> dict[str, Any]:
    from moto import mock_aws

    from policy_lint.live.collector import CollectOptions, collect

    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        provision(n)
        start = time.perf_counter()
        collection = collect(None, CollectOptions(regions=(REGION,), workers=workers, bulk_iam=bulk))
        wall = time.perf_counter() - start
    inventory = collection.inventory
    calls = collection.stats.calls
    by_service: dict[str, int] = {}
    for name, count in calls.items():
        service = name.split(":", 1)[0]
        by_service[service] = by_service.get(service, 0) + count
    return {
        "n": n,
        "workers": workers,
        "iam": "bulk" if bulk else "per-call",
        "users": len(inventory.users),
        "roles": len(inventory.roles),
        "queues": len(inventory.queues),
        "api_calls": collection.stats.total_calls,
        "http_attempts": collection.stats.attempts,
        "calls_by_service": dict(sorted(by_service.items())),
        "calls_by_operation": dict(sorted(calls.items())),
        "wall_s": round(wall, 3),
        "ms_per_call": round(1000 * wall / max(collection.stats.total_calls, 1), 3),
        "errors": len(inventory.collection_errors),
    }


def _moto_server() -> Any:
    """moto's server on a free loopback port (the demo's), in a thread of this process."""
    from policy_lint.live.demo import DemoServer

    return DemoServer()


def _grow(endpoint: str, members: list[str], size: int) -> None:
    """Add provisioned members until the organization has ``size``."""
    import boto3

    from policy_lint.live import demo

    org = boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    if not members:
        org.create_organization(FeatureSet="ALL")
    while len(members) < size:
        i = len(members)
        account = org.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=role, RoleSessionName="provision")["Credentials"]
        secret = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        demo.provision(endpoint, secret, faults=(), bucket=f"trail-logs-{account}")
        members.append(account)


def _read_peak(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _own_rss_kib() -> int:
    """This process's resident set now (moto's server lives here), from /proc; 0 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return int(next((line.split()[1] for line in status if line.startswith("VmRSS:")), "0"))
    except OSError:
        return 0


def measure_organization(sizes: list[int], ignore: str, account_workers: int) -> list[dict[str, Any]]:
    import subprocess
    import tempfile

    from policy_lint.live import demo

    server = _moto_server()
    endpoint = server.endpoint
    rows = []
    try:
        members: list[str] = []
        folder = tempfile.mkdtemp(prefix="bench-org-")
        config = os.path.join(folder, "onboarding.yaml")
        text = demo.config_text("123456789012").replace('account_id: "123456789012"\n', "")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(text.replace(f"  bucket: {demo.BUCKET}\n", ""))
        for size in sizes:
            started = time.perf_counter()
            _grow(endpoint, members, size)
            provisioning = time.perf_counter() - started
            command = [
                sys.executable, "-c", LAUNCHER, "verify", "--organization", "--config", config,
                "--regions", demo.REGION, "--exclude-accounts", "123456789012", "--format", "json",
                "--account-workers", str(account_workers), *(["--ignore", ignore] if ignore else []),
            ]  # fmt: skip
            out = os.path.join(folder, f"org-{size}.json")
            peak_file = os.path.join(folder, f"org-{size}.peak")
            env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "BENCH_PEAK_FILE": peak_file}
            start = time.perf_counter()
            with open(out, "wb") as sink:
                proc = subprocess.Popen(command, env=env, stdout=sink)
                _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            peak_kib = _read_peak(peak_file)
            with open(out, encoding="utf-8") as handle:
                report = json.load(handle)
            accounts = report["scope"]["organization"]["accounts"]
            calls = [entry.get("api_calls", 0) for entry in accounts.values()]
            rows.append(
                {
                    "accounts": len(accounts),
                    "exit": os.waitstatus_to_exitcode(status),
                    "results": len(report["results"]),
                    "unverified": sum(1 for e in accounts.values() if e.get("error")),
                    "wall_s": round(wall, 2),
                    "s_per_account": round(wall / max(len(accounts), 1), 3),
                    "api_calls_per_account": round(sum(calls) / max(len(calls), 1), 1),
                    "peak_rss_mib": round(peak_kib / 1024, 1) if peak_kib else None,
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                    "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1),
                    "bench_process_rss_mib": round(_own_rss_kib() / 1024, 1),
                    "provisioning_s": round(provisioning, 1),
                }
            )
            print(rows[-1], flush=True)
    finally:
        server.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--organization", help="comma-separated member counts, e.g. 10,50,200")
    parser.add_argument("--ignore", default="", help="with --organization: rules to skip (verify --ignore)")
    parser.add_argument("--account-workers", type=int, default=4)
    parser.add_argument("--workers", default="8", help="comma-separated worker counts")
    parser.add_argument("--iam", default="per-call,bulk", help="per-call, bulk or both (comma-separated)")
    parser.add_argument("--operations", action="store_true", help="print the calls per service operation")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    if args.organization:
        os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        sizes = sorted(int(n) for n in args.organization.split(","))
        org_rows = measure_organization(sizes, args.ignore, args.account_workers)
        print(f"load average: {[round(x, 2) for x in os.getloadavg()]}, cpus: {os.cpu_count()}")
        print(
            "| member accounts | wall | s per account | CPU of the CLI | API calls per account "
            "| peak RSS of the CLI | RSS of moto's server |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for row in org_rows:
            print(
                f"| {row['accounts']} | {row['wall_s']:.1f} s | {row['s_per_account']:.2f} | {row['cpu_s']} s | "
                f"{row['api_calls_per_account']} | {row['peak_rss_mib']} MiB | {row['bench_process_rss_mib']} MiB |"
            )
        if args.json_path:
            with open(args.json_path, "w", encoding="utf-8") as handle:
                json.dump({"organization": org_rows}, handle, indent=2)
        return 0
    rows = [
        measure(int(n), int(w), mode == "bulk")
        for n in args.sizes.split(",")
        for w in args.workers.split(",")
        for mode in args.iam.split(",")
    ]
    import boto3
    import moto

    machine = {
        "python": platform.python_version(),
        "os": platform.platform(),
        "cpus": os.cpu_count(),
        "boto3": boto3.__version__,
        "moto": moto.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"machine: {machine}")
    print(
        "| IAM users | roles | queues | workers | IAM read | API calls | IAM calls | HTTP attempts | wall | ms per call |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['users']} | {row['roles']} | {row['queues']} | {row['workers']} | {row['iam']} | "
            f"{row['api_calls']} | {row['calls_by_service'].get('iam', 0)} | {row['http_attempts']} | "
            f"{row['wall_s']:.2f} s | {row['ms_per_call']:.2f} |"
        )
    for row in rows:
        print(f"n={row['n']} workers={row['workers']} iam={row['iam']}: {row['calls_by_service']}")
    if args.operations:
        for row in rows:
            print(f"n={row['n']} workers={row['workers']} iam={row['iam']}: {row['calls_by_operation']}")
    for mode in dict.fromkeys(row["iam"] for row in rows):
        same = [row for row in rows if row["iam"] == mode]
        first = min(same, key=lambda r: r["n"])
        last = max(same, key=lambda r: r["n"])
        if last["n"] > first["n"]:
            marginal = (last["api_calls"] - first["api_calls"]) / (last["n"] - first["n"])
            print(f"{mode}: marginal API calls per (IAM user + role + queue): {marginal:.2f}")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine, "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
