"""Parameter values pinned the way a deployment pins them: ``--parameters`` and a parameters file.

A pinned parameter takes that value in every scenario (:mod:`cfn_scenarios`), as when the stack is
deployed with it. The file is either CloudFormation's own list (``aws cloudformation
create-stack --parameters file://params.json``)::

    [{"ParameterKey": "Access", "ParameterValue": "Private"}]

or a plain mapping in JSON or YAML (``Access: Private``). Values are strings as CloudFormation
passes them (``true``, ``14``); a list becomes its comma-separated text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policy_lint.core.errors import InputError
from policy_lint.sources.cloudformation.intrinsics import scalar_text
from policy_lint.sources.cloudformation.parse import parse_template
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source, read_source


def from_options(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` items of ``--parameters`` (the value may hold ``=``; it may be empty)."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--parameters {pair!r}: expected KEY=VALUE (e.g. --parameters Access=Private)")
        values[key.strip()] = value
    return values


def from_file(path: str | Path) -> dict[str, str]:
    """The values of a parameters file; raises :class:`InputError` at the entry that is wrong."""
    source = read_source(path)
    root = parse_template(source)
    if isinstance(root, ArrayNode):
        return _from_list(source, root)
    if isinstance(root, ObjectNode):
        values: dict[str, str] = {}
        for key, value in root.pairs:
            values[str(key.value)] = _text(source, value, str(key.value))
        return values
    raise InputError(
        'a parameters file is a list of {"ParameterKey": ..., "ParameterValue": ...} or a mapping of '
        "names to values",
        source.path,
    )


def _from_list(source: Source, root: ArrayNode) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in root.items:
        key = item.get("ParameterKey") if isinstance(item, ObjectNode) else None
        value = item.get("ParameterValue") if isinstance(item, ObjectNode) else None
        if not isinstance(key, ScalarNode) or value is None:
            if isinstance(item, ObjectNode) and isinstance(key, ScalarNode) and item.get("UsePreviousValue"):
                _fail(source, item, f"{key.value}: UsePreviousValue needs the deployed stack; give the value")
            _fail(source, item, 'each entry needs "ParameterKey" and "ParameterValue"')
        assert isinstance(key, ScalarNode) and value is not None
        values[str(key.value)] = _text(source, value, str(key.value))
    return values


def _text(source: Source, node: Node, name: str) -> str:
    if isinstance(node, ScalarNode) and node.tag is None:
        return "" if node.value is None else scalar_text(node.value)
    if isinstance(node, ArrayNode) and all(isinstance(i, ScalarNode) for i in node.items):
        return ",".join(scalar_text(_scalar(i)) for i in node.items)
    _fail(source, node, f"the value of {name} is {node.described}, not a string")
    raise AssertionError  # unreachable: _fail raises


def _scalar(node: Node) -> Any:
    return node.value if isinstance(node, ScalarNode) else ""


def _fail(source: Source, node: Node, message: str) -> None:
    line, col = source.position(node.offset)
    raise InputError(message, source.path, line, col)
