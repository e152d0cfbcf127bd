"""YAML policies: positions, CloudFormation tags, and the inputs that break naive loaders."""

from __future__ import annotations

import pytest

from policy_lint.syntax.nodes import ArrayNode, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source
from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml


def _load(text: str) -> ObjectNode:
    node = compose_yaml(Source("p.yaml", text))
    assert isinstance(node, ObjectNode)
    return node


def test_unquoted_version_stays_a_string() -> None:
    root = _load("Version: 2012-10-17\nStatement: []\n")
    version = root.get("Version")
    assert isinstance(version, ScalarNode) and version.value == "2012-10-17"


def test_positions_and_short_tags_are_kept() -> None:
    text = "Statement:\n  - Effect: Allow\n    Resource: !Sub 'arn:${AWS::Partition}:s3:::b'\n"
    source = Source("p.yaml", text)
    root = compose_yaml(source)
    assert isinstance(root, ObjectNode)
    stmts = root.get("Statement")
    assert isinstance(stmts, ArrayNode)
    stmt = stmts.items[0]
    assert isinstance(stmt, ObjectNode)
    resource = stmt.get("Resource")
    assert isinstance(resource, ScalarNode)
    assert resource.tag == "!Sub"
    assert source.position(resource.offset) == (3, 15)


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        compose_yaml(Source("p.yaml", "Statement:\n  - Effect: [Allow\n"))
    assert info.value.line == 3


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlSyntaxError, match="alias bomb"):
        compose_yaml(Source("bomb.yaml", "\n".join(lines) + "\n"))


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="recursive"):
        compose_yaml(Source("r.yaml", "a: &a\n  b: *a\n"))


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(YamlSyntaxError):
        compose_yaml(Source("d.yaml", "[" * 10_000 + "]" * 10_000))


def test_empty_document_is_none() -> None:
    assert compose_yaml(Source("e.yaml", "# only a comment\n")) is None
