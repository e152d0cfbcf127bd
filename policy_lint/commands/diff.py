"""``policy-lint diff``: compare the policies a user attaches with what the onboarding's features need."""

from __future__ import annotations

import sys
from typing import Any

import click

from policy_lint.commands.console import echo_err
from policy_lint.commands.options import LEVEL_CHOICES
from policy_lint.findings import Level


@click.command("diff")
@click.argument("actual", nargs=-1, required=True)
@click.option(
    "--reference",
    "references",
    multiple=True,
    metavar="NAME",
    help="A reference policy (agentless, sqs-read-policy) or an AWS managed policy of the snapshot.",
)
@click.option(
    "--feature", "features", multiple=True, metavar="LIST", help="Features to onboard: host,cspm,agentless."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Take features, plan and values from onboarding.yaml.",
)
@click.option("--plan", type=click.Choice(["manual", "quick"]), default=None, help="Default: manual.")
@click.option("--audit-log", is_flag=True, help="Include the audit-log (SQS) policies of the features.")
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="KEY=VALUE",
    help="Fill a placeholder, e.g. 'SQS ARN=arn:...'.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(LEVEL_CHOICES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this level is reported.",
)
@click.option(
    "--max-file-size", type=click.FloatRange(min=0.001), default=10.0, show_default=True, help="In MiB."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: only on a terminal)."
)
@click.pass_context
def diff_command(
    ctx: click.Context,
    actual: tuple[str, ...],
    references: tuple[str, ...],
    features: tuple[str, ...],
    config_path: str | None,
    plan: str | None,
    audit_log: bool,
    variables: tuple[str, ...],
    fmt: str,
    fail_on: str,
    max_file_size: float,
    color: bool | None,
) -> None:
    """Compare ACTUAL policies (files, or AWS managed policy names/ARNs) with what the features need.

    Reports missing actions (PD101, the vendor's check fails), conditional coverage (PD102),
    excess (PD103/PD104) and weakened conditions or resource scopes (PD105/PD106), by effective
    permissions: ReadOnlyAccess alone covers Host, a Deny removes an action. An unparseable
    ACTUAL file is reported as its PL001 finding and the diff is not computed (exit 2).
    """
    from policy_lint.iam import diff as d

    chosen = [
        name
        for name, given in (("--reference", references), ("--feature", features), ("--config", config_path))
        if given
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --reference, --feature or --config", ctx)
    try:
        values, partition = d.parse_vars(variables)
        context: dict[str, Any] = {}
        if config_path is not None:
            from policy_lint.onboarding.config import load_config
            from policy_lint.render import VALUES

            config = load_config(config_path)
            config_values = {token: v for token, tv in VALUES.items() if (v := tv.get(config)) is not None}
            values = {**config_values, **values}
            partition = partition or config.partition
            feature_list: list[str] = list(config.features)
            plan = plan or config.plan
            audit_log = audit_log or config.audit_log is not None
            console_region: str | None = config.console_region
            context["config"] = config_path
        else:
            feature_list = [p.strip() for f in features for p in f.split(",") if p.strip()]
            console_region = None
        plan = plan or "manual"
        refs, notes = d.reference_policies(
            names=list(references),
            features=feature_list,
            plan=plan,
            audit_log=audit_log,
            console_region=console_region,
            values=values,
            partition=partition or "aws",
        )
        context.update(
            {"names": list(references), "features": feature_list, "plan": plan, "audit_log": audit_log}
        )
        policies, problems = d.load_actual(actual, max_bytes=int(max_file_size * 1024 * 1024))
    except d.DiffUsageError as exc:
        raise click.UsageError(str(exc), ctx) from None
    colour = sys.stdout.isatty() if color is None else color
    if problems:
        reason = "diff not computed: an ACTUAL file cannot be parsed (fix it, or leave it out)"
        if fmt == "json":
            click.echo(d.render_json(None, problems, [reason], context), nl=False)
        else:
            from policy_lint.reporters.text import format_finding

            for problem in problems:
                click.echo(format_finding(problem, colour), color=colour)
            echo_err(f"policy-lint: {reason}")
        sys.exit(2)
    result = d.diff_policies(policies, refs, notes=notes)
    for note in result.notes:
        echo_err(f"policy-lint: note: {note}")
    if fmt == "json":
        click.echo(d.render_json(result, context=context), nl=False)
    else:
        click.echo(d.render_text(result, colour=colour), nl=False, color=colour)
    sys.exit(d.exit_code(result, [], Level.parse(fail_on)))
