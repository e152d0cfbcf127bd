"""Assume-role and SSO profiles work, and the verifier's own session still cannot exchange credentials.

botocore's credential providers build their STS and SSO clients from a second, credential-only
session (``policy_lint/live/session.py``); before that, they inherited the read-only guard and
``verify --profile`` with a ``role_arn`` or SSO profile died with ReadOnlyViolation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.live.session import (
    CREDENTIAL_OPERATIONS,
    READ_OPERATIONS,
    CallStats,
    ReadOnlyViolation,
    _credential_session,
    open_session,
)

from .conftest import dummy_env
from .endpoints import SsoPortal, serving_portal

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/policy-lint-verifier"
ROLE_PROFILE = f"""\
[profile base]
aws_access_key_id = AKIABASEBASEBASEBASE
aws_secret_access_key = base-secret-do-not-print-0123
[profile auditor]
role_arn = {ROLE_ARN}
source_profile = base
region = ap-northeast-1
"""
START_URL = "https://example.awsapps.com/start"
SSO_CREDENTIALS = ("ASIASSOSSOSSOSSOSSO1", "sso-secret-do-not-print-0123", "sso-session-token")


def _profile_env(home: Path, config: str, extra: dict[str, str]) -> dict[str, str]:
    """An environment whose only credential source is the profile in ``config``."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    path = home / ".aws" / "config"
    path.write_text(config, encoding="utf-8")
    env = dummy_env({"AWS_CONFIG_FILE": str(path), "HOME": str(home), **extra})
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        env.pop(key, None)
    return env


def _verify(args: list[str], env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--format", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.mark.slow
def test_role_arn_source_profile_end_to_end(moto_server: str, tmp_path: Path) -> None:
    """The attack on the guard's usefulness: a role profile, the most common audit setup, was unusable."""
    env = _profile_env(tmp_path, ROLE_PROFILE, {"AWS_ENDPOINT_URL": moto_server})
    _, report, stderr = _verify(["--profile", "auditor"], env)
    principal = report["scope"]["principal"]
    assert principal.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/policy-lint-verifier/"), principal
    assert report["scope"]["regions"] == ["ap-northeast-1"]  # from the profile
    assert "base-secret-do-not-print" not in stderr + json.dumps(report)


def _sso_cache(home: Path, key: str, token: dict[str, str]) -> None:
    """A token file where ``aws sso login`` leaves it (botocore names it by the SHA-1 of ``key``)."""
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(key.encode()).hexdigest()
    (cache / f"{name}.json").write_text(json.dumps(token), encoding="utf-8")


LEGACY_SSO = f"""\
[profile sso-auditor]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = {ACCOUNT}
sso_role_name = PolicyLintAudit
region = ap-northeast-1
"""
SESSION_SSO = f"""\
[profile sso-auditor]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = PolicyLintAudit
region = ap-northeast-1
[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["legacy", "sso-session"])
def test_sso_profile_end_to_end(moto_server: str, tmp_path: Path, kind: str) -> None:
    """An SSO profile with a cached token: the legacy form (sso_start_url in the profile) and the
    sso-session form, whose expired token botocore must refresh with sso-oidc:CreateToken first.

    moto limit: moto 5 implements neither the SSO portal (GetRoleCredentials) nor sso-oidc, so a
    local HTTP stand-in (``endpoints.SsoPortal``) answers those two with IAM Identity Center's
    response shapes; STS and every read go to moto_server.
    """
    if kind == "legacy":
        portal = SsoPortal(accepted_token="cached-token", credentials=SSO_CREDENTIALS)
        config = LEGACY_SSO
        token = {
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": "cached-token",
            "expiresAt": "2099-01-01T00:00:00Z",
        }
        _sso_cache(tmp_path, START_URL, token)
    else:
        portal = SsoPortal(
            accepted_token="fresh-token",
            credentials=SSO_CREDENTIALS,
            refresh_token="refresh-me",
            fresh_token="fresh-token",
        )
        config = SESSION_SSO
        token = {
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": "expired-token",
            "expiresAt": "2020-01-01T00:00:00Z",
            "refreshToken": "refresh-me",
            "clientId": "client-id",
            "clientSecret": "client-secret",
            "registrationExpiresAt": "2099-01-01T00:00:00Z",
        }
        _sso_cache(tmp_path, "corp", token)
    with serving_portal(portal):
        env = _profile_env(
            tmp_path,
            config,
            {
                "AWS_ENDPOINT_URL": moto_server,
                "AWS_ENDPOINT_URL_SSO": portal.url,
                "AWS_ENDPOINT_URL_SSO_OIDC": portal.url,
            },
        )
        _, report, stderr = _verify(["--profile", "sso-auditor"], env)
    assert report["scope"]["account"] == ACCOUNT
    assert ("GetRoleCredentials", "PolicyLintAudit", ACCOUNT, portal.accepted_token) in portal.calls
    if kind == "sso-session":
        assert ("CreateToken", "refresh-me") in portal.calls  # the refresh went through the guard
    assert SSO_CREDENTIALS[1] not in stderr + json.dumps(report)


def test_our_session_still_cannot_exchange_credentials(
    moto_aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile's role was assumed for us, yet the session the collector holds refuses every
    credential-provider operation itself, before any request (the closed port is never tried)."""
    config = tmp_path / "config"
    config.write_text(ROLE_PROFILE, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    stats = CallStats()
    session = open_session(profile="auditor", region="us-east-1", stats=stats)
    identity = session.client("sts").get_caller_identity()
    assert ":assumed-role/policy-lint-verifier/" in identity["Arn"]
    attempts = stats.attempts
    closed = "http://127.0.0.1:9"
    forbidden = [
        ("sts", "assume_role", {"RoleArn": ROLE_ARN, "RoleSessionName": "x"}),
        (
            "sts",
            "assume_role_with_web_identity",
            {"RoleArn": ROLE_ARN, "RoleSessionName": "x", "WebIdentityToken": "t"},
        ),
        ("sso", "get_role_credentials", {"roleName": "r", "accountId": ACCOUNT, "accessToken": "t"}),
        ("sso-oidc", "create_token", {"clientId": "c", "clientSecret": "s", "grantType": "refresh_token"}),
    ]
    for service, call, params in forbidden:
        client = session.client(service, endpoint_url=closed, region_name="us-east-1")
        with pytest.raises(ReadOnlyViolation):
            getattr(client, call)(**params)
    assert stats.attempts == attempts


def test_credential_session_refuses_everything_else() -> None:
    """The credential-only session is no back door: a write through it is refused before any request."""
    stats = CallStats()
    session = _credential_session(None, stats, None)
    client = session.create_client(
        "iam",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKIATESTTESTTESTTEST",
        aws_secret_access_key="x",
    )
    with pytest.raises(ReadOnlyViolation):
        client.create_user(UserName="intruder")
    assert stats.attempts == 0


def test_credential_operations_are_what_botocore_calls() -> None:
    """The allow-list of the credential session is exactly the calls botocore's credential and
    token providers make (read from the installed botocore), and none of them is a read we allow."""
    import botocore
    import botocore.session
    from botocore import xform_name

    folder = Path(os.path.dirname(botocore.__file__))
    called = set()
    for name in ("credentials.py", "tokens.py"):
        called |= set(re.findall(r"\b_?client\.([a-z0-9_]+)\(", (folder / name).read_text(encoding="utf-8")))
    allowed = {xform_name(op) for ops in CREDENTIAL_OPERATIONS.values() for op in ops}
    assert called == allowed
    loader = botocore.session.get_session()
    for service, operations in CREDENTIAL_OPERATIONS.items():
        assert set(operations) <= set(loader.get_service_model(service).operation_names)
        assert not set(operations) & set(READ_OPERATIONS.get(service, {}))
