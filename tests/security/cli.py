"""Running the real CLI on hostile input, and the small inputs the security tests share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

#: Seconds. Only turns a regression that hangs into a failure; the safe path answers in about one.
DEADLINE = 120

#: A policy with a finding every run reports (PL601, security-warning), beside the hostile file.
ADMIN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
#: A template with a failing CIS check (CS301) that `check --profile-set cis` must still report.
OPEN_SSH = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Open": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "ssh from anywhere",
                    "SecurityGroupIngress": [
                        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
                    ],
                },
            }
        },
    }
)
CS301_OPEN = "CS301 error security group Open allows ingress from 0.0.0.0/0 to port 22"


REPO_ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """``policy-lint ARGS`` in a subprocess, as a user runs it (this checkout's code, no colour)."""
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        preexec_fn=preexec,
        check=False,
    )


def assert_no_internal_error(done: subprocess.CompletedProcess[str]) -> None:
    assert "internal error" not in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
