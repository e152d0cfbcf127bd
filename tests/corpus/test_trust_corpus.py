"""PL7 precision on real policies: no error on AWS managed policies, none on RCPs guarding STS.

The RCP examples of aws-samples deny sts:AssumeRoleWithWebIdentity with Principal "*" and a
Resource; the type inference calls them trust policies (every action is sts:AssumeRole*), and a
trust rule that believed it would call every statement's Resource an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.core.findings import Level
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_paths

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = (REPO_ROOT / ".." / "shared" / "corpus").resolve()
RCP_OIDC = (
    CORPUS
    / "iam-custom"
    / "aws-samples__resource-control-policy-examples"
    / "Limit-access-to-trusted-OIDC-identity-providers"
)


def _corpus(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"shared corpus not found at {folder}: these tests need ../shared/corpus beside the repo")
    return folder


def test_no_pl7_error_on_aws_managed_policies() -> None:
    managed = _corpus(CORPUS / "iam-managed")
    findings = lint_paths([str(managed)], LintOptions(select=("PL7",))).findings
    errors = [f"{f.location}: {f.rule_id} {f.message}" for f in findings if f.level >= Level.ERROR]
    assert errors == []
    # AdministratorAccess may create any service-linked role: the warning Access Analyzer gives it too
    assert any(
        f.rule_id == "PL731" and f.location.path.endswith("/AdministratorAccess.json") for f in findings
    )


def test_rcps_guarding_sts_are_not_trust_policies() -> None:
    folder = _corpus(RCP_OIDC)
    findings = lint_paths([str(folder)], LintOptions(select=("PL7",))).findings
    assert [f for f in findings if f.level >= Level.ERROR] == []
