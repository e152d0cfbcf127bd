"""The real comments of a file, found by the tokenizer of its format, for the suppression scan.

A ``# policy-lint: ignore[...]`` that sits inside a string is data written by whoever wrote the
file (a Sid, a tag value, a heredoc policy), not a comment: honouring it would let a pull request
accept its own findings. So each format is read by its real tokenizer rather than line by line:

- HCL (``.tf``): python-hcl2's parser, whose ``NL_OR_COMMENT`` tokens are the ``#``, ``//`` and
  ``/* */`` comments; quoted strings, interpolations and heredocs are other tokens.
- YAML (policies, CloudFormation YAML): PyYAML's scanner. A ``#`` after a blank (or at the start
  of a line) and outside every scalar token, quoted, plain or block, starts a comment.
- JSON (policies, plan JSON, CloudFormation JSON, ``.tf.json``): no comments at all; its
  suppressions go in the settings file.

A file its tokenizer rejects has no comments: it is reported as unreadable by its own loader.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from policy_lint.syntax.source import Source

HCL = "hcl"
YAML = "yaml"
JSON = "json"

_YAML_SUFFIXES = (".yaml", ".yml")
#: A ``#`` that can open a YAML comment: at the start of a line or after a blank.
_YAML_HASH = re.compile(r"(?:^|(?<=[ \t]))#", re.MULTILINE)


@dataclass(frozen=True)
class Comment:
    """One comment: where its first character (``#``, ``//`` or ``/*``) is, and its text."""

    offset: int
    text: str


#: Plan JSON, CloudFormation JSON and .tf.json included; policy templates are read as JSON.
_JSON_SUFFIXES = (".json", ".tpl", ".tftpl")


def has_no_comments(path: str) -> bool:
    """Whether ``path``'s name alone says it is JSON, which has no comments: its text need not be read."""
    return path.lower().endswith(_JSON_SUFFIXES)


def comment_syntax(path: str, text: str) -> str:
    """Which comment syntax ``path`` has: by extension, else JSON when it starts like JSON."""
    lowered = path.lower()
    if lowered.endswith(".tf"):
        return HCL
    if has_no_comments(lowered):
        return JSON
    if lowered.endswith(_YAML_SUFFIXES):
        return YAML
    return JSON if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") else YAML


def find_comments(path: str, text: str) -> list[Comment]:
    """Every real comment of ``text`` (the content of ``path``), in order."""
    syntax = comment_syntax(path, text)
    if syntax == HCL:
        return _hcl_comments(text)
    if syntax == YAML:
        return _yaml_comments(text)
    return []


def _hcl_comments(text: str) -> list[Comment]:
    from hcl2.postlexer import OPERATOR_TYPES
    from lark import Token
    from lark.exceptions import LarkError

    from policy_lint.sources.terraform.evaluator import parse_tree

    try:
        tree = parse_tree(text)
    except (LarkError, RecursionError, ValueError):
        return []
    # Offsets from line:col, not the tokens' start_pos: parse_tree may have parsed a copy with
    # blanks stripped after heredoc markers, which keeps lines and columns but not offsets.
    source = Source("", text)
    found = []
    for token in tree.scan_values(lambda value: isinstance(value, Token)):
        if token.line is None or token.column is None:
            continue
        offset = source.offset_of(token.line, token.column)
        if token.type == "NL_OR_COMMENT":
            found.extend(_split_comments(str(token), offset))
        elif token.type in OPERATOR_TYPES and not text.startswith(str(token), offset):
            # python-hcl2's post-lexer glues the comment or newline before a binary operator that
            # continues an expression on the next line into the operator token, at its position.
            found.extend(_glued_comments(text, str(token), offset))
    return sorted(found, key=lambda c: c.offset)


def _split_comments(value: str, start: int) -> list[Comment]:
    """The comments inside one newline-or-comment token (blank lines and newlines around them)."""
    return [
        Comment(start + match.start(), match.group())
        for match in re.finditer(r"#[^\n]*|//[^\n]*|/\*.*?\*/", value, re.DOTALL)
    ]


def _glued_comments(text: str, value: str, offset: int) -> list[Comment]:
    """The comments of a newline-or-comment prefix glued to the operator at ``offset``."""
    for size in (2, 1):  # the operator itself: ==, !=, <=, >=, &&, || or one character
        operator = text[offset : offset + size]
        if value.endswith(operator) and len(value) > size:
            prefix = value[: len(value) - size]
            prefix_end = len(text[:offset].rstrip(" \t\r"))
            prefix_start = prefix_end - len(prefix)
            if prefix_start >= 0 and text[prefix_start:prefix_end] == prefix:
                return _split_comments(prefix, prefix_start)
    return []


def _yaml_comments(text: str) -> list[Comment]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    source = Source("", text)
    spans: list[tuple[int, int]] = []
    try:
        for token in yaml.scan(text, Loader=loader):
            if not isinstance(token, yaml.ScalarToken):
                continue
            start = source.offset_of(token.start_mark.line + 1, token.start_mark.column + 1)
            end = source.offset_of(token.end_mark.line + 1, token.end_mark.column + 1)
            if token.style in ("|", ">"):
                # The block scalar's header line (`key: | # note`) may end in a real comment;
                # its content starts on the next line.
                newline = text.find("\n", start, end)
                start = newline + 1 if newline != -1 else end
            spans.append((start, end))
    except (yaml.YAMLError, RecursionError):
        return []
    spans.sort()
    starts = [s for s, _ in spans]
    found: list[Comment] = []
    for match in _YAML_HASH.finditer(text):
        offset = match.start()
        if found and offset < found[-1].offset + len(found[-1].text):
            continue  # a later "#" of the same comment
        index = bisect_right(starts, offset) - 1
        if index >= 0 and spans[index][0] <= offset < spans[index][1]:
            continue  # inside a scalar: data, not a comment
        line_end = text.find("\n", offset)
        found.append(Comment(offset, text[offset : line_end if line_end != -1 else len(text)]))
    return found
