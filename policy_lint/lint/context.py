"""What a policy rule may consult besides the document: options and the catalogs.

It knows no rule (the rules import it): which rules run is the linter's business (:mod:`policy_lint.lint.engine`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.policy.loader import is_terraform_template
from policy_lint.policy.model import PolicyDocument, PolicyType
from policy_lint.policy.placeholders import TemplateSyntax


@dataclass(frozen=True)
class LintOptions:
    """User choices that change what linting reports."""

    policy_type: PolicyType | None = None
    #: the resource a resource policy is for (``AWS::S3::Bucket``): see :mod:`policy_lint.policy.resource_types`
    resource_type: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: the settings' ``placeholders:``, ``(NAME, kind)``: ``${NAME}`` is a template hole in any file
    placeholders: tuple[tuple[str, str], ...] = ()
    #: the documents come from infrastructure code or an account (``check``, ``verify``): a ``${...}``
    #: left in them is a reference the source could not resolve, a hole like a Terraform template's
    references_are_holes: bool = False
    #: the document's lines are the file's (False: ``check`` lints a policy it re-serialised from
    #: Terraform or CloudFormation, whose lines no user sees, so messages must not cite them)
    document_lines: bool = True
    #: rules the project's settings define (``custom-rules:``), run after the built-in ones: each a
    #: :class:`policy_lint.rules.registry.PolicyRule` (not imported here: that module imports this one)
    extra_rules: tuple[Any, ...] = ()

    def wants(self, rule_id: str) -> bool:
        """Ruff-style selection by ID prefix: ``--select PL2`` keeps the action rules."""
        if self.select and not any(rule_id.startswith(p) for p in self.select):
            return False
        return not any(rule_id.startswith(p) for p in self.ignore)


def _process_catalog() -> ActionCatalog:
    """The process-wide catalog, imported when a context is made: importing it wires the resource-type
    and condition-key catalogs and the cache too, which ``import policy_lint.lint.engine`` need not pay for."""
    from policy_lint.catalog.defaults import default_catalog

    return default_catalog()


@dataclass
class LintContext:
    """Handed to every policy rule."""

    options: LintOptions = field(default_factory=LintOptions)
    catalog: ActionCatalog = field(default_factory=_process_catalog)

    #: the last document's template syntax: a dozen rules ask for it per document
    _template: tuple[PolicyDocument, TemplateSyntax] | None = field(default=None, repr=False, compare=False)

    def template_of(self, doc: PolicyDocument) -> TemplateSyntax:
        """The template holes ``doc`` is known to use: a Terraform template by its name (``.tpl``,
        ``.tftpl``) or a document from infrastructure code (its unresolved references), and the
        names the settings' ``placeholders:`` declare, in any file."""
        cached = self._template
        if cached is not None and cached[0] is doc:
            return cached[1]
        terraform = self.options.references_are_holes or is_terraform_template(doc.path)
        template = TemplateSyntax(terraform=terraform, declared=self.options.placeholders)
        self._template = (doc, template)
        return template
