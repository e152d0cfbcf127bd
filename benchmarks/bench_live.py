"""Live collection cost: API calls and wall time for a moto account with N IAM users and N queues.

Run:  python benchmarks/bench_live.py [--sizes 1,100,1000] [--workers 8] [--json out.json]

Each size gets a fresh in-process moto account (``mock_aws``, no HTTP): N users, each with an
access key and one AWS managed policy, and N standard queues, each with a policy. Only the
collection (``policy_lint.live.collector.collect``) is timed, not provisioning. moto answers in
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
    for i in range(n):
        name = f"user-{i:04d}"
        iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
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


def measure(n: int, workers: int) -> dict[str, Any]:
    from moto import mock_aws

    from policy_lint.live.collector import CollectOptions, collect

    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        provision(n)
        start = time.perf_counter()
        collection = collect(None, CollectOptions(regions=(REGION,), workers=workers))
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
        "users": len(inventory.users),
        "queues": len(inventory.queues),
        "api_calls": collection.stats.total_calls,
        "http_attempts": collection.stats.attempts,
        "calls_by_service": dict(sorted(by_service.items())),
        "wall_s": round(wall, 3),
        "ms_per_call": round(1000 * wall / max(collection.stats.total_calls, 1), 3),
        "errors": len(inventory.collection_errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--workers", default="8", help="comma-separated worker counts")
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
    rows = [measure(int(n), int(w)) for n in args.sizes.split(",") for w in args.workers.split(",")]
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
    print("| IAM users | queues | workers | API calls | HTTP attempts | wall | ms per call |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['users']} | {row['queues']} | {row['workers']} | {row['api_calls']} | "
            f"{row['http_attempts']} | {row['wall_s']:.2f} s | {row['ms_per_call']:.2f} |"
        )
    for row in rows:
        print(f"n={row['n']} workers={row['workers']}: {row['calls_by_service']}")
    first = min(rows, key=lambda r: r["n"])
    last = max(rows, key=lambda r: r["n"])
    if last["n"] > first["n"]:
        marginal = (last["api_calls"] - first["api_calls"]) / (last["n"] - first["n"])
        print(f"marginal API calls per (IAM user + queue): {marginal:.2f}")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine, "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
