"""Every command in docs/reports.md runs, and the output lines the page shows are really printed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reports.md"


def examples() -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"```console\n\$ (.+?)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [(command, [line for line in body.splitlines() if line != "..."]) for command, body in blocks]


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 4


@pytest.mark.parametrize(("command", "shown"), examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_example_output_is_real(command: str, shown: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    argv = shlex.split(command)
    assert argv[0] == "policy-lint"
    result = CliRunner().invoke(main, argv[1:])
    assert result.exit_code in (0, 1), result.output
    printed = result.stdout.splitlines()
    for line in shown:
        if "Rule set: version" in line:  # the digest changes whenever a rule's metadata does
            continue
        assert line in printed, line
