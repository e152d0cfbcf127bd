"""Throttling is retried (adaptive mode); unusable AWS ends in one line and exit code 2."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.live.api import Api, ErrorLog
from policy_lint.live.session import CallStats, open_session

from .conftest import DUMMY, dummy_env

THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    b"</Error><RequestId>11111111-2222-3333-4444-555555555555</RequestId></ErrorResponse>"
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def test_throttling_is_retried(moto_aws: None) -> None:
    """botocore's Stubber answers before the retry handler runs, so it cannot show a retry: instead a
    before-send hook answers the first HTTP attempt with IAM's throttling error and lets moto answer
    the second, exactly where a real throttled response would arrive."""
    from botocore.awsrequest import AWSResponse

    stats = CallStats()
    session = open_session(region="us-east-1", stats=stats)
    throttled: list[str] = []

    def throttle_once(request: Any, **_: Any) -> AWSResponse | None:
        if throttled:
            return None
        throttled.append(request.url)
        return AWSResponse(request.url, 400, {"Content-Type": "text/xml"}, _Raw(THROTTLED))

    session.events.register_first("before-send.iam.GetAccountSummary", throttle_once)
    api = Api(
        session,
        partition="aws",
        home_region="us-east-1",
        account_id="123456789012",
        errors=ErrorLog(),
        stats=stats,
    )
    reply = api.call("iam", "GetAccountSummary")
    assert "SummaryMap" in reply and throttled
    assert stats.calls == {"iam:GetAccountSummary": 1} and stats.attempts == 2
    assert api.errors.errors == {}


def _run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, ["verify", *args], env=env, catch_exceptions=False)


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No credential source at all: environment, files, container and instance metadata removed."""
    env = dummy_env()
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.setenv(key, env[key])
    return env


def test_no_credentials_is_a_clear_error(no_aws: dict[str, str]) -> None:
    result = _run(["--regions", "us-east-1"], {})
    assert result.exit_code == 2
    assert "no AWS credentials found" in result.stderr and "Traceback" not in result.output


def test_unreachable_endpoint_never_prints_the_secret(no_aws: dict[str, str]) -> None:
    env = {**DUMMY, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens on the discard port
    result = _run(["--regions", "us-east-1"], env)
    assert result.exit_code == 2
    assert "cannot reach the AWS endpoint" in result.stderr
    assert DUMMY["AWS_SECRET_ACCESS_KEY"] not in result.output and "Traceback" not in result.output


def test_unknown_profile_and_wrong_partition(no_aws: dict[str, str], moto_aws: None) -> None:
    result = _run(["--profile", "nope", "--regions", "us-east-1"], {})
    assert result.exit_code == 2 and "profile" in result.stderr
    result = _run(["--regions", "us-east-1,cn-north-1"], DUMMY)
    assert result.exit_code == 2 and "not in partition aws" in result.stderr


def test_demo_without_moto_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)  # import fails as if moto were absent
    result = _run(["--demo"], {})
    assert result.exit_code == 2
    assert "pip install 'moto[server]" in result.stderr


def test_the_demo_runs_twice_in_one_process() -> None:
    # moto keeps accounts in process memory: the second demo must not meet the first one's user
    first = _run(["--demo", "--format", "json"], {})
    second = _run(["--demo", "--format", "json"], {})
    assert first.exit_code == second.exit_code == 1, second.stderr  # the demo shows the guide's faults
    assert "already exists" not in second.stderr

    def verdicts(stdout: str) -> list[tuple[str, str]]:
        return sorted((r["rule_id"], r["status"]) for r in json.loads(stdout)["results"])

    assert verdicts(first.stdout) == verdicts(second.stdout)  # the same demo account both times


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from policy_lint.commands.verify import _progress_display

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    _progress_display()("IAM users: 25/100")
    monkeypatch.setattr(sys, "stderr", pipe)
    _progress_display()("IAM users: 25/100")
    assert terminal.getvalue() == "\r\033[Kcollecting: IAM users: 25/100" and pipe.getvalue() == ""
