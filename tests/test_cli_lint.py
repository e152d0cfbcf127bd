"""`policy-lint lint` as users run it: output format, exit codes, folders, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from tests.conftest import REPO_ROOT

GOOD = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'
BROKEN = '{\n  "Version": "2012-10-17"\n  "Statement": []\n}\n'
WARN_ONLY = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "good.json").write_text(GOOD)
    (tmp_path / "broken.json").write_text(BROKEN)
    (tmp_path / "warn.json").write_text(WARN_ONLY)
    return tmp_path


def test_clean_file_exits_zero(files: Path) -> None:
    code, out, _ = run("lint", str(files / "good.json"))
    assert code == 0
    assert out == "No findings in 1 file.\n"


def test_error_is_printed_ruff_style_and_exits_one(files: Path) -> None:
    path = str(files / "broken.json")
    code, out, _ = run("lint", path)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:3:3: PL001 error JSON syntax error: expected ',' or '}}'")


def test_fail_on_threshold(files: Path) -> None:
    path = str(files / "warn.json")
    assert run("lint", path)[0] == 0  # a warning is below the default threshold (error)
    assert run("lint", "--fail-on", "warning", path)[0] == 1


def test_select_and_ignore(files: Path) -> None:
    path = str(files / "warn.json")
    code, out, _ = run("lint", "--fail-on", "suggestion", "--ignore", "PL101", path)
    assert code == 0, out
    code, out, _ = run("lint", "--select", "PL101", path)
    assert "PL101" in out


def test_json_output_is_stable_and_complete(files: Path) -> None:
    code, out, _ = run("lint", "--format", "json", str(files))
    assert code == 1
    payload = json.loads(out)
    assert payload["files"] == 3
    keys = [(f["location"]["path"], f["location"]["line"], f["rule_id"]) for f in payload["findings"]]
    assert keys == sorted(keys)
    assert {"rule_id", "rule", "level", "message", "hint", "location"} <= set(payload["findings"][0])
    assert run("lint", "--format", "json", str(files))[1] == out  # deterministic


def test_folder_walk_skips_non_policy_files(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "p.json").write_text(BROKEN)
    (tmp_path / "p.json").write_text(GOOD)
    code, out, _ = run("lint", str(tmp_path))
    assert code == 0
    assert out == "No findings in 1 file.\n"


def test_missing_file_is_exit_two_with_message(tmp_path: Path) -> None:
    code, _, err = run("lint", str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json: no such file" in err


def test_unreadable_input_does_not_hide_other_findings(files: Path, tmp_path: Path) -> None:
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00\x01\x02")
    code, out, err = run("lint", str(binary), str(files / "broken.json"))
    assert code == 2
    assert "binary file" in err
    assert "PL001" in out


def test_colour_only_when_asked_or_on_a_tty(files: Path) -> None:
    path = str(files / "broken.json")
    assert "\033[" not in run("lint", path)[1]
    assert "\033[" in run("lint", "--color", path)[1]


def test_unknown_option_is_a_usage_error() -> None:
    code, _, err = run("lint", "--fail-on", "catastrophe", "x.json")
    assert code == 2
    assert "Invalid value" in err


def test_console_script_runs_in_a_subprocess(files: Path) -> None:
    env = dict(os.environ, PYTHONWARNINGS="error")
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "lint", str(files / "broken.json")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert "PL001" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_lint_does_not_import_boto3(files: Path) -> None:
    code = (
        "import sys; from policy_lint.cli import main\n"
        "try:\n    main(['lint', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('boto3', 'botocore', 'jinja2', 'policyuniverse') if m in sys.modules]\n"
        "print('LOADED:' + ','.join(bad))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(files / "good.json")], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"


def test_lint_start_up_loads_no_module_only_other_paths_need(files: Path) -> None:
    # Each of these costs 1-7 ms of every start (importlib.resources brings tempfile, zipfile,
    # shutil and random; hashlib loads OpenSSL; decimal and base64 serve rare conditions; the
    # custom rules' module only runs when settings define some). Run
    # without site (-S) so a .pth file of the machine's own cannot import them first; the
    # packages come from PYTHONPATH instead.
    code = (
        "import sys; from policy_lint.cli import main\n"
        "try:\n    main(['lint', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "heavy = ('importlib.resources', 'tempfile', 'zipfile', '_hashlib', 'decimal', 'base64', 'difflib',\n"
        "         'policy_lint.checks.custom_rules')\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    path = os.pathsep.join(
        [str(REPO_ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code, str(files / "good.json")],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=path),
    )
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"


def test_parallel_lint_gives_identical_output(tmp_path: Path) -> None:
    for i in range(260):
        body = BROKEN if i % 7 == 0 else (WARN_ONLY if i % 3 == 0 else GOOD)
        (tmp_path / f"p{i:03}.json").write_text(body)
    (tmp_path / "zz-binary.json").write_bytes(b"\x00Statement")
    serial = run("lint", "--format", "json", "--fail-on", "warning", "-j", "1", str(tmp_path))
    parallel = run("lint", "--format", "json", "--fail-on", "warning", "-j", "2", str(tmp_path))
    assert serial == parallel
    payload = json.loads(parallel[1])
    assert payload["files"] == 260
    assert payload["errors"][0]["path"].endswith("zz-binary.json")
    assert payload["errors"][0]["line"] == 1
