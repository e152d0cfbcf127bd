"""Effective permissions of a set of identity policies.

:class:`PermissionSet` answers, for one action and a resource scope, whether the
policies allow it, and how::

    >>> from policy_lint.reference.managed import load_managed
    >>> perms = PermissionSet.from_documents([load_managed("ReadOnlyAccess").document])
    >>> perms.evaluate("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:123456789012:q").status
    'allowed'
    >>> perms.evaluate("ec2:TerminateInstances").status
    'implicit-deny'

Semantics (IAM's policy evaluation logic, restricted to identity policies):

* an explicit Deny beats any Allow; no applicable Allow is an implicit deny;
* ``Action`` matches the listed patterns; ``NotAction`` matches every action of every
  service except the listed ones; actions compare case-insensitively, ``*`` is any run
  of characters and ``?`` one character;
* ``Resource`` / ``NotResource`` likewise, but ARNs compare case-sensitively;
* the queried resource is a *scope*, itself possibly a pattern: a statement covers the
  scope when its pattern's wildcards match the scope literally (``*`` covers everything,
  ``arn:aws:s3:::b/*`` covers ``arn:aws:s3:::b/logs/*``, a specific ARN does not cover
  ``*``). A statement that matches only part of the scope counts, but not fully;
* a statement with a Condition is *conditional*: static analysis cannot tell whether the
  request satisfies it. It is kept as evidence: a conditional Allow gives "conditional",
  and so does a conditional Deny over an Allow ("conditional", not "denied"). Conditions
  the caller states as given (``assume=``, e.g. the reference statement's own tag
  condition) count as satisfied; a negated condition contradicted by them does not apply.

A statement with an invalid Effect, or without Action/NotAction or Resource/NotResource,
grants and denies nothing (IAM would reject the policy; the grammar rules report it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from policy_lint.catalog.actions import ActionCatalog, ActionInfo
from policy_lint.core.findings import Location
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.syntax.nodes import Node, ScalarNode

Status = Literal["allowed", "conditional", "denied", "implicit-deny"]
STATUSES: tuple[Status, ...] = ("allowed", "conditional", "denied", "implicit-deny")

_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


# --------------------------------------------------------------------------- wildcards


@lru_cache(maxsize=8192)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=8192)
def _glob_over_pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """Like :func:`_glob`, but ``?`` never matches a ``*`` of the target: one character
    does not cover a run of any length (``a?c`` does not cover ``a*c``)."""
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "[^*]")
    return re.compile(body + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _ascii(*texts: str) -> bool:
    """ASCII text lower-cases the way ``re.IGNORECASE`` compares it (other scripts have exceptions)."""
    return all(text.isascii() for text in texts)


def glob_covers(pattern: str, target: str, ignore_case: bool = False) -> bool:
    """True when ``pattern``'s wildcards match ``target`` taken literally, so every string
    ``target`` stands for is matched by ``pattern`` (``*`` covers everything)."""
    if pattern == "*" or pattern == target:
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == target.lower() if ignore_case else False
    head = pattern[:-1]
    if (
        pattern[-1] == "*"
        and "*" not in head
        and "?" not in head
        and (not ignore_case or _ascii(pattern, target))
    ):
        # "prefix*", the commonest pattern, without compiling a regular expression for it
        return target.lower().startswith(head.lower()) if ignore_case else target.startswith(head)
    if "?" not in pattern and (not ignore_case or _ascii(pattern, target)):
        if ignore_case:
            pattern, target = pattern.lower(), target.lower()
        return _stars_match(pattern.split("*"), target)
    compiled = _glob_over_pattern if "*" in target else _glob
    return compiled(pattern, ignore_case).match(target) is not None


def _stars_match(parts: list[str], target: str) -> bool:
    """``*``-only glob matching (the pattern split at its stars) without a regular expression: the
    first and last parts anchor the ends, the others are found left to right (leftmost is always
    safe for ``*``). A ``*`` in ``target`` is only ever consumed by a star of the pattern, since no
    part holds one, which is what :func:`_glob_over_pattern` asks."""
    first, last = parts[0], parts[-1]
    if len(first) + len(last) > len(target) or not target.startswith(first) or not target.endswith(last):
        return False
    position, end = len(first), len(target) - len(last)
    for part in parts[1:-1]:
        if part:
            found = target.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
    return True


def glob_overlaps(a: str, b: str, ignore_case: bool = False) -> bool:
    """True when some string matches both wildcard patterns (``*`` and ``?`` in either)."""
    if a == "*" or b == "*" or a == b:
        return True
    if ignore_case:
        a, b = a.lower(), b.lower()
    return _overlaps(a, b)


def _trim_fixed_ends(a: str, b: str) -> tuple[str, str] | None:
    """``a`` and ``b`` without the ends where neither has a ``*``, or None when those ends cannot
    match. Only ``*`` matches a run of any length, so two leading characters that are not ``*``
    must stand for the same one character (equal, or one is ``?``), and so must two trailing
    ones: removing them keeps the answer and leaves the search only the part between the stars
    (two ARNs differ from their first star on, not in ``arn:aws:iam::``)."""
    start, stop_a, stop_b = 0, len(a), len(b)
    limit = min(stop_a, stop_b)
    while start < limit:
        ca, cb = a[start], b[start]
        if ca == "*" or cb == "*":
            break
        if ca != cb and ca != "?" and cb != "?":
            return None
        start += 1
    while stop_a > start and stop_b > start:
        ca, cb = a[stop_a - 1], b[stop_b - 1]
        if ca == "*" or cb == "*":
            break
        if ca != cb and ca != "?" and cb != "?":
            return None
        stop_a -= 1
        stop_b -= 1
    return a[start:stop_a], b[start:stop_b]


@lru_cache(maxsize=8192)
def _overlaps(a: str, b: str) -> bool:
    trimmed = _trim_fixed_ends(a, b)
    if trimmed is None:
        return False
    a, b = trimmed
    if not a or not b:  # one side is used up: the other must be able to match nothing
        return not a.strip("*") and not b.strip("*")
    if not a.strip("*") or not b.strip("*"):  # one side is only stars: it matches what the other does
        return True
    if (a[0] == "*" and b[-1] == "*") or (b[0] == "*" and a[-1] == "*"):
        # b's text, then a's (each star empty, each ? any character): a's first star takes b's
        # part and b's last star takes a's, so both match it
        return True
    # Breadth-first search over (position in a, position in b) of the product automaton.
    n, m = len(a), len(b)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == n and j == m:
            return True
        ca = a[i] if i < n else None
        cb = b[j] if j < m else None
        if ca == "*":
            stack.append((i + 1, j))  # the star matches nothing more
        if cb == "*":
            stack.append((i, j + 1))
        if ca is None or cb is None:
            continue
        # consume one character common to both sides
        if ca == "*" or cb == "*" or ca == "?" or cb == "?" or ca == cb:
            stack.append((i if ca == "*" else i + 1, j if cb == "*" else j + 1))
    return False


# --------------------------------------------------------------------------- conditions

_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
_GLOB_OPERATORS = frozenset(
    {"stringlike", "arnlike", "arnequals", "stringnotlike", "arnnotlike", "arnnotequals"}
)
_STRING_FAMILY = frozenset({"stringequals", "stringlike"})
_ARN_FAMILY = frozenset({"arnequals", "arnlike"})


def _split_operator(operator: str) -> tuple[str, str]:
    """``ForAllValues:StringNotLikeIfExists`` -> (``forallvalues:``, ``stringnotlikeifexists``)."""
    lowered = operator.lower()
    qualifier, sep, base = lowered.rpartition(":")
    return (qualifier + sep, base)


@dataclass(frozen=True)
class Condition:
    """One ``operator -> key -> values`` clause of a Condition block."""

    operator: str
    key: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.values) if len(self.values) != 1 else self.values[0]
        return f"{self.operator} {self.key} {shown}"

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator, "key": self.key, "values": list(self.values)}

    @property
    def key_lower(self) -> str:
        return self.key.lower()

    def implied_by(self, given: Iterable[Condition]) -> bool:
        """True when any request satisfying a ``given`` clause also satisfies this one.

        Positive string/ARN operators: the given clause constrains the same key at least as
        tightly (each of its values is covered by one of ours). Negated ones: ours excludes
        no more than a given negated clause, or nothing a given positive clause allows.
        ``...IfExists`` is implied by the plain operator, not the other way round. Anything
        else must be written identically.
        """
        qualifier, base = _split_operator(self.operator)
        if_exists = base.endswith("ifexists")
        base = base.removesuffix("ifexists")
        for other in given:
            if other.key_lower != self.key_lower:
                continue
            o_qualifier, o_base = _split_operator(other.operator)
            if o_qualifier != qualifier or (o_base.endswith("ifexists") and not if_exists):
                continue
            o_base = o_base.removesuffix("ifexists")
            if o_base == base and set(other.values) == set(self.values):
                return True
            if base in _NEGATED:
                if o_base in _NEGATED and _same_family(_NEGATED[base], _NEGATED[o_base]):
                    if all(
                        any(_value_covers(o_base, ov, base, v) for ov in other.values) for v in self.values
                    ):
                        return True
                elif _same_family(_NEGATED[base], o_base) and not any(
                    _value_overlaps(base, v, o_base, ov) for ov in other.values for v in self.values
                ):
                    return True
                continue
            if _same_family(base, o_base) and all(
                any(_value_covers(base, v, o_base, ov) for v in self.values) for ov in other.values
            ):
                return True
        return False

    def contradicted_by(self, given: Iterable[Condition]) -> bool:
        """True when no request satisfying a ``given`` clause can satisfy this one: e.g.
        ``StringNotLike Name scan*`` or ``StringLike Name other*`` under ``StringLike Name scan-1*``."""
        qualifier, base = _split_operator(self.operator)
        base = base.removesuffix("ifexists")
        if qualifier:
            return False
        positive = _NEGATED.get(base)
        for other in given:
            o_qualifier, o_base = _split_operator(other.operator)
            if other.key_lower != self.key_lower or o_qualifier or o_base.endswith("ifexists"):
                continue
            if positive is not None:
                if _same_family(positive, o_base) and all(
                    any(_value_covers(base, v, o_base, ov) for v in self.values) for ov in other.values
                ):
                    return True
            elif (
                (base in _STRING_FAMILY or base in _ARN_FAMILY)
                and _same_family(base, o_base)
                and not any(_value_overlaps(base, v, o_base, ov) for v in self.values for ov in other.values)
            ):
                return True
        return False


def _same_family(a: str, b: str) -> bool:
    return a == b or (a in _STRING_FAMILY and b in _STRING_FAMILY) or (a in _ARN_FAMILY and b in _ARN_FAMILY)


def _value_covers(ours_base: str, ours: str, given_base: str, given: str) -> bool:
    """Does condition value ``ours`` (under ``ours_base``) accept every request value that
    ``given`` (under ``given_base``) accepts? A literal never covers a wildcard pattern."""
    ours_base = ours_base.removesuffix("ifexists")
    given_base = given_base.removesuffix("ifexists")
    given_is_set = given_base in _GLOB_OPERATORS and ("*" in given or "?" in given)
    if ours_base in _GLOB_OPERATORS:
        return glob_covers(ours, given)
    if given_is_set:
        return False
    if ours_base.endswith("ignorecase"):
        return ours.lower() == given.lower()
    return ours == given


def _value_overlaps(a_base: str, a: str, b_base: str, b: str) -> bool:
    """Can one request value satisfy both condition values (each under its own operator)?"""
    a_base = a_base.removesuffix("ifexists")
    b_base = b_base.removesuffix("ifexists")
    if a_base in _GLOB_OPERATORS or b_base in _GLOB_OPERATORS:
        return glob_overlaps(a, b)
    if a_base.endswith("ignorecase") or b_base.endswith("ignorecase"):
        return a.lower() == b.lower()
    return a == b


def _scalar_text(node: Node) -> str | None:
    if isinstance(node, ScalarNode) and node.value is not None:
        value = node.value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    return None


def conditions_of(stmt: Statement) -> tuple[Condition, ...]:
    """The statement's Condition block as clauses (non-scalar values are skipped)."""
    out: list[Condition] = []
    for entry in stmt.conditions:
        values = tuple(v for v in (_scalar_text(n) for n in entry.values) if v is not None)
        out.append(Condition(str(entry.operator.value), str(entry.key.value), values))
    return tuple(out)


# --------------------------------------------------------------------------- risk classes

#: Verbs of actions that destroy, stop or cut off resources, or replace their policies.
_DESTRUCTIVE = re.compile(
    r"^(?:delete|terminate|stop|detach|disable|deregister|revoke|remove|purge|destroy|disassociate)"
    r"|^(?:put|attach|set|update|replace)\w*policy$",
    re.IGNORECASE,
)
#: Access levels that change something (the catalog's can be composite: "Permissions management, Write").
CHANGING_ACCESS_LEVELS = ("Write", "Permissions management", "Tagging")


def is_destructive(action: str) -> bool:
    """``ec2:TerminateInstances``, ``iam:PutRolePolicy`` ... (by the action's verb)."""
    return _DESTRUCTIVE.search(action.rpartition(":")[2]) is not None


def is_changing(access_level: str) -> bool:
    """Write, Permissions management or Tagging, alone or in a composite level."""
    return any(level in access_level for level in CHANGING_ACCESS_LEVELS)


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class StatementRef:
    """Where a statement is: file, position, 0-based index and Sid."""

    path: str
    line: int
    col: int
    index: int
    sid: str | None
    effect: str

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.col)

    @property
    def label(self) -> str:
        """``statement 3 ("Sid")`` (1-based, as people count)."""
        return f"statement {self.index + 1}" + (f' ("{self.sid}")' if self.sid else "")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col} {self.label}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "statement": self.index + 1,
            "sid": self.sid,
            "effect": self.effect,
        }


class ActionPattern:
    """One Action/NotAction entry, compiled once."""

    __slots__ = ("head", "lowered", "node", "prefix", "text", "wild")

    def __init__(self, text: str, node: ScalarNode | None = None):
        self.text = text
        self.node = node
        self.lowered = text.lower()
        self.prefix = self.lowered.partition(":")[0] if ":" in self.lowered else self.lowered
        self.wild = "*" in text or "?" in text
        # "ec2:Describe*", most wildcards: a prefix test, no regular expression (ASCII only,
        # where lower-casing is all the case-insensitive match does)
        head = self.lowered[:-1]
        simple = self.wild and self.lowered.endswith("*") and "*" not in head and "?" not in head
        self.head = head if simple and self.lowered.isascii() else None

    @property
    def prefix_is_pattern(self) -> bool:
        return "*" in self.prefix or "?" in self.prefix or ":" not in self.lowered

    def matches(self, action: str) -> bool:
        """``action`` is lower-case; it may itself be a pattern (then: does this one cover it)."""
        if not self.wild:
            return self.lowered == action
        if self.head is not None and action.isascii():
            return action.startswith(self.head)
        return _glob(self.lowered, True).match(action) is not None  # compiled on first need

    def __repr__(self) -> str:
        return f"ActionPattern({self.text!r})"


class ResourcePattern:
    """One Resource/NotResource entry; IAM policy variables (``${aws:username}``) make it request-dependent."""

    __slots__ = ("glob", "has_variable", "node", "text")

    def __init__(self, text: str, node: ScalarNode | None = None):
        self.text = text
        self.node = node
        self.has_variable = "${" in text
        self.glob = _POLICY_VARIABLE.sub("*", text) if self.has_variable else text

    def covers(self, scope: str) -> bool:
        if self.has_variable:
            # depends on who asks: never the whole scope for sure, but the same text with the
            # same variables means the same resources in one request
            return scope == self.text
        return glob_covers(self.text, scope)

    def overlaps(self, scope: str) -> bool:
        return glob_overlaps(self.glob, scope)


class PolicyStatement:
    """A statement compiled for evaluation, with the document it comes from (for evidence)."""

    __slots__ = (
        "_ref",
        "actions",
        "conditions",
        "document",
        "effect",
        "not_action",
        "not_resource",
        "resources",
        "statement",
        "valid",
    )

    def __init__(self, document: PolicyDocument, statement: Statement):
        self.document = document
        self.statement = statement
        effect = statement.effect_value
        self.effect = effect if effect in ("Allow", "Deny") else ""
        self.not_action = statement.uses_not_action
        self.actions = tuple(ActionPattern(str(n.value), n) for n in statement.actions)
        self.not_resource = statement.uses_not_resource
        self.resources = tuple(ResourcePattern(str(n.value), n) for n in statement.resources)
        self.conditions = conditions_of(statement)
        # A trust policy's statements name a Principal and no Resource: they apply to the role the
        # policy is attached to, which is the whole scope of the question asked of them.
        attached = statement.resource_key is None and statement.principal_key is not None
        if attached:
            self.resources = (ResourcePattern("*"),)
        self.valid = bool(
            self.effect
            and statement.action_key is not None
            and (statement.resource_key is not None or attached)
            and (self.actions or self.not_action)
            and (self.resources or self.not_resource)
        )
        self._ref: StatementRef | None = None

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def ref(self) -> StatementRef:
        if self._ref is None:
            stmt = self.statement
            line, col = self.document.source.position(stmt.node.offset)
            sid = (
                stmt.sid.value
                if isinstance(stmt.sid, ScalarNode) and isinstance(stmt.sid.value, str)
                else None
            )
            self._ref = StatementRef(self.document.path, line, col, stmt.index, sid, self.effect)
        return self._ref

    def location_of(self, node: Node | None) -> Location:
        if node is None:
            return self.ref.location
        line, col = self.document.source.position(node.offset)
        return Location(self.document.path, line, col)

    def matching_pattern(self, action: str) -> ActionPattern | None:
        """The first Action entry matching ``action`` (lower-case); None for NotAction statements."""
        if self.not_action:
            return None
        return next((p for p in self.actions if p.matches(action)), None)

    def matches_action(self, action: str) -> bool:
        if self.not_action:
            return not any(p.matches(action) for p in self.actions)
        return any(p.matches(action) for p in self.actions)

    def expand(self, catalog: ActionCatalog) -> list[ExpandedAction]:
        """The concrete actions this statement names, from the catalog.

        Patterns the catalog cannot expand (unknown or retired services, undocumented
        actions) are kept as written, lower-cased, so they are still compared literally.
        ``NotAction`` expands to every catalogued action it does not exclude.
        """
        out: dict[str, ExpandedAction] = {}
        if self.not_action:
            for info in catalog.match("*"):
                key = info.full_name.lower()
                if not any(p.matches(key) for p in self.actions):
                    out.setdefault(key, ExpandedAction(key, info.full_name, None, info))
            return list(out.values())
        for pattern in self.actions:
            infos = catalog.match(pattern.text) if ":" in pattern.text or pattern.text == "*" else []
            if not infos:
                out.setdefault(pattern.lowered, ExpandedAction(pattern.lowered, pattern.text, pattern, None))
            for info in infos:
                key = info.full_name.lower()
                out.setdefault(key, ExpandedAction(key, info.full_name, pattern, info))
        return list(out.values())

    def __repr__(self) -> str:
        return f"PolicyStatement({self.document.path}#{self.statement.index} {self.effect})"


@dataclass(frozen=True)
class ExpandedAction:
    """A concrete action a statement grants: lower-case key, display name, the pattern it came from."""

    key: str
    name: str
    pattern: ActionPattern | None = field(compare=False)
    info: ActionInfo | None = field(compare=False)

    @property
    def access_level(self) -> str:
        return self.info.access_level if self.info is not None else "Unknown"


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Grant:
    """Evidence: one statement that applies to the queried action and scope.

    ``conditions`` are the statement's clauses *not* implied by the assumptions (empty: it
    applies unconditionally); ``covers_scope`` is False when it applies to part of the
    scope only; ``resources`` are the statement's resource entries that touch the scope.
    """

    statement: PolicyStatement = field(compare=False, repr=False)
    ref: StatementRef
    action_pattern: str
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]
    covers_scope: bool
    action_node: ScalarNode | None = field(default=None, compare=False, repr=False)

    @property
    def effect(self) -> str:
        return self.ref.effect

    @property
    def unconditional(self) -> bool:
        return not self.conditions

    @property
    def full(self) -> bool:
        """Applies to the whole scope whatever the request: decides on its own."""
        return self.unconditional and self.covers_scope

    @property
    def location(self) -> Location:
        """The matching Action entry (or the NotAction key), else the statement."""
        node: Node | None = self.action_node
        if node is None and self.statement.not_action:
            node = self.statement.statement.action_key
        return self.statement.location_of(node)

    def describe(self) -> str:
        parts = [f"{self.ref} via {self.action_pattern}"]
        if not self.covers_scope:
            kind = "NotResource" if self.not_resource else "Resource"
            parts.append(f"only part of the scope ({kind} {', '.join(self.resources)})")
        if self.conditions:
            parts.append("if " + " and ".join(str(c) for c in self.conditions))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.ref.to_dict(),
            "action_pattern": self.action_pattern,
            "resources": list(self.resources),
            "not_resource": self.not_resource,
            "covers_scope": self.covers_scope,
            "conditions": [c.to_dict() for c in self.conditions],
        }


@dataclass(frozen=True)
class Decision:
    """The answer for one action on one resource scope, with the statements that decided it."""

    action: str
    resource: str
    status: Status
    allows: tuple[Grant, ...] = ()
    denies: tuple[Grant, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.status == "allowed"

    @property
    def deciding_denies(self) -> tuple[Grant, ...]:
        return tuple(g for g in self.denies if g.full)

    @property
    def limits(self) -> tuple[Grant, ...]:
        """Why the answer is only "conditional": partial or conditional allows and denies."""
        if self.status != "conditional":
            return ()
        if any(g.full for g in self.allows):
            return self.denies
        return self.allows + self.denies

    def explain(self) -> str:
        head = f"{self.action} on {self.resource}: {self.status}"
        if self.status == "denied":
            return head + " by " + "; ".join(g.describe() for g in self.deciding_denies)
        if self.status == "allowed":
            return head + " by " + "; ".join(g.describe() for g in self.allows if g.full)
        if self.status == "conditional":
            return head + ": " + "; ".join(f"{g.effect} {g.describe()}" for g in self.limits)
        return head + " (no statement allows it)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "status": self.status,
            "allowed_by": [g.to_dict() for g in self.allows],
            "denied_by": [g.to_dict() for g in self.denies],
        }


class PermissionSet:
    """The effective permissions of a set of identity policy statements.

    Statements are indexed by service prefix, so a query looks only at the patterns of
    its own service plus the few that span services (``*``, ``NotAction``, ``*:Get*``):
    checking thousands of actions against ReadOnlyAccess takes milliseconds.
    """

    def __init__(self, statements: Iterable[PolicyStatement]):
        self.statements: tuple[PolicyStatement, ...] = tuple(s for s in statements if s.valid)
        self._by_prefix: dict[str, list[tuple[PolicyStatement, ActionPattern]]] = {}
        self._spanning: list[tuple[PolicyStatement, ActionPattern | None]] = []
        for stmt in self.statements:
            if stmt.not_action:
                self._spanning.append((stmt, None))
                continue
            for pattern in stmt.actions:
                if pattern.prefix_is_pattern:
                    self._spanning.append((stmt, pattern))
                else:
                    self._by_prefix.setdefault(pattern.prefix, []).append((stmt, pattern))

    @classmethod
    def from_documents(cls, documents: Iterable[PolicyDocument]) -> PermissionSet:
        return cls(PolicyStatement(doc, stmt) for doc in documents for stmt in doc.statements)

    @classmethod
    def from_statements(cls, pairs: Iterable[tuple[PolicyDocument, Statement]]) -> PermissionSet:
        return cls(PolicyStatement(doc, stmt) for doc, stmt in pairs)

    def __len__(self) -> int:
        return len(self.statements)

    def candidates(self, action: str) -> Iterator[tuple[PolicyStatement, ActionPattern | None]]:
        """Statements whose Action/NotAction matches ``action`` (lower-case), each once."""
        seen: set[int] = set()
        prefix = action.partition(":")[0]
        for stmt, pattern in self._by_prefix.get(prefix, ()):
            if id(stmt) not in seen and pattern.matches(action):
                seen.add(id(stmt))
                yield stmt, pattern
        for stmt, maybe in self._spanning:
            if id(stmt) in seen:
                continue
            if maybe is None:
                if stmt.matches_action(action):
                    seen.add(id(stmt))
                    yield stmt, None
            elif maybe.matches(action):
                seen.add(id(stmt))
                yield stmt, maybe

    def evaluate(
        self,
        action: str,
        resource: str = "*",
        *,
        assume: Sequence[Condition] = (),
        any_resource: bool = False,
    ) -> Decision:
        """Is ``action`` allowed on (all of) ``resource``?

        ``assume``: condition clauses the request is known to satisfy. ``any_resource``:
        ask about *some* resource of the scope rather than all of it (an Allow touching the
        scope is then enough; a Deny still has to cover it all to decide).
        """
        key = action.lower()
        allows: list[Grant] = []
        denies: list[Grant] = []
        for stmt, pattern in self.candidates(key):
            fit = _resource_fit(stmt, resource)
            if fit is None:
                continue
            full_scope, touched = fit
            if any(c.contradicted_by(assume) for c in stmt.conditions):
                continue
            remaining = tuple(c for c in stmt.conditions if not c.implied_by(assume))
            covers = full_scope or (any_resource and stmt.is_allow)
            if pattern is None:
                shown = "NotAction " + ", ".join(p.text for p in stmt.actions)
            else:
                shown = pattern.text
            grant = Grant(
                stmt,
                stmt.ref,
                shown,
                touched,
                stmt.not_resource,
                remaining,
                covers,
                pattern.node if pattern is not None else None,
            )
            (allows if stmt.is_allow else denies).append(grant)
        allows.sort(key=lambda g: (g.ref.path, g.ref.line, g.ref.col))
        denies.sort(key=lambda g: (g.ref.path, g.ref.line, g.ref.col))
        status: Status
        if any(g.full for g in denies):
            status = "denied"
        elif any(g.full for g in allows):
            status = "conditional" if denies else "allowed"
        elif allows:
            status = "conditional"
        else:
            status = "implicit-deny"
        return Decision(action, resource, status, tuple(allows), tuple(denies))

    def allows(self, action: str, resource: str = "*") -> bool:
        return self.evaluate(action, resource).allowed


def _resource_fit(stmt: PolicyStatement, scope: str) -> tuple[bool, tuple[str, ...]] | None:
    """(covers the whole scope, entries that touch it), or None when the statement misses the scope."""
    if not stmt.not_resource:
        covering = tuple(p.text for p in stmt.resources if p.covers(scope))
        if covering:
            return True, covering
        touching = tuple(p.text for p in stmt.resources if p.overlaps(scope))
        return (False, touching) if touching else None
    excluded = tuple(p.text for p in stmt.resources)
    if any(p.covers(scope) for p in stmt.resources):
        return None  # the whole scope is excluded
    if any(p.overlaps(scope) for p in stmt.resources):
        return False, excluded
    return True, excluded
