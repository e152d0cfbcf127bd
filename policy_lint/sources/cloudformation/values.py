"""Read a resolved CloudFormation value the way the inventory stores it.

After :mod:`cfn_intrinsics` a property is a node that may be literal, symbolic (``${Queue.Arn}``)
or unknown. Every mapper needs the same few readings of it (a name kept symbolic so resources
can be linked, a literal enum or boolean, a list, a policy document), with the same rule for
what becomes :class:`Unknown`; they are written once here.
"""

from __future__ import annotations

from typing import Any

from policy_lint.core.unknown import Malformed
from policy_lint.inventory.model import Maybe, Unknown
from policy_lint.sources.cloudformation.intrinsics import Symbolic, Text, UnknownNode, text_of
from policy_lint.syntax.json_parser import loads
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode


class NotAnObject(Exception):
    """A property that must be a mapping is something else."""


def given(value: Maybe[str] | None, fallback: Any) -> Any:
    """``value`` unless it is absent or empty (never a truth test: an Unknown refuses one)."""
    return fallback if value is None or value == "" else value


def required_document(node: Node | None) -> Maybe[dict[str, Any]]:
    """A ``PolicyDocument`` the resource cannot be without: absent is Unknown, not an empty policy."""
    document = _document(node)
    return Unknown("no PolicyDocument") if document is None else document


def link_text(node: Node | None) -> Maybe[str] | None:
    """A name or ARN: symbolic text is kept so rules can compare references; ``None`` when absent."""
    if node is None:
        return None
    value = text_of(node)
    return value.text if isinstance(value, Symbolic) else value


def literal_text(node: Node | None, what: str) -> Maybe[str] | None:
    """A value that must be literal (an enum, an algorithm): symbolic text is unknown."""
    if node is None:
        return None
    value = text_of(node)
    if isinstance(value, Unknown):
        return Unknown(f"{what}: {value.reason}")
    return value


def boolean(node: Node | None, default: bool | Unknown, what: str) -> Maybe[bool]:
    """A literal boolean (``true``/``"false"``); absent is AWS's ``default``, anything else Unknown."""
    if node is None:
        return default
    if isinstance(node, UnknownNode):
        return Unknown(f"{what}: {node.unknown.reason}")
    if isinstance(node, ScalarNode):
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, str) and node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
    return Unknown(f"{what} is {node.described}, not a boolean")


def _plain(node: Node) -> Any:
    """Python value of a resolved node: symbolic text kept, an unnamed unknown kept as an
    :class:`Unknown` leaf, so the known parts around it stay known (issue 10 item 3)."""
    if isinstance(node, UnknownNode):
        return node.unknown.text if isinstance(node.unknown, Symbolic) else node.unknown
    if isinstance(node, ObjectNode):
        return {str(key.value): _plain(value) for key, value in node.pairs}
    if isinstance(node, ArrayNode):
        return [_plain(item) for item in node.items]
    return node.to_python()


def _document(node: Node | None) -> Maybe[dict[str, Any]] | None:
    """A policy document as IAM stores it, after intrinsics; a JSON string is decoded."""
    if node is None:
        return None
    value = _plain(node)
    if isinstance(value, Unknown):
        return Unknown(f"the policy document is not known before deployment: {value.reason}")
    if isinstance(value, str):
        try:
            value = loads(value)
        except ValueError as exc:
            return Malformed(f"the policy document is a string that is not JSON: {exc}")
    if not isinstance(value, dict):
        return Malformed(f"the policy document is {node.described}, not an object")
    return value


def list_items(node: Node | None) -> list[Node] | Unknown:
    """The items of a list property (absent: empty); a single value is a one-item list."""
    if node is None:
        return []
    if isinstance(node, UnknownNode):
        return node.unknown
    if isinstance(node, ArrayNode):
        return node.items
    return [node]


def mapping(node: Node | None) -> ObjectNode | None:
    """A property that must be a mapping (absent: None); raises :class:`NotAnObject` otherwise."""
    if node is None or isinstance(node, ObjectNode):
        return node
    raise NotAnObject(node.described)


def link_value(value: Text) -> Maybe[str]:
    """A resolved name or ARN as :func:`link_text` keeps it: symbolic text, not Unknown."""
    return value.text if isinstance(value, Symbolic) else value


def link_name(node: Node | None) -> str:
    """A name that must be shown even when it is not known (a policy's name in a message)."""
    value = link_text(node)
    return value if isinstance(value, str) else f"(unknown: {value.reason if value else 'absent'})"


def literal_texts(node: Node | None, what: str) -> Maybe[tuple[str, ...]]:
    """A list of literal strings (selector values); one unknown item makes the list Unknown."""
    items = list_items(node)
    if isinstance(items, Unknown):
        return Unknown(f"{what}: {items.reason}")
    out: list[str] = []
    for item in items:
        text = literal_text(item, what)
        if isinstance(text, Unknown):
            return text
        if text is not None:
            out.append(text)
    return tuple(out)
