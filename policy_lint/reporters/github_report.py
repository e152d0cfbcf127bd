"""``--format github``: GitHub Actions workflow commands, one per problem, so findings appear on
the pull request's lines without SARIF upload permissions.

Each line is ``::error file=PATH,line=L,col=C,title=RULE::MESSAGE`` (``warning``, ``notice``).
Levels: error -> ``error``; security-warning and warning -> ``warning``; suggestion and unknown
results -> ``notice`` (an unknown is a question for a person, not a failure). What the run accepted
or suppressed is a ``notice`` titled ``RULE (accepted)`` or ``RULE (suppressed)`` whose message
starts with the reason: visible on the pull request, never counted as a problem.

The runner reads every stdout line that starts with ``::`` as a command, so a file name or a
message from the input must never start a second one. Every string is first cleaned
(:func:`~policy_lint.reporters.sanitize.clean`: secrets redacted, CR, LF and every other control
character written as a visible escape, so nothing from the input can end the line), then escaped
as the Actions toolkit escapes command data (``%``, CR, LF) and properties (also ``:`` and
``,``, which would otherwise end a property or the property list). The ``file`` property keeps a
CR, LF or TAB of the file's name as itself (:func:`~policy_lint.reporters.sanitize.clean_location_path`):
the property escape turns CR and LF into ``%0D``/``%0A``, which the runner decodes back, so the
annotation names the real file, not one called ``a\\nb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level
from policy_lint.reporters.annotations import Annotation, items_to_annotate, relative_path
from policy_lint.reporters.sanitize import clean, clean_location_path

_COMMAND = {
    Level.ERROR: "error",
    Level.SECURITY_WARNING: "warning",
    Level.WARNING: "warning",
    Level.SUGGESTION: "notice",
}


def escape_data(text: str) -> str:
    """A command's message, as @actions/core ``escapeData`` writes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value, as @actions/core ``escapeProperty`` writes it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(item: Annotation, root: str | None) -> str:
    name = "notice" if item.unknown or item.accepted else _COMMAND[item.level]
    properties: list[tuple[str, str]] = []
    if item.location is not None:
        properties.append(("file", clean_location_path(relative_path(item.location.path, root))))
        properties.append(("line", str(max(item.location.line, 1))))
        properties.append(("col", str(max(item.location.col, 1))))
    title = f"{item.rule_id} ({item.accepted.status})" if item.accepted else item.rule_id
    properties.append(("title", clean(title)))
    shown = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{name} {shown}::{escape_data(item.shown_message())}"


def render_github(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """One workflow command per line; empty when there is nothing to show."""
    root = context.get("root")
    items = items_to_annotate(findings, results, context.get("suppressed"))
    return "".join(_command(item, root) + "\n" for item in items)
