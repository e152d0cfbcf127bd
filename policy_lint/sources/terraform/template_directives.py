"""A Terraform template body (a ``templatefile()`` file or a heredoc) as parts to render.

Terraform's template language has interpolations (``${expr}``), the directives ``%{ if }`` /
``%{ else }`` / ``%{ endif }`` and ``%{ for x in xs }`` / ``%{ endfor }``, strip markers (``~``
after the opening or before the closing brace trims the whitespace on that side) and the escapes
``$${`` and ``%%{``. This module only parses: the evaluator renders the parts with the variables it
knows, so an ``%{ if }`` whose condition is known renders exactly, and one whose condition is not
known leaves the whole template unknown (never a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policy_lint.sources.terraform.values import closing_brace

#: deeper nesting is refused (rendering recurses once per level); real templates nest two or three
MAX_NESTING = 32
_FOR = re.compile(r"^for\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.+)$", re.S)


@dataclass
class Text:
    text: str


@dataclass
class Interpolation:
    """``${ expression }``: the expression's text."""

    expression: str


@dataclass
class If:
    condition: str
    then: list[Part] = field(default_factory=list)
    otherwise: list[Part] = field(default_factory=list)


@dataclass
class For:
    """``%{ for value in xs }`` or ``%{ for key, value in xs }``."""

    key: str | None
    value: str
    collection: str
    body: list[Part] = field(default_factory=list)


Part = Text | Interpolation | If | For


class TemplateSyntaxError(ValueError):
    """The body is not a well-formed template (an unclosed brace, a stray ``%{ endif }``)."""


def parse_template(body: str) -> list[Part]:
    """The body's parts, directives nested; raises :class:`TemplateSyntaxError`."""
    root: list[Part] = []
    stack: list[tuple[If | For, list[Part]]] = []  # each open directive and the list being filled
    current = root
    text: list[str] = []
    strip_next = False
    i = 0
    n = len(body)

    def flush(strip_before: bool) -> None:
        nonlocal strip_next
        chunk = "".join(text)
        text.clear()
        if strip_next:
            chunk = chunk.lstrip()
            strip_next = False
        if strip_before:
            chunk = chunk.rstrip()
        if chunk:
            current.append(Text(chunk))

    while i < n:
        if body.startswith(("$${", "%%{"), i):
            text.append(body[i + 1 : i + 3])
            i += 3
            continue
        if not body.startswith(("${", "%{"), i):
            text.append(body[i])
            i += 1
            continue
        end = closing_brace(body, i + 2)
        if end is None:
            raise TemplateSyntaxError("a ${ or %{ is never closed")
        inner = body[i + 2 : end]
        strip_before = inner.startswith("~")
        strip_after = inner.endswith("~") and len(inner) > 1
        inner = inner[1 if strip_before else 0 : len(inner) - 1 if strip_after else len(inner)].strip()
        flush(strip_before)
        if body[i] == "$":
            current.append(Interpolation(inner))
        else:
            current = _directive(inner, current, stack)
            if len(stack) > MAX_NESTING:
                raise TemplateSyntaxError(f"directives nested more than {MAX_NESTING} deep")
        strip_next = strip_after
        i = end + 1
    flush(False)
    if stack:
        raise TemplateSyntaxError(f"%{{ {'if' if isinstance(stack[-1][0], If) else 'for'} }} is never closed")
    return root


def _directive(inner: str, current: list[Part], stack: list[tuple[If | For, list[Part]]]) -> list[Part]:
    """Open or close a directive; returns the list the following parts go into."""
    keyword = inner.split(None, 1)[0] if inner else ""
    if keyword == "if":
        node = If(inner[2:].strip())
        current.append(node)
        stack.append((node, current))
        return node.then
    if keyword == "for":
        match = _FOR.match(inner)
        if match is None:
            raise TemplateSyntaxError(f"%{{ {inner} }} is not 'for NAME in EXPRESSION'")
        key, value = (match.group(1), match.group(2)) if match.group(2) else (None, match.group(1))
        loop = For(key, value, match.group(3).strip())
        current.append(loop)
        stack.append((loop, current))
        return loop.body
    if keyword == "else" and inner == "else" and stack and isinstance(stack[-1][0], If):
        return stack[-1][0].otherwise
    if keyword in ("endif", "endfor") and inner == keyword and stack:
        opened, parent = stack[-1]
        if isinstance(opened, If) == (keyword == "endif"):
            stack.pop()
            return parent
    raise TemplateSyntaxError(f"%{{ {inner} }} is not a directive here")
