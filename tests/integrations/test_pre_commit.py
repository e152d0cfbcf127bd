"""The pre-commit hooks, run by the real `pre-commit` tool against a throw-away repository.

pre-commit clones this checkout at its HEAD commit and pip-installs it into its own virtualenv,
exactly as a user's `.pre-commit-config.yaml` would; the environments are cached under
~/.cache/policy-lint-tests so repeated runs take seconds (all tests share one environment:
same repository, same commit). Commit before running them: the hooks run HEAD's code.

The attack tests commit files whose names are policy-lint options: pre-commit appends staged
names after the user's `args:`, so without the hook mode (policy_lint/commands/hook_args.py)
`--ignore=PL,x-policy.json` hid every PL finding and the hook "Passed".
"""

from __future__ import annotations

import os
import re
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


def _make_repo(root: Path, hooks: str, files: dict[str, str]) -> Path:
    """A git repository at ``root`` with ``files`` staged and this checkout's ``hooks`` (YAML list)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install -e '.[test]'")
    root.mkdir(parents=True)
    config = f"repos:\n  - repo: {REPO_ROOT}\n    rev: {_head()}\n    hooks:\n{hooks}"
    (root / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    return root


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    return _make_repo(
        tmp_path / "repo",
        "      - id: policy-lint\n",
        {"policies/reader.json": BROKEN, "package.json": '{"name": "not-a-policy"}\n'},
    )


def _pre_commit(repo: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(Path.home() / ".cache" / "policy-lint-tests" / "pre-commit"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never", *extra],
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


#: Two PL findings a suppression by file name would hide: PL601 (security-warning) and PL203 (error).
ADMIN = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
    '    {"Effect": "Allow", "Action": "*", "Resource": "*"},\n'
    '    {"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}\n  ]\n}\n'
)
#: A policy whose only finding (PL101, a warning: no Version) names the file it is in.
WARN_ONLY = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'
REAL_FINDINGS = (
    "policies/admin.json:4:35: PL601 security-warning",
    "policies/admin.json:5:35: PL203 error unknown action 's3:GetObjectt'",
)


def test_file_named_like_an_option_does_not_hide_findings_with_the_shipped_hook(tmp_path: Path) -> None:
    """The reported attack: `--ignore=PL,x-policy.json` matches the hook's `files` pattern, and so
    does a folder named like an option; each is linted as a file and the hook fails."""
    weird = ["--ignore=PL,x-policy.json", "--select=SP,x/policies/a.json", "-x-policy.json"]
    repo = _make_repo(
        tmp_path / "repo",
        "      - id: policy-lint\n",
        {"policies/admin.json": ADMIN, **dict.fromkeys(weird, WARN_ONLY)},
    )
    run = _pre_commit(repo)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Failed" in output and "Passed" not in output, output
    for line in REAL_FINDINGS:
        assert line in output, output
    for name in weird:  # linted as files: each one's own PL101 is reported under its name
        assert f"{name}:1:1: PL101 warning" in output, output
    # The two option-like names fail the run on their own; `-x-…` is no option of lint.
    assert "--ignore=PL,x-policy.json: this file name reads as a policy-lint option" in output
    assert "--select=SP,x/policies/a.json: this file name reads as a policy-lint option" in output
    assert "-x-policy.json: this file name" not in output


def test_no_file_name_becomes_an_option_when_every_file_is_passed(tmp_path: Path) -> None:
    """The same with `files`/`types_or` widened (as content-based selection will do): names that
    are whole options (`--format=json`, `--fail-on=suggestion`, `--help`, `--version`, `-`)."""
    weird = ["--format=json", "--fail-on=suggestion", "--help", "--version", "-", "-h"]
    hooks = (
        "      - id: policy-lint\n"
        "        files: '.*'\n"
        "        types_or: [file]\n"
        "        exclude: ^\\.pre-commit-config\\.yaml$\n"
    )
    repo = _make_repo(
        tmp_path / "repo", hooks, {"policies/admin.json": ADMIN, **dict.fromkeys(weird, WARN_ONLY)}
    )
    run = _pre_commit(repo)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Failed" in output and "Passed" not in output, output
    for line in REAL_FINDINGS:
        assert line in output, output
    assert '"findings"' not in output, "a file named --format=json must not switch the output to JSON"
    assert "Usage:" not in output and "0.1.0" not in output, "--help / --version are files here"
    for name in weird:
        assert f"{name}:1:1: PL101 warning" in output, output
    for name in ["--format=json", "--fail-on=suggestion", "--help", "-h"]:
        assert f"{name}: this file name reads as a policy-lint option" in output, output


def test_hook_args_are_still_options(tmp_path: Path) -> None:
    """`args: [--fail-on, error]` is read as options, not as two file names: the settings file
    says fail-on: warning, so the warning-only policy fails without the args and passes with
    them. A file named `error` exists too: an option's value stays the value."""
    files = {
        "policies/reader.json": WARN_ONLY,
        ".policy-lint.yaml": "fail-on: warning\n",
        "error": "not a policy\n",
    }
    without = _pre_commit(_make_repo(tmp_path / "without", "      - id: policy-lint\n", files))
    output = without.stdout + without.stderr
    assert without.returncode == 1, output
    assert "policies/reader.json:1:1: PL101 warning" in output, output

    hooks = "      - id: policy-lint\n        args: [--fail-on, error]\n"
    with_args = _pre_commit(_make_repo(tmp_path / "with", hooks, files))
    output = with_args.stdout + with_args.stderr
    assert with_args.returncode == 0, output
    assert "Passed" in output, output


def test_check_hook_takes_no_file_names(tmp_path: Path) -> None:
    """policy-lint-check runs `check .` (pass_filenames: false): a Terraform file named like an
    option reaches no command line, so the folder's findings are all reported."""
    broken = REPO_ROOT / "examples" / "terraform" / "onboarding-broken"
    files = {
        str(p.relative_to(broken)): p.read_text(encoding="utf-8") for p in broken.rglob("*") if p.is_file()
    }
    files["--ignore=OB,x.tf"] = "# an option-shaped name\n"
    run = _pre_commit(_make_repo(tmp_path / "repo", "      - id: policy-lint-check\n", files))
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "main.tf:144:3: OB202 error" in output, output


#: the files of a repository that holds policies and much else (issue 13: policies by content)
AGENTLESS_EN = (REPO_ROOT / "examples" / "policies" / "agentless-en.json").read_text(encoding="utf-8")
OTHER_FILES = {
    "package.json": '{\n  "name": "web",\n  "version": "1.0.0",\n  "scripts": {"test": "jest"}\n}\n',
    ".github/workflows/ci.yml": (
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: aws iam create-policy --policy-document file://policy.json  # Statement\n"
    ),
    "infra/stack.yaml": (REPO_ROOT / "examples" / "cloudformation" / "onboarding-broken.yaml").read_text(
        encoding="utf-8"
    ),
}
POLICIES = {
    "agentless.json": AGENTLESS_EN,  # the guide's policy, word for word: its weaknesses are accepted
    "reader.yaml": 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n'
    '    Resource: "arn:aws:s3:::reports/*"\n',
}
MISSPELT = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::reports/*"}]}\n'
)


def _linted_files(output: str) -> int:
    """Files lint read, summed over the invocations pre-commit split the staged names into."""
    counts = re.findall(r"(?:No findings|Found \d+ findings? \([^)]*\)) in (\d+) files?\.", output)
    return sum(int(n) for n in counts)


def test_the_hook_finds_policies_by_content_and_skips_the_rest(tmp_path: Path) -> None:
    """The reported case: the shipped hook picked files by name, so it skipped a policy called
    agentless.json. Now it takes every staged JSON/YAML and lint keeps only the two policies:
    package.json, a workflow and a CloudFormation template (which names Statement 20 times, and
    gave 14 findings to a folder walk) are not reported."""
    repo = _make_repo(tmp_path / "repo", "      - id: policy-lint\n", {**OTHER_FILES, **POLICIES})
    run = _pre_commit(repo, "--verbose")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert _linted_files(output) == 2, output
    assert "agentless.json" in output and "inherited verbatim from the vendor" in output, output
    for other in ("package.json", "ci.yml", "stack.yaml", "not a policy document"):
        assert other not in output.replace(".pre-commit-config", ""), output

    (repo / "deploy").mkdir()
    (repo / "deploy" / "ci-role.json").write_text(MISSPELT, encoding="utf-8")  # a name that says nothing
    _git(repo, "add", ".")
    failed = _pre_commit(repo, "--verbose")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "deploy/ci-role.json:1:71: PL203 error unknown action 's3:GetObjekt'" in output, output
    assert _linted_files(output) == 3, output

    (repo / "deploy" / "ci-role.json").write_text(
        MISSPELT.replace("GetObjekt", "GetObject"), encoding="utf-8"
    )
    _git(repo, "add", ".")
    fixed = _pre_commit(repo, "--verbose")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _linted_files(fixed.stdout + fixed.stderr) == 3


def test_the_hook_lints_terraform_templates_of_both_suffixes(tmp_path: Path) -> None:
    """A policy written as a Terraform template (.tpl or .tftpl, rendered by templatefile()) is
    passed to the hook and linted around its holes: the misspelt action fails, the holes do not."""
    template = MISSPELT.replace("arn:aws:s3:::reports/*", "arn:${partition}:s3:::${bucket}/*")
    assert "${partition}" in template
    files = {"policies/reader.tftpl": template, "policies/writer.tpl": template.replace("Get", "Put")}
    repo = _make_repo(tmp_path / "repo", "      - id: policy-lint\n", files)
    run = _pre_commit(repo, "--verbose")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "policies/reader.tftpl:1:71: PL203 error unknown action 's3:GetObjekt'" in output, output
    assert "policies/writer.tpl" in output and "PL501" not in output, output


SCANNER = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
    '    {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:TerminateInstances"], "Resource": "*",\n'
    '     "Condition": {"StringLike": {"aws:ResourceTag/Name": "scan*"}}}\n  ]\n}\n'
)


def test_no_new_access_hook_compares_the_staged_policies_with_head(tmp_path: Path) -> None:
    """policy-lint-no-new-access: a staged change that adds a write action fails the commit and
    names it; a change that only removes access passes. The policy's name says nothing."""
    hooks = "      - id: policy-lint-no-new-access\n        args: [--fail-on, security-warning]\n"
    repo = _make_repo(
        tmp_path / "repo", hooks, {"agentless.json": SCANNER, "package.json": '{"name": "app"}\n'}
    )
    _git(repo, "-c", "user.email=dev@example.com", "-c", "user.name=dev", "commit", "-qm", "base")

    (repo / "agentless.json").write_text(
        SCANNER.replace('"ec2:TerminateInstances"', '"ec2:TerminateInstances", "iam:PassRole"'),
        encoding="utf-8",
    )
    _git(repo, "add", "agentless.json")
    failed = _pre_commit(repo)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "agentless.json:4:5: PD201 security-warning" in output and "iam:PassRole" in output, output

    (repo / "agentless.json").write_text(SCANNER.replace('"ec2:DescribeInstances", ', ""), encoding="utf-8")
    _git(repo, "add", "agentless.json")
    passed = _pre_commit(repo)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
