"""Every onboarding rule (OB1xx-OB3xx) on a passing and a failing CloudFormation stack, through ``check``.

Every rule passes on the example onboarding stack itself (``examples/cloudformation/onboarding.yaml``);
each ``rules/<RULE>/fail`` holds that stack with one fault for the rule (named in its Description). OB302/OB303 compare the queue's region with the
bucket's and the trail's: resources of one stack share its region, so CloudFormation alone can
only pass them. OB120/OB122/OB123 read live data only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation" / "rules"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cloudformation" / "onboarding.yaml"
CONFIG = RULES / "onboarding.yaml"
FAILING = sorted(rule.name for rule in RULES.iterdir() if (rule / "fail").is_dir())
CASES = sorted(
    [(rule, "fail") for rule in FAILING]
    + [(f"OB{n}", "pass") for n in (*range(101, 107), *range(201, 206), *range(301, 309))]
)


def _input(rule: str, case: str) -> Path:
    return EXAMPLE if case == "pass" else RULES / rule / case


@cache
def check(directory: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["check", str(directory), "--config", str(CONFIG), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    payload: dict[str, object] = json.loads(result.output)
    return payload


def test_every_onboarding_rule_has_fixtures() -> None:
    from policy_lint.rules.ruleset import inventory_rules

    live_only = {"OB120", "OB122", "OB123", "OB309"}  # OB309: a planned queue holds no messages
    rule_ids = {r.meta.id for r in inventory_rules() if r.meta.id[:3] in ("OB1", "OB2", "OB3")} - live_only
    assert rule_ids <= {rule for rule, _ in CASES}
    single_region = {"OB302", "OB303"}
    assert {rule for rule, case in CASES if case == "fail"} == rule_ids - single_region


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_rule_status(rule: str, case: str) -> None:
    payload = check(_input(rule, case))
    # the template was fully understood (PL findings are about the policies inside it, not its reading)
    assert [p for p in payload["problems"] if not p["rule_id"].startswith("PL")] == []  # type: ignore[attr-defined, index]
    statuses = [r["status"] for r in payload["results"] if r["rule_id"] == rule]  # type: ignore[attr-defined, index]
    assert statuses, f"{rule} produced no result"
    if case == "pass":
        assert set(statuses) == {"pass"}
    else:
        assert "fail" in statuses
    located = [r for r in payload["results"] if r["rule_id"] == rule and r["status"] == case]  # type: ignore[attr-defined, index]
    assert all(r["location"]["path"].endswith(".yaml") and r["location"]["line"] >= 1 for r in located)
