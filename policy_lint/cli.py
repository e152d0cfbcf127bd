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
from policy_lint.commands.console import clean_click_message, echo_err
from policy_lint.commands.hook_args import HOOK_FLAG, META_KEY, HookArgs, OptionGrammar, split_hook_args
from policy_lint.commands.options import LEVEL_CHOICES, ignore_option, project_options, select_option
from policy_lint.errors import InputError
from policy_lint.findings import Level
from policy_lint.reporters.formats import FORMATS

POLICY_TYPES = ["identity", "resource", "trust", "scp", "rcp"]


class PolicyLintGroup(click.Group):
    """Turns every unexpected failure into a one-line message and exit code 2, never a traceback.

    Every message is cleaned (:mod:`policy_lint.commands.console`): it may quote input.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `lint --hook`: split pre-commit's `args + file names` before click can read a file
        # name as an option (policy_lint/commands/hook_args.py says how and why).
        if args[:2] == ["lint", HOOK_FLAG]:
            lint_command = self.commands["lint"]
            split = split_hook_args(args[2:], OptionGrammar.of(lint_command, ctx))
            ctx.meta[META_KEY] = split
            args = ["lint", HOOK_FLAG, *split.command_line()]
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            clean_click_message(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException as exc:
            clean_click_message(exc)
            raise
        except InputError as exc:
            # Located errors read like findings (path:line:col: message); others get a prefix.
            for line in exc.lines():
                echo_err(line if exc.path else f"policy-lint: error: {line}")
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("policy-lint: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `policy-lint ... | head`: the reader left; stop quietly like other Unix tools.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # last line of defence: a bug must not print a traceback at users
            echo_err(f"policy-lint: internal error: {type(exc).__name__}: {exc}")
            click.echo("Please report this with the input that caused it.", err=True)
            ctx.exit(2)


@click.group(cls=PolicyLintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy-lint")
def main() -> None:
    """Lint AWS policy documents and verify a CSPM onboarding as code."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--timestamp", is_flag=True, help="Record the time of the run (otherwise output is byte-identical)."
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVEL_CHOICES),
    default=None,
    help="Exit 1 when a finding at or above this level is reported (default: error).",
)
@click.option(
    "--policy-type", type=click.Choice(POLICY_TYPES), help="Do not infer the policy type; use this one."
)
@select_option("Only these rule IDs or prefixes (e.g. PL2,PL601).")
@ignore_option("Skip these rule IDs or prefixes.")
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
@project_options
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not read or write the catalog cache (also: POLICY_LINT_NO_CACHE=1). See docs/performance.md.",
)
@click.option(
    HOOK_FLAG,
    "hook",
    is_flag=True,
    help="pre-commit mode, right after 'lint': an argument that names an existing file is a file, "
    "never an option. See docs/user-guide.md#pre-commit.",
)
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    fail_on: str | None,
    policy_type: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    max_file_size: float,
    color: bool | None,
    jobs: int | None,
    settings_path: str | None,
    baseline: str | None,
    write_baseline: str | None,
    timestamp: bool = False,
    no_cache: bool = False,
    hook: bool = False,
) -> None:
    """Lint IAM policy documents (files, or folders searched for policies)."""
    hook_args: HookArgs | None = ctx.meta.get(META_KEY)
    if hook and hook_args is None:
        raise click.UsageError(f"{HOOK_FLAG} must come right after 'lint': policy-lint lint {HOOK_FLAG} ...")
    from contextlib import nullcontext

    from policy_lint.catalog import cache as catalog_cache
    from policy_lint.lint import lint_paths, runs_nothing, skip_collection_at_exit
    from policy_lint.lint_context import LintOptions
    from policy_lint.policy.model import PolicyType
    from policy_lint.project.apply import filter_findings
    from policy_lint.project.settings import load_settings

    settings = load_settings(settings_path)
    fail_on = fail_on or settings.fail_on or "error"
    options = LintOptions(
        policy_type=PolicyType(policy_type) if policy_type else None,
        select=select or settings.select,
        ignore=ignore + settings.ignore,
    )
    if runs_nothing(options):
        raise click.UsageError(
            f"{'--select' if select else 'select: of ' + str(settings.source)} "
            f"{','.join(options.select)} keeps no rule that lint runs: lint runs the PL rules "
            "(OB, CS and IN rules are run by check and verify)"
        )
    skip_collection_at_exit()
    with catalog_cache.disabled() if no_cache else nullcontext():
        result = lint_paths(paths, options, max_bytes=int(max_file_size * 1024 * 1024), jobs=jobs)
    if hook_args is not None:
        result.errors.extend(hook_args.option_like_file_errors())
    if write_baseline:
        from policy_lint.findings import unusable_inputs
        from policy_lint.project.baseline import refuse_partial
        from policy_lint.reporters.text import format_finding

        broken = [format_finding(f, False) for f in unusable_inputs(result.findings)]
        refuse_partial(write_baseline, [*(str(e) for e in result.errors), *broken])
    filtered = filter_findings(
        result.findings,
        settings,
        baseline=baseline,
        write_baseline=write_baseline,
        commented_files=result.yaml_inputs,
        wants=options.wants,
    )
    if filtered.baseline_written is not None:
        echo_err(f"policy-lint: wrote {filtered.baseline_written} findings to {write_baseline}")
        sys.exit(0)
    result.findings = filtered.kept
    for error in result.errors:
        for line in error.lines():
            echo_err(line)
    from policy_lint.reporters.formats import format_output, utc_timestamp

    colour = fmt == "text" and (sys.stdout.isatty() if color is None else color)
    context = {
        "command": "lint",
        "scope": {"inputs": list(paths), "files": result.files},
        "errors": result.errors,
        "files": result.files,
        "suppressed": filtered.suppressed,
        "colour": colour,
        "timestamp": utc_timestamp() if timestamp else None,
    }
    click.echo(format_output(fmt, findings=result.findings, context=context), nl=False, color=colour)
    threshold = Level.parse(fail_on)
    if result.errors:
        sys.exit(2)
    if any(f.level >= threshold for f in result.findings):
        sys.exit(1)


def _register_commands() -> None:
    from policy_lint.commands.check import check
    from policy_lint.commands.render import render_command
    from policy_lint.commands.verify import verify

    main.add_command(check)
    main.add_command(render_command)
    main.add_command(verify)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True)
def schema(fmt: str) -> None:
    """Print the onboarding.yaml JSON Schema (or its markdown reference, docs/configuration.md)."""
    if fmt == "markdown":
        from policy_lint.docs_gen import config_markdown

        click.echo(config_markdown(), nl=False)
    else:
        import json

        from policy_lint.onboarding.config import load_schema

        click.echo(json.dumps(load_schema(), indent=2))


_register_commands()


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
def rules(fmt: str) -> None:
    """List every rule ID with its level and title (markdown regenerates docs/rules.md)."""
    from policy_lint.docs_gen import rules_json, rules_markdown, rules_text

    renderer = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[fmt]
    click.echo(renderer(), nl=False)


# ---- reference policies (owner: reference-policies issue; keep this block self-contained) -------------


@main.group()
def reference() -> None:
    """The guide's reference policies: list them, print one, or explain where it comes from."""


def _reference_features(refs: Any, name: str) -> list[str]:
    return [f if when == "always" else f"{f} (audit log)" for f, when in refs.features_of(name)]


@reference.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def reference_list(fmt: str) -> None:
    """List the reference policies and the AWS managed policies the guide names."""
    import json

    from policy_lint.reference import load_reference_set

    refs = load_reference_set()
    rows: list[dict[str, Any]] = []
    for name in refs.names():
        ref = refs.get(name)
        rows.append(
            {
                "name": name,
                "kind": ref.kind.value,
                "attach_to": ref.attach_to,
                "file": ref.file,
                "features": [{"feature": f, "when": w} for f, w in refs.features_of(name)],
                "placeholders": [p.token for p in ref.placeholders],
                "known_defects": [d.id for d in ref.known_defects],
                "description": ref.description,
            }
        )
    for name in refs.managed_names():
        managed = refs.managed(name)
        rows.append(
            {
                "name": name,
                "kind": "aws-managed",
                "attach_to": "iam-user",
                "file": None,
                "arn": managed.arn_template,
                "features": [{"feature": f, "when": w} for f, w in refs.features_of(name)],
                "placeholders": [],
                "known_defects": [],
                "description": managed.description,
            }
        )
    if fmt == "json":
        click.echo(
            json.dumps(
                {"references": rows, "aws_managed_note": refs.managed_note}, indent=2, ensure_ascii=False
            )
        )
        return
    table = [("NAME", "KIND", "FEATURES", "PLACEHOLDERS", "DESCRIPTION")]
    for row in rows:
        features = ", ".join(_reference_features(refs, row["name"]))
        table.append(
            (row["name"], row["kind"], features, ", ".join(row["placeholders"]) or "-", row["description"])
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for r in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(r[:4], widths, strict=True)) + "  " + r[4]
        )
    click.echo(f"\nAWS managed policies: {refs.managed_note}")


@reference.command("show")
@click.argument("name")
@click.option(
    "--info", is_flag=True, help="Print provenance, placeholders and known defects instead of the document."
)
@click.pass_context
def reference_show(ctx: click.Context, name: str, info: bool) -> None:
    """Print reference policy NAME exactly as shipped (or, with --info, what it is and where it comes from)."""
    import textwrap

    from policy_lint.reference import load_reference_set

    refs = load_reference_set()
    if name not in refs.all_names():
        raise click.UsageError(
            f"unknown reference policy {name!r}; valid names: {', '.join(refs.all_names())}", ctx
        )

    def para(text: str, indent: str = "    ") -> str:
        return textwrap.fill(
            " ".join(text.split()), width=100, initial_indent=indent, subsequent_indent=indent
        )

    features = ", ".join(_reference_features(refs, name)) or "-"
    if name in refs.managed_names():
        managed = refs.managed(name)
        from policy_lint.managed import load_managed, snapshot_date

        snapshot = load_managed(name)
        if not info:
            if snapshot is None:
                raise click.UsageError(
                    f"{name} is an AWS managed policy ({managed.arn_template}) missing from the bundled "
                    f"snapshot; use 'policy-lint reference show {name} --info'.",
                    ctx,
                )
            click.echo(snapshot.text, nl=False)
            return
        click.echo(f"name:        {name}\nkind:        AWS managed policy, attached to the iam-user")
        if snapshot is not None:
            click.echo(f"snapshot:    version {snapshot.version_id}, as of {snapshot_date()} (bundled)")
        click.echo(f"arn:         {managed.arn_template}\nfeatures:    {features}")
        click.echo(f"description: {managed.description}\n\n{para(refs.managed_note, '')}")
        return
    ref = refs.get(name)
    if not info:
        click.echo(ref.text, nl=False)
        return
    click.echo(f"name:        {ref.name}")
    click.echo(f"kind:        {ref.kind.value} policy, attached to the {ref.attach_to}")
    click.echo(f"file:        policy_lint/reference_policies/{ref.file}")
    if ref.suggested_name:
        click.echo(f"policy name: {ref.suggested_name} (the guide's example)")
    click.echo(f"features:    {features}")
    click.echo(f"description: {' '.join(ref.description.split())}")
    click.echo("\nprovenance:")
    for p in ref.provenance:
        first, last = p.lines
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        click.echo(f"  {p.copy} ({p.language}) {p.seed}, {where}, {p.form or 'text'}")
        click.echo(para(f"section: {p.section_path}"))
        if p.relation:
            click.echo(para(p.relation))
    click.echo("\nplaceholders:" + ("" if ref.placeholders else " none"))
    for ph in ref.placeholders:
        click.echo(f"  {ph.token}")
        click.echo(para(ph.description))
        click.echo(f"    guide's example: {ph.example}")
    click.echo("\nknown defects of the guide:" + ("" if ref.known_defects else " none"))
    for d in ref.known_defects:
        click.echo(f"  {d.id} (copies: {', '.join(d.affects)})")
        click.echo(para(d.text))


# ---- diff against a reference (owner: reference-diff issue; keep this block self-contained) -----------


@main.command("diff")
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
