"""``policy-lint verify --demo``: the live path end to end, with no AWS account.

Starts moto's server in-process on 127.0.0.1 (a free port), provisions the guide's manual
onboarding through boto3 with two deliberate faults, and hands the collector an endpoint
and dummy credentials that cannot reach AWS. Provisioning writes go through a separate,
unguarded session pinned to the local server; the verifier's session stays read-only.
The demo reads none of the user's AWS configuration (see :func:`isolated_environment`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from policy_lint.live.collector import CollectOptions
from policy_lint.live.session import LiveError
from policy_lint.onboarding.config import OnboardingConfig, load_config

REGION = "ap-northeast-1"
USER = "aliyun-security-center-user"
BUCKET = "aws-cloudtrail-logs-sasc-demo"
QUEUE = "aliyun-sasc-log-queue"
TRAIL = "aliyun-sasc-audit-trail"
DUMMY_CREDENTIALS = ("AKIADEMODEMODEMODEMO", "demo-secret-not-a-real-key")

#: (resource name, text in the message of a check that catches it, explanation)
FAULTS = (
    (
        BUCKET,
        "s3:ObjectCreated:Copy",
        "the bucket notifies the queue on s3:ObjectCreated:Copy only. CloudTrail writes log files with "
        "PutObject, so no message ever reaches the queue (the guide asks for Put, or use s3:ObjectCreated:*).",
    ),
    (
        QUEUE,
        "aws:SourceArn",
        "the queue policy lets s3.amazonaws.com SendMessage with no aws:SourceArn condition, so any "
        "bucket in any account can write into the queue (the guide's template conditions it on the bucket).",
    ),
)

CONFIG_TEMPLATE = """\
# Written by 'policy-lint verify --demo': the onboarding the demo provisions.
plan: manual
features: [host, cspm, agentless]
console_region: outside_mainland
domain: international
provisioning_region: {region}
regions: [{region}]
iam_user: {user}
account_id: "{account}"
audit_log:
  region: {region}
  queue_name: {queue}
  bucket: {bucket}
  trail: {trail}
"""


@contextmanager
def isolated_environment() -> Iterator[None]:
    """The demo's process environment without the user's AWS settings, restored afterwards.

    botocore reads ``AWS_PROFILE`` and the config files in every session it builds, moto's
    server included: a profile that does not exist made the demo fail with ProfileNotFound,
    and the user's endpoints or credentials have no business in a demo pinned to a local server.
    """
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def config_text(account: str) -> str:
    """The onboarding.yaml of the demo's onboarding in ``account``."""
    return CONFIG_TEMPLATE.format(
        region=REGION, user=USER, account=account, queue=QUEUE, bucket=BUCKET, trail=TRAIL
    )


class DemoServer:
    """moto's ThreadedMotoServer on a free loopback port."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise LiveError(
                "--demo needs moto's server: pip install 'moto[server]>=5' (or pip install 'policy-lint[test]')"
            ) from None
        # AWS managed policies (ReadOnlyAccess ...) exist in moto only when asked for.
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on the user's terminal
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self._reset()

    def _reset(self) -> None:
        """Start from no account state: moto keeps its accounts in this process's memory, so a
        second demo in one process (a test suite, a notebook) met the first one's user and
        stopped with "User ... already exists"."""
        import urllib.request

        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with direct.open(request, timeout=30):
            pass

    def stop(self) -> None:
        self._server.stop()


def start(
    options: CollectOptions, progress: Callable[[str], None]
) -> tuple[DemoServer, OnboardingConfig, CollectOptions]:
    """Start the server, provision the onboarding, write its onboarding.yaml; return what verify needs."""
    progress("starting moto server")
    server = DemoServer()
    try:
        progress("provisioning the demo onboarding")
        account = provision(server.endpoint)
        folder = Path(tempfile.mkdtemp(prefix="policy-lint-demo-"))
        path = folder / "onboarding.yaml"
        path.write_text(config_text(account), encoding="utf-8")
        config = load_config(str(path))
    except Exception:
        server.stop()
        raise
    return (
        server,
        config,
        replace(
            options, regions=(REGION,), endpoint_url=server.endpoint, static_credentials=DUMMY_CREDENTIALS
        ),
    )


#: The names of the two FAULTS, for :func:`provision`'s ``faults``.
FAULT_NAMES = ("copy-only-notification", "queue-without-source-arn")


def provision(
    endpoint: str | None,
    credentials: tuple[str, str, str | None] | None = None,
    faults: tuple[str, ...] = FAULT_NAMES,
    bucket: str = BUCKET,
) -> str:
    """Create the guide's manual onboarding with the FAULTS named in ``faults``; returns the account ID.

    ``endpoint`` None is for tests inside ``moto.mock_aws``. ``credentials`` (key ID, secret,
    session token) provision another account, e.g. a member of a moto organization; bucket names
    are global, so each account needs its own ``bucket``."""
    import boto3

    from policy_lint.reference.manifest import load_reference_set

    key_id, secret, token = credentials or (*DUMMY_CREDENTIALS, None)
    session = boto3.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token, region_name=REGION
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    iam, s3, sqs, trail = client("iam"), client("s3"), client("sqs"), client("cloudtrail")
    account = str(client("sts").get_caller_identity()["Account"])
    iam.create_user(UserName=USER)
    for name in ("AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess", "ReadOnlyAccess"):
        iam.attach_user_policy(UserName=USER, PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    agentless = load_reference_set().get("agentless").text
    arn = iam.create_policy(PolicyName="AliyunSASC-AgentlessScan-Policy", PolicyDocument=agentless)["Policy"][
        "Arn"
    ]
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    iam.create_access_key(UserName=USER)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_bucket_policy(account, bucket)))
    queue_arn = f"arn:aws:sqs:{REGION}:{account}:{QUEUE}"
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    source = f"arn:aws:s3:::{bucket}" if "queue-without-source-arn" not in faults else None
    queue_policy = _queue_policy(account, queue_arn, source)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy)})
    iam.put_user_policy(
        UserName=USER,
        PolicyName="sasc-sqs-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
                        "Resource": queue_arn,
                    }
                ],
            }
        ),
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            # Fault 1: Copy only (moto accepts it, as S3 would; CloudTrail never copies).
            "QueueConfigurations": [
                {
                    "Id": "sasc",
                    "QueueArn": queue_arn,
                    "Events": [
                        "s3:ObjectCreated:Copy"
                        if "copy-only-notification" in faults
                        else "s3:ObjectCreated:*"
                    ],
                }
            ]
        },
    )
    publish_queue_age(client("cloudwatch"), QUEUE, 60.0)
    trail.create_trail(Name=TRAIL, S3BucketName=bucket, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    trail.start_logging(Name=TRAIL)
    return account


def publish_queue_age(cloudwatch: Any, queue: str, seconds: float) -> None:
    """The datapoint AWS publishes for a queue holding a message (S3 has just sent the queue its
    s3:TestEvent): ``AWS/SQS ApproximateAgeOfOldestMessage``, every minute. moto's SQS publishes no
    metric, so a moto account gets it here, or OB309 would be unknown for lack of it."""
    from datetime import datetime, timezone

    cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": queue}],
                "Value": seconds,
                "Unit": "Seconds",
                "Timestamp": datetime.now(timezone.utc),
            }
        ],
    )


def _queue_policy(account: str, queue_arn: str, source_arn: str | None = None) -> dict[str, Any]:
    # Fault 2 (no ``source_arn``): the guide's template without its ArnLike aws:SourceArn condition.
    condition = {"Condition": {"ArnLike": {"aws:SourceArn": source_arn}}} if source_arn else {}
    return {
        "Version": "2012-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__owner_statement",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "SQS:*",
                "Resource": queue_arn,
            },
            {
                "Sid": "example-statement-ID",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": ["SQS:SendMessage"],
                "Resource": queue_arn,
                **condition,
            },
        ],
    }


def _bucket_policy(account: str, bucket: str = BUCKET) -> dict[str, Any]:
    """CloudTrail's delivery policy plus a deny of plain HTTP (what the console creates, and CIS)."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def explain(results: Sequence[Any]) -> str:
    """What the two faults are and which failed checks point at them."""
    lines = ["", "The demo provisioned two deliberate faults:"]
    for number, (name, marker, text) in enumerate(FAULTS, 1):
        flagged = sorted(
            {
                r.rule_id
                for r in results
                if r.status.value == "fail" and name in r.resource and marker in r.message
            }
        )
        found = f"flagged by {', '.join(flagged)}" if flagged else "no failed check names it"
        lines.append(f"  {number}. {name}: {text} ({found})")
    lines.append(
        "Any other failure is a real finding on this fresh account: its access key has never been "
        "used (OB123), and with --profile-set cis|all the CIS posture rules judge it too."
    )
    return "\n".join(lines) + "\n"
