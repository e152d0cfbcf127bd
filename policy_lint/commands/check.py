"""``policy-lint check``: build one inventory from planned inputs and run the rule set over it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from policy_lint.commands.options import jobs_option, project_options, result_options
from policy_lint.core.findings import DEFAULT_FAIL_ON, unusable_inputs

if TYPE_CHECKING:
    from policy_lint.inventory.model import Inventory


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="onboarding.yaml to check.")
@click.option(
    "--region",
    help="Region of resources whose input has none (CloudFormation stacks, providers without a "
    "literal region). Default: audit_log.region, else provisioning_region of --config.",
)
@click.option(
    "--account-id", help="Account ID for AWS::AccountId / aws_caller_identity. Default: --config's."
)
@click.option(
    "--parameters",
    "parameter_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Pin a CloudFormation parameter, as a deployment does (repeatable; wins over --parameters-file).",
)
@click.option(
    "--parameters-file",
    "parameter_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help='CloudFormation parameter values: a JSON list of {"ParameterKey", "ParameterValue"} '
    "(as aws cloudformation create-stack takes) or a JSON/YAML mapping of names to values.",
)
@click.option(
    "--repository-root",
    type=click.Path(file_okay=False, exists=True),
    help="The repository's top folder, for a copy without .git (a tarball, a vendored tree): Terraform "
    'local modules (source = "../../") load from inside it. Default: the nearest .git/.hg/.svn work tree.',
)
@click.option(
    "--account-scope",
    is_flag=True,
    default=None,
    help="The inputs describe the whole AWS account: what they do not declare does not exist, so "
    "account-level rules (root user, password policy, trails, users, account-level Block Public "
    "Access) can fail. Default: account-scope in the settings, else off (a folder is a fragment).",
)
@jobs_option(
    "Processes that load a large Terraform input or judge the scenarios of many CloudFormation "
    "templates (default: one per CPU)."
)
@result_options
@project_options
def check(
    paths: tuple[str, ...],
    config_path: str | None,
    region: str | None,
    account_id: str | None,
    parameter_pairs: tuple[str, ...],
    parameter_files: tuple[str, ...],
    repository_root: str | None,
    account_scope: bool | None,
    jobs: int | None,
    profile_set: str,
    fmt: str,
    fail_on: str,
    fail_on_unknown: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    show_passed: bool,
    color: bool | None,
    settings_path: str | None,
    baseline: str | None,
    write_baseline: str | None,
    timestamp: bool = False,
    also: tuple[tuple[str, str], ...] = (),
) -> None:
    """Check Terraform (HCL or plan JSON) and CloudFormation in PATHS, and/or an onboarding.yaml.

    Every input becomes one inventory; the onboarding rules (and, with --profile-set, the CIS
    posture rules) run over it. Exit 0: nothing failed at or above --fail-on; 1: something did;
    2: an input could not be read.
    """
    from policy_lint.commands.judging import EmbeddedLint, emit, exit_status, judge, selection_for
    from policy_lint.commands.scenarios import pinned_parameters, plan_scenarios, results_over_scenarios
    from policy_lint.inventory.model import Inventory
    from policy_lint.inventory.per_run import one_run
    from policy_lint.onboarding.config import load_config
    from policy_lint.project.settings import load_settings
    from policy_lint.sources.cloudformation.loader import TemplateCache
    from policy_lint.sources.detect import detect, load_inventory

    settings = load_settings(settings_path)
    profile_set = profile_set or settings.profile_set or "onboarding"
    fail_on = fail_on or settings.fail_on or DEFAULT_FAIL_ON
    selection = selection_for("check", select, ignore, settings, profile_set)

    if not paths and config_path is None:
        raise click.UsageError("nothing to check: give Terraform/CloudFormation PATHS and/or --config")
    config = load_config(config_path) if config_path else None
    inventory = Inventory(config=config, sources=["config"] if config else [])
    inventory.account_scope = bool(settings.account_scope if account_scope is None else account_scope)
    detected = detect(paths)
    if config is not None:
        region = (
            region or (config.audit_log.region if config.audit_log else None) or config.provisioning_region
        )
        account_id = account_id or config.account_id
    templates = TemplateCache()  # each template parsed once: for planning, loading, every scenario
    plan = plan_scenarios(detected, pinned_parameters(parameter_pairs, parameter_files), templates)
    load_inventory(
        detected,
        inventory,
        region=region,
        account_id=account_id,
        cfn_parameters=plan.bindings(),
        cfn_cache=templates,
        repository_root=repository_root,
        jobs=jobs,
    )
    # in a worker while the rules run; not beside scenario runs, which fork workers of their own
    # (a process is never forked while another pool's threads run in it), nor when writing a
    # baseline (the run stops before its findings are read)
    serial = bool(plan.scenarios) or write_baseline is not None
    embedded = EmbeddedLint(inventory, settings, selection, 1 if serial else jobs)
    try:
        with one_run():  # the inventory no longer changes: the rules and the summary share what they derive
            results = results_over_scenarios(
                plan,
                detected,
                inventory,
                selection,
                region=region,
                account_id=account_id,
                jobs=jobs,
                cache=templates,
            )
            verdict = judge(
                inventory,
                settings,
                selection,
                baseline=baseline,
                write_baseline=write_baseline,
                results=results,
                embedded=embedded,
            )
    finally:
        embedded.close()
    problems = [*inventory.problems, *verdict.problems]
    scope = {
        "config": config_path,
        "paths": list(paths),
        "files": detected.count,
        "skipped_files": len(detected.skipped),
        "resources": _resource_counts(inventory),
        "sources": sorted(set(inventory.sources)),
        "region": region,
        "account_scope": inventory.account_scope,
        "profile_set": profile_set,
        "settings": settings.source,
        "suppressed": verdict.suppressed,
        **verdict.summary(),
        "scenarios": len(plan.scenarios) + 1,
        "scenario_runs": len(plan.runs()) + 1,
    }
    if account_id:  # whose findings these are (ASFF, CSV); absent when unknown, as before
        scope["account"] = account_id
    written = emit(
        "check",
        fmt,
        verdict.results,
        problems,
        scope,
        show_passed=show_passed,
        color=color,
        timestamp=timestamp,
        also=also,
    )
    unreadable = bool(unusable_inputs(inventory.problems))
    sys.exit(
        2 if unreadable or not written else exit_status(verdict.results, problems, fail_on, fail_on_unknown)
    )


def _resource_counts(inventory: Inventory) -> dict[str, int]:
    """How many resources of each kind the inputs produced: what was understood, at a glance."""
    kinds = ("accounts", "users", "groups", "policies", "trails", "buckets", "queues", "security_groups")
    return {kind: len(getattr(inventory, kind)) for kind in kinds}
