"""The pre-commit hooks, run by the real `pre-commit` tool against a throw-away repository.

pre-commit clones this checkout at its HEAD commit and pip-installs it into its own virtualenv,
exactly as a user's `.pre-commit-config.yaml` would; the environments are cached under
~/.cache/policy-lint-tests so repeated runs take seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

BROKEN = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow" "Action": "s3:GetObject", "Resource": "*"}]\n}\n'
FIXED = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\n}\n'


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _head() -> str:
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"pre-commit needs this checkout to be a git repository: {proc.stderr.strip()}")
    return proc.stdout.strip()


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install -e '.[test]'")
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO_ROOT}\n    rev: {_head()}\n    hooks:\n      - id: policy-lint\n",
        encoding="utf-8",
    )
    (repo / "policies" / "reader.json").write_text(BROKEN, encoding="utf-8")
    (repo / "package.json").write_text('{"name": "not-a-policy"}\n', encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


def _pre_commit(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(Path.home() / ".cache" / "policy-lint-tests" / "pre-commit"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_hook_fails_on_a_broken_policy_and_passes_after_the_fix(sample_repo: Path) -> None:
    failed = _pre_commit(sample_repo)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "policies/reader.json:3:36: PL001" in output, output
    assert "package.json" not in output.replace(".pre-commit-config", ""), (
        "non-policy JSON must not be linted"
    )

    (sample_repo / "policies" / "reader.json").write_text(FIXED, encoding="utf-8")
    _git(sample_repo, "add", ".")
    passed = _pre_commit(sample_repo)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
