"""``policy-lint check``: build one inventory from the inputs and run the rule set over it."""

from __future__ import annotations

import sys

import click

from policy_lint.findings import Level

LEVEL_CHOICES = [level.label for level in Level]


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="onboarding.yaml to check.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(LEVEL_CHOICES), default="error", show_default=True)
@click.option("--fail-on-unknown", is_flag=True, help="Also exit 1 when a check could not be evaluated.")
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes.")
@click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes.")
@click.option("--show-passed", is_flag=True, help="List passing checks too (text output).")
@click.option("--color/--no-color", default=None)
def check(
    config_path: str | None,
    fmt: str,
    fail_on: str,
    fail_on_unknown: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    show_passed: bool,
    color: bool | None,
) -> None:
    """Check an onboarding configuration (and, later, the infrastructure it describes)."""
    from policy_lint.engine import Selection, run_checks
    from policy_lint.inventory.model import Inventory
    from policy_lint.onboarding.config import load_config
    from policy_lint.reporters.results import exit_code, render_results_json, render_results_text

    if config_path is None:
        raise click.UsageError("nothing to check: pass --config onboarding.yaml")
    inventory = Inventory(config=load_config(config_path), sources=["config"])
    results = run_checks(inventory, Selection(select=_split(select), ignore=_split(ignore)))
    if fmt == "json":
        click.echo(render_results_json(results, {"config": config_path}), nl=False)
    else:
        colour = sys.stdout.isatty() if color is None else color
        click.echo(render_results_text(results, show_passed, colour), nl=False, color=colour)
    sys.exit(exit_code(results, Level.parse(fail_on), fail_on_unknown))
