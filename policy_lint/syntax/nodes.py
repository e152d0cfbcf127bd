"""A tiny document tree whose every value knows its character offset.

JSON and YAML loaders both produce these nodes, so rules never care which
syntax a document was written in. Objects keep *all* key/value pairs in order
(duplicates included) because a silently overwritten ``Action`` key is exactly
the kind of thing a linter must see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

from policy_lint.syntax.numbers import NumberText

Scalar: TypeAlias = "str | int | float | bool | None"


class Node:
    """Base class: ``offset`` is the character index where the value starts."""

    __slots__ = ("offset", "tag")

    def __init__(self, offset: int, tag: str | None = None):
        self.offset = offset
        self.tag = tag

    @property
    def described(self) -> str:
        """The type with its article, for messages: "a number", "an object", "null"."""
        name = self.type_name
        if name == "null":
            return "null"
        return f"an {name}" if name[0] in "aeiou" else f"a {name}"

    def to_python(self) -> Any:
        raise NotImplementedError

    @property
    def type_name(self) -> str:
        raise NotImplementedError


class ScalarNode(Node):
    """A string, number, boolean or null."""

    __slots__ = ("value",)

    def __init__(self, value: Scalar, offset: int, tag: str | None = None):
        # Slots set here rather than through super().__init__: parsers make ~100 of these per policy.
        self.offset = offset
        self.tag = tag
        self.value = value

    def to_python(self) -> Scalar:
        return self.value

    @property
    def type_name(self) -> str:
        return _scalar_type_name(self.value)

    @property
    def is_string(self) -> bool:
        """A string value: text, and not a number kept as its text (:class:`NumberText`)."""
        return isinstance(self.value, str) and not isinstance(self.value, NumberText)

    def __repr__(self) -> str:
        return f"ScalarNode({self.value!r}@{self.offset})"


class ArrayNode(Node):
    """A JSON array / YAML sequence."""

    __slots__ = ("items",)

    def __init__(self, offset: int, items: list[Node] | None = None, tag: str | None = None):
        self.offset = offset
        self.tag = tag
        self.items: list[Node] = items if items is not None else []

    def to_python(self) -> list[Any]:
        return _to_python(self)  # type: ignore[no-any-return]

    @property
    def type_name(self) -> str:
        return "list"

    def __repr__(self) -> str:
        return f"ArrayNode({len(self.items)} items@{self.offset})"


class StringArrayNode(ArrayNode):
    """An array every item of which is a plain string (a :class:`ScalarNode` holding ``str``), as the
    JSON parser read it in one go (the Action and Resource lists that are most of a policy).

    What it adds is the knowledge: a rule that wants only strings, or only containers, can take or
    skip the whole list without a type test per item (an AWS policy lists up to thousands). The
    parser makes one only from a finished list, and nothing appends to a parsed tree.
    """

    __slots__ = ()


class ObjectNode(Node):
    """A JSON object / YAML mapping; ``pairs`` keeps duplicates, :meth:`get` keeps the last like JSON does."""

    __slots__ = ("pairs",)

    def __init__(
        self, offset: int, pairs: list[tuple[ScalarNode, Node]] | None = None, tag: str | None = None
    ):
        self.offset = offset
        self.tag = tag
        self.pairs: list[tuple[ScalarNode, Node]] = pairs if pairs is not None else []

    def get(self, key: str) -> Node | None:
        found: Node | None = None
        for k, v in self.pairs:
            if k.value == key:
                found = v
        return found

    def get_pair(self, key: str) -> tuple[ScalarNode, Node] | None:
        found: tuple[ScalarNode, Node] | None = None
        for pair in self.pairs:
            if pair[0].value == key:
                found = pair
        return found

    def keys(self) -> list[str]:
        return [str(k.value) for k, _ in self.pairs]

    def items(self) -> Iterator[tuple[ScalarNode, Node]]:
        return iter(self.pairs)

    def to_python(self) -> dict[str, Any]:
        return _to_python(self)  # type: ignore[no-any-return]

    @property
    def type_name(self) -> str:
        return "object"

    def __repr__(self) -> str:
        return f"ObjectNode({self.keys()}@{self.offset})"


def _scalar_type_name(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, NumberText)):
        return "number"
    return "string"


def _to_python(root: Node) -> Any:
    """Plain lists, dicts and scalars (the last of duplicate keys wins, as in JSON), built without
    recursion: the parsers accept 512 levels, more than Python's stack holds two frames each of."""
    if isinstance(root, ScalarNode):
        return root.value
    top: Any = {} if isinstance(root, ObjectNode) else []
    stack: list[tuple[Node, Any]] = [(root, top)]
    while stack:
        node, out = stack.pop()
        members = (
            ((str(k.value), v) for k, v in node.pairs)
            if isinstance(node, ObjectNode)
            else enumerate(node.items if isinstance(node, ArrayNode) else [])
        )
        for key, child in members:
            if isinstance(child, ScalarNode):
                value: Any = child.value
            else:
                value = {} if isinstance(child, ObjectNode) else []
                stack.append((child, value))
            if isinstance(out, dict):
                out[key] = value
            else:
                out.append(value)
    return top


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first, without recursion (trees can be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ObjectNode):
            for key, value in reversed(current.pairs):
                stack.append(value)
                stack.append(key)
        elif isinstance(current, ArrayNode):
            stack.extend(reversed(current.items))
