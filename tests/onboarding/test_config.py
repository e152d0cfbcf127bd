"""onboarding.yaml: valid files load into a typed config; every mistake is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.onboarding.config import ConfigError, load_config

VALID = """\
plan: manual
features: [host, cspm, agentless]
console_region: outside_mainland
domain: international
provisioning_region: ap-northeast-1
regions: [ap-northeast-1, us-east-1]
manage_new_regions: true
iam_user: aliyun-security-center-user
account_id: "123456789012"
sync: {host: 1h, cloud_services: 1h, ak_status_check: 1h}
audit_log: {region: ap-northeast-1, queue_name: aliyun-sasc-log-queue, bucket: aws-cloudtrail-logs-123456789012-abcdef}
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "onboarding.yaml"
    path.write_text(text)
    return str(path)


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return [(loc.line, loc.col, msg) for loc, msg in info.value.problems]


def test_valid_config_is_typed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID))
    assert config.plan == "manual"
    assert config.features == ("host", "cspm", "agentless")
    assert config.partition == "aws"
    assert config.audit_log is not None and config.audit_log.queue_name == "aliyun-sasc-log-queue"
    assert config.queue_arn == "arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue"
    assert (config.location("audit_log.region").line, config.location("audit_log.region").col) == (11, 21)


def test_china_queue_arn_uses_aws_cn_partition(tmp_path: Path) -> None:
    text = VALID.replace("domain: international", "domain: china").replace("ap-northeast-1", "cn-north-1")
    config = load_config(write(tmp_path, text))
    assert config.queue_arn == "arn:aws-cn:sqs:cn-north-1:123456789012:aliyun-sasc-log-queue"


def test_unknown_keys_are_located_with_the_allowed_ones(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID + "colour: blue\n")
    assert found[0][:2] == (12, 1)
    assert "unknown key 'colour'" in found[0][2] and "allowed: account_id" in found[0][2]


def test_wrong_types_and_values_are_located(tmp_path: Path) -> None:
    text = (
        VALID.replace('account_id: "123456789012"', "account_id: 123456789012")
        .replace("cloud_services: 1h", "cloud_services: 2x")
        .replace("[host, cspm, agentless]", "[host, cspm, agentles]")
    )
    found = problems(tmp_path, text)
    messages = {(line, col): msg for line, col, msg in found}
    assert "'agentles' is not one of" in messages[(2, 24)]
    assert "quote it" in messages[(9, 13)]
    assert messages[(10, 34)] == "sync.cloud_services: '2x' is not an interval such as 30m, 1h or 1d (or off)"


def test_missing_required_keys(tmp_path: Path) -> None:
    found = problems(tmp_path, "plan: manual\n")
    assert found == [(1, 1, "the top level: 'features' is a required property")]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    found = problems(tmp_path, "plan: manual\nfeatures: [host\n")
    assert found[0][0] == 3


@pytest.mark.parametrize("text", ["", "# nothing\n", "- a list\n", "just text\n", "plan: [1, 2]\n"])
def test_unusable_documents_are_config_errors(tmp_path: Path, text: str) -> None:
    assert problems(tmp_path, text)


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID + "plan: quick\n")
    assert (12, 1, "duplicate key 'plan'") in found


def test_yes_and_no_are_not_booleans_here(tmp_path: Path) -> None:
    # YAML 1.1 would read "manage_new_regions: yes" as true; we follow YAML 1.2 and say so.
    found = problems(tmp_path, VALID.replace("manage_new_regions: true", "manage_new_regions: yes"))
    assert found == [(7, 21, "manage_new_regions: 'yes' is not of type 'boolean'")]


def test_sync_off_for_everything(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path, VALID.replace("sync: {host: 1h, cloud_services: 1h, ak_status_check: 1h}", "sync: off")
        )
    )
    assert config.sync == "off"
