"""A policy document saved inside the object that carried it, read as the policy it is.

People save policies as the AWS tools hand them over, not only as bare documents:

* ``aws iam get-policy-version``: ``{"PolicyVersion": {"Document": {...}, "VersionId": ...}}``;
* ``aws iam get-role-policy`` (and the user and group variants): ``{"RoleName": ..., "PolicyName":
  ..., "PolicyDocument": {...}}``, the document URL-encoded text when the API's raw answer was kept;
* a CloudFormation ``AWS::IAM::Policy``/``ManagedPolicy`` snippet: ``{"PolicyDocument": {...}}``.

Such a file is recognisably a policy, so skipping it would be a silent pass. The document inside
is linted instead, at its own lines: every character of the file outside it is replaced by a
blank (newlines kept), so positions and IAM's size count (which ignores whitespace) are those of
the document itself. A document given as text (JSON in a string, URL-encoded or not) has no
positions of its own in the file: it is linted as its decoded text and every finding is put at
the string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote

from policy_lint.syntax.nodes import Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source

#: the keys that lead from a file's top level to the document it carries
WRAPPERS: tuple[tuple[str, ...], ...] = (("PolicyDocument",), ("PolicyVersion", "Document"))
#: what a document must show to count as one (as the classifier asks of a bare policy)
_POLICY_MARKS = ("Statement", "2012-10-17", "2008-10-17")


@dataclass(frozen=True)
class Unwrapped:
    """The document to lint; ``at``: where every finding goes when it was a string in the file."""

    keys: tuple[str, ...]
    source: Source
    at: tuple[int, int] | None = None


def _text_looks_like_policy(value: str) -> bool:
    """A document given as text under a wrapper key: JSON (URL-encoded as IAM's API answers, or
    not) that opens an object or names a policy mark. A broken one still counts, so it is linted
    and reported PL001 rather than skipped."""
    text = value if value.lstrip().startswith(("{", "[")) else unquote(value)
    return text.lstrip().startswith("{") or any(mark in text for mark in _POLICY_MARKS)


def _looks_like_policy(value: object) -> bool:
    if isinstance(value, dict):
        return "Statement" in value or value.get("Version") in ("2012-10-17", "2008-10-17")
    return isinstance(value, str) and _text_looks_like_policy(value)


def wrapper_keys(value: object) -> tuple[str, ...] | None:
    """The keys that lead to a policy document inside a parsed JSON/YAML value, or None."""
    if not isinstance(value, dict):
        return None
    for keys in WRAPPERS:
        inner: object = value
        for key in keys:
            inner = inner.get(key) if isinstance(inner, dict) else None
        if inner is not None and _looks_like_policy(inner):
            return keys
    return None


def wrapper_keys_of_node(root: Node) -> tuple[str, ...] | None:
    """:func:`wrapper_keys` for the position-keeping parse, read on the nodes: converting the whole
    tree to Python values first cost ~4 % of a corpus lint, for the few keys this looks at."""
    if not isinstance(root, ObjectNode):
        return None
    for keys in WRAPPERS:
        inner: Node | None = root
        for key in keys:
            inner = inner.get(key) if isinstance(inner, ObjectNode) else None
        if inner is not None and _node_looks_like_policy(inner):
            return keys
    return None


def _node_looks_like_policy(node: Node) -> bool:
    """:func:`_looks_like_policy` of ``node.to_python()`` (a null value is None: no policy)."""
    if isinstance(node, ObjectNode):
        if any(str(key.value) == "Statement" for key, _ in node.pairs):
            return True
        version = node.get("Version")
        return isinstance(version, ScalarNode) and version.value in ("2012-10-17", "2008-10-17")
    if isinstance(node, ScalarNode):
        value = node.value
        return isinstance(value, str) and _text_looks_like_policy(value)
    return False


def unwrap(source: Source, root: Node, keys: tuple[str, ...]) -> Unwrapped | None:
    """The document at ``keys`` of ``root`` (a parse of ``source``), or None when its extent in the
    text cannot be told (the caller then lints the file as it is, which reports what it sees)."""
    node: Node | None = root
    key_node: ScalarNode | None = None
    for key in keys:
        pair = node.get_pair(key) if isinstance(node, ObjectNode) else None
        if pair is None:
            return None
        key_node, node = pair
    if node is None or key_node is None:
        return None
    if isinstance(node, ScalarNode):
        if not node.is_string:
            return None
        text = str(node.value)
        if not text.lstrip().startswith(("{", "[")):
            text = unquote(text)  # IAM's API answers with URL-encoded JSON
        return Unwrapped(keys, Source(source.path, text), source.position(node.offset))
    end = _end_of(source, node.offset, key_node.offset)
    if end is None:
        return None
    return Unwrapped(keys, Source(source.path, _blank_outside(source.text, node.offset, end), source.had_bom))


def _end_of(source: Source, start: int, key_offset: int) -> int | None:
    """Where the value starting at ``start`` ends: JSON by decoding it, block YAML by indentation
    (the first later line indented no deeper than its key)."""
    text = source.text
    if text[start : start + 1] in ("{", "["):
        try:
            return json.JSONDecoder().raw_decode(text, start)[1]
        except ValueError:
            if text.lstrip()[:1] in ("{", "["):
                return None  # a JSON file whose value Python's decoder refuses: not told here
    _, key_col = source.position(key_offset)
    line_end = text.find("\n", start)
    while line_end != -1:
        line_start = line_end + 1
        line_end = text.find("\n", line_start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        body = line.lstrip(" ")
        if not body.strip() or body.startswith("#"):
            continue
        if len(line) - len(body) < key_col:
            return line_start
    return len(text)


def _blank_outside(text: str, start: int, end: int) -> str:
    """``text`` with every character outside ``[start, end)`` a blank, newlines kept."""

    def blank(part: str) -> str:
        return "".join(ch if ch in "\r\n" else " " for ch in part)

    return blank(text[:start]) + text[start:end] + blank(text[end:])
