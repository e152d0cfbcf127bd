"""Same input, same bytes: CI can diff two runs' reports. A timestamp appears only when asked."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.reporters.formats import FORMATS, format_output
from tests.reporters.conftest import lint_findings, live_results, planned_results

REPO = Path(__file__).resolve().parents[2]
STABLE = ("json", "sarif", "junit", "markdown", "html", "text")


@pytest.mark.parametrize("fmt", STABLE)
def test_render_twice_is_byte_identical_whatever_the_input_order(fmt: str, cis_rules: None) -> None:
    findings, results = lint_findings(), planned_results() + live_results()
    first = format_output(fmt, findings=findings, results=results, context={"scope": {"paths": ["x"]}})
    again = format_output(
        fmt, findings=findings[::-1], results=results[::-1], context={"scope": {"paths": ["x"]}}
    )
    assert first == again


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


@pytest.fixture
def policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled example policies (one broken) in a folder of their own, as the current directory."""
    shutil.copytree(REPO / "examples" / "policies", tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "policies"


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "html"])
def test_lint_through_the_cli_twice_gives_the_same_bytes(fmt: str, policies: Path) -> None:
    code, first = _run("lint", "policies", "--format", fmt, "--jobs", "1")
    _, again = _run("lint", "policies", "--format", fmt, "--jobs", "2")
    assert code == 1  # the broken copy is an error finding
    assert first == again and first.strip()
    assert not re.search(r"20\d\d-\d\d-\d\dT", first)  # no timestamp unless asked


def test_lint_sarif_through_the_cli_points_at_the_broken_file(policies: Path) -> None:
    _, out = _run("lint", "policies", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    broken = [r for r in results if r["ruleId"] == "PL001"]
    assert broken[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "policies/agentless-zh-broken.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 83, "startColumn": 21},
    }


def test_timestamp_flag_adds_the_time_to_every_format(policies: Path) -> None:
    for fmt in ("json", "sarif", "junit", "markdown"):
        _, out = _run("lint", "policies", "--format", fmt, "--timestamp")
        assert re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", out), fmt


def test_check_offers_every_format_and_repeats_itself(tmp_path: Path) -> None:
    config = REPO / "examples" / "onboarding" / "onboarding.yaml"
    for fmt in FORMATS:
        code, first = _run("check", "--config", str(config), "--format", fmt)
        assert code in (0, 1), (fmt, first)
        again = _run("check", "--config", str(config), "--format", fmt)[1]
        if fmt in ("asff", "ocsf"):  # both require the time of the run: the one difference allowed
            first, again = (
                re.sub(r'"((Created|Updated)At": "[^"]*"|time": \d+)', "", t) for t in (first, again)
            )
        assert again == first, fmt
    _, md = _run("check", "--config", str(config), "--format", "markdown")
    assert "# policy-lint check report" in md and "## Onboarding configuration" in md
