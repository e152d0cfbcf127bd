"""`policy-lint check --config`: configuration rules through the CLI, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from tests.onboarding.test_config import VALID


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_valid_config_passes(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID)
    code, out, _ = run("check", "--config", str(config))
    assert code == 0
    assert out.endswith("0 failed, 0 unknown.\n")


def test_failures_are_located_and_exit_one(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID.replace("plan: manual", "plan: quick"))
    code, out, _ = run("check", "--config", str(config))
    assert code == 1
    assert f"{config}:2:11: OB001 error the quick plan supports only host" in out


def test_json_lists_every_result_with_the_contract_fields(tmp_path: Path) -> None:
    config = tmp_path / "onboarding.yaml"
    config.write_text(VALID.replace("domain: international", "domain: china"))
    code, out, _ = run("check", "--config", str(config), "--format", "json")
    assert code == 1
    payload = json.loads(out)
    result = payload["results"][0]
    assert set(result) >= {"rule_id", "status", "level", "resource", "location", "message", "evidence"}
    assert payload["summary"]["fail"] >= 4
    assert run("check", "--config", str(config), "--format", "json")[1] == out


def test_no_input_is_a_usage_error() -> None:
    code, _, err = run("check")
    assert code == 2
    assert "nothing to check" in err
