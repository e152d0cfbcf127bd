"""The part check and verify share once an inventory exists: run the rules, apply the project's
suppressions and baseline, write the chosen format, pick the exit code.

Only how the inventory is built differs between the two commands (files vs a live account), so a
rule, a suppression or an output format behaves the same whichever source fed it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from policy_lint.commands.also import Also, write_also
from policy_lint.commands.console import echo_err
from policy_lint.core.findings import Finding, Level
from policy_lint.rules.registry import POLICY_RULE_PREFIX

if TYPE_CHECKING:
    from policy_lint.checks.engine import CheckResult, Selection
    from policy_lint.core.processes import Running
    from policy_lint.inventory.model import Inventory
    from policy_lint.project.apply import Filtered
    from policy_lint.project.settings import Settings


@dataclass(frozen=True)
class Judgement:
    """What remains to report after suppressions and the baseline, and what was accepted."""

    results: list[CheckResult]
    problems: list[Finding]  # problems with the suppressions themselves (SP001-SP004)
    suppressed: list[dict[str, object]]
    #: ``not applied: <why>`` when OB rules were asked for and the inputs hold no onboarding
    onboarding_rules: str | None = None

    def summary(self) -> dict[str, object]:
        """What the run's summary (the report's scope) says about the rules themselves."""
        return {"onboarding_rules": self.onboarding_rules} if self.onboarding_rules else {}


def selection_for(
    command: str, select: tuple[str, ...], ignore: tuple[str, ...], settings: Settings, profile_set: str
) -> Selection:
    """The rules to run: ``--select`` replaces the settings' select, ``--ignore`` adds to theirs.

    Checked before any input is read (verify collects for minutes): a selection that keeps no
    rule of the profile set would pass having checked nothing, so it is a usage error.
    """
    from policy_lint.checks.engine import Selection
    from policy_lint.project.custom_rules import require_defined

    require_defined(select, ignore, settings)
    selection = Selection(
        select=select or settings.select, ignore=ignore + settings.ignore, profile_set=profile_set
    )
    if selection.runs_nothing() and not _selects_policy_rules(selection, ("CU",)):
        origin = "--select" if select else f"select: of {settings.source}"
        raise click.UsageError(
            f"{origin} {','.join(selection.select)} keeps no rule that {command} runs with "
            f"--profile-set {profile_set} (PL rules are run by lint; CS rules need --profile-set cis or all)"
        )
    return selection


def judge(
    inventory: Inventory,
    settings: Settings,
    selection: Selection,
    *,
    baseline: str | None,
    write_baseline: str | None,
    results: list[CheckResult] | None = None,
    embedded: EmbeddedLint | None = None,
) -> Judgement:
    """Run the selected rules (unless their ``results`` are given, e.g. combined over scenarios) and
    filter their results; ``--write-baseline`` records them and exits 0 (or 2, writing nothing,
    when an input could not be used). ``embedded``: the embedded policies' lint, already started."""
    from policy_lint.checks.engine import onboarding_not_applied, run_checks
    from policy_lint.core.findings import unusable_inputs
    from policy_lint.project.apply import filter_results
    from policy_lint.project.baseline import refuse_partial
    from policy_lint.reporters.text import format_finding

    if write_baseline:
        refuse_partial(
            write_baseline, [format_finding(p, False) for p in unusable_inputs(inventory.problems)]
        )
    filtered, problems = filter_results(
        run_checks(inventory, selection) if results is None else results,
        inventory,
        settings,
        baseline=baseline,
        write_baseline=write_baseline,
        wants=selection.wants_id,
    )
    if filtered.baseline_written is not None:
        echo_err(f"policy-lint: wrote {filtered.baseline_written} findings to {write_baseline}")
        if embedded is not None:
            embedded.close()
        sys.exit(0)
    embedded = embedded or EmbeddedLint(inventory, settings, selection)
    linted = embedded.filtered()
    return Judgement(
        list(filtered.kept),
        [*problems, *linted.kept],
        [*filtered.suppressed, *linted.suppressed],
        onboarding_not_applied(inventory, selection),
    )


class EmbeddedLint:
    """The PL findings of the policies inside the inventory's resources, after suppressions and the
    vendor-reference acceptance (the same as ``lint`` applies to a policy file).

    With ``jobs`` allowing a second process and many policies, the lint starts at once in a forked
    worker (it reads the inventory as loaded) while this process runs the other rules; otherwise it
    runs when asked for. Either way the findings are the same."""

    def __init__(
        self, inventory: Inventory, settings: Settings, selection: Selection, jobs: int | None = 1
    ) -> None:
        from policy_lint.core.processes import CAN_INHERIT, map_inherited, workers_for

        self.settings, self.selection = settings, selection
        self.inventory = inventory
        self.running: Running[list[Finding]] | None = None
        if not _selects_policy_rules(selection, (*POLICY_RULE_PREFIX, "CU")):
            self.wanted = False  # --select OB: no policy rule wanted, nothing to lint
            return
        self.wanted = True
        holders = (
            len(inventory.policies) + len(inventory.roles) + len(inventory.users) + len(inventory.groups)
        )
        if CAN_INHERIT and workers_for(jobs, holders) > 1:
            self.running = map_inherited(lambda _: self._findings(), [0], 1)

    def _findings(self) -> list[Finding]:
        from policy_lint.checks.embedded_policies import lint_embedded
        from policy_lint.project.custom_rules import settings_rules

        select, ignore = self.selection.select, self.selection.ignore
        return lint_embedded(self.inventory, select, ignore, settings_rules(self.settings))

    def filtered(self) -> Filtered:
        from policy_lint.project.apply import Filtered as Kept
        from policy_lint.project.apply import filter_findings

        if not self.wanted:
            return Kept([])
        findings = next(iter(self.running)) if self.running is not None else self._findings()
        return filter_findings(findings, self.settings, wants=self.selection.wants_id)

    def close(self) -> None:
        if self.running is not None:
            self.running.close()


def _selects_policy_rules(selection: Selection, families: tuple[str, ...]) -> bool:
    """Does the selection keep rules of these families (PL, PE: built-in policy rules; CU: the settings' own)?"""
    return not selection.select or any(
        p.startswith(family) or family.startswith(p) for p in selection.select for family in families
    )


def emit(
    command: str,
    fmt: str,
    results: Sequence[CheckResult],
    problems: Sequence[Finding],
    scope: dict[str, Any],
    *,
    show_passed: bool,
    color: bool | None,
    timestamp: bool,
    also: Sequence[Also] = (),
) -> bool:
    """Write the results (and the problems found on the way) in the chosen format, and in each
    ``--also`` format to its file; False when one of those files could not be written (exit 2)."""
    from policy_lint.reporters.formats import format_output, utc_timestamp

    colour = fmt == "text" and (sys.stdout.isatty() if color is None else color)
    context = {
        "command": command,
        "scope": scope,
        "suppressed": scope.get("suppressed") or [],
        "show_passed": show_passed,
        "colour": colour,
        "timestamp": utc_timestamp() if timestamp else None,
    }
    click.echo(
        format_output(fmt, findings=problems, results=results, context=context), nl=False, color=colour
    )
    plain = {**context, "colour": False}
    return write_also(
        also, lambda other: format_output(other, findings=problems, results=results, context=plain)
    )


def exit_status(
    results: Sequence[CheckResult], problems: Sequence[Finding], fail_on: str, fail_on_unknown: bool
) -> int:
    """0 or 1 by --fail-on (and --fail-on-unknown); a problem at that level (e.g. an expired
    suppression, an input read only in part) fails the run too."""
    from policy_lint.reporters.results import exit_code

    threshold = Level.parse(fail_on)
    code = exit_code(results, threshold, fail_on_unknown)
    if any(p.level >= threshold for p in problems):
        code = max(code, 1)
    return code
