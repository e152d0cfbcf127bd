"""``check`` over every allowed deployment of the CloudFormation templates in its input.

The scenarios come from :mod:`policy_lint.sources.cloudformation.scenarios`; each is the same
input with one template's parameters set otherwise, read by the same loader and judged by the same
rules. Only the templates are read again: the other sources' resources are shared. The verdicts
meet in :func:`policy_lint.checks.scenarios.combine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult, Selection
    from policy_lint.checks.scenarios import ScenarioResults
    from policy_lint.inventory.model import Inventory
    from policy_lint.sources.cloudformation.loader import TemplateCache
    from policy_lint.sources.cloudformation.scenarios import Plan, Scenario
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


def plan_scenarios(detected: Detected, pins: dict[str, str], cache: TemplateCache | None = None) -> Plan:
    """The scenarios of the templates found; a pin no template can take is a usage error.
    ``cache``: the templates as read once for planning, loading and every scenario."""
    from policy_lint.sources.cloudformation.loader import MAPPERS
    from policy_lint.sources.cloudformation.scenarios import ParameterError, plan
    from policy_lint.sources.detect import CLOUDFORMATION

    files = detected.by_source.get(CLOUDFORMATION, [])
    if pins and not files:
        raise click.UsageError(
            "--parameters and --parameters-file set CloudFormation parameters: no template found"
        )
    try:
        return plan(files, pins, MAPPERS.keys(), cache.parsed_template if cache is not None else None)
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
    jobs: int | None = 1,
    cache: TemplateCache | None = None,
) -> list[CheckResult]:
    """The rules' results on ``inventory`` (the default scenario) combined with every other scenario.

    The other scenarios are independent runs (load the templates with their values, judge), so a
    large input spreads them over ``jobs`` processes (None: one per CPU; 1, the default, for none); they come back in run
    order, so the result is the serial one."""
    from policy_lint.checks.engine import run_checks
    from policy_lint.checks.scenarios import ScenarioResults, combine
    from policy_lint.core.processes import CAN_INHERIT, map_inherited, split, workers_for
    from policy_lint.sources.detect import CLOUDFORMATION

    if not plan.scenarios and not plan.beyond:
        return run_checks(inventory, selection)
    files = detected.by_source.get(CLOUDFORMATION, [])
    runs = plan.runs()
    state = _Runs(plan, runs, files, inventory, selection, region, account_id, detected.roots)
    state.alongside = len(detected.by_source) > 1
    state.cache = cache if cache is not None else state.cache
    # the work is every template read once per run; the workers inherit ``state`` (fork)
    workers = workers_for(jobs, len(files) * len(runs)) if CAN_INHERIT else 1
    indices = list(range(len(runs)))
    if workers == 1 or len(runs) < 2:
        default = ScenarioResults("", run_checks(inventory, selection))
        others = _judge_runs(indices, state)
    else:
        running = map_inherited(lambda batch: _judge_runs(batch, state), split(indices, workers), workers)
        default = ScenarioResults("", run_checks(inventory, selection))  # while the workers judge
        others = [result for done in running for result in done]
    return combine(
        default,
        others,
        plan.beyond,
        plan.default_label(),
        lambda result: plan.default_label_of(
            result.location.path if result.location else None, (result.message, str(result.evidence))
        ),
    )


def _template_cache() -> TemplateCache:
    from policy_lint.sources.cloudformation.loader import TemplateCache

    return TemplateCache()


@dataclass
class _Runs:
    """What judging one run of scenarios needs, shared by the runs (and inherited by workers)."""

    plan: Plan
    runs: list[list[Scenario]]
    files: list[Path]
    inventory: Inventory
    selection: Selection
    region: str | None
    account_id: str | None
    roots: Any
    alongside: bool = False
    #: the templates as read (workers inherit what the parent read)
    cache: TemplateCache = field(default_factory=_template_cache)


def _judge_runs(indices: list[int], state: _Runs) -> list[ScenarioResults]:
    """Each run (by index) loaded with its values on top of the default's other sources, and judged."""
    from policy_lint.checks.engine import run_checks
    from policy_lint.checks.scenarios import ScenarioResults
    from policy_lint.inventory.model import Inventory
    from policy_lint.sources.cloudformation import loader
    from policy_lint.sources.cloudformation.stack import SOURCE

    inventory = state.inventory
    out = []
    for index in indices:
        run = state.runs[index]
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
            state.files,
            variant,
            region=state.region,
            account_id=state.account_id,
            roots=state.roots,
            parameters=state.plan.bindings(run),
            cache=state.cache,
            alongside=state.alongside,
        )
        labels = {scenario.path: scenario.label() for scenario in run}
        label = (
            "; ".join(f"{Path(s.path).name}: {s.label()}" for s in run) if len(run) > 1 else run[0].label()
        )
        out.append(ScenarioResults(label, run_checks(variant, state.selection), labels))
    return out
