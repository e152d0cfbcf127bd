"""benchmarks/rule_costs.py refuses unusable input in one line, exit 2, before measuring anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "benchmarks" / "rule_costs.py"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )


@pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is not installed: the check for it runs first"
)
def test_a_missing_corpus_or_a_zero_step_is_exit_2_in_one_line(tmp_path: Path) -> None:
    missing = run("--corpus", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"rule_costs: corpus {tmp_path / 'nowhere'} not found: pass --corpus DIR"
    zero = run("--corpus", str(tmp_path), "--every", "0")
    assert (zero.returncode, zero.stderr.strip()) == (2, "rule_costs: --every must be 1 or more")


def test_without_valgrind_it_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH with no valgrind on it
    done = run("--corpus", str(tmp_path), env=env)
    assert done.returncode == 2
    assert "valgrind is not installed" in done.stderr and "Traceback" not in done.stderr
