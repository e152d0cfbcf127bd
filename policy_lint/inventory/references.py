"""Symbolic references: one canonical spelling, scoped by where they were written.

A source keeps a reference it cannot resolve as text (``${aws_sqs_queue.logs.arn}``,
``${LogQueue.Arn}``, ``${AWS::Partition}``), and the referenced resource carries the same text
in its own field, so resources link by equality of *canonical* text (:func:`canon`):

* ``${aws_s3_bucket.b.id}``, ``.bucket`` and ``.name`` all mean the bucket's name: one token;
* a reference means one thing only where it was written: one CloudFormation template, one
  Terraform root module. Each source records that scope on the resource's origin
  (``Origin.symbol_scope``), and the token carries it, so the same text in two templates is
  two tokens. A source that writes no references (live) records None: ``${...}`` in its
  values is literal text;
* IAM policy variables (``${aws:username}``) are not references and stay as written.

A token has no ``:``, ``*`` or ``?``: an ARN holding one still splits into its six fields, and
glob matching (``ArnLike``, ``StringLike``) takes it literally. :func:`shown` turns a canonical
value back into the reference as a user wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from policy_lint.iam import statements
from policy_lint.inventory.model import Bucket, Resource

_SYMBOL = re.compile(r"\$\{([^}]*)\}")
#: ``${aws:username}``, ``${s3:prefix}``: IAM policy variables, not references.
_POLICY_VARIABLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*:[^:\s]|^[*?$]$")
#: Attributes that all mean "the name" of a bucket or queue.
_NAME_ATTRS = {"id": "name", "bucket": "name", "name": "name", "queuename": "name"}
#: ``<scope|expression>`` or ``<scope|resource|arn>``, each part percent-encoded (see :func:`_token`).
_TOKEN = re.compile(r"<([^<>|]*)\|([^<>|]*)(?:\|(arn|name))?>")


def text(value: object) -> str | None:
    """The value if it is a string (literal or symbolic), else None (Unknown, None, other)."""
    return value if isinstance(value, str) else None


def is_symbolic(value: str) -> bool:
    """Does the text hold a reference (``${...}`` that is not an IAM policy variable)?"""
    return any(not _POLICY_VARIABLE.match(m.group(1)) for m in _SYMBOL.finditer(value))


def is_literal(value: object) -> bool:
    """A string with no reference in it."""
    return isinstance(value, str) and not is_symbolic(value)


def scope_of(resource: Resource) -> str | None:
    """Where a reference written in this resource's values is meaningful (``Origin.symbol_scope``)."""
    return resource.origin.symbol_scope


def _escape(part: str) -> str:
    # ":" would split an ARN inside the token, "*"/"?" would be wildcards, "|<>%" delimit tokens
    return quote(part, safe="/")


def _token(scope: str, expression: str, attribute: str | None = None) -> str:
    parts = [_escape(scope), _escape(expression), *([attribute] if attribute else [])]
    return "<" + "|".join(parts) + ">"


def _canon_ref(expression: str, scope: str) -> str:
    head, dot, attr = expression.rpartition(".")
    if dot and attr.lower() in _NAME_ATTRS:
        return _token(scope, head, "name")
    if dot and attr.lower() == "arn":
        return _token(scope, head, "arn")
    return _token(scope, expression)


def canon(value: str, scope: str | None) -> str:
    """The value with each reference replaced by its token in ``scope`` (see the module docstring);
    unchanged when ``scope`` is None (literal text) or it holds no reference."""
    if scope is None:
        return value

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        return match.group(0) if _POLICY_VARIABLE.match(inner) else _canon_ref(inner, scope)

    return _SYMBOL.sub(replace, value)


def canon_tree(data: Any, scope: str | None) -> Any:
    """A policy document (dicts, lists, strings) with every string, keys too, canonicalized."""
    if isinstance(data, str):
        return canon(data, scope)
    if isinstance(data, dict):
        return {canon_tree(key, scope): canon_tree(item, scope) for key, item in data.items()}
    if isinstance(data, list | tuple):
        return [canon_tree(item, scope) for item in data]
    return data


def shown(value: str) -> str:
    """A canonical value as a user wrote it: the token of ``${aws_s3_bucket.b.arn}`` becomes that
    text again (``.id``/``.bucket`` become ``.name``), ``${AWS::Partition}`` likewise."""

    def replace(match: re.Match[str]) -> str:
        expression, attribute = unquote(match.group(2)), match.group(3)
        return "${" + expression + (f".{attribute}" if attribute else "") + "}"

    return _TOKEN.sub(replace, value)


def replace_tokens(value: str, replace: Callable[[str], str]) -> str:
    """A canonical value with each reference token (:func:`canon`) replaced by ``replace(token)``:
    how a caller spells a reference it can resolve, or reads one it cannot as a wildcard."""
    return _TOKEN.sub(lambda match: replace(match.group(0)), value)


def is_arn_token(value: str) -> bool:
    """Is the canonical value exactly one reference to a resource's ARN (``${aws_iam_role.x.arn}``)?"""
    found = _TOKEN.fullmatch(value)
    return found is not None and found.group(3) == "arn"


def refers_to(value: str, resource: Resource, attribute: str, scope: str | None) -> bool:
    """Is ``value`` (written in ``scope``) a reference to ``attribute`` (``arn``/``name``) of the resource?"""
    if scope is None or scope != scope_of(resource):
        return False
    token = canon(value, scope)
    address = resource.origin.address
    if token == _token(scope, address, attribute):
        return True
    # CloudFormation ``!Ref Bucket`` is the bucket's name; ``!Ref Queue`` is its URL, not its name.
    return attribute == "name" and isinstance(resource, Bucket) and token == _token(scope, address)


def same_value(a: object, b: object, scope_a: str | None = None, scope_b: str | None = None) -> bool:
    """Two strings that denote the same value (literal equality, or the same reference in one scope)."""
    return isinstance(a, str) and isinstance(b, str) and canon(a, scope_a) == canon(b, scope_b)


def arn_like(pattern: str, arn: str, scope_p: str | None = None, scope_a: str | None = None) -> bool:
    """IAM ``ArnLike`` (:func:`policy_lint.iam.statements.arn_like`) after canonicalizing references,
    each in the scope it was written in."""
    return statements.arn_like(canon(pattern, scope_p), canon(arn, scope_a))
