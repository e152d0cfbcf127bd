"""Suppressions and baselines for `policy-lint check` on real Terraform and CloudFormation inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.project.test_suppressions_cli import run

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml"


def user_suppressed(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """The suppressions the user wrote (the guide's Agentless policy adds vendor-reference acceptances)."""
    return [e for e in entries if e.get("kind") != "vendor-reference"]


@pytest.fixture
def broken_tf(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    shutil.copytree(REPO_ROOT / "examples" / "terraform" / "onboarding-broken", tmp_path / "infra")
    return tmp_path


def check_json(cwd: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = run(cwd, "check", *args, "--config", str(CONFIG), "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def failing(payload: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["rule_id"] for r in payload["results"] if r["status"] == "fail"}


def test_comment_above_a_terraform_resource_suppresses_its_results(broken_tf: Path) -> None:
    main_tf = broken_tf / "infra" / "main.tf"
    text = main_tf.read_text()
    main_tf.write_text(
        text.replace(
            'resource "aws_cloudtrail" "audit" {',
            "# policy-lint: ignore[OB202] KMS approved by the vendor for this account, SEC-77\n"
            'resource "aws_cloudtrail" "audit" {',
        )
    )
    code, payload = check_json(broken_tf, "infra")
    assert "OB202" not in failing(payload)
    assert {"OB102", "OB304", "OB306"} <= failing(payload)
    [entry] = user_suppressed(payload["scope"]["suppressed"])
    assert entry["rule_id"] == "OB202" and entry["resource"] == "aws_cloudtrail.audit"
    assert entry["reason"] == "KMS approved by the vendor for this account, SEC-77"
    assert code == 1


def test_inline_comment_on_the_cloudformation_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = (REPO_ROOT / "examples" / "cloudformation" / "onboarding-broken.yaml").read_text()
    patched = source.replace(
        "Event: s3:ObjectCreated:Copy   # FAULT: CloudTrail writes log files with Put",
        "Event: s3:ObjectCreated:Copy   # policy-lint: ignore[OB306] a copy job feeds this bucket, INFRA-3",
    )
    assert patched != source
    (tmp_path / "stack.yaml").write_text(patched)
    _, payload = check_json(tmp_path, "stack.yaml")
    assert "OB306" not in failing(payload)
    assert "OB202" in failing(payload)


def test_expired_inline_suppression_no_longer_applies(broken_tf: Path) -> None:
    main_tf = broken_tf / "infra" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            'resource "aws_cloudtrail" "audit" {',
            '# policy-lint: ignore[OB202] temporary exception (until 2021-06-30)\nresource "aws_cloudtrail" "audit" {',
        )
    )
    proc = run(broken_tf, "check", "infra", "--config", str(CONFIG))
    assert " OB202 error " in proc.stdout
    assert "SP002 error suppression of OB202 expired on 2021-06-30" in proc.stdout


def test_check_baseline_blocks_only_new_failures(broken_tf: Path) -> None:
    assert (
        run(broken_tf, "check", "infra", "--config", str(CONFIG), "--write-baseline", "b.json").returncode
        == 0
    )
    assert run(broken_tf, "check", "infra", "--config", str(CONFIG), "--baseline", "b.json").returncode == 0
    main_tf = broken_tf / "infra" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            "name                    = local.queue_name", "name = local.queue_name\n  fifo_queue = true"
        )
    )
    code, payload = check_json(broken_tf, "infra", "--baseline", "b.json")
    assert failing(payload) == {"OB301"} or "OB301" in failing(payload)
    assert code == 1
