"""``policy-lint merge``: one report from the JSON reports of shards and of ``check`` runs.

The merged results are rendered in any format, with totals and the exit status a single run
would have given. A result is one (account, rule, resource, location): the same result in two
reports (overlapping shards, a file given twice) is kept once and counted in the scope's
``duplicates``. Two *different* verdicts for the same result are an error (exit 2), not a
choice: the reports saw different states, and picking either would report one as the truth.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from policy_lint.commands.console import echo_err
from policy_lint.commands.options import LEVEL_CHOICES
from policy_lint.core.findings import DEFAULT_FAIL_ON
from policy_lint.reporters.formats import FORMATS

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult
    from policy_lint.commands.merge_input import Placed, Report
    from policy_lint.core.findings import Finding


ResultKey = tuple[str, str, str, tuple[str, int, int] | None]


@dataclass
class Merged:
    command: str
    results: list[CheckResult]
    problems: list[Finding]
    scope: dict[str, Any]
    suppressed: list[Any] = field(default_factory=list)


def result_key(result: CheckResult) -> ResultKey:
    loc = result.location
    return (
        result.account_id or "",
        result.rule_id,
        result.resource,
        (loc.path, loc.line, loc.col) if loc else None,
    )


def _verdict(result: CheckResult) -> tuple[Any, ...]:
    import json

    return (
        result.status,
        result.level,
        result.message,
        result.title,
        json.dumps(result.evidence, sort_keys=True, default=str),
    )


def combine(reports: Sequence[Report]) -> Merged:
    """The reports as one; raises InputError where two of them disagree on a result."""
    from policy_lint.core.errors import InputError

    kept: dict[ResultKey, tuple[CheckResult, Placed]] = {}
    duplicates = 0
    for report in reports:
        for result, place in report.results:
            key = result_key(result)
            seen = kept.get(key)
            if seen is None:
                kept[key] = (result, place)
                continue
            first, where = seen
            if _verdict(first) != _verdict(result):
                account = f" in account {result.account_id}" if result.account_id else ""
                raise InputError(
                    f"{result.rule_id} on {result.resource}{account} is {result.status.value} here but "
                    f"{first.status.value} at {where}"
                    + ("" if first.status is not result.status else " (different messages)")
                    + ": the reports saw different states (overlapping shards run at different times?); "
                    "re-run one of them",
                    place.path,
                    place.line,
                    place.col,
                )
            duplicates += 1
    results = sorted((r for r, _ in kept.values()), key=lambda r: (r.account_id or "", *r.sort_key()))
    problems = sorted({p for report in reports for p in report.problems}, key=lambda p: p.sort_key())
    suppressed = _unique([entry for report in reports for entry in report.suppressed])
    commands = {report.command for report in reports}
    return Merged(
        command="verify" if commands == {"verify"} else "check",
        results=results,
        problems=problems,
        scope=merged_scope(reports, duplicates),
        suppressed=suppressed,
    )


def _unique(entries: list[Any]) -> list[Any]:
    import json

    seen: dict[str, Any] = {}
    for entry in entries:
        seen.setdefault(json.dumps(entry, sort_keys=True, default=str), entry)
    return [seen[k] for k in sorted(seen)]


def merged_scope(reports: Sequence[Report], duplicates: int) -> dict[str, Any]:
    """What the merged run examined: the files, their accounts and shards, API calls in total."""
    scope: dict[str, Any] = {"merged": [r.path for r in reports], "duplicates": duplicates}
    for key in ("profile_set", "config", "settings"):
        values = {str(r.scope.get(key)) for r in reports if r.scope.get(key) is not None}
        if len(values) == 1:
            scope[key] = values.pop()
    calls = [r.scope["api_calls"] for r in reports if isinstance(r.scope.get("api_calls"), int)]
    if calls:
        scope["api_calls"] = sum(calls)
    accounts: dict[str, Any] = {}
    shards: set[str] = set()
    roles: set[str] = set()
    for report in reports:
        org = report.scope.get("organization")
        if isinstance(org, dict):
            if isinstance(org.get("accounts"), dict):
                accounts.update(org["accounts"])
            if isinstance(org.get("shard"), str):
                shards.add(org["shard"])
            if isinstance(org.get("member_role"), str):
                roles.add(org["member_role"])
        elif isinstance(report.scope.get("account"), str):
            accounts.setdefault(report.scope["account"], {})
    if accounts:
        scope["organization"] = {
            "member_role": ", ".join(sorted(roles)) or None,
            "shards": sorted(shards),
            "accounts": dict(sorted(accounts.items())),
        }
    return scope


def shard_coverage(scope: dict[str, Any]) -> str | None:
    """Why the shards merged are not one whole split (different N, or some K missing), or None: a
    missing shard's accounts are absent from the result, which must not pass as the organization's."""
    shards = (scope.get("organization") or {}).get("shards") or []
    splits: dict[int, set[int]] = {}
    for shard in shards:
        index, _, count = str(shard).partition("/")
        if index.isdigit() and count.isdigit() and int(count) > 1:  # 1/1, a whole run, overlaps any split
            splits.setdefault(int(count), set()).add(int(index))
    if len(splits) > 1:
        return f"the reports come from different splits ({', '.join(sorted(shards))})"
    for parts, seen in splits.items():
        missing = [f"{k}/{parts}" for k in range(1, parts + 1) if k not in seen]
        if missing:
            return f"shard {', '.join(missing)} missing: its accounts are not in these reports"
    return None


@click.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(LEVEL_CHOICES), default=DEFAULT_FAIL_ON, show_default=True)
@click.option("--fail-on-unknown", is_flag=True, help="Also exit 1 when a check could not be evaluated.")
@click.option("--show-passed", is_flag=True, help="List passing checks too (text output).")
@click.option("--color/--no-color", default=None)
@click.option("--timestamp", is_flag=True, help="Record the time of the merge.")
@click.option(
    "--partial",
    is_flag=True,
    help="Accept shards that do not cover the whole split (default: exit 2 naming the missing ones).",
)
def merge_command(
    files: tuple[str, ...],
    fmt: str,
    fail_on: str,
    fail_on_unknown: bool,
    show_passed: bool,
    color: bool | None,
    timestamp: bool,
    partial: bool,
) -> None:
    """Combine the JSON reports (--format json) of verify shards and check runs into one report.

    Exit 0: nothing failed at or above --fail-on; 1: something did; 2: a file is not a usable
    report, or two reports give different verdicts for the same result.
    """
    from policy_lint.commands.judging import emit, exit_status
    from policy_lint.commands.merge_input import read_report

    merged = combine([read_report(path) for path in files])
    problem = shard_coverage(merged.scope)
    if problem is not None and not partial:
        echo_err(f"policy-lint: {problem}; pass --partial to merge them anyway")
        sys.exit(2)
    scope = {**merged.scope, "suppressed": merged.suppressed}
    emit(
        merged.command,
        fmt,
        merged.results,
        merged.problems,
        scope,
        show_passed=show_passed,
        color=color,
        timestamp=timestamp,
    )
    sys.exit(exit_status(merged.results, merged.problems, fail_on, fail_on_unknown))
