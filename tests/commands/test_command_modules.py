"""Every command lives in its own module and is imported when it runs: ``--help`` still lists
them all, each with its one-line help, and each one answers ``--help`` itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from policy_lint.cli import COMMANDS, main

#: command -> the start of its one-line help in ``policy-lint --help``
LISTED = {
    "check": "Check Terraform (HCL or plan JSON) and",
    "diff": "Compare ACTUAL policies (files, or AWS",
    "lint": "Lint IAM policy documents (files, or",
    "merge": "Combine the JSON reports (--format json)",
    "reference": "The guide's reference policies: list them,",
    "render": "Fill the reference templates (account,",
    "rules": "List every rule ID with its level and",
    "schema": "Print the onboarding.yaml JSON Schema (or",
    "verify": "Verify the onboarding in a live AWS",
}


def test_help_lists_every_command_with_its_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.strip()]
    assert names == sorted(LISTED) == sorted(COMMANDS)
    for line in listed:
        name = line.split()[0]
        assert line.split(None, 1)[1].startswith(LISTED[name]), line


@pytest.mark.parametrize("name", sorted(LISTED))
def test_each_command_answers_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f" {name} [OPTIONS]" in result.stdout.splitlines()[0]


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["lnit"])
    assert result.exit_code == 2
    assert "No such command 'lnit'" in result.stderr
