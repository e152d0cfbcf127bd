"""PL2: the strings in Action and NotAction name real, current IAM actions.

IAM does not reject a policy whose actions do not exist: ``s3:GetObjects`` or
``ec2:DeleteVpcEndpoint`` are stored without complaint and then grant nothing,
so the permission someone meant to give (or, under NotAction, to carve out) is
silently missing. These rules resolve each string against the action catalog
(the Service Authorization Reference, see ``docs/action-catalog.md``) and say
which of five things went wrong: the string is not ``service:Action`` at all
(PL201), the service does not exist (PL202), the action does not (PL203), a
wildcard covers nothing (PL204), or AWS has retired it (PL205). PL206 marks
actions the reference lacks but AWS's own managed policies use: they are real.

Each distinct action string is resolved once per document, whichever of the
rules runs first; the catalog loads only the services a policy names. Strings
holding a template placeholder (``${Action}``, ``{{ action }}``, ``<ACTION>``, as
:mod:`policy_lint.policy.placeholders` defines them) or a policy variable are left to
the PL5 rules; any other ``<`` or ``{`` is judged like the rest of the string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from policy_lint.catalog.actions import ActionCatalog, ActionLookup, Retirement, Undocumented
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import has_placeholder, policy_variables
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

MALFORMED = "PL201"
UNKNOWN_SERVICE = "PL202"
UNKNOWN_ACTION = "PL203"
EMPTY_WILDCARD = "PL204"
RETIRED = "PL205"
UNDOCUMENTED = "PL206"

_PART = re.compile(r"^[A-Za-z0-9*?_.-]+$")
#: How many managed policy names a PL206 message lists before "and N more".
_SHOWN_POLICIES = 3
#: Longest service prefix tried when a colon is missing (s3GetObject -> s3:GetObject).
_LONGEST_PREFIX = 40


class Outcome(NamedTuple):
    """What is wrong with one action string: the PL2 rule that reports it, its message and hint."""

    rule_id: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Verdict:
    """An :class:`Outcome` pinned to the string node it is about."""

    node: ScalarNode
    outcome: Outcome


# -- PL201: the shape of the string ------------------------------------------------------------


_WHITESPACE = re.compile(r"\s")


_WELL_FORMED = re.compile(r"[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_.-]+")


def malformed_reason(text: str) -> str | None:
    """Why ``text`` is not ``service:Action``; None when it is well-formed."""
    if _WELL_FORMED.fullmatch(text):
        return None  # the usual case in one step; the checks below explain the others
    if text != text.strip():
        return "leading or trailing whitespace"
    if _WHITESPACE.search(text):
        return "whitespace inside the action"
    if ":" not in text:
        return "no ':' between the service prefix and the action name"
    if text.count(":") > 1:
        return "more than one ':'"
    prefix, _, name = text.partition(":")
    if not prefix:
        return "empty service prefix"
    if not name:
        return "empty action name"
    for part in (prefix, name):
        if not _PART.match(part):
            bad = next(ch for ch in part if not _PART.match(ch))
            return f"character {bad!r} cannot appear in an action"
    return None


def _malformed_hint(text: str, catalog: ActionCatalog) -> str | None:
    squeezed = "".join(text.split())
    if squeezed != text and malformed_reason(squeezed) is None:
        return f"did you mean {squeezed}?"
    if ":" not in text:
        # s3GetObject: a known service prefix glued to one of its actions.
        for cut in range(1, min(len(text), _LONGEST_PREFIX)):
            prefix, name = text[:cut], text[cut:]
            if prefix.lower() in catalog.service_keys and catalog.action(prefix, name) is not None:
                return f"did you mean {prefix}:{name}?"
        return 'write it as "service:ActionName", e.g. "s3:GetObject"'
    prefix, _, name = text.partition(":")
    if not name:
        return f'name the action ("{prefix}:ActionName"), or use "{prefix}:*" for all of them'
    if not prefix:
        return f'add the service prefix, e.g. "s3:{name}"'
    return None


# -- PL202..PL206: what the catalog says -------------------------------------------------------


def _unknown_service(text: str, found: ActionLookup, catalog: ActionCatalog) -> Outcome:
    suggestion = catalog.suggest_service(found.prefix)
    hint = None
    if suggestion:
        known = None if found.is_pattern else catalog.action(suggestion, found.name)
        hint = (
            f"did you mean {known.full_name}?"
            if known
            else f'did you mean the service prefix "{suggestion}"?'
        )
    return Outcome(UNKNOWN_SERVICE, f"unknown service prefix {text.partition(':')[0]!r} in {text!r}", hint)


def _unknown_action(text: str, found: ActionLookup, catalog: ActionCatalog) -> Outcome:
    prefix, _, name = text.partition(":")
    suggestion = catalog.suggest_action(found.prefix, found.name)
    hint = f"did you mean {suggestion}?" if suggestion else None
    return Outcome(UNKNOWN_ACTION, f"unknown action {text!r}: {prefix} has no action {name!r}", hint)


def _empty_wildcard(text: str, found: ActionLookup, catalog: ActionCatalog) -> Outcome:
    prefix, _, name = text.partition(":")
    hint = None
    if name.endswith("*") and not any(ch in "*?" for ch in name[:-1]) and not found.is_pattern_prefix:
        # s3:Gett*: shorten the literal part until it matches something.
        for end in range(len(name) - 2, 0, -1):
            if catalog.match(f"{found.prefix}:{name[:end]}*"):
                hint = f"did you mean {prefix}:{name[:end]}*?"
                break
    scope = "any service" if found.is_pattern_prefix else prefix
    return Outcome(EMPTY_WILDCARD, f"{text!r} matches no action of {scope}", hint)


def _used_by(entry: Undocumented) -> str:
    shown = ", ".join(entry.used_by[:_SHOWN_POLICIES])
    more = len(entry.used_by) - _SHOWN_POLICIES
    return f"{shown} and {more} more" if more > 0 else shown


def _undocumented(text: str, found: ActionLookup, catalog: ActionCatalog) -> Outcome:
    if found.undocumented_service is not None:
        return Outcome(
            UNDOCUMENTED,
            f"{text!r}: service {found.prefix!r} is not in the Service Authorization Reference, but AWS "
            f"managed policies use it ({_used_by(found.undocumented_service)}), so it exists",
            "nothing to fix; policy-lint cannot check its action names, access level or resources",
        )
    info = found.matches[0]
    entry = catalog.undocumented_action(info.service, info.name)
    users = f" ({_used_by(entry)})" if entry and entry.used_by else ""
    return Outcome(
        UNDOCUMENTED,
        f"{text!r} is not in the Service Authorization Reference, but AWS managed policies use it{users}, "
        "so it is a real action",
        "nothing to fix; policy-lint cannot check its access level or resources",
    )


def _retired(text: str, retirement: Retirement) -> Outcome:
    if ":" not in retirement.name:
        what = f"{text!r} belongs to a retired service"
    elif retirement.name.lower() == text.lower():
        what = f"{text!r} is a retired action"
    else:
        what = f"{text!r} matches only a retired action ({retirement.name})"
    return Outcome(RETIRED, f"{what}: {retirement.note}", "it grants nothing any more; remove it")


#: ``service:Action`` with nothing a placeholder, a policy variable or a wildcard is written with
_PLAIN_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9]+")


def judge(text: str, catalog: ActionCatalog) -> Outcome | None:
    """The PL2 outcome for one action string, or None when it names live, documented actions."""
    if _PLAIN_ACTION.fullmatch(text) and catalog.is_documented_action(text.lower()):
        return None  # most action strings: well-formed, no hole, one live documented action
    if text == "*" or has_placeholder(text) or policy_variables(text):
        return None  # PL501 / PL502 report these
    reason = malformed_reason(text)
    if reason is not None:
        return Outcome(MALFORMED, f"malformed action {text!r}: {reason}", _malformed_hint(text, catalog))
    found = catalog.lookup(text)
    if found.retirement is not None:
        return _retired(text, found.retirement)
    if not found.service_known:
        return _unknown_service(text, found, catalog)
    if found.undocumented_service is not None or found.undocumented_only:
        return _undocumented(text, found, catalog)
    if found.matches:
        return None
    if found.is_pattern:
        return _empty_wildcard(text, found, catalog)
    return _unknown_action(text, found, catalog)


#: The same action strings recur across thousands of policies: each is judged once per catalog,
#: remembered by its text alone (the catalog it was judged against is kept beside the memo).
_judged: tuple[ActionCatalog, dict[str, Outcome | None]] | None = None
_JUDGED_MOST = 65536
_UNJUDGED = Outcome("", "")

_last: tuple[PolicyDocument, ActionCatalog, list[Verdict]] | None = None


def _memo_for(catalog: ActionCatalog) -> dict[str, Outcome | None]:
    global _judged
    if _judged is None or _judged[0] is not catalog or len(_judged[1]) >= _JUDGED_MOST:
        _judged = (catalog, {})
    return _judged[1]


def verdicts(doc: PolicyDocument, catalog: ActionCatalog) -> list[Verdict]:
    """Every PL2 finding of a document (Action and NotAction alike), computed once per document."""
    global _last
    cached = _last
    if cached is not None and cached[0] is doc and cached[1] is catalog:
        return cached[2]
    memo = _memo_for(catalog)
    found: list[Verdict] = []
    for stmt in doc.statements:
        for node in stmt.actions:
            text = node.value if type(node.value) is str else str(node.value)
            outcome = memo.get(text, _UNJUDGED)
            if outcome is _UNJUDGED:
                outcome = memo[text] = judge(text, catalog)
            if outcome is not None:
                found.append(Verdict(node, outcome))
    _last = (doc, catalog, found)
    return found


def _reports(rule_id: str, doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for verdict in verdicts(doc, ctx.catalog):
        if verdict.outcome.rule_id == rule_id:
            yield Report(verdict.node, verdict.outcome.message, verdict.outcome.hint)


@policy_rule(
    id=MALFORMED,
    access_analyzer=("Invalid action",),
    name="malformed-action",
    level=Level.ERROR,
    title="An action is not written as service:ActionName",
    rationale='Every action other than the lone "*" is a service prefix, a colon and an action name '
    '(wildcards allowed). "s3GetObject", "s3:", ":Get*" or a stray space are rejected by IAM or '
    "match nothing, so the statement does not do what it says.",
    remediation='Write it as "service:ActionName" (for example "s3:GetObject"), or "service:*".',
)
def malformed_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(MALFORMED, doc, ctx)


@policy_rule(
    id=UNKNOWN_SERVICE,
    access_analyzer=("Invalid service", "Invalid service in action"),
    name="unknown-service",
    level=Level.ERROR,
    title="An action names a service prefix that does not exist",
    rationale="IAM stores an unknown service prefix without complaint and it grants nothing, so the "
    "permission is silently missing (or, under NotAction, nothing is exempted). It is usually a typo or "
    'a product name used instead of the IAM prefix ("dynamo" for "dynamodb", "stepfunctions" for "states").',
    remediation="Use the service prefix from the Service Authorization Reference (the hint suggests one).",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    ),
)
def unknown_service(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(UNKNOWN_SERVICE, doc, ctx)


@policy_rule(
    id=UNKNOWN_ACTION,
    access_analyzer=("Invalid action",),
    name="unknown-action",
    level=Level.ERROR,
    title="An action does not exist in its service",
    rationale='A misspelt action ("s3:GetObjects", or the singular "ec2:DeleteVpcEndpoint" where only '
    "ec2:DeleteVpcEndpoints exists) is accepted by IAM and grants nothing. Action names are matched "
    'case-insensitively, as IAM does ("SQS:sendmessage" is fine).',
    remediation="Use the action name from the Service Authorization Reference (the hint suggests one).",
)
def unknown_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(UNKNOWN_ACTION, doc, ctx)


@policy_rule(
    id=EMPTY_WILDCARD,
    access_analyzer=("Invalid action",),
    name="wildcard-matches-nothing",
    level=Level.ERROR,
    title="A wildcard action matches no action of its service",
    rationale='"s3:Gett*" is valid syntax but covers nothing, so every permission it was meant to grant '
    "is missing; a pattern is checked against every action of its service.",
    remediation="Fix the literal part of the pattern (the hint shortens it until it matches), or list the "
    "actions explicitly.",
)
def wildcard_matches_nothing(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(EMPTY_WILDCARD, doc, ctx)


@policy_rule(
    id=RETIRED,
    name="retired-action",
    level=Level.WARNING,
    title="An action or service that AWS has retired",
    rationale="AWS discontinued the service or API (AWS CodeStar, CloudHSM Classic, IoT Events...): the "
    "action is not a typo, but it no longer grants anything. Old policies, and some AWS managed ones, still "
    "carry such actions; the message gives what was retired and when.",
    remediation="Remove the action, and move whatever still needs it to the successor service.",
)
def retired_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(RETIRED, doc, ctx)


@policy_rule(
    id=UNDOCUMENTED,
    name="undocumented-action",
    level=Level.SUGGESTION,
    title="An action missing from the Service Authorization Reference that AWS itself uses",
    rationale="The reference lags behind: some actions appear in AWS managed policies before (or instead of) "
    "the reference. They are real, so they are not errors, but their access level and resource types are "
    "unknown to policy-lint, which weakens the checks that depend on them.",
    remediation="Nothing to fix. Prefer documented actions where one grants the same access.",
)
def undocumented_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    yield from _reports(UNDOCUMENTED, doc, ctx)
