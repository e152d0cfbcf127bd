"""docs/access-analyzer.md names every IAM Access Analyzer check with a rule or a reason, and rules name real checks.

The table is generated (tools/gen_docs.py, checked fresh by tests/test_docs.py); these tests read the
generated file itself, as a user would, and the rule metadata it is built from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.rules.access_analyzer import CHECKS, PENDING, check_names
from policy_lint.rules.access_analyzer_docs import REVIEW_MARKER, Coverage, access_analyzer_markdown
from policy_lint.rules.registry import RuleMeta
from policy_lint.rules.ruleset import all_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "access-analyzer.md"


def _table_rows() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8").split(REVIEW_MARKER, 1)[0]
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] != "Access Analyzer check":
            assert cells[0] not in rows, f"{cells[0]} appears twice"
            rows[cells[0]] = cells
    return rows


def test_every_check_has_a_row_with_a_rule_or_a_reason() -> None:
    rows = _table_rows()
    assert set(rows) == check_names()
    for name, (_, _, rules, coverage, note) in rows.items():
        assert rules != "-" or note, f"{name}: no rule and no reason"
        assert coverage in {c.value for c in Coverage}
        if coverage == Coverage.NOT_APPLICABLE.value:
            assert rules == "-" and len(note) > 20, f"{name}: not applicable needs a written reason"


def test_rules_name_only_real_access_analyzer_checks() -> None:
    known = check_names()
    for meta in all_rules():
        unknown = set(meta.access_analyzer) - known
        assert not unknown, f"{meta.id} names checks Access Analyzer does not have: {sorted(unknown)}"


def test_check_data_is_consistent() -> None:
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names))
    assert set(PENDING) <= set(names)
    # 135 checks of the 2023 page, plus the ones the current page adds
    assert len(names) >= 136


def _meta(rule_id: str, level_name: str, names: tuple[str, ...]) -> RuleMeta:
    from policy_lint.core.findings import Level

    return RuleMeta(rule_id, "x", Level.parse(level_name), "t", "r", "f", "PL9", access_analyzer=names)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("error", "covered"), ("security-warning", "partly covered"), ("warning", "partly covered")],
)
def test_a_rule_below_access_analyzers_level_only_partly_covers(level: str, expected: str) -> None:
    text = access_analyzer_markdown([_meta("PL999", level, ("Invalid ARN account",))])
    row = next(line for line in text.splitlines() if line.startswith("| Invalid ARN account |"))
    assert f"| {expected} |" in row
    assert "PL999" in row


def test_the_hand_written_review_below_the_marker_is_kept() -> None:
    current = "old table\n" + REVIEW_MARKER + "\n\n## Reviewed findings\n\nPL406 on x: true positive\n"
    text = access_analyzer_markdown(all_rules(), current)
    assert "old table" not in text
    assert text.endswith("## Reviewed findings\n\nPL406 on x: true positive\n")
