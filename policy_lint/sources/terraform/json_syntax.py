"""Terraform's JSON syntax (``*.tf.json``) into the same parsed file as HCL, for the same evaluator.

Terraform reads a ``.tf.json`` file as the same configuration written in JSON
(https://developer.hashicorp.com/terraform/language/syntax/json): the top-level object's keys are
block types; ``resource`` and ``data`` nest a type and a name, ``variable``, ``output``,
``module`` and ``provider`` a name; a block body is an object (or an array of objects for
repeated blocks); a string is a template, so ``"${aws_sqs_queue.q.arn}"`` is a reference; a
property named ``//`` is a comment. Rather than teach the evaluator a second syntax, this module
writes the file as the equivalent native-syntax text and parses that with the HCL parser: one
evaluator, one meaning, whatever the syntax (a parity test compares the verdicts).

Positions: each attribute and block is written on the line of its JSON key, and after parsing
every attribute and block is given the line and column of its key in the ``.tf.json`` file, so
findings point at the JSON a user wrote.

Which properties are nested blocks cannot be told without the provider's schema: in ``resource``,
``data`` and ``provider`` bodies an object (or an array of objects) is read as nested block(s),
except the arguments known to be maps (``tags``, ``for_each``, ...); module arguments, locals and
outputs are always values. Variable defaults are literal (the spec: no templates in them).
Malformed input is an :class:`InputError` at its ``file:line:col``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from policy_lint.core.errors import InputError
from policy_lint.sources.terraform.evaluator import Attribute, Block, Body, HclFile, parse_hcl
from policy_lint.sources.terraform.values import interpolations
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source

JSON_SUFFIX = ".tf.json"
#: top-level block types and how many labels each nests (Terraform's JSON syntax spec)
LABELS = {
    "resource": 2,
    "data": 2,
    "variable": 1,
    "output": 1,
    "module": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "check": 1,
}
#: arguments of resources, data sources and providers whose object value is a value, not a block:
#: maps, and the policy arguments (a string in the provider's schema: an object there is the value
#: Terraform refuses, "string required", which the mapper reports as a broken policy, PL001)
MAP_ARGUMENTS = frozenset(
    {"tags", "tags_all", "for_each", "variables", "triggers", "parameters", "labels", "metadata"}
    | {"policy", "assume_role_policy"}
)
#: arguments whose JSON string is an expression, not a template (the spec's special cases)
EXPRESSION_ARGUMENTS = {"resource": {"provider"}, "data": {"provider"}, "variable": {"type"}}
#: nested blocks of ``terraform`` whose own body holds only values (provider requirements)
VALUE_BODIES = frozenset({"required_providers", "locals"})
COMMENT = "//"


def _bad(source: Source, node: Node, message: str) -> InputError:
    line, col = source.position(node.offset)
    return InputError(f"Terraform JSON: {message}", source.path, line, col)


@dataclass
class _Writer:
    """Native-syntax lines, each block and attribute on the line of its JSON key."""

    source: Source
    lines: list[str] = field(default_factory=list)
    #: written line -> (line, col) of the JSON key it came from
    keys: dict[int, tuple[int, int]] = field(default_factory=dict)

    def put(self, key: Node | None, text: str) -> None:
        if key is not None:
            line, col = self.source.position(key.offset)
            while len(self.lines) + 1 < line:
                self.lines.append("")
            self.keys[len(self.lines) + 1] = (line, col)
        self.lines.append(text)


# ----------------------------------------------------------------------------------- values


def _escape_literal(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _sequence_text(text: str) -> str:
    """An interpolation as one line: newlines between tokens become blanks, inside strings escapes."""
    out: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted if not (out and out[-1] == "\\") else quoted
        if char in "\r\n":
            out.append(("\\n" if char == "\n" else "\\r") if quoted else " ")
        else:
            out.append(char)
    return "".join(out)


def template(text: str, *, literal: bool = False) -> str:
    """A JSON string as a native quoted template with the same value: literal parts escaped,
    each ``${...}`` kept as written (``$${`` stays an escaped ``${``; a ``%{`` directive and what
    follows it too, for the evaluator to report). *literal*: no templates at all (a variable
    default), every ``${`` escaped."""
    if literal:
        return '"' + _escape_literal(text).replace("${", "$${").replace("%{", "%%{") + '"'
    out: list[str] = []
    pos = 0
    for start, end in interpolations(text):
        if start < 0:  # a directive: the rest as written
            directive = text.find("%{", pos)
            out += [_escape_literal(text[pos:directive]), _sequence_text(text[directive:])]
            return '"' + "".join(out) + '"'
        out += [_escape_literal(text[pos:start]), _sequence_text(text[start : end + 1])]
        pos = end + 1
    out.append(_escape_literal(text[pos:]))
    return '"' + "".join(out) + '"'


def _expression_text(text: str) -> str:
    """A string the spec reads as an expression (``provider``, a variable's ``type``): the
    expression itself, or its interpolation when written as ``"${...}"``."""
    inner = text.strip()
    if next(interpolations(inner), None) == (0, len(inner) - 1):
        inner = inner[2:-1]
    return " ".join(inner.split()) or "null"


def _value(node: Node, *, literal: bool = False, expressions: bool = False) -> str:
    """A JSON value as one line of native expression. *expressions*: the object's values are
    expressions (a module's ``providers``)."""
    if isinstance(node, ScalarNode):
        if node.is_string:
            text = str(node.value)
            return _expression_text(text) if expressions else template(text, literal=literal)
        if node.value is None:
            return "null"
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        return str(node.value) if isinstance(node.value, str) else json.dumps(node.value)
    if isinstance(node, ArrayNode):
        return "[" + ", ".join(_value(item, literal=literal) for item in node.items) + "]"
    assert isinstance(node, ObjectNode)
    pairs = [
        f"{template(str(key.value), literal=literal)} = {_value(item, literal=literal, expressions=expressions)}"
        for key, item in node.pairs
        if key.value != COMMENT
    ]
    return "{" + ", ".join(pairs) + "}"


# ----------------------------------------------------------------------------------- blocks


def _label(text: str) -> str:
    return '"' + _escape_literal(text) + '"'


def _bodies(source: Source, node: Node, what: str) -> list[ObjectNode]:
    """A block's body, or the bodies of a repeated block (an array of objects)."""
    if isinstance(node, ObjectNode):
        return [node]
    if isinstance(node, ArrayNode) and all(isinstance(item, ObjectNode) for item in node.items):
        return [item for item in node.items if isinstance(item, ObjectNode)]
    raise _bad(source, node, f"{what} must be an object (or an array of objects), not {node.type_name}")


def _is_block(kind: str, name: str, node: Node) -> bool:
    """Is property *name* of a *kind* body a nested block (see the module docstring)?"""
    if kind == "variable":
        return name == "validation"
    if kind in ("output", "check"):
        return name in ("precondition", "postcondition", "assert")
    if kind not in ("resource", "data", "provider", "terraform", "block") or name in MAP_ARGUMENTS:
        return False
    if isinstance(node, ObjectNode):
        return True
    items = node.items if isinstance(node, ArrayNode) else []
    return bool(items) and all(isinstance(item, ObjectNode) for item in items)


def _block_labels(name: str) -> int:
    return {"dynamic": 1, "provisioner": 1, "backend": 1, "provider_meta": 1}.get(name, 0)


def _write_body(writer: _Writer, kind: str, body: ObjectNode) -> None:
    for key, node in body.pairs:
        name = str(key.value)
        if name == COMMENT:
            continue
        if kind in VALUE_BODIES or not _is_block(kind, name, node):
            if name in EXPRESSION_ARGUMENTS.get(kind, ()) and isinstance(node, ScalarNode) and node.is_string:
                writer.put(key, f"{name} = {_expression_text(str(node.value))}")
            else:
                literal = kind == "variable" and name == "default"
                writer.put(key, f"{name} = {_value(node, literal=literal, expressions=name == 'providers')}")
            continue
        inner_kind = "required_providers" if name == "required_providers" else "block"
        _write_labelled(writer, key, name, node, _block_labels(name), inner_kind)


def _write_labelled(
    writer: _Writer,
    key: ScalarNode,
    block_type: str,
    node: Node,
    depth: int,
    kind: str,
    labels: tuple[str, ...] = (),
) -> None:
    """Block *block_type* whose next *depth* levels of keys are labels, then its body/bodies."""
    if depth == 0:
        for body in _bodies(writer.source, node, " ".join([block_type, *labels])):
            shown = " ".join([block_type, *(_label(label) for label in labels)])
            writer.put(key, shown + " {")
            _write_body(writer, kind, body)
            writer.put(None, "}")
        return
    if not isinstance(node, ObjectNode):
        raise _bad(writer.source, node, f'"{block_type}" must be an object of names, not {node.type_name}')
    for label_key, inner in node.pairs:
        if label_key.value != COMMENT:
            _write_labelled(
                writer, label_key, block_type, inner, depth - 1, kind, (*labels, str(label_key.value))
            )


def native_text(source: Source) -> tuple[str, dict[int, tuple[int, int]]]:
    """The native-syntax text of a ``.tf.json`` file, and where each written line's key is."""
    try:
        root = parse_json(source.text)
    except JsonSyntaxError as exc:
        line, col = source.position(exc.offset)
        raise InputError(f"JSON syntax error: {exc.message}", source.path, line, col) from None
    if not isinstance(root, ObjectNode):
        raise _bad(source, root, f"a .tf.json file holds one object of blocks, not {root.type_name}")
    writer = _Writer(source)
    for key, node in root.pairs:
        name = str(key.value)
        if name == COMMENT:
            continue
        if name not in LABELS:
            raise _bad(source, key, f'unknown top-level block type "{name}"')
        if name == "locals":
            for body in _bodies(source, node, '"locals"'):
                writer.put(key, "locals {")
                _write_body(writer, "locals", body)
                writer.put(None, "}")
            continue
        _write_labelled(writer, key, name, node, LABELS[name], name)
    return "\n".join(writer.lines) + "\n", writer.keys


def _walk(body: Body) -> Iterator[Attribute | Block]:
    yield from body.attributes.values()
    for block in body.blocks:
        yield block
        yield from _walk(block.body)


def parse_tf_json(source: Source) -> HclFile:
    """Parse a ``.tf.json`` file into the :class:`HclFile` its native-syntax twin would give,
    positioned at the JSON keys; InputError (located) when it is not valid Terraform JSON."""
    text, keys = native_text(source)
    try:
        parsed = parse_hcl(text, source.path)
    except InputError as exc:
        line, col = keys.get(exc.line or 1, (exc.line or 1, 1))
        message = exc.message.replace("HCL syntax error", "Terraform JSON: expression syntax error")
        raise InputError(message, source.path, line, col) from None
    for item in _walk(parsed.body):
        item.line, item.col = keys.get(item.line, (item.line, item.col))
    return parsed
