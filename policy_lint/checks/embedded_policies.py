"""The policy documents inside Terraform, CloudFormation and live resources, linted like files.

``check`` and ``verify`` run the PL rules over every policy document the inventory holds, with
the policy type its attribute gives it (a customer managed or inline policy is an identity
policy; a bucket or queue policy is a resource policy; a role's assume-role policy is a trust
policy; a customer managed policy that is only ever a user's or role's permissions boundary is a
permissions boundary; an Organizations policy of type SERVICE_CONTROL_POLICY or
RESOURCE_CONTROL_POLICY is an SCP or an RCP), and report each finding at the line of
the attribute that holds the document in the ``.tf`` or template file (live: on the resource's
ARN). So a weakness is reported the same way whether the policy sits in a JSON file, a module
or an account.

The privilege-escalation rules (PE) judge a policy that reaches a user or role of the input per
principal instead, with every other policy that reaches it
(:mod:`policy_lint.checks.principals.escalation`): such a document is linted here without them,
so one path is reported once, on the principal. A policy no principal of the input receives (a
managed policy attached to nothing here, a group without members here) keeps its PE findings.

What a source could not resolve (an apply-time ARN, a ``${...}`` reference it keeps as text) is
not a template placeholder: the placeholder rules (PL5) do not run here. It is a hole, as in a
Terraform template: the rules skip a value that is one, and judge an ARN around the references
in its fields (``arn:${data.aws_partition.current.partition}:iam::...``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from policy_lint.checks.custom_rules import CUSTOM_FAMILY
from policy_lint.core.findings import Finding, Location
from policy_lint.core.unknown import Malformed, Unknown
from policy_lint.inventory.model import (
    ORGANIZATION_POLICY_TYPES,
    Bucket,
    IamGroup,
    IamPolicy,
    IamRole,
    IamUser,
    Inventory,
    OrganizationPolicy,
    PolicyRef,
    Queue,
    Resource,
)
from policy_lint.inventory.policies import has_member, names_policy, reaches_a_principal
from policy_lint.inventory.references import scope_of
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.engine import lint_source
from policy_lint.lint.inherited import UPSTREAM_TEMPLATE
from policy_lint.policy.model import PolicyType
from policy_lint.policy.placeholders import is_policy_variable
from policy_lint.policy.resource_types import REST_API_RESOURCE_TYPE
from policy_lint.rules.lint_ruleset import get_policy_rule
from policy_lint.rules.registry import PolicyRule
from policy_lint.syntax.source import Source

#: the rules that read a document as a template: in IaC a ``${...}`` is the IaC's own reference
NOT_FOR_EMBEDDED = ("PL5",)
#: the rules judged per principal for a document a principal receives (see the module docstring)
PER_PRINCIPAL = ("PE",)
#: what an unresolved value becomes in the linted text: a reference every rule already skips
UNRESOLVED = "${unresolved}"


@dataclass(frozen=True)
class EmbeddedPolicy:
    """One policy document held by a resource, where it is written and what kind it is."""

    resource: str
    label: str
    #: the document, or why a template that held it has no one rendering (reported, not judged)
    document: dict[str, Any] | Unknown
    policy_type: PolicyType
    location: Location | None
    #: the CloudFormation type of the resource a resource policy is for (what ``lint --resource-type`` takes)
    resource_type: str | None = None
    #: who wrote the document when the input only names it (an AWS SAM policy template)
    written_by: str | None = None
    #: a user or role of the input receives it: its escalation paths are judged per principal
    judged_per_principal: bool = False


def _plain(value: Any) -> Any:
    """The document as JSON data, each unresolved value a reference the rules skip."""
    if isinstance(value, Unknown):
        return UNRESOLVED
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


#: the elements whose presence shapes a statement (what it grants, to whom, on what)
_SHAPE_KEYS = ("Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")
_WHOLE_REFERENCE = re.compile(r"^\$\{([^{}]*)\}$")


def _wholly_unresolved(value: Any) -> bool:
    """A value that is one reference the source could not resolve: it may even be null (absent)."""
    if not isinstance(value, str):
        return False
    found = _WHOLE_REFERENCE.match(value)
    return found is not None and not is_policy_variable(found.group(1))


def _judgeable(document: Any, policy_type: PolicyType) -> Any:
    """The document without the statements whose shape is not known.

    A dynamic Terraform statement renders every attribute it may set (``resources =
    statement.value.resources``) as a reference the source cannot resolve, and such an attribute
    may be null: the statement may have no Resource at all. Judging it as written would report a
    trust policy "with a Resource", or an identity policy "with both Resource and NotResource",
    from a value nobody wrote. So an element that is wholly such a reference is taken out, and a
    statement that then lacks an element it needs is not judged at all (uncertain never fails).
    """
    if isinstance(document, dict) and _wholly_unresolved(document.get("Statement")):
        return {**document, "Statement": []}  # no statement known: nothing to judge
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        return document
    kept: list[Any] = []
    for statement in document["Statement"]:
        if not isinstance(statement, dict):
            if not _wholly_unresolved(statement):  # a statement not known at all is not judged
                kept.append(statement)
            continue
        if _wholly_unresolved(statement.get("Condition")):
            continue  # conditions not known may restrict anything the statement seems to grant
        unresolved = [k for k in _SHAPE_KEYS if _wholly_unresolved(statement.get(k))]
        if not unresolved:
            kept.append(statement)
            continue
        shaped = {k: v for k, v in statement.items() if k not in unresolved}
        needs_resource = policy_type is not PolicyType.TRUST
        needs_principal = policy_type in (PolicyType.RESOURCE, PolicyType.TRUST)
        if (
            "Effect" in shaped
            and ("Action" in shaped or "NotAction" in shaped)
            and (not needs_resource or "Resource" in shaped or "NotResource" in shaped)
            and (not needs_principal or "Principal" in shaped or "NotPrincipal" in shaped)
        ):
            kept.append(shaped)
    return {**document, "Statement": kept}


def _unrendered(document: Any) -> bool:
    """A document a template's directives left unknown (``%{ if }`` on a value known only at
    apply): not judged, but said, as ``lint`` says it of a template file (PL005)."""
    return isinstance(document, Unknown) and "%{" in document.reason


def _lintable(document: Any) -> TypeGuard[dict[str, Any] | Unknown]:
    """A document to lint, or one to report as unrendered (PL005) or broken (PL001)."""
    return isinstance(document, (dict, Malformed)) or _unrendered(document)


def _where(resource: Resource, attribute: str) -> Location | None:
    return resource.origin_of(attribute).location


def embedded_policies(inventory: Inventory) -> Iterator[EmbeddedPolicy]:
    """Every policy document the inventory holds whose text is known."""
    for policy in inventory.policies:
        if _lintable(policy.document):
            where = _where(policy, "document")
            boundary = _only_a_boundary(policy, inventory)
            kind = PolicyType.PERMISSIONS_BOUNDARY if boundary else PolicyType.IDENTITY
            label = "permissions boundary" if boundary else "policy"
            received = not boundary and reaches_a_principal(policy, inventory)
            yield EmbeddedPolicy(
                policy.origin.address, label, policy.document, kind, where, judged_per_principal=received
            )
    for org_policy in inventory.organization_policies:
        org_type = _organization_policy_type(org_policy)
        if org_type is not None and _lintable(org_policy.document):
            where = _where(org_policy, "document")
            label = org_type.value.upper()
            yield EmbeddedPolicy(org_policy.origin.address, label, org_policy.document, org_type, where)
    principals: list[IamUser | IamGroup | IamRole] = [*inventory.users, *inventory.groups, *inventory.roles]
    for principal in principals:
        inline = principal.inline_policies
        for ref in inline if isinstance(inline, list) else ():
            if isinstance(ref, PolicyRef) and _lintable(ref.document):
                where = ref.location or _where(principal, "inline_policies")
                label = "inline policy" if ref.name.startswith("${") else f"inline policy {ref.name}"
                received = not isinstance(principal, IamGroup) or has_member(principal, inventory)
                yield EmbeddedPolicy(
                    principal.origin.address,
                    label,
                    ref.document,
                    PolicyType.IDENTITY,
                    where,
                    written_by=ref.written_by,
                    judged_per_principal=received,
                )
    for role in inventory.roles:
        if _lintable(role.trust_policy):
            where = _where(role, "trust_policy")
            yield EmbeddedPolicy(
                role.origin.address, "trust policy", role.trust_policy, PolicyType.TRUST, where
            )
    holders: list[Bucket | Queue] = [*inventory.buckets, *inventory.queues]
    for holder in holders:
        if _lintable(holder.policy):
            where = _where(holder, "policy")
            resource_type = "AWS::S3::Bucket" if isinstance(holder, Bucket) else "AWS::SQS::Queue"
            address = holder.origin.address
            yield EmbeddedPolicy(address, "policy", holder.policy, PolicyType.RESOURCE, where, resource_type)
    for api in inventory.rest_apis:
        if isinstance(api.policy, dict):
            where = _where(api, "policy")
            yield EmbeddedPolicy(
                api.origin.address,
                "resource policy",
                api.policy,
                PolicyType.RESOURCE,
                where,
                REST_API_RESOURCE_TYPE,
            )


def _not_rendered(
    embedded: EmbeddedPolicy, select: tuple[str, ...], ignore: tuple[str, ...]
) -> list[Finding]:
    """PL005 for a policy whose template has no one rendering: unknown, named, never a pass."""
    options = LintOptions(select=select, ignore=ignore)
    if not options.wants("PL005") or not isinstance(embedded.document, Unknown):
        return []
    meta = get_policy_rule("PL005")
    where = embedded.location or Location(embedded.resource, 1, 1)
    message = f"{embedded.label} of {embedded.resource} not linted: {embedded.document.reason}"
    hint = "the policy is known once the values the template's directives read are"
    return [Finding("PL005", meta.level, message, where, meta.name, hint)]


def _malformed(embedded: EmbeddedPolicy) -> Finding:
    """PL001 for a policy the input writes broken: AWS refuses it, so it can never pass (reported
    whatever the selection says, as lint reports a file it cannot read)."""
    assert isinstance(embedded.document, Malformed)
    meta = get_policy_rule("PL001")
    where = embedded.location or Location(embedded.resource, 1, 1)
    message = f"{embedded.label} of {embedded.resource}: {embedded.document.reason}"
    hint = (
        "write the policy as one JSON document (Terraform's jsonencode() builds one): "
        "AWS rejects anything else (MalformedPolicyDocument)"
    )
    return Finding("PL001", meta.level, message, where, meta.name, hint)


def _only_a_boundary(policy: IamPolicy, inventory: Inventory) -> bool:
    """Is the declared policy some user's or role's permissions boundary, and attached to no one? A
    boundary grants nothing (AWS-POLICY-TYPES); one also attached as a permission policy does grant,
    so it is linted as the identity policy it also is (the stricter reading)."""
    principals: list[IamUser | IamGroup | IamRole] = [*inventory.users, *inventory.groups, *inventory.roles]
    boundary = False
    for principal in principals:
        scope = scope_of(principal)
        attached = principal.attached_policies
        for ref in attached if isinstance(attached, list) else ():
            if isinstance(ref.arn, str) and names_policy(ref.arn, policy, scope):
                return False
        named = getattr(principal, "permissions_boundary", None)
        boundary = boundary or (isinstance(named, str) and names_policy(named, policy, scope))
    return boundary


def _organization_policy_type(policy: OrganizationPolicy) -> PolicyType | None:
    """SCP or RCP by the declared type; a type not known before apply is told by the content (an RCP
    names Principal "*", an SCP names none); None for the types that are not IAM policies."""
    if isinstance(policy.type, str):
        name = ORGANIZATION_POLICY_TYPES.get(policy.type)
        return PolicyType(name) if name else None
    document = policy.document
    if not isinstance(document, dict) or "Statement" not in document:
        return None
    statements = document["Statement"]
    items = statements if isinstance(statements, list) else [statements]
    named = any(isinstance(s, dict) and "Principal" in s for s in items)
    return PolicyType.RCP if named else PolicyType.SCP


def judged_text(embedded: EmbeddedPolicy) -> str | None:
    """The document as the rules read it (JSON text, each unresolved value a reference, statements
    of unknown shape left out); None when no statement's shape is known, or the document is not
    (a template with no one rendering: PL005 says so)."""
    if isinstance(embedded.document, Unknown):
        return None
    judged = _judgeable(_plain(embedded.document), embedded.policy_type)
    if isinstance(judged, dict) and judged.get("Statement") == []:
        return None
    return json.dumps(judged, indent=2)


def written_text(embedded: EmbeddedPolicy) -> str | None:
    """The document as written (JSON text, each unresolved value a reference), every statement kept;
    None when the document is not known. ``diff --base`` compares two versions of one policy: a
    statement granting on ``${aws_iam_role.app.arn}`` is the same resource at both sides, and one
    the change adds is new access, where :func:`judged_text` would leave it out of judgement."""
    if isinstance(embedded.document, Unknown):
        return None
    return json.dumps(_plain(embedded.document), indent=2)


def lint_embedded(
    inventory: Inventory,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    extra_rules: tuple[PolicyRule, ...] = (),
) -> list[Finding]:
    """The PL findings of every embedded policy, and those of the settings' custom rules
    (``extra_rules``), located at the attribute that holds it."""
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for embedded in embedded_policies(inventory):
        if isinstance(embedded.document, Malformed):
            findings.append(_malformed(embedded))
            continue
        if isinstance(embedded.document, Unknown):
            findings.extend(_not_rendered(embedded, select, ignore))
            continue
        text = judged_text(embedded)
        if text is None:
            continue  # no statement whose shape is known: nothing to judge
        key = (str(embedded.location), embedded.resource, text)
        if key in seen:  # the same document reached twice (a policy and its attachment)
            continue
        seen.add(key)
        options = LintOptions(
            policy_type=embedded.policy_type,
            resource_type=embedded.resource_type,
            select=select,
            ignore=(*ignore, *NOT_FOR_EMBEDDED, *(PER_PRINCIPAL if embedded.judged_per_principal else ())),
            references_are_holes=True,
            document_lines=False,
            extra_rules=extra_rules,
        )
        where = embedded.location or Location(embedded.resource, 1, 1)
        reported: set[tuple[str, str]] = set()
        for finding in lint_source(Source(where.path, text), LintContext(options)):
            if (finding.rule_id, finding.message) in reported:
                continue  # a %{ for } renders a statement per item: one finding says it
            reported.add((finding.rule_id, finding.message))
            finding_at = Finding(
                finding.rule_id,
                finding.level,
                f"{embedded.label} of {embedded.resource}: {finding.message}",
                where,
                finding.rule_name,
                finding.hint,
            )
            finding_at.extra.update(finding.extra)
            if embedded.written_by is not None and not finding.rule_id.startswith(CUSTOM_FAMILY):
                finding_at.extra[UPSTREAM_TEMPLATE] = embedded.written_by
            findings.append(finding_at)
    return findings
