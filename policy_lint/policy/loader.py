"""Turn a file's text into a :class:`PolicyDocument`, or into located syntax findings.

The format is chosen by extension (``.json``, ``.yaml``/``.yml``, Terraform
templates ``.tpl``/``.tftpl``) and sniffed otherwise: a document starting with
``{`` or ``[`` is JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.policy.terraform_template import render_directives, unescape
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import Node
from policy_lint.syntax.source import Source

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
TEMPLATE_SUFFIXES = (".tpl", ".tftpl")
POLICY_SUFFIXES = JSON_SUFFIXES + YAML_SUFFIXES + TEMPLATE_SUFFIXES


def is_terraform_template(path: str) -> bool:
    """A Terraform template file by its name: its ``${...}`` are holes, not forgotten placeholders."""
    return path.lower().endswith(TEMPLATE_SUFFIXES)


@dataclass
class ParseProblem:
    """A reason the file is not a usable document, at a character offset."""

    rule_id: str
    message: str
    offset: int
    hint: str | None = None
    line_col: tuple[int, int] | None = None


def detect_format(path: str, text: str) -> str:
    lowered = path.lower()
    if lowered.endswith(JSON_SUFFIXES):
        return "json"
    if lowered.endswith(YAML_SUFFIXES):
        return "yaml"
    if lowered.endswith(TEMPLATE_SUFFIXES):
        return "template"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def parse_tree(source: Source) -> tuple[Node | None, ParseProblem | None]:
    """Parse a file into a node tree, or explain where and why it is not valid."""
    fmt = detect_format(source.path, source.text)
    if fmt == "template":
        return _parse_template(source)
    if fmt == "json":
        try:
            return parse_json(source.text), None
        except JsonSyntaxError as exc:
            return None, ParseProblem("PL001", f"JSON syntax error: {exc.message}", exc.offset, exc.hint)
    # Imported here: PyYAML costs ~10 ms of start-up that a JSON-only run should not pay.
    from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml

    try:
        root = compose_yaml(source)
    except YamlSyntaxError as exc:
        return None, ParseProblem("PL001", exc.message, 0, exc.hint, (exc.line, exc.col))
    if root is None:
        return None, ParseProblem(
            "PL001", "file is empty", 0, "a policy document is a mapping with a Statement"
        )
    return root, None


def _parse_template(source: Source) -> tuple[Node | None, ParseProblem | None]:
    """A Terraform template: its ``%{ if }`` rendered with the body kept, its escapes undone
    (:mod:`policy_lint.policy.terraform_template`); one it cannot render is PL005, not linted."""
    text, unrenderable = render_directives(source.text)
    if unrenderable is not None:
        return None, ParseProblem(
            "PL005",
            unrenderable.reason,
            unrenderable.offset,
            "policy-lint check renders templatefile() from the Terraform that calls it; or lint a rendered copy",
        )
    try:
        root = parse_json(text)
    except JsonSyntaxError as exc:
        return None, ParseProblem("PL001", f"JSON syntax error: {exc.message}", exc.offset, exc.hint)
    unescape(root)
    return root, None


def load_policy(
    source: Source, policy_type: PolicyType | None = None
) -> tuple[PolicyDocument | None, ParseProblem | None]:
    root, problem = parse_tree(source)
    if root is None:
        return None, problem
    return build_document(source, root, policy_type), None
