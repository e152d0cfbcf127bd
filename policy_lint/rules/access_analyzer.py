"""IAM Access Analyzer's policy validation checks, by name and level: the list docs/access-analyzer.md covers.

Why data: the coverage table (``tools/gen_docs.py`` -> docs/access-analyzer.md) is generated from it and from
each rule's ``access_analyzer`` names, and tests/test_access_analyzer.py holds every rule to these exact names.
Nothing here is read by ``lint``.

Where it comes from (fact AWS-AA-CHECKS in docs/aws-facts.md): the headings of AWS's "IAM policy validation
check reference", https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
(the 2023 edition's 135 checks, plus "Unsupported symbol in variable", which the page lists again). The level is
the heading's prefix: Error, Security Warning, General Warning (our ``warning``), Suggestion.

A check that cannot apply offline, or no longer exists, keeps its reason in ``not_applicable``; ``partly`` says
what the covering rules leave out; ``PENDING`` names checks no rule covers yet and the work item that adds one.
"""

from __future__ import annotations

from typing import NamedTuple

from policy_lint.core.findings import Level

SOURCE_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"


class AACheck(NamedTuple):
    """One Access Analyzer check: its exact name (without the level prefix) and its level."""

    name: str
    level: Level
    #: why no rule can cover it offline (empty: it applies)
    not_applicable: str = ""
    #: what the rules covering it leave out (empty: nothing known)
    partly: str = ""


_E, _S, _W, _G = Level.ERROR, Level.SECURITY_WARNING, Level.WARNING, Level.SUGGESTION

_SCP_FULL_LANGUAGE = (
    "obsolete: since September 2025 SCPs accept the full IAM policy language (Allow with conditions, resource "
    "ARNs and NotAction, NotResource, wildcards anywhere in an action), so this is no longer an error "
    "(AWS-SCP-FULL-LANGUAGE)"
)
_REGION_OFFLINE = (
    "a region is judged offline against its partition's regions and region pattern (AWS-REGIONS), not against "
    "the regions where the service is offered"
)

CHECKS: tuple[AACheck, ...] = (
    AACheck("ARN Region not allowed", _E),
    AACheck("ARN account not allowed", _E),
    AACheck("Data type mismatch", _E),
    AACheck("Duplicate keys with different case", _E),
    AACheck("Empty variable", _E),
    AACheck("Federated principal not supported", _E),
    AACheck("Invalid ARN Region", _E, partly=_REGION_OFFLINE),
    AACheck("Invalid ARN account", _E),
    AACheck("Invalid ARN prefix", _E),
    AACheck("Invalid ARN resource", _E),
    AACheck("Invalid ARN service case", _E),
    AACheck("Invalid Region", _E, partly=_REGION_OFFLINE),
    AACheck("Invalid action", _E),
    AACheck("Invalid condition data type", _E),
    AACheck("Invalid condition key format", _E),
    AACheck("Invalid condition multiple Boolean", _E),
    AACheck("Invalid condition operator", _E),
    AACheck("Invalid effect", _E),
    AACheck("Invalid federated principal syntax in role trust policy", _E),
    AACheck("Invalid global condition key", _E),
    AACheck("Invalid partition", _E),
    AACheck("Invalid policy element", _E),
    AACheck("Invalid principal format", _E),
    AACheck("Invalid principal key", _E),
    AACheck("Invalid service", _E),
    AACheck("Invalid service condition key", _E),
    AACheck("Invalid service in action", _E),
    AACheck("Invalid service principal format", _E),
    AACheck("Invalid variable for operator", _E),
    AACheck("Invalid version", _E),
    AACheck("Invalid vpc format", _E),
    AACheck("Invalid vpce format", _E),
    AACheck("Json syntax error", _E),
    AACheck("Mismatched action for principal", _E),
    AACheck("Missing ARN Region", _E),
    AACheck("Missing ARN field", _E),
    AACheck("Missing action", _E),
    AACheck("Missing action for condition key", _E),
    AACheck("Missing action for roles anywhere trust policy", _E),
    AACheck("Missing brace in variable", _E),
    AACheck("Missing effect", _E),
    AACheck("Missing principal", _E),
    AACheck("Missing qualifier", _E),
    AACheck("Missing quote in variable", _E),
    AACheck("Missing resource", _E),
    AACheck("Missing statement", _E),
    AACheck("Missing tag key in condition", _E),
    AACheck("Null with if exists", _E),
    AACheck("Policy size exceeds SCP quota", _E),
    AACheck("Private IP address", _E),
    AACheck("Private NotIpAddress", _E),
    AACheck("Role trust policy syntax error notprincipal", _E),
    AACheck("Role trust policy syntax error resource", _E),
    AACheck("Role trust policy unsupported wildcard in principal", _E),
    AACheck("SCP syntax error NotResource", _E, not_applicable=_SCP_FULL_LANGUAGE),
    AACheck("SCP syntax error action wildcard", _E, not_applicable=_SCP_FULL_LANGUAGE),
    AACheck("SCP syntax error allow NotAction", _E, not_applicable=_SCP_FULL_LANGUAGE),
    AACheck("SCP syntax error allow condition", _E, not_applicable=_SCP_FULL_LANGUAGE),
    AACheck("SCP syntax error allow resource", _E, not_applicable=_SCP_FULL_LANGUAGE),
    AACheck("SCP syntax error principal", _E),
    AACheck("Unique Sids required", _E),
    AACheck("Unsupported Sid", _E),
    AACheck("Unsupported action for condition key", _E),
    AACheck("Unsupported action in policy", _E),
    AACheck("Unsupported condition key for service principal", _E),
    AACheck("Unsupported element combination", _E),
    AACheck("Unsupported global condition key", _E),
    AACheck("Unsupported principal", _E),
    AACheck("Unsupported resource ARN in policy", _E),
    AACheck("Unsupported space in variable", _E),
    AACheck("Unsupported symbol in variable", _E),
    AACheck("Unsupported wildcard in principal", _E),
    AACheck("Variable unsupported in element", _E),
    AACheck("Variable unsupported in version", _E),
    AACheck("Create SLR with NotAction and NotResource", _W),
    AACheck("Create SLR with NotResource", _W),
    AACheck("Create SLR with star in action and NotResource", _W),
    AACheck("Create SLR with star in action and resource", _W),
    AACheck("Create SLR with star in resource", _W),
    AACheck("Create SLR with star in resource and NotAction", _W),
    AACheck("Deprecated global condition key", _W),
    AACheck("Invalid date value", _W),
    AACheck("Invalid role reference", _W),
    AACheck("Invalid user reference", _W),
    AACheck("Missing version", _W),
    AACheck("Policy size exceeds identity policy quota", _W),
    AACheck("Policy size exceeds resource policy quota", _W),
    AACheck("Policy size exceeds role trust policy quota", _W),
    AACheck("Specific github repo and branch recommended", _W),
    AACheck("Type mismatch", _W),
    AACheck("Type mismatch Boolean", _W),
    AACheck("Type mismatch IP range", _W),
    AACheck("Type mismatch date", _W),
    AACheck("Type mismatch number", _W),
    AACheck("Type mismatch string", _W),
    AACheck("Unique Sids recommended", _W),
    AACheck("Wildcard without like operator", _W),
    AACheck("Allow with NotPrincipal", _S),
    AACheck("Deny NotAction with unsupported tag condition key for service", _S),
    AACheck("Deny with unsupported tag condition key for service", _S),
    AACheck("ForAllValues with single valued key", _S),
    AACheck("Missing condition key for oidc principal", _S),
    AACheck("Missing github repo condition key", _S),
    AACheck("Missing paired condition keys", _S),
    AACheck("Pass role with NotAction and NotResource", _S),
    AACheck("Pass role with NotResource", _S),
    AACheck("Pass role with star in action and NotResource", _S),
    AACheck("Pass role with star in action and resource", _S),
    AACheck("Pass role with star in resource", _S),
    AACheck("Pass role with star in resource and NotAction", _S),
    AACheck("Restrict access to service principal", _S),
    AACheck("Allow NotAction with unsupported tag condition key for service", _G),
    AACheck("Allow with unsupported tag condition key for service", _G),
    AACheck("Confirm audience claim type", _G),
    AACheck("Empty Sid value", _G),
    AACheck("Empty array action", _G),
    AACheck("Empty array condition", _G),
    AACheck("Empty array condition ForAllValues", _G),
    AACheck("Empty array condition ForAnyValue", _G),
    AACheck("Empty array condition IfExists", _G),
    AACheck("Empty array principal", _G),
    AACheck("Empty array resource", _G),
    AACheck("Empty object condition", _G),
    AACheck("Empty object principal", _G),
    AACheck("Improve IP range", _G),
    AACheck("Irrelevant condition key in policy", _G),
    AACheck("Null with qualifier", _G),
    AACheck("Private IP address subset", _G),
    AACheck("Private NotIpAddress subset", _G),
    AACheck("Recommended condition key for service principal", _G),
    AACheck("Redundant action", _G),
    AACheck("Redundant condition value num", _G),
    AACheck("Redundant principal in role trust policy", _G),
    AACheck("Redundant resource", _G),
    AACheck("Redundant statement", _G),
    AACheck("Wildcard in service name", _G),
)

#: checks no rule covers yet -> the work item that adds a rule; once a rule names a check, remove it here (the
#: table shows the rule either way)
_RESOURCE_POLICY = (
    "needs, per resource type, the condition keys its policy ignores; the Service Authorization Reference "
    "lists the keys an action supports, not those a resource policy ignores"
)
_REFERENCES = (
    "needs the account's roles and users; check and verify know those of the input (roles since issue 11), "
    "but no rule resolves a policy's role or user ARNs against them yet"
)
PENDING: dict[str, str] = {
    "Irrelevant condition key in policy": _RESOURCE_POLICY,
    "Invalid role reference": _REFERENCES,
    "Invalid user reference": _REFERENCES,
    "Restrict access to service principal": (
        "needs, per service principal, which actions AWS wants restricted; the offline catalog does not "
        "hold that list (PL724 suggests aws:SourceArn/SourceAccount for every service principal)"
    ),
    "Confirm audience claim type": (
        "needs the identity provider's audience claim semantics (string vs list); not modelled yet "
        "(PL707 reports an OIDC principal without an audience condition)"
    ),
}


def check_names() -> frozenset[str]:
    """Every check name, for the test that holds rule metadata to real names."""
    return frozenset(check.name for check in CHECKS)
