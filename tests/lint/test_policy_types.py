"""--policy-type: each type, what the content infers, and one place that honours each rule's policy_types."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.commands.lint import POLICY_TYPES
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_document, rules_for
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyType
from policy_lint.rules.lint_ruleset import policy_rules
from policy_lint.syntax.source import Source
from tests.helpers import lint_policy, rule_ids, statement

#: a copy of the pattern of aws-samples' RCP examples: Deny to Principal "*" on STS, Resource "*"
RCP_GUARDING_STS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Resource": "*",
            "Condition": {"Null": {"token.actions.githubusercontent.com:sub": "false"}},
        }
    ],
}
TRUST = statement(Effect="Allow", Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")
#: a bucket policy that denies plain HTTP: Deny, Principal "*", but on its own bucket, not "*"
BUCKET_TLS = statement(
    Effect="Deny",
    Principal="*",
    Action="s3:*",
    Resource=["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    Condition={"Bool": {"aws:SecureTransport": "false"}},
)
ADMIN = statement(Effect="Allow", Action="*", Resource="*")


def _inferred(doc: dict[str, Any]) -> PolicyType:
    loaded, problem = load_policy(Source("p.json", json.dumps(doc)))
    assert problem is None and loaded is not None
    return loaded.policy_type


def test_an_rcp_guarding_sts_infers_as_rcp_not_trust() -> None:
    assert _inferred(RCP_GUARDING_STS) is PolicyType.RCP
    findings = lint_policy(RCP_GUARDING_STS)
    # no trust rule reads it (PL703 "a trust policy names a Resource" was the symptom)
    assert not [f for f in findings if f.rule_id.startswith("PL70")]


def test_inference_keeps_trust_resource_and_identity() -> None:
    assert _inferred(TRUST) is PolicyType.TRUST
    assert _inferred(BUCKET_TLS) is PolicyType.RESOURCE
    assert _inferred(ADMIN) is PolicyType.IDENTITY
    public_bucket = statement(Effect="Allow", Principal="*", Action="s3:GetObject", Resource="*")
    assert _inferred(public_bucket) is PolicyType.RESOURCE  # an RCP never grants


def test_rcp_inferred_gets_the_rcp_grammar_rule() -> None:
    wrong = json.loads(json.dumps(RCP_GUARDING_STS))
    wrong["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}
    )
    assert _inferred(wrong) is PolicyType.RCP
    assert rule_ids(lint_policy(wrong, select="PL117")) == ["PL117"]


def test_the_cli_lists_every_policy_type() -> None:
    assert [t.value for t in PolicyType] == POLICY_TYPES


def test_a_permissions_boundary_grants_nothing_so_grant_rules_stay_silent(tmp_path: Any) -> None:
    path = tmp_path / "boundary.json"
    path.write_text(json.dumps(ADMIN, indent=2))
    result = CliRunner().invoke(main, ["lint", str(path), "--policy-type", "permissions-boundary"])
    assert result.exit_code == 0, result.output
    assert "PL601" not in result.output
    as_identity = CliRunner().invoke(
        main, ["lint", str(path), "--policy-type", "identity", "--fail-on", "security-warning"]
    )
    assert as_identity.exit_code == 1 and "PL601" in as_identity.output


def test_a_boundary_is_still_an_identity_shaped_policy() -> None:
    with_principal = statement(Effect="Allow", Principal="*", Action="s3:GetObject", Resource="*")
    assert "PL110" in rule_ids(lint_policy(with_principal, policy_type="permissions-boundary"))
    big = statement(Effect="Allow", Action=[f"s3:Get{'X' * 60}{i}" for i in range(120)], Resource="*")
    assert "PL115" in rule_ids(lint_policy(big, select="PL115", policy_type="permissions-boundary"))
    slr = statement(Effect="Allow", Action="iam:CreateServiceLinkedRole", Resource="*")
    assert "PL731" in rule_ids(lint_policy(slr, policy_type="identity"))
    assert "PL731" not in rule_ids(lint_policy(slr, policy_type="permissions-boundary"))


def test_an_scp_full_access_is_not_full_admin() -> None:
    """AWS's own FullAWSAccess SCP is Allow * on *: it grants nothing, it only filters."""
    assert "PL601" not in rule_ids(lint_policy(ADMIN, policy_type="scp"))
    assert "PL601" in rule_ids(lint_policy(ADMIN, policy_type="identity"))


def policy_types_of(rule_id: str) -> set[str]:
    meta = next(r.meta for r in policy_rules() if r.meta.id == rule_id)
    return set(meta.policy_types) or {t.value for t in PolicyType}


def test_the_engine_skips_a_rule_whose_policy_types_exclude_the_document() -> None:
    """Every rule is handed only the types it declares, for every declared rule (one place decides)."""
    for rule in policy_rules():
        if not rule.meta.policy_types:
            continue
        assert set(rule.meta.policy_types) <= {t.value for t in PolicyType}, rule.meta.id
    seen: dict[str, set[str]] = {}
    for kind in PolicyType:
        options = LintOptions(policy_type=kind)
        for rule in rules_for(options, kind):
            seen.setdefault(rule.meta.id, set()).add(kind.value)
        loaded, _ = load_policy(Source("p.json", json.dumps(TRUST)), kind)
        assert loaded is not None
        ran = {f.rule_id for f in lint_document(loaded, LintContext(options))}
        assert all(kind.value in policy_types_of(rule_id) for rule_id in ran), (kind, ran)
    for rule in policy_rules():
        if rule.meta.policy_types:
            assert seen.get(rule.meta.id, set()) == set(rule.meta.policy_types), rule.meta.id


def test_a_trust_rule_does_not_read_an_identity_policy() -> None:
    not_principal_trust = statement(
        Effect="Allow", NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}, Action="sts:AssumeRole"
    )
    assert "PL701" in rule_ids(lint_policy(not_principal_trust, policy_type="trust"))
    assert "PL701" not in rule_ids(lint_policy(not_principal_trust, policy_type="resource"))
