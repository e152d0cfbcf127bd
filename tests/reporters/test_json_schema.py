"""The JSON output is a contract: every command's payload validates against the schema we ship.

Users' CI parsers read these fields; tests/reporters/test_json_schema.py is what stops a field
being renamed without bumping ``format`` (docs/reports.md, "JSON").
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.reporters.json_report import REPORT_FORMAT

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def schema() -> dict[str, Any]:
    text = resources.files("policy_lint.reporters").joinpath("report.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def run_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def validate(payload: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema()).validate(payload)


def test_lint_json_follows_the_schema() -> None:
    payload = run_json("lint", str(EXAMPLES / "policies"))
    validate(payload)
    assert payload["format"] == REPORT_FORMAT and payload["command"] == "lint"
    assert {f["level"] for f in payload["findings"]} <= {"error", "security-warning", "warning", "suggestion"}


def test_check_json_follows_the_schema_and_says_level() -> None:
    payload = run_json(
        "check",
        str(EXAMPLES / "terraform" / "onboarding-broken"),
        "--config",
        str(EXAMPLES / "onboarding" / "onboarding.yaml"),
    )
    validate(payload)
    assert payload["command"] == "check"
    failed = [r for r in payload["results"] if r["status"] == "fail"]
    assert failed and all("level" in r and "severity" not in r for r in failed)


def test_verify_json_follows_the_schema() -> None:
    payload = run_json("verify", "--demo")
    validate(payload)
    assert payload["command"] == "verify" and payload["summary"]["fail"] >= 2


@pytest.mark.parametrize(
    "broken",
    [
        lambda p: p.update(format="policy-lint-report/1"),
        lambda p: p["results"][0].update(severity=p["results"][0].pop("level")),
        lambda p: p.pop("command"),
    ],
)
def test_the_schema_rejects_the_old_shape(broken: Any) -> None:
    payload = run_json(
        "check",
        str(EXAMPLES / "terraform" / "onboarding-broken"),
        "--config",
        str(EXAMPLES / "onboarding" / "onboarding.yaml"),
    )
    broken(payload)
    with pytest.raises(jsonschema.ValidationError):
        validate(payload)
