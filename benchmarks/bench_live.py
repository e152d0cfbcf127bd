"""Live collection cost: API calls and wall time for a moto account with N IAM users, N roles and N queues.

Run:  python benchmarks/bench_live.py [--sizes 1,100,1000] [--workers 8] [--iam per-call,bulk]
                                      [--operations] [--json out.json]

Each size gets a fresh in-process moto account (``mock_aws``, no HTTP): N users, each with an
access key, one AWS managed policy, one inline policy and a group (one group per 10 users, with
an inline policy), N roles with a trust policy and an inline policy, and N standard queues, each
with a policy. Only the collection (``policy_lint.live.collector.collect``) is timed, not
provisioning. ``--iam`` compares IAM read per call with IAM read through
GetAccountAuthorizationDetails (``CollectOptions.bulk_iam``); ``--operations`` prints the calls
per service operation, counted by the read-only guard's ``before-call`` hook. moto answers in
microseconds where AWS takes 20-100 ms per call, so against AWS the call count, not this wall
time, predicts the cost: divide calls by workers and multiply by the round-trip time.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000")
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
