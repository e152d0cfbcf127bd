"""The policy document model every policy rule reads.

A :class:`PolicyDocument` is built once from a node tree and never raises on
wrong types: it records what it found (with positions) and leaves judging to
the grammar rules. ``Statement`` may be one object or a list; ``Action`` a
string or a list; both forms normalize to lists of located strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar, cast, overload

from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, StringArrayNode, walk
from policy_lint.syntax.numbers import NumberText
from policy_lint.syntax.source import Source

_T = TypeVar("_T")


class _cached_property(Generic[_T]):
    """``functools.cached_property`` without its lock: before Python 3.12 every first read takes
    a lock (~40,000 per lint of the managed corpus, 0.5 us each); a document is read by one
    thread, and computing a value twice would be harmless anyway."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _cached_property[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _cached_property[_T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value  # later reads find it there, not here
        return value


class PolicyType(str, Enum):
    """What kind of policy a document is; decides whether Principal is required or forbidden."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    #: an identity-shaped managed policy set as a user's or role's permissions boundary: it only
    #: limits what the identity policies grant, and grants nothing itself (AWS-POLICY-TYPES)
    PERMISSIONS_BOUNDARY = "permissions-boundary"

    @property
    def has_principal(self) -> bool:
        return self in (PolicyType.RESOURCE, PolicyType.TRUST, PolicyType.RCP)


@dataclass
class ConditionEntry:
    """One ``operator -> key -> values`` triple of a Condition block."""

    operator: ScalarNode
    key: ScalarNode
    value_node: Node
    values: list[Node]


@dataclass
class Statement:
    """One statement, with the raw node kept for rules that need more."""

    node: Node
    index: int
    sid: Node | None = None
    effect: Node | None = None
    action_key: ScalarNode | None = None  # "Action" or "NotAction" key node
    action_node: Node | None = None
    actions: list[ScalarNode] = field(default_factory=list)
    resource_key: ScalarNode | None = None
    resource_node: Node | None = None
    resources: list[ScalarNode] = field(default_factory=list)
    principal_key: ScalarNode | None = None
    principal_node: Node | None = None
    condition_node: Node | None = None
    conditions: list[ConditionEntry] = field(default_factory=list)

    # Cached: the rules ask each of these ~100k times on a corpus run, and a statement is not
    # changed after build_statement has filled it.
    @_cached_property
    def effect_value(self) -> str | None:
        if isinstance(self.effect, ScalarNode) and self.effect.is_string:
            return str(self.effect.value)
        return None

    @_cached_property
    def is_allow(self) -> bool:
        return self.effect_value == "Allow"

    @_cached_property
    def uses_not_action(self) -> bool:
        return self.action_key is not None and self.action_key.value == "NotAction"

    @_cached_property
    def named_services(self) -> frozenset[str] | None:
        """The lower-case service prefixes the Action/NotAction values name, or None when one value could
        name any service (``*``, a wildcard in the prefix, no colon). Lets a rule about one service skip
        statements that cannot mention it without matching every pattern."""
        services = set()
        known = _SERVICE_OF
        for node in self.actions:
            text = node.value if type(node.value) is str else str(node.value)
            prefix: str | None = known.get(text, "")
            if not prefix:
                prefix = _service_of(text)
                if prefix is None:
                    return None
            services.add(prefix)
        return frozenset(services)

    def may_name_service(self, service: str) -> bool:
        """Could an Action/NotAction value of this statement name an action of ``service`` (lower case)?"""
        named = self.named_services
        return named is None or service in named

    @_cached_property
    def seen_conditions(self) -> list[ConditionEntry]:
        """The condition entries as IAM sees them: of a key repeated under one operator, the last
        wins (PL002 reports the repeat). Asked by ten condition rules per statement."""
        last: dict[tuple[int, str], ConditionEntry] = {}
        for entry in self.conditions:
            last[(entry.operator.offset, str(entry.key.value))] = entry
        return list(last.values())

    @_cached_property
    def uses_not_resource(self) -> bool:
        return self.resource_key is not None and self.resource_key.value == "NotResource"


@dataclass
class PolicyDocument:
    """A parsed policy and where it came from."""

    source: Source
    root: Node
    statements: list[Statement]
    policy_type: PolicyType
    type_inferred: bool
    statement_node: Node | None = None
    version: Node | None = None

    @property
    def path(self) -> str:
        return self.source.path

    @_cached_property
    def strings(self) -> list[tuple[ScalarNode, str]]:
        """Every string value and key of the document with its text, depth first: walked once for the
        rules that scan all text (placeholders, policy variables) rather than once per rule."""
        return [
            (node, node.value)
            for node in walk(self.root)
            if isinstance(node, ScalarNode) and isinstance(node.value, str)
        ]


#: each Action value's lower-case service prefix, by its text: the managed policies repeat ~20,000
#: strings, asked about once per statement that lists them
_SERVICE_OF: dict[str, str] = {}


def _service_of(text: str) -> str | None:
    """The lower-case service prefix of an Action value, or None when it could name any service."""
    prefix, colon, _ = text.partition(":")
    if not colon or "*" in prefix or "?" in prefix:
        return None
    if len(_SERVICE_OF) >= 65536:
        _SERVICE_OF.clear()
    found = _SERVICE_OF[text] = prefix.lower()
    return found


def string_items(node: Node | None) -> list[ScalarNode]:
    """The string members of a string-or-list value (non-strings are left for grammar rules)."""
    if node is None:
        return []
    if isinstance(node, ScalarNode):
        return [node] if node.is_string else []
    if type(node) is StringArrayNode:
        return cast("list[ScalarNode]", list(node.items))  # all plain strings, as the parser read them
    if isinstance(node, ArrayNode):  # ScalarNode.is_string, inlined: ~70,000 items on a corpus run
        return [
            item
            for item in node.items
            if isinstance(item, ScalarNode)
            and isinstance(item.value, str)
            and not isinstance(item.value, NumberText)
        ]
    return []


def _conditions(node: Node | None) -> list[ConditionEntry]:
    entries: list[ConditionEntry] = []
    if not isinstance(node, ObjectNode):
        return entries
    for operator, block in node.pairs:
        if not isinstance(block, ObjectNode):
            continue
        for key, value in block.pairs:
            values = value.items if isinstance(value, ArrayNode) else [value]
            entries.append(ConditionEntry(operator, key, value, values))
    return entries


def build_statement(node: Node, index: int) -> Statement:
    stmt = Statement(node=node, index=index)
    if not isinstance(node, ObjectNode):
        return stmt
    # one pass over the members, the last of duplicate keys kept (as ObjectNode.get does)
    members = {key.value: (key, value) for key, value in node.pairs}
    if (pair := members.get("Sid")) is not None:
        stmt.sid = pair[1]
    if (pair := members.get("Effect")) is not None:
        stmt.effect = pair[1]
    if (pair := members.get("Action") or members.get("NotAction")) is not None:
        stmt.action_key, stmt.action_node = pair
        stmt.actions = string_items(pair[1])
    if (pair := members.get("Resource") or members.get("NotResource")) is not None:
        stmt.resource_key, stmt.resource_node = pair
        stmt.resources = string_items(pair[1])
    if (pair := members.get("Principal") or members.get("NotPrincipal")) is not None:
        stmt.principal_key, stmt.principal_node = pair
    if (pair := members.get("Condition")) is not None:
        stmt.condition_node = pair[1]
        stmt.conditions = _conditions(pair[1])
    return stmt


_TRUST_ACTIONS = ("sts:assumerole", "sts:tagsession", "sts:setsourceidentity")


def infer_policy_type(statements: list[Statement]) -> PolicyType:
    """The type the content shows. No Principal: an identity policy (an SCP or a permissions boundary
    looks the same, so only ``--policy-type`` or the IaC attribute says so). Principal "*" on Deny
    statements over Resource "*": a resource control policy (the only shape RCPs accept, and one a
    resource policy, which names its own resource, does not take). Only sts:AssumeRole* actions: a
    role trust policy. Otherwise a resource policy."""
    with_principal = [s for s in statements if s.principal_node is not None]
    if not with_principal:
        return PolicyType.IDENTITY
    if _rcp_shaped(statements):
        return PolicyType.RCP
    actions = [str(a.value).lower() for s in statements for a in s.actions]
    if actions and all(a.startswith(_TRUST_ACTIONS) for a in actions):
        return PolicyType.TRUST
    return PolicyType.RESOURCE


def _rcp_shaped(statements: list[Statement]) -> bool:
    """Every statement names Principal "*" as RCPs must, at least one Deny covers Resource "*", every
    Resource is "*", and no Allow names a Resource (an RCP never grants: a public resource policy does)."""

    def star_principal(stmt: Statement) -> bool:
        node = stmt.principal_node
        return (
            isinstance(node, ScalarNode)
            and node.value == "*"
            and stmt.principal_key is not None
            and (stmt.principal_key.value == "Principal")
        )

    if not all(star_principal(s) for s in statements):
        return False
    if any(str(r.value) != "*" for s in statements for r in s.resources):
        return False
    if any(s.is_allow and s.resource_key is not None for s in statements):
        return False
    return any(s.effect_value == "Deny" and s.resources and not s.uses_not_resource for s in statements)


def build_document(source: Source, root: Node, policy_type: PolicyType | None = None) -> PolicyDocument:
    """Build the model from a parsed tree; ``policy_type`` overrides inference."""
    statements: list[Statement] = []
    statement_node: Node | None = None
    version: Node | None = None
    if isinstance(root, ObjectNode):
        statement_node = root.get("Statement")
        version = root.get("Version")
        if isinstance(statement_node, ArrayNode):
            statements = [build_statement(item, i) for i, item in enumerate(statement_node.items)]
        elif isinstance(statement_node, ObjectNode):
            statements = [build_statement(statement_node, 0)]
    inferred = policy_type is None
    kind = infer_policy_type(statements) if policy_type is None else policy_type
    return PolicyDocument(
        source=source,
        root=root,
        statements=statements,
        policy_type=kind,
        type_inferred=inferred,
        statement_node=statement_node,
        version=version,
    )
