"""Secrets never leave the process, in any format or message (issue 16, item 1, output side).

The attack: a Terraform string holding a CI environment (what ``file("/proc/self/environ")``
read before file() was confined: NUL-separated ``KEY=value`` pairs). Built here as a literal
string, so the test covers the reporters whatever the sources do.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_lint.core.findings import Finding, Level, Location
from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.reporters.sanitize import (
    _redact_all,
    clean,
    clean_location,
    clean_value,
    cleaned_texts,
    redact,
)
from tests.reporters.markdown_renderers import commonmark_html, text_of
from tests.security.inprocess import FORMATS, ONBOARDING, Run, policy_lint

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6mExampleSessionTokenBody"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdefgh=="
)
GITHUB_TOKEN = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
DB_PASSWORD = "hunter2-Not-Real-9"
SECRETS = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, GITHUB_TOKEN, DB_PASSWORD)

ENVIRON = "\0".join(
    [
        "HOME=/home/runner",
        f"AWS_ACCESS_KEY_ID={ACCESS_KEY_ID}",
        f"AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY}",
        f"AWS_SESSION_TOKEN={SESSION_TOKEN}",
        f"GITHUB_TOKEN={GITHUB_TOKEN}",
        f"DB_PASSWORD={DB_PASSWORD}",
        "CI=true",
    ]
)


def hcl_string(text: str) -> str:
    """*text* as an HCL string literal (NUL and other controls as \\uXXXX escapes)."""
    return json.dumps(text)


def leaked(output: str) -> list[str]:
    """Every secret, or a 12-character piece of one, that *output* shows."""
    return [s for s in SECRETS if s in output or any(s[i : i + 12] in output for i in range(len(s) - 11))]


def seen(run: Run, fmt: str) -> str:
    """All a reader or a tool gets: both streams, and for the reports also the rendered text
    (Markdown escapes would otherwise hide a secret from a plain substring search)."""
    if fmt == "markdown":
        return run.both + text_of(commonmark_html(run.stdout))
    if fmt == "html":
        return run.both + text_of(run.stdout)
    return run.both


@pytest.fixture
def environ_in_a_user_name(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_user" "scanner" {{\n  name = {hcl_string(ENVIRON)}\n}}\n', encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_shows_no_secret_of_an_environment_in_a_user_name(
    environ_in_a_user_name: Path, fmt: str
) -> None:
    account = ("--account-id", "123456789012") if fmt == "asff" else ()  # ASFF needs one
    run = policy_lint("check", ".", *ONBOARDING, *account, "--format", fmt, cwd=environ_in_a_user_name)
    shown = seen(run, fmt)
    assert "HOME=/home/runner" in shown  # the value is reported...
    assert leaked(shown) == []  # ...without any of its secrets
    assert "…MPLE" in shown  # an access key ID keeps its last 4 characters


def test_check_text_says_which_variable_was_redacted(environ_in_a_user_name: Path) -> None:
    out = policy_lint("check", ".", *ONBOARDING, cwd=environ_in_a_user_name).stdout
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "DB_PASSWORD"):
        assert f"{name}=[redacted]" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_lint_shows_no_secret_from_a_sid_or_a_file_name(tmp_path: Path, fmt: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": ENVIRON, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    # A file name can hold a token too (no "/" in it, but "=" is fine).
    (tmp_path / f"GITHUB_TOKEN={GITHUB_TOKEN}.json").write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", fmt, cwd=tmp_path)
    if fmt == "asff":  # lint has no account to file findings under: refused, nothing shown
        assert run.code == 2 and run.stdout == "" and leaked(run.stderr) == []
        return
    assert run.code == 1 and "PL112" in run.stdout  # the Sid is reported (letters and digits only)
    shown = seen(run, fmt)
    if fmt == "sarif":
        # The artifact URI is redacted too (it then names no real file: the secret matters more),
        # and percent-decoded here so an encoded token cannot slip past the check.
        log = json.loads(run.stdout)
        (result,) = log["runs"][0]["results"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert GITHUB_TOKEN not in unquote(uri)
        shown += unquote(uri)
    assert leaked(shown) == []


@pytest.mark.parametrize(
    "path",
    [
        f"GITHUB_TOKEN={GITHUB_TOKEN}.json",
        f"AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY}/policy.json",
        f"users/{ACCESS_KEY_ID}.json",
        "policies/s3-read.json",
    ],
)
def test_a_location_shows_the_cleaned_path_and_its_own_line_and_column(path: str) -> None:
    # Reports clean the path once per file and append the numbers: no secret of the path shows,
    # and a secret that ends the name no longer swallows the line and column after it.
    shown = clean_location(Location(path, 12, 7))
    assert shown == f"{clean(path)}:12:7"
    assert leaked(shown) == []


def test_a_location_escapes_control_characters_of_its_path() -> None:
    shown = clean_location(Location("evil\n\x1b[2J.json", 3, 1))
    assert shown == "evil\\n\\x1b[2J.json:3:1"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_folder_linted_by_worker_processes_shows_no_secret_either(tmp_path: Path, fmt: str) -> None:
    # Past PARALLEL_THRESHOLD files the workers clean the texts the report shows, and the report
    # takes their work: it must show exactly what one process shows, no secret in it.
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": ENVIRON, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    for i in range(PARALLEL_THRESHOLD + 5):
        (tmp_path / f"p{i:03d}.json").write_text(json.dumps(policy), encoding="utf-8")
    (tmp_path / f"GITHUB_TOKEN={GITHUB_TOKEN}.json").write_text(json.dumps(policy), encoding="utf-8")
    parallel = policy_lint("lint", ".", "--format", fmt, "--jobs", "2", cwd=tmp_path)
    serial = policy_lint("lint", ".", "--format", fmt, "--jobs", "1", cwd=tmp_path)
    assert parallel.code == serial.code == 1 and parallel.stdout == serial.stdout
    assert "PL112" in parallel.stdout and leaked(seen(parallel, fmt)) == []


def test_cleaned_texts_are_the_path_message_and_hint_each_cleaned() -> None:
    finding = Finding(
        "PL112",
        Level.WARNING,
        f"Sid {ENVIRON!r}",
        Location(f"GITHUB_TOKEN={GITHUB_TOKEN}.json", 3, 4),
        hint="x\ny",
    )
    cleaned = cleaned_texts([finding])
    assert set(cleaned) == {finding.message, finding.location.path, "x\ny"}
    assert all(value == clean(raw) for raw, value in cleaned.items())
    assert leaked(" ".join(cleaned.values())) == [] and cleaned["x\ny"] == "x\\ny"


def test_stderr_messages_are_redacted(tmp_path: Path) -> None:
    run = policy_lint("lint", f"AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY}.json", ACCESS_KEY_ID, cwd=tmp_path)
    assert run.code == 2
    assert "AWS_SECRET_ACCESS_KEY=[redacted]" in run.stderr and "…MPLE: no such file" in run.stderr
    assert leaked(run.both) == []


def test_diff_redacts_in_text_and_json(tmp_path: Path) -> None:
    name = f"GITHUB_TOKEN={GITHUB_TOKEN}.json"
    (tmp_path / name).write_text('{"Version": "2012-10-17", "Statement": [', encoding="utf-8")  # PL001
    for fmt in ("text", "json"):
        run = policy_lint("diff", name, "--reference", "agentless", "--format", fmt, cwd=tmp_path)
        assert run.code == 2 and "PL001" in run.stdout
        assert leaked(run.both) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {ACCESS_KEY_ID} is old", "key …MPLE is old"),
        (f"ASIA{'Q' * 16}", "…QQQQ"),
        (f"secret {SECRET_ACCESS_KEY}.", "secret [redacted secret]."),
        (f'"SecretAccessKey": "{SECRET_ACCESS_KEY}"', '"SecretAccessKey": "[redacted]"'),
        (f"aws_secret_access_key = {SECRET_ACCESS_KEY}", "aws_secret_access_key = [redacted]"),
        (f"token {SESSION_TOKEN}", "token [redacted session token]"),
        (
            f"x-amz-security-token={SESSION_TOKEN}&X-Amz-Date=1",
            "x-amz-security-token=[redacted]&X-Amz-Date=1",
        ),
        (f"use {GITHUB_TOKEN} now", "use [redacted GitHub token] now"),
        ("gho_" + "a1B2" * 9, "[redacted GitHub token]"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[redacted GitHub token]"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [redacted]"),
        ('"authorization": "Bearer abc.def.ghi"', '"authorization": "Bearer [redacted]"'),
        ("curl -H 'Bearer 0123456789abcdefXYZ'", "curl -H 'Bearer [redacted]'"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt [redacted token]"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n",
            "[redacted private key]\n",
        ),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg (cut off", "[redacted private key]"),
        (
            "NPM_TOKEN=abc\0CLIENT_SECRET=x y\0DB_PASSWORD=p",
            "NPM_TOKEN=[redacted]\0CLIENT_SECRET=[redacted] y\0DB_PASSWORD=[redacted]",
        ),
        ("password: hunter22", "password: [redacted]"),
        # letters case-insensitive matching takes for ASCII ones: long s, dotless i, Kelvin sign
        ("\u017fecret=hunter2 see", "\u017fecret=[redacted] see"),
        ("credent\u0131al=abc12345", "credent\u0131al=[redacted]"),
        ("api_\u212aey=abcdef12345", "api_\u212aey=[redacted]"),
        ("k " + "Ab1" * 40, "k [redacted token]"),  # 120 characters of base64: a token
    ],
)
def test_each_kind_of_secret_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:iam::123456789012:role/aliyun-security-center-role",
        "arn:aws:s3:::my-trail-bucket/AWSLogs/123456789012/CloudTrail/Digest/*",
        "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 and DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "fingerprint 688c4a84577a60ef8ec0a009d2e7baaa",
        "'sts:GetSessionToken': unknown action",
        "condition key 'aws:TokenIssueTime' needs a date",
        "console password: not collected",
        "password_last_used: 2024-01-01T00:00:00Z",
        '{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}',
        "principal AROAEXAMPLEROLEID12345:session",  # a unique ID, not a key
        "Basic authentication is off",
        # Long paths: 40-character and 100-character runs of base64 characters, but not random.
        "policies/iam-managed/AWSEC2SpotFleetServiceRolePolicy.json:20:17",
        "corpus/iam-custom/aws-samples__aws-secure-environment-accelerator/reference-artifacts/"
        "Custom-Scripts/lza-upgrade/src/assets/custom-config-rules/attach-ec2-instance-profile-role.json",
        # a mktemp folder followed by words: exactly 40 base64 characters, mixed and changing class
        "/tmp/tmp.tZliJRk3ec/p/examples/policies/agentless-en.json:68:17",
    ],
)
def test_what_is_not_a_secret_is_left_alone(text: str) -> None:
    assert redact(text) == text


#: pieces of secret shapes and of the text around them, joined at random
_PIECES = st.sampled_from(
    [
        *"Ab1/+=_-: \"'",
        *(
            "Token",
            "secret",
            "KEY",
            "Bearer ",
            "eyJ",
            "ghp_",
            ACCESS_KEY_ID,
            "\u017fecret",
            "credent\u0131al",
        ),
        *(SECRET_ACCESS_KEY[:20], SECRET_ACCESS_KEY[20:], "x" * 20),
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_quick_pre_checks_never_skip_a_text_with_a_secret(text: str) -> None:
    # redact() returns early when neither pre-check matches: that must only ever skip texts the
    # full set of patterns would leave unchanged.
    assert redact(text) == _redact_all(text)


@pytest.mark.parametrize("length", [40, 41, 99, 100, 140])
def test_a_long_name_is_not_sent_down_the_slow_path_unless_a_pattern_could_match(length: int) -> None:
    name = ("AbcDefGhi1" * 20)[:length]  # a run of letters and digits, like a long policy name
    assert redact(f"policy/{name}.json") == _redact_all(f"policy/{name}.json")


def test_a_value_under_a_secret_key_is_redacted_whole() -> None:
    evidence = {"password": "x", "SessionToken": "short", "password_last_used": "2024-01-01", "n": 3}
    assert clean_value(evidence) == {
        "password": "[redacted]",
        "SessionToken": "[redacted]",
        "password_last_used": "2024-01-01",
        "n": 3,
    }


def test_sarif_fingerprints_stay_intact(environ_in_a_user_name: Path) -> None:
    run = policy_lint("check", ".", *ONBOARDING, "--format", "sarif", cwd=environ_in_a_user_name)
    log = json.loads(run.stdout)
    (result,) = log["runs"][0]["results"]
    assert re.fullmatch("[0-9a-f]{32}", result["partialFingerprints"]["policyLint/v1"])


def test_redaction_is_idempotent() -> None:
    once = clean(ENVIRON)
    assert clean(once) == once


def test_redaction_takes_linear_time_on_hostile_text() -> None:
    """Inputs built to make a backtracking pattern quadratic, each about 1,000,000 characters.

    Run in a subprocess with a generous deadline so a regression fails instead of hanging; the
    safe code needs well under a second for all of them.
    """
    script = (
        "from policy_lint.reporters.sanitize import clean\n"
        "n = 1_000_000\n"
        "for text in ['token' * (n // 5), 'a' * n, 'token:' * (n // 6), 'eyJa-' * (n // 5),"
        " 'ghp_' * (n // 4), 'A' * n + '=', 'password=' * (n // 9), 'x=' * (n // 2),"
        " 'Bearer ' * (n // 7), '-----BEGIN PRIVATE KEY-----' * 1000, 'AKIA' * (n // 4),"
        " 'a.' * (n // 2), 'secret:1' * (n // 8), 'x:' * (n // 2), 'token=\\\\x00' * (n // 10),"
        " 'password: ' + 'a' * n, 'a' * n + ':']:\n"
        "    clean(text)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], timeout=120, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_sarif_artifact_uri_shows_only_the_last_4_characters_of_an_access_key_id(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    (tmp_path / "p-AKIAIOSFODNN7EXAMPLE.json").write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "sarif", cwd=tmp_path)
    assert "AKIAIOSFODNN7EXAMPLE" not in run.stdout
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(run.stdout)["runs"][0]["results"]
    }
    assert uris == {"p-%E2%80%A6MPLE.json"}  # "p-…MPLE.json", percent-encoded
