"""PL910-PL913: parts of a policy that add nothing (IAM Access Analyzer's redundancy suggestions).

An action another action of the same statement already covers (``iam:GetRole`` next to ``iam:Get*``), a
resource another resource covers, a statement repeated, numeric condition values of which only the widest
counts. They change no permission today; they are suggestions because an edit to one copy and not the other
later changes permissions nobody meant to change. Coverage is decided on the written text with IAM's
wildcards (``*`` any run, ``?`` one character), ARNs field by field (AWS-ARNLIKE); text with a policy variable
or a template placeholder is left alone.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

from policy_lint.core.findings import Level
from policy_lint.iam.evaluate import glob_covers
from policy_lint.iam.statements import arn_like, parse_operator
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.policy.placeholders import has_placeholder
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, ObjectNode, ScalarNode

if TYPE_CHECKING:
    from decimal import Decimal

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_AA_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"


_VALUE = attrgetter("value")


@lru_cache(maxsize=16384)
def _judgeable(text: str) -> bool:
    return text != "" and "${" not in text and not has_placeholder(text)


def _covered(
    doc: PolicyDocument, nodes: Sequence[ScalarNode], covers: type[_Covers], lines: bool = True
) -> Iterator[tuple[ScalarNode, str]]:
    """Each node another node of the list covers, with how (the earlier of two equals is the one kept;
    its line is named only when ``lines``: the document's lines are the file's).

    Near-linear in the list (a statement of AWS's may list 1,000 actions): a repeat is found by its key, and a
    value is tried only against the wildcard patterns of the same service (and those whose service is a wildcard).
    """
    if len(nodes) < 2:
        return  # a lone value has nothing to repeat or be covered by
    texts = list(map(str, map(_VALUE, nodes)))  # C loops: a statement of AWS's lists up to 1,000
    keys = texts if covers.key is _Covers.key else list(map(covers.key, texts))
    distinct = len(set(keys)) == len(keys)
    if distinct:
        joined = "\n".join(texts)
        if "*" not in joined and "?" not in joined:
            return  # all different and no pattern: nothing covers anything
    wild = [("*" in text or "?" in text) for text in texts]
    if distinct and not _may_cover(keys, wild, covers):
        return  # the common case: all different, and no pattern starts like another value
    # each value's key and head worked out once (a statement of AWS's may list 1,000 actions, each
    # tried against the patterns of its head); a value meets only the patterns of its own head (an
    # action's service, an ARN's service field), and the few whose head is a wildcard: "*" and short
    # prefixes first
    judged: list[tuple[ScalarNode, str, str, str | None, str | None]] = []
    global_patterns: list[tuple[str, str | None, ScalarNode, str, str]] = []
    by_head: dict[str, list[tuple[str, str | None, ScalarNode, str, str]]] = {}
    for node, text, key, is_wild in zip(nodes, texts, keys, wild, strict=True):
        if not _judgeable(text):
            continue
        head = covers.head(key)  # a wildcard head is covered only by patterns whose head is a wildcard too
        tail = covers.tail(key)
        judged.append((node, text, key, head, tail))
        if is_wild:
            tail_prefix = _literal_prefix(tail) if tail is not None else None
            entry = (covers.key(_literal_prefix(text)), tail_prefix, node, text, key)
            (global_patterns if head is None else by_head.setdefault(head, [])).append(entry)
    global_patterns.sort(key=lambda entry: len(entry[0]))
    first: dict[str, ScalarNode] = {}
    for node, text, key, head, tail in judged:
        earlier = first.setdefault(key, node)
        if earlier is not node:
            where = f" (line {doc.source.position(earlier.offset)[0]})" if lines else ""
            yield node, f"repeats {earlier.value!r}{where}"
            continue
        for prefix, tail_prefix, other, pattern, pattern_key in chain(
            global_patterns, by_head.get(head, ()) if head is not None else ()
        ):
            if (
                key.startswith(prefix)
                and (tail_prefix is None or tail is None or tail.startswith(tail_prefix))
                and other is not node
                and pattern_key != key
                and covers.covers(pattern, text)
            ):
                yield node, f"is already covered by {other.value!r}"
                break


def _may_cover(keys: list[str], wild: list[bool], covers: type[_Covers]) -> bool:
    """Whether some pattern's literal prefix starts another value too: what coverage needs (below).
    One sort and a binary search per pattern, in place of trying each value against the patterns
    of its service: most statements with wildcards (``s3:Get*``, ``s3:List*``) cover nothing."""
    if not any(wild):
        return False
    ordered = sorted(keys)
    for key, is_wild in zip(keys, wild, strict=True):
        if is_wild:
            prefix = covers.key(_literal_prefix(key))
            # the pattern's own key starts with its prefix: a second key that does is a candidate
            at = bisect_left(ordered, prefix) + 1
            if at < len(ordered) and ordered[at].startswith(prefix):
                return True
    return False


def _is_wild(text: str) -> bool:
    return "*" in text or "?" in text


def _literal_prefix(pattern: str) -> str:
    """The text before the first wildcard: every value the pattern covers starts with it."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


class _Covers:
    """How one written value covers another (ARNs: case-sensitive, field by field)."""

    @staticmethod
    def key(text: str) -> str:
        return text

    @staticmethod
    def covers(pattern: str, target: str) -> bool:
        return arn_like(pattern, target)

    @staticmethod
    def head(key: str) -> str | None:
        """The ARN's service field, when written without a wildcard."""
        fields = key.split(":", 3)
        return fields[2] if len(fields) > 3 and not _is_wild(fields[2]) else None

    @staticmethod
    def tail(key: str) -> str | None:
        """The ARN's resource field (the sixth), matched on its own when both ARNs have six fields:
        a pattern's literal start there (``log-group:/aws/lambda/``) rules out most values even
        when its region or account is a wildcard."""
        fields = key.split(":", 5)
        return fields[5] if len(fields) == 6 else None


class _ActionCovers(_Covers):
    """Actions: case-insensitive."""

    key = staticmethod(str.lower)  # type: ignore[assignment]  # str.lower itself: map() calls it in C

    @staticmethod
    def covers(pattern: str, target: str) -> bool:
        return glob_covers(pattern, target, ignore_case=True)

    @staticmethod
    def head(key: str) -> str | None:
        """The action's service prefix, when written without a wildcard."""
        service, colon, _ = key.partition(":")
        return service if colon and not _is_wild(service) else None

    @staticmethod
    def tail(key: str) -> str | None:
        """Actions are one glob: no field is matched on its own."""
        return None


@policy_rule(
    id="PL910",
    name="redundant-action",
    level=Level.SUGGESTION,
    title="An action another action of the same statement already covers",
    rationale="iam:GetRole next to iam:Get* (or an action listed twice) grants nothing more. When someone later "
    "narrows iam:Get*, the copy keeps granting what they meant to remove. IAM Access Analyzer suggests removing "
    "it.",
    remediation="Remove the covered action, or replace the wildcard with the actions that are needed.",
    references=(_AA_DOC,),
    access_analyzer=("Redundant action",),
)
def redundant_action(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for node, how in _covered(doc, stmt.actions, _ActionCovers, ctx.options.document_lines):
            yield Report(node, f"{node.value!r} {how} in the same statement")


@policy_rule(
    id="PL911",
    name="redundant-resource",
    level=Level.SUGGESTION,
    title="A resource another resource of the same statement already covers",
    rationale="arn:aws:iam::111122223333:role/jane-admin next to arn:aws:iam::111122223333:role/* (or a resource "
    "listed twice) adds nothing. IAM Access Analyzer suggests removing it.",
    remediation="Remove the covered resource, or review whether the wildcard is wider than intended.",
    references=(_AA_DOC,),
    access_analyzer=("Redundant resource",),
)
def redundant_resource(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for node, how in _covered(doc, stmt.resources, _Covers, ctx.options.document_lines):
            yield Report(node, f"{node.value!r} {how} in the same statement")


def _shape(stmt: Statement) -> tuple[object, ...]:
    """Cheap parts two equal statements share: the effect and the first action and resource."""
    first = [str(nodes[0].value) if nodes else None for nodes in (stmt.actions, stmt.resources)]
    return (stmt.effect_value, len(stmt.actions), len(stmt.resources), *first)


def _without_sid(stmt: Statement) -> str | None:
    if not isinstance(stmt.node, ObjectNode):
        return None
    body = {str(key.value): value.to_python() for key, value in stmt.node.pairs if key.value != "Sid"}
    return json.dumps(body, sort_keys=True)


@policy_rule(
    id="PL912",
    name="redundant-statement",
    level=Level.SUGGESTION,
    title="A statement repeats another statement of the policy",
    rationale="Two statements that differ at most in their Sid grant (or deny) the same thing twice. When "
    "someone edits one copy, the other keeps the old permissions. IAM Access Analyzer suggests removing it.",
    remediation="Remove the repeated statement.",
    references=(_AA_DOC,),
    access_analyzer=("Redundant statement",),
)
def redundant_statement(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    seen: dict[str, Statement] = {}
    shapes = [_shape(stmt) for stmt in doc.statements]
    alike = Counter(shapes)
    for stmt, shape in zip(doc.statements, shapes, strict=True):
        if alike[shape] < 2:
            continue  # no other statement even looks alike: skip serialising it
        key = _without_sid(stmt)
        if key is None:
            continue
        first = seen.setdefault(key, stmt)
        if first is not stmt:
            yield Report(stmt.node, f"statement #{stmt.index + 1} repeats statement #{first.index + 1}")


#: numeric operators whose values are alternatives of which only the widest matters: "greatest" or "least"
_WIDEST = {
    "numericlessthan": "greatest",
    "numericlessthanequals": "greatest",
    "numericgreaterthan": "least",
    "numericgreaterthanequals": "least",
}


def _number(node: object) -> Decimal | None:
    from decimal import Decimal, InvalidOperation  # only numeric conditions need it: not at start-up

    if not isinstance(node, ScalarNode) or isinstance(node.value, bool) or node.value is None:
        return None
    try:
        return Decimal(str(node.value))
    except InvalidOperation:
        return None


@policy_rule(
    id="PL913",
    name="redundant-condition-value",
    level=Level.SUGGESTION,
    title="Numeric condition values of which only the widest counts",
    rationale='NumericLessThan {"aws:MultiFactorAuthAge": ["3600", "1200"]} matches when any value does, so '
    "only the greatest (for LessThan; the least for GreaterThan) counts and the others suggest a limit that is "
    "not there. IAM Access Analyzer suggests keeping one value.",
    remediation="Keep the single value that states the intended limit.",
    references=(_AA_DOC,),
    access_analyzer=("Redundant condition value num",),
)
def redundant_condition_value(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for entry in stmt.conditions:
            operator = parse_operator(str(entry.operator.value))
            widest = _WIDEST.get(operator.base)
            if widest is None or operator.qualifier or not isinstance(entry.value_node, ArrayNode):
                continue
            numbers = [_number(item) for item in entry.value_node.items]
            if len(numbers) < 2 or any(n is None for n in numbers):
                continue
            values = [n for n in numbers if n is not None]
            keep = max(values) if widest == "greatest" else min(values)
            yield Report(
                entry.value_node,
                f"only the {widest} of these values counts for {entry.operator.value} {entry.key.value}: {keep}",
                f"keep {keep} alone",
            )
