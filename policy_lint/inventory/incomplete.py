"""A policy document with parts the input does not give: the missing parts, named, never dropped.

A source that builds a document from parts (Terraform's ``source_policy_documents``, a ``dynamic
"statement"`` over a collection not known, ``concat()`` of a list of statements not known) keeps
each part it cannot read as the part's symbol where a statement would be
(``"Statement": [{...}, "${data.aws_iam_policy_document.extra.json}"]``). Read as is, that
string is no statement, and a rule would judge the reduced document: "no Deny" where the missing
part may hold the Deny. :func:`mark_incomplete` turns each such part into an :class:`Unknown`
that says "incomplete: <part>", so the rules' usual reading applies: a statement found in the
known part decides (a found Deny stays found), and where none is found the missing part makes
the verdict unknown (``first_unknown`` names it).
"""

from __future__ import annotations

from typing import Any

from policy_lint.core.unknown import Unknown
from policy_lint.inventory.references import is_symbolic

#: How a source writes a value it does not know and that refers to nothing (a plan's list item
#: "known after apply"): unlike a reference such as ``${aws_s3_bucket.b.arn}``, which links to
#: what it names, it may be any value, so :func:`mark_incomplete` reads it as not known.
UNKNOWN_VALUE = "${unknown value of "


def unknown_value(where: str) -> str:
    """The text standing for the value at ``where`` that the input does not give."""
    return UNKNOWN_VALUE + where + "}"


def incomplete(part: str) -> Unknown:
    """The Unknown that stands for a part of a policy document that is not known."""
    return Unknown(f"incomplete: the statements of {part} are not known")


def _conditions(block: Any) -> Any:
    """A Condition, or an operator's keys, that is a reference is not known (it may hold the
    clause that restricts a statement)."""
    if isinstance(block, str) and is_symbolic(block):
        return Unknown(f"incomplete: the conditions {block} are not known")
    if isinstance(block, dict) and any(
        isinstance(keys, str) and is_symbolic(keys) for keys in block.values()
    ):
        return {op: _conditions(keys) for op, keys in block.items()}
    return block


def _deciding(key: str, value: Any) -> Any:
    """An Effect or action that is a reference is not known: it decides whether a statement is
    the Deny (or the Allow) a rule looks for, and ``${var.effect}`` may be either."""
    if isinstance(value, str) and is_symbolic(value):
        return Unknown(f"incomplete: {key} {value} is not known")
    if isinstance(value, list) and any(isinstance(v, str) and is_symbolic(v) for v in value):
        return [_deciding(key, v) for v in value]
    return value


def _unknown_values(key: str, value: Any) -> Any:
    """A Resource, NotResource or principal item that is an unknown value (:func:`unknown_value`)
    is not known: ``*`` or one ARN, it decides whom or what the statement covers."""
    if isinstance(value, str) and value.startswith(UNKNOWN_VALUE):
        return Unknown(f"incomplete: a {key} is not known ({value})")
    if isinstance(value, list):
        return [_unknown_values(key, v) for v in value]
    if isinstance(value, dict):  # a Principal: {"AWS": [...]}
        return {name: _unknown_values(key, v) for name, v in value.items()}
    return value


def _statement_or_part(item: Any) -> Any:
    if isinstance(item, str) and is_symbolic(item):
        return incomplete(item)
    if not isinstance(item, dict):
        return item
    marked = dict(item)
    if "Condition" in item:
        marked["Condition"] = _conditions(item["Condition"])
    for key in ("Effect", "Action", "NotAction"):
        if key in item:
            marked[key] = _deciding(key, item[key])
    for key in ("Resource", "NotResource", "Principal", "NotPrincipal"):
        if key in item:
            marked[key] = _unknown_values(key, item[key])
    return item if marked == item else marked


def mark_incomplete(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every statement (or its Effect, action or Condition) that is a
    reference, a part not known, as an Unknown."""
    statements = document.get("Statement")
    if isinstance(statements, list):
        return {**document, "Statement": [_statement_or_part(s) for s in statements]}
    if statements is not None:
        return {**document, "Statement": _statement_or_part(statements)}
    return document
