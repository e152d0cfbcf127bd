"""Inventory policies (plain dicts that may hold ``Unknown`` values) as statement views.

The semantics live in :mod:`policy_lint.iam.statements`; this adapter only reads a dict the way
the lint model reads a node tree, and records which parts are unknown, so the inventory rules
and the lint rules judge a statement with the same code.
"""

from __future__ import annotations

from typing import Any

from policy_lint.iam.evaluate import Condition
from policy_lint.iam.statements import Principal, StatementView, scalar_text, statement_label
from policy_lint.inventory.model import Unknown, first_unknown


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _principal_of_value(value: object, negated: bool) -> Principal:
    if isinstance(value, Unknown):
        return Principal(negated, unknown=value.reason)
    if isinstance(value, str):
        return Principal(negated, everyone=value == "*")
    if not isinstance(value, dict):
        return Principal(negated)
    listed: dict[str, list[str]] = {"AWS": [], "Service": []}
    unknown: str | None = None
    for name, items in value.items():
        for item in _as_list(items):
            if (found := first_unknown(item)) is not None:
                unknown = unknown or found.reason
            elif (text := scalar_text(item)) is not None and name in listed:
                listed[name].append(text)
    aws, services = tuple(listed["AWS"]), tuple(listed["Service"])
    return Principal(negated, "*" in aws, tuple(str(name) for name in value), aws, services, unknown)


def _strings(value: object) -> tuple[str, ...]:
    return tuple(item for item in _as_list(value) if isinstance(item, str))


def _first_key(stmt: dict[str, Any], *names: str) -> str | None:
    return next((name for name in names if name in stmt), None)


def _conditions_of_value(block: object) -> tuple[tuple[Condition, ...], frozenset[tuple[str, str]]]:
    """The clauses with their known values, and the (operator, key) of those with an unknown one."""
    if not isinstance(block, dict):
        return (), frozenset()
    clauses: list[Condition] = []
    partial: set[tuple[str, str]] = set()
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            if first_unknown(values) is not None:
                partial.add((str(operator), str(key)))
            known = (scalar_text(value) for value in _as_list(values))
            clauses.append(Condition(str(operator), str(key), tuple(v for v in known if v is not None)))
    return tuple(clauses), frozenset(partial)


def view_of_dict(stmt: dict[str, Any], index: int) -> StatementView:
    effect = stmt.get("Effect")
    principal_key = _first_key(stmt, "Principal", "NotPrincipal")
    action_key = _first_key(stmt, "Action", "NotAction")
    resource_key = _first_key(stmt, "Resource", "NotResource")
    conditions, partial = _conditions_of_value(stmt.get("Condition"))
    condition_unknown = first_unknown(stmt.get("Condition"))
    return StatementView(
        label=statement_label(index, stmt.get("Sid")),
        effect=effect if isinstance(effect, str) else None,
        effect_unknown=effect.reason if isinstance(effect, Unknown) else None,
        principal=(
            _principal_of_value(stmt[principal_key], principal_key == "NotPrincipal")
            if principal_key is not None
            else None
        ),
        action_key=action_key,
        actions=_strings(stmt[action_key]) if action_key else (),
        resource_key=resource_key,
        resources=_strings(stmt[resource_key]) if resource_key else (),
        conditions=conditions,
        condition_unknown=condition_unknown.reason if condition_unknown is not None else None,
        unknown_clauses=partial,
    )


def views_of_dict(policy: object) -> list[StatementView]:
    """The statements of a policy ``dict``; items that are not objects (or are unknown) are left out,
    so callers that must not pass on them check the document for unknown parts too."""
    if not isinstance(policy, dict):
        return []
    return [
        view_of_dict(stmt, i)
        for i, stmt in enumerate(_as_list(policy.get("Statement")))
        if isinstance(stmt, dict)
    ]
