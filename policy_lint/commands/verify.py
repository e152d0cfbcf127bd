"""``policy-lint verify``: collect a live AWS account (read-only) and run the same rules as ``check``.

The output formats and JSON schema are those of ``check``; resources are named by ARN and
carry their region. Any failure to reach AWS or to authenticate is one line on stderr and
exit code 2, never a traceback and never a secret.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from policy_lint.findings import Level

try:  # the shared dispatcher of every output format (text, json, sarif, ...)
    from policy_lint.reporters.formats import FORMATS
except ImportError:  # pragma: no cover - older tree without the dispatcher
    FORMATS = ("text", "json")

LEVEL_CHOICES = [level.label for level in Level]


def _split(values: tuple[str, ...], upper: bool = True) -> tuple[str, ...]:
    parts = (part.strip() for value in values for part in value.split(",") if part.strip())
    return tuple(p.upper() if upper else p for p in parts)


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="onboarding.yaml to verify against."
)
@click.option("--regions", multiple=True, help="Regions to collect (comma-separated). Default: the config's.")
@click.option("--profile", help="AWS profile (default: the standard credential chain).")
@click.option("--role-arn", help="Assume this role (read-only verifier role) before collecting.")
@click.option(
    "--profile-set",
    type=click.Choice(["onboarding", "cis", "all"]),
    default=None,
    help="Onboarding rules (default), CIS posture rules, or both (they conflict on trail encryption).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(LEVEL_CHOICES), default=None, help="Default: error.")
@click.option("--fail-on-unknown", is_flag=True, help="Also exit 1 when a check could not be evaluated.")
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes.")
@click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes.")
@click.option("--show-passed", is_flag=True, help="List passing checks too (text output).")
@click.option("--color/--no-color", default=None)
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False),
    help="Settings file (default: nearest .policy-lint.yaml or [tool.policy-lint] in pyproject.toml).",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="Concurrent API calls."
)
@click.option(
    "--demo",
    is_flag=True,
    help="Start a local moto server, provision the guide's onboarding with two faults, and verify it.",
)
def verify(
    config_path: str | None,
    regions: tuple[str, ...],
    profile: str | None,
    role_arn: str | None,
    profile_set: str | None,
    fmt: str,
    fail_on: str | None,
    fail_on_unknown: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    show_passed: bool,
    color: bool | None,
    settings_path: str | None,
    workers: int,
    demo: bool,
) -> None:
    """Verify the onboarding in a live AWS account, read-only (see docs/live.md).

    Exit 0: nothing failed at or above --fail-on; 1: something did; 2: AWS could not be used
    (no credentials, endpoint unreachable) or an input is invalid.
    """
    from policy_lint.engine import Selection, run_checks
    from policy_lint.live.collector import CollectOptions, collect
    from policy_lint.live.session import LiveError
    from policy_lint.onboarding.config import OnboardingConfig, load_config
    from policy_lint.project.apply import filter_results
    from policy_lint.project.settings import load_settings
    from policy_lint.reporters.results import exit_code

    settings = load_settings(settings_path)
    profile_set = profile_set or settings.profile_set or "onboarding"
    fail_on = fail_on or settings.fail_on or "error"
    options = CollectOptions(
        regions=_split(regions, upper=False), profile=profile, role_arn=role_arn, workers=workers
    )
    progress = _progress_display()
    server = None
    config: OnboardingConfig | None = None
    try:
        if demo:
            if config_path or profile or role_arn:
                raise click.UsageError(
                    "--demo provisions its own account: drop --config, --profile, --role-arn"
                )
            from policy_lint.live import demo as demo_mod

            server, config, options = demo_mod.start(options, progress)
            config_path = config.path
        else:
            config = load_config(config_path) if config_path else None
        collection = collect(config, options, progress)
    except LiveError as exc:
        progress("")
        click.echo(f"policy-lint: error: {exc}", err=True)
        sys.exit(2)
    finally:
        if server is not None:
            server.stop()
    progress("")
    inventory = collection.inventory
    selection = Selection(
        select=_split(select) or settings.select,
        ignore=_split(ignore) + settings.ignore,
        profile_set=profile_set,
    )
    filtered, suppression_problems = filter_results(run_checks(inventory, selection), inventory, settings)
    results = filtered.kept
    scope: dict[str, Any] = {
        "config": config_path,
        "sources": sorted(set(inventory.sources)),
        "account": collection.account_id,
        "partition": collection.partition,
        "principal": collection.principal_arn,
        "regions": list(collection.regions),
        "profile_set": profile_set,
        "api_calls": collection.stats.total_calls,
        "collection_errors": inventory.collection_errors,
        "settings": settings.source,
        "suppressed": filtered.suppressed,
    }
    colour = sys.stdout.isatty() if color is None else color
    _emit(fmt, results, list(suppression_problems), scope, show_passed, colour)
    for key, reason in inventory.collection_errors.items():
        click.echo(f"policy-lint: note: {key}: {reason}", err=True)
    if demo:
        from policy_lint.live import demo as demo_mod

        click.echo(demo_mod.explain(results), err=fmt != "text", nl=False)
    sys.exit(exit_code(results, Level.parse(fail_on), fail_on_unknown))


def _emit(
    fmt: str, results: list[Any], problems: list[Any], scope: dict[str, Any], show_passed: bool, colour: bool
) -> None:
    try:
        from policy_lint.reporters.formats import render
    except ImportError:  # pragma: no cover - older tree without the dispatcher
        from policy_lint.reporters.results import render_results_json, render_results_text

        text = (
            render_results_json(results, scope)
            if fmt == "json"
            else render_results_text(results, show_passed, colour)
        )
        click.echo(text, nl=False, color=colour and fmt == "text")
        return
    context = {
        "command": "verify",
        "scope": scope,
        "suppressed": scope.get("suppressed") or [],
        "show_passed": show_passed,
        "colour": colour and fmt == "text",
        "timestamp": None,
    }
    output = render(fmt, findings=problems, results=results, context=context)
    click.echo(output, nl=False, color=colour and fmt == "text")


def _progress_display() -> Callable[[str], None]:
    """A one-line progress display on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda _: None

    def show(message: str) -> None:
        sys.stderr.write("\r\033[K" + (f"collecting: {message}" if message else ""))
        sys.stderr.flush()

    return show
