"""An expiry the tool cannot read is an error (SP005) and the suppression does not apply.

``(until 01/01/2020)``, ``(until 2020-1-1)`` or ``(expires 2020-01-01)`` used to become part of the
reason, so the acceptance never expired and no SP002 was raised.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policy_lint.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml")
POLICY = 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    {comment}\n    Action: "*"\n    Resource: "*"\n'
ADMIN_JSON = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "BreakGlass", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str) -> tuple[Result, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["lint", *args, "--format", "json"])
    return result, json.loads(result.stdout)


def by_rule(payload: dict, rule: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in payload["findings"] if f["rule_id"] == rule]


@pytest.mark.parametrize(
    "expiry",
    [
        "(until 01/01/2020)",
        "(until 2020-1-1)",
        "(expires 2020-01-01)",
        "(until 2020-02-30)",
        "(until: 2099-01-01)",
        "(till next sprint)",
        "(2020-01-01)",
        "valid until 1 March 2020",
    ],
)
def test_inline_expiry_in_another_form_is_sp005_and_does_not_suppress(project: Path, expiry: str) -> None:
    comment = f"# policy-lint: ignore[PL601] break-glass, SEC-9 {expiry}"
    (project / "admin.yaml").write_text(POLICY.format(comment=comment), encoding="utf-8")
    result, payload = lint("admin.yaml")
    assert by_rule(payload, "PL601"), "the suppression does not apply"
    [problem] = by_rule(payload, "SP005")
    assert problem["level"] == "error"
    assert problem["location"]["line"] == 4 and problem["location"]["col"] == 5
    assert "(until YYYY-MM-DD)" in problem["message"]
    assert result.exit_code == 1


def test_iso_expiry_still_works(project: Path) -> None:
    future = "# policy-lint: ignore[PL601] break-glass, SEC-9 (until 2999-12-31)"
    (project / "admin.yaml").write_text(POLICY.format(comment=future), encoding="utf-8")
    _result, payload = lint("admin.yaml")
    assert not by_rule(payload, "PL601") and not by_rule(payload, "SP005")
    assert payload["suppressed"][0]["until"] == "2999-12-31"
    past = future.replace("2999-12-31", "2020-01-31")
    (project / "admin.yaml").write_text(POLICY.format(comment=past), encoding="utf-8")
    _, payload = lint("admin.yaml")
    assert by_rule(payload, "PL601") and by_rule(payload, "SP002")


def test_hcl_expiry_in_another_form_is_sp005(project: Path) -> None:
    shutil.copytree(REPO_ROOT / "examples" / "terraform" / "onboarding-broken", project / "infra")
    main_tf = project / "infra" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            'resource "aws_cloudtrail" "audit" {',
            "// policy-lint: ignore[OB202] temporary exception (expires 2020-01-01)\n"
            'resource "aws_cloudtrail" "audit" {',
        )
    )
    result = CliRunner().invoke(main, ["check", "infra", "--config", CONFIG])
    assert " OB202 error " in result.stdout
    assert "SP005 error suppression of OB202 does not apply" in result.stdout
    assert result.exit_code == 1


def test_settings_expiry_that_is_not_a_real_date_is_located_sp005(project: Path) -> None:
    (project / "admin.json").write_text(json.dumps(ADMIN_JSON), encoding="utf-8")
    (project / ".policy-lint.yaml").write_text(
        "suppressions:\n"
        "  - rule: PL601\n"
        "    sid: BreakGlass\n"
        "    reason: break-glass role, SEC-42\n"
        "    expires: 2020-02-30\n",
        encoding="utf-8",
    )
    _result, payload = lint("admin.json")
    assert by_rule(payload, "PL601")
    [problem] = by_rule(payload, "SP005")
    assert problem["location"]["path"].endswith(".policy-lint.yaml")
    assert (problem["location"]["line"], problem["location"]["col"]) == (5, 14)
    assert "not a date that exists" in problem["message"]


def test_settings_reason_holding_an_expiry_is_sp005(project: Path) -> None:
    (project / "admin.json").write_text(json.dumps(ADMIN_JSON), encoding="utf-8")
    (project / ".policy-lint.yaml").write_text(
        "suppressions:\n  - rule: PL601\n    reason: break-glass role until 01/01/2020\n", encoding="utf-8"
    )
    _, payload = lint("admin.json")
    assert by_rule(payload, "PL601") and by_rule(payload, "SP005")


def test_settings_expiry_in_another_form_is_a_located_settings_error(project: Path) -> None:
    (project / "admin.json").write_text(json.dumps(ADMIN_JSON), encoding="utf-8")
    (project / ".policy-lint.yaml").write_text(
        "suppressions:\n  - rule: PL601\n    reason: break-glass role, SEC-42\n    expires: 2020-1-1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["lint", "admin.json"])
    assert result.exit_code == 2
    assert ".policy-lint.yaml:4:14:" in result.stderr and "expires" in result.stderr
