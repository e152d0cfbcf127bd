"""Suppressions with a mandatory reason: inline comments, settings entries (Sid-scoped for JSON).

Inline, in a real comment of HCL, YAML or CloudFormation YAML (``#``, ``//``, ``/* */``)::

    # policy-lint: ignore[OB202] KMS key approved by security, ticket SEC-123 (until 2027-03-31)

applies to findings on the comment's line or the next line, and to every result of the
resource declared there. Only real comments count (:mod:`policy_lint.project.comments`): the
same text inside a string, a Sid, a tag value or a heredoc is data and suppresses nothing.
JSON has no comments, so JSON inputs are suppressed from the settings file, with ``rule`` +
``path`` + ``sid`` (the statement's Sid) for policy documents. A suppression without a reason,
with an unknown rule ID, past its date or with an expiry that is not ``YYYY-MM-DD`` does not
apply and is itself reported (SP001-SP003, SP005); an inline suppression that matched nothing
is reported as unused (SP004) so stale comments do not pile up.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.core.findings import Finding, Location
from policy_lint.project.comments import find_comments, has_no_comments
from policy_lint.project.expiry import expiry_in_reason, iso_date_problem, split_expiry
from policy_lint.project.settings import Settings
from policy_lint.project.suppression_rules import (
    EXPIRED,
    INVALID_EXPIRY,
    UNKNOWN_RULE,
    UNUSED,
    WITHOUT_REASON,
)
from policy_lint.rules.registry import RuleMeta
from policy_lint.syntax.source import Source

#: The marker, right after a comment opener (or a ``#`` inside the comment), on one comment line.
_INLINE = re.compile(
    r"(?:#|//|/\*)\s*policy-lint:\s*ignore\[(?P<ids>[^\]]*)\]\s*(?P<rest>.*?)\s*(?:\*/)?\s*$"
)
_RULE_ID = re.compile(r"^[A-Z]{2}[0-9]{3}$")


@dataclass(frozen=True)
class Item:
    """Anything that can be suppressed: a lint finding or a failed/unknown check result."""

    rule_id: str
    path: str | None
    line: int | None
    resource: str | None
    key: int  # index into the caller's list


@dataclass
class Suppression:
    """One parsed suppression, inline or from settings, and whether it matched anything."""

    rules: tuple[str, ...]
    reason: str
    origin: Location
    kind: str  # inline | settings
    until: str | None = None
    path_glob: str | None = None
    sid: str | None = None
    resource_glob: str | None = None
    used: bool = False
    #: Why the expiry cannot be read (it then does not apply); None when it can, or there is none.
    expiry_problem: str | None = None
    expiry_origin: Location | None = None


@dataclass
class Outcome:
    """Which items stay, which were suppressed (and why), and problems with the suppressions."""

    kept: list[int] = field(default_factory=list)
    suppressed: list[tuple[int, Suppression]] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def _finding(meta: RuleMeta, message: str, where: Location) -> Finding:
    return Finding(meta.id, meta.level, message, where, meta.name)


def parse_inline(path: str, text: str) -> list[Suppression]:
    """Every ``policy-lint: ignore[...]`` in a real comment of the file (never in a string)."""
    text = text.removeprefix("\ufeff")  # findings count columns without the BOM too
    source = Source(path, text)
    found = []
    for comment in find_comments(path, text):
        if "policy-lint:" not in comment.text:
            continue
        start = 0
        for piece in comment.text.split("\n"):
            match = _INLINE.search(piece)
            if match is not None:
                line, col = source.position(comment.offset + start + match.start())
                ids = tuple(part.strip().upper() for part in match.group("ids").split(",") if part.strip())
                expiry = split_expiry(match.group("rest"))
                found.append(
                    Suppression(
                        rules=ids,
                        reason=expiry.reason,
                        origin=Location(path, line, col),
                        kind="inline",
                        until=expiry.until,
                        expiry_problem=expiry.problem,
                    )
                )
            start += len(piece) + 1
    return found


def from_settings(settings: Settings) -> list[Suppression]:
    found = []
    for entry in settings.suppressions:
        origin = entry.location or Location(settings.source or "settings", 1, 1)
        problem = None
        if entry.expires is not None and (date_problem := iso_date_problem(entry.expires)):
            problem = f"expires: {date_problem}"
        elif (reason_problem := expiry_in_reason(entry.reason)) is not None:
            problem = f"the reason: {reason_problem}; put the date in expires: YYYY-MM-DD"
        found.append(
            Suppression(
                rules=(entry.rule,),
                reason=entry.reason,
                origin=origin,
                kind="settings",
                until=entry.expires,
                path_glob=entry.path,
                sid=entry.sid,
                resource_glob=entry.resource,
                expiry_problem=problem,
                expiry_origin=entry.expires_location,
            )
        )
    return found


def _valid(suppression: Suppression, known_rules: set[str], today: dt.date, problems: list[Finding]) -> bool:
    where = suppression.origin
    if len(suppression.reason) < 3:
        problems.append(_finding(WITHOUT_REASON, "suppression without a reason does not apply", where))
        return False
    for rule in suppression.rules:
        if not _RULE_ID.match(rule) or rule not in known_rules:
            problems.append(_finding(UNKNOWN_RULE, f"suppression names unknown rule {rule!r}", where))
    if suppression.expiry_problem is not None:
        problems.append(
            _finding(
                INVALID_EXPIRY,
                f"suppression of {', '.join(suppression.rules)} does not apply: {suppression.expiry_problem}",
                suppression.expiry_origin or where,
            )
        )
        return False
    if suppression.until is not None and dt.date.fromisoformat(suppression.until) < today:
        problems.append(
            _finding(
                EXPIRED,
                f"suppression of {', '.join(suppression.rules)} expired on {suppression.until} "
                f"(reason was: {suppression.reason})",
                where,
            )
        )
        return False
    return True


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def apply(
    items: Sequence[Item],
    settings: Settings,
    *,
    known_rules: Callable[[], set[str]],
    resource_lines: dict[tuple[str, int], str] | None = None,
    sid_of: Callable[[str, int], str | None] | None = None,
    today: dt.date | None = None,
    extra_paths: Iterable[str] = (),
) -> Outcome:
    """Split ``items`` into kept and suppressed.

    ``resource_lines`` maps (path, declaration line) to a resource address, so a comment above
    ``resource "aws_sqs_queue" "q" {`` covers every result of ``aws_sqs_queue.q``. ``sid_of``
    returns the Sid of the statement at (path, line) of a JSON policy document. ``extra_paths``
    are scanned for inline comments even without findings, so unused ones are reported.
    """
    today = today or dt.date.today()
    outcome = Outcome()
    inline: dict[str, list[Suppression]] = {}
    for path in sorted({i.path for i in items if i.path} | set(extra_paths)):
        if has_no_comments(path):
            continue  # a JSON file (a folder of policies: hundreds of them) is not read again for nothing
        text = _read(path)
        if text is not None and "policy-lint:" in text:
            inline[path] = parse_inline(path, text)
    configured = from_settings(settings)
    every = [*configured, *(s for group in inline.values() for s in group)]
    if not every:  # the common case: nothing to validate, so the rule registry is not loaded
        outcome.kept = [item.key for item in items]
        return outcome
    rules = known_rules()
    valid = {id(s) for s in every if _valid(s, rules, today, outcome.problems)}
    lines = resource_lines or {}
    for item in items:
        match = _match_inline(item, inline.get(item.path or "", []), lines, valid) or _match_settings(
            item, configured, settings.root, sid_of, valid
        )
        if match is None:
            outcome.kept.append(item.key)
        else:
            match.used = True
            outcome.suppressed.append((item.key, match))
    for group in inline.values():
        for suppression in group:
            if id(suppression) in valid and not suppression.used:
                outcome.problems.append(
                    _finding(
                        UNUSED,
                        f"suppression of {', '.join(suppression.rules)} matched no finding",
                        suppression.origin,
                    )
                )
    return outcome


def _match_inline(
    item: Item, candidates: Iterable[Suppression], lines: dict[tuple[str, int], str], valid: set[int]
) -> Suppression | None:
    for suppression in candidates:
        if id(suppression) not in valid or item.rule_id not in suppression.rules:
            continue
        comment_line = suppression.origin.line
        if item.line is not None and item.line in (comment_line, comment_line + 1):
            return suppression
        declared = lines.get((suppression.origin.path, comment_line)) or lines.get(
            (suppression.origin.path, comment_line + 1)
        )
        if declared is not None and declared == item.resource:
            return suppression
    return None


def _match_settings(
    item: Item,
    candidates: Iterable[Suppression],
    root: Path,
    sid_of: Callable[[str, int], str | None] | None,
    valid: set[int],
) -> Suppression | None:
    for suppression in candidates:
        if id(suppression) not in valid or item.rule_id not in suppression.rules:
            continue
        if not _glob_ok(suppression.path_glob, item.path and _relative(item.path, root)):
            continue
        if not _glob_ok(suppression.resource_glob, item.resource):
            continue
        if suppression.sid is not None and (
            item.path is None
            or item.line is None
            or sid_of is None
            or sid_of(item.path, item.line) != suppression.sid
        ):
            continue
        return suppression
    return None


def _glob_ok(pattern: str | None, value: str | None) -> bool:
    """No pattern matches everything; a pattern needs a value that matches it."""
    return pattern is None or (value is not None and fnmatch.fnmatch(value, pattern))


def _read(path: str) -> str | None:
    from policy_lint.core.errors import InputError
    from policy_lint.syntax.source import read_regular_file

    try:
        return read_regular_file(path, path).decode("utf-8", errors="replace")
    except InputError:
        return None


def statement_sid(path: str, line: int) -> str | None:
    """The Sid of the statement of a JSON/YAML policy document that contains ``line``."""
    from policy_lint.policy.loader import parse_tree
    from policy_lint.syntax.nodes import ArrayNode, ObjectNode
    from policy_lint.syntax.source import read_source

    try:
        source = read_source(path)
    except Exception:  # an unreadable file has no statements to scope by
        return None
    root, _ = parse_tree(source)
    if not isinstance(root, ObjectNode):
        return None
    statements = root.get("Statement")
    items = statements.items if isinstance(statements, ArrayNode) else [statements] if statements else []
    best: str | None = None
    for statement in items:
        if source.position(statement.offset)[0] > line:
            break
        sid = statement.get("Sid") if isinstance(statement, ObjectNode) else None
        best = str(getattr(sid, "value", "")) or None
    return best


def suppressed_entry(
    rule_id: str, where: Location | None, resource: str | None, suppression: Suppression, message: str = ""
) -> dict[str, object]:
    """What reports list for one suppressed finding."""
    return {
        "rule_id": rule_id,
        "message": message,
        "location": str(where) if where else None,
        "resource": resource,
        "reason": suppression.reason,
        "kind": suppression.kind,
        "until": suppression.until,
        "suppressed_at": str(suppression.origin),
    }
