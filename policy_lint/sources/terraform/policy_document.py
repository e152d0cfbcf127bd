"""``data "aws_iam_policy_document"`` rendered as the provider renders it, from its arguments.

One renderer for both Terraform sources: the HCL source evaluates the data source's arguments, the
plan JSON source reads them from the plan when the document is read only at apply (its ``json``
is then "known after apply", but its statements mostly are not). A part that is not known (a
source or override document, dynamic statements over a collection not known) is never dropped:
its symbol stays where its statements would be, and the inventory reads it as "incomplete:
<part>" (:mod:`policy_lint.inventory.incomplete`).
"""

from __future__ import annotations

import json

from policy_lint.sources.terraform.values import Unresolved, Value, has_unresolved, symbolic, to_text
from policy_lint.syntax.json_parser import loads


def render_policy_document(values: dict[str, Value], address: str) -> Value:
    """The policy JSON of the data source at ``address`` whose arguments are ``values`` (nested
    blocks as lists of objects, single values unwrapped as the provider does); an
    :class:`Unresolved` carrying the JSON with symbols when a part is not known."""
    statements: list[Value] = []
    for source in _documents(values, "source_policy_documents", "source_json"):
        statements.extend(_statements_of(source))
    for raw in _as_list(values.get("statement", [])):
        if isinstance(raw, Unresolved) or not isinstance(raw, dict):
            statements.append(_missing(raw, address + ".statement"))
            continue
        statement = _statement(raw)
        statements = _without_sid(statements, statement.get("Sid"))
        statements.append(statement)
    for override in _documents(values, "override_policy_documents", "override_json"):
        found = _statements_of(override)
        if any(isinstance(s, Unresolved) for s in found):
            # an override not known may replace any statement that has a Sid
            statements = [_overridable(s, override) for s in statements]
        for statement in found:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            statements = _without_sid(statements, sid)
            statements.append(statement)
    doc: dict[str, Value] = {"Version": values.get("version") or "2012-10-17"}
    if values.get("policy_id") is not None:
        doc["Id"] = values["policy_id"]
    doc["Statement"] = statements
    text = json.dumps(symbolic(doc), separators=(",", ":"))
    if has_unresolved(doc):
        return Unresolved(text, "part of the policy document is not known")
    return text


def _as_list(value: Value) -> list[Value]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _documents(values: dict[str, Value], *names: str) -> list[Value]:
    """The documents an argument lists (``source_policy_documents``, ``source_json``); a list that
    is not known is one part not known."""
    return [doc for name in names for doc in _as_list(values.get(name))]


def _missing(part: Value, where: str) -> Unresolved:
    """A part of a policy document that is not known, named by its symbol."""
    if isinstance(part, Unresolved):
        return Unresolved(part.symbol, f"incomplete: {part.reason}")
    return Unresolved("${" + where + "}", "incomplete: not a policy document")


def _statements_of(source: Value) -> list[Value]:
    """The statements of a source or override document; one not known (or not readable) is one
    missing part, never none."""
    if source is None or source == "":
        return []
    text = source.symbol if isinstance(source, Unresolved) else source
    if not isinstance(text, str):
        return [_missing(source, "policy document")]
    try:
        parsed = loads(text)
    except ValueError:
        return [_missing(source, "policy document")] if isinstance(source, Unresolved) else []
    found = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    return found if isinstance(found, list) else [found]


def _without_sid(statements: list[Value], sid: Value) -> list[Value]:
    """``statements`` less the one a later statement with the same Sid replaces."""
    if not sid:
        return statements
    return [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == sid)]


def _overridable(statement: Value, override: Value) -> Value:
    """A statement an override document not known may replace (it has a Sid) is not known."""
    if isinstance(statement, dict) and statement.get("Sid"):
        symbol = override.symbol if isinstance(override, Unresolved) else "${override_policy_documents}"
        return Unresolved(symbol, f"incomplete: statement {statement.get('Sid')} may be overridden")
    return statement


def _single(values: Value) -> Value:
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


def _principals(blocks: Value) -> Value:
    if isinstance(blocks, Unresolved):
        return blocks
    unknown = next((block for block in blocks if isinstance(block, Unresolved)), None)
    if unknown is not None:  # principals blocks not known: who is named is not known
        return Unresolved(unknown.symbol, unknown.reason)
    result: dict[str, list[Value]] = {}
    for block in blocks:
        kind = block.get("type")
        ids = _as_list(block.get("identifiers"))
        if kind == "*" and ids == ["*"]:
            return "*"
        result.setdefault(to_text(kind), []).extend(ids)
    return {k: _single(v) for k, v in result.items()}


def _statement(raw: dict[str, Value]) -> dict[str, Value]:
    """One ``statement`` block of aws_iam_policy_document as an IAM statement."""
    statement: dict[str, Value] = {}
    if raw.get("sid"):
        statement["Sid"] = raw["sid"]
    statement["Effect"] = raw.get("effect") or "Allow"
    for key, iam_key in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if raw.get(key) is not None:
            statement[iam_key] = _single(raw[key])
    for key, iam_key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if raw.get(key):
            statement[iam_key] = _principals(raw[key])
    conditions = raw.get("condition")
    if isinstance(conditions, list):  # condition blocks not known make the whole Condition not known
        conditions = next((c for c in conditions if isinstance(c, Unresolved)), conditions)
    if isinstance(conditions, Unresolved):
        statement["Condition"] = Unresolved(conditions.symbol, conditions.reason)
    elif conditions:
        merged: dict[str, dict[str, list[Value]]] = {}
        for cond in conditions:
            test = to_text(cond.get("test"))
            variable = to_text(cond.get("variable"))
            merged.setdefault(test, {}).setdefault(variable, []).extend(_as_list(cond.get("values")))
        statement["Condition"] = {
            t: {v: _single(vals) for v, vals in by_var.items()} for t, by_var in merged.items()
        }
    return statement
