"""OB0xx: configuration rules give a located pass/fail per key (PLAN-QUICK-HOST, PLAN-AGENTLESS, AWS-PARTITION, AWS-REGIONS, GUIDE-CHINA-ROOT)."""

from __future__ import annotations

from pathlib import Path

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import Inventory
from policy_lint.onboarding.config import load_config
from policy_lint.rules.registry import Status
from tests.onboarding.test_config import VALID


def verdicts(tmp_path: Path, text: str, rule: str) -> list[tuple[str, str, int]]:
    path = tmp_path / "onboarding.yaml"
    path.write_text(text)
    results = run_checks(Inventory(config=load_config(str(path))), Selection(select=(rule,)))
    return [(r.status.value, r.resource, r.location.line if r.location else 0) for r in results]


def test_valid_config_passes_every_config_rule(tmp_path: Path) -> None:
    path = tmp_path / "onboarding.yaml"
    path.write_text(VALID)
    results = run_checks(Inventory(config=load_config(str(path))), Selection(select=("OB0",)))
    assert results and all(r.status is Status.PASS for r in results), [
        r.message for r in results if r.status is not Status.PASS
    ]


def test_quick_plan_supports_only_host(tmp_path: Path) -> None:
    text = VALID.replace("plan: manual", "plan: quick")
    assert verdicts(tmp_path, text, "OB001") == [("fail", "config:features", 2)]
    host_only = text.replace("[host, cspm, agentless]", "[host]").replace("audit_log:", "#")
    assert verdicts(tmp_path, host_only, "OB001") == [("pass", "config:features", 2)]


def test_agentless_needs_outside_mainland(tmp_path: Path) -> None:
    text = VALID.replace("console_region: outside_mainland", "console_region: mainland")
    assert verdicts(tmp_path, text, "OB002") == [("fail", "config:console_region", 3)]


def test_agentless_rule_does_not_apply_without_agentless(tmp_path: Path) -> None:
    text = VALID.replace("[host, cspm, agentless]", "[host, cspm]")
    assert verdicts(tmp_path, text, "OB002") == []


def test_audit_log_needs_cspm_on_manual_plan(tmp_path: Path) -> None:
    text = VALID.replace("[host, cspm, agentless]", "[host, agentless]")
    assert verdicts(tmp_path, text, "OB003") == [("fail", "config:audit_log", 11)]


def test_domain_must_match_every_region_partition(tmp_path: Path) -> None:
    text = VALID.replace("domain: international", "domain: china")
    failed = [v for v in verdicts(tmp_path, text, "OB004") if v[0] == "fail"]
    assert {v[1] for v in failed} == {
        "config:regions[0]",
        "config:regions[1]",
        "config:provisioning_region",
        "config:audit_log.region",
    }
    china = text.replace("ap-northeast-1", "cn-north-1").replace("us-east-1", "cn-northwest-1")
    assert all(v[0] == "pass" for v in verdicts(tmp_path, china, "OB004"))


def test_govcloud_is_not_supported(tmp_path: Path) -> None:
    text = VALID.replace("us-east-1]", "us-gov-west-1]")
    assert ("fail", "config:regions[1]", 6) in verdicts(tmp_path, text, "OB004")


def test_regions_must_exist(tmp_path: Path) -> None:
    text = VALID.replace("us-east-1]", "us-east-9]")
    assert ("fail", "config:regions[1]", 6) in verdicts(tmp_path, text, "OB005")
    newer = VALID.replace(
        "us-east-1]", "me-west-1]"
    )  # not in older botocore data: the bundled snapshot knows it
    assert ("pass", "config:regions[1]", 6) in verdicts(tmp_path, newer, "OB005")


def test_provisioning_region_should_be_selected(tmp_path: Path) -> None:
    text = VALID.replace("provisioning_region: ap-northeast-1", "provisioning_region: eu-west-1")
    assert verdicts(tmp_path, text, "OB006") == [("fail", "config:provisioning_region", 5)]


def test_quick_plan_is_impossible_in_china(tmp_path: Path) -> None:
    text = "plan: quick\nfeatures: [host]\ndomain: china\nprovisioning_region: cn-north-1\nregions: [cn-north-1]\n"
    assert verdicts(tmp_path, text, "OB007") == [("fail", "config:domain", 3)]


def test_sync_for_unselected_feature_is_a_suggestion(tmp_path: Path) -> None:
    text = VALID.replace("[host, cspm, agentless]", "[host, agentless]").replace("audit_log:", "#")
    assert ("fail", "config:sync.cloud_services", 10) in verdicts(tmp_path, text, "OB008")
