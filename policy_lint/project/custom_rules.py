"""Run the settings' ``custom-rules:`` (see :mod:`policy_lint.checks.custom_rules` for what they mean).

:func:`custom_rule_findings` is the one call other commands (``diff --base``) need: settings
and a parsed document in, the custom rules' findings out. :func:`settings_rules` gives the
lint engine the rules (``LintOptions.extra_rules``); :func:`require_defined` refuses a CU ID on
the command line that the settings do not define.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policy_lint.core.findings import Finding
    from policy_lint.policy.model import PolicyDocument
    from policy_lint.project.settings import Settings
    from policy_lint.rules.registry import PolicyRule


def settings_rules(settings: Settings) -> tuple[PolicyRule, ...]:
    """The settings' custom rules as the lint engine runs them (``LintOptions.extra_rules``).

    Their module is imported only when the settings define some: most runs have none, and
    every run's start-up would pay for it."""
    if not settings.custom_rules:
        return ()
    from policy_lint.checks.custom_rules import compile_rule

    return tuple(compile_rule(rule) for rule in settings.custom_rules)


def undefined_custom_ids(prefixes: Iterable[str], settings: Settings) -> list[str]:
    """The ``CU`` IDs or prefixes that name no custom rule of the settings: a CU ID for a rule nobody
    defined would silently select or skip nothing, like any unknown rule ID."""
    from policy_lint.checks.custom_rules import CUSTOM_FAMILY

    defined = [rule.id for rule in settings.custom_rules]
    return [
        prefix
        for prefix in prefixes
        if prefix.upper().startswith(CUSTOM_FAMILY) and not any(i.startswith(prefix.upper()) for i in defined)
    ]


def require_defined(select: Iterable[str], ignore: Iterable[str], settings: Settings) -> None:
    """``--select``/``--ignore`` name only custom rules the settings define; a usage error (exit 2) otherwise.

    The options are checked when parsed, before the settings are read, so the CU family passes there."""
    if not select and not ignore:
        return  # nothing to check (and the custom rules' module not to import)
    import click

    defined = ", ".join(rule.id for rule in settings.custom_rules) or "none"
    origin = settings.source or "no settings file"
    for option, prefixes in (("--select", select), ("--ignore", ignore)):
        for prefix in undefined_custom_ids(prefixes, settings):
            raise click.UsageError(
                f"{prefix!r} in {option} names no custom rule (custom-rules defined in {origin}: {defined})"
            )


def custom_rule_findings(settings: Settings, document: PolicyDocument) -> list[Finding]:
    """The findings of the settings' custom rules on one parsed document (for ``diff --base`` and any
    command that judges documents outside the lint engine). Selection, suppressions and baselines are
    the caller's, as for every rule."""
    from policy_lint.lint.context import LintContext, LintOptions
    from policy_lint.lint.engine import lint_document

    rules = settings_rules(settings)
    if not rules:
        return []
    options = LintOptions(
        policy_type=document.policy_type, select=tuple(r.meta.id for r in rules), extra_rules=rules
    )
    return lint_document(document, LintContext(options))
