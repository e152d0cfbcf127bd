"""The generated docs are in sync with the code that generates them."""

from __future__ import annotations

from policy_lint.docs_gen import rules_markdown
from policy_lint.rules import all_rules
from tests.conftest import REPO_ROOT


def test_rules_reference_is_generated_from_metadata() -> None:
    committed = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), (
        "docs/rules.md is stale: run `policy-lint rules --format markdown > docs/rules.md`"
    )


def test_every_rule_is_documented_with_why_and_fix() -> None:
    text = rules_markdown()
    for meta in all_rules():
        assert f"### {meta.id}" in text
        assert meta.rationale.strip() and meta.remediation.strip(), meta.id


def test_rule_ids_and_names_are_unique() -> None:
    metas = all_rules()
    assert len({m.id for m in metas}) == len(metas)
    assert len({m.name for m in metas}) == len(metas)
