"""Answers AWS should never send: truncated bodies, wrong types, missing members, a bad caller ARN.

Each becomes *unknown: malformed response from <action>* for the facts that call would have given,
or exit 2 when it is the caller's identity, never an internal error. In-process tests answer at
the HTTP level (a ``before-send`` hook returns the raw bytes), so botocore's real parser and the
shape check both run; the CLI tests use a local endpoint that lies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from policy_lint.inventory.model import Unknown
from policy_lint.live import account, cloudtrail, ec2, iam, s3
from policy_lint.live.api import MALFORMED, Api, ErrorLog, Failure
from policy_lint.live.session import open_session

from .conftest import dummy_env
from .endpoints import Endpoint, serving

IAM_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def _api_answering(answers: dict[str, tuple[bytes, str]]) -> Api:
    """An Api over a real guarded session whose HTTP answers are ``answers`` by event name
    (``"iam.ListUsers"``: body, content type); the endpoint is a closed port, so nothing else answers."""
    from botocore.awsrequest import AWSResponse

    session = open_session(
        region="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        static_credentials=("AKIATESTTESTTESTTEST", "x"),
    )
    for operation, (body, content_type) in answers.items():

        def answer(request: Any, body: bytes = body, content_type: str = content_type, **_: Any) -> Any:
            return AWSResponse(request.url, 200, {"Content-Type": content_type}, _Raw(body))

        session.events.register(f"before-send.{operation}", answer)
    return Api(
        session,
        partition="aws",
        home_region="us-east-1",
        account_id="123456789012",
        errors=ErrorLog(),
        endpoint_url="http://127.0.0.1:9",
    )


def test_truncated_xml_is_unknown_not_an_internal_error() -> None:
    """The attack: a 200 whose XML is cut off made botocore raise ResponseParserError, which
    escaped as an internal error and lost the whole run."""
    truncated = f"<ListUsersResponse {IAM_NS}><ListUsersResult><Users><member><UserName>ali".encode()
    api = _api_answering({"iam.ListUsers": (truncated, "text/xml")})
    users, _, _, failed = iam.collect_identities(api, _Inline(), lambda _: None)
    assert users == [] and isinstance(failed, Failure) and failed.code == MALFORMED
    assert failed.reason.startswith("malformed response from iam:ListUsers: ResponseParserError")
    assert api.errors.errors["iam:ListUsers"] == failed.reason


def test_truncated_json_is_not_an_empty_answer() -> None:
    """botocore reads a JSON body it cannot parse as an empty answer: a truncated DescribeTrails
    would have meant "no trails here". It is malformed, and the region's trails are incomplete."""
    api = _api_answering(
        {
            "cloudtrail.DescribeTrails": (
                b'{"trailList": [{"TrailARN": "arn:aws:clou',
                "application/x-amz-json-1.1",
            )
        }
    )
    trails, complete = cloudtrail.collect_trails(api, ["us-east-1"], _Inline(), lambda _: None)
    assert trails == [] and complete is False
    assert api.errors.errors["cloudtrail:DescribeTrails us-east-1"].startswith(
        "malformed response from cloudtrail:DescribeTrails: the body is not JSON"
    )


def test_wrong_types_from_a_json_service_are_malformed() -> None:
    """JSON is typed by the sender: a number for a trail's name would have reached the rules."""
    body = json.dumps(
        {"trailList": [{"TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/t", "Name": 5}]}
    )
    api = _api_answering({"cloudtrail.DescribeTrails": (body.encode(), "application/x-amz-json-1.1")})
    reply = cloudtrail.describe_trails(api, "us-east-1")
    assert isinstance(reply, Failure) and reply.code == MALFORMED
    assert reply.message == "trailList[0].Name is a int, not a string"


def test_missing_required_member_is_malformed() -> None:
    """IAM's model requires a user's name and ARN; the collector indexes both."""
    body = (
        f"<ListUsersResponse {IAM_NS}><ListUsersResult><Users><member><Path>/</Path>"
        "<UserId>AIDA1</UserId><CreateDate>2020-01-01T00:00:00Z</CreateDate></member></Users>"
        "<IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>"
    ).encode()
    api = _api_answering({"iam.ListUsers": (body, "text/xml")})
    reply = iam.list_users(api)
    assert isinstance(reply, Failure) and reply.message == "Users[0].UserName is missing"


def test_entries_without_their_identifier_are_malformed() -> None:
    """Members the model leaves optional but the collector needs: a trail without TrailARN, a
    security group without GroupId (both used to raise KeyError)."""
    trails = json.dumps({"trailList": [{"Name": "t"}]}).encode()
    groups = (
        b'<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<securityGroupInfo><item><groupName>g</groupName></item></securityGroupInfo>"
        b"</DescribeSecurityGroupsResponse>"
    )
    api = _api_answering(
        {
            "cloudtrail.DescribeTrails": (trails, "application/x-amz-json-1.1"),
            "ec2.DescribeSecurityGroups": (groups, "text/xml"),
        }
    )
    trail_reply = cloudtrail.describe_trails(api, "us-east-1")
    group_reply = ec2.security_groups(api, "us-east-1")
    assert isinstance(trail_reply, Failure) and trail_reply.reason == (
        "malformed response from cloudtrail:DescribeTrails: a trail has no TrailARN"
    )
    assert isinstance(group_reply, Failure) and "a security group has no GroupId" in group_reply.reason


def test_unparseable_values_are_malformed() -> None:
    """botocore converts XML text with int(): a non-number raised ValueError out of the call."""
    body = (
        f"<GetAccountSummaryResponse {IAM_NS}><GetAccountSummaryResult><SummaryMap>"
        "<entry><key>AccountMFAEnabled</key><value>lots</value></entry>"
        "</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>"
    ).encode()
    api = _api_answering(
        {
            "iam.GetAccountSummary": (body, "text/xml"),
            "iam.GetAccountPasswordPolicy": (body, "text/xml"),
            "s3-control.GetPublicAccessBlock": (b"<PublicAccessBlockConfiguration", "application/xml"),
        }
    )
    found = account.collect_account(api)
    assert isinstance(found.root_mfa_enabled, Unknown)
    assert found.root_mfa_enabled.reason.startswith(
        "malformed response from iam:GetAccountSummary: ValueError"
    )
    assert isinstance(found.s3_public_access_block, Unknown)


def test_garbage_bucket_location_is_malformed() -> None:
    """botocore re-parses GetBucketLocation's body with ElementTree in a handler of its own."""
    api = _api_answering({"s3.GetBucketLocation": (b"<LocationConstraint>eu-", "application/xml")})
    reply = api.call("s3", "GetBucketLocation", about="b", Bucket="b")
    assert isinstance(reply, Failure) and reply.code == MALFORMED


class _Inline:
    """An Executor that runs each job at once, in the calling thread."""

    def submit(self, job: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        future.set_result(job(*args))
        return future


def _cli(endpoint: Endpoint, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--regions", "ap-northeast-1", *args],
        env=dummy_env({"AWS_ENDPOINT_URL": endpoint.url}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arn", "shown"),
    [("x", "'x'"), ("arn:aws:iam::123456789012", "'arn:aws:iam::123456789012'")],
)
def test_caller_arn_that_is_not_an_arn_is_exit_2(arn: str, shown: str) -> None:
    """The attack: GetCallerIdentity answering ``Arn: x`` gave IndexError (an internal error)."""
    with serving(Endpoint(identity="answer", arn=arn)) as endpoint:
        proc = _cli(endpoint)
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert proc.stderr.startswith(
        f"policy-lint: error: malformed response from sts:GetCallerIdentity: Arn {shown} is not"
    )


@pytest.mark.slow
def test_truncated_answers_through_the_cli() -> None:
    """Every call after the identity gets a 200 with a cut-off body: the run completes, each fact is
    unknown with "malformed response from <action>", and nothing fails."""
    with serving(Endpoint(identity="answer", other="truncated")) as endpoint:
        proc = _cli(endpoint, "--format", "json", "--profile-set", "all")
    assert proc.returncode == 0 and "internal error" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    errors = report["scope"]["collection_errors"]
    assert errors["iam:ListUsers"].startswith("malformed response from iam:ListUsers: ResponseParserError")
    assert errors["cloudtrail:DescribeTrails ap-northeast-1"].startswith(
        "malformed response from cloudtrail:DescribeTrails"
    )
    assert report["summary"]["fail"] == 0


@pytest.mark.slow
def test_demo_ignores_a_missing_aws_profile() -> None:
    """The attack: ``AWS_PROFILE=nope policy-lint verify --demo`` ended in ProfileNotFound. The demo
    reads none of the user's AWS settings; an explicit unknown profile is still exit 2."""
    pytest.importorskip("moto.server", reason="moto[server] is a test extra")
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--demo"],
        env=dummy_env({"AWS_PROFILE": "nope"}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1 and "(flagged by OB306)" in proc.stdout, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--regions", "us-east-1"],
        env=dummy_env({"AWS_PROFILE": "nope"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr
        == "policy-lint: error: AWS profile not found: The config profile (nope) could not be found\n"
    )


def test_s3_bucket_of_unexpected_kind_cannot_crash_the_collector() -> None:
    """A bucket name from a queue policy is untrusted: a directory-bucket name makes botocore want
    s3:CreateSession, which the guard refuses; that is unknown for the bucket, not a crash."""
    api = _api_answering({})
    bucket = s3.collect_bucket(api, "evil--use1-az4--x-s3")
    assert bucket is not None and isinstance(bucket.region, Unknown)
    assert "s3:CreateSession is not on its allow-list" in bucket.region.reason
