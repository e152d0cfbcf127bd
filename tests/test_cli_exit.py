"""How the command line ends: status, complete output, exit handlers, no interpreter teardown.

``policy_lint.cli.run`` (the console script and ``python -m policy_lint``) leaves with
``os._exit`` once the exit handlers have run and the streams are flushed: these tests run it as
users do, in a fresh process, and check that nothing a normal exit gives is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO_ROOT

CLEAN = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    ],
}


def _run(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "policy_lint", *args]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=False)


def _write_risky_policies(folder: Path, count: int) -> None:
    """``count`` policies that each get findings (``iam:*`` on ``*``), named p000.json ..."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    for index in range(count):
        (folder / f"p{index:03}.json").write_text(json.dumps(policy), encoding="utf-8")


def test_the_whole_report_arrives_with_the_findings_status(tmp_path: Path) -> None:
    # a report larger than any pipe buffer, written at the very end: it must all be there
    _write_risky_policies(tmp_path, 60)
    result = _run("lint", str(tmp_path), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {Path(f["location"]["path"]).name for f in report["findings"]} == {
        f"p{index:03}.json" for index in range(60)
    }


def test_a_clean_policy_exits_0_and_unusable_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "clean.json").write_text(json.dumps(CLEAN), encoding="utf-8")
    clean = _run("lint", str(tmp_path / "clean.json"))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (tmp_path / "broken.json").write_bytes(b"\x00\x01 not text")
    broken = _run("lint", str(tmp_path / "broken.json"))
    assert broken.returncode == 2
    assert "broken.json" in broken.stderr and "Traceback" not in broken.stderr


def test_exit_handlers_run_before_the_process_leaves(tmp_path: Path) -> None:
    (tmp_path / "clean.json").write_text(json.dumps(CLEAN), encoding="utf-8")
    code = textwrap.dedent(
        f"""
        import atexit, sys
        atexit.register(lambda: print("handler ran", flush=True))
        sys.argv = ["policy-lint", "lint", {str(tmp_path / "clean.json")!r}]
        from policy_lint.cli import run
        run()
        """
    )
    result = _run(code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("handler ran")


def test_a_message_given_to_sys_exit_is_shown_with_status_1() -> None:
    code = textwrap.dedent(
        """
        import policy_lint.cli as cli
        def main():
            raise SystemExit("stopped: a message")
        cli.main = main
        cli.run()
        """
    )
    result = _run(code=code)
    assert result.returncode == 1
    assert result.stderr.strip() == "stopped: a message"


def _shell(command: str) -> subprocess.CompletedProcess[str]:
    """``command`` through the shell: a pipe to ``head`` or a closed descriptor, as users write them."""
    return subprocess.run(command, shell=True, capture_output=True, text=True, cwd=REPO_ROOT, check=False)


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    _write_risky_policies(tmp_path, 300)
    reader = _shell(f"{sys.executable} -m policy_lint lint {tmp_path} | head -c 20")
    assert len(reader.stdout) == 20
    assert "Traceback" not in reader.stderr and "Exception ignored" not in reader.stderr, reader.stderr


def test_a_process_started_without_stdout_or_stderr_still_ends_cleanly() -> None:
    # `policy-lint --version >&-`: Python starts with sys.stdout None; found in review
    for closed in ("1", "2"):
        result = _shell(f"{sys.executable} -m policy_lint --version {closed}>&-")
        assert result.returncode == 0, (closed, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr


def test_exit_codes_are_those_of_a_normal_exit() -> None:
    for given, status in (("None", 0), ("3", 3), ("True", 1), ("256 + 7", 7), ("-1", 255), ("['odd']", 1)):
        code = f"import policy_lint.cli as cli\ndef main():\n    raise SystemExit({given})\ncli.main = main\ncli.run()\n"
        result = _run(code=code)
        assert result.returncode == status, (given, result.returncode, result.stderr)
    shown = _run(
        code="import policy_lint.cli as cli\ndef main():\n    raise SystemExit(['odd'])\ncli.main = main\ncli.run()\n"
    )
    assert shown.stderr.strip() == "['odd']"
