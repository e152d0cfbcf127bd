"""Rules users write in their settings (``custom-rules:``), judged by effective permissions.

A custom rule is one of three kinds, each a question the existing semantics already answer, so
there is no second evaluator here:

* ``never-grant`` (AWS's CheckAccessNotGranted): does the policy allow any of these actions on
  any of these resources? :class:`~policy_lint.iam.evaluate.PermissionSet` answers it, so a
  wildcard (``iam:*``, ``*``) or a ``NotAction`` that leaves the action in counts, and a Deny that
  covers the whole scope unconditionally takes it away. A conditional Allow still grants (when its
  condition holds), and a conditional Deny does not take the grant away for sure: both fire.
* ``require-condition``: every Allow statement that grants one of the actions (by the same
  matching: wildcards, ``NotAction``) must hold a condition on one of the keys, with an operator
  that needs the key to be present (not ``...IfExists``, ``Null``, ``ForAllValues:`` or a negated
  operator such as ``StringNotEquals``) and a value that does not match everything (not ``"*"``).
* ``allowed-principals``: in resource and trust policies, every principal an Allow names must be
  one of the listed accounts (12-digit ID, or an ARN in that account) or services; ``*`` counts
  as listed only under a condition that narrows it to listed accounts (``aws:PrincipalAccount``,
  ``aws:SourceAccount``) or listed organizations (``aws:PrincipalOrgID``), since the settings
  cannot know which accounts an organization holds. ``NotPrincipal`` in an Allow never passes.
  Principals the input leaves unresolved (``${...}``) are not judged: uncertain never fails.

:func:`compile_rule` turns a definition into a :class:`~policy_lint.rules.registry.PolicyRule`
the lint engine runs like any PL rule (selection, suppressions, baselines, every report format).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.core.findings import Level, Location
from policy_lint.iam.evaluate import PermissionSet, PolicyStatement, glob_overlaps
from policy_lint.iam.statements import (
    POSITIVE_OPERATORS,
    Principal,
    narrows,
    restricting_conditions,
    views_of_document,
)
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.rules.registry import PolicyRule, Report, RuleMeta
from policy_lint.syntax.nodes import Node

Kind = Literal["never-grant", "require-condition", "allowed-principals"]
KINDS: tuple[Kind, ...] = ("never-grant", "require-condition", "allowed-principals")

#: the reserved ID family of rules users define (CU and three digits); no built-in rule uses it
CUSTOM_FAMILY = "CU"
CUSTOM_ID = re.compile(r"^CU[0-9]{3}$")
#: the family title reports show for a custom rule
CUSTOM_FAMILY_TITLE = "Custom rules (settings)"

#: the policy types each kind judges unless the rule's ``policy-types`` narrows them: SCPs, RCPs
#: and permissions boundaries grant nothing, and only resource and trust policies name principals
DEFAULT_POLICY_TYPES: dict[Kind, tuple[str, ...]] = {
    "never-grant": ("identity", "resource"),
    "require-condition": ("identity", "resource", "trust"),
    "allowed-principals": ("resource", "trust"),
}

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_ARN_ACCOUNT = re.compile(r"^arn:[\w-]+:(?:iam|sts)::([0-9]{12}):")
#: condition keys that narrow ``*`` to accounts, and to organizations (AWS-RESTRICTING-KEYS)
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount", "kms:calleraccount"})
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})


@dataclass(frozen=True)
class CustomRule:
    """One ``custom-rules:`` entry, validated: what it checks and where it is written."""

    id: str
    title: str
    level: Level
    kind: Kind
    #: never-grant, require-condition: action patterns as written (each matches a known action)
    actions: tuple[str, ...] = ()
    #: never-grant: resource scopes (``*`` when not given)
    resources: tuple[str, ...] = ("*",)
    #: require-condition: condition keys, one of which each matching Allow must test
    keys: tuple[str, ...] = ()
    #: allowed-principals
    accounts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    policy_types: tuple[str, ...] = ()
    #: where the rule is defined (the settings file), shown in its help
    defined_at: Location | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return self.policy_types or DEFAULT_POLICY_TYPES[self.kind]


def unmatched_actions(patterns: Iterable[str], catalog: ActionCatalog | None = None) -> list[str]:
    """The patterns that match no catalogued action: such a never-grant would never fire (a false pass)."""
    if catalog is None:
        from policy_lint.catalog.defaults import default_catalog

        catalog = default_catalog()
    return [pattern for pattern in patterns if not catalog.match(pattern)]


def _concrete(rule: CustomRule, catalog: ActionCatalog) -> list[str]:
    """The lower-case action names the rule's patterns stand for."""
    names = {info.full_name.lower() for pattern in rule.actions for info in catalog.match(pattern)}
    return sorted(names)


def _listing(values: Iterable[str], limit: int = 5) -> str:
    items = list(values)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def help_text(rule: CustomRule) -> str:
    """What the rule checks, in words generated from its definition (the rationale reports show)."""
    where = ""
    if (
        rule.defined_at is not None
    ):  # the file's name, not its absolute path: reports stay identical across checkouts
        where = f" Defined in {PurePath(rule.defined_at.path).name}:{rule.defined_at.line}."
    *first, last = rule.types
    types = f" Judges {', '.join(first) + ' and ' if first else ''}{last} policies."
    if rule.kind == "never-grant":
        body = (
            f"Custom rule (never-grant): the policy must not allow any of {_listing(rule.actions)} "
            f"on any of {_listing(rule.resources)}, by effective permissions: a wildcard or a NotAction "
            "that grants one counts, a conditional Allow counts, and only an unconditional Deny covering "
            "the whole scope takes a grant away."
        )
    elif rule.kind == "require-condition":
        body = (
            f"Custom rule (require-condition): every Allow statement that grants any of "
            f"{_listing(rule.actions)} (wildcards and NotAction included) must have a condition on one of "
            f"{_listing(rule.keys)} whose operator needs the key to be present (not ...IfExists, Null, "
            "ForAllValues: or a negated operator) and whose values do not match everything."
        )
    else:
        allowed = [*rule.accounts, *rule.services, *(f"organization {o}" for o in rule.organizations)]
        body = (
            f"Custom rule (allowed-principals): every principal an Allow statement names must be one of "
            f"{_listing(allowed, 8) or 'nothing'}; '*' only under a condition narrowing it to those accounts "
            "or organizations; NotPrincipal never."
        )
    return body + types + where


def remediation(rule: CustomRule) -> str:
    if rule.kind == "never-grant":
        return "Remove or narrow the grant (name the actions and resources it needs), or deny it explicitly."
    if rule.kind == "require-condition":
        keys = f"{'one of ' if len(rule.keys) > 1 else ''}{_listing(rule.keys)}"
        return f"Add a condition on {keys} to the statement, or narrow its actions."
    return "Name only the allowed accounts and services, or add the principal to the rule if it is trusted."


def meta_of(rule: CustomRule) -> RuleMeta:
    """The rule's metadata, as reports show it."""
    name = re.sub(r"[^a-z0-9]+", "-", rule.title.lower()).strip("-")[:60] or rule.id.lower()
    return RuleMeta(
        rule.id,
        name,
        rule.level,
        rule.title,
        help_text(rule),
        remediation(rule),
        CUSTOM_FAMILY_TITLE,
        policy_types=rule.types,
    )


@dataclass(frozen=True)
class CustomCheck:
    """The check function of a custom rule: a module-level class, so ``lint -j`` can send it to workers."""

    rule: CustomRule

    def __call__(self, doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
        if self.rule.kind == "never-grant":
            return never_grant(self.rule, doc, ctx.catalog)
        if self.rule.kind == "require-condition":
            return require_condition(self.rule, doc, ctx.catalog)
        return allowed_principals(self.rule, doc)


def compile_rule(rule: CustomRule) -> PolicyRule:
    """The rule as the lint engine runs it."""
    return PolicyRule(meta_of(rule), CustomCheck(rule))


# --------------------------------------------------------------------------- never-grant


def never_grant(rule: CustomRule, doc: PolicyDocument, catalog: ActionCatalog) -> Iterator[Report]:
    """One report per Allow statement that grants a forbidden action on a forbidden scope."""
    permissions = PermissionSet.from_documents([doc])
    if not len(permissions):
        return
    granted: dict[int, _Granted] = {}
    for action in _concrete(rule, catalog):
        for scope in rule.resources:
            decision = permissions.evaluate(action, scope, any_resource=True)
            if decision.status == "denied" or not decision.allows:
                continue
            for grant in decision.allows:
                stmt = grant.statement
                node = grant.action_node or stmt.statement.action_key or stmt.statement.node
                found = granted.setdefault(id(stmt), _Granted(stmt, node, {}, set()))
                found.actions.setdefault(_display(action, catalog), grant.action_pattern)
                found.scopes.add(scope)
                found.conditional |= bool(grant.conditions) or decision.status == "conditional"
    for found in sorted(granted.values(), key=lambda g: g.statement.statement.index):
        stmt, node, actions, scopes = found.statement, found.node, found.actions, found.scopes
        via = sorted(set(actions.values()))
        when = " (when its conditions hold)" if found.conditional else ""
        yield Report(
            node,
            f"{stmt.ref.label} grants {_listing(sorted(actions))} on {_listing(sorted(scopes))} "
            f"via {_listing(via)}{when}; {rule.id} never allows it",
            remediation(rule),
        )


@dataclass
class _Granted:
    """What one Allow statement grants of a never-grant rule's actions, and where to report it."""

    statement: PolicyStatement
    node: Node
    actions: dict[str, str]  # action -> the pattern that grants it
    scopes: set[str]
    conditional: bool = False


def _display(action: str, catalog: ActionCatalog) -> str:
    prefix, _, name = action.partition(":")
    info = catalog.action(prefix, name)
    return info.full_name if info is not None else action


# --------------------------------------------------------------------------- require-condition


def _grants_any(stmt: PolicyStatement, actions: list[str], patterns: tuple[str, ...]) -> bool:
    if any(stmt.matches_action(action) for action in actions):
        return True
    # an action the catalog does not know yet (a new API) still matches the rule's own patterns
    return not stmt.not_action and any(
        glob_overlaps(written.lowered, pattern.lower()) for written in stmt.actions for pattern in patterns
    )


def _tests_key(stmt: PolicyStatement, keys: frozenset[str]) -> bool:
    """A clause on one of the keys that holds only for some of its values (never for a request
    without the key: not ...IfExists, Null, ForAllValues: or a negated operator; no value "*")."""
    return any(clause.key_lower in keys and narrows(clause, POSITIVE_OPERATORS) for clause in stmt.conditions)


def require_condition(rule: CustomRule, doc: PolicyDocument, catalog: ActionCatalog) -> Iterator[Report]:
    """One report per Allow statement granting one of the actions without a condition on the keys."""
    actions = _concrete(rule, catalog)
    keys = frozenset(key.lower() for key in rule.keys)
    for statement in doc.statements:
        stmt = PolicyStatement(doc, statement)
        if not stmt.is_allow or not (stmt.actions or stmt.not_action):
            continue
        if not _grants_any(stmt, actions, rule.actions) or _tests_key(stmt, keys):
            continue
        granted = [_display(action, catalog) for action in actions if stmt.matches_action(action)]
        yield Report(
            statement.action_key or statement.node,
            f"{stmt.ref.label} allows {_listing(granted or rule.actions)} without a condition on "
            f"{'one of ' if len(rule.keys) > 1 else ''}{_listing(rule.keys)}; {rule.id} requires one",
            remediation(rule),
        )


# --------------------------------------------------------------------------- allowed-principals


def _account_of(value: str) -> str | None:
    if _ACCOUNT.match(value):
        return value
    found = _ARN_ACCOUNT.match(value)
    return found.group(1) if found else None


def _unresolved(value: str) -> bool:
    return "${" in value


def _others(rule: CustomRule, principal: Principal) -> list[str]:
    """The principals named that the rule does not allow (``*`` is judged by the caller)."""
    accounts = set(rule.accounts)
    services = {s.lower() for s in rule.services}
    out: list[str] = []
    for value in principal.aws:
        if value == "*" or _unresolved(value):
            continue
        if _account_of(value) not in accounts:
            out.append(f"AWS {value}")
    for value in principal.services:
        if not _unresolved(value) and value.lower() not in services:
            out.append(f"Service {value}")
    for value in principal.federated:
        if _unresolved(value):
            continue
        account = _account_of(value)
        if (account not in accounts) if account is not None else (value.lower() not in services):
            out.append(f"Federated {value}")
    out.extend(f"{key} principal" for key in principal.keys if key not in ("AWS", "Service", "Federated"))
    return out


def _narrowed_to_allowed(rule: CustomRule, clauses: list[tuple[str, tuple[str, ...]]]) -> bool:
    """Does one restricting clause keep ``*`` to listed accounts or organizations (no wildcard value)?"""
    for key, values in clauses:
        if not values or any("*" in v or "?" in v or _unresolved(v) for v in values):
            continue
        if key in _ACCOUNT_KEYS and set(values) <= set(rule.accounts):
            return True
        if key in _ORG_KEYS and set(values) <= set(rule.organizations):
            return True
    return False


def allowed_principals(rule: CustomRule, doc: PolicyDocument) -> Iterator[Report]:
    """One report per Allow statement naming a principal the rule does not list."""
    for view in views_of_document(doc):
        principal = view.principal
        if not view.is_allow or principal is None or view.node is None:
            continue
        node = view.node.principal_key or view.node.node
        if principal.negated:
            yield Report(
                node, f"{view.label} allows everyone but the NotPrincipal list; {rule.id} never allows it"
            )
            continue
        others = _others(rule, principal)
        if principal.everyone:
            clauses = [(c.key_lower, c.values) for c in restricting_conditions(view)]
            if not _narrowed_to_allowed(rule, clauses):
                others.insert(
                    0, "everyone (*) without a condition narrowing it to allowed accounts or organizations"
                )
        if others:
            yield Report(
                node,
                f"{view.label} allows {_listing(others)}, not in {rule.id}'s allowed principals",
                remediation(rule),
            )
