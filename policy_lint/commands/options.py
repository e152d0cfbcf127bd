"""Options shared by the commands that judge an inventory (check, verify), declared once.

A user who learns ``--profile-set``, ``--fail-on`` or ``--baseline`` on ``check`` finds the
same option, spelled and documented the same way, on ``verify``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from policy_lint.commands.also import also_option
from policy_lint.core.findings import DEFAULT_FAIL_ON, Level
from policy_lint.reporters.formats import FORMATS

F = TypeVar("F", bound=Callable[..., Any])

LEVEL_CHOICES = [level.label for level in Level]
PROFILE_SET_CHOICES = ["onboarding", "cis", "all"]


def split_ids(values: tuple[str, ...], upper: bool = True) -> tuple[str, ...]:
    """``--select PL2,PL601 --select OB1`` -> ("PL2", "PL601", "OB1")."""
    parts = (part.strip() for value in values for part in value.split(",") if part.strip())
    return tuple(p.upper() if upper else p for p in parts)


def rule_ids(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Click callback of ``--select``/``--ignore``: split the IDs and refuse one no rule has.

    An unknown prefix (``PX6``) would select nothing, so the run would pass having checked
    nothing; it is a usage error (exit 2) that names the known families instead.
    """
    ids = split_ids(values)
    if not ids:
        return ids  # click calls this for an absent option too: load no rule for it
    from policy_lint.rules.ruleset import is_known_prefix, unknown_prefix_message

    for prefix in ids:
        if not is_known_prefix(prefix):
            raise click.UsageError(unknown_prefix_message(prefix, f"--{param.name}"), ctx)
    return ids


def select_option(help_text: str) -> Callable[[F], F]:
    return click.option("--select", multiple=True, callback=rule_ids, help=help_text)


def jobs_option(help_text: str) -> Callable[[F], F]:
    """``--jobs/-j N``: processes for large inputs (lint's folders, check's Terraform), one meaning
    for both commands (:mod:`policy_lint.core.processes`)."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=help_text)


def ignore_option(help_text: str) -> Callable[[F], F]:
    return click.option("--ignore", multiple=True, callback=rule_ids, help=help_text)


_RESULT_OPTIONS = [
    click.option(
        "--profile-set",
        type=click.Choice(PROFILE_SET_CHOICES),
        default=None,
        help="Onboarding rules (default), CIS posture rules, or both (they conflict on trail encryption).",
    ),
    click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True),
    also_option,
    click.option(
        "--timestamp", is_flag=True, help="Record the time of the run (otherwise output is byte-identical)."
    ),
    click.option(
        "--fail-on",
        type=click.Choice(LEVEL_CHOICES),
        default=None,
        help=f"Exit 1 at or above this level (default: {DEFAULT_FAIL_ON}, or the settings' fail-on).",
    ),
    click.option("--fail-on-unknown", is_flag=True, help="Also exit 1 when a check could not be evaluated."),
    select_option("Only these rule IDs or prefixes."),
    ignore_option("Skip these rule IDs or prefixes."),
    click.option("--show-passed", is_flag=True, help="List passing checks too (text output)."),
    click.option("--color/--no-color", default=None),
]

_PROJECT_OPTIONS = [
    click.option(
        "--settings",
        "settings_path",
        type=click.Path(dir_okay=False),
        help="Settings file (default: nearest .policy-lint.yaml or [tool.policy-lint] in pyproject.toml).",
    ),
    click.option(
        "--baseline", type=click.Path(dir_okay=False), help="Hide the findings recorded in this file."
    ),
    click.option(
        "--write-baseline",
        type=click.Path(dir_okay=False),
        help="Record the current findings and exit 0 (exit 2, writing nothing, if an input cannot be used).",
    ),
]


def _apply(decorators: list[Any], func: F) -> F:
    decorated: Any = func
    for decorator in reversed(decorators):  # as if written top to bottom above the function
        decorated = decorator(decorated)
    return cast(F, decorated)


def result_options(func: F) -> F:
    """Rule selection, output format and exit-code options of check/verify."""
    return _apply(_RESULT_OPTIONS, func)


def project_options(func: F) -> F:
    """Settings file and baseline options (lint, check, verify)."""
    return _apply(_PROJECT_OPTIONS, func)
