"""Reports group the privilege-escalation results by principal (issue 12, item 4): the text
report lists each principal under one heading, the Markdown and HTML reports give each principal
its own table, and the JSON report carries the principal in every such result. A principal name
is input: it renders as its literal text, never as Markdown or HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from policy_lint.checks.engine import CheckResult, run_checks
from policy_lint.core.findings import Level, Location
from policy_lint.inventory.model import Inventory
from policy_lint.reporters.formats import format_output
from policy_lint.rules.registry import Status
from policy_lint.sources.detect import detect, load_inventory
from tests.reporters.markdown_renderers import RENDERERS, text_of

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "escalation"


@pytest.fixture(scope="module")
def results() -> list[CheckResult]:
    return run_checks(load_inventory(detect([str(FIXTURE)]), Inventory()))


def _escalation(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.rule_id.startswith(("PE", "PR"))]


def test_text_lists_each_principals_results_under_its_heading(results: list[CheckResult]) -> None:
    text = format_output("text", results=results, context={"show_passed": True})
    lines = text.splitlines()
    start = lines.index("Privilege escalation, by principal:")
    headings = [line for line in lines[start + 1 :] if line.endswith("):")]
    assert "user two-policies (aws_iam_user.two_policies):" in headings
    assert "user member (aws_iam_user.member):" in headings
    assert headings == sorted(headings)  # one heading per principal, in order
    # every result line under a heading is about that principal, and still path:line:col
    current = None
    for line in lines[start + 1 :]:
        if line.endswith("):"):
            current = re.search(r"\((.*)\):$", line).group(1)  # type: ignore[union-attr]
        elif re.match(r"^\S+:\d+:\d+: P[ER]0\d\d ", line):
            assert current is not None and f"[{current}" in line, line
    assert sum(1 for r in _escalation(results)) == sum(
        1 for line in lines[start:] if re.match(r"^\S+:\d+:\d+: P[ER]0\d\d ", line)
    )


def test_json_carries_the_principal_of_every_escalation_result(results: list[CheckResult]) -> None:
    payload = json.loads(format_output("json", results=results, context={"command": "check"}))
    escalation = [r for r in payload["results"] if r["rule_id"].startswith(("PE", "PR"))]
    assert escalation
    for entry in escalation:
        principal = entry["evidence"]["principal"]
        assert principal["kind"] in ("user", "role") and entry["resource"].startswith(principal["resource"])
    two = next(e for e in escalation if e["resource"] == "aws_iam_user.two_policies")
    assert {c["action"] for c in two["evidence"]["contributions"]} == {"iam:PassRole", "ec2:RunInstances"}


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_markdown_gives_each_principal_a_table(results: list[CheckResult], renderer: str) -> None:
    rendered = RENDERERS[renderer](format_output("markdown", results=results, context={"command": "check"}))
    headings = [text_of(h) for h in re.findall(r"<h2>(.*?)</h2>", rendered, re.S)]
    assert "Privilege escalation: user two-policies (aws_iam_user.two_policies)" in headings
    assert "Privilege escalation: user member (aws_iam_user.member)" in headings


def _hostile_result() -> CheckResult:
    name = "[evil](https://attacker.example) <img src=x onerror=alert(1)> **bold**"
    return CheckResult(
        "PE003",
        "escalation-attach-user-policy",
        "Privilege escalation",
        Status.FAIL,
        Level.SECURITY_WARNING,
        "aws_iam_user.x",
        f"user {name} can escalate privileges",
        Location("main.tf", 1, 1),
        {"principal": {"kind": "user", "name": name, "arn": None, "resource": "aws_iam_user.x"}},
    )


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_a_principal_name_renders_as_its_text_in_markdown(renderer: str) -> None:
    rendered = RENDERERS[renderer](format_output("markdown", results=[_hostile_result()], context={}))
    heading = next(h for h in re.findall(r"<h2>(.*?)</h2>", rendered, re.S) if "Privilege" in h)
    assert "<a " not in heading and "<img" not in heading and "<strong>" not in heading
    assert text_of(heading) == (
        "Privilege escalation: user [evil](https://attacker.example) <img src=x onerror=alert(1)> "
        "**bold** (aws_iam_user.x)"
    )


def test_a_principal_name_is_escaped_in_html() -> None:
    page = format_output("html", results=[_hostile_result()], context={})
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
