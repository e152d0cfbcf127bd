"""Every OB1xx-OB3xx rule on a passing and a failing Terraform input, through ``policy-lint check``.

Fixtures: ``tests/fixtures/terraform/rules/<RULE>/{pass,fail}/`` hold the example onboarding
(``examples/terraform/onboarding``) as HCL, the failing one changed in exactly the way the rule
should notice (its header comment says so); ``plan-{pass,fail}/plan.json`` hold the same pipeline
as ``terraform show -json`` output for the trail, bucket and queue rules. Each directory carries the
onboarding.yaml that names the user, queue, bucket and trail the rules look for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "rules"
HCL_RULES = sorted(p.name for p in RULES.iterdir() if (p / "pass").is_dir())
PLAN_RULES = sorted(p.name for p in RULES.iterdir() if (p / "plan-pass").is_dir())


def statuses(rule: str, directory: Path, target: Path) -> tuple[set[str], list[dict[str, object]]]:
    result = CliRunner().invoke(
        main, ["check", str(target), "--config", str(directory / "onboarding.yaml"), "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    results = document["results"] if isinstance(document, dict) else document
    mine = [r for r in results if r["rule_id"] == rule]
    assert mine, f"{rule} produced no result for {target}"
    return {str(r["status"]) for r in mine}, mine


def test_matrix_covers_the_onboarding_rules() -> None:
    expected = (
        {f"OB10{i}" for i in range(1, 7)}
        | {f"OB20{i}" for i in range(1, 6)}
        | {f"OB30{i}" for i in range(1, 9)}
    )
    assert set(HCL_RULES) == expected
    assert set(PLAN_RULES) == {r for r in expected if r.startswith(("OB2", "OB3"))} - {"OB307"}


@pytest.mark.parametrize("rule", HCL_RULES)
def test_hcl_pass(rule: str) -> None:
    directory = RULES / rule / "pass"
    found, _ = statuses(rule, directory, directory)
    assert found == {"pass"}


@pytest.mark.parametrize("rule", HCL_RULES)
def test_hcl_fail(rule: str) -> None:
    directory = RULES / rule / "fail"
    found, results = statuses(rule, directory, directory)
    assert "fail" in found
    failing = next(r for r in results if r["status"] == "fail")
    location = failing["location"]
    assert isinstance(location, dict) and location["line"]  # the finding points into the input


@pytest.mark.parametrize("rule", PLAN_RULES)
def test_plan_pass(rule: str) -> None:
    directory = RULES / rule / "plan-pass"
    found, _ = statuses(rule, directory, directory / "plan.json")
    assert found == {"pass"}


@pytest.mark.parametrize("rule", PLAN_RULES)
def test_plan_fail(rule: str) -> None:
    directory = RULES / rule / "plan-fail"
    found, results = statuses(rule, directory, directory / "plan.json")
    assert found == {"fail"}
    location = results[0]["location"]
    assert isinstance(location, dict) and str(location["path"]).endswith("plan.json")
