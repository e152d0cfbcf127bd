"""Template placeholders and IAM policy variables in policy strings: one definition for every rule.

``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${saml:sub}`` and the escapes ``${*}``,
``${?}``, ``${$}`` are IAM policy variables: IAM substitutes them. These spellings are
placeholders a person or a tool was supposed to fill in, and IAM takes them literally:

* ``${Account ID}``, ``${SQS ARN}`` (the guide's references), ``${var.bucket}`` (Terraform),
  ``${AWS::AccountId}`` (CloudFormation ``Fn::Sub``): any ``${...}`` that is not a policy variable;
* ``<ACCOUNT_ID>``, ``<Account ID>``: ``<``, a name (a letter, then letters, digits, spaces,
  ``_`` or ``-``), ``>``;
* ``{{ bucket }}`` (Jinja, Mustache), ``%(bucket)s`` (Python), ``#{bucket}`` (Ruby, Octopus);
* ``%{ if x }`` (a Terraform template directive).

Why one definition: the action, ARN and condition rules skip a string holding a placeholder and
leave it to PL501. A string one side skips and the other does not report would pass unseen, which
is how ``s3:GetObject<`` and ``not an arn <x.y>`` once got no finding at all. Anything not spelled
as above (a stray ``<``, ``<x.y>``) is ordinary text that the other rules judge.

Template holes. A file whose template syntax is known is not a policy with forgotten values but a
template: a Terraform template (``.tpl``/``.tftpl``, what ``templatefile()`` reads) fills every
``${expression}`` and runs every ``%{ directive }``, and a repository may declare its own
``${NAME}`` convention in settings (``placeholders:``). Those ``${...}`` are *holes*
(:class:`TemplateSyntax` says which): PL501 does not report them, and every other rule still
skips a string holding one (:func:`has_placeholder` counts holes), so a hole is an unknown value
that never fails and never passes. :func:`hole_slot` names what a hole stands for from where it
sits in an ARN (partition, service, region, account, resource).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policy_lint.policy.model import Statement

_DOLLAR_BRACE = re.compile(r"\$\{([^}]*)\}")
#: ``prefix:key`` with an optional default (``${aws:username, 'x'}``); prefixes include
#: federated providers such as ``cognito-identity.amazonaws.com`` or ``www.amazon.com``.
_POLICY_VARIABLE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9.\-]*:[A-Za-z0-9_.:/\-]+\s*(,\s*'[^']*'\s*)?$")
_ESCAPES = frozenset({"*", "?", "$"})
#: ``${`` then a key prefix and one colon (not ``::``): text meant as a policy variable even when it
#: is malformed (``${aws: username}``, ``${aws:username, nobody}``); ``${}`` is an empty one.
_MEANT_AS_VARIABLE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9.\-]*:(?!:)")
#: The name inside ``<...>``, ``%(...)s`` and ``#{...}``: what people write for "fill this in".
_NAME = r"\s*[A-Za-z][A-Za-z0-9 _\-]*\s*"
_DIRECTIVE = re.compile(r"%\{[^}]*\}")
#: Placeholders other than ``${...}``, each with the kind PL501 names.
_OTHER_SYNTAXES = (
    (re.compile("<" + _NAME + ">"), "a template placeholder"),
    (re.compile(r"\{\{[^{}]*\}\}"), "a template placeholder"),
    (re.compile(r"%\(" + _NAME + r"\)s"), "a template placeholder"),
    (re.compile(r"#\{" + _NAME + r"\}"), "a template placeholder"),
    (_DIRECTIVE, "a Terraform template directive"),
)
#: How every placeholder starts: a string holding none of these holds no placeholder (tested first).
MARKS = ("${", "<", "{{", "%(", "#{", "%{")
CLOUDFORMATION_KIND = "a CloudFormation Fn::Sub reference"


class HoleKind(str, Enum):
    """What value a template hole stands for (the kinds ``placeholders:`` in settings accepts)."""

    PARTITION = "partition"
    SERVICE = "service"
    REGION = "region"
    ACCOUNT = "account"
    NAME = "name"  # part of a resource name or path
    ARN = "arn"
    ACTION = "action"
    VALUE = "value"  # anything else: a condition value, a principal, a Sid


#: ``${Account ID}``, ``${SQS ARN}``: words and spaces only, the guide's "fill this in", which no
#: Terraform template can evaluate (nor ``${AWS::Region}``); any other ``${...}`` in a Terraform
#: template is an expression it renders (``${var_x}``, ``${join(",", ids)}``, ``${a == "" ? b : c}``).
_PROSE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9]*(?: +[A-Za-z0-9]+)+\s*$")


@dataclass(frozen=True)
class TemplateSyntax:
    """Which ``${...}`` of one document are holes its template tooling fills (not PL501's)."""

    #: a Terraform template: every ``${expression}`` is a hole and ``%{ }`` a directive
    terraform: bool = False
    #: the settings' ``placeholders:``: ``(NAME, kind)`` pairs, holes in any file
    declared: tuple[tuple[str, str], ...] = ()

    def kind_of(self, inner: str) -> str | None:
        """The kind of hole ``${inner}`` is, or None when it is not a hole of this document."""
        name = inner.strip()
        for declared, kind in self.declared:
            if declared == name:
                return kind
        if self.terraform and "::" not in inner and not _PROSE.match(inner):
            return HoleKind.VALUE.value
        return None

    def __bool__(self) -> bool:
        return self.terraform or bool(self.declared)


NO_TEMPLATE = TemplateSyntax()


class Placeholder(str, Enum):
    """What kind of template text a string holds, if any."""

    NONE = "none"
    CLOUDFORMATION = "cloudformation"  # ${AWS::Region}: an Fn::Sub string pasted as a policy
    TEMPLATE = "template"  # ${AccountId}, <ACCOUNT_ID>, {{account}}: reported by the PL5 rules


def is_policy_variable(inner: str) -> bool:
    """True for the text inside ``${...}`` that IAM substitutes itself."""
    if inner in _ESCAPES:
        return True
    return "::" not in inner and bool(_POLICY_VARIABLE.match(inner))


def meant_as_variable(inner: str) -> bool:
    """True for ``${...}`` text that is a policy variable or a malformed one, never a placeholder.

    ``${aws: username}`` or ``${}`` is a broken policy variable (PL801 says what is wrong), not
    a value somebody forgot to fill in; ``${Account ID}``, ``${var.x}`` and ``${AWS::Region}``
    are placeholders.
    """
    return is_policy_variable(inner) or not inner.strip() or bool(_MEANT_AS_VARIABLE.match(inner))


def policy_variables(text: str) -> list[str]:
    """The policy variables (escapes excluded) a string uses, as their inner text."""
    if "${" not in text:
        return []
    return [
        m.group(1)
        for m in _DOLLAR_BRACE.finditer(text)
        if is_policy_variable(m.group(1)) and m.group(1) not in _ESCAPES
    ]


def _dollar_kind(inner: str) -> str:
    if "::" in inner:
        return CLOUDFORMATION_KIND
    if inner.startswith(("var.", "local.", "data.", "module.", "aws_")):
        return "a Terraform interpolation"
    return "a template placeholder"


def find_placeholders(text: str, template: TemplateSyntax = NO_TEMPLATE) -> list[tuple[int, str, str]]:
    """``(offset, placeholder, kind)`` for every unfilled placeholder in a string, in order.

    With ``template``, the document's own template holes are left out (they are filled by design).
    """
    if "{" not in text and "<" not in text and "%(" not in text:
        return []  # every mark holds one of these three: most strings are ruled out by three scans
    if not any(mark in text for mark in MARKS):
        return []
    found: list[tuple[int, str, str]] = []
    for match in _DOLLAR_BRACE.finditer(text):
        inner = match.group(1)
        if not meant_as_variable(inner) and (not template or template.kind_of(inner) is None):
            found.append((match.start(), match.group(0), _dollar_kind(inner)))
    for pattern, kind in _OTHER_SYNTAXES:
        if template.terraform and pattern is _DIRECTIVE:
            continue  # a directive the loader could not render is reported once, as PL005
        found.extend((match.start(), match.group(0), kind) for match in pattern.finditer(text))
    return sorted(found)


def may_hold_placeholders(text: str) -> bool:
    """Whether some string written in ``text`` (a whole document) may hold a placeholder: False
    only when none can, so the per-string search (:func:`find_placeholders`) is skipped.

    A string's value is its text in the file unless an escape (a backslash) rewrites it, so
    without one each ``${...}`` of a value is a ``${...}`` of the file. A ``${...}`` of the file
    that takes in a quote or any whitespace may span two strings (a JSON string holds no raw line
    break or quote; a YAML plain scalar ends at a line break, at " #" and at ": "), and one not
    meant as a policy variable may be a placeholder: either sends the document to the
    per-string search. Most documents with ``${`` hold only policy variables
    (``${aws:username}``), which hold neither.
    """
    # one character first: a search for one is a memchr, for two ~6x slower (5 MB of managed policies)
    if "\\" in text or "<" in text:
        return True  # an escape may spell any mark (\u0024{...})
    if ("%" in text and ("%(" in text or "%{" in text)) or ("#" in text and "#{" in text) or "{{" in text:
        return True
    if "$" not in text:
        return False
    return any(
        SPANS_STRINGS.search(match.group(0)) is not None or not meant_as_variable(match.group(1))
        for match in _DOLLAR_BRACE.finditer(text)
    )


#: what a ``${...}`` of a file cannot hold and be sure to stay inside one string: a quote, or any
#: whitespace (a YAML plain scalar also ends at " #", at ": " and at the line breaks YAML reads,
#: \x85 and \u2028 among them); a policy variable holds none of them
SPANS_STRINGS = re.compile(r"[\"'\s]")


def template_holes(text: str, template: TemplateSyntax) -> list[tuple[int, str, str]]:
    """``(offset, hole, kind)`` for every hole of ``template`` in a string; the kind is the declared
    one, else what the hole's place in an ARN says (:func:`hole_slot`), else "value"."""
    if not template or "${" not in text:
        return []
    holes: list[tuple[int, str, str]] = []
    for match in _DOLLAR_BRACE.finditer(text):
        inner = match.group(1)
        if meant_as_variable(inner):
            continue
        kind = template.kind_of(inner)
        if kind is None:
            continue
        if kind == HoleKind.VALUE.value:
            kind = hole_slot(text, match.start(), match.end()) or kind
        holes.append((match.start(), match.group(0), kind))
    return holes


#: An ARN's fields in order after ``arn``; a hole in the sixth or later is part of the resource.
_ARN_SLOTS = (HoleKind.PARTITION, HoleKind.SERVICE, HoleKind.REGION, HoleKind.ACCOUNT)


def hole_slot(text: str, start: int, end: int) -> str | None:
    """What the ``${...}`` at ``text[start:end]`` stands for, from where it sits: a field of an ARN
    (``arn:${p}:s3:::b`` -> partition), a whole value that is an ARN when it looks like one, or None."""
    if start == 0 and end == len(text):
        return None  # a whole value: its element decides (Resource: an ARN), not the text
    if not text.startswith("arn:"):
        return HoleKind.ARN.value if start == 0 and text[end : end + 1] in ("/", ":") else None
    colons = _colons_outside_holes(text[:start])
    if 1 <= colons <= len(_ARN_SLOTS):
        return _ARN_SLOTS[colons - 1].value
    return HoleKind.NAME.value if colons > len(_ARN_SLOTS) else None


def _colons_outside_holes(text: str) -> int:
    """The ``:`` that separate an ARN's fields (a ``:`` inside ``${...}`` is the hole's own)."""
    colons = 0
    depth = 0
    for index, ch in enumerate(text):
        if ch == "{" and index and text[index - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            colons += 1
    return colons


def has_action_hole(stmt: Statement, template: TemplateSyntax) -> bool:
    """Whether a template hole stands in the statement's Action or NotAction: what the statement
    covers is then not known, so a rule that reads what it grants (or denies) cannot decide."""
    return bool(template) and any(
        isinstance(node.value, str) and template_holes(node.value, template) for node in stmt.actions
    )


def undecided_by_action_holes(statements: list[Statement], template: TemplateSyntax) -> set[int] | None:
    """What a template's action holes leave undecided: the ``id`` of each statement with a hole in
    its Action or NotAction (what it covers is not known), or None when a Deny statement has one
    (it may deny anything, so nothing the document allows is decided)."""
    holed = {id(stmt): stmt for stmt in statements if has_action_hole(stmt, template)}
    if any(stmt.effect_value == "Deny" for stmt in holed.values()):
        return None
    return set(holed)


def holes_only_in_arn_fields(text: str, template: TemplateSyntax) -> bool:
    """An ARN whose only template text is holes inside its fields (``arn:${partition}:s3:::${bucket}/*``).

    The ARN rules judge such an ARN around its holes: each hole is an unknown value, as a policy
    variable is (:func:`policy_lint.catalog.arns.has_wildcard`), so only the literal parts can fail.
    A real placeholder, a hole that is the whole value or stands before ``arn:``, or an ARN with
    fewer than six fields (a hole may hold several) leaves the string unjudged (PL501 reports the
    placeholder).
    """
    if not template or not text.startswith("arn:") or find_placeholders(text, template):
        return False
    if _colons_outside_holes(text) < len(_ARN_SLOTS) + 1:
        return False  # fewer than six fields: a hole may stand for several (${region}:${account} in one)
    holes = [m for m in _DOLLAR_BRACE.finditer(text) if not meant_as_variable(m.group(1))]
    return bool(holes) and all(hole_slot(text, m.start(), m.end()) is not None for m in holes)


def is_hole(part: str, template: TemplateSyntax) -> bool:
    """True when ``part`` (an ARN field) is wholly one hole: one unknown value, not a wildcard, so an
    ARN whose partition, region and account are holes is still aimed at particular resources."""
    if not template or not part.startswith("${") or not part.endswith("}"):
        return False
    inner = part[2:-1]
    return (
        "${" not in inner
        and "}" not in inner
        and not meant_as_variable(inner)
        and template.kind_of(inner) is not None
    )


def unjudged(text: str, template: TemplateSyntax) -> bool:
    """True when a rule must leave ``text`` alone: a placeholder, or holes it cannot judge around."""
    return has_placeholder(text) and not holes_only_in_arn_fields(text, template)


def placeholder_kind(text: str) -> Placeholder:
    """Whether a string holds a placeholder (the rules skip it: PL501 reports it), and of which kind."""
    found = find_placeholders(text)
    if not found:
        return Placeholder.NONE
    if any(kind == CLOUDFORMATION_KIND for _, _, kind in found):
        return Placeholder.CLOUDFORMATION
    return Placeholder.TEMPLATE


def has_placeholder(text: str) -> bool:
    """True when PL501 reports something in ``text``."""
    return bool(find_placeholders(text))
