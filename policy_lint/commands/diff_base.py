"""``policy-lint diff --base REF``: no new access, against the git base, offline.

Every policy the change touches (files, and policies embedded in Terraform and CloudFormation) is
compared with its version at REF by effective permissions (:mod:`policy_lint.changes.collect`
pairs them, :mod:`policy_lint.iam.new_access` compares them). The findings then go through what
``lint``'s go through: the settings file, ``--select``/``--ignore``, suppressions, the baseline and
every output format.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import click

from policy_lint.commands.console import echo_err
from policy_lint.core.findings import Finding, Level

if TYPE_CHECKING:
    from policy_lint.iam.diff import DiffFinding
    from policy_lint.iam.new_access import ExtraComparison, PolicyChange
    from policy_lint.iam.principal_access import PrincipalChange
    from policy_lint.project.apply import Filtered
    from policy_lint.project.settings import Settings


@dataclass(frozen=True)
class BaseRequest:
    """What the command line asked of ``diff --base``."""

    base: str
    staged: bool
    paths: tuple[str, ...]
    fmt: str
    fail_on: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    baseline: str | None
    write_baseline: str | None
    max_bytes: int
    color: bool | None
    timestamp: bool


def _extra_comparisons(settings: Settings) -> list[ExtraComparison]:
    """Comparisons that run over the same policy changes besides the new-access one: new
    privilege-escalation paths (PD206) and the settings' ``custom-rules:`` (a violation the change
    brings, i.e. one its version at the base did not have)."""
    from policy_lint.iam.new_escalations import new_escalations
    from policy_lint.project.custom_rules import settings_rules

    comparisons: list[ExtraComparison] = [new_escalations]
    if settings_rules(settings):
        comparisons.append(partial(new_custom_rule_findings, settings))
    return comparisons


def new_custom_rule_findings(
    settings: Settings, changes: Sequence[PolicyChange], base: str
) -> list[DiffFinding]:
    """The custom rules' findings on each changed policy that its version at ``base`` did not have
    (same rule and message), at the change's anchor for an embedded document."""
    from policy_lint.iam.diff import DiffFinding as Found
    from policy_lint.project.custom_rules import custom_rule_findings

    found: list[DiffFinding] = []
    for change in changes:
        before = custom_rule_findings(settings, change.before) if change.before is not None else []
        had = {(f.rule_id, f.message) for f in before}
        for finding in custom_rule_findings(settings, change.after):
            if (finding.rule_id, finding.message) in had:
                continue
            if change.anchor is not None or change.label:
                where = change.anchor or finding.location
                message = f"{change.label}: {finding.message}" if change.label else finding.message
                finding = Finding(
                    finding.rule_id, finding.level, message, where, finding.rule_name, finding.hint
                )
            found.append(Found(finding, {"base": base}))
    return found


def principal_findings(changes: Sequence[PrincipalChange], base: str) -> list[DiffFinding]:
    """What each user and role of a changed Terraform folder or template can do after the change and
    could not at ``base``, by a cause no policy text shows (an attachment, a Deny or boundary gone)."""
    from policy_lint.iam.principal_access import principal_new_access
    from policy_lint.iam.principal_escalations import principal_new_escalations

    found = principal_new_access(changes, base) + principal_new_escalations(changes, base)
    return sorted(found, key=lambda f: f.finding.sort_key())


def run_new_access(request: BaseRequest, settings: Settings) -> None:
    """Compare, report, and exit 0/1 by ``--fail-on`` (2 when an input cannot be used)."""
    from policy_lint.changes.collect import collect
    from policy_lint.iam.new_access import new_access
    from policy_lint.reporters.formats import format_output, utc_timestamp
    from policy_lint.vcs.git import Repository

    repo = Repository(".")
    commit = repo.resolve(request.base)
    collected = collect(
        repo, commit, request.base, staged=request.staged, paths=request.paths, max_bytes=request.max_bytes
    )
    found = new_access(collected.changes, request.base, extra=_extra_comparisons(settings))
    found += principal_findings(collected.principals, request.base)
    if request.write_baseline:
        from policy_lint.project.baseline import refuse_partial
        from policy_lint.reporters.text import format_finding

        refuse_partial(request.write_baseline, [format_finding(p, False) for p in collected.problems])
    filtered = select_and_filter(
        [f.finding for f in found],
        settings,
        request.select,
        request.ignore,
        request.baseline,
        request.write_baseline,
    )
    reported = [*collected.problems, *filtered.kept]
    colour = request.fmt == "text" and (sys.stdout.isatty() if request.color is None else request.color)
    context = {
        "command": "diff",
        "scope": {
            "base": request.base,
            "base_commit": commit,
            "compared": "index" if request.staged else "working tree",
            "inputs": list(request.paths),
            "files": collected.files,
        },
        "files": len(collected.files),
        "suppressed": filtered.suppressed,
        "colour": colour,
        "timestamp": utc_timestamp() if request.timestamp else None,
    }
    click.echo(format_output(request.fmt, findings=reported, context=context), nl=False, color=colour)
    if collected.problems:
        echo_err(
            "policy-lint: a changed file cannot be read in one of its versions, so it was not compared "
            "(fix it, or leave it out of PATH...)"
        )
        sys.exit(2)
    threshold = Level.parse(request.fail_on)
    sys.exit(1 if any(f.level >= threshold for f in filtered.kept) else 0)


def select_and_filter(
    findings: Sequence[Finding],
    settings: Settings,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: str | None,
    write_baseline: str | None,
) -> Filtered:
    """Both modes of ``diff``: ``--select``/``--ignore`` (added to the settings' as in ``lint``),
    then the settings' suppressions and the baseline; ``--write-baseline`` writes it and exits 0."""
    from policy_lint.lint.context import LintOptions
    from policy_lint.project.apply import filter_findings

    selection = LintOptions(select=select or settings.select, ignore=ignore + settings.ignore)
    filtered = filter_findings(
        [f for f in findings if selection.wants(f.rule_id)],
        settings,
        baseline=baseline,
        write_baseline=write_baseline,
        wants=selection.wants,
    )
    if filtered.baseline_written is not None:
        echo_err(f"policy-lint: wrote {filtered.baseline_written} findings to {write_baseline}")
        sys.exit(0)
    return filtered
