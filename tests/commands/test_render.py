"""`policy-lint render`: filled, partition-aware, linted policies; never half-filled ones."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from tests.onboarding.test_config import VALID


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_render_writes_filled_policies_and_lints_them(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID)
    out = tmp_path / "out"
    code, stdout, _ = run("render", "--config", str(config), "--out", str(out))
    assert code == 0, stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "agentless.json",
        "sqs-queue-policy.json",
        "sqs-read-policy.json",
    ]
    queue = json.loads((out / "sqs-queue-policy.json").read_text())
    owner, s3 = queue["Statement"]
    assert owner["Principal"]["AWS"] == "arn:aws:iam::123456789012:root"
    assert s3["Resource"] == "arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue"
    assert (
        s3["Condition"]["ArnLike"]["aws:SourceArn"]
        == "arn:aws:s3:*:*:aws-cloudtrail-logs-123456789012-abcdef"
    )
    read = json.loads((out / "sqs-read-policy.json").read_text())
    assert read["Statement"][0]["Resource"] == "arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue"
    assert "PL501" not in stdout  # nothing left unfilled
    assert "linted 3 rendered policies" in stdout


def test_render_for_china_uses_the_aws_cn_partition(tmp_path: Path) -> None:
    text = VALID.replace("domain: international", "domain: china").replace("ap-northeast-1", "cn-north-1")
    text = text.replace("us-east-1", "cn-northwest-1").replace("[host, cspm, agentless]", "[host, cspm]")
    config = tmp_path / "onboarding.yaml"
    config.write_text(text)
    code, stdout, _ = run("render", "--config", str(config), "--out", str(tmp_path / "out"))
    assert code == 0, stdout
    rendered = (tmp_path / "out" / "sqs-queue-policy.json").read_text()
    assert "arn:aws:" not in rendered
    assert '"arn:aws-cn:s3:*:*:aws-cloudtrail-logs-123456789012-abcdef"' in rendered
    assert "GUIDE-PARTITION" in stdout


def test_missing_value_names_the_key_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID.replace(", bucket: aws-cloudtrail-logs-123456789012-abcdef", ""))
    out = tmp_path / "out"
    code, _, stderr = run("render", "--config", str(config), "--out", str(out))
    assert code == 2
    assert "sqs-queue-policy needs ${S3 bucket name}: set audit_log.bucket" in stderr
    assert not out.exists()


def test_invalid_config_is_exit_two_with_location(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID.replace("plan: manual", "plan: manul"))
    code, _, stderr = run("render", "--config", str(config))
    assert code == 2
    assert f"{config}:1:7: plan: 'manul' is not one of ['quick', 'manual']" in stderr
