"""A rule ID or prefix no rule has, in --select/--ignore or the settings, is a usage error (exit 2).

An unknown prefix (``PX6``) used to select nothing, so the run checked nothing and passed. A known
prefix that keeps no rule the command runs (``lint --select OB1``) is refused for the same reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policy_lint.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml")
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "admin.json").write_text(json.dumps(ADMIN), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "args",
    [
        ("lint", "admin.json", "--select", "PX6"),
        ("lint", "admin.json", "--ignore", "PL601,PX6"),
        ("check", "--config", CONFIG, "--select", "PX6"),
        ("check", "--config", CONFIG, "--ignore", "OB9"),
        ("verify", "--config", CONFIG, "--select", "PX6"),  # refused before any AWS call
    ],
)
def test_unknown_prefix_on_the_command_line_is_a_usage_error(project: Path, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    option = "--select" if "--select" in args else "--ignore"
    bad = args[-1].split(",")[-1]
    assert f"unknown rule or prefix '{bad}' in {option}; known families: PL0, PL1" in result.stderr
    assert "IN0, SP0" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_prefix_in_the_settings_file_is_located(project: Path) -> None:
    (project / ".policy-lint.yaml").write_text("select: [PL6, PX6]\nignore:\n  - OB9\n", encoding="utf-8")
    result = invoke("lint", "admin.json")
    assert result.exit_code == 2
    assert ".policy-lint.yaml:1:15: unknown rule or prefix 'PX6' in select; known families:" in result.stderr
    assert ".policy-lint.yaml:3:5: unknown rule or prefix 'OB9' in ignore" in result.stderr


def test_unknown_prefix_in_pyproject_points_at_its_line(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.policy-lint]\nignore = ["PL601", "PX6"]\n', encoding="utf-8"
    )
    result = invoke("check", "--config", CONFIG)
    assert result.exit_code == 2
    assert "pyproject.toml:5:1: unknown rule or prefix 'PX6' in ignore" in result.stderr


def test_shared_settings_may_name_rules_of_every_command(project: Path) -> None:
    # One settings file serves lint and check: inventory IDs are known rule IDs for lint too.
    (project / ".policy-lint.yaml").write_text("ignore: [OB202, CS, PL602]\n", encoding="utf-8")
    result = invoke("lint", "admin.json", "--fail-on", "security-warning")
    assert result.exit_code == 1 and " PL601 " in result.stdout


def test_lint_select_of_check_rules_checks_nothing_so_it_is_refused(project: Path) -> None:
    result = invoke("lint", "admin.json", "--select", "OB1")
    assert result.exit_code == 2
    assert "--select OB1 keeps no rule that lint runs" in result.stderr


def test_check_select_of_cis_rules_without_the_cis_profiles_is_refused(project: Path) -> None:
    result = invoke("check", "--config", CONFIG, "--select", "CS1")
    assert result.exit_code == 2
    assert "keeps no rule that check runs with --profile-set onboarding" in result.stderr
    assert invoke("check", "--config", CONFIG, "--select", "CS1", "--profile-set", "cis").exit_code in (0, 1)


def test_known_prefixes_still_select(project: Path) -> None:
    result = invoke("lint", "admin.json", "--select", "pl6", "--fail-on", "security-warning")
    assert result.exit_code == 1 and " PL601 " in result.stdout


def test_inline_suppression_of_an_unknown_rule_stays_a_finding(project: Path) -> None:
    (project / "admin.yaml").write_text(
        'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n'
        '    # policy-lint: ignore[PX601] typo in the rule id\n    Action: "*"\n    Resource: "*"\n',
        encoding="utf-8",
    )
    result = invoke("lint", "admin.yaml")
    # a comment is not an option: no usage error (2); it suppresses nothing, so the full-admin
    # PL601 (a security warning) fails the default gate
    assert result.exit_code == 1, result.stdout
    assert " PL601 " in result.stdout, "and it suppresses nothing"
    assert "admin.yaml:4:5: SP003 warning suppression names unknown rule 'PX601'" in result.stdout


def test_checking_an_inventory_prefix_on_lint_imports_neither_boto3_nor_jinja2(project: Path) -> None:
    code = (
        "import sys; from policy_lint.cli import main\n"
        "try:\n    main(['lint', 'admin.json', '--ignore', 'OB1,CS'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('boto3', 'botocore', 'jinja2') if m in sys.modules]\n"
        "print('LOADED:' + ','.join(bad))"
    )
    env_path = str(REPO_ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=project,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"


def test_ignore_hides_suppression_problems_too(tmp_path: Path) -> None:
    """--ignore SP004 (and --select without SP) keep suppression problems out like any rule."""
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "# policy-lint: ignore[PL101] nothing here to suppress\n"
        "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: '*'\n"
    )
    shown = CliRunner().invoke(main, ["lint", str(policy), "--fail-on", "suggestion"])
    assert "SP004" in shown.stdout and shown.exit_code == 1
    hidden = CliRunner().invoke(main, ["lint", str(policy), "--fail-on", "suggestion", "--ignore", "SP004"])
    assert "SP004" not in hidden.stdout and hidden.exit_code == 0, hidden.stdout
