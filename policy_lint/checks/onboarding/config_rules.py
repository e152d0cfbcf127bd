"""OB0: is the onboarding configuration itself possible? (PLAN-QUICK-HOST, PLAN-AGENTLESS, AWS-PARTITION, AWS-REGIONS, GUIDE-PIPELINE-OPTIONAL, GUIDE-CHINA-ROOT).

These rules read only ``onboarding.yaml``; issue-4 rules cross-check it with the
infrastructure. Each yields a pass or a fail for the configuration, pointing at
the key the user has to change.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.catalog import arn_builder, partitions
from policy_lint.checks.verdicts import verdict
from policy_lint.core.findings import Level
from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.onboarding.config import OnboardingConfig
from policy_lint.rules.registry import Result, RuleGroup

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

GUIDE = "Security Center guide: Select an onboarding method"
SUPPORTED_PARTITIONS = ("aws", "aws-cn")


def _config(inventory: Inventory) -> OnboardingConfig | None:
    return inventory.config


def _verdict(config: OnboardingConfig, key: str, ok: bool, passed: str, failed: str) -> Result:
    """The verdict on one key of onboarding.yaml, pointing at that key."""
    return verdict(ok, f"config:{key}", passed, failed, config.location(key), key=key)


@inventory_rule(
    id="OB001",
    name="quick-plan-host-only",
    level=Level.ERROR,
    title="The quick plan supports only the Host feature",
    rationale="The quick plan creates a limited AlibabaSasSubAccount_ user from the root key and supports "
    "only Host; CSPM and Agentless need the manual plan (PLAN-QUICK-HOST).",
    remediation="Use plan: manual, or select only features: [host].",
    references=(GUIDE,),
)
def quick_plan_host_only(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or config.plan != "quick":
        return
    extra = sorted(set(config.features) - {"host"})
    yield _verdict(
        config,
        "features",
        not extra,
        "quick plan with the Host feature only",
        f"the quick plan supports only host; {', '.join(extra)} need plan: manual",
    )


@inventory_rule(
    id="OB002",
    name="agentless-outside-mainland",
    level=Level.ERROR,
    title="Agentless Detection needs the manual plan and the Outside Chinese Mainland console",
    rationale="Agentless Detection is supported only in the Outside Chinese Mainland console and only with "
    "the manual plan's custom policy (PLAN-AGENTLESS).",
    remediation="Set console_region: outside_mainland and plan: manual, or drop agentless from features.",
    references=(GUIDE,),
    features=("agentless",),
)
def agentless_outside_mainland(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or "agentless" not in config.features:
        return
    if config.console_region != "outside_mainland":
        yield _verdict(
            config,
            "console_region",
            False,
            "",
            "agentless detection is not supported in the mainland console",
        )
    elif config.plan != "manual":
        yield _verdict(
            config, "plan", False, "", "agentless detection needs plan: manual (a custom IAM policy)"
        )
    else:
        yield _verdict(config, "features", True, "agentless with the manual plan outside the mainland", "")


@inventory_rule(
    id="OB003",
    name="audit-log-needs-cspm",
    level=Level.ERROR,
    title="Audit logs are configured only with the CSPM feature on the manual plan",
    rationale="The console's audit-log step belongs to CSPM on the manual plan; with any other choice the "
    "queue is never read (GUIDE-PIPELINE-OPTIONAL: the pipeline is required only when queue inputs are supplied).",
    remediation="Add cspm to features and use plan: manual, or remove audit_log.",
    references=(GUIDE, "Configure AWS service audit logs for CSPM"),
)
def audit_log_needs_cspm(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or config.audit_log is None:
        return
    ok = "cspm" in config.features and config.plan == "manual"
    yield _verdict(
        config,
        "audit_log",
        ok,
        "audit logs configured with CSPM on the manual plan",
        "audit_log is set but "
        + ("cspm is not a selected feature" if "cspm" not in config.features else "the plan is quick"),
    )


def _config_regions(config: OnboardingConfig) -> list[tuple[str, str]]:
    keyed = [(f"regions[{i}]", region) for i, region in enumerate(config.regions)]
    if config.provisioning_region:
        keyed.append(("provisioning_region", config.provisioning_region))
    if config.audit_log is not None:
        keyed.append(("audit_log.region", config.audit_log.region))
    return keyed


@inventory_rule(
    id="OB004",
    name="domain-matches-partition",
    level=Level.ERROR,
    title="Domain matches the partition of every region",
    rationale="Domain international means the aws partition and china means aws-cn (Beijing, Ningxia); "
    "credentials work only inside their own partition, and GovCloud, ISO and EUSC partitions are not "
    "supported by the guide (AWS-PARTITION).",
    remediation="Set domain: china for cn-north-1 / cn-northwest-1, domain: international otherwise, and "
    "onboard other partitions separately if at all.",
    references=("botocore partitions.json",),
)
def domain_matches_partition(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None:
        return
    expected = config.partition
    for key, region in _config_regions(config):
        actual = arn_builder.partition_of(region)
        if isinstance(actual, Unknown):
            continue  # an unknown region is OB005's finding
        if actual not in SUPPORTED_PARTITIONS:
            yield _verdict(
                config,
                key,
                False,
                "",
                f"{region} is in the {actual} partition, which the onboarding does not support",
            )
        else:
            yield _verdict(
                config,
                key,
                actual == expected,
                f"{region} is in {actual}, matching domain: {config.domain}",
                f"{region} is in the {actual} partition but domain: {config.domain} means {expected}",
            )


@inventory_rule(
    id="OB005",
    name="region-exists",
    level=Level.ERROR,
    title="Every region exists",
    rationale="A misspelt or non-existent region makes the console's verification fail (AWS-REGIONS; checked "
    "against botocore's partitions.json offline, opt-in status is checked live).",
    remediation="Use a region code such as ap-northeast-1 (see `aws ec2 describe-regions`).",
    references=("botocore partitions.json",),
)
def region_exists(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None:
        return
    for key, region in _config_regions(config):
        known = partitions.is_known_region(region)
        yield _verdict(
            config, key, known, f"{region} is a known region", f"{region} is not a known AWS region"
        )


@inventory_rule(
    id="OB006",
    name="provisioning-region-selected",
    level=Level.WARNING,
    title="The provisioning region is one of the selected regions",
    rationale="Security Center verifies access in the provisioning region; choosing one whose assets are not "
    "synchronised works but is usually a slip.",
    remediation="Add the provisioning region to regions, or pick a provisioning region from regions.",
)
def provisioning_region_selected(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or not config.provisioning_region or not config.regions:
        return
    yield _verdict(
        config,
        "provisioning_region",
        config.provisioning_region in config.regions,
        f"{config.provisioning_region} is among the selected regions",
        f"provisioning region {config.provisioning_region} is not in regions ({', '.join(config.regions)})",
    )


@inventory_rule(
    id="OB007",
    name="quick-plan-needs-root-user",
    level=Level.ERROR,
    title="The quick plan is impossible in AWS China",
    rationale="The quick plan starts from the root user's access key; AWS China accounts have no root user "
    '("All users are IAM users"), so the plan is undefined there (GUIDE-CHINA-ROOT).',
    remediation="Use plan: manual with an IAM user for domain: china.",
    plans=("quick",),
)
def quick_plan_needs_root_user(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or config.plan != "quick":
        return
    yield _verdict(
        config,
        "domain",
        config.domain != "china",
        "quick plan outside AWS China",
        "the quick plan needs a root access key, and AWS China has no root user",
    )


@inventory_rule(
    id="OB008",
    name="sync-settings-match-features",
    level=Level.SUGGESTION,
    title="Synchronisation settings match the selected features",
    rationale="Host sync applies only to the Host feature and cloud-service sync only to CSPM; a setting "
    "for a feature that is not selected is ignored by the console, and a missing one falls back to its default.",
    remediation="Remove sync settings for features you do not use.",
)
def sync_settings_match_features(inventory: Inventory) -> Iterator[Result]:
    config = _config(inventory)
    if config is None or not isinstance(config.sync, dict):
        return
    needs = {"host": "host", "cloud_services": "cspm"}
    for key, feature in needs.items():
        if key in config.sync:
            yield _verdict(
                config,
                f"sync.{key}",
                feature in config.features,
                f"sync.{key} applies to the selected {feature} feature",
                f"sync.{key} is set but {feature} is not a selected feature",
            )
