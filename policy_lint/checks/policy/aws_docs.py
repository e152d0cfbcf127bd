"""The AWS documentation pages policy rules cite in their references, written once."""

from __future__ import annotations

_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

ACCESS_ANALYZER_CHECKS = _IAM + "access-analyzer-reference-policy-checks.html"
CONDITION_OPERATORS = _IAM + "reference_policies_elements_condition_operators.html"
GLOBAL_CONDITION_KEYS = _IAM + "reference_policies_condition-keys.html"
MULTIVALUED_KEYS = _IAM + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
POLICY_VARIABLES = _IAM + "reference_policies_variables.html"
PRINCIPAL_ELEMENT = _IAM + "reference_policies_elements_principal.html"
TAGS_ABAC = _IAM + "access_tags.html"
