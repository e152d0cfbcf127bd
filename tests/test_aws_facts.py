"""The facts rules rely on are the project's own: defined once in docs/aws-facts.md, cited by ID.

A rule that cites a fact the page does not define sends users to nothing; a citation of the
team's private notes (which users never see) would too.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from policy_lint.rules.ruleset import all_rules

REPO = Path(__file__).resolve().parents[1]
FACT_PAGE = REPO / "docs" / "aws-facts.md"
FACT_ID = re.compile(r"(?<![\w-])(?:AWS|PLAN|GUIDE)-[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])")
DEFINED = re.compile(r"^\| ((?:AWS|PLAN|GUIDE)-[A-Z0-9-]+) \|", re.M)


def _defined() -> dict[str, str]:
    rows = {
        m.group(1): line
        for line in FACT_PAGE.read_text(encoding="utf-8").splitlines()
        if (m := DEFINED.match(line))
    }
    return rows


def _tracked_text() -> dict[str, str]:
    try:
        names = subprocess.run(
            ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    texts = {}
    for name in names:
        path = REPO / name
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".json", ".j2", ".toml", ".txt"} and path.is_file():
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_every_cited_fact_is_defined_once() -> None:
    page = FACT_PAGE.read_text(encoding="utf-8")
    ids = DEFINED.findall(page)
    assert len(ids) == len(set(ids)), "a fact ID is defined twice"
    defined = set(ids)
    for name, text in _tracked_text().items():
        for cited in set(FACT_ID.findall(text)) - defined:
            pytest.fail(f"{name} cites {cited}, which docs/aws-facts.md does not define")


def test_every_fact_has_an_aws_source_or_is_the_guides() -> None:
    for fact_id, row in _defined().items():
        if fact_id.startswith("AWS-"):
            assert "https://docs.aws.amazon.com/" in row or "https://docs.amazonaws.cn/" in row, fact_id


def test_rules_cite_only_defined_facts() -> None:
    defined = set(_defined())
    for meta in all_rules():
        for cited in FACT_ID.findall(f"{meta.title} {meta.rationale} {meta.remediation}"):
            assert cited in defined, f"{meta.id} cites {cited}"


def test_no_file_cites_the_teams_private_notes() -> None:
    private = "FAC" + "TS"  # spelled apart so this file does not match itself
    offenders = [name for name, text in _tracked_text().items() if re.search(rf"\b{private}\b", text)]
    assert offenders == []
