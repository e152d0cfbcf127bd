"""Profile sets: the default (onboarding) never runs CIS rules; ``all`` runs both, conflict visible."""

from __future__ import annotations

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import Account, Inventory, Trail
from policy_lint.rules.ruleset import inventory_rules
from tests.checks.cspm.builders import origin

CS_IDS = {r.meta.id for r in inventory_rules() if r.meta.id.startswith("CS")}


def _posture_inventory() -> Inventory:
    # A trail set up exactly as the onboarding guide says: SSE-S3, no KMS key (CIS 3.5 fails it).
    trail = Trail(origin("aws_cloudtrail.audit", line=1), "audit", kms_key_id=None, multi_region=True)
    account = Account(origin(), "123456789012", "aws", root_mfa_enabled=False)
    return Inventory(accounts=[account], trails=[trail])


def test_every_cspm_rule_is_cis_only_and_mapped() -> None:
    for rule in inventory_rules():
        if rule.meta.id in CS_IDS:
            assert rule.meta.profiles == ("cis",), rule.meta.id
            assert rule.meta.frameworks, rule.meta.id
    assert len(CS_IDS) == 16


def test_default_profile_set_runs_no_cis_rule() -> None:
    results = run_checks(_posture_inventory())  # Selection() defaults to profile_set="onboarding"
    assert not {r.rule_id for r in results} & CS_IDS
    assert (
        not {r.rule_id for r in run_checks(_posture_inventory(), Selection(profile_set="onboarding"))}
        & CS_IDS
    )


def test_all_runs_cis_rules_and_shows_the_trail_kms_conflict() -> None:
    results = run_checks(_posture_inventory(), Selection(profile_set="all"))
    ran = {r.rule_id for r in results}
    assert {"CS102", "CS203"} <= ran
    [kms] = [r for r in results if r.rule_id == "CS203"]
    assert kms.status.value == "fail" and kms.evidence["conflicts_with"] == ["OB202", "OB203"]


def test_conflicts_are_declared_in_metadata_and_rationale() -> None:
    metas = {r.meta.id: r.meta for r in inventory_rules()}
    assert metas["CS203"].conflicts_with == ("OB202", "OB203")
    assert "conflicts_with: OB202, OB203" in metas["CS203"].rationale
    assert metas["CS108"].conflicts_with == ("OB104",)
    assert "conflicts_with: OB104" in metas["CS108"].rationale
