"""The generated docs are in sync with the code that generates them."""

from __future__ import annotations

import subprocess
import sys

from policy_lint.rules.docs import rules_markdown
from policy_lint.rules.ruleset import all_rules
from tests.conftest import REPO_ROOT


def test_generated_docs_are_up_to_date() -> None:
    # tools/gen_docs.py regenerates docs/rules.md and docs/configuration.md (running the real CLI
    # for the examples); --check fails when a committed file differs.
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"stale docs, run `python tools/gen_docs.py`:\n{proc.stdout}{proc.stderr}"


def test_every_rule_is_documented_with_why_and_fix() -> None:
    text = rules_markdown()
    for meta in all_rules():
        assert f"### {meta.id}" in text
        assert meta.rationale.strip() and meta.remediation.strip(), meta.id


def test_rule_ids_and_names_are_unique() -> None:
    metas = all_rules()
    assert len({m.id for m in metas}) == len(metas)
    assert len({m.name for m in metas}) == len(metas)
