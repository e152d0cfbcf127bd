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
"""

from __future__ import annotations

import re
from enum import Enum

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
#: Placeholders other than ``${...}``, each with the kind PL501 names.
_OTHER_SYNTAXES = (
    (re.compile("<" + _NAME + ">"), "a template placeholder"),
    (re.compile(r"\{\{[^{}]*\}\}"), "a template placeholder"),
    (re.compile(r"%\(" + _NAME + r"\)s"), "a template placeholder"),
    (re.compile(r"#\{" + _NAME + r"\}"), "a template placeholder"),
    (re.compile(r"%\{[^}]*\}"), "a Terraform template directive"),
)
#: How every placeholder starts: a string holding none of these holds no placeholder (tested first).
MARKS = ("${", "<", "{{", "%(", "#{", "%{")
CLOUDFORMATION_KIND = "a CloudFormation Fn::Sub reference"


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


def find_placeholders(text: str) -> list[tuple[int, str, str]]:
    """``(offset, placeholder, kind)`` for every unfilled placeholder in a string, in order."""
    if "{" not in text and "<" not in text and "%(" not in text:
        return []  # every mark holds one of these three: most strings are ruled out by three scans
    if not any(mark in text for mark in MARKS):
        return []
    found: list[tuple[int, str, str]] = []
    for match in _DOLLAR_BRACE.finditer(text):
        inner = match.group(1)
        if not meant_as_variable(inner):
            found.append((match.start(), match.group(0), _dollar_kind(inner)))
    for pattern, kind in _OTHER_SYNTAXES:
        found.extend((match.start(), match.group(0), kind) for match in pattern.finditer(text))
    return sorted(found)


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
