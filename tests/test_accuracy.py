"""The accuracy benchmark as a gate: policy-lint's verdicts on public corpus inputs, scored against
labels written by hand before the tool first ran on them (benchmarks/accuracy/).

Two things are held here. The score keeps its floor: at least FLOOR agreement, no false fail and
no false pass. And the labels cannot be tuned quietly: each case's labels must equal the labels
first committed, except for the changes its ``changes:`` list records with a reason.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

BENCH = REPO_ROOT / "benchmarks" / "accuracy"
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
#: the commit that holds every case's first labels (written before the tool ran on them)
FIRST_LABELS = "be23e51"
FLOOR = 0.99


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("accuracy_score", BENCH / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["accuracy_score"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> Any:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}: the accuracy benchmark reads it in place")
    score = _scorer()
    return score, score.score(CORPUS)


def test_every_case_runs(scores: Any) -> None:
    _, cases = scores
    assert len(cases) >= 30
    assert [(c.case, c.problem) for c in cases if c.problem] == []


def test_the_score_keeps_its_floor(scores: Any) -> None:
    score, cases = scores
    totals = score.totals([o for c in cases for o in c.outcomes])
    wrong = [
        f"{o.case} {o.rule} {o.resource}: label {o.expected}, got {o.got}"
        for c in cases
        for o in c.outcomes
        if o.error_class in ("false fail", "false pass")
    ]
    assert wrong == []
    assert totals["agreement"] >= FLOOR, score.report(cases)


def _labels(text: str) -> dict[tuple[str, str], str]:
    case = yaml.safe_load(text)
    return {(x["rule"], str(x["resource"])): x["expected"] for x in case["labels"]}


def _first_version(path: Path) -> str | None:
    relative = path.relative_to(REPO_ROOT).as_posix()
    shown = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "show", f"{FIRST_LABELS}:{relative}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout if shown.returncode == 0 else None


@pytest.mark.parametrize("path", sorted((BENCH / "cases").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_label_changes_only_with_its_reason_written_down(path: Path) -> None:
    first = _first_version(path)
    if first is None:
        pytest.skip(f"git history with {FIRST_LABELS} is not available (a shallow or exported copy)")
    now = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = _labels(first)
    for change in now.get("changes") or []:
        assert change.get("reason"), change
        key = (change["rule"], str(change["resource"]))
        assert expected.get(key, "none") == change["from"], change
        expected[key] = change["to"]
    assert _labels(path.read_text(encoding="utf-8")) == expected


def test_docs_accuracy_md_is_the_current_score(scores: Any) -> None:
    score, cases = scores
    written = (REPO_ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8")
    assert written == score.report(cases), (
        "run: python benchmarks/accuracy/score.py --markdown docs/accuracy.md"
    )
