"""Fixtures of the live-source tests: dummy credentials, one moto account per module, stubbed clients.

moto is slow to start (loading the AWS managed policies takes a second), so the provisioned
account and its collected inventory are shared by every test of a module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

DUMMY = {
    "AWS_ACCESS_KEY_ID": "AKIATESTTESTTESTTEST",
    "AWS_SECRET_ACCESS_KEY": "test-secret-do-not-print-0123456789",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)
#: Credential providers of the machine running the tests: never consulted by these tests.
CLEARED_PREFIXES = ("AWS_CONTAINER_",)


def dummy_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment with dummy credentials and no real AWS configuration."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith(CLEARED_PREFIXES)}
    env.update(DUMMY)
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env.update(extra or {})
    return env


@pytest.fixture(scope="module")
def aws_env() -> Iterator[None]:
    """Dummy credentials for a whole module (module-scoped, so no monkeypatch)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(dummy_env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def moto_aws(aws_env: None) -> Iterator[None]:
    """An in-process moto account with AWS managed policies loaded (moto loads them only when asked)."""
    moto = pytest.importorskip("moto", reason="moto is a test extra: pip install 'policy-lint[test]'")
    with moto.mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield


class StubSession:
    """Stands in for a boto3 Session: hands out pre-built (Stubber-driven) clients by service."""

    def __init__(self, **clients: Any) -> None:
        self.clients = clients

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]


def stubbed(service: str, region: str = "ap-northeast-1") -> tuple[Any, Any]:
    """A real botocore client with an activated Stubber (no network)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.Session(
        aws_access_key_id="AKIATESTTESTTESTTEST", aws_secret_access_key="x", region_name=region
    ).client(service)
    stub = Stubber(client)
    stub.activate()
    return client, stub


def stub_api(**clients: Any) -> Any:
    """An Api over stubbed clients, account 123456789012 in partition aws."""
    from policy_lint.live.api import Api, ErrorLog

    return Api(
        StubSession(**clients),
        partition="aws",
        home_region="ap-northeast-1",
        account_id="123456789012",
        errors=ErrorLog(),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """``python -m moto.server`` on a free loopback port, for CLI runs in a subprocess (one per module)."""
    pytest.importorskip("moto.server", reason="moto[server] is a test extra: pip install 'policy-lint[test]'")
    port = _free_port()
    env = dummy_env({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
