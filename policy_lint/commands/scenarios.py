"""``check`` over every allowed deployment of the CloudFormation templates in its input.

The scenarios come from :mod:`policy_lint.sources.cloudformation.scenarios`; each is the same
input with one template's parameters set otherwise, read by the same loader and judged by the same
rules. Only the templates are read again: the other sources' resources are shared. The verdicts
meet in :func:`policy_lint.checks.scenarios.combine`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult, Selection
    from policy_lint.inventory.model import Inventory
    from policy_lint.sources.cloudformation.scenarios import Plan
    from policy_lint.sources.detect import Detected

#: the inventory's resource lists (accounts are never declared by a template)
_KINDS = (
    "users",
    "groups",
    "roles",
    "policies",
    "trails",
    "buckets",
    "queues",
    "security_groups",
    "rest_apis",
)


def pinned_parameters(pairs: tuple[str, ...], files: tuple[str, ...]) -> dict[str, str]:
    """``--parameters-file`` values (in order), then ``--parameters``, which win."""
    from policy_lint.sources.cloudformation import parameter_values

    values: dict[str, str] = {}
    for path in files:
        values.update(parameter_values.from_file(path))
    values.update(parameter_values.from_options(pairs))
    return values


def plan_scenarios(detected: Detected, pins: dict[str, str]) -> Plan:
    """The scenarios of the templates found; a pin no template can take is a usage error."""
    from policy_lint.sources.cloudformation.loader import MAPPERS
    from policy_lint.sources.cloudformation.scenarios import ParameterError, plan
    from policy_lint.sources.detect import CLOUDFORMATION

    files = detected.by_source.get(CLOUDFORMATION, [])
    if pins and not files:
        raise click.UsageError(
            "--parameters and --parameters-file set CloudFormation parameters: no template found"
        )
    try:
        return plan(files, pins, MAPPERS.keys())
    except ParameterError as exc:
        raise click.UsageError(str(exc)) from None


def results_over_scenarios(
    plan: Plan,
    detected: Detected,
    inventory: Inventory,
    selection: Selection,
    *,
    region: str | None,
    account_id: str | None,
) -> list[CheckResult]:
    """The rules' results on ``inventory`` (the default scenario) combined with every other scenario."""
    from policy_lint.checks.engine import run_checks
    from policy_lint.checks.scenarios import ScenarioResults, combine
    from policy_lint.inventory.model import Inventory
    from policy_lint.sources.cloudformation import loader
    from policy_lint.sources.cloudformation.stack import SOURCE
    from policy_lint.sources.detect import CLOUDFORMATION

    default = ScenarioResults("", run_checks(inventory, selection))
    if not plan.scenarios and not plan.beyond:
        return list(default.results)
    files = detected.by_source.get(CLOUDFORMATION, [])
    parsed: dict[str, Any] = {}
    others: list[ScenarioResults] = []
    for run in plan.runs():
        variant = Inventory(
            config=inventory.config,
            accounts=list(inventory.accounts),
            sources=list(inventory.sources),
            collection_errors=dict(inventory.collection_errors),
            complete=set(inventory.complete),
        )
        for kind in _KINDS:
            kept = [r for r in getattr(inventory, kind) if r.origin.source != SOURCE]
            setattr(variant, kind, kept)
        loader.load(
            files,
            variant,
            region=region,
            account_id=account_id,
            roots=detected.roots,
            parameters=plan.bindings(run),
            parsed=parsed,
            alongside=len(detected.by_source) > 1,
        )
        labels = {scenario.path: scenario.label() for scenario in run}
        label = (
            "; ".join(f"{Path(s.path).name}: {s.label()}" for s in run) if len(run) > 1 else run[0].label()
        )
        others.append(ScenarioResults(label, run_checks(variant, selection), labels))
    return combine(default, others, plan.beyond, plan.default_label())
