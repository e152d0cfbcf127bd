"""The ``policy-lint`` command line.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage error or
unusable input. Heavy modules (boto3, jinja2) are imported inside the commands
that need them so ``policy-lint lint`` starts fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from policy_lint import __version__
from policy_lint.errors import InputError
from policy_lint.findings import Level

LEVEL_CHOICES = [level.label for level in Level]
POLICY_TYPES = ["identity", "resource", "trust", "scp", "rcp"]


def _split_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


class PolicyLintGroup(click.Group):
    """Turns every unexpected failure into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except InputError as exc:
            click.echo(f"policy-lint: error: {exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("policy-lint: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # last line of defence: a bug must not print a traceback at users
            click.echo(
                f"policy-lint: internal error: {type(exc).__name__}: {exc}\n"
                "Please report this with the input that caused it.",
                err=True,
            )
            ctx.exit(2)


@click.group(cls=PolicyLintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy-lint")
def main() -> None:
    """Lint AWS policy documents and verify a CSPM onboarding as code."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(LEVEL_CHOICES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this level is reported.",
)
@click.option(
    "--policy-type", type=click.Choice(POLICY_TYPES), help="Do not infer the policy type; use this one."
)
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes (e.g. PL2,PL601).")
@click.option("--ignore", multiple=True, help="Skip these rule IDs or prefixes.")
@click.option(
    "--max-file-size", type=click.FloatRange(min=0.001), default=10.0, show_default=True, help="In MiB."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: only on a terminal)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for large folders (default: one per CPU).",
)
def lint(
    paths: tuple[str, ...],
    fmt: str,
    fail_on: str,
    policy_type: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    max_file_size: float,
    color: bool | None,
    jobs: int | None,
) -> None:
    """Lint IAM policy documents (files, or folders searched for policies)."""
    from policy_lint.lint import lint_paths
    from policy_lint.lint_context import LintOptions
    from policy_lint.policy.model import PolicyType

    options = LintOptions(
        policy_type=PolicyType(policy_type) if policy_type else None,
        select=_split_ids(select),
        ignore=_split_ids(ignore),
    )
    result = lint_paths(paths, options, max_bytes=int(max_file_size * 1024 * 1024), jobs=jobs)
    for error in result.errors:
        click.echo(f"{error}", err=True)
    if fmt == "json":
        from policy_lint.reporters.json_report import render_json

        click.echo(render_json(result.findings, result.errors, result.files), nl=False)
    else:
        from policy_lint.reporters.text import render_text

        colour = sys.stdout.isatty() if color is None else color
        click.echo(render_text(result.findings, result.errors, result.files, colour), nl=False, color=colour)
    threshold = Level.parse(fail_on)
    if result.errors:
        sys.exit(2)
    if any(f.level >= threshold for f in result.findings):
        sys.exit(1)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
def rules(fmt: str) -> None:
    """List every rule ID with its level and title (markdown regenerates docs/rules.md)."""
    from policy_lint.docs_gen import rules_json, rules_markdown, rules_text

    renderer = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[fmt]
    click.echo(renderer(), nl=False)
