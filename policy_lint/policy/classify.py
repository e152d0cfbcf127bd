"""Is this file an IAM policy document? Decided on its content, not on its name.

pre-commit hands ``lint`` every staged ``*.json``/``*.yaml``/``*.yml``/``*.tpl`` file, and a
repository holds many that are not policies (``package.json``, ``tsconfig.json``, GitHub
workflows, Kubernetes manifests, CloudFormation templates and Terraform plans, which ``check``
reads). Those must be skipped silently and quickly; a policy must never be skipped, and a
*broken* policy least of all: skipping it would be a false pass.

The decision, in order (see docs/user-guide.md#which-files-lint-reads):

1. **Text pre-scan** (no parsing): a file that names neither ``Statement`` nor an IAM policy
   version date (``2012-10-17``, ``2008-10-17``) is not a policy, unless it sits where policies
   live (a ``policies/``, ``policy/`` or ``iam/`` folder, or ``policy`` in its name, policy-lint's
   own ``.policy-lint.yaml`` and baselines aside).
2. **Top-level shape**: a mapping with a ``Statement`` key, or a ``Version`` that is an IAM
   policy version (key case ignored, so ``statement`` is linted and reported), or a list of
   statements (mappings with ``Effect``/``Action``), is a policy. A file where policies live is a
   policy unless its top level is recognisably another format. Anything else is not: a
   CloudFormation template or a Terraform plan names ``Statement`` only deep inside.
   The shape is read cheaply where possible: the standard library's JSON parser for JSON
   (C speed, for multi-megabyte plans), the column-0 keys for a block-style YAML mapping;
   otherwise from the position-keeping parse, which is then handed on so nothing is parsed twice.
3. **Broken files** (they do not parse): a policy, reported as PL001, when it sits where
   policies live, or names ``Statement`` or the version date and is not recognisably another
   format (a CloudFormation ``AWSTemplateFormatVersion`` or ``Type: AWS::...``, a Terraform plan,
   a Kubernetes or GitHub workflow document).

4. **Wrapped policies**: a mapping that carries a policy under ``PolicyDocument`` (a
   CloudFormation snippet, ``aws iam get-role-policy``) or ``PolicyVersion.Document`` (``aws iam
   get-policy-version``) is a policy too; ``lint`` lints the document inside
   (:mod:`policy_lint.policy.wrapped`).

``lint --as-policy`` bypasses all of this for the rare file that is a policy whatever it says.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from policy_lint.policy.loader import JSON_SUFFIXES, TEMPLATE_SUFFIXES, ParseProblem, parse_tree
from policy_lint.policy.wrapped import WRAPPERS, wrapper_keys, wrapper_keys_of_node
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source

#: IAM's policy language versions (the ``Version`` element)
IAM_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
#: folder names where a repository keeps its policies
POLICY_FOLDERS = frozenset({"policies", "policy", "iam"})
#: policy-lint's own files (.policy-lint.yaml, a baseline) are named for it, not for a policy
_OWN_FILES = "policy-lint"
#: the pre-scan ignores case (``statement`` is a mistake lint reports), and lets through the keys
#: that carry a policy (:mod:`policy_lint.policy.wrapped`: a broken URL-encoded
#: ``PolicyVersion.Document`` names no Statement); a broken file counts as a policy on the exact
#: spelling only
_MAY_BE_POLICY = re.compile(r"(?i:statement)|20(?:12-10-17|08-10-17)|Policy(?:Document|Version)")
_MENTIONS_POLICY = re.compile(r"Statement|20(?:12-10-17|08-10-17)")
#: top-level keys that make a mapping another format even where policies live
OTHER_FORMAT_KEYS = frozenset(
    {
        "awstemplateformatversion",  # CloudFormation
        "resources",
        "transform",
        "format_version",  # Terraform plan / state JSON
        "terraform_version",
        "resource_changes",
        "planned_values",
        "apiversion",  # Kubernetes
        "jobs",  # GitHub / GitLab workflows
        "compileroptions",  # tsconfig.json
        "dependencies",  # package.json and friends
        "devdependencies",
        "scripts",
    }
)
#: text that marks a file as another format when it does not parse
_OTHER_FORMAT_TEXT = re.compile(
    r"AWSTemplateFormatVersion"
    r"|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"
    r"|\"terraform_version\"\s*:"
    r"|^apiVersion[ \t]*:"
    r"|^[ \t]*runs-on[ \t]*:",
    re.MULTILINE,
)
#: characters a plain YAML key cannot start with (indicators: a list, a flow collection, a tag ...)
_NOT_A_KEY_START = frozenset("-?:{}[],&*!|>%@`#")
#: how nearly every JSON policy starts, and no CloudFormation template or Terraform plan does
_OPENS_LIKE_A_POLICY = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"(?:Version|Statement|Id)"')
#: top-level keys (lower-cased) that may carry a policy inside (:mod:`policy_lint.policy.wrapped`)
_WRAPPER_KEYS = frozenset(keys[0].lower() for keys in WRAPPERS)
_YAML_VERSION = re.compile(
    r"""^["']?Version["']?[ \t]*:[ \t]*["']?([0-9-]+)["']?[ \t]*(?:#.*)?$""", re.MULTILINE
)


@dataclass
class Classified:
    """Whether to lint the file; ``parsed`` is the position-keeping parse when one was made."""

    is_policy: bool
    parsed: tuple[Node | None, ParseProblem | None] | None = None
    #: the keys that lead to the policy when the file carries one inside (``PolicyDocument``)
    wrapped: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _TopLevel:
    """What the decision reads of a document: the kind of its root, its keys, its Version."""

    kind: str  # "mapping", "list" or "scalar"
    keys: frozenset[str] = frozenset()  # lower-cased
    version: str | None = None
    lists_statements: bool = False
    wrapped: tuple[str, ...] | None = None


def policy_place(path: str) -> bool:
    """A folder where repositories keep policies, or a file named for one (``s3-policy.json``)."""
    folder, name = os.path.split(path)
    name = name.lower()
    if "polic" in name and not name.replace("_", "-").lstrip(".").startswith(_OWN_FILES):
        return True
    return _policy_folder(folder)


@lru_cache(maxsize=1024)
def _policy_folder(folder: str) -> bool:
    """Whether a folder on the way to a file is one where policies are kept; asked once per
    folder (the files of a folder share it), not once per file."""
    return any(part.lower() in POLICY_FOLDERS for part in PurePath(folder).parts)


def mentions_policy(text: str) -> bool:
    """The cheap test: does the text name ``Statement`` or an IAM policy version date?"""
    return _MENTIONS_POLICY.search(text) is not None


def classify(source: Source, *, will_lint: bool = False) -> Classified:
    """Decide whether ``source`` is a policy document (see the module docstring).

    ``will_lint``: the caller lints what is a policy, so a ``.json`` file that opens like one
    (``{"Version"``, ``{"Statement"``, ``{"Id"``) is read by the position-keeping parser right
    away and the tree handed on, rather than read by ``json.loads`` first and parsed again
    (~1,600 times in a lint of the managed policies). The decision is the same: the parser
    accepts only strict JSON, whose top level ``json.loads`` reads alike; a file it rejects
    takes the usual path below.
    """
    place = policy_place(source.path)
    if not place and _MAY_BE_POLICY.search(source.text) is None:
        return Classified(False)
    parsed: tuple[Node | None, ParseProblem | None] | None = None
    if will_lint and source.path.lower().endswith(JSON_SUFFIXES) and _OPENS_LIKE_A_POLICY.match(source.text):
        parsed = parse_tree(source)
        if parsed[0] is not None:
            return _classified(_top_of_node(parsed[0]), place, parsed)
    top = _cheap_top_level(source)
    if top is not None:
        return _classified(top, place)
    parsed = parsed or parse_tree(source)
    root, _problem = parsed
    if root is None:
        return Classified(place or _recognisable_broken_policy(source.text), parsed)
    return _classified(_top_of_node(root), place, parsed)


def _classified(
    top: _TopLevel, place: bool, parsed: tuple[Node | None, ParseProblem | None] | None = None
) -> Classified:
    if _is_bare_policy(top) or top.wrapped is None:
        return Classified(_is_policy_shape(top, place), parsed)
    return Classified(True, parsed, top.wrapped)


def _is_bare_policy(top: _TopLevel) -> bool:
    return top.kind == "mapping" and ("statement" in top.keys or top.version in IAM_VERSIONS)


def _is_policy_shape(top: _TopLevel, place: bool) -> bool:
    if top.kind == "mapping":
        return _is_bare_policy(top) or (place and not (top.keys & OTHER_FORMAT_KEYS))
    if top.kind == "list":
        return top.lists_statements or place
    return place


def _recognisable_broken_policy(text: str) -> bool:
    return mentions_policy(text) and _OTHER_FORMAT_TEXT.search(text) is None


def _cheap_top_level(source: Source) -> _TopLevel | None:
    """The top level without the position-keeping parser, or None when it cannot be had cheaply."""
    text = source.text
    lowered = source.path.lower()
    stripped = text.lstrip()
    if lowered.endswith(JSON_SUFFIXES + TEMPLATE_SUFFIXES) or stripped[:1] in ("{", "["):
        try:
            return _top_of_python(json.loads(text))
        except (ValueError, RecursionError):
            return None  # not plain JSON (a syntax error, a template): the full parse decides
    return _yaml_block_top_level(text)


def _top_of_python(value: object) -> _TopLevel:
    if isinstance(value, dict):
        version = value.get("Version")
        return _TopLevel(
            "mapping",
            frozenset(str(k).lower() for k in value),
            version if isinstance(version, str) else None,
            wrapped=wrapper_keys(value),
        )
    if isinstance(value, list):
        return _TopLevel(
            "list",
            lists_statements=any(isinstance(v, dict) and ({"Effect", "Action"} & set(v)) for v in value),
        )
    return _TopLevel("scalar")


def _top_of_node(root: Node) -> _TopLevel:
    if isinstance(root, ObjectNode):
        version = root.get("Version")
        return _TopLevel(
            "mapping",
            frozenset(str(key.value).lower() for key, _ in root.pairs),
            str(version.value) if isinstance(version, ScalarNode) and version.is_string else None,
            wrapped=wrapper_keys_of_node(root),
        )
    if isinstance(root, ArrayNode):
        return _TopLevel(
            "list",
            lists_statements=any(
                isinstance(item, ObjectNode)
                and any(str(k.value) in ("Effect", "Action") for k, _ in item.pairs)
                for item in root.items
            ),
        )
    return _TopLevel("scalar")


def _yaml_block_top_level(text: str) -> _TopLevel | None:
    """The column-0 keys of a single block-style YAML mapping, or None for anything else (flow
    style, a list, several documents, anchors or tags at the top): the full parse decides those."""
    keys: set[str] = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", " ", "\t")):
            continue
        if line.startswith("---"):
            if keys:
                return None  # a second document: not one mapping
            continue
        if line.startswith("%"):
            continue  # a directive (%YAML 1.2)
        key = _yaml_key(line)
        if key is None:
            return None
        keys.add(key.lower())
    if not keys or keys & _WRAPPER_KEYS:
        return None  # none, or a policy may be inside: the full parse decides
    found = _YAML_VERSION.search(text)
    return _TopLevel("mapping", frozenset(keys), found.group(1) if found else None)


def _yaml_key(line: str) -> str | None:
    """The key of a column-0 ``key: value`` line, or None; in one pass over the line (a regex with
    two adjacent optional runs of blanks backtracks quadratically on a long line of spaces)."""
    first = line[0]
    if first in "\"'":
        end = line.find(first, 1)
        rest = line[end + 1 :].lstrip(" \t") if end > 0 else ""
        return line[1:end] if rest.startswith(":") and _ends_key(rest, 0) else None
    if first in _NOT_A_KEY_START:
        return None
    colon = line.find(":")
    while colon >= 0 and not _ends_key(line, colon):
        colon = line.find(":", colon + 1)
    if colon < 0:
        return None
    key = line[:colon].rstrip(" \t")
    return None if " #" in key or "\t#" in key else key


def _ends_key(text: str, colon: int) -> bool:
    """A ``:`` ends a key when a blank or the end of the line follows (``a:b`` is a plain scalar)."""
    return colon + 1 == len(text) or text[colon + 1] in " \t"
