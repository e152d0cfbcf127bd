"""YAML into the same position-keeping :mod:`nodes` tree as JSON.

We compose (not construct) with PyYAML so aliases are not expanded by the
library: our own walk expands them with a budget, which defuses "billion
laughs" alias bombs, and keeps unknown tags (CloudFormation's ``!Ref``,
``!Sub`` ...) on the node instead of failing. Timestamps stay strings: an
unquoted ``Version: 2012-10-17`` must not turn into a date. Numbers Python cannot hold
(5,000 digits, ``.inf``, ``.nan``) stay their text (:mod:`policy_lint.syntax.numbers`).
"""

from __future__ import annotations

from typing import Any

import yaml

from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.numbers import NumberText, held
from policy_lint.syntax.source import Source

#: How many nodes an alias may expand a document into before we call it a bomb.
MAX_NODES = 300_000
MAX_DEPTH = 512

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()
_CONVERTED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:null",
}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_STANDARD_PREFIX = "tag:yaml.org,2002:"


class YamlSyntaxError(Exception):
    """A YAML problem at a 1-based line and column."""

    def __init__(self, message: str, line: int, col: int, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.hint = hint


def _scalar_value(node: yaml.ScalarNode, yaml12_booleans: bool) -> Any:
    if (
        yaml12_booleans
        and node.tag == "tag:yaml.org,2002:bool"
        and node.value.lower() not in ("true", "false")
    ):
        return node.value  # YAML 1.2: "off", "yes", "no" are strings
    if node.tag in _CONVERTED_TAGS:
        try:
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except (ValueError, yaml.YAMLError):  # e.g. an int of more than 4,300 digits
            return NumberText(node.value) if node.tag in _NUMBER_TAGS else node.value
        return held(value, node.value)
    return node.value


def _tag_of(node: yaml.Node) -> str | None:
    tag = node.tag
    if tag is None or tag.startswith(_STANDARD_PREFIX):
        return None
    return str(tag)


def compose_yaml(source: Source, yaml12_booleans: bool = False) -> Node | None:
    """Parse ``source`` into a node tree; ``None`` for an empty document.

    ``yaml12_booleans`` keeps YAML 1.1's ``on/off/yes/no`` as strings (only
    ``true``/``false`` are booleans), which configuration files want
    (``sync: off``); CloudFormation templates keep YAML 1.1 rules.
    """
    try:
        root = yaml.compose(source.text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", 1, 1) from None
    except RecursionError:
        raise YamlSyntaxError("YAML nesting is too deep", 1, 1) from None
    if root is None:
        return None
    return _convert(root, source, yaml12_booleans)


def _convert(root: yaml.Node, source: Source, yaml12_booleans: bool) -> Node:
    budget = MAX_NODES

    def make(node: yaml.Node) -> Node:
        offset = source.offset_of(node.start_mark.line + 1, node.start_mark.column + 1)
        tag = _tag_of(node)
        if isinstance(node, yaml.MappingNode):
            return ObjectNode(offset, tag=tag)
        if isinstance(node, yaml.SequenceNode):
            return ArrayNode(offset, tag=tag)
        assert isinstance(node, yaml.ScalarNode)
        return ScalarNode(_scalar_value(node, yaml12_booleans), offset, tag=tag)

    out_root = make(root)
    # Stack of (yaml node, our node, ids of ancestors for cycle detection)
    stack: list[tuple[yaml.Node, Node, frozenset[int]]] = [(root, out_root, frozenset())]
    while stack:
        ynode, onode, ancestors = stack.pop()
        if isinstance(ynode, yaml.ScalarNode):
            continue
        if len(ancestors) >= MAX_DEPTH:
            mark = ynode.start_mark
            raise YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
        if id(ynode) in ancestors:
            mark = ynode.start_mark
            raise YamlSyntaxError("recursive YAML alias", mark.line + 1, mark.column + 1)
        inner = ancestors | {id(ynode)}
        children: list[tuple[yaml.Node, Node]] = []
        if isinstance(ynode, yaml.MappingNode):
            assert isinstance(onode, ObjectNode)
            for ykey, yvalue in ynode.value:
                key = make(ykey)
                if not isinstance(key, ScalarNode):
                    mark = ykey.start_mark
                    raise YamlSyntaxError(
                        "mapping keys must be plain scalars", mark.line + 1, mark.column + 1
                    )
                if ykey.tag == "tag:yaml.org,2002:merge":
                    key.value = "<<"
                elif not isinstance(key.value, str):
                    key.value = str(ykey.value)
                value = make(yvalue)
                onode.pairs.append((key, value))
                children.append((yvalue, value))
        elif isinstance(ynode, yaml.SequenceNode):
            assert isinstance(onode, ArrayNode)
            for yitem in ynode.value:
                item = make(yitem)
                onode.items.append(item)
                children.append((yitem, item))
        budget -= len(children) + 1
        if budget < 0:
            raise YamlSyntaxError(
                f"document expands to more than {MAX_NODES:,} values through aliases (an alias bomb?)", 1, 1
            )
        for child in reversed(children):
            stack.append((child[0], child[1], inner))
    return out_root
