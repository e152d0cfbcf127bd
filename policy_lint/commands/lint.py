"""``policy-lint lint``: lint IAM policy documents (files, or folders searched for policies).

The command pre-commit runs on every commit, so it imports what linting needs only once it runs.
"""

from __future__ import annotations

import os
import sys

import click

from policy_lint.commands.also import also_option, write_also
from policy_lint.commands.console import echo_err
from policy_lint.commands.hook_args import HOOK_FLAG, META_KEY, HookArgs
from policy_lint.commands.options import (
    LEVEL_CHOICES,
    ignore_option,
    jobs_option,
    project_options,
    select_option,
)
from policy_lint.core.findings import DEFAULT_FAIL_ON, Level
from policy_lint.policy.resource_types import TRUST_POLICY_RESOURCE_TYPE, resource_type_names
from policy_lint.reporters.formats import FORMATS

#: the values of :class:`policy_lint.policy.model.PolicyType`, written out so `lint --help` imports no model
POLICY_TYPES = ["identity", "resource", "trust", "scp", "rcp", "permissions-boundary"]
RESOURCE_TYPES = list(resource_type_names())


def resolve_resource_type(
    policy_type: str | None, resource_type: str | None
) -> tuple[str | None, str | None]:
    """--resource-type implies the policy type; a --policy-type that contradicts it is a usage error (exit 2)."""
    if resource_type is None:
        return policy_type, None
    canonical = next(name for name in RESOURCE_TYPES if name.lower() == resource_type.lower())
    implied = "trust" if canonical == TRUST_POLICY_RESOURCE_TYPE else "resource"
    if policy_type not in (None, implied):
        raise click.UsageError(
            f"--resource-type {canonical} is for a {implied} policy, not --policy-type {policy_type}"
        )
    return implied, canonical


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@also_option
@click.option(
    "--timestamp", is_flag=True, help="Record the time of the run (otherwise output is byte-identical)."
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVEL_CHOICES),
    default=None,
    help=f"Exit 1 when a finding at or above this level is reported (default: {DEFAULT_FAIL_ON}, "
    "or the settings' fail-on).",
)
@click.option(
    "--policy-type", type=click.Choice(POLICY_TYPES), help="Do not infer the policy type; use this one."
)
@click.option(
    "--as-policy",
    is_flag=True,
    help="Lint every file named on the command line as a policy, even one whose content says it "
    "is not (package.json, a CloudFormation template). Folders are still searched by content.",
)
@click.option(
    "--resource-type",
    type=click.Choice(RESOURCE_TYPES, case_sensitive=False),
    help="The resource a resource policy is for (implies --policy-type resource; "
    "AWS::IAM::AssumeRolePolicyDocument: trust).",
)
@select_option("Only these rule IDs or prefixes (e.g. PL2,PL601).")
@ignore_option("Skip these rule IDs or prefixes.")
@click.option(
    "--max-file-size", type=click.FloatRange(min=0.001), default=10.0, show_default=True, help="In MiB."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: only on a terminal)."
)
@jobs_option("Processes for large folders (default: one per CPU).")
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
    resource_type: str | None,
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
    as_policy: bool = False,
    also: tuple[tuple[str, str], ...] = (),
) -> None:
    """Lint IAM policy documents (files, or folders searched for policies)."""
    hook_args: HookArgs | None = ctx.meta.get(META_KEY)
    if hook and hook_args is None:
        raise click.UsageError(f"{HOOK_FLAG} must come right after 'lint': policy-lint lint {HOOK_FLAG} ...")
    from contextlib import nullcontext

    from policy_lint.catalog import cache as catalog_cache
    from policy_lint.lint.context import LintOptions
    from policy_lint.lint.engine import lint_paths, runs_nothing, skip_collection_at_exit
    from policy_lint.policy.model import PolicyType
    from policy_lint.project.apply import filter_findings
    from policy_lint.project.custom_rules import require_defined, settings_rules
    from policy_lint.project.settings import load_settings

    settings = load_settings(settings_path)
    require_defined(select, ignore, settings)
    fail_on = fail_on or settings.fail_on or DEFAULT_FAIL_ON
    policy_type, resource_type = resolve_resource_type(policy_type, resource_type)
    options = LintOptions(
        policy_type=PolicyType(policy_type) if policy_type else None,
        resource_type=resource_type,
        select=select or settings.select,
        ignore=ignore + settings.ignore,
        placeholders=settings.placeholders,
        extra_rules=settings_rules(settings),
    )
    if runs_nothing(options):
        raise click.UsageError(
            f"{'--select' if select else 'select: of ' + str(settings.source)} "
            f"{','.join(options.select)} keeps no rule that lint runs: lint runs the PL rules "
            "(OB, CS and IN rules are run by check and verify)"
        )
    skip_collection_at_exit()
    from policy_lint.reporters.sanitize import cleaned_texts, remember_cleaned

    with catalog_cache.disabled() if no_cache else nullcontext():
        result = lint_paths(
            paths,
            options,
            max_bytes=int(max_file_size * 1024 * 1024),
            jobs=jobs,
            as_policy=as_policy,
            prepare=cleaned_texts,  # the report's cleaning, done by the workers in parallel
        )
    remember_cleaned(result.prepared)
    if not hook:  # pre-commit passes every staged JSON/YAML file: skipping them there is the point
        for path in result.skipped:
            echo_err(f"policy-lint: {path}: not a policy document, skipped (--as-policy lints it anyway)")
    linted_nothing = None if hook or result.files or result.errors else nothing_linted(paths)
    if linted_nothing is not None:
        echo_err(linted_nothing[0])
    if hook_args is not None:
        result.errors.extend(hook_args.option_like_file_errors())
    if write_baseline:
        from policy_lint.core.findings import unusable_inputs
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
    plain = {**context, "colour": False}
    written = write_also(also, lambda other: format_output(other, findings=result.findings, context=plain))
    threshold = Level.parse(fail_on)
    if result.errors or (linted_nothing is not None and linted_nothing[1]) or not written:
        sys.exit(2)
    if any(f.level >= threshold for f in result.findings):
        sys.exit(1)


def nothing_linted(paths: tuple[str, ...]) -> tuple[str, bool]:
    """What to say when no policy was linted, and whether that is unusable input (exit 2).

    A gate that linted nothing must not look like one that passed ("No findings in 0 files."):
    files named explicitly of which none is a policy are a mistake in the command (exit 2); a
    folder holding no policy is an answer, so it is a warning only. pre-commit's ``--hook`` mode
    never gets here: skipping the staged files that are not policies is its point."""
    if all(not os.path.isdir(path) for path in paths):
        return (
            "policy-lint: error: no file named is a policy document, so nothing was linted "
            "(--as-policy lints a named file as a policy anyway)",
            True,
        )
    return (
        f"policy-lint: warning: no policy document found in {', '.join(paths)}: nothing was linted "
        "(lint decides by content; --as-policy lints a named file as a policy anyway)",
        False,
    )
