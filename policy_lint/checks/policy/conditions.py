"""PL3: the Condition element (operators, keys, value types, set operators).

Duplicate condition keys are PL002's job and are not re-reported here.
"""

from __future__ import annotations

import binascii
import datetime
import ipaddress
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog, ActionInfo
from policy_lint.catalog.arns import MERGED_SERVICE_PREFIXES
from policy_lint.catalog.conditions import (
    ACTIONS_BEYOND_REFERENCE,
    ConditionKeyInfo,
    ConditionOperator,
    KeyScope,
    OperatorFamily,
    key_listed,
    key_prefix,
    parse_operator,
    suggest_operator,
)
from policy_lint.catalog.defaults import default_condition_keys, default_resource_types
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import ConditionEntry, PolicyDocument, Statement
from policy_lint.policy.placeholders import Placeholder, placeholder_kind
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import Node, ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

_CONDITION_OPERATORS_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
)
_GLOBAL_KEYS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
_MULTIVALUED_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
#: ISO 8601 as IAM accepts it: a date, optionally a time, optionally a zone; or epoch seconds.
_DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$|^\d{4}\d{2}\d{2}T\d{6}Z$|^\d+$"
)

#: Which key types an operator family can read. String operators read every type as text (a
#: mismatch there is PL306); ARN keys also accept string operators (AWS only recommends Arn*).
_READS: dict[OperatorFamily, frozenset[str]] = {
    OperatorFamily.NUMERIC: frozenset({"Numeric"}),
    OperatorFamily.DATE: frozenset({"Date"}),
    OperatorFamily.BOOL: frozenset({"Bool"}),
    OperatorFamily.IP_ADDRESS: frozenset({"IPAddress"}),
    OperatorFamily.ARN: frozenset({"ARN", "String"}),
}
_OPERATOR_FOR_TYPE = {
    "Numeric": "Numeric*",
    "Date": "Date*",
    "Bool": "Bool",
    "IPAddress": "IpAddress",
    "ARN": "Arn*",
}


# -- PL301 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL301",
    access_analyzer=(
        "Invalid condition operator",
        "Null with if exists",
    ),
    name="unknown-condition-operator",
    level=Level.ERROR,
    title="A condition operator IAM does not know",
    rationale="IAM rejects the whole policy (MalformedPolicyDocument: Invalid Condition type) when an operator is "
    "misspelled, and operator names are case-sensitive: stringEquals is not StringEquals. IfExists cannot be "
    "added to Null, and only ForAllValues: and ForAnyValue: may prefix an operator.",
    remediation="Use one of the documented operators, spelled exactly (e.g. StringEquals, ArnLike, BoolIfExists, "
    "ForAnyValue:StringLike).",
    references=(_CONDITION_OPERATORS_DOC,),
)
def unknown_condition_operator(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.condition_node, ObjectNode):
            continue
        for operator, _ in stmt.condition_node.pairs:
            text = str(operator.value)
            if parse_operator(text) is None:
                yield Report(
                    operator,
                    f"unknown condition operator {text!r}",
                    suggest_operator(text) or _families_hint(),
                )


def _families_hint() -> str:
    return (
        "operators are String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, NotIpAddress, Arn* and Null"
    )


# -- PL302 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL302",
    access_analyzer=(
        "Invalid global condition key",
        "Invalid service condition key",
        "Invalid condition key format",
        "Missing tag key in condition",
        "Deprecated global condition key",
        "Unsupported global condition key",
    ),
    name="unknown-condition-key",
    level=Level.ERROR,
    title="A condition key no AWS service defines",
    rationale="A key that does not exist is never in the request context, so the condition silently never matches "
    "(or, with a Not operator or IfExists, always matches). Keys are case-insensitive, but they must exist: "
    "global aws: keys, service keys from the Service Authorization Reference, or identity-provider claims. "
    "aws:ResourceTag, aws:RequestTag and aws:PrincipalTag need a tag key (aws:ResourceTag/owner), and aws:ARN is "
    "deprecated for aws:PrincipalArn (AWS-DEPRECATED-GLOBAL-KEYS); IAM Access Analyzer reports the first as an "
    "error and the second as a warning or, as an unsupported key, an error.",
    remediation="Fix the spelling, or use the key the service documents for what you want to test.",
    references=(_GLOBAL_KEYS_DOC,),
)
def unknown_condition_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    keys = default_condition_keys()
    for stmt in doc.statements:
        for entry in unique_entries(stmt):
            key = str(entry.key.value)
            if placeholder_kind(key) is not Placeholder.NONE or keys.lookup(key) is not None:
                continue
            if ctx.catalog.retired_service(key_prefix(key)) is not None:
                continue  # the service is gone (PL2 says so); its keys cannot be checked
            special = DEPRECATED_GLOBAL_KEYS.get(key.lower()) or _lacks_tag_key(key)
            yield Report(entry.key, _unknown_key_message(key), None if special else keys.suggest(key))


#: Global keys IAM no longer documents, and the key to use instead (AWS-DEPRECATED-GLOBAL-KEYS).
DEPRECATED_GLOBAL_KEYS = {"aws:arn": "aws:PrincipalArn"}
#: Tag keys that need a tag key after the slash (aws:ResourceTag/<tag-key>), lower case, without the slash.
_TAG_KEY_STEMS = ("resourcetag", "requesttag", "principaltag")


def _lacks_tag_key(key: str) -> bool:
    """aws:ResourceTag or ec2:ResourceTag/ without the tag key that must follow the slash."""
    name = key.partition(":")[2].lower()
    return name.rstrip("/") in _TAG_KEY_STEMS


def _unknown_key_message(key: str) -> str:
    prefix = key_prefix(key)
    newer = DEPRECATED_GLOBAL_KEYS.get(key.lower())
    if newer:
        return f"{key!r} is a deprecated global condition key: use {newer!r}"
    if _lacks_tag_key(key):
        return f"{key!r} names no tag key: write {key.rstrip('/')}/<tag-key>"
    if prefix == key:
        return f"condition key {key!r} has no prefix (keys look like 'aws:SourceIp' or 's3:prefix')"
    if prefix.lower() == "aws":
        return f"{key!r} is not a global condition key"
    if default_condition_keys().is_known_prefix(prefix):
        return f"{key!r} is not a condition key of {prefix}"
    return f"{key!r}: {prefix!r} is neither a service prefix nor an identity provider"


# -- PL303 -----------------------------------------------------------------------------------------
@policy_rule(
    id="PL303",
    access_analyzer=(
        "Missing action for condition key",
        "Unsupported action for condition key",
    ),
    name="condition-key-not-supported-by-action",
    level=Level.WARNING,
    title="No action of the statement supports this service condition key",
    rationale="A service-specific key is only in the request context of the actions that list it (directly or "
    "through their resource types). If none of the statement's actions does, the key is always missing: the "
    "condition never matches, or with a Not operator or IfExists always matches, which is rarely what was meant. "
    "IAM Access Analyzer reports it as an error; policy-lint reports a warning because it judges against a dated "
    "offline copy of the Service Authorization Reference, and a key AWS has since added to an action would make "
    "an error block a policy IAM accepts.",
    remediation="Use a key the actions support (see the Service Authorization Reference), or move the condition "
    "to a statement with the actions that support it.",
    references=(
        "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    ),
)
def condition_key_not_supported(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    keys = default_condition_keys()
    for stmt in doc.statements:
        service_entries = [e for e in unique_entries(stmt) if _needs_support(keys.lookup(str(e.key.value)))]
        if not service_entries:
            continue
        actions = statement_actions(stmt, ctx)
        if actions is None:
            continue
        for entry in service_entries:
            key = str(entry.key.value)
            if any(action_supports_key(action, key) for action in actions):
                continue
            supporting = _supporting_actions(key, ctx)
            if not supporting:
                continue  # the reference lists the key for no action at all: it cannot tell which support it
            yield Report(entry.key, _unsupported_message(key, stmt, actions), _supporting_hint(supporting))


def _needs_support(info: ConditionKeyInfo | None) -> bool:
    return info is not None and info.needs_action_support


def statement_actions(stmt: Statement, ctx: LintContext) -> list[ActionInfo] | None:
    """The catalogued actions a statement grants, or None when that cannot be known."""
    if stmt.uses_not_action or not stmt.actions:
        return None
    found: list[ActionInfo] = []
    for node in stmt.actions:
        pattern = str(node.value)
        if pattern == "*" or placeholder_kind(pattern) is not Placeholder.NONE:
            return None
        matched = _match(ctx.catalog, pattern)
        if not matched or any(
            not info.documented or info.service in MERGED_SERVICE_PREFIXES for info in matched
        ):
            return None
        found.extend(matched)
    return found


@lru_cache(maxsize=8192)
def _match(catalog: ActionCatalog, pattern: str) -> tuple[ActionInfo, ...]:
    return tuple(catalog.match(pattern))


def action_supports_key(action: ActionInfo, key: str) -> bool:
    """Whether the key is in the action's request context: listed by the action or its resource types."""
    if key_listed(key, action.condition_keys):
        return True
    if action.full_name.lower() in ACTIONS_BEYOND_REFERENCE.get(key.lower(), ()):
        return True
    types = default_resource_types()
    for requirement in action.resource_types:
        if key_listed(key, requirement.condition_keys):
            return True
        resource_type = types.get(action.service, requirement.name)
        if resource_type is not None and key_listed(key, resource_type.condition_keys):
            return True
    return False


def _supporting_actions(key: str, ctx: LintContext) -> list[str]:
    prefix = key_prefix(key)
    return sorted(a.full_name for a in ctx.catalog.actions_of(prefix).values() if action_supports_key(a, key))


def _unsupported_message(key: str, stmt: Statement, actions: list[ActionInfo]) -> str:
    written = [str(node.value) for node in stmt.actions]
    names = sorted({a.full_name for a in actions})
    if len(written) == 1 and len(names) == 1:
        return f"{names[0]} does not support the condition key {key!r}"
    shown = ", ".join(written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
    count = f"the {len(names):,} actions matched by" if len(names) > 1 else "the action"
    return f"none of {count} {shown} supports the condition key {key!r}"


def _supporting_hint(supporting: list[str]) -> str:
    more = f" and {len(supporting) - 3} more" if len(supporting) > 3 else ""
    return f"actions that support it: {', '.join(supporting[:3])}{more}"


# -- PL304 / PL306 ---------------------------------------------------------------------------------
@policy_rule(
    id="PL304",
    access_analyzer=(
        "Type mismatch",
        "Type mismatch Boolean",
        "Type mismatch date",
        "Type mismatch number",
        "Type mismatch IP range",
        "Invalid date value",
        "Invalid condition data type",
    ),
    name="condition-type-mismatch",
    level=Level.ERROR,
    title="A condition value or key the operator cannot read",
    rationale="Numeric*, Date*, Bool, IpAddress, BinaryEquals, Arn* and Null parse their values: a value like "
    '"bad" for NumericEquals, a date that is not ISO 8601, a Bool other than true/false or an invalid CIDR can '
    "never match, and neither can a Numeric/Date/Bool/IpAddress operator applied to a key of another type. A Deny "
    "with such a condition silently stops protecting anything. (IAM Access Analyzer reports invalid CIDRs as "
    "errors and other value mismatches as warnings; they are errors here because the condition is dead either way.)",
    remediation="Use the operator family that matches the key's type and a value in that type's format.",
    references=(_CONDITION_OPERATORS_DOC, _GLOBAL_KEYS_DOC),
)
def condition_type_mismatch(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    keys = default_condition_keys()
    for stmt in doc.statements:
        for entry in unique_entries(stmt):
            operator = parse_operator(str(entry.operator.value))
            if operator is None:
                continue
            info = keys.lookup(str(entry.key.value))
            problem = _key_type_problem(operator, info)
            if problem:
                yield Report(entry.key, problem, _type_hint(info))
                continue
            for value in entry.values:
                problem = _value_problem(operator, value)
                if problem:
                    yield Report(value, problem)


@policy_rule(
    id="PL306",
    access_analyzer=(
        "Type mismatch",
        "Type mismatch string",
    ),
    name="string-operator-on-typed-key",
    level=Level.WARNING,
    title="A string operator compares a Bool, Numeric, Date or IP-address key as text",
    rationale="String operators compare the key's text, so StringEquals on aws:MultiFactorAuthPresent happens to "
    'work for "true" but not for "True", numbers, dates and addresses compare character by character '
    '("10" < "9"), and a literal the key can never hold ("bad" for a Numeric key, a service name for the '
    "Bool aws:ViaAWSService) makes the condition dead. IAM accepts all of this, and IAM Access Analyzer reports "
    "it as TYPE_MISMATCH, a general warning; it is a warning here too (PL304 is for operators that cannot read "
    "their values at all).",
    remediation="Use the operator family of the key's type (Bool, Numeric*, Date* or IpAddress) and a value of "
    "that type.",
    references=(_GLOBAL_KEYS_DOC,),
)
def string_operator_on_typed_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    keys = default_condition_keys()
    for stmt in doc.statements:
        for entry in unique_entries(stmt):
            operator = parse_operator(str(entry.operator.value))
            if operator is None or operator.family is not OperatorFamily.STRING:
                continue
            info = keys.lookup(str(entry.key.value))
            if info is None or not _is_typed(info):
                continue
            better = " or ".join(_OPERATOR_FOR_TYPE.get(t, t) for t in sorted(info.value_types))
            impossible = [(v, p) for v in entry.values if (p := _impossible_text(operator, info, entry, v))]
            for value, problem in impossible:
                yield Report(value, problem, f"use {better} with a value of that type")
            if not impossible:
                kind = "/".join(sorted(info.value_types))
                yield Report(
                    entry.key,
                    f"{operator.base} compares {entry.key.value} ({kind} key) as text",
                    f"use {better}",
                )


def _is_typed(info: ConditionKeyInfo | None) -> bool:
    """A key of a non-text type only: Bool, Numeric, Date or IPAddress (ARNs compare fine as text)."""
    return info is not None and bool(info.value_types) and not info.value_types & {"String", "ARN"}


def _impossible_text(
    operator: ConditionOperator, info: ConditionKeyInfo | None, entry: ConditionEntry, value: Node
) -> str | None:
    """A string operator's literal that no value of a Bool/Numeric/Date/IP key can ever equal."""
    if (
        operator.family is not OperatorFamily.STRING
        or not _is_typed(info)
        or not isinstance(value, ScalarNode)
    ):
        return None
    raw = value.value
    if not isinstance(raw, (str, int, float, bool)) or (
        isinstance(raw, str) and ("*" in raw or "?" in raw or "$" in raw)
    ):
        return None
    assert info is not None
    readers = {"Numeric": _is_number, "Bool": _is_bool, "Date": _is_date, "IPAddress": _is_ip}
    if any(readers[t](raw) for t in info.value_types if t in readers):
        return None
    kind = "/".join(sorted(info.value_types))
    outcome = "always" if operator.negated else "never"
    return f"{entry.key.value} is a {kind} key and is never {raw!r}: this {operator.base} is {outcome} true"


def _key_type_problem(operator: ConditionOperator, info: ConditionKeyInfo | None) -> str | None:
    readable = _READS.get(operator.family)
    if readable is None or info is None or not info.value_types or info.value_types & readable:
        return None
    kind = "/".join(sorted(info.value_types))
    if operator.family is OperatorFamily.ARN:
        return f"{operator.base} needs an ARN key, but {info.name} is a {kind} key"
    return f"{operator.base} cannot read {info.name}, a {kind} key: the condition never matches"


def _type_hint(info: ConditionKeyInfo | None) -> str | None:
    if info is None:
        return None
    operators = [_OPERATOR_FOR_TYPE.get(t, "String*") for t in sorted(info.value_types)]
    return f"use {' or '.join(dict.fromkeys(operators))} for {info.name}"


def _value_problem(operator: ConditionOperator, value: Node) -> str | None:
    if not isinstance(value, ScalarNode) or value.value is None:
        return None  # wrong JSON types are PL114's
    raw = value.value
    if isinstance(raw, str) and ("${" in raw or placeholder_kind(raw) is not Placeholder.NONE):
        return None  # policy variables and placeholders are filled in later
    family = operator.family
    if family in (OperatorFamily.BOOL, OperatorFamily.NULL):
        if not _is_bool(raw):
            return f"{operator.base} needs true or false, not {raw!r}"
    elif family is OperatorFamily.NUMERIC:
        if not _is_number(raw):
            return f"{operator.base} needs a number, not {raw!r}"
    elif family is OperatorFamily.DATE:
        if not _is_date(raw):
            return (
                f"{operator.base} needs an ISO 8601 date (2024-01-31T12:00:00Z) or epoch seconds, not {raw!r}"
            )
    elif family is OperatorFamily.IP_ADDRESS:
        if not _is_ip(raw):
            return f"{operator.base} needs an IP address or CIDR range (203.0.113.0/24), not {raw!r}"
    elif family is OperatorFamily.BINARY:
        if not _is_base64(raw):
            return f"BinaryEquals needs a base64-encoded value, not {raw!r}"
    elif family is OperatorFamily.ARN and not _is_arn_like(raw):
        return f"{operator.base} needs an ARN (arn:partition:service:...), not {raw!r}"
    return None


def _is_bool(raw: object) -> bool:
    return isinstance(raw, bool) or (isinstance(raw, str) and raw.lower() in ("true", "false"))


def _is_number(raw: object) -> bool:
    if isinstance(raw, bool):
        return False
    return isinstance(raw, (int, float)) or (
        isinstance(raw, str) and _NUMBER_RE.match(raw.strip()) is not None
    )


def _is_date(raw: object) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return True
    return isinstance(raw, str) and _DATE_RE.match(raw.strip()) is not None and _is_calendar_date(raw.strip())


def _is_calendar_date(text: str) -> bool:
    """Whether an ISO-shaped value names a real day and time: 2030-13-45 has the shape but no date to compare."""
    if text.isdigit():
        return True  # epoch seconds
    digits = text.replace("-", "")
    try:
        datetime.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    clock = re.search(r"[T ](\d{2}):?(\d{2})(?::?(\d{2}))?", text)
    if clock is None:
        return True
    hour, minute, second = (int(part or 0) for part in clock.groups())
    return hour <= 23 and minute <= 59 and second <= 60  # 60: a leap second is not judged


def _is_ip(raw: object) -> bool:
    if not isinstance(raw, str):
        return False
    try:
        ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        return False
    return True


def _is_base64(raw: object) -> bool:
    if not isinstance(raw, str):
        return False
    import base64  # only a Base64 condition value needs it: not at start-up

    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _is_arn_like(raw: object) -> bool:
    return isinstance(raw, str) and (raw.startswith("arn:") or raw.strip("*?") == "")


# -- PL305 / PL307 ---------------------------------------------------------------------------------
@policy_rule(
    id="PL305",
    name="forallvalues-single-valued-key",
    level=Level.SECURITY_WARNING,
    title="ForAllValues on a single-valued condition key in an Allow",
    rationale="Set operators are for multivalued keys (aws:TagKeys, aws:PrincipalOrgPaths, ...). ForAllValues is "
    "true when the request has no value for the key at all (AWS-SET-OPERATORS), so in an Allow it also grants "
    "requests that omit the key: overly permissive. IAM Access Analyzer reports it as a security warning; so "
    "does policy-lint. In a Deny the same condition only denies more, so a Deny is not reported.",
    remediation="Drop the ForAllValues: prefix for single-valued keys (or add a Null check that the key is present).",
    references=(_MULTIVALUED_DOC,),
    access_analyzer=("ForAllValues with single valued key",),
)
def forallvalues_single_valued_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow:
            continue
        for entry, operator in _set_operator_on_single_valued(stmt, "ForAllValues"):
            key = entry.key.value
            yield Report(
                entry.operator,
                f"ForAllValues with the single-valued key {key}: this Allow also matches requests without {key}",
                f"use {operator.text.partition(':')[2]!r}",
            )


@policy_rule(
    id="PL307",
    name="foranyvalue-single-valued-key",
    level=Level.WARNING,
    title="ForAnyValue on a single-valued condition key",
    rationale="Set operators are for multivalued keys. ForAnyValue on a single-valued key hides that the key is "
    "single-valued and behaves unlike what readers expect with negated operators (AWS-SET-OPERATORS).",
    remediation="Drop the ForAnyValue: prefix for single-valued keys.",
    references=(_MULTIVALUED_DOC,),
)
def foranyvalue_single_valued_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for entry, operator in _set_operator_on_single_valued(stmt, "ForAnyValue"):
            yield Report(
                entry.operator,
                f"ForAnyValue with the single-valued key {entry.key.value}: set operators are for multivalued keys",
                f"use {operator.text.partition(':')[2]!r}",
            )


def _set_operator_on_single_valued(
    stmt: Statement, set_operator: str
) -> Iterator[tuple[ConditionEntry, ConditionOperator]]:
    keys = default_condition_keys()
    for entry in unique_entries(stmt):
        operator = parse_operator(str(entry.operator.value))
        if operator is None or operator.set_operator != set_operator:
            continue
        info = keys.lookup(str(entry.key.value))
        if info is None or not info.single_valued or info.scope in (KeyScope.FEDERATED, KeyScope.OIDC):
            continue  # identity-provider claims such as cognito-identity.amazonaws.com:amr can be lists
        yield entry, operator


# -- helpers ---------------------------------------------------------------------------------------
_parsed: tuple[PolicyDocument, list[tuple[ConditionEntry, ConditionOperator]]] | None = None


def parsed_entries(doc: PolicyDocument) -> list[tuple[ConditionEntry, ConditionOperator]]:
    """Every condition entry IAM sees (see :func:`unique_entries`) whose operator IAM accepts (PL301).

    Worked out once per document: a dozen condition rules read it, one after another.
    """
    global _parsed
    cached = _parsed
    if cached is not None and cached[0] is doc:
        return cached[1]
    found = [
        (entry, operator)
        for stmt in doc.statements
        for entry in unique_entries(stmt)
        if (operator := parse_operator(str(entry.operator.value))) is not None
    ]
    _parsed = (doc, found)
    return found


def unique_entries(stmt: Statement) -> Sequence[ConditionEntry]:
    """Condition entries as IAM sees them: of a key repeated under one operator, the last wins (PL002)."""
    conditions = stmt.conditions
    if len(conditions) < 2:
        return conditions  # nothing to repeat (most statements have no Condition at all)
    return stmt.seen_conditions
