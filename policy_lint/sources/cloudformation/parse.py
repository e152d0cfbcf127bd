"""A CloudFormation template's text into position-keeping nodes (JSON or YAML with short tags).

Every later step (intrinsics, mappers, findings) points at ``file:line:col``, so the template is
parsed by the project's own position-keeping parsers, never by a loader that forgets where a
value was written. A key written twice is reported here: CloudFormation keeps the last silently.
"""

from __future__ import annotations

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding
from policy_lint.sources.problems import PARTIAL, problem
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import Node, ObjectNode, walk
from policy_lint.syntax.source import Source
from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml


def parse_template(source: Source) -> Node | None:
    """JSON when the text starts with ``{`` (exact positions), YAML otherwise; raises InputError."""
    if source.text.lstrip().startswith("{"):
        try:
            return parse_json(source.text)
        except JsonSyntaxError as exc:
            line, col = source.position(exc.offset)
            raise InputError(f"JSON syntax error: {exc.message}", source.path, line, col) from None
    try:
        return compose_yaml(source)
    except YamlSyntaxError as exc:
        raise InputError(exc.message, source.path, exc.line, exc.col) from None


def duplicate_keys(source: Source, root: ObjectNode) -> list[Finding]:
    """Keys written twice in one mapping: CloudFormation silently keeps the last, so say so."""
    found: list[Finding] = []
    for node in walk(root):
        if not isinstance(node, ObjectNode):
            continue
        seen: set[object] = set()
        for key, _ in node.pairs:
            if key.value in seen:
                line, col = source.position(key.offset)
                found.append(
                    problem(
                        PARTIAL,
                        f"duplicate key {key.value!r}: CloudFormation keeps only the last one, "
                        "so the earlier value is ignored",
                        source.path,
                        line,
                        col,
                    )
                )
            seen.add(key.value)
    return found
