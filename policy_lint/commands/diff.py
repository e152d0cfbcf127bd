"""``policy-lint diff``: compare the policies a user attaches with what the onboarding's features need.

Reads the command line (ACTUAL files and managed-policy names, ``--var``), hands both sides to
:func:`policy_lint.iam.diff.diff_policies` and writes the report
(:mod:`policy_lint.reporters.diff_report`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from policy_lint.commands.console import echo_err
from policy_lint.commands.options import LEVEL_CHOICES, ignore_option, project_options, select_option
from policy_lint.core.errors import InputError
from policy_lint.core.findings import DEFAULT_FAIL_ON, Finding, Level
from policy_lint.iam.diff import ActualPolicy, DiffResult
from policy_lint.iam.diff_references import DiffUsageError
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyType
from policy_lint.reference.managed import close_matches, load_managed, managed_names, snapshot_info
from policy_lint.reporters.formats import FORMATS
from policy_lint.syntax.source import DEFAULT_MAX_BYTES, MAX_FILE_SIZE_HINT, read_source

#: ``--var`` keys (normalized: lower case, no spaces/_/-) -> placeholder token.
if TYPE_CHECKING:
    from policy_lint.project.settings import Settings

VAR_ALIASES = {
    "accountid": "${Account ID}",
    "account": "${Account ID}",
    "sqsarn": "${SQS ARN}",
    "queuearn": "${SQS ARN}",
    "s3bucketname": "${S3 bucket name}",
    "bucketname": "${S3 bucket name}",
    "bucket": "${S3 bucket name}",
    "s3bucket": "${S3 bucket name}",
}
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def parse_vars(pairs: Iterable[str]) -> tuple[dict[str, str], str | None]:
    """``KEY=VALUE`` strings -> (placeholder token -> value, partition or None)."""
    values: dict[str, str] = {}
    partition: str | None = None
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise DiffUsageError(f"--var {pair!r}: expected KEY=VALUE, e.g. --var 'SQS ARN=arn:aws:sqs:...'")
        norm = "".join(ch for ch in key.lower() if ch.isalnum())
        if norm == "partition":
            if value not in PARTITIONS:
                raise DiffUsageError(f"--var partition={value!r}: choose one of {', '.join(PARTITIONS)}")
            partition = value
            continue
        token = VAR_ALIASES.get(norm)
        if token is None:
            keys = [*sorted({t[2:-1] for t in VAR_ALIASES.values()}), "partition"]
            raise DiffUsageError(
                f"--var {key!r}: unknown placeholder; use one of {', '.join(keys)} "
                "(or account_id, queue_arn, bucket)"
            )
        values[token] = value.strip()
    return values, partition


def load_actual(
    inputs: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[ActualPolicy], list[Finding]]:
    """Files (or folders of them) and AWS managed policy names/ARNs -> policies, parse findings.

    Raises :class:`InputError` for an unreadable file and :class:`DiffUsageError` for a
    name that is neither an existing file nor a managed policy of the snapshot.
    """
    from policy_lint.lint.engine import iter_inputs, problem_finding
    from policy_lint.policy.classify import classify

    actual: list[ActualPolicy] = []
    problems: list[Finding] = []
    for raw in inputs:
        if os.path.exists(raw):
            expanded = iter_inputs([raw])
            if expanded.errors:
                raise expanded.errors[0]
            for path, explicit in expanded.files:
                source = read_source(path, max_bytes=max_bytes, too_big_hint=MAX_FILE_SIZE_HINT)
                if not explicit and not classify(source).is_policy:
                    continue  # a folder's package.json or CloudFormation template: not an ACTUAL policy
                doc, problem = load_policy(source, PolicyType.IDENTITY)
                if doc is None:
                    assert problem is not None
                    problems.append(problem_finding(source, problem))
                    continue
                actual.append(ActualPolicy(path, doc))
            continue
        managed = load_managed(raw)
        if managed is not None:
            actual.append(ActualPolicy(managed.name, managed.document, managed))
            continue
        if raw.startswith("arn:") or ("/" not in raw and "\\" not in raw and "." not in raw):
            raise DiffUsageError(_unknown_managed(raw))
        raise InputError("no such file", raw)
    return actual, problems


def _unknown_managed(raw: str) -> str:
    close = close_matches(raw)
    right_name = load_managed(raw.rsplit("/", 1)[-1])
    if right_name is not None and raw.startswith("arn:"):
        return (
            f"no AWS managed policy {raw!r}; did you mean {right_name.arn} (its path is {right_name.path})?"
        )
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return (
        f"{raw!r} is neither a file nor an AWS managed policy of the bundled snapshot{hint} "
        f"(the snapshot holds {len(managed_names())} policies as of {snapshot_info().data_as_of}; "
        "for another managed policy, save its document to a file: aws iam get-policy-version ...)"
    )


@click.command("diff")
@click.argument("actual", nargs=-1)
@click.option(
    "--base",
    metavar="REF",
    help="No new access: compare every policy changed since this git revision (branch, tag, commit) "
    "with its version there; ACTUAL then limits the paths compared. See docs/diff.md.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="With --base: compare the index (what would be committed), not the working tree.",
)
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Against a reference, text and json carry the evidence (json: per finding).",
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVEL_CHOICES),
    default=None,
    help=f"Exit 1 when a finding at or above this level is reported (default: {DEFAULT_FAIL_ON}, "
    "or the settings' fail-on).",
)
@select_option("Only these rule IDs or prefixes (e.g. PD1,PD204).")
@ignore_option("Skip these rule IDs or prefixes.")
@click.option(
    "--timestamp", is_flag=True, help="Record the time of the run (otherwise output is byte-identical)."
)
@project_options
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
    fail_on: str | None,
    max_file_size: float,
    color: bool | None,
    base: str | None = None,
    staged: bool = False,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    timestamp: bool = False,
    settings_path: str | None = None,
    baseline: str | None = None,
    write_baseline: str | None = None,
) -> None:
    """Compare ACTUAL policies (files, or AWS managed policy names/ARNs) with what the features need.

    Reports missing actions (PD101, the vendor's check fails), conditional coverage (PD102),
    excess (PD103/PD104) and weakened conditions or resource scopes (PD105/PD106), by effective
    permissions: ReadOnlyAccess alone covers Host, a Deny removes an action. An unparseable
    ACTUAL file is reported as its PL001 finding and the diff is not computed (exit 2).

    With --base REF: no new access. Every policy changed since REF (files, and policies in
    Terraform and CloudFormation) is compared with its version at REF, and what the change adds is
    reported (PD201-PD206): new actions, resources, principals, dropped or loosened conditions,
    new privilege-escalation paths.
    """
    from policy_lint.project.settings import load_settings

    settings = load_settings(settings_path)
    fail_on = fail_on or settings.fail_on or DEFAULT_FAIL_ON
    custom = _custom_rule_ids(settings) if base is not None else ()
    _refuse_empty_selection(
        ctx, select or settings.select, ignore + settings.ignore, base is not None, custom
    )
    if base is not None:
        if references or features or config_path or variables or plan or audit_log:
            raise click.UsageError(
                "--base compares with the git revision: leave out --reference, --feature, --config, --plan, --audit-log and --var",
                ctx,
            )
        from policy_lint.commands.diff_base import BaseRequest, run_new_access

        run_new_access(
            BaseRequest(
                base,
                staged,
                actual,
                fmt,
                fail_on,
                select,
                ignore,
                baseline,
                write_baseline,
                int(max_file_size * 1024 * 1024),
                color,
                timestamp,
            ),
            settings,
        )
        return
    if staged:
        raise click.UsageError(
            "--staged compares the index with --base REF: give --base (e.g. --base HEAD)", ctx
        )
    if not actual:
        raise click.UsageError(
            "give the ACTUAL policies to compare (or --base REF to compare with a git revision)", ctx
        )
    from policy_lint.iam.diff import diff_policies
    from policy_lint.iam.diff_references import reference_policies
    from policy_lint.reporters.diff_report import diff_exit_code, render_diff_json, render_diff_text

    chosen = [
        name
        for name, given in (("--reference", references), ("--feature", features), ("--config", config_path))
        if given
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --reference, --feature or --config", ctx)
    try:
        values, partition = parse_vars(variables)
        context: dict[str, Any] = {}
        if config_path is not None:
            from policy_lint.onboarding.config import load_config
            from policy_lint.reference.templates import VALUES

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
        refs, notes = reference_policies(
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
        policies, problems = load_actual(actual, max_bytes=int(max_file_size * 1024 * 1024))
    except DiffUsageError as exc:
        raise click.UsageError(str(exc), ctx) from None
    colour = sys.stdout.isatty() if color is None else color
    if problems:
        reason = "diff not computed: an ACTUAL file cannot be parsed (fix it, or leave it out)"
        if fmt == "json":
            click.echo(render_diff_json(None, problems, [reason], context), nl=False)
        elif fmt != "text":
            from policy_lint.reporters.formats import format_output

            click.echo(format_output(fmt, findings=problems, context={"command": "diff"}), nl=False)
            echo_err(f"policy-lint: {reason}")
        else:
            from policy_lint.reporters.text import format_finding

            for problem in problems:
                click.echo(format_finding(problem, colour), color=colour)
            echo_err(f"policy-lint: {reason}")
        sys.exit(2)
    result = diff_policies(policies, refs, notes=notes)
    accepted = _apply_project(result, settings, select, ignore, baseline, write_baseline)
    for note in result.notes:
        echo_err(f"policy-lint: note: {note}")
    if fmt == "json":
        click.echo(render_diff_json(result, context=context, accepted=accepted), nl=False)
    elif fmt == "text":
        click.echo(render_diff_text(result, colour=colour, accepted=accepted), nl=False, color=colour)
    else:
        from policy_lint.reporters.formats import format_output, utc_timestamp

        shown = {
            "command": "diff",
            "scope": {**context, "actual": list(actual)},
            "files": len(policies),
            "suppressed": accepted,
            "timestamp": utc_timestamp() if timestamp else None,
        }
        click.echo(format_output(fmt, findings=[f.finding for f in result.findings], context=shown), nl=False)
    sys.exit(diff_exit_code(result, [], Level.parse(fail_on)))


def _apply_project(
    result: DiffResult,
    settings: Settings,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: str | None,
    write_baseline: str | None,
) -> list[dict[str, object]]:
    """``--select``/``--ignore``, the settings' suppressions and the baseline, as ``lint`` applies
    them, on the diff's findings (in place); returns what was accepted, for the report to list."""
    from policy_lint.commands.diff_base import select_and_filter
    from policy_lint.iam.diff import DiffFinding

    reported = [f.finding for f in result.findings]
    filtered = select_and_filter(reported, settings, select, ignore, baseline, write_baseline)
    kept = {id(f) for f in filtered.kept}
    ours = {id(f) for f in reported}
    problems = [DiffFinding(f) for f in filtered.kept if id(f) not in ours]  # suppression problems
    result.findings = [f for f in result.findings if id(f.finding) in kept] + problems
    return filtered.suppressed


#: the rules each mode of diff reports (against a reference: PD1 and the tag-bypass rules)
_DIFF_RULES = {True: ("PD2",), False: ("PD1", "PL607", "PL608")}


def _custom_rule_ids(settings: Settings) -> tuple[str, ...]:
    from policy_lint.project.custom_rules import settings_rules

    return tuple(rule.meta.id for rule in settings_rules(settings))


def _refuse_empty_selection(
    ctx: click.Context,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    with_base: bool,
    custom: tuple[str, ...] = (),
) -> None:
    """A selection that keeps no rule this diff reports would pass having compared nothing."""
    from policy_lint.lint.context import LintOptions
    from policy_lint.rules.ruleset import all_rules

    wanted = LintOptions(select=select, ignore=ignore)
    reported = [m.id for m in all_rules() if m.id.startswith(_DIFF_RULES[with_base])] + list(custom)
    if select and not any(wanted.wants(rule_id) for rule_id in reported):
        mode = "diff --base" if with_base else "diff against a reference"
        raise click.UsageError(
            f"--select {','.join(select)} keeps no rule that {mode} reports ({', '.join(_DIFF_RULES[with_base])})",
            ctx,
        )
