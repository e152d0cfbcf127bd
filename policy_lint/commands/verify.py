"""``policy-lint verify``: collect a live AWS account (read-only) and run the same rules as ``check``.

The output formats and JSON schema are those of ``check``; resources are named by ARN and
carry their region. Any failure to reach AWS or to authenticate is one line on stderr and
exit code 2, never a traceback and never a secret.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import click

from policy_lint.commands.console import echo_err
from policy_lint.commands.options import project_options, result_options, split_ids
from policy_lint.commands.organization_cli import organization_options
from policy_lint.core.findings import DEFAULT_FAIL_ON
from policy_lint.reporters.sanitize import clean


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="onboarding.yaml to verify against."
)
@click.option("--regions", multiple=True, help="Regions to collect (comma-separated). Default: the config's.")
@click.option("--profile", help="AWS profile (default: the standard credential chain).")
@click.option("--role-arn", help="Assume this role (read-only verifier role) before collecting.")
@result_options
@project_options
@click.option(
    "--workers", type=click.IntRange(1, 64), default=8, show_default=True, help="Concurrent API calls."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds for the whole collection; what AWS has not answered by then is reported unknown.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Start a local moto server, provision the guide's onboarding with two faults, and verify it.",
)
@click.option(
    "--organization",
    is_flag=True,
    help="Verify every account of the AWS Organization (run from the management account or a "
    "delegated administrator); see docs/live.md.",
)
@click.option(
    "--member-role",
    default="OrganizationAccountAccessRole",
    show_default=True,
    help="With --organization: the role to assume in each member account.",
)
@click.option(
    "--accounts", multiple=True, help="With --organization: only these account IDs (comma-separated)."
)
@click.option("--exclude-accounts", multiple=True, help="With --organization: skip these account IDs.")
@click.option(
    "--ous", multiple=True, help="With --organization: only accounts under these OUs (or root IDs)."
)
@click.option(
    "--account-workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="With --organization: accounts collected at once (each with --workers concurrent calls).",
)
@click.option(
    "--shard",
    default="1/1",
    show_default=True,
    help="With --organization: verify shard K of N (accounts by a stable hash of their ID); "
    "combine the shards' JSON with 'policy-lint merge'.",
)
@click.option(
    "--member-role-template",
    is_flag=True,
    help="Print a CloudFormation template of the least-privilege member role (from the verifier's "
    "allow-list) and exit.",
)
def verify(
    config_path: str | None,
    regions: tuple[str, ...],
    profile: str | None,
    role_arn: str | None,
    profile_set: str | None,
    fmt: str,
    timestamp: bool,
    fail_on: str | None,
    fail_on_unknown: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    show_passed: bool,
    color: bool | None,
    settings_path: str | None,
    baseline: str | None,
    write_baseline: str | None,
    workers: int,
    timeout: float,
    demo: bool,
    organization: bool,
    member_role: str,
    accounts: tuple[str, ...],
    exclude_accounts: tuple[str, ...],
    ous: tuple[str, ...],
    account_workers: int,
    shard: str,
    member_role_template: bool,
    also: tuple[tuple[str, str], ...] = (),
) -> None:
    """Verify the onboarding in a live AWS account, read-only (see docs/live.md).

    Exit 0: nothing failed at or above --fail-on; 1: something did; 2: AWS could not be used
    (no credentials, endpoint unreachable, no answer to the first call within --timeout) or an
    input is invalid. Facts AWS did not answer within --timeout are unknown, not failed.
    """
    from policy_lint.commands.judging import emit, exit_status, judge, selection_for
    from policy_lint.live.collector import CollectOptions, collect
    from policy_lint.live.session import LiveError
    from policy_lint.onboarding.config import OnboardingConfig, load_config
    from policy_lint.project.settings import load_settings

    if member_role_template:
        from policy_lint.live.member_role import template_json

        click.echo(template_json(member_role), nl=False)
        sys.exit(0)
    settings = load_settings(settings_path)
    profile_set = profile_set or settings.profile_set or "onboarding"
    fail_on = fail_on or settings.fail_on or DEFAULT_FAIL_ON
    selection = selection_for("verify", select, ignore, settings, profile_set)
    options = CollectOptions(
        regions=split_ids(regions, upper=False),
        profile=profile,
        role_arn=role_arn,
        workers=workers,
        timeout=timeout,
    )
    progress = _progress_display()
    if organization:
        from policy_lint.commands.organization import OrganizationJob
        from policy_lint.commands.organization_cli import Output, run_organization

        org = organization_options(click.get_current_context().params)
        job = OrganizationJob(
            load_config(config_path) if config_path else None, options, org, settings, selection, baseline
        )
        output = Output(fmt, show_passed, color, timestamp, fail_on, fail_on_unknown, also)
        run_organization(config_path, job, profile_set, progress, output)
    elif accounts or exclude_accounts or ous or shard != "1/1":
        raise click.UsageError("--accounts, --exclude-accounts, --ous and --shard need --organization")
    config: OnboardingConfig | None = None
    with ExitStack() as cleanup:
        try:
            if demo:
                if config_path or profile or role_arn:
                    raise click.UsageError(
                        "--demo provisions its own account: drop --config, --profile, --role-arn"
                    )
                from policy_lint.live import demo as demo_mod

                cleanup.enter_context(demo_mod.isolated_environment())
                server, config, options = demo_mod.start(options, progress)
                cleanup.callback(server.stop)
                config_path = config.path
            else:
                config = load_config(config_path) if config_path else None
            collection = collect(config, options, progress)
        except LiveError as exc:
            progress("")
            echo_err(f"policy-lint: error: {exc}")
            sys.exit(2)
        except KeyboardInterrupt:
            progress("")  # the caller prints "interrupted" on a clean line
            raise
    progress("")
    inventory = collection.inventory
    verdict = judge(
        inventory,
        settings,
        selection,
        baseline=baseline,
        write_baseline=write_baseline,
    )
    results = [replace(r, account_id=collection.account_id) for r in verdict.results]
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
        "suppressed": verdict.suppressed,
        **verdict.summary(),
    }
    written = emit(
        "verify",
        fmt,
        results,
        verdict.problems,
        scope,
        show_passed=show_passed,
        color=color,
        timestamp=timestamp,
        also=also,
    )
    for key, reason in inventory.collection_errors.items():
        echo_err(f"policy-lint: note: {key}: {reason}")
    if collection.not_collected:
        echo_err(
            f"policy-lint: warning: the --timeout of {timeout:g} s ran out: {collection.not_collected} "
            "calls got no answer, and the facts they would have given are unknown "
            "(a large account may need a longer --timeout)"
        )
    if demo:
        from policy_lint.live import demo as demo_mod

        click.echo(demo_mod.explain(results), err=fmt != "text", nl=False)
    sys.exit(exit_status(results, verdict.problems, fail_on, fail_on_unknown) if written else 2)


def _progress_display() -> Callable[[str], None]:
    """A one-line progress display on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda _: None

    def show(message: str) -> None:
        sys.stderr.write("\r\033[K" + (f"collecting: {clean(message)}" if message else ""))
        sys.stderr.flush()

    return show
