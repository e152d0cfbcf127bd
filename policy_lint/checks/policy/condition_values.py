"""PL308-PL312: conditions whose operator and values cannot mean what they say.

Several Bool values, a policy variable under an operator that does not substitute it, a
multivalued key without a set operator, Null with a set operator, and a wildcard under an
operator that compares literally. Type errors of single values are PL304/PL306's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.catalog.conditions import OperatorFamily
from policy_lint.catalog.defaults import default_condition_keys
from policy_lint.checks.policy import aws_docs
from policy_lint.checks.policy.conditions import parsed_entries
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import has_placeholder, policy_variables
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ArrayNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

#: ``${*}`` (a literal *), ``${?}`` and policy variables are not wildcards.
_DOLLAR_BRACE = re.compile(r"\$\{[^}]*\}")
_LITERAL_OPERATORS = frozenset(
    {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"}
)


@policy_rule(
    id="PL308",
    name="bool-multiple-values",
    level=Level.ERROR,
    title="A Bool condition lists more than one value",
    rationale="A Bool key holds one value, true or false. Listing both (or the same one twice) makes the "
    'condition match whether or not the key is true, and ["true", "false"] usually hides a mistake: the '
    "condition then only tests that the key is present (AWS-BOOL-SINGLE). IAM Access Analyzer reports it as "
    "an error (Invalid condition multiple Boolean).",
    remediation='Use one value: "Bool": {"aws:SecureTransport": "false"}; to test presence, use Null.',
    references=(aws_docs.CONDITION_OPERATORS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Invalid condition multiple Boolean",),
)
def bool_multiple_values(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        if operator.family is not OperatorFamily.BOOL:
            continue
        if isinstance(entry.value_node, ArrayNode) and len(entry.value_node.items) > 1:
            yield Report(
                entry.value_node,
                f"{entry.key.value} is Boolean: one value, not {len(entry.value_node.items)}",
                "keep the one value you mean (true or false)",
            )


@policy_rule(
    id="PL309",
    name="variable-with-non-string-operator",
    level=Level.ERROR,
    title="A policy variable under an operator that does not substitute it",
    rationale="IAM substitutes policy variables in condition values only for String and ARN operators "
    "(AWS-POLICY-VARIABLES). Under Numeric, Date, Bool, Binary, IpAddress or Null the ${...} text is taken "
    "literally and can never equal a number, date or address: the condition never matches (or, negated, "
    "always does). IAM Access Analyzer reports it as an error (Invalid variable for operator).",
    remediation="Compare the variable with a String or Arn operator, or write the value itself.",
    references=(aws_docs.POLICY_VARIABLES, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Invalid variable for operator",),
)
def variable_with_non_string_operator(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        if operator.family in (OperatorFamily.STRING, OperatorFamily.ARN):
            continue
        for value in entry.values:
            if (
                isinstance(value, ScalarNode)
                and isinstance(value.value, str)
                and policy_variables(value.value)
            ):
                yield Report(
                    value,
                    f"{operator.base} does not substitute policy variables: {value.value!r} is compared literally",
                    "policy variables work only with String* and Arn* operators",
                )


@policy_rule(
    id="PL310",
    name="missing-set-operator",
    level=Level.WARNING,
    title="A multivalued condition key without ForAllValues: or ForAnyValue:",
    rationale="Keys such as aws:TagKeys, aws:CalledVia or aws:PrincipalOrgPaths can hold several values in one "
    "request, and AWS says they require a set operator (AWS-SET-OPERATORS). Without one, what the condition "
    "does with a request carrying several values is not documented. IAM Access Analyzer reports this as an "
    "error (Missing qualifier); it is a warning here because IAM accepts the policy, AWS ships it in its own "
    "managed policies (AWS lists them for this check), and an undocumented outcome is uncertain, not wrong.",
    remediation="Say what you mean: ForAnyValue: (at least one value matches) or ForAllValues: (every value "
    "matches; also true when the key is missing).",
    references=(aws_docs.MULTIVALUED_KEYS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Missing qualifier",),
)
def missing_set_operator(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    keys = default_condition_keys()
    for entry, operator in parsed_entries(doc):
        if operator.set_operator or operator.family is OperatorFamily.NULL:
            continue
        info = keys.lookup(str(entry.key.value))
        if info is None or not info.multivalued:
            continue
        yield Report(
            entry.key,
            f"{info.name} can have several values in a request: {operator.text} needs ForAnyValue: or "
            "ForAllValues:",
            f"use 'ForAnyValue:{operator.text}' or 'ForAllValues:{operator.text}'",
        )


@policy_rule(
    id="PL311",
    name="null-with-set-operator",
    level=Level.WARNING,
    title="Null with ForAllValues: or ForAnyValue:",
    rationale="Null tests whether a key is present. With ForAllValues: the condition is always true and with "
    "ForAnyValue: always false (AWS-SET-OPERATORS), so the statement ignores the condition or never applies. "
    "IAM Access Analyzer reports it as a suggestion; it is a warning here because a constant condition is as "
    "dead as the ones PL303 and PL304 report.",
    remediation='Use plain "Null": {"key": "true"} (or "false").',
    references=(aws_docs.CONDITION_OPERATORS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Null with qualifier",),
)
def null_with_set_operator(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        if operator.family is not OperatorFamily.NULL or not operator.set_operator:
            continue
        outcome = "always true" if operator.set_operator == "ForAllValues" else "always false"
        yield Report(entry.operator, f"{operator.text} is {outcome}", "use 'Null' without a set operator")


@policy_rule(
    id="PL312",
    name="wildcard-without-like",
    level=Level.WARNING,
    title="A * or ? in a value compared literally (StringEquals instead of StringLike)",
    rationale="StringEquals and StringNotEquals compare characters literally: * and ? are wildcards only "
    "under StringLike and StringNotLike (AWS-WILDCARD-LIKE). A value such as arn:aws:iam::*:role/admin-* then "
    "matches only that exact text. IAM Access Analyzer reports it as a general warning.",
    remediation="Use StringLike / StringNotLike for patterns; for a literal * or ?, write ${*} or ${?}.",
    references=(aws_docs.CONDITION_OPERATORS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Wildcard without like operator",),
)
def wildcard_without_like(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        if operator.base not in _LITERAL_OPERATORS:
            continue
        for value in entry.values:
            if not isinstance(value, ScalarNode) or not isinstance(value.value, str):
                continue
            if has_placeholder(value.value):
                continue  # PL501's
            bare = _DOLLAR_BRACE.sub("", value.value)
            if "*" in bare or "?" in bare:
                like = operator.base.replace("Equals", "Like").replace("IgnoreCase", "")
                yield Report(
                    value,
                    f"{operator.base} compares {value.value!r} literally: * and ? are not wildcards here",
                    f"use {like} if you meant a pattern",
                )


@policy_rule(
    id="PL320",
    name="condition-keys-differ-in-case",
    level=Level.ERROR,
    title="One condition operator lists the same key twice, in different case",
    rationale="Condition key names are case-insensitive (AWS-CONDITION-KEY-CASE), so aws:SourceArn and "
    "aws:sourcearn under one operator are the same key written twice; which value IAM tests is not what either "
    "line says. IAM Access Analyzer reports it as an error (Duplicate keys with different case).",
    remediation="Keep one spelling of the key and put every value you mean in its list.",
    references=(aws_docs.CONDITION_OPERATORS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Duplicate keys with different case",),
)
def condition_keys_differ_in_case(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        seen: dict[tuple[int, str], str] = {}
        for entry in stmt.conditions:
            key = str(entry.key.value)
            first = seen.setdefault((entry.operator.offset, key.lower()), key)
            if first != key:
                yield Report(
                    entry.key,
                    f"{key} repeats {first} under {entry.operator.value}: condition keys ignore case",
                    f"merge the values under one {first}",
                )


#: condition keys whose values are Region codes
_REGION_KEYS = frozenset({"aws:requestedregion", "ec2:region"})


@policy_rule(
    id="PL321",
    name="invalid-region-value",
    level=Level.ERROR,
    title="A Region condition compares with something that is not a Region code",
    rationale="aws:RequestedRegion and ec2:Region hold a Region code (eu-west-1). A value that no partition's "
    "Regions or Region pattern can be (AWS-REGIONS), such as a Region's name or a typo, never matches: an "
    "Allow grants nothing, a Deny on StringNotEquals denies everywhere. IAM Access Analyzer reports it as an "
    "error (Invalid Region).",
    remediation="Write the Region code (eu-west-1, cn-north-1, us-gov-west-1), or a pattern with StringLike.",
    references=(aws_docs.ACCESS_ANALYZER_CHECKS,),
    access_analyzer=("Invalid Region",),
)
def invalid_region_value(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    from policy_lint.catalog.partitions import partition_of_region

    for entry, operator in parsed_entries(doc):
        if str(entry.key.value).lower() not in _REGION_KEYS or operator.family is not OperatorFamily.STRING:
            continue
        for value in entry.values:
            if not isinstance(value, ScalarNode) or not isinstance(value.value, str):
                continue
            text = value.value
            if any(c in text for c in "*?") or "${" in text or has_placeholder(text):
                continue
            if partition_of_region(text, by_pattern=True) is None:
                yield Report(value, f"{text!r} is not a Region code", "write a code such as eu-west-1")
