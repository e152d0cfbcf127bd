"""PL70x-PL71x: role trust policies, who may assume the role and with which proof.

A trust policy is a resource policy on a role: it has no Resource, may not use NotPrincipal or a
bare ``"*"`` principal, and, for web identity (OIDC) federation, is only as narrow as its
conditions on the token's claims. Facts: AWS-TRUST-GRAMMAR, AWS-FEDERATED-PRINCIPAL, AWS-OIDC-KEYS,
AWS-GITHUB-OIDC, AWS-ROLES-ANYWHERE, AWS-ASSUMED-ROLE-PRINCIPAL (docs/aws-facts.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy_lint.catalog.actions import wildcard_regex
from policy_lint.checks.policy.principals import (
    AA_REFERENCE,
    PRINCIPAL_REFERENCE,
    PrincipalValue,
    principal_values,
)
from policy_lint.core.findings import Level
from policy_lint.iam.statements import parse_operator, public_access, view_of_statement
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ObjectNode, ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

OIDC_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html"
GITHUB_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
ROLES_ANYWHERE_REFERENCE = "https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html"
GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"
#: Web identity providers IAM knows by domain, without an OIDC provider resource (AWS-FEDERATED-PRINCIPAL).
WEB_IDENTITY_DOMAINS = frozenset({COGNITO, "accounts.google.com", "graph.facebook.com", "www.amazon.com"})
_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:(saml-provider/[\w+=,.@-]{1,128}|oidc-provider/(?P<oidc>[^\s/][^\s]*))$"
)
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
#: Claims that say who the token was issued to (audience) and whom it identifies (subject), by provider.
_AUDIENCE_CLAIMS = ("aud", "oaud", "azp", "app_id")
_SUBJECT_CLAIMS = ("sub", "user_id", "id")


def _is_trust(doc: PolicyDocument) -> bool:
    """Is a document the engine hands a trust rule (``policy_types=("trust",)``) surely a trust policy?
    The inference calls a document whose actions are all sts:AssumeRole* a trust policy; one with a
    Resource may as well be a resource policy guarding STS (uncertain never fails), so it is a trust
    policy only when the user or its source says so."""
    return not doc.type_inferred or all(stmt.resource_key is None for stmt in doc.statements)


# --------------------------------------------------------------------------- grammar of trust policies


@policy_rule(
    id="PL701",
    name="trust-not-principal",
    level=Level.ERROR,
    title="A role trust policy uses NotPrincipal",
    rationale="Role trust policies do not support NotPrincipal; IAM rejects the policy (AWS-TRUST-GRAMMAR).",
    remediation="Name who may assume the role in Principal.",
    references=(AA_REFERENCE,),
    access_analyzer=("Role trust policy syntax error notprincipal",),
    policy_types=("trust",),
)
def trust_not_principal(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        if stmt.principal_key is not None and stmt.principal_key.value == "NotPrincipal":
            yield Report(
                stmt.principal_key, "role trust policies do not support NotPrincipal", "use Principal"
            )


@policy_rule(
    id="PL702",
    name="trust-wildcard-principal",
    level=Level.ERROR,
    title='A role trust policy lets "*" assume the role',
    rationale='Principal "*" (or {"AWS": "*"}) in a trust policy lets any principal of any AWS account assume '
    "the role. Access Analyzer reports it as an error. IAM accepts it only narrowed by a condition on who "
    "calls (aws:PrincipalOrgID, aws:PrincipalArn ...), so a wildcard with such a condition is not reported "
    "(AWS-TRUST-GRAMMAR, AWS-RESTRICTING-KEYS).",
    remediation='Name the accounts or roles that may assume the role, e.g. {"AWS": "arn:aws:iam::123456789012:root"}.',
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Role trust policy unsupported wildcard in principal",),
    policy_types=("trust",),
)
def trust_wildcard_principal(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        view = view_of_statement(stmt)
        if view.principal is None or view.principal.negated or not view.principal.everyone:
            continue
        if public_access(view) == "public":
            node = stmt.principal_node or stmt.principal_key
            yield Report(node, 'any AWS principal may assume this role ("*" with no condition on who calls)')


@policy_rule(
    id="PL703",
    name="trust-resource",
    level=Level.ERROR,
    title="A role trust policy names a Resource",
    rationale="A trust policy applies to the role it is attached to; IAM rejects Resource or NotResource in "
    "it (AWS-TRUST-GRAMMAR).",
    remediation="Remove Resource / NotResource from the trust policy (or lint the file with the right --policy-type).",
    references=(AA_REFERENCE,),
    access_analyzer=("Role trust policy syntax error resource",),
    policy_types=("trust",),
)
def trust_resource(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        if stmt.resource_key is not None:
            yield Report(stmt.resource_key, f"role trust policies do not support {stmt.resource_key.value}")


# --------------------------------------------------------------------------- federated principals


def federated_values(stmt: Statement) -> list[PrincipalValue]:
    return [v for v in principal_values(stmt) if v.key == "Federated" and not v.templated]


def oidc_prefix(value: str) -> str | None:
    """The condition-key prefix of an OIDC provider (``token.actions.githubusercontent.com``), or None
    for a SAML provider or anything else (AWS-OIDC-KEYS)."""
    lowered = value.lower()
    if lowered in WEB_IDENTITY_DOMAINS:
        return lowered
    match = _PROVIDER_ARN.match(value)
    if match and match.group("oidc"):
        return match.group("oidc")
    return None


@policy_rule(
    id="PL704",
    name="federated-principal-syntax",
    level=Level.ERROR,
    title="A Federated principal that is neither a provider ARN nor a web identity domain",
    rationale="In a role trust policy, Federated names a SAML or OIDC provider by its IAM ARN "
    "(arn:aws:iam::123456789012:saml-provider/Name, ...:oidc-provider/host/path) or a web identity provider "
    "by its domain (cognito-identity.amazonaws.com, accounts.google.com ...); anything else matches no "
    "provider (AWS-FEDERATED-PRINCIPAL).",
    remediation="Use the provider's ARN from IAM > Identity providers, or the provider's domain.",
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Invalid federated principal syntax in role trust policy",),
    policy_types=("trust",),
)
def federated_principal_syntax(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        for value in federated_values(stmt):
            text = value.text
            if "*" in text or "?" in text:
                continue  # PL721
            if text.startswith("arn:"):
                if not _PROVIDER_ARN.match(text):
                    yield Report(
                        value.node,
                        f"Federated principal {text!r} is not a saml-provider or oidc-provider ARN",
                        "arn:aws:iam::<account>:saml-provider/<name> or :oidc-provider/<host>",
                    )
            elif not _DOMAIN.match(text):
                yield Report(value.node, f"Federated principal {text!r} is not a provider domain or ARN")


@policy_rule(
    id="PL705",
    name="federated-principal-not-supported",
    level=Level.ERROR,
    title="A Federated principal outside a role trust policy",
    rationale="Only role trust policies accept Federated principals: an S3 bucket, a queue or a key "
    "cannot be accessed by a SAML or OIDC provider directly (AWS-FEDERATED-PRINCIPAL).",
    remediation="Grant access to the role the federated users assume, with an AWS principal.",
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Federated principal not supported",),
    policy_types=("resource",),
)
def federated_principal_not_supported(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not isinstance(stmt.principal_node, ObjectNode):
            continue
        pair = stmt.principal_node.get_pair("Federated")
        if pair is None:
            continue
        if doc.type_inferred and all(str(a.value).lower().startswith("sts:") for a in stmt.actions):
            continue  # an STS-only statement: most likely a trust policy the inference could not tell
        yield Report(pair[0], f"a {doc.policy_type.value} policy cannot name a Federated principal")


def _condition_keys(stmt: Statement) -> list[ScalarNode]:
    return [entry.key for entry in stmt.conditions]


def _claims(stmt: Statement, prefix: str) -> set[str]:
    """The claims (``sub``, ``aud`` ...) of provider ``prefix`` the statement's conditions test."""
    found = set()
    prefix = prefix.lower()
    for key in _condition_keys(stmt):
        text = str(key.value).lower()
        if text.startswith(prefix + ":"):
            found.add(text[len(prefix) + 1 :])
    return found


def _oidc_providers(stmt: Statement) -> list[tuple[PrincipalValue, str]]:
    if not stmt.is_allow or stmt.principal_key is None or stmt.principal_key.value != "Principal":
        return []
    out = []
    for value in federated_values(stmt):
        prefix = oidc_prefix(value.text)
        if prefix is not None:
            out.append((value, prefix))
    return out


@policy_rule(
    id="PL706",
    name="oidc-missing-condition",
    level=Level.SECURITY_WARNING,
    title="An OIDC provider may assume the role with no condition on its token",
    rationale="A web identity (OIDC) principal without a condition on the provider's claims lets every "
    "identity the provider issues tokens for assume the role; for a shared provider (Google, an EKS "
    "cluster, a CI service) that is everyone using it (AWS-OIDC-KEYS).",
    remediation='Add conditions on the provider\'s claims, e.g. "StringEquals": {"<provider>:aud": "<client id>", '
    '"<provider>:sub": "<subject>"}.',
    references=(AA_REFERENCE, OIDC_REFERENCE),
    access_analyzer=("Missing condition key for oidc principal",),
    policy_types=("trust",),
)
def oidc_missing_condition(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        for value, prefix in _oidc_providers(stmt):
            if prefix.lower() == GITHUB:
                continue  # PL709 says what GitHub needs
            if not _claims(stmt, prefix):
                yield Report(
                    value.node, f"no condition on the claims of {prefix} (e.g. {prefix}:aud, {prefix}:sub)"
                )


@policy_rule(
    id="PL707",
    name="oidc-missing-audience",
    level=Level.WARNING,
    title="An OIDC trust condition does not check the token's audience",
    rationale="The audience claim says which application the token was issued to; without it, a token the "
    "provider issued to another application (another identity pool, another client) is accepted too "
    "(AWS-OIDC-KEYS).",
    remediation='Add "StringEquals": {"<provider>:aud": "<your client or identity pool ID>"}.',
    references=(OIDC_REFERENCE,),
    policy_types=("trust",),
)
def oidc_missing_audience(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    return _missing_claim(doc, _AUDIENCE_CLAIMS, "audience", "aud", skip=())


@policy_rule(
    id="PL708",
    name="oidc-missing-subject",
    level=Level.WARNING,
    title="An OIDC trust condition does not check the token's subject",
    rationale="The subject claim names the identity (the workload, service account or user); checking only "
    "the audience lets every identity of that application assume the role, e.g. every service account of "
    "an EKS cluster (AWS-OIDC-KEYS). Cognito identity pools are exempt: their audience is the pool.",
    remediation='Add "StringEquals": {"<provider>:sub": "<subject>"} (StringLike for a deliberate pattern).',
    references=(OIDC_REFERENCE,),
    policy_types=("trust",),
)
def oidc_missing_subject(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    # GitHub: PL709 says what it needs; Cognito: the aud (identity pool) is what narrows it
    return _missing_claim(doc, _SUBJECT_CLAIMS, "subject", "sub", skip=(GITHUB, COGNITO))


def _missing_claim(
    doc: PolicyDocument, claims: tuple[str, ...], what: str, example: str, skip: tuple[str, ...]
) -> Iterator[Report]:
    """PL707/PL708: OIDC statements that test some of the provider's claims, but none of ``claims``."""
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        for value, prefix in _oidc_providers(stmt):
            tested = _claims(stmt, prefix)
            if prefix.lower() not in skip and tested and not tested.intersection(claims):
                yield Report(
                    value.node, f"the conditions on {prefix} do not test its {what} ({prefix}:{example})"
                )


# --------------------------------------------------------------------------- GitHub Actions


def _github_subjects(stmt: Statement) -> list[ScalarNode]:
    """The values the statement's non-negated conditions allow for the GitHub ``sub`` claim."""
    out: list[ScalarNode] = []
    for entry in stmt.conditions:
        if str(entry.key.value).lower() != GITHUB + ":sub":
            continue
        if "not" in parse_operator(str(entry.operator.value)).base:
            continue
        out.extend(v for v in entry.values if isinstance(v, ScalarNode) and v.is_string)
    return out


_ANY_REPOSITORY = re.compile(r"^(repo:)?[*?]*(/[*?]*)?(:.*)?$|^repo:[^/]*[*?]")


@policy_rule(
    id="PL709",
    name="github-oidc-missing-repo",
    level=Level.SECURITY_WARNING,
    title="A GitHub Actions role does not limit which repositories may assume it",
    rationale="Every GitHub Actions workflow, in any repository of any GitHub user, can get a token from "
    "token.actions.githubusercontent.com with audience sts.amazonaws.com. Unless the trust policy tests "
    "the sub claim for your repositories, anyone's workflow can assume the role (AWS-GITHUB-OIDC).",
    remediation='Add "StringEquals" (or "StringLike") on "token.actions.githubusercontent.com:sub" with '
    '"repo:<org>/<repo>:ref:refs/heads/<branch>" or "repo:<org>/<repo>:environment:<name>".',
    references=(AA_REFERENCE, GITHUB_REFERENCE),
    access_analyzer=("Missing github repo condition key",),
    policy_types=("trust",),
)
def github_oidc_missing_repo(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        for value, prefix in _oidc_providers(stmt):
            if prefix.lower() != GITHUB:
                continue
            subjects = _github_subjects(stmt)
            if not subjects and not _claims(stmt, prefix) - {"aud", "sub"}:
                yield Report(
                    value.node,
                    f"no condition allowing only listed values of {GITHUB}:sub: any GitHub repository can assume the role",
                )
                continue
            for subject in _github_subjects(stmt):
                if _ANY_REPOSITORY.match(str(subject.value)):
                    yield Report(subject, f"sub {subject.value!r} matches repositories of any GitHub owner")


@policy_rule(
    id="PL710",
    name="github-oidc-broad-subject",
    level=Level.WARNING,
    title="A GitHub Actions role trusts a wildcard repository, branch or environment",
    rationale="A wildcard in the sub claim (repo:org/*, repo:org/repo:*) lets every repository of the owner, "
    "or every branch, pull request and environment of the repository, assume the role; a pull request from "
    "a fork can then deploy (AWS-GITHUB-OIDC).",
    remediation='Name the repository and the branch or environment: "repo:<org>/<repo>:ref:refs/heads/main" '
    'or "repo:<org>/<repo>:environment:production".',
    references=(AA_REFERENCE, GITHUB_REFERENCE),
    access_analyzer=("Specific github repo and branch recommended",),
    policy_types=("trust",),
)
def github_oidc_broad_subject(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        if not any(prefix.lower() == GITHUB for _, prefix in _oidc_providers(stmt)):
            continue
        for subject in _github_subjects(stmt):
            text = str(subject.value)
            if ("*" in text or "?" in text) and not _ANY_REPOSITORY.match(text):
                yield Report(
                    subject, f"sub {text!r} has a wildcard: name the repository and branch or environment"
                )


# --------------------------------------------------------------------------- service principals in trust policies

ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")


@policy_rule(
    id="PL711",
    name="roles-anywhere-missing-actions",
    level=Level.ERROR,
    title="IAM Roles Anywhere is trusted without all the actions it needs",
    rationale="IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession to deliver "
    "credentials for a role; with one missing, CreateSession fails (AWS-ROLES-ANYWHERE).",
    remediation='Allow "sts:AssumeRole", "sts:SetSourceIdentity" and "sts:TagSession" to rolesanywhere.amazonaws.com.',
    references=(AA_REFERENCE, ROLES_ANYWHERE_REFERENCE),
    access_analyzer=("Missing action for roles anywhere trust policy",),
    policy_types=("trust",),
)
def roles_anywhere_missing_actions(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    statements = [
        stmt
        for stmt in doc.statements
        if stmt.is_allow
        and any(v.key == "Service" and v.text.lower() == ROLES_ANYWHERE for v in principal_values(stmt))
    ]
    if not statements or any(stmt.uses_not_action for stmt in statements):
        return  # NotAction: which actions it grants is left to PL605
    patterns = [str(a.value) for stmt in statements for a in stmt.actions]
    if any("${" in p for p in patterns):
        return
    missing = [
        action
        for action in ROLES_ANYWHERE_ACTIONS
        if not any(wildcard_regex(p).match(action.lower()) for p in patterns)
    ]
    if missing:
        first = statements[0]
        node = first.action_node or first.node
        yield Report(node, f"{ROLES_ANYWHERE} also needs {', '.join(missing)}")


# --------------------------------------------------------------------------- redundant principals

_ROLE = re.compile(r"^arn:(?P<p>[\w-]+):iam::(?P<a>\d{12}):role/(?:[^*?]*/)?(?P<n>[^/*?]+)$")
_ASSUMED_ROLE = re.compile(r"^arn:(?P<p>[\w-]+):sts::(?P<a>\d{12}):assumed-role/(?P<n>[^/*?]+)/[^*?]+$")


@policy_rule(
    id="PL712",
    name="redundant-assumed-role-principal",
    level=Level.SUGGESTION,
    title="A role session principal is listed next to its role",
    rationale="A principal that names a role includes every session of that role, so also naming one of its "
    "sessions (an sts assumed-role ARN) adds nothing (AWS-ASSUMED-ROLE-PRINCIPAL).",
    remediation="Remove the assumed-role principal, or the role if only that session should have access.",
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Redundant principal in role trust policy",),
    policy_types=("trust", "resource"),
)
def redundant_assumed_role_principal(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        values = [v for v in principal_values(stmt) if v.key == "AWS"]
        roles = set()
        for value in values:
            match = _ROLE.match(value.text)
            if match:
                roles.add((match["p"], match["a"], match["n"]))
        for value in values:
            match = _ASSUMED_ROLE.match(value.text)
            if match and (match["p"], match["a"], match["n"]) in roles:
                yield Report(
                    value.node, f"{value.text} is a session of role {match['n']}, which is already listed"
                )


# --------------------------------------------------------------------------- federated principals and their actions

_SAML_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:saml-provider/")
_ASSUME_ROLE_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")


def _federated_action(value: str) -> str:
    """The one assume-role action a Federated principal can call (AWS-FEDERATED-PRINCIPAL)."""
    return "sts:AssumeRoleWithSAML" if _SAML_ARN.match(value) else "sts:AssumeRoleWithWebIdentity"


@policy_rule(
    id="PL713",
    name="federated-action-mismatch",
    level=Level.ERROR,
    title="A Federated principal with an assume-role action it cannot call",
    rationale="A SAML provider's users assume roles only with sts:AssumeRoleWithSAML, an OIDC or web identity "
    "provider's only with sts:AssumeRoleWithWebIdentity; sts:AssumeRole or the other federated action "
    "grants them nothing (AWS-FEDERATED-PRINCIPAL). PL116 reports the reverse: a federated action granted "
    "to AWS or Service principals.",
    remediation="Use sts:AssumeRoleWithSAML for a saml-provider ARN and sts:AssumeRoleWithWebIdentity for an "
    "oidc-provider ARN or web identity domain.",
    references=(AA_REFERENCE, PRINCIPAL_REFERENCE),
    access_analyzer=("Mismatched action for principal",),
    policy_types=("trust",),
)
def federated_action_mismatch(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    if not _is_trust(doc):
        return
    for stmt in doc.statements:
        if not isinstance(stmt.principal_node, ObjectNode) or stmt.uses_not_action:
            continue
        if set(stmt.principal_node.keys()) != {"Federated"}:
            continue  # a mixed principal may use sts:AssumeRole for its AWS or Service part
        needed = {_federated_action(v.text).lower() for v in federated_values(stmt)}
        if len(needed) != 1:
            continue
        for action in stmt.actions:
            text = str(action.value)
            if text.lower() in _ASSUME_ROLE_ACTIONS and text.lower() not in needed:
                yield Report(
                    action,
                    f"{text} cannot be called by this Federated principal; it calls {_federated_action(federated_values(stmt)[0].text)}",
                )
