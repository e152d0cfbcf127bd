"""A Terraform template file (``.tpl``, ``.tftpl``: what ``templatefile()`` reads) as a policy to lint.

``templatefile()`` renders ``${expression}`` interpolations, ``%{ if }``/``%{ for }`` directives
and the escapes ``$${`` and ``%%{`` (which stand for a literal ``${`` and ``%{``, the way a template
writes an IAM policy variable such as ``$${aws:username}``). The interpolations are holes that
:mod:`policy_lint.policy.placeholders` knows; this module handles the rest, so the text can be
parsed as the JSON it becomes:

* escapes become what they stand for, in the parsed string values (offsets are kept);
* ``%{ if }`` ... ``%{ endif }`` with no ``%{ else }``, between JSON values, is rendered with its
  body kept: one real rendering (the condition true) that holds every statement the template can
  produce, so nothing the template may grant is left unjudged;
* anything else (``%{ for }``, ``%{ else }``, a directive inside a string, an interpolation outside
  a string such as ``"Resource": ${jsonencode(arns)}``, whose JSON shape only rendering decides) has
  no single rendering to judge: the file is not linted, and PL005 says so as a warning (unknown,
  never a pass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policy_lint.syntax.nodes import Node, ScalarNode, walk

#: ``%{ ... }`` not written as the escape ``%%{``.
DIRECTIVE = re.compile(r"(?<!%)%\{~?\s*(\w*)[^}]*\}")
#: ``${`` not written as the escape ``$${``.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{")
_RENDERED_KEEPING_BODY = frozenset({"if", "endif"})


@dataclass(frozen=True)
class Unrenderable:
    """Why the template has no one rendering to lint, and where."""

    offset: int
    reason: str


def render_directives(text: str) -> tuple[str, Unrenderable | None]:
    """The text with its ``%{ if }``/``%{ endif }`` markers blanked (same length, so every position
    still points into the file), or why it cannot be rendered that way."""
    directives = list(DIRECTIVE.finditer(text))
    holes = [m.start() for m in _INTERPOLATION.finditer(text)] if "${" in text else []
    outside = _outside_strings(text, holes) if holes else None
    if outside is not None:
        return text, Unrenderable(
            outside,
            "Terraform template interpolation outside a string: the document's shape is only known "
            "once templatefile() renders it",
        )
    text = _single_quoted_holes(text)
    if not directives:
        return text, None
    for match in directives:
        keyword = match.group(1)
        if keyword not in _RENDERED_KEEPING_BODY:
            return text, Unrenderable(
                match.start(),
                f"Terraform template directive %{{ {keyword or '...'} }}: this file has no one rendering "
                "to lint until templatefile() renders it",
            )
    inside = _inside_strings(text, [m.start() for m in directives], inside=True)
    if inside is not None:
        return text, Unrenderable(
            inside, "Terraform template directive inside a string: the value is only known once rendered"
        )
    pieces: list[str] = []
    pos = 0
    for match in directives:
        pieces.append(text[pos : match.start()])
        pieces.append(" " * (match.end() - match.start()))
        pos = match.end()
    pieces.append(text[pos:])
    return "".join(pieces), None


def _single_quoted_holes(text: str) -> str:
    """``"${x == "" ? a : b}"`` with the HCL quotes inside the hole made ``'``: same length, valid JSON,
    and the hole stays a hole (its value is unknown either way)."""
    if '"' not in text or "${" not in text:
        return text
    pieces: list[str] = []
    pos = 0
    for match in _INTERPOLATION.finditer(text):
        if match.start() < pos:
            continue
        end = _after_braces(text, match.start() + 1)
        pieces.append(text[pos : match.start()])
        pieces.append(text[match.start() : end].replace('"', "'"))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _outside_strings(text: str, offsets: list[int]) -> int | None:
    return _inside_strings(text, offsets, inside=False)


def _inside_strings(text: str, offsets: list[int], *, inside: bool) -> int | None:
    """The first offset that falls inside (or outside) a JSON string, or None (one pass over the
    text; a ``${...}`` or ``%{...}`` is skipped whole, as the quotes in ``%{ if x != "" }`` are HCL's)."""
    wanted = set(offsets)
    in_string = False
    index = 0
    length = len(text)
    while index < length:
        ch = text[index]
        if index in wanted and in_string == inside:
            return index
        if (
            ch in "$%"
            and text.startswith("{", index + 1)
            and not text.startswith(ch, index - 1 if index else length)
        ):
            index = _after_braces(text, index + 1)
            continue
        if ch == "\\" and in_string:
            index += 2
            continue
        if ch == '"':
            in_string = not in_string
        index += 1
    return None


def _after_braces(text: str, start: int) -> int:
    """The index after the ``}`` that closes the ``{`` at ``start`` (or the end of the text)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def unescape(root: Node) -> None:
    """``$${`` and ``%%{`` in string values and keys become ``${`` and ``%{``, as rendering makes them."""
    for node in walk(root):
        if (
            isinstance(node, ScalarNode)
            and isinstance(node.value, str)
            and ("$${" in node.value or "%%{" in node.value)
        ):
            node.value = node.value.replace("$${", "${").replace("%%{", "%{")
