"""Privilege-escalation paths: which published paths a set of identity policies opens.

The paths are data (``data/escalation-paths.json``): for each, the actions it needs (groups
that must all be allowed, each a list of alternatives), the resource each must be allowed on,
what the attacker gains, the narrowest fix and the public sources. This module decides which
paths a principal's policies open, with the effective-permission evaluator
(:mod:`policy_lint.iam.evaluate`), so Deny, NotAction, NotResource and wildcards count the
way IAM counts them.

API (``lint`` calls it with one document, ``check``/``verify`` with every policy reaching one
principal)::

    find_escalations(
        sources: Sequence[SourcedPolicy],          # identity policies (inline, attached, groups')
        boundaries: Sequence[SourcedPolicy] = (),  # permissions boundaries: each must allow too
        *,
        roles: Sequence[RoleTarget] = (),          # roles the input declares (sts:AssumeRole path)
        principal_arn: str | None = None,          # who asks, for the roles' trust policies
        paths: Sequence[PathSpec] | None = None,   # default: every path of the data file
    ) -> list[EscalationPath]

* :class:`SourcedPolicy` is a document with the label users know it by (file path, Terraform
  address, policy ARN); every :class:`Contribution` carries that label and the statement's
  position (``Location``) and Sid.
* An action counts when some Allow grants it on some resource of the path's scope and no
  Deny covers that resource. A conditional Allow, or a Deny that applies only under a
  condition, makes the path *conditional*: it is reported with the conditions
  (:attr:`EscalationPath.conditions`), never dropped and never reported unconditionally.
* ``not_self`` (CreateAccessKey on *other* users): a Resource naming only the caller's own user
  (``.../user/${aws:username}``) does not count.
* ``passed_to``: a PassRole condition ``iam:PassedToService`` naming the path's own service is
  satisfied; one naming only other services blocks the path.
* ``sts:AssumeRole`` into a broader role needs the target's trust policy and permissions, which
  one policy document does not show: without ``roles`` the path is never reported. With
  ``roles`` (:class:`RoleTarget`: the role's ARN, trust policy and permission policies), it is
  reported when the principal may assume the role, the trust policy admits ``principal_arn``
  and the role's own policies open a path.

Matching needs no catalog expansion: each path names concrete actions, and an Action pattern
(``iam:*``, ``*``, ``iam:Put*Policy``) or a NotAction is matched against that name, which is what
expanding the pattern against the catalog and looking the action up would give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from policy_lint.core.findings import Location
from policy_lint.core.package_data import package_files
from policy_lint.iam.evaluate import (
    Condition,
    Grant,
    PermissionSet,
    PolicyStatement,
    StatementRef,
    glob_covers,
    glob_overlaps,
)
from policy_lint.iam.statements import Principal, principal_of_statement
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.syntax.nodes import Node

DATA_FILE = "escalation-paths.json"
ASSUME_ROLE_PATH = "assume-role"


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Need:
    """One way to satisfy a step: an action allowed on some resource of ``resource``."""

    action: str
    resource: str = "*"
    not_self: bool = False
    passed_to: str | None = None


@dataclass(frozen=True)
class PathSpec:
    """One published escalation path, as the data file describes it."""

    id: str
    rule: str
    title: str
    needs: tuple[tuple[Need, ...], ...]
    gains: str
    fix: str
    facts: tuple[str, ...]
    references: tuple[str, ...]
    iam_vulnerable: str | None = None
    lint: bool = True

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(need.action for group in self.needs for need in group)

    @cached_property
    def steps(self) -> tuple[frozenset[str], ...]:
        """Each step's alternative actions, lower-case (for the pre-check)."""
        return tuple(frozenset(need.action.lower() for need in group) for group in self.needs)


def _need(raw: dict[str, Any]) -> Need:
    return Need(
        str(raw["action"]),
        str(raw.get("resource", "*")),
        bool(raw.get("not_self", False)),
        raw.get("passed_to"),
    )


@lru_cache(maxsize=1)
def load_paths() -> tuple[PathSpec, ...]:
    """Every path of the data file, publication names resolved to their URLs."""
    text = package_files("policy_lint.iam").joinpath("data").joinpath(DATA_FILE).read_text("utf-8")
    data = json.loads(text)
    named: dict[str, str] = data["publications"]
    return tuple(
        PathSpec(
            id=raw["id"],
            rule=raw["rule"],
            title=raw["title"],
            needs=tuple(tuple(_need(n) for n in group) for group in raw["needs"]),
            gains=raw["gains"],
            fix=raw["fix"],
            facts=tuple(raw["facts"]),
            references=tuple(named.get(r, r) for r in raw["references"]),
            iam_vulnerable=raw.get("iam_vulnerable"),
            lint=bool(raw.get("lint", True)),
        )
        for raw in data["paths"]
    )


@lru_cache(maxsize=1)
def path_actions() -> frozenset[str]:
    """Every action some path needs, lower-case (for the cheap pre-check)."""
    return frozenset(a.lower() for spec in load_paths() for a in spec.actions)


# --------------------------------------------------------------------------- inputs and results


@dataclass(frozen=True)
class SourcedPolicy:
    """A policy document and the name users know it by (file path, Terraform address, ARN)."""

    document: PolicyDocument
    label: str
    kind: Literal["identity", "boundary"] = "identity"

    @cached_property
    def assume_role_statements(self) -> tuple[tuple[PolicyStatement, Principal], ...]:
        """Its statements about sts:AssumeRole that name a principal, compiled once: a trust
        policy is asked about every principal of the input (:func:`trust_admits`)."""
        out = []
        for stmt in self.document.statements:
            compiled = PolicyStatement(self.document, stmt)
            if not compiled.effect or not compiled.matches_action("sts:assumerole"):
                continue
            principal = principal_of_statement(stmt)
            if principal is not None:
                out.append((compiled, principal))
        return tuple(out)


@dataclass(frozen=True)
class RoleTarget:
    """A role the input declares: what ``sts:AssumeRole`` into it would give."""

    arn: str
    trust: SourcedPolicy | None
    permissions: tuple[SourcedPolicy, ...] = ()
    boundary: SourcedPolicy | None = None

    @cached_property
    def own_paths(self) -> tuple[str, ...]:
        """The IDs of the paths the role's own policies open (found once, however many
        principals may assume it)."""
        found = find_escalations(
            list(self.permissions),
            [self.boundary] if self.boundary is not None else (),
            paths=[p for p in load_paths() if p.id != ASSUME_ROLE_PATH],
        )
        return tuple(p.id for p in found)


@dataclass(frozen=True)
class Contribution:
    """One statement that grants (or, under a condition, fails to deny) an action a path needs."""

    action: str
    resource: str
    label: str
    statement: StatementRef
    effect: str
    pattern: str
    conditions: tuple[str, ...] = ()
    kind: Literal["identity", "boundary", "trust", "role"] = "identity"
    #: the Action entry that matched (the Action/NotAction key for NotAction), for a finding's position
    node: Node | None = field(default=None, compare=False, repr=False)
    #: True when ``resource`` is the statement's own Resource entry, narrower than the path's scope
    narrowed: bool = False

    @property
    def location(self) -> Location:
        return self.statement.location

    def describe(self) -> str:
        """``iam:PassRole: p.json:4:5 statement 1 ("Pass") via iam:*``."""
        where = f"{self.label}:{self.statement.line}:{self.statement.col} {self.statement.label}"
        text = f"{self.action}: {where} via {self.pattern}"
        if self.narrowed:
            text += f" on {self.resource}"
        if self.kind != "identity":
            text += f" ({self.kind})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "label": self.label,
            **self.statement.to_dict(),
            "pattern": self.pattern,
            "conditions": list(self.conditions),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class EscalationPath:
    """A path the policies open: the statements that make it, and the conditions it depends on."""

    spec: PathSpec
    conditions: tuple[str, ...]
    contributions: tuple[Contribution, ...]
    #: for the sts:AssumeRole path: the role assumed, and the paths its own policies open
    via_role: str | None = None
    role_paths: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def rule_id(self) -> str:
        return self.spec.rule

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def conditional(self) -> bool:
        return bool(self.conditions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.id,
            "rule_id": self.rule_id,
            "title": self.title,
            "conditions": list(self.conditions),
            "contributions": [c.to_dict() for c in self.contributions],
            "via_role": self.via_role,
            "role_paths": list(self.role_paths),
        }


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Option:
    """One way a step is satisfied: the sub-scope it holds on, its conditions, its evidence."""

    scope: str
    conditions: tuple[str, ...]
    contributions: tuple[Contribution, ...]


def _names_only_self(entry: str) -> bool:
    """``arn:aws:iam::*:user/${aws:username}``: the caller's own user, whoever calls."""
    return entry.rpartition("/")[2].lower() == "${aws:username}"


def _assumptions(need: Need) -> tuple[Condition, ...]:
    if need.passed_to is None:
        return ()
    return (Condition("StringEquals", "iam:PassedToService", (need.passed_to,)),)


def _variable_free(entry: str) -> str:
    """A Resource entry as a scope: policy variables stand for any text."""
    if "${" not in entry:
        return entry
    out, rest = [], entry
    while "${" in rest:
        head, _, tail = rest.partition("${")
        out.append(head + "*")
        rest = tail.partition("}")[2]
    return "".join(out) + rest


def _same_kind(entry: str, scope: str) -> bool:
    """Can the Resource entry name a resource of the scope's service and type, field by field?

    Whole-string wildcard overlap lets ``arn:aws:glue:*:*:database/*`` meet
    ``arn:aws:glue:*:<account>:devEndpoint/*`` (its region ``*`` stretching over the colons); IAM
    compares an ARN's service, and a resource type is fixed text, so they are compared apart.
    """
    if not entry.startswith("arn:") or not scope.startswith("arn:"):
        return True
    ours = entry.split(":", 5)
    theirs = scope.split(":", 5)
    if len(ours) < 6 or len(theirs) < 6:
        return True  # "arn:aws:glue:*": its last star spans the rest
    return glob_overlaps(ours[2], theirs[2], ignore_case=True) and glob_overlaps(ours[5], theirs[5])


def _sub_scope(grant: Grant, scope: str, not_self: bool) -> str | None:
    """The part of ``scope`` the Allow grants: the whole scope, or its first Resource entry in it.

    A NotResource Allow that is a grant at all leaves part of the scope, so it keeps the scope.
    """
    if grant.not_resource:
        return scope
    entries = [e for e in grant.resources if _same_kind(e, scope) and not (not_self and _names_only_self(e))]
    if not entries:
        return None
    if any("${" not in e and glob_covers(e, scope) for e in entries):
        return scope
    return _variable_free(entries[0])


def partitions_of(documents: Iterable[PolicyDocument]) -> tuple[str, ...]:
    """The partitions the documents' Resource entries name (``arn:aws-cn:...``); ``aws`` when none.

    A path's scope (``arn:*:iam::*:user/*``) is asked per partition, so that ``Deny`` on
    ``arn:aws:iam::*:user/*`` blocks it rather than leaving the other partitions open.
    """
    found: dict[str, None] = {}
    for doc in documents:
        for stmt in doc.statements:
            for node in stmt.resources:
                text = str(node.value)
                if text.startswith("arn:"):
                    partition = text.split(":", 2)[1]
                    if partition and "*" not in partition and "?" not in partition and "$" not in partition:
                        found.setdefault(partition, None)
    return tuple(found) or ("aws",)


def _in_partition(resource: str, partition: str) -> str:
    return resource.replace("arn:*:", f"arn:{partition}:", 1) if resource.startswith("arn:*:") else resource


def _texts(conditions: Iterable[Condition]) -> tuple[str, ...]:
    return tuple(str(c) for c in conditions)


class _Evaluator:
    """Labels and permission sets of one principal's policies, evaluated step by step."""

    def __init__(
        self,
        sources: Sequence[SourcedPolicy],
        kind: Literal["identity", "boundary", "role"],
        statements: Sequence[tuple[PolicyDocument, Statement]] | None = None,
    ):
        self.kind = kind
        self.labels = {id(s.document): s.label for s in sources}
        if statements is None:
            statements = relevant_statements(s.document for s in sources)[0]
        self.perms = PermissionSet.from_statements(statements)
        self._options: dict[tuple[Need, str], list[_Option]] = {}

    def _contribution(
        self, need: Need, scope: str, grant: Grant, conditions: tuple[str, ...], narrowed: bool = False
    ) -> Contribution:
        stmt: PolicyStatement = grant.statement
        return Contribution(
            need.action,
            scope,
            self.labels.get(id(stmt.document), stmt.document.path),
            grant.ref,
            grant.effect,
            grant.action_pattern,
            conditions,
            self.kind,
            grant.action_node if grant.action_node is not None else stmt.statement.action_key,
            narrowed,
        )

    def options(self, need: Need, scope: str) -> list[_Option]:
        """Every Allow that grants ``need`` on some resource of ``scope`` and that no Deny blocks."""
        key = (need, scope)
        if key not in self._options:
            self._options[key] = self._evaluate(need, scope)
        return self._options[key]

    def _evaluate(self, need: Need, scope: str) -> list[_Option]:
        assume = _assumptions(need)
        decision = self.perms.evaluate(need.action, scope, assume=assume, any_resource=True)
        out: list[_Option] = []
        for grant in decision.allows:
            sub = _sub_scope(grant, scope, need.not_self)
            if sub is None:
                continue
            on_sub = self.perms.evaluate(need.action, sub, assume=assume) if sub != scope else decision
            if any(g.full for g in on_sub.denies):
                continue
            allow_conditions = _texts(grant.conditions)
            evidence = [self._contribution(need, sub, grant, allow_conditions, sub != scope)]
            unless: list[str] = []
            for deny in on_sub.denies:
                if deny.conditions and deny.covers_scope:
                    texts = _texts(deny.conditions)
                    negated = "not (" + " and ".join(texts) + ")"
                    unless.append(negated)
                    evidence.append(self._contribution(need, sub, deny, (negated,)))
            out.append(_Option(sub, (*allow_conditions, *unless), tuple(evidence)))
        out.sort(key=lambda o: (len(o.conditions), o.contributions[0].statement.line))
        return out


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(texts))


def _step(
    group: tuple[Need, ...], identity: _Evaluator, boundaries: Sequence[_Evaluator], partition: str
) -> _Option | None:
    """The best way (fewest conditions) to satisfy one step, through identity and every boundary."""
    best: _Option | None = None
    for need in group:
        for option in identity.options(need, _in_partition(need.resource, partition)):
            conditions = list(option.conditions)
            evidence = list(option.contributions)
            blocked = False
            for boundary in boundaries:
                allowed = boundary.options(need, option.scope)
                if not allowed:
                    blocked = True
                    break
                conditions += allowed[0].conditions
                evidence += allowed[0].contributions
            if blocked:
                continue
            candidate = _Option(option.scope, _unique(conditions), tuple(evidence))
            if best is None or len(candidate.conditions) < len(best.conditions):
                best = candidate
            if not best.conditions:
                return best
    return best


def _open(
    spec: PathSpec, identity: _Evaluator, boundaries: Sequence[_Evaluator], partitions: Sequence[str]
) -> EscalationPath | None:
    """The path in the partition where it needs the fewest conditions, or None."""
    best: EscalationPath | None = None
    for partition in partitions:
        conditions: list[str] = []
        evidence: list[Contribution] = []
        for group in spec.needs:
            option = _step(group, identity, boundaries, partition)
            if option is None:
                break
            conditions += option.conditions
            evidence += option.contributions
        else:
            path = EscalationPath(spec, _unique(conditions), tuple(evidence))
            if best is None or len(path.conditions) < len(best.conditions):
                best = path
    return best


def find_escalations(
    sources: Sequence[SourcedPolicy],
    boundaries: Sequence[SourcedPolicy] = (),
    *,
    roles: Sequence[RoleTarget] = (),
    principal_arn: str | None = None,
    paths: Sequence[PathSpec] | None = None,
) -> list[EscalationPath]:
    """The escalation paths the identity policies ``sources`` open, limited by ``boundaries``.

    Sorted by rule ID. The ``assume-role`` path is judged only for the declared ``roles``.
    """
    statements, allowed = relevant_statements(s.document for s in sources)
    if not allowed:
        return []
    specs = [spec for spec in (load_paths() if paths is None else paths) if _candidate(spec, allowed)]
    if not specs:
        return []
    identity = _Evaluator(sources, "identity", statements)
    limits = [_Evaluator([b], "boundary") for b in boundaries]
    partitions = partitions_of(s.document for s in sources)
    found: list[EscalationPath] = []
    for spec in specs:
        if spec.id == ASSUME_ROLE_PATH:
            found += _assume_role_paths(spec, identity, limits, roles, principal_arn)
            continue
        path = _open(spec, identity, limits, partitions)
        if path is not None:
            found.append(path)
    return sorted(found, key=lambda p: (p.rule_id, p.via_role or ""))


# --------------------------------------------------------------------------- sts:AssumeRole


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def trust_admits(
    trust: SourcedPolicy, principal_arn: str
) -> tuple[bool, tuple[str, ...], list[Contribution]]:
    """Does the role's trust policy let ``principal_arn`` call sts:AssumeRole, and under which conditions?

    A trust policy has no Resource, so it is read statement by statement rather than evaluated.
    """
    account = _account_of(principal_arn)
    partition = principal_arn.split(":")[1] if principal_arn.count(":") >= 5 else "aws"
    names = {principal_arn, account, f"arn:{partition}:iam::{account}:root"}
    allows: list[PolicyStatement] = []
    for compiled, principal in trust.assume_role_statements:
        named = principal.everyone or bool(names & set(principal.aws))
        if principal.negated:
            named = not named
        if not named:
            continue
        if not compiled.is_allow and not compiled.conditions:
            return False, (), []
        if compiled.is_allow:
            allows.append(compiled)
    if not allows:
        return False, (), []
    best = min(allows, key=lambda s: len(s.conditions))
    conditions = _texts(best.conditions)
    contribution = Contribution(
        "sts:AssumeRole",
        principal_arn,
        trust.label,
        best.ref,
        best.effect,
        "sts:AssumeRole",
        conditions,
        "trust",
    )
    return True, conditions, [contribution]


def _assume_role_paths(
    spec: PathSpec,
    identity: _Evaluator,
    limits: Sequence[_Evaluator],
    roles: Sequence[RoleTarget],
    principal_arn: str | None,
) -> list[EscalationPath]:
    out: list[EscalationPath] = []
    if principal_arn is None:
        return out
    for role in roles:
        if role.trust is None or role.arn == principal_arn:
            continue
        admits, trust_conditions, trust_evidence = trust_admits(role.trust, principal_arn)
        if not admits:  # asked first: most roles trust a service, and reading the trust is cheap
            continue
        step = _step((Need("sts:AssumeRole", role.arn),), identity, limits, "aws")
        if step is None:
            continue
        role_paths = role.own_paths
        if not role_paths:
            continue
        evidence = list(step.contributions) + trust_evidence
        out.append(
            EscalationPath(
                spec,
                _unique((*step.conditions, *trust_conditions)),
                tuple(evidence),
                via_role=role.arn,
                role_paths=role_paths,
            )
        )
    return out


# --------------------------------------------------------------------------- the cheap pre-check


@lru_cache(maxsize=1)
def _wanted_by_prefix() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for action in path_actions():
        out.setdefault(action.partition(":")[0], set()).add(action)
    return {prefix: frozenset(actions) for prefix, actions in out.items()}


@lru_cache(maxsize=8192)
def _named_by(pattern: str) -> frozenset[str]:
    """The path actions (lower-case) one Action entry names, by its text alone."""
    text = pattern.lower()
    wanted = path_actions()
    if "*" not in text and "?" not in text:
        return frozenset((text,)) if text in wanted else frozenset()
    prefix, colon, _ = text.partition(":")
    literal = colon and "*" not in prefix and "?" not in prefix
    pool = _wanted_by_prefix().get(prefix, frozenset()) if literal else wanted
    return frozenset(a for a in pool if glob_covers(text, a))


def _statement_names(stmt: Statement) -> frozenset[str]:
    named: frozenset[str] = frozenset()
    services = stmt.named_services  # None: some value could name any service
    if services is None or not services.isdisjoint(_wanted_by_prefix()):
        for node in stmt.actions:
            found = _named_by(str(node.value))
            if found:
                named = named | found
    return path_actions() - named if stmt.uses_not_action else named


def relevant_statements(
    documents: Iterable[PolicyDocument],
) -> tuple[list[tuple[PolicyDocument, Statement]], frozenset[str]]:
    """The statements that name a path action (Allow or Deny), and the path actions some Allow names.

    Only these can change a path's verdict, so only these are compiled and evaluated: the check
    reads Action strings, which keeps ``lint`` as fast on policies that open no path as before.
    """
    statements: list[tuple[PolicyDocument, Statement]] = []
    allowed: set[str] = set()
    for doc in documents:
        for stmt in doc.statements:
            named = _statement_names(stmt)
            if named:
                statements.append((doc, stmt))
                if stmt.is_allow:
                    allowed |= named
    return statements, frozenset(allowed)


def _candidate(spec: PathSpec, allowed: frozenset[str]) -> bool:
    """Every step of the path has an action some Allow names (before Deny, resources and conditions)."""
    return all(not step.isdisjoint(allowed) for step in spec.steps)


def may_open_a_path(documents: Iterable[PolicyDocument]) -> bool:
    """False when no path can be open: some step of each needs an action no Allow statement names."""
    _, allowed = relevant_statements(documents)
    return any(_candidate(spec, allowed) for spec in load_paths())
