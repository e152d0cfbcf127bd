"""End to end: moto_server in a subprocess, provisioned with boto3, verified by the real CLI.

One server start for the module (it is the slowest part); the CLI runs as a separate process
with only AWS_ENDPOINT_URL and dummy credentials, as a user would run it against moto.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.live import demo

from .conftest import dummy_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def verified(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    account = demo.provision(moto_server)
    path = Path(tmp_path_factory.mktemp("e2e")) / "onboarding.yaml"
    path.write_text(demo.config_text(account))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "policy_lint",
            "verify",
            "--config",
            str(path),
            "--format",
            "json",
            "--profile-set",
            "all",
        ],
        env=dummy_env({"AWS_ENDPOINT_URL": moto_server}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {"code": proc.returncode, "stderr": proc.stderr, "report": json.loads(proc.stdout)}


def test_cli_verdicts_on_the_live_account(verified: dict[str, Any]) -> None:
    report = verified["report"]
    assert verified["code"] == 1, verified["stderr"]  # the two faults fail at error level
    assert "Traceback" not in verified["stderr"] and "\r" not in verified["stderr"]  # no progress off a TTY
    assert report["scope"]["account"] == "123456789012" and report["scope"]["collection_errors"] == {}
    status = {(r["rule_id"], r["resource"]): r["status"] for r in report["results"]}
    queue_arn = f"arn:aws:sqs:{demo.REGION}:123456789012:{demo.QUEUE}"
    user_arn = f"arn:aws:iam::123456789012:user/{demo.USER}"
    assert status[("OB304", queue_arn)] == "fail"  # no aws:SourceArn condition
    assert [s for (rule, res), s in status.items() if rule == "OB306" and demo.BUCKET in res] == [
        "fail"
    ]  # Copy only
    assert status[("OB101", user_arn)] == "pass" and status[("OB102", user_arn)] == "pass"
    assert status[("OB123", user_arn)] == "fail"  # the key was never used
    assert "OB120" not in {rule for rule, _ in status}  # manual plan: root-key rule does not apply
    failed = {r["rule_id"] for r in report["results"] if r["status"] == "fail"}
    assert {"OB304", "OB306", "OB123"} <= failed
    assert report["summary"]["unknown"] == 0


def test_json_schema_matches_check(verified: dict[str, Any]) -> None:
    report = verified["report"]
    assert {"tool", "scope", "summary", "results"} <= set(report)
    assert set(report["results"][0]) == {
        "rule_id",
        "rule",
        "title",
        "status",
        "level",
        "resource",
        "location",
        "message",
        "evidence",
        "account_id",  # verify only: the account each result is about
    }
    assert {r["account_id"] for r in report["results"]} == {"123456789012"}
    assert sum(report["summary"].values()) == len(report["results"])


def test_demo_explains_both_faults() -> None:
    pytest.importorskip("moto.server", reason="moto[server] is a test extra")
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "verify", "--demo"],
        env=dummy_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert f"1. {demo.BUCKET}:" in proc.stdout and "(flagged by OB306)" in proc.stdout
    assert f"2. {demo.QUEUE}:" in proc.stdout and "(flagged by OB304)" in proc.stdout
    assert "Traceback" not in proc.stderr and "POST /" not in proc.stderr  # no server request log
