"""Shared helpers of the OB1-OB3 rules: which resources are the onboarding's, and how they link.

An inventory holds every resource of the inputs; the onboarding rules judge only the ones
the onboarding uses. How they are identified (documented in docs/rules.md via the rules'
rationale, and here):

* **the onboarding user**: the user named by ``iam_user`` in onboarding.yaml; without it,
  every user that (a) has an AWS managed policy of the guide attached (AmazonEC2ReadOnlyAccess,
  IAMReadOnlyAccess, ReadOnlyAccess), (b) has a policy carrying the Agentless policy's tag
  conditions (``alibaba-cloud-security-scan*`` / ``SAS_Agentless*``), or (c) has a policy naming
  an audit queue.
* **the audit trail**: ``audit_log.trail``, else the trails writing to ``audit_log.bucket``, else
  (with an audit_log) the trails writing to a bucket that notifies the configured queue;
  without an audit_log, every trail.
* **the audit bucket**: ``audit_log.bucket``, else the buckets the audit trails write to, plus
  the buckets notifying an audit queue.
* **the audit queue**: the queue named ``audit_log.queue_name``; without an audit_log, the
  queues the trails' buckets notify, else the queues any bucket notifies, else the queues whose
  policy lets s3.amazonaws.com send to them (a queue nothing links to S3 is not judged).

Values may be literal, ``Unknown``, or *symbolic* (``${aws_sqs_queue.logs.arn}``,
``${LogQueue.Arn}``): a source keeps an unresolved reference as text, and the referenced
resource carries the same text, so links are made by canonical equality (see :func:`canon`).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from policy_lint.findings import Location
from policy_lint.iam import statements
from policy_lint.iam.statements import S3_SERVICE
from policy_lint.inventory import arns
from policy_lint.inventory.model import (
    Bucket,
    IamUser,
    Inventory,
    PolicyRef,
    Queue,
    Resource,
    Trail,
    Unknown,
    first_unknown,
)
from policy_lint.inventory.statement_views import views_of_dict
from policy_lint.managed import load_managed
from policy_lint.onboarding.config import AuditLogConfig
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source

#: AWS managed policies the guide attaches to the onboarding user (PLAN-FEATURE-POLICIES).
GUIDE_MANAGED = ("amazonec2readonlyaccess", "iamreadonlyaccess", "readonlyaccess")
#: The Agentless policy's tag-condition values (PLAN-AGENTLESS-CONTENT): their presence marks the onboarding user.
AGENTLESS_MARKERS = ("alibaba-cloud-security-scan", "SAS_Agentless")

_SYMBOL = re.compile(r"\$\{([^}]*)\}")
#: ``${aws:username}``, ``${s3:prefix}``: IAM policy variables, not references.
_POLICY_VARIABLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*:[^:\s]|^[*?$]$")
#: Attributes that all mean "the name" of a bucket or queue.
_NAME_ATTRS = {"id": "name", "bucket": "name", "name": "name", "queuename": "name"}


# --------------------------------------------------------------------------- values


def text(value: object) -> str | None:
    """The value if it is a string (literal or symbolic), else None (Unknown, None, other)."""
    return value if isinstance(value, str) else None


def is_symbolic(value: str) -> bool:
    return any(not _POLICY_VARIABLE.match(m.group(1)) for m in _SYMBOL.finditer(value))


def is_literal(value: object) -> bool:
    return isinstance(value, str) and not is_symbolic(value)


def scope_of(resource: Resource) -> str:
    """Where a symbolic reference of this resource's attributes is meaningful: one CloudFormation
    template (``${AWS::Region}``, ``${Queue.Arn}`` are template-local), one Terraform directory."""
    origin = resource.origin
    if origin.source == "cloudformation":
        return f"cfn:{origin.path}"
    if origin.source.startswith("terraform"):
        return f"tf:{posixpath.dirname((origin.path or '').replace(os.sep, '/'))}"
    return origin.source


def _canon_ref(expr: str, scope: str) -> str:
    head, dot, attr = expr.rpartition(".")
    if dot and attr.lower() in _NAME_ATTRS:
        return f"<{scope}|{head}:name>"
    if dot and attr.lower() == "arn":
        return f"<{scope}|{head}:arn>"
    return f"<{scope}|{expr}>"


def canon(value: str, scope: str = "") -> str:
    """``${aws_s3_bucket.b.id}`` and ``${aws_s3_bucket.b.bucket}`` become the same token, tagged
    with the scope it was written in (see :func:`scope_of`); IAM policy variables stay. Tokens
    carry no wildcard, so glob matching treats them literally."""

    def repl(match: re.Match[str]) -> str:
        inner = match.group(1)
        return match.group(0) if _POLICY_VARIABLE.match(inner) else _canon_ref(inner, scope)

    return _SYMBOL.sub(repl, value)


def shown(value: str) -> str:
    """A canonical value as a user wrote it: ``<scope|aws_s3_bucket.b:arn>`` -> ``${aws_s3_bucket.b.arn}``,
    ``<scope|AWS::Partition>`` -> ``${AWS::Partition}``."""
    return re.sub(
        r"<[^|<>]*\|([^<>]*):(arn|name)>",
        r"${\1.\2}",
        re.sub(r"<[^|<>]*\|((?:[^<>:]|::)*)>", r"${\1}", value),
    )


def refers_to(value: str, resource: Resource, attr: str, scope: str) -> bool:
    """Is ``value`` (written in ``scope``) a symbolic reference to ``attr`` (``arn``/``name``) of the resource?"""
    if scope != scope_of(resource):
        return False
    token = canon(value, scope)
    address = resource.origin.address
    if token == f"<{scope}|{address}:{attr}>":
        return True
    # CloudFormation ``!Ref Bucket`` is the bucket's name; ``!Ref Queue`` is its URL, not its name.
    return attr == "name" and isinstance(resource, Bucket) and token == f"<{scope}|{address}>"


def same_value(a: object, b: object, scope_a: str = "", scope_b: str = "") -> bool:
    """Two strings that denote the same value (literal equality, or the same reference in one scope)."""
    return isinstance(a, str) and isinstance(b, str) and canon(a, scope_a) == canon(b, scope_b)


def location_of(resource: Resource, attribute: str) -> Location | None:
    return resource.origin_of(attribute).location


def address(resource: Resource) -> str:
    return resource.origin.address


def display(name: object, resource: Resource) -> str:
    """A name for messages: the literal name, else the resource's address."""
    return name if is_literal(name) and isinstance(name, str) else address(resource)


# --------------------------------------------------------------------------- ARNs


def partition(inventory: Inventory, *hints: object, region: object = None) -> str | Unknown:
    """The partition the onboarding's resources are in: onboarding.yaml's domain, else a literal
    ARN among ``hints``, else the partition of ``region`` (:func:`arns.partition_of`), else the
    account's; Unknown (saying why) when nothing decides it: never a guessed ``aws``."""
    if inventory.config is not None:
        return inventory.config.partition
    for hint in hints:
        if isinstance(hint, str) and hint.startswith("arn:") and hint.count(":") >= 2:
            written = hint.split(":")[1]
            if arns.is_literal(written):  # not arn:${AWS::Partition}:...
                return written
    of_region = arns.partition_of(region if isinstance(region, str) else None)
    if isinstance(of_region, str):
        return of_region
    for account in inventory.accounts:
        if is_literal(account.partition):
            return str(account.partition)
    return of_region


def queue_arn(queue: Queue, inventory: Inventory) -> str | Unknown:
    """The queue's ARN (literal or symbolic, as written in the queue's scope); built from its
    parts when the source gave none."""
    if isinstance(queue.arn, str | Unknown):
        return queue.arn
    account = inventory.config.account_id if inventory.config else None
    if account is None:
        account = next((a.account_id for a in inventory.accounts if isinstance(a.account_id, str)), None)
    built = arns.queue_arn(partition(inventory, region=queue.region), queue.region, account, queue.name)
    return arns.literal_or(built, f"${{{address(queue)}.arn}}")


def arn_like(pattern: str, arn: str, scope_p: str = "", scope_a: str = "") -> bool:
    """IAM ``ArnLike`` (:func:`policy_lint.iam.statements.arn_like`) after canonicalizing symbolic
    references, each in the scope it was written in."""
    return statements.arn_like(canon(pattern, scope_p), canon(arn, scope_a))


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def matches_queue(value: object, queue: Queue, inventory: Inventory, scope: str) -> bool:
    """Does ``value`` (an ARN written in ``scope``: a notification, a policy) name this queue?"""
    if not isinstance(value, str):
        return False
    arn = queue_arn(queue, inventory)
    if isinstance(arn, str) and same_value(value, arn, scope, scope_of(queue)):
        return True
    if refers_to(value, queue, "arn", scope):
        return True
    parts = _arn_parts(value) if is_literal(value) else None
    if parts is None or parts[2] != "sqs":
        return False
    if not is_literal(queue.name) or parts[5] != queue.name:
        return False
    return not (is_literal(queue.region) and queue.region != parts[3])


def matches_bucket_name(value: object, bucket: Bucket, scope: str = "") -> bool:
    """Does ``value`` (a trail's bucket written in ``scope``, a configured name) name this bucket?"""
    if not isinstance(value, str):
        return False
    return same_value(value, bucket.name, scope, scope_of(bucket)) or refers_to(value, bucket, "name", scope)


def bucket_arn(bucket: Bucket, part: str | Unknown) -> str | None:
    """The bucket's ARN in partition ``part``; the ARN its source gave when the partition is not known."""
    if isinstance(part, str):
        built = arns.bucket_arn(part, bucket.name)
        return built if isinstance(built, str) else None
    return bucket.arn if isinstance(bucket.arn, str) else None


def bucket_arns(bucket: Bucket, part: str | Unknown) -> tuple[str, ...]:
    """Canonical ways the bucket's ARN may be written: from its name in partition ``part``, as its
    source spelled it where that is symbolic (``arn:${AWS::Partition}:s3:::b``), and its own ``.arn``."""
    scope = scope_of(bucket)
    written = [
        bucket_arn(bucket, part),
        bucket.arn if isinstance(bucket.arn, str) and not is_literal(bucket.arn) else None,
        f"${{{address(bucket)}.arn}}",
    ]
    return tuple(dict.fromkeys(canon(arn, scope) for arn in written if arn is not None))


def region_of(resource: Bucket | Queue) -> object:
    return resource.region


# --------------------------------------------------------------------------- audit pipeline


def audit_config(inventory: Inventory) -> AuditLogConfig | None:
    return inventory.config.audit_log if inventory.config is not None else None


def has_infrastructure(inventory: Inventory) -> bool:
    """Did any input describe infrastructure? A configuration alone makes no claim about it."""
    if any(s not in ("config", "policy-file") for s in inventory.sources):
        return True
    return bool(
        inventory.users
        or inventory.groups
        or inventory.policies
        or inventory.trails
        or inventory.buckets
        or inventory.queues
    )


def live_listing_gap(inventory: Inventory, kind: str) -> str | None:
    """Why a live account's ``kind`` ("users", "trails", "queues") may lack a resource that exists:
    a listing call was refused, failed or ran out of time, so a name missing from it is unknown,
    not absent. None when the listing is complete or the inventory is not from a live account."""
    if "live" not in inventory.sources or kind in inventory.complete:
        return None
    return f"the live account's {kind} could not all be listed (see collection_errors)"


def pipeline_in_scope(inventory: Inventory) -> bool:
    """OB2/OB3 rules run with an audit_log configured, without a configuration, or when the
    inputs declare a trail or a queue (the pipeline is optional, GUIDE-PIPELINE-OPTIONAL)."""
    if not has_infrastructure(inventory):
        return False
    if audit_config(inventory) is not None or inventory.config is None:
        return True
    return bool(inventory.trails or inventory.queues)


def trail_named(trail: Trail, name: str) -> bool:
    if same_value(trail.name, name):
        return True
    return isinstance(trail.arn, str) and trail.arn.endswith(f":trail/{name}")


def notified_queues(bucket: Bucket, inventory: Inventory) -> list[Queue]:
    if not isinstance(bucket.notifications, list):
        return []
    return [
        q
        for q in inventory.queues
        if any(matches_queue(n.queue_arn, q, inventory, scope_of(bucket)) for n in bucket.notifications)
    ]


@dataclass
class Pipeline:
    """The audit-log resources of an inventory, identified once per rule run."""

    trails: list[Trail] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)


def buckets_of_trail(trail: Trail, inventory: Inventory) -> list[Bucket]:
    return [b for b in inventory.buckets if matches_bucket_name(trail.bucket, b, scope_of(trail))]


def trails_of_bucket(bucket: Bucket, inventory: Inventory) -> list[Trail]:
    return [t for t in inventory.trails if matches_bucket_name(t.bucket, bucket, scope_of(t))]


def buckets_notifying(queue: Queue, inventory: Inventory) -> list[Bucket]:
    return [
        b
        for b in inventory.buckets
        if isinstance(b.notifications, list)
        and any(matches_queue(n.queue_arn, queue, inventory, scope_of(b)) for n in b.notifications)
    ]


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def pipeline(inventory: Inventory) -> Pipeline:
    """Identify the audit trail(s), bucket(s) and queue(s) (heuristic in the module docstring)."""
    cfg = audit_config(inventory)
    if cfg is not None:
        queues = [q for q in inventory.queues if same_value(q.name, cfg.queue_name)]
        if cfg.bucket:
            buckets: list[Bucket] = [b for b in inventory.buckets if matches_bucket_name(cfg.bucket, b)]
        else:
            buckets = []
        if cfg.trail:
            trails = [t for t in inventory.trails if trail_named(t, cfg.trail)]
        elif cfg.bucket:
            trails = [t for t in inventory.trails if isinstance(t.bucket, str) and t.bucket == cfg.bucket]
            trails += [
                t
                for t in inventory.trails
                if any(matches_bucket_name(t.bucket, b, scope_of(t)) for b in buckets)
            ]
        else:
            notifying = [b for q in queues for b in buckets_notifying(q, inventory)]
            trails = [
                t
                for t in inventory.trails
                if any(matches_bucket_name(t.bucket, b, scope_of(t)) for b in notifying)
            ]
        trails = _unique(trails)
        buckets += [b for t in trails for b in buckets_of_trail(t, inventory)]
        buckets += [b for q in queues for b in buckets_notifying(q, inventory)]
        return Pipeline(trails, _unique(buckets), queues)
    trails = list(inventory.trails)
    buckets = [b for t in trails for b in buckets_of_trail(t, inventory)]
    queues = _unique(q for b in buckets for q in notified_queues(b, inventory))
    if not queues:
        queues = _unique(q for b in inventory.buckets for q in notified_queues(b, inventory))
    if not queues:
        queues = [
            q for q in inventory.queues if statements.names_service(views_of_dict(q.policy), S3_SERVICE)
        ]
    buckets += [b for q in queues for b in buckets_notifying(q, inventory)]
    return Pipeline(trails, _unique(buckets), queues)


def audit_queue_arns(inventory: Inventory, found: Pipeline) -> list[tuple[Queue | None, str | Unknown]]:
    """ARNs of the audit queues; the configured one when it is not declared (needs account_id)."""
    if found.queues:
        return [(q, queue_arn(q, inventory)) for q in found.queues]
    config = inventory.config
    if config is not None and config.queue_arn is not None:
        return [(None, config.queue_arn)]
    return []


# --------------------------------------------------------------------------- IAM


@dataclass
class ResolvedPolicy:
    """A policy of a user (attached, inline or via a group) and its parsed document, or why not."""

    label: str
    document: PolicyDocument | None
    location: Location | None
    unknown: str | None = None
    managed: bool = False


def _document_from_dict(data: dict[str, Any], label: str, scope: str) -> PolicyDocument:
    text_ = canon(json.dumps(data, indent=2, ensure_ascii=False, default=str), scope)
    source = Source(label, text_)
    return build_document(source, parse_json(text_), PolicyType.IDENTITY)


def parsed_document(data: object, label: str, scope: str = "") -> PolicyDocument | Unknown:
    """A policy ``dict`` (symbolic references canonicalized) as a :class:`PolicyDocument`."""
    if isinstance(data, Unknown):
        return data
    if not isinstance(data, dict):
        return Unknown(f"{label}: the policy document is not a JSON object")
    nested = first_unknown(data)
    if nested is not None:
        return Unknown(f"{label}: part of the document is unknown ({nested.reason})")
    return _document_from_dict(data, label, scope)


def resolve_policy(
    ref: PolicyRef, inventory: Inventory, where: Location | None, scope: str = ""
) -> ResolvedPolicy:
    """The document of an attached or inline policy: its own, a declared customer policy, or the
    bundled snapshot of AWS managed policies."""
    arn = ref.arn
    label = ref.name if isinstance(ref.name, str) and ref.name else (text(arn) or "policy")
    if ref.document is not None:
        doc = parsed_document(ref.document, label, scope)
        if isinstance(doc, Unknown):
            return ResolvedPolicy(label, None, where, doc.reason)
        return ResolvedPolicy(label, doc, where)
    if isinstance(arn, Unknown):
        return ResolvedPolicy(label, None, where, f"policy ARN unknown: {arn.reason}")
    if isinstance(arn, str):  # an AWS managed policy's ARN, whose partition may be symbolic
        managed = load_managed(arn)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True)
    for policy in inventory.policies:
        theirs = scope_of(policy)
        if (
            isinstance(arn, str)
            and (same_value(arn, policy.arn, scope, theirs) or refers_to(arn, policy, "arn", scope))
        ) or (arn is None and same_value(ref.name, policy.name, scope, theirs)):
            loc = policy.origin_of("document").location
            doc_ = parsed_document(policy.document, address(policy), theirs)
            if isinstance(doc_, Unknown):
                return ResolvedPolicy(label, None, loc, doc_.reason)
            return ResolvedPolicy(address(policy), doc_, loc)
    if arn is None and not ref.inline:
        managed = load_managed(ref.name)
        if managed is not None:
            return ResolvedPolicy(managed.name, managed.document, where, managed=True)
    what = text(arn) or ref.name
    if isinstance(arn, str) and arns.is_aws_managed_policy(arn):
        why = f"AWS managed policy {what} is not in the bundled snapshot"
    else:
        why = f"policy {what} is not declared in the inputs"
    return ResolvedPolicy(label, None, where, why)


def user_policies(user: IamUser, inventory: Inventory) -> tuple[list[ResolvedPolicy], list[str]]:
    """Attached, inline and group policies of the user, and the reasons some are unknown."""
    out: list[ResolvedPolicy] = []
    unknown: list[str] = []
    for attr in ("attached_policies", "inline_policies"):
        refs = getattr(user, attr)
        if isinstance(refs, Unknown):
            unknown.append(f"{attr.replace('_', ' ')}: {refs.reason}")
            continue
        for ref in refs:
            out.append(resolve_policy(ref, inventory, location_of(user, attr), scope_of(user)))
    groups = user.groups
    if isinstance(groups, Unknown):
        unknown.append(f"groups: {groups.reason}")
        groups = []
    for group_name in groups:
        group = next(
            (
                g
                for g in inventory.groups
                if same_value(g.name, group_name, scope_of(g), scope_of(user))
                or refers_to(group_name, g, "name", scope_of(user))
            ),
            None,
        )
        if group is None:
            unknown.append(f"group {group_name} is not declared in the inputs")
            continue
        for attr in ("attached_policies", "inline_policies"):
            refs = getattr(group, attr)
            if isinstance(refs, Unknown):
                unknown.append(f"group {group_name} {attr.replace('_', ' ')}: {refs.reason}")
                continue
            for ref in refs:
                out.append(resolve_policy(ref, inventory, location_of(group, attr), scope_of(group)))
    unknown += [f"{p.label}: {p.unknown}" for p in out if p.unknown]
    return out, unknown


def _looks_onboarding(user: IamUser, inventory: Inventory, queue_texts: list[str]) -> bool:
    refs: list[PolicyRef] = []
    for attr in ("attached_policies", "inline_policies"):
        value = getattr(user, attr)
        if isinstance(value, list):
            refs.extend(value)
    for ref in refs:
        name = (text(ref.arn) or ref.name or "").rsplit("/", 1)[-1].lower()
        if name in GUIDE_MANAGED:
            return True
    policies, _ = user_policies(user, inventory)
    for policy in policies:
        if policy.document is None or policy.managed:
            continue
        body = policy.document.source.text
        if any(m in body for m in AGENTLESS_MARKERS) or any(q in body for q in queue_texts):
            return True
    return False


def onboarding_users(inventory: Inventory) -> list[IamUser]:
    """The user named by ``iam_user``, else the users that look like the onboarding user."""
    config = inventory.config
    if config is not None and config.iam_user:
        name = config.iam_user
        return [u for u in inventory.users if same_value(u.name, name)]
    found = pipeline(inventory)
    queue_texts = [
        canon(a, scope_of(q) if q is not None else "")
        for q, a in audit_queue_arns(inventory, found)
        if isinstance(a, str)
    ]
    return [u for u in inventory.users if _looks_onboarding(u, inventory, queue_texts)]


def user_label(user: IamUser) -> str:
    return display(user.name, user)


def join(items: Iterator[str] | Iterable[str], limit: int = 8) -> str:
    seq = list(items)
    shown = ", ".join(seq[:limit])
    return shown + (f" and {len(seq) - limit} more" if len(seq) > limit else "")


# --------------------------------------------------------------------------- regions


def same_region(a: Resource, a_region: object, b: Resource, b_region: object) -> tuple[str, str]:
    """("pass" | "fail" | "unknown", why): are two resources in the same region?

    Literal regions compare directly. Two resources of one CloudFormation template are in the
    stack's region even when the template does not say which (``${AWS::Region}``, Unknown);
    across templates the same pseudo-parameter may differ. Two Terraform resources of one
    directory whose region is the same unresolved expression, or the same Unknown (the source
    names the provider in the reason), use one provider and share its region.
    """
    if is_literal(a_region) and is_literal(b_region):
        if a_region == b_region:
            return "pass", f"both in {a_region}"
        return "fail", f"{a_region} != {b_region}"
    oa, ob = a.origin, b.origin
    if oa.source == "cloudformation" == ob.source and oa.path is not None and oa.path == ob.path:
        return "pass", "both in the same CloudFormation template, so in the stack's region"
    if (
        oa.source.startswith("terraform")
        and ob.source.startswith("terraform")
        and same_value(a_region, b_region, scope_of(a), scope_of(b))
    ):
        return "pass", f"both in {a_region} (the same provider region)"
    if (
        oa.source.startswith("terraform")
        and scope_of(a) == scope_of(b)
        and isinstance(a_region, Unknown)
        and a_region == b_region
    ):
        # the source names the provider in the reason: the same provider, whatever its region
        return "pass", f"both use the same provider configuration ({a_region.reason})"
    reasons = [
        f"{address(r)}: {v.reason if isinstance(v, Unknown) else (v or 'not stated')}"
        for r, v in ((a, a_region), (b, b_region))
        if not is_literal(v)
    ]
    return "unknown", "region unknown (" + "; ".join(reasons) + ")"
