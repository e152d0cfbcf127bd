"""The GitHub Action (``action.yml``) and the example workflows in the user guide.

- ``action.yml`` validates against the action metadata schema (SchemaStore's github-action.json,
  vendored in tests/data with its source and licence);
- its ``run`` steps run here, as the runner would run them, on the examples: everything but
  setting up Python, installing (the package under test is already importable) and the SARIF
  upload, which need GitHub;
- every example workflow in docs/user-guide.md passes ``actionlint``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.reporters.workflow_commands import parse_output

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_action_yml_validates_against_the_action_metadata_schema() -> None:
    schema = json.loads((DATA / "github-action.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    uses = [step["uses"] for step in ACTION["runs"]["steps"] if "uses" in step]
    assert "github/codeql-action/upload-sarif@v3" in uses


def test_no_input_is_pasted_into_a_script() -> None:
    """``${{ inputs.x }}`` inside ``run`` is script injection: inputs must come in through env."""
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def _expression(text: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("inputs."):
            return inputs[name.removeprefix("inputs.")]
        if name == "github.action_path":
            return str(REPO)
        if name.startswith("steps.run.outputs."):
            return outputs.get(name.removeprefix("steps.run.outputs."), "")
        raise AssertionError(f"expression not handled by this test: {name}")

    return EXPRESSION.sub(value, text)


def run_action(tmp_path: Path, **given: str) -> tuple[dict[str, str], list[subprocess.CompletedProcess[str]]]:
    """Run the action's own run steps (not setup-python, pip install or the upload) in *tmp_path*
    holding a copy of examples/, with `policy-lint` on PATH as the code under test."""
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "examples", workspace / "examples")
    tools = tmp_path / "bin"
    tools.mkdir()
    shim = tools / "policy-lint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m policy_lint "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    github_output = tmp_path / "github_output"
    github_output.touch()
    outputs: dict[str, str] = {}
    runs = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step["name"] == "Install policy-lint":
            continue
        env = {
            **os.environ,
            "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(REPO),
            "GITHUB_OUTPUT": str(github_output),
        }
        env.update(
            {key: _expression(str(value), inputs, outputs) for key, value in step.get("env", {}).items()}
        )
        assert step["shell"] == "bash"
        # the runner's bash: bash --noprofile --norc -eo pipefail {0}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        runs.append(done)
        for line in github_output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
        if done.returncode != 0:
            break
    return outputs, runs


def _sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    return log


def test_the_steps_check_the_broken_example_and_fail_the_job(tmp_path: Path) -> None:
    outputs, runs = run_action(
        tmp_path,
        paths="examples/terraform/onboarding-broken",
        config="examples/onboarding/onboarding.yaml",
        fail_on="warning",
    )
    run_step, fail_step = runs
    assert run_step.returncode == 0, run_step.stderr  # the findings do not stop the upload...
    assert outputs["exit-code"] == "1"
    assert fail_step.returncode == 1  # ...the last step fails the job
    log = _sarif(tmp_path / "workspace" / "policy-lint.sarif")
    rule_ids = {result["ruleId"] for result in log["runs"][0]["results"]}
    assert {"OB102", "OB202"} <= rule_ids
    commands = [c for c in parse_output(run_step.stdout) if c is not None]
    assert {c.properties["title"] for c in commands} >= {"OB102", "OB202"}
    assert all(
        c.properties["file"] == "examples/terraform/onboarding-broken/main.tf"
        for c in commands
        if "file" in c.properties and c.properties["title"] == "OB102"
    )


def test_the_steps_pass_the_good_example(tmp_path: Path) -> None:
    outputs, runs = run_action(
        tmp_path,
        paths="examples/terraform/onboarding examples/terraform/onboarding-json",
        config="examples/onboarding/onboarding.yaml",
        fail_on="error",
    )
    assert outputs["exit-code"] == "0" and [r.returncode for r in runs] == [0, 0]
    _sarif(tmp_path / "workspace" / "policy-lint.sarif")


def test_the_steps_lint_policies(tmp_path: Path) -> None:
    outputs, runs = run_action(tmp_path, command="lint", paths="examples/policies", fail_on="error")
    assert outputs["exit-code"] == "1"  # agentless-zh-broken.json does not parse
    assert runs[-1].returncode == 1
    assert "PL001" in {
        r["ruleId"] for r in _sarif(tmp_path / "workspace" / "policy-lint.sarif")["runs"][0]["results"]
    }


def test_a_crafted_command_input_runs_nothing(tmp_path: Path) -> None:
    _, runs = run_action(tmp_path, command="lint; touch pwned #\n::error::forged")
    assert runs[0].returncode == 2
    # the one line printed is our own command; the input is not echoed, so it forges nothing
    assert [c.message if c else None for c in parse_output(runs[0].stdout)] == [
        "the command input must be lint or check"
    ]
    assert not (tmp_path / "workspace" / "pwned").exists()


def _workflows() -> list[tuple[str, str]]:
    text = (REPO / "docs" / "user-guide.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(# \.github/workflows/(\S+)\n.*?)```", text, flags=re.DOTALL)
    return [(name, body) for body, name in blocks]


def test_the_guide_has_the_example_workflows() -> None:
    assert {name for name, _ in _workflows()} == {"policy-lint.yml", "policy-lint-annotations.yml"}


def actionlint(tmp_path: Path, name: str, body: str) -> subprocess.CompletedProcess[str]:
    """``actionlint`` on one workflow file, as it would lint it in a repository."""
    binary = shutil.which("actionlint")
    if binary is None:
        missing = "actionlint is not installed (pip install -e '.[test]' installs it)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs the test extras: a skip there would hide a broken check
        pytest.skip(missing)
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / name).write_text(body, encoding="utf-8")
    return subprocess.run(
        [binary, "-no-color", str(folder / name)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(("name", "body"), _workflows(), ids=[name for name, _ in _workflows()])
def test_example_workflows_pass_actionlint(tmp_path: Path, name: str, body: str) -> None:
    done = actionlint(tmp_path, name, body)
    assert done.returncode == 0, done.stdout + done.stderr


def _with_this_action(tmp_path: Path, body: str) -> str:
    """The workflow using this checkout's action (``uses: ./``), so actionlint checks each ``with:``
    key against action.yml's inputs: a remote ``uses:`` is not read, and any key would pass."""
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    # actionlint reads a local action only inside a repository
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    return body.replace(USES_THIS_ACTION, "uses: ./")


USES_THIS_ACTION = "uses: policy-lint/policy-lint@v1"
_USING_THE_ACTION = [(name, body) for name, body in _workflows() if USES_THIS_ACTION in body]


def test_the_guide_shows_the_action_in_a_workflow() -> None:
    assert [name for name, _ in _USING_THE_ACTION] == ["policy-lint.yml"]


@pytest.mark.parametrize(("name", "body"), _USING_THE_ACTION, ids=[name for name, _ in _USING_THE_ACTION])
def test_example_workflows_give_only_inputs_the_action_declares(tmp_path: Path, name: str, body: str) -> None:
    done = actionlint(tmp_path, name, _with_this_action(tmp_path, body))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_an_input_the_action_does_not_declare(tmp_path: Path) -> None:
    """The check above can fail: ``fail_on`` for ``fail-on`` is rejected against action.yml."""
    name, body = _USING_THE_ACTION[0]
    assert "fail-on:" in body
    done = actionlint(tmp_path, name, _with_this_action(tmp_path, body).replace("fail-on:", "fail_on:"))
    assert done.returncode == 1 and "fail_on" in done.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: the same workflow with a misspelt key is rejected."""
    done = actionlint(tmp_path, "broken.yml", _workflows()[0][1].replace("runs-on:", "runs_on:"))
    assert done.returncode == 1 and "runs_on" in done.stdout
