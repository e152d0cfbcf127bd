"""Allow statements whose Action or Resource is a value the inputs do not resolve: what they could open.

``Resource = var.role_arn`` or ``aws_iam_role.other.arn`` (a role not in the inputs) is a
reference no ARN spelling reaches (:mod:`policy_lint.inventory.declared_arns`): as written it
matches no resource, so the statement would silently grant nothing and the principal pass.
Unknown never passes, and uncertain never fails: the principal's policies are judged again with
each such value read as ``*`` in Allow statements (known parts of an ARN around it stay), and a
path only that widest reading opens is reported **unknown**, naming the value that would decide it.

Deny statements are read the other way round (:func:`widened_denials`): a ``Deny`` on
``var.protected_arn`` matches nothing as written, so a path found next to it would be a fail on a
part the judging dropped. Read as ``*``, it may block the path: a found path that the widened Deny
closes is **unknown**, naming the Deny's value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from policy_lint.iam.escalation import SourcedPolicy
from policy_lint.inventory.references import replace_tokens, shown
from policy_lint.policy.model import PolicyDocument, build_document
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source


def _any(_: str) -> str:
    return "*"


#: the elements widened: what an Allow grants and on what (never Not*: widening those narrows)
_WIDENED = ("Action", "Resource")


@dataclass
class Widened:
    """The principal's policies with unresolved values read as ``*``, and what each statement held."""

    policies: list[SourcedPolicy] = field(default_factory=list)
    #: (policy label, statement index) -> the unresolved values of that statement, as written
    values: dict[tuple[str, int], list[str]] = field(default_factory=dict)


def _widen_statement(statement: Any, effect: str) -> list[str]:
    """Read each unresolved value of an *effect* statement's Action and Resource as ``*``, in place;
    the values, as the user wrote them."""
    if not isinstance(statement, dict) or statement.get("Effect") != effect:
        return []
    found: list[str] = []
    for key in _WIDENED:
        value = statement.get(key)
        items = value if isinstance(value, list) else [value]
        widened = []
        for item in items:
            if isinstance(item, str) and (wide := replace_tokens(item, _any)) != item:
                found.append(shown(item))
                item = wide
            widened.append(item)
        if key in statement:
            statement[key] = widened if isinstance(value, list) else widened[0]
    return found


def _widen(document: PolicyDocument, effect: str) -> tuple[PolicyDocument, dict[int, list[str]]]:
    text = document.source.text
    if replace_tokens(text, _any) == text:
        return document, {}
    data = json.loads(text)
    statements = data.get("Statement") if isinstance(data, dict) else None
    items = statements if isinstance(statements, list) else [statements]
    values = {i: found for i, s in enumerate(items) if (found := _widen_statement(s, effect))}
    if not values:
        return document, {}
    if isinstance(data, dict) and not isinstance(statements, list):
        data["Statement"] = items[0]
    written = json.dumps(data, indent=2, ensure_ascii=False)
    widened = build_document(Source(document.source.path, written), parse_json(written), document.policy_type)
    return widened, values


def widened(policies: list[SourcedPolicy], effect: str = "Allow") -> Widened | None:
    """The policies with their unresolved values of *effect* statements widened; None when they
    hold none."""
    out = Widened()
    for policy in policies:
        document, values = _widen(policy.document, effect)
        out.policies.append(SourcedPolicy(document, policy.label, policy.kind))
        for index, found in values.items():
            out.values[(policy.label, index)] = found
    return out if out.values else None


def widened_denials(policies: list[SourcedPolicy]) -> Widened | None:
    """The policies with each unresolved value of a Deny statement read as ``*`` (the widest Deny
    it may be); None when no Deny holds one."""
    return widened(policies, "Deny")
