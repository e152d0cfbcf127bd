"""The tag-bypass analysis behind PL607-PL608: tag conditions that protect nothing, and
snapshots/AMIs anyone can share.

GUIDE-TAG-BYPASS: the guide's agentless policy allows destructive EC2 actions only on resources
tagged ``Name=alibaba-cloud-security-scan*``, but also allows ``ec2:CreateTags`` on
``*`` without a condition: the holder can tag *any* instance, VPC or snapshot with the
scan prefix, then terminate or delete it. It also allows ``ec2:ModifySnapshotAttribute``
and ``ec2:ModifyImageAttribute`` on ``*``, so any snapshot or AMI can be shared with
another account.

The analysis works on effective permissions (:mod:`policy_lint.iam.evaluate`) over any
list of statements: the lint rules (:mod:`policy_lint.checks.policy.tag_bypass`) run it per
document, ``policy-lint diff`` over the whole actual policy set (statements from several files).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog, wildcard_regex
from policy_lint.catalog.defaults import default_catalog
from policy_lint.core.findings import Location
from policy_lint.iam.evaluate import (
    Condition,
    Grant,
    PermissionSet,
    glob_covers,
    glob_overlaps,
    is_destructive,
)
from policy_lint.iam.statements import parse_operator
from policy_lint.policy.model import PolicyDocument, Statement
from policy_lint.syntax.nodes import Node

TAG_CONDITION_PREFIXES = ("ec2:resourcetag/", "aws:resourcetag/")
CREATE_TAGS = "ec2:CreateTags"
SHARING_ACTIONS = (("ec2:ModifySnapshotAttribute", "snapshot"), ("ec2:ModifyImageAttribute", "image"))
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
#: What to suggest for ec2:CreateAction when the policy itself names no creating action.
DEFAULT_CREATE_ACTIONS = (
    "RunInstances",
    "CreateVpc",
    "CreateSubnet",
    "CreateSecurityGroup",
    "CreateInternetGateway",
    "CreateSnapshot",
    "CreateSnapshots",
    "CopySnapshot",
    "CreateImage",
    "CopyImage",
)
#: Creating calls whose result carries no tags (not valid ec2:CreateAction values to suggest).
_NOT_TAGGABLE_CREATES = frozenset({"createtags", "createroute", "createroutes"})
_POSITIVE = ("stringequals", "stringlike", "stringequalsignorecase")
_NEGATIVE = ("stringnotequals", "stringnotlike", "stringnotequalsignorecase")
GUIDE_TAG_BYPASS = "GUIDE-TAG-BYPASS"
_SHARING_LOWER = tuple(action.lower() for action, _ in SHARING_ACTIONS)
_CREATE_TAGS_LOWER = CREATE_TAGS.lower()


@dataclass(frozen=True)
class TagBypass:
    """One PL607/PL608 problem: where (document + node), what, and how to fix it."""

    rule_id: str
    document: PolicyDocument
    node: Node
    message: str
    hint: str
    actions: tuple[str, ...]

    @property
    def location(self) -> Location:
        line, col = self.document.source.position(self.node.offset)
        return Location(self.document.path, line, col)


@dataclass(frozen=True)
class _Protection:
    """Destructive actions allowed only under a condition on one tag key."""

    tag_key: str
    values: tuple[str, ...]
    actions: tuple[str, ...]


def _tag_key(condition: Condition) -> str | None:
    key = condition.key_lower
    for prefix in TAG_CONDITION_PREFIXES:
        if key.startswith(prefix):
            return condition.key[len(prefix) :]
    return None


def _may_apply(statements: Sequence[tuple[PolicyDocument, Statement]]) -> bool:
    """Cheap pre-check, so most documents skip the effective-permission analysis.

    PL607 needs an Allow (with Action) of possibly destructive EC2 actions conditioned on a
    resource tag, and an Allow of ec2:CreateTags on a wildcard resource. PL608 needs an
    Allow without conditions, on a wildcard resource, whose NotAction, or an Action other
    than ``*``, can cover a sharing action. Anything that passes is analysed in full, so
    this only has to be sure about the "no".
    """
    tags_anything = False
    tag_protected = False
    for _, stmt in statements:
        if not stmt.is_allow or not (stmt.uses_not_action or stmt.may_name_service("ec2")):
            continue  # flags would be 0: every action names another service
        flags = 0
        for action in stmt.actions:
            flags |= _action_flags(str(action.value))
        if stmt.uses_not_action:
            flags = _SHARES | _TAGS
        elif flags & _DESTROYS and any(
            str(entry.key.value).lower().startswith(TAG_CONDITION_PREFIXES) for entry in stmt.conditions
        ):
            tag_protected = True
        if not flags & (_SHARES | _TAGS) or not (
            stmt.uses_not_resource or any(_WILD_RESOURCE.search(str(r.value)) for r in stmt.resources)
        ):
            continue
        if flags & _SHARES and not stmt.conditions:
            return True  # PL608 possible
        tags_anything = tags_anything or bool(flags & _TAGS)
    return tags_anything and tag_protected  # PL607 possible


_WILD_RESOURCE = re.compile(r"[*?]|\$\{")
_SHARES, _TAGS, _DESTROYS = 1, 2, 4


@lru_cache(maxsize=8192)
def _action_flags(pattern: str) -> int:
    """What an Action entry may cover: a sharing action (not via ``*``, that is PL601's),
    ec2:CreateTags, a destructive EC2 action."""
    lowered = pattern.lower()
    if lowered in ("*", "*:*"):
        return _TAGS | _DESTROYS
    prefix, _, name = lowered.partition(":")
    if not (prefix == "ec2" or "*" in prefix or "?" in prefix):
        return 0
    if "*" not in lowered and "?" not in lowered:
        shares = lowered in _SHARING_LOWER
        return (
            (_SHARES if shares else 0)
            | (_TAGS if lowered == _CREATE_TAGS_LOWER else 0)
            | (_DESTROYS if is_destructive(name) else 0)
        )
    rx = wildcard_regex(lowered)
    flags = _DESTROYS
    if any(rx.match(action) for action in _SHARING_LOWER):
        flags |= _SHARES
    if rx.match(_CREATE_TAGS_LOWER):
        flags |= _TAGS
    return flags


def find_tag_bypass(
    statements: Iterable[tuple[PolicyDocument, Statement]], catalog: ActionCatalog | None = None
) -> list[TagBypass]:
    """PL607 and PL608 problems of a set of statements (possibly from several documents)."""
    pairs = list(statements)
    if not _may_apply(pairs):
        return []
    # every question below is about an EC2 action: a statement that can name none (an Action list of
    # other services only) neither grants nor denies one, so it is left out of the evaluation
    perms = PermissionSet.from_statements(
        [(doc, stmt) for doc, stmt in pairs if stmt.uses_not_action or stmt.may_name_service("ec2")]
    )
    found = list(_tag_condition_bypass(perms, catalog or default_catalog()))
    found.extend(_shareable(perms))
    return sorted(found, key=lambda b: (b.location, b.rule_id))


# --------------------------------------------------------------------------- PL607


def _protections(perms: PermissionSet, catalog: ActionCatalog) -> list[_Protection]:
    by_key: dict[str, tuple[set[str], set[str]]] = {}
    for stmt in perms.statements:
        if not stmt.is_allow or stmt.not_action:
            continue
        tags = [
            (key, c)
            for c in stmt.conditions
            if (key := _tag_key(c)) is not None and parse_operator(c.operator).base in _POSITIVE
        ]
        if not tags:
            continue
        for expanded in stmt.expand(catalog):
            if not expanded.key.startswith("ec2:") or not is_destructive(expanded.name):
                continue
            decision = perms.evaluate(expanded.key)
            if decision.status != "conditional":
                continue  # allowed without the tag elsewhere (a broader problem), or denied
            for key, condition in tags:
                values, actions = by_key.setdefault(key, (set(), set()))
                values.update(condition.values)
                actions.add(expanded.name)
    return [
        _Protection(key, tuple(sorted(values)), tuple(sorted(actions)))
        for key, (values, actions) in sorted(by_key.items())
    ]


def _restricts(conditions: Sequence[Condition], protection: _Protection) -> bool:
    """Do these CreateTags conditions stop the holder from setting the protected tag on any resource?"""
    tag = protection.tag_key.lower()
    for c in conditions:
        op = parse_operator(c.operator)
        qualifier, base, if_exists = op.qualifier, op.base, op.if_exists
        key = c.key_lower
        if key == "ec2:createaction" and base in _POSITIVE and not if_exists and not qualifier:
            return True  # tags only while creating a resource
        if key == f"aws:requesttag/{tag}":
            if base in _NEGATIVE and all(any(glob_covers(v, p) for v in c.values) for p in protection.values):
                return True
            if (
                base in _POSITIVE
                and not if_exists
                and not any(glob_overlaps(v, p) for v in c.values for p in protection.values)
            ):
                return True
        if key == "aws:tagkeys" and qualifier == "forallvalues:":
            named = any(glob_covers(v.lower(), tag) for v in c.values)
            if (base in _NEGATIVE and named) or (base in _POSITIVE and not named):
                return True
        resource_tag = _tag_key(c)
        if (
            resource_tag is not None
            and resource_tag.lower() == tag
            and (
                base in _POSITIVE
                and not if_exists
                and all(any(glob_covers(p, v) for p in protection.values) for v in c.values)
            )
        ):
            return True  # only resources that already carry the protected tag
    return False


def _deny_restricts(denies: Sequence[Grant], protection: _Protection) -> bool:
    keys = {"ec2:createaction", f"aws:requesttag/{protection.tag_key.lower()}", "aws:tagkeys"}
    return any(g.covers_scope and any(c.key_lower in keys for c in g.conditions) for g in denies)


def _grant_node(grant: Grant) -> Node:
    """The Action entry that grants (the NotAction key for NotAction statements), else the statement."""
    stmt = grant.statement.statement
    found: Node | None = grant.action_node or stmt.action_key
    return found if found is not None else stmt.node


def _broad(grant: Grant) -> bool:
    """Any resource of a kind, not named ones: ``*``, NotResource, or an ARN pattern with a wildcard."""
    return grant.not_resource or any("*" in r or "?" in r or "${" in r for r in grant.resources)


def _create_actions(perms: PermissionSet) -> tuple[str, ...]:
    names: set[str] = set()
    for stmt in perms.statements:
        if not stmt.is_allow or stmt.not_action:
            continue
        for pattern in stmt.actions:
            service, _, name = pattern.text.partition(":")
            if (
                service.lower() == "ec2"
                and "*" not in name
                and name.lower() not in _NOT_TAGGABLE_CREATES
                and name.lower().startswith(("create", "run", "copy", "import", "allocate"))
            ):
                names.add(name)
    return tuple(sorted(names)) or DEFAULT_CREATE_ACTIONS


def _examples(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _tag_condition_bypass(perms: PermissionSet, catalog: ActionCatalog) -> Iterator[TagBypass]:
    protections = _protections(perms, catalog)
    if not protections:
        return
    decision = perms.evaluate(CREATE_TAGS, "*", any_resource=True)
    if decision.status == "denied":
        return
    creates = _create_actions(perms)
    for grant in decision.allows:
        if not _broad(grant):
            continue
        open_keys = [
            p
            for p in protections
            if not _restricts(grant.conditions, p) and not _deny_restricts(decision.denies, p)
        ]
        if not open_keys:
            continue
        actions = sorted({a for p in open_keys for a in p.actions})
        tags = "; ".join(f"{p.tag_key}={' or '.join(p.values)}" for p in open_keys)
        via = "" if grant.action_pattern.lower() == CREATE_TAGS.lower() else f" (via {grant.action_pattern})"
        where = (
            "every resource" if grant.resources == ("*",) or grant.not_resource else "any matching resource"
        )
        message = (
            f"{CREATE_TAGS} is allowed{via} on {where} without an ec2:CreateAction condition, so the holder "
            f"can tag any resource {tags} and then use {_examples(actions)}, which are allowed only on "
            f"resources with that tag: the tag condition protects nothing ({GUIDE_TAG_BYPASS})"
        )
        hint = (
            'add "Condition": {"StringEquals": {"ec2:CreateAction": ['
            + ", ".join(f'"{c}"' for c in creates)
            + "]}} to the statement granting ec2:CreateTags, so tags can only be set by the calls "
            "that create the scan resources"
        )
        node = _grant_node(grant)
        yield TagBypass("PL607", grant.statement.document, node, message, hint, tuple(actions))


# --------------------------------------------------------------------------- PL608


def _shareable(perms: PermissionSet) -> Iterator[TagBypass]:
    by_node: dict[int, tuple[Grant, list[str]]] = {}
    for action, kind in SHARING_ACTIONS:
        for partition in PARTITIONS:
            decision = perms.evaluate(action, f"arn:{partition}:ec2:*::{kind}/*")
            if decision.status != "allowed":
                continue
            for grant in decision.allows:
                if not grant.full or grant.action_pattern in ("*", "*:*"):
                    continue  # "*" on "*" is full admin (PL601), not this narrower problem
                entry = by_node.setdefault(id(_grant_node(grant)), (grant, []))
                if action not in entry[1]:
                    entry[1].append(action)
    for grant, actions in by_node.values():
        kinds = " and ".join(
            {"ec2:ModifySnapshotAttribute": "snapshot", "ec2:ModifyImageAttribute": "AMI"}[a] for a in actions
        )
        via = (
            ""
            if len(actions) == 1 and grant.action_pattern.lower() == actions[0].lower()
            else (f" (via {grant.action_pattern})")
        )
        message = (
            f"{' and '.join(actions)} allowed{via} on every {kinds} without a condition: any {kinds} of the "
            f"account can be shared with another AWS account (data exfiltration, {GUIDE_TAG_BYPASS})"
        )
        hint = (
            "scope Resource to the scanner's own snapshots/AMIs (e.g. a Name-tag condition such as "
            "ec2:ResourceTag/Name), or deny sharing outside your organization; review ec2:CopyImage too"
        )
        node = _grant_node(grant)
        yield TagBypass("PL608", grant.statement.document, node, message, hint, tuple(actions))
