"""PL801: policy variables written so that IAM cannot substitute them.

What a malformed variable is, and how it differs from a template placeholder (PL501), is
defined once in :mod:`policy_lint.policy.variables` and :mod:`policy_lint.policy.placeholders`.
"""

from __future__ import annotations

from collections.abc import Iterator

from policy_lint.checks.policy import aws_docs
from policy_lint.checks.policy.placeholders import point_into
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.variables import may_hold_malformed_variables, variable_problems
from policy_lint.rules.registry import Report, RuleGroup

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_HINTS = {
    "missing brace": "close the variable with }",
    "missing quote": "write a default value as ${aws:username, 'nobody'}",
    "space": "remove the space: ${aws:username}",
    "empty": "name a context key, e.g. ${aws:username}, or remove the ${ }",
    "unsupported symbol": "a variable names a context key: letters, digits and _ . : / -",
}


@policy_rule(
    id="PL801",
    name="malformed-policy-variable",
    level=Level.ERROR,
    title="A policy variable IAM cannot read (missing brace or quote, space, empty, odd symbol)",
    rationale="IAM substitutes ${prefix:key} and ${prefix:key, 'default'} (AWS-POLICY-VARIABLES). A variable "
    "without its closing brace, with an unquoted default, with a space or a symbol such as @ in its name, or "
    "with nothing inside is taken literally: the resource or condition value then matches nothing the author "
    "meant. IAM Access Analyzer reports each of these as an error.",
    remediation="Write the variable as ${aws:username} or ${aws:PrincipalTag/team, 'none'}.",
    references=(aws_docs.POLICY_VARIABLES, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=(
        "Missing brace in variable",
        "Missing quote in variable",
        "Unsupported space in variable",
        "Empty variable",
        "Unsupported symbol in variable",
    ),
)
def malformed_policy_variable(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not may_hold_malformed_variables(doc.source.text):
        return  # the common case, read off the file's text: no string can hold a malformed variable
    for node, text in doc.strings:
        for problem in variable_problems(text):
            yield Report(
                point_into(doc, node, problem.offset, problem.text), problem.message, _HINTS[problem.kind]
            )
