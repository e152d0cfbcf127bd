"""What a policy statement, or a whole document, means: one answer for every rule.

The lint rules read a positioned :class:`~policy_lint.policy.model.PolicyDocument`; the
inventory rules read plain dicts from Terraform, CloudFormation or a live account, which may
hold unknown values. Both are turned into :class:`StatementView` (:func:`views_of_document`
here, :func:`policy_lint.inventory.statement_views.views_of_dict` for dicts), and every
judgement is made here, once, on that view:

* who the principal is (:class:`Principal`: everyone, accounts, services, ``NotPrincipal``);
* which conditions restrict who may use an Allow (:func:`restricting_conditions`, one key set,
  AWS-RESTRICTING-KEYS);
* whether a statement opens the resource to everyone (:func:`public_access`);
* whether a bucket policy denies plain HTTP (:func:`denies_insecure_transport`);
* whether S3 may send to a queue, and from which bucket (:func:`s3_may_send`).

Unknown parts follow the project's rule: unknown never passes, uncertain never fails. A
statement whose principal or conditions are partly unknown is "unknown", never "public" and
never "not public" on the strength of the part that is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from policy_lint.iam.evaluate import Condition, conditions_of, glob_covers
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode

Exposure = Literal["public", "not public", "unknown"]

S3_SERVICE = "s3.amazonaws.com"

#: Condition keys that narrow *who* may use a resource-policy statement (AWS-RESTRICTING-KEYS):
#: the caller's identity or organization, the resource on whose behalf a service calls, and the
#: network the call comes from. Keys on the request's transport or time (aws:SecureTransport,
#: aws:CurrentTime), on the policy's own resource (aws:ResourceAccount), on a user *name* any
#: account can create (aws:username), or on the service the call passes through (aws:CalledVia,
#: kms:ViaService) leave every account in.
RESTRICTING_KEYS = frozenset(
    key.lower()
    for key in (
        # who calls
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
        "aws:PrincipalServiceName",  # as if the statement named a service principal
        "aws:PrincipalIsAWSService",
        "kms:CallerAccount",
        "s3:DataAccessPointAccount",
        # on behalf of which resource a service calls
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        # where the call comes from
        "aws:SourceIp",
        "aws:VpcSourceIp",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
    )
)
#: Operators that let a request in only when the key has one of the listed values. A negated
#: operator (StringNotEquals, NotIpAddress) lets in everyone else, Null only tests presence,
#: and ``...IfExists`` or ``ForAllValues:`` let in requests without the key (anonymous callers
#: have no aws:PrincipalAccount, direct callers no aws:SourceArn).
_NARROWING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress", "bool"}
)
#: every operator that holds only for some values of a present key (numbers, dates, binary too)
POSITIVE_OPERATORS = _NARROWING_OPERATORS | frozenset(
    {
        "numericequals",
        "numericlessthan",
        "numericlessthanequals",
        "numericgreaterthan",
        "numericgreaterthanequals",
        "dateequals",
        "datelessthan",
        "datelessthanequals",
        "dategreaterthan",
        "dategreaterthanequals",
        "binaryequals",
    }
)
_WILDCARD_OPERATORS = frozenset({"stringlike", "arnequals", "arnlike"})
_EVERY_ADDRESS = frozenset({"0.0.0.0/0", "::/0"})
_ACCOUNT_ROOT = re.compile(r"^(arn:[\w-]+:iam::\d{12}:root|\d{12})$")


@dataclass(frozen=True)
class Operator:
    """A condition operator taken apart: ``ForAnyValue:StringLikeIfExists`` is
    (``foranyvalue:``, ``stringlike``, if_exists=True)."""

    qualifier: str
    base: str
    if_exists: bool


def parse_operator(operator: str) -> Operator:
    qualifier, sep, base = operator.lower().rpartition(":")
    return Operator(qualifier + sep, base.removesuffix("ifexists"), base.endswith("ifexists"))


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class Principal:
    """The Principal (or NotPrincipal) element of a statement."""

    negated: bool = False  # NotPrincipal: everyone except the listed principals
    everyone: bool = False  # "*" or {"AWS": "*"}
    keys: tuple[str, ...] = ()  # the object's keys as written (AWS, Service, Federated ...)
    aws: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    unknown: str | None = None  # why part of it is unknown
    federated: tuple[str, ...] = ()  # identity providers (ARN or domain)
    #: every (key, value) as written, Federated and CanonicalUser included ("*" alone: ("*", "*"))
    entries: tuple[tuple[str, str], ...] = ()

    def may_be(self, service: str) -> bool:
        """Can this element match the service principal (``s3.amazonaws.com``)?"""
        named = service.lower() in (s.lower() for s in self.services)
        return not named if self.negated else self.everyone or named

    @property
    def only_account_roots(self) -> bool:
        """Only whole accounts (``arn:…:iam::123456789012:root`` or the bare ID): the resource policy
        delegates to those accounts' own IAM policies."""
        return (
            not self.negated
            and bool(self.keys)
            and all(key == "AWS" for key in self.keys)
            and bool(self.aws)
            and all(_ACCOUNT_ROOT.match(value) for value in self.aws)
        )


@dataclass(frozen=True)
class StatementView:
    """One statement, as the semantics functions read it, whatever it was parsed from."""

    label: str  # ``statement 3 ("Sid")``
    effect: str | None  # the Effect when it is a string
    principal: Principal | None  # None: no Principal or NotPrincipal element
    action_key: str | None = None  # "Action", "NotAction" or None
    actions: tuple[str, ...] = ()
    resource_key: str | None = None  # "Resource", "NotResource" or None
    resources: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()  # the known values of each clause
    condition_unknown: str | None = None  # why part of the Condition block is unknown
    unknown_clauses: frozenset[tuple[str, str]] = frozenset()  # (operator, key) with an unknown value
    effect_unknown: str | None = None
    node: Statement | None = None  # the positioned statement, for lint reports

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"


def statement_label(index: int, sid: object) -> str:
    """``statement 3 ("Sid")``, 1-based as people count."""
    return f'statement {index + 1} ("{sid}")' if isinstance(sid, str) and sid else f"statement {index + 1}"


def scalar_text(value: object) -> str | None:
    """A condition or principal value as IAM compares it (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


# --------------------------------------------------------------------------- from the lint model


def _principal_of_node(key: str, node: Node | None) -> Principal:
    negated = key == "NotPrincipal"
    if isinstance(node, ScalarNode):
        everyone = node.value == "*"
        return Principal(negated, everyone=everyone, entries=(("*", "*"),) if everyone else ())
    if not isinstance(node, ObjectNode):
        return Principal(negated)
    listed: dict[str, list[str]] = {"AWS": [], "Service": [], "Federated": []}
    entries: list[tuple[str, str]] = []
    for name, value in node.pairs:
        items = value.items if isinstance(value, ArrayNode) else [value]
        texts = [
            t
            for t in (scalar_text(item.value) for item in items if isinstance(item, ScalarNode))
            if t is not None
        ]
        entries.extend((str(name.value), text) for text in texts)
        if name.value in listed:
            listed[str(name.value)].extend(texts)
    aws, services = tuple(listed["AWS"]), tuple(listed["Service"])
    keys = tuple(str(name.value) for name, _ in node.pairs)
    return Principal(
        negated, "*" in aws, keys, aws, services, federated=tuple(listed["Federated"]), entries=tuple(entries)
    )


def principal_of_statement(stmt: Statement) -> Principal | None:
    """The statement's Principal or NotPrincipal; None when it has neither."""
    if stmt.principal_key is None:
        return None
    return _principal_of_node(str(stmt.principal_key.value), stmt.principal_node)


def view_of_statement(stmt: Statement) -> StatementView:
    sid = stmt.sid.value if isinstance(stmt.sid, ScalarNode) else None
    return StatementView(
        label=statement_label(stmt.index, sid),
        effect=stmt.effect_value,
        principal=principal_of_statement(stmt),
        action_key=str(stmt.action_key.value) if stmt.action_key is not None else None,
        actions=tuple(str(a.value) for a in stmt.actions),
        resource_key=str(stmt.resource_key.value) if stmt.resource_key is not None else None,
        resources=tuple(str(r.value) for r in stmt.resources),
        conditions=conditions_of(stmt),
        node=stmt,
    )


def views_of_document(doc: PolicyDocument) -> list[StatementView]:
    return [view_of_statement(stmt) for stmt in doc.statements]


# --------------------------------------------------------------------------- who may use it


def _matches_anything(base: str, value: str) -> bool:
    if base in _WILDCARD_OPERATORS:
        return bool(value) and set(value) == {"*"}
    return base == "ipaddress" and value in _EVERY_ADDRESS


def restricts(clause: Condition) -> bool:
    """Does this clause let in only some callers (AWS-RESTRICTING-KEYS)?

    The key must be one of :data:`RESTRICTING_KEYS`, compared with an operator that requires one
    of the listed values to be present, and no value may match anything (``StringLike "*"``,
    ``IpAddress 0.0.0.0/0``)."""
    return clause.key_lower in RESTRICTING_KEYS and narrows(clause)


def narrows(clause: Condition, operators: frozenset[str] = _NARROWING_OPERATORS) -> bool:
    """Does the clause hold only for some values of its key, and never for a request without it?
    A positive operator (not ``...IfExists``, not a negated ``StringNotEquals``, which is true when
    the key is absent, not ``ForAllValues:``, true for an empty set), with values, none of which
    matches anything (``StringLike "*"``, ``IpAddress 0.0.0.0/0``)."""
    if not clause.values:
        return False
    op = parse_operator(clause.operator)
    if op.if_exists or op.qualifier not in ("", "foranyvalue:") or op.base not in operators:
        return False
    if op.base == "bool":
        return all(value.lower() == "true" for value in clause.values)
    return not any(_matches_anything(op.base, value) for value in clause.values)


def restricting_conditions(view: StatementView) -> list[Condition]:
    """The clauses that restrict who may use the statement; one with an unknown value does not
    for certain (the unknown value may be ``"*"``)."""
    return [
        clause
        for clause in view.conditions
        if (clause.operator, clause.key) not in view.unknown_clauses and restricts(clause)
    ]


def public_access(view: StatementView) -> Exposure:
    """Does this statement let everyone in?

    Public: an Allow with ``NotPrincipal`` (everyone except the listed principals), or an Allow for
    ``"*"`` / ``{"AWS": "*"}`` with no restricting condition. A statement whose Effect, principal
    or (lacking a known restricting clause) Condition is unknown is "unknown"."""
    if view.effect_unknown is not None:
        return "unknown"
    principal = view.principal
    if not view.is_allow or principal is None:
        return "not public"
    if principal.negated:
        return "public"
    if not principal.everyone:
        return "unknown" if principal.unknown is not None else "not public"
    if restricting_conditions(view):
        return "not public"
    return "unknown" if view.condition_unknown is not None else "public"


def public_statements(views: Iterable[StatementView]) -> list[StatementView]:
    return [view for view in views if public_access(view) == "public"]


def names_service(views: Iterable[StatementView], service: str) -> bool:
    """Does an Allow name ``service`` as its principal (not via ``"*"``)? Then the resource is
    meant for that service, e.g. a queue as an S3 notification destination."""
    return any(
        view.is_allow
        and view.principal is not None
        and not view.principal.negated
        and not view.principal.everyone
        and view.principal.may_be(service)
        for view in views
    )


# --------------------------------------------------------------------------- plain HTTP


def _is_false(value: str) -> bool:
    return value.strip().lower() == "false"


def covers_every_object(resource: str) -> bool:
    """Does a Resource pattern match every object of the bucket it names (AWS-S3-TLS-DENY)?

    ``*``, ``arn:aws:s3:::b/*`` and ``arn:aws:s3:::b*`` do (an ARN wildcard also matches ``/``);
    ``arn:aws:s3:::b/logs/*`` covers one prefix only, and plain HTTP stays open for the rest."""
    if not resource.endswith("*"):
        return False
    stem = resource[:-1]
    name_and_key = stem.split(":", 5)[5] if stem.startswith("arn:") and stem.count(":") >= 5 else stem
    slash = name_and_key.find("/")
    return slash == -1 or slash == len(name_and_key) - 1


def _secure_transport_false(clause: Condition) -> bool:
    return (
        clause.operator in ("Bool", "BoolIfExists")
        and clause.key_lower == "aws:securetransport"
        and any(_is_false(value) for value in clause.values)
    )


def denies_insecure_transport(view: StatementView) -> bool:
    """CIS 2.1.1's statement: Deny, every principal, ``s3:*`` (or ``*``), every object of the bucket
    (``…/*`` or ``*``, not one prefix), when aws:SecureTransport is false (AWS-S3-TLS-DENY)."""
    principal = view.principal
    if view.effect != "Deny" or principal is None or principal.negated or not principal.everyone:
        return False
    if view.action_key != "Action" or not {"*", "s3:*"} & {a.lower() for a in view.actions}:
        return False
    if view.resource_key != "Resource" or not any(covers_every_object(r) for r in view.resources):
        return False
    return any(_secure_transport_false(clause) for clause in view.conditions)


def may_deny_insecure_transport(view: StatementView) -> bool:
    """Could this statement, once its unknown parts are known, be CIS 2.1.1's Deny?

    Only a part that could change the answer may make it unknown: a literal ``Allow``, a known
    principal that is not everyone, or a fully known Condition without aws:SecureTransport rules
    the statement out, whatever its unknown parts turn out to be."""
    if view.effect_unknown is None and view.effect != "Deny":
        return False
    principal = view.principal
    if principal is None or (principal.unknown is None and (principal.negated or not principal.everyone)):
        return False
    names_transport = any(clause.key_lower == "aws:securetransport" for clause in view.conditions)
    return view.condition_unknown is not None or names_transport


# --------------------------------------------------------------------------- S3 to a queue


def arn_like(pattern: str, arn: str) -> bool:
    """IAM ``ArnLike``: six colon-separated fields, each matched with ``*``/``?`` wildcards; the
    partition field compares literally (``arn:aws:`` never matches ``arn:aws-cn:``, AWS-ARNLIKE)."""
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return glob_covers(pattern, arn)
    if p_parts[:5] == a_parts[:5]:  # the usual case: only the resource part differs (equal text covers)
        return glob_covers(p_parts[5], a_parts[5])
    return all(glob_covers(p, a) for p, a in zip(p_parts, a_parts, strict=True))


def value_matches(operator: str, pattern: str, value: str) -> bool:
    """Does a condition value (under its operator) accept ``value``?"""
    if pattern == value:
        return True
    base = parse_operator(operator).base
    if base in ("arnlike", "arnequals"):
        return arn_like(pattern, value)
    if base == "stringlike":
        return glob_covers(pattern, value)
    if base == "stringequalsignorecase":
        return pattern.lower() == value.lower()
    return False


def action_matches(view: StatementView, action: str) -> bool:
    """Does the statement's Action (or NotAction) cover ``action`` (case-insensitive)?"""
    listed = any(glob_covers(pattern, action, True) for pattern in view.actions)
    return not listed if view.action_key == "NotAction" else listed


def resource_matches(view: StatementView, is_target: Callable[[str], bool]) -> bool:
    """Does the statement's Resource (or NotResource) name the target? Without either element it
    does (a queue policy's statement applies to its queue)."""
    if view.resource_key is None:
        return True
    listed = any(is_target(resource) for resource in view.resources)
    return not listed if view.resource_key == "NotResource" else listed


@dataclass
class S3SendVerdict:
    """What a queue policy says about S3 sending to the queue (AWS-S3-SEND-POLICY)."""

    statements: list[str] = field(default_factory=list)
    source_arns: list[str] = field(default_factory=list)
    matched: str | None = None
    has_source_account: bool = False
    any_bucket: bool = False
    denied: str | None = None
    unresolved: list[str] = field(default_factory=list)
    partition_mismatch: bool = False


def _same(value: str) -> str:
    return value


def _never(value: str) -> bool:
    return False


def s3_may_send(
    views: Iterable[StatementView],
    is_queue: Callable[[str], bool],
    buckets: Sequence[str],
    other_bucket: str,
    written: Callable[[str], str] = _same,
    unresolved: Callable[[str], bool] = _never,
) -> S3SendVerdict:
    """Does an Allow let s3.amazonaws.com SendMessage on the queue from one of ``buckets``?

    ``is_queue`` tells whether a Resource names the queue; ``buckets`` are the ARN spellings of the
    buckets that should send, ``other_bucket`` the ARN of a bucket none of them is (to tell an
    aws:SourceArn that lets any bucket in). ``written`` turns a policy value into the spelling
    the buckets use, and ``unresolved`` says which values are references nothing resolves."""
    verdict = S3SendVerdict()
    wanted = {b.split(":")[1] for b in buckets if b.startswith("arn:")}
    for view in views:
        principal = view.principal
        if not (
            principal is not None
            and principal.may_be(S3_SERVICE)
            and action_matches(view, "sqs:SendMessage")
            and resource_matches(view, is_queue)
        ):
            continue
        if view.effect == "Deny":
            if not view.conditions and view.condition_unknown is None:
                verdict.denied = view.label
            continue
        if not view.is_allow:
            continue
        verdict.statements.append(view.label)
        has_account = any(c.key_lower in ("aws:sourceaccount", "aws:sourceowner") for c in view.conditions)
        for clause in view.conditions:
            if clause.key_lower != "aws:sourcearn":
                continue
            for value in clause.values:
                verdict.source_arns.append(value)
                text = written(value)
                hit = next((b for b in buckets if value_matches(clause.operator, text, b)), None)
                if hit is not None and verdict.matched is None:
                    verdict.matched = value
                    verdict.has_source_account = has_account
                    verdict.any_bucket = value_matches(clause.operator, text, other_bucket)
                elif hit is None and unresolved(value):
                    verdict.unresolved.append(value)
                elif hit is None and value.startswith("arn:") and value.split(":")[1] not in wanted:
                    verdict.partition_mismatch = True
    return verdict
