"""Every OB1xx-OB3xx rule on a passing and a failing Terraform input, through ``policy-lint check``.

Every rule passes on the example onboarding itself (``examples/terraform/onboarding``, and
``rules/plan-pass/plan.json``: the same pipeline as ``terraform show -json`` output).
``tests/fixtures/terraform/rules/<RULE>/fail/`` is the example changed in exactly the way the rule
should notice (its header comment says so), ``<RULE>/plan-fail/plan.json`` likewise for the trail,
bucket and queue rules. ``rules/onboarding.yaml`` names the user, queue, bucket and trail the rules
look for. tools/fixtures/gen_terraform_*_matrix.py regenerate the fixtures from the example.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "rules"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "onboarding"
CONFIG = RULES / "onboarding.yaml"
HCL_RULES = sorted(p.name for p in RULES.iterdir() if (p / "fail").is_dir())
PLAN_RULES = sorted(p.name for p in RULES.iterdir() if (p / "plan-fail").is_dir())


@cache
def _check(target: Path) -> tuple[dict[str, object], ...]:
    """Every result of one `policy-lint check` run (the passing input is shared by all rules)."""
    result = CliRunner().invoke(main, ["check", str(target), "--config", str(CONFIG), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    return tuple(document["results"] if isinstance(document, dict) else document)


def statuses(rule: str, target: Path) -> tuple[set[str], list[dict[str, object]]]:
    mine = [r for r in _check(target) if r["rule_id"] == rule]
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
    found, _ = statuses(rule, EXAMPLE)
    assert found == {"pass"}


@pytest.mark.parametrize("rule", HCL_RULES)
def test_hcl_fail(rule: str) -> None:
    found, results = statuses(rule, RULES / rule / "fail")
    assert "fail" in found
    failing = next(r for r in results if r["status"] == "fail")
    location = failing["location"]
    assert isinstance(location, dict) and location["line"]  # the finding points into the input


@pytest.mark.parametrize("rule", PLAN_RULES)
def test_plan_pass(rule: str) -> None:
    found, _ = statuses(rule, RULES / "plan-pass" / "plan.json")
    assert found == {"pass"}


@pytest.mark.parametrize("rule", PLAN_RULES)
def test_plan_fail(rule: str) -> None:
    found, results = statuses(rule, RULES / rule / "plan-fail" / "plan.json")
    assert found == {"fail"}
    location = results[0]["location"]
    assert isinstance(location, dict) and str(location["path"]).endswith("plan.json")
