"""``policy-lint check``: build one inventory from planned inputs and run the rule set over it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from policy_lint.commands.options import project_options, result_options, split_ids
from policy_lint.findings import Finding, Level

if TYPE_CHECKING:
    from policy_lint.engine import CheckResult
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
@result_options
@project_options
def check(
    paths: tuple[str, ...],
    config_path: str | None,
    region: str | None,
    account_id: str | None,
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
) -> None:
    """Check Terraform (HCL or plan JSON) and CloudFormation in PATHS, and/or an onboarding.yaml.

    Every input becomes one inventory; the onboarding rules (and, with --profile-set, the CIS
    posture rules) run over it. Exit 0: nothing failed at or above --fail-on; 1: something did;
    2: an input could not be read.
    """
    from policy_lint.engine import Selection, run_checks
    from policy_lint.inventory.model import Inventory
    from policy_lint.onboarding.config import load_config
    from policy_lint.project.apply import filter_results
    from policy_lint.project.settings import load_settings
    from policy_lint.reporters.results import exit_code
    from policy_lint.sources.detect import detect, load_inventory

    settings = load_settings(settings_path)
    profile_set = profile_set or settings.profile_set or "onboarding"
    fail_on = fail_on or settings.fail_on or "error"

    if not paths and config_path is None:
        raise click.UsageError("nothing to check: give Terraform/CloudFormation PATHS and/or --config")
    config = load_config(config_path) if config_path else None
    inventory = Inventory(config=config, sources=["config"] if config else [])
    detected = detect(paths)
    if config is not None:
        region = (
            region or (config.audit_log.region if config.audit_log else None) or config.provisioning_region
        )
        account_id = account_id or config.account_id
    load_inventory(detected, inventory, region=region, account_id=account_id)
    selection = Selection(
        select=split_ids(select) or settings.select,
        ignore=split_ids(ignore) + settings.ignore,
        profile_set=profile_set,
    )
    filtered, suppression_problems = filter_results(
        run_checks(inventory, selection),
        inventory,
        settings,
        baseline=baseline,
        write_baseline=write_baseline,
    )
    if filtered.baseline_written is not None:
        click.echo(f"policy-lint: wrote {filtered.baseline_written} findings to {write_baseline}", err=True)
        sys.exit(0)
    results = filtered.kept
    problems = [*inventory.problems, *suppression_problems]
    scope = {
        "config": config_path,
        "paths": list(paths),
        "files": detected.count,
        "skipped_files": len(detected.skipped),
        "resources": _resource_counts(inventory),
        "sources": sorted(set(inventory.sources)),
        "region": region,
        "profile_set": profile_set,
        "settings": settings.source,
        "suppressed": filtered.suppressed,
    }
    colour = sys.stdout.isatty() if color is None else color
    _emit(fmt, results, problems, scope, show_passed, colour, timestamp)
    unreadable = any(p.level >= Level.ERROR and p.rule_id in {"IN001", "PL001"} for p in inventory.problems)
    code = exit_code(results, Level.parse(fail_on), fail_on_unknown)
    if any(p.level >= Level.parse(fail_on) for p in problems):
        code = max(code, 1)
    sys.exit(2 if unreadable else code)


def _resource_counts(inventory: Inventory) -> dict[str, int]:
    """How many resources of each kind the inputs produced: what was understood, at a glance."""
    kinds = ("accounts", "users", "groups", "policies", "trails", "buckets", "queues", "security_groups")
    return {kind: len(getattr(inventory, kind)) for kind in kinds}


def _emit(
    fmt: str,
    results: Sequence[CheckResult],
    problems: Sequence[Finding],
    scope: dict[str, Any],
    show_passed: bool,
    colour: bool,
    timestamp: bool = False,
) -> None:
    """Write the results (and the inputs that could not be read) in the chosen format."""
    from policy_lint.reporters.formats import render, utc_timestamp

    context = {
        "command": "check",
        "scope": scope,
        "suppressed": scope.get("suppressed") or [],
        "show_passed": show_passed,
        "colour": colour and fmt == "text",
        "timestamp": utc_timestamp() if timestamp else None,
    }
    output = render(fmt, findings=problems, results=results, context=context)
    click.echo(output, nl=False, color=colour and fmt == "text")
