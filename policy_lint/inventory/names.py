"""Names users recognise: the one place a resource's name, or a reference, is made readable.

Planned input often names a resource by a reference (``${Bucket}``, ``${SQSQueue.QueueName}``,
``${aws_security_group.prod-sg.id}``) or a template with holes (``logs-${AWS::AccountId}``). A
user searches their code for ``aws_security_group.prod-sg`` or the logical ID ``Bucket``, never
for the interpolation, so:

* :func:`display_name` names a resource by its literal name, else by its source address (the
  Terraform address, the CloudFormation logical ID; live: the ARN);
* :func:`readable` rewrites the references left in a message (another resource's attribute, an
  unknown reason quoting the input): a reference standing alone becomes the address or logical
  ID it points at (``${LogQueue.Arn}`` -> ``LogQueue.Arn``), a hole inside a larger value becomes
  ``<expression>`` (``logs-<AWS::AccountId>``). IAM policy variables (``${aws:username}``) are
  policy text, not references, and stay as written.
"""

from __future__ import annotations

import re

from policy_lint.inventory.model import Resource
from policy_lint.inventory.references import is_literal, is_symbolic, shown

#: Attributes that only say "the resource itself" when a reference stands alone for a name.
_NAME_ATTRIBUTES = frozenset({"id", "bucket", "name", "queuename", "queue_name", "groupid"})
#: A plain traversal (``module.sg["a"].aws_security_group.bad.id``, ``Queue.Arn``), not an expression.
_TRAVERSAL = re.compile(r"[\w:\-]+(?:\[[^\]]*\])?(?:\.[\w\-]+(?:\[[^\]]*\])?)*")
#: Characters that end a word: a reference between them stands alone, not inside a value.
_BOUNDARY = frozenset(" \t\n,;()[]'\"`")


def display_name(value: object, resource: Resource) -> str:
    """The resource's name for messages: ``value`` when it is a literal name, else the address."""
    return value if is_literal(value) and isinstance(value, str) and value else resource.origin.address


def readable(text: str) -> str:
    """``text`` with every reference written for people (see the module docstring)."""
    if "${" not in text and "<" not in text:
        return text
    text = shown(text)  # canonical tokens back to the references the user wrote
    out: list[str] = []
    index = 0
    while index < len(text):
        start = text.find("${", index)
        if start < 0:
            out.append(text[index:])
            break
        end = _closing_brace(text, start + 2)
        if end < 0:  # unbalanced: not a reference
            out.append(text[index:])
            break
        out.append(text[index:start])
        expression = text[start + 2 : end]
        whole = text[start : end + 1]
        if not is_symbolic(whole):  # an IAM policy variable: policy text
            out.append(whole)
        else:
            alone = _left_boundary(text, start - 1) and _right_boundary(text, end + 1)
            out.append(_standalone(expression) if alone else f"<{_flat(expression)}>")
        index = end + 1
    return "".join(out)


def _closing_brace(text: str, position: int) -> int:
    """The index of the ``}`` closing a ``${`` whose body starts at ``position`` (-1: none)."""
    depth = 1
    for index in range(position, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _left_boundary(text: str, index: int) -> bool:
    return index < 0 or text[index] in _BOUNDARY


def _right_boundary(text: str, index: int) -> bool:
    """After the reference: the end, a separator, or punctuation that ends a clause (``${X}: ...``)."""
    if index >= len(text) or text[index] in _BOUNDARY:
        return True
    return text[index] in ".:" and (index + 1 == len(text) or text[index + 1] in _BOUNDARY)


def _standalone(expression: str) -> str:
    """A reference standing alone: the address or logical ID it names (``aws_s3_bucket.b.id`` ->
    ``aws_s3_bucket.b``, ``Queue.QueueName`` -> ``Queue``); other expressions as written."""
    expression = _flat(expression)
    head, dot, attribute = expression.rpartition(".")
    if dot and head and attribute.lower() in _NAME_ATTRIBUTES and _TRAVERSAL.fullmatch(expression):
        return head
    return expression


def _flat(expression: str) -> str:
    """An expression without nested interpolation markers (``"${var.a}-${var.b}"`` reads as
    ``"var.a-var.b"``), so no ``${`` survives in a message."""
    return _unwrap(expression.strip())


def _unwrap(expression: str) -> str:
    """Nested references inside an expression, unwrapped to their bare expressions."""
    out: list[str] = []
    index = 0
    while True:
        start = expression.find("${", index)
        if start < 0:
            out.append(expression[index:])
            return "".join(out)
        end = _closing_brace(expression, start + 2)
        if end < 0:
            out.append(expression[index:].replace("${", "$ {"))
            return "".join(out)
        out.append(expression[index:start])
        out.append(_unwrap(expression[start + 2 : end]))
        index = end + 1
