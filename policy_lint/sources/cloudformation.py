"""CloudFormation templates (YAML with short tags, or JSON) into the inventory.

One template is one stack: every resource is in the stack's region (the ``region`` argument,
else unknown) and account. Intrinsics are evaluated by :mod:`cfn_intrinsics`; this module maps
the resource types the onboarding rules read and folds attachment resources (queue and bucket
policies, policy attachments, access keys, group memberships, ingress rules) into their target.
Attachments are resolved after every file of one ``load`` call is read, so a template may attach
a policy to a user declared, by literal name, in another template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from policy_lint.errors import InputError
from policy_lint.findings import Finding
from policy_lint.inventory import arns
from policy_lint.inventory.cloudtrail import (
    API_OPERATORS,
    AdvancedSelector,
    BasicSelector,
    EventSelectors,
    FieldSelector,
    summarize,
)
from policy_lint.inventory.model import (
    AccessKey,
    Bucket,
    IamGroup,
    IamPolicy,
    IamUser,
    IngressRule,
    Inventory,
    Maybe,
    Origin,
    PolicyRef,
    Queue,
    QueueNotification,
    RegionScope,
    Resource,
    SecurityGroup,
    Trail,
    Unknown,
)
from policy_lint.sources.cfn_chains import Chains
from policy_lint.sources.cfn_intrinsics import (
    REGION_UNKNOWN,
    Resolver,
    Symbolic,
    Template,
    Text,
    UnknownNode,
    intrinsic,
    text_of,
)
from policy_lint.sources.cfn_sniff import looks_like_template
from policy_lint.sources.problems import PARTIAL, UNREADABLE, problem, unreadable
from policy_lint.syntax.json_parser import JsonSyntaxError, loads, parse_json
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, walk
from policy_lint.syntax.numbers import as_int
from policy_lint.syntax.source import Source, read_source
from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml

SOURCE = "cloudformation"
#: how a message says two resources of one template share a region (:class:`RegionScope`)
STACK_REGION = "in the same CloudFormation template, so in the stack's region"
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
_PUBLIC_ACCESS_KEYS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


class _NotAnObject(Exception):
    """A property that must be a mapping is something else."""


# -- detection -----------------------------------------------------------------------------------
def sniff(text: str) -> bool:
    """Cheap test: does this text look like a CloudFormation template? (the detector's own test)"""
    return looks_like_template(text)


def is_template(root: Node | None) -> bool:
    """A mapping with ``AWSTemplateFormatVersion``, or ``Resources`` whose entries have ``Type: AWS::...``."""
    if not isinstance(root, ObjectNode):
        return False
    if root.get("AWSTemplateFormatVersion") is not None:
        return True
    resources = root.get("Resources")
    if not isinstance(resources, ObjectNode):
        return False
    for _, resource in resources.pairs:
        type_node = resource.get("Type") if isinstance(resource, ObjectNode) else None
        if isinstance(type_node, ScalarNode) and str(type_node.value).startswith(("AWS::", "Alexa::")):
            return True
    return False


def parse_template(source: Source) -> Node | None:
    """JSON when the text starts with ``{`` (exact positions), YAML otherwise; raises InputError."""
    if source.text.lstrip().startswith("{"):
        try:
            return parse_json(source.text)
        except JsonSyntaxError as exc:
            line, col = source.position(exc.offset)
            raise InputError(f"JSON syntax error: {exc.message}", source.path, line, col) from None
    try:
        return compose_yaml(source)
    except YamlSyntaxError as exc:
        raise InputError(exc.message, source.path, exc.line, exc.col) from None


def template_resolver(path: Path, *, region: str | None = None, account_id: str | None = None) -> Resolver:
    """The resolver ``load`` uses for one template, with resource-aware Ref/GetAtt (for tests and tools)."""
    source = read_source(path)
    root = parse_template(source)
    if not isinstance(root, ObjectNode):
        raise InputError("not a CloudFormation template", source.path)
    return _Stack(source, root, region, account_id, _Linker()).resolver


# -- entry point ---------------------------------------------------------------------------------
def load(
    files: Sequence[Path],
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    roots: Sequence[str | Path] | None = None,
) -> None:
    """Add the resources of every template in ``files``; unreadable input becomes located findings."""
    linker = _Linker()
    for path in files:
        try:
            source = read_source(path)
            root = parse_template(source)
        except InputError as exc:
            inventory.problems.append(unreadable(exc))
            continue
        if not is_template(root):
            inventory.problems.append(
                problem(
                    UNREADABLE,
                    "not a CloudFormation template: no AWSTemplateFormatVersion and no Resources with "
                    "Type: AWS::...",
                    source.path,
                )
            )
            continue
        assert isinstance(root, ObjectNode)
        resources = root.get("Resources")
        if resources is not None and not isinstance(resources, ObjectNode):
            line, col = source.position(resources.offset)
            message = f"Resources is {resources.described}, not a mapping of logical IDs to resources"
            inventory.problems.append(problem(UNREADABLE, message, source.path, line, col))
            continue
        inventory.problems.extend(_duplicate_keys(source, root))
        stack = _Stack(source, root, region, account_id, linker)
        try:
            stack.map_resources()
        except RecursionError:
            stack.warn("the template is nested too deeply to evaluate; later resources are not read", 0)
        inventory.problems.extend(stack.problems)
        linker.stacks.append(stack)
    linker.link()
    for stack in linker.stacks:
        stack.flush_warnings(stack.late_problems)
        inventory.problems.extend(stack.late_problems)
    linker.publish(inventory)
    if files and SOURCE not in inventory.sources:
        inventory.sources.append(SOURCE)


def _duplicate_keys(source: Source, root: ObjectNode) -> list[Finding]:
    """Keys written twice in one mapping: CloudFormation silently keeps the last, so say so."""
    found: list[Finding] = []
    for node in walk(root):
        if not isinstance(node, ObjectNode):
            continue
        seen: set[object] = set()
        for key, _ in node.pairs:
            if key.value in seen:
                line, col = source.position(key.offset)
                found.append(
                    problem(
                        PARTIAL,
                        f"duplicate key {key.value!r}: CloudFormation keeps only the last one, "
                        "so the earlier value is ignored",
                        source.path,
                        line,
                        col,
                    )
                )
            seen.add(key.value)
    return found


# -- reading resolved values ---------------------------------------------------------------------
def _given(value: Maybe[str] | None, fallback: Any) -> Any:
    """``value`` unless it is absent or empty (never a truth test: an Unknown refuses one)."""
    return fallback if value is None or value == "" else value


def _required_document(node: Node | None) -> Maybe[dict[str, Any]]:
    document = _document(node)
    return Unknown("no PolicyDocument") if document is None else document


def _link_text(node: Node | None) -> Maybe[str] | None:
    """A name or ARN: symbolic text is kept so rules can compare references; ``None`` when absent."""
    if node is None:
        return None
    value = text_of(node)
    return value.text if isinstance(value, Symbolic) else value


def _literal_text(node: Node | None, what: str) -> Maybe[str] | None:
    """A value that must be literal (an enum, an algorithm): symbolic text is unknown."""
    if node is None:
        return None
    value = text_of(node)
    if isinstance(value, Unknown):
        return Unknown(f"{what}: {value.reason}")
    return value


def _bool(node: Node | None, default: bool | Unknown, what: str) -> Maybe[bool]:
    if node is None:
        return default
    if isinstance(node, UnknownNode):
        return Unknown(f"{what}: {node.unknown.reason}")
    if isinstance(node, ScalarNode):
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, str) and node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
    return Unknown(f"{what} is {node.described}, not a boolean")


def _plain(node: Node) -> Any:
    """Python value of a resolved node; symbolic text kept; raises _Unknown for an unnamed unknown."""
    if isinstance(node, UnknownNode):
        if isinstance(node.unknown, Symbolic):
            return node.unknown.text
        raise _UnknownInside(node.unknown)
    if isinstance(node, ObjectNode):
        return {str(key.value): _plain(value) for key, value in node.pairs}
    if isinstance(node, ArrayNode):
        return [_plain(item) for item in node.items]
    return node.to_python()


class _UnknownInside(Exception):
    def __init__(self, unknown: Unknown):
        super().__init__(unknown.reason)
        self.unknown = unknown


def _document(node: Node | None) -> Maybe[dict[str, Any]] | None:
    """A policy document as IAM stores it, after intrinsics; a JSON string is decoded."""
    if node is None:
        return None
    try:
        value = _plain(node)
    except _UnknownInside as exc:
        return Unknown(f"the policy document holds a value not known before deployment: {exc.unknown.reason}")
    if isinstance(value, str):
        try:
            value = loads(value)
        except ValueError:
            return Unknown("the policy document is a string that is not JSON")
    if not isinstance(value, dict):
        return Unknown(f"the policy document is {node.described}, not an object")
    return value


def _items(node: Node | None) -> list[Node] | Unknown:
    """The items of a list property (absent: empty); a single value is a one-item list."""
    if node is None:
        return []
    if isinstance(node, UnknownNode):
        return node.unknown
    if isinstance(node, ArrayNode):
        return node.items
    return [node]


def _object(node: Node | None) -> ObjectNode | None:
    if node is None or isinstance(node, ObjectNode):
        return node
    raise _NotAnObject(node.described)


# -- one template --------------------------------------------------------------------------------
@dataclass
class _Attachment:
    """Something to fold into a target resource once every template has been read."""

    kind: str  # user | group | queue | bucket | security_group
    stack: _Stack
    target: Node  # the unresolved reference as written (Ref/GetAtt keeps the logical ID)
    apply: Callable[[Resource], None]
    offset: int
    what: str


@dataclass
class _Linker:
    stacks: list[_Stack] = field(default_factory=list)

    def link(self) -> None:
        for stack in self.stacks:
            for attachment in stack.attachments:
                target = self._find(attachment)
                if target is not None:
                    attachment.apply(target)

    def _find(self, attachment: _Attachment) -> Resource | None:
        stack = attachment.stack
        found = intrinsic(attachment.target)
        if found is not None and found[0] in ("Ref", "Fn::GetAtt"):
            arg = found[1]
            name = (
                arg.value
                if isinstance(arg, ScalarNode)
                else text_of(arg.items[0])
                if isinstance(arg, ArrayNode) and arg.items
                else None
            )
            if isinstance(name, str):
                logical_id = name.split(".", 1)[0]
                if logical_id in stack.objects.get(attachment.kind, {}):
                    return stack.objects[attachment.kind][logical_id]
                if logical_id in stack.template.resources:
                    if logical_id not in stack.skipped:
                        stack.late_warn(
                            f"{attachment.what} targets {logical_id}, which is not a mapped resource",
                            attachment.offset,
                        )
                    return None
        value = _link_text_value(text_of(stack.resolver.resolve(attachment.target)))
        if isinstance(value, str):  # a literal, or symbolic text the target also carries
            for other in self.stacks:
                for resource in other.objects.get(attachment.kind, {}).values():
                    if value in other.names_of(resource):
                        return resource
        shown = value if isinstance(value, str) else value.reason
        stack.late_warn(
            f"{attachment.what} targets {shown}, which is not declared in the templates checked; "
            "it is not folded into any resource",
            attachment.offset,
        )
        return None

    def publish(self, inventory: Inventory) -> None:
        for stack in self.stacks:
            for kind, objects in stack.objects.items():
                target: list[Any] = getattr(inventory, _INVENTORY_LISTS[kind])
                target.extend(objects.values())


_INVENTORY_LISTS = {
    "user": "users",
    "group": "groups",
    "policy": "policies",
    "trail": "trails",
    "bucket": "buckets",
    "queue": "queues",
    "security_group": "security_groups",
}


class _Stack:
    """One template: its resolver, the resources it maps and the attachments it declares."""

    def __init__(
        self, source: Source, root: ObjectNode, region: str | None, account_id: str | None, linker: _Linker
    ):
        self.source = source
        self.path = source.path
        self.template = Template(root)
        self.region = region
        self.account_id = account_id
        self.resolver = Resolver(
            self.template, region=region, account_id=account_id, ref_hook=self._ref, attr_hook=self._attr
        )
        self.partition = self.resolver.partition
        #: the partition as an ARN spells it: literal, else the pseudo-parameter a template would write
        self.partition_text = self.partition if isinstance(self.partition, str) else "${AWS::Partition}"
        self.linker = linker
        #: a template is one stack: its references mean one thing, its resources share one region
        self.symbol_scope = f"template {self.path}"
        self.region_scope = RegionScope(self.symbol_scope, STACK_REGION)
        self.problems: list[Any] = []
        self.late_problems: list[Any] = []
        self.objects: dict[str, dict[str, Resource]] = {}
        self.attachments: list[_Attachment] = []
        self.skipped: set[str] = set()
        self._names: dict[int, set[str]] = {}
        self._texts: Chains[tuple[str, str], Text | None] = Chains(
            self._resolve_property, lambda key: Unknown(f"{key[0]}.{key[1]} refers back to itself")
        )
        self._flushed = 0

    # -- findings --------------------------------------------------------------------------
    def warn(self, message: str, offset: int) -> None:
        line, col = self.source.position(offset)
        self.problems.append(problem(PARTIAL, message, self.path, line, col))

    def late_warn(self, message: str, offset: int) -> None:
        line, col = self.source.position(offset)
        self.late_problems.append(problem(PARTIAL, message, self.path, line, col))

    def origin(self, logical_id: str, offset: int) -> Origin:
        line, col = self.source.position(offset)
        return Origin(
            SOURCE,
            logical_id,
            self.path,
            line,
            col,
            self.region,
            symbol_scope=self.symbol_scope,
            region_scope=self.region_scope,
        )

    def names_of(self, resource: Any) -> set[str]:
        return self._names.get(id(resource), set())

    def _remember(self, resource: Any, *names: Maybe[str] | None) -> None:
        self._names.setdefault(id(resource), set()).update(n for n in names if isinstance(n, str))

    # -- resource Ref / GetAtt values --------------------------------------------------------
    def _property_text(self, logical_id: str, name: str) -> Text | None:
        """A property's resolved text (None when absent), once per property.

        Properties name each other (``!GetAtt Q1.QueueName``) in chains of any length and in
        cycles: :class:`Chains` follows them without deep recursion and answers a cycle with
        an unknown.
        """
        return self._texts.get((logical_id, name))

    def _resolve_property(self, key: tuple[str, str]) -> Text | None:
        properties = self.template.resources[key[0]].get("Properties")
        node = properties.get(key[1]) if isinstance(properties, ObjectNode) else None
        resolved = self.resolver.resolve(node) if node is not None else None
        return None if resolved is None else text_of(resolved)

    def _literal_name(self, logical_id: str, prop: str) -> str | None:
        value = self._property_text(logical_id, prop)
        return value if isinstance(value, str) else None

    def _name(self, logical_id: str, prop: str, fallback: str) -> Text:
        value = self._property_text(logical_id, prop)
        if value is None:
            return Symbolic(f"{logical_id} gets its name at deploy time", fallback)
        return value

    def _ref(self, logical_id: str) -> Text:
        kind = self.template.resource_type(logical_id)
        if kind == "AWS::S3::Bucket":
            return self._name(logical_id, "BucketName", f"${{{logical_id}}}")
        if kind in ("AWS::IAM::User", "AWS::IAM::Group", "AWS::CloudTrail::Trail"):
            prop = {"AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}.get(kind, "TrailName")
            return self._name(logical_id, prop, f"${{{logical_id}}}")
        if kind == "AWS::IAM::ManagedPolicy":
            return self._policy_arn(logical_id)
        if kind == "AWS::SQS::Queue":
            return self._queue_url(logical_id)
        return Resolver.default_ref(logical_id)

    def _attr(self, logical_id: str, attribute: str) -> Text:
        kind = self.template.resource_type(logical_id)
        default = Resolver.default_attr(logical_id, attribute)
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            name = self._ref(logical_id)
            text = name.text if isinstance(name, Symbolic) else name
            if isinstance(text, Unknown):
                return text
            arn = arns.bucket_arn(self.partition_text, text)
            if isinstance(arn, Unknown) or arns.is_literal(arn):
                return arn
            reason = name.reason if isinstance(name, Symbolic) else self._partition_reason()
            return Symbolic(reason, arn)
        if kind == "AWS::SQS::Queue":
            if attribute == "Arn":
                return self._queue_arn(logical_id)
            if attribute == "QueueName":
                return self._queue_name(logical_id)
            if attribute == "QueueUrl":
                return self._queue_url(logical_id)
        if kind in ("AWS::IAM::User", "AWS::IAM::Group") and attribute == "Arn":
            prop, word = ("UserName", "user") if kind == "AWS::IAM::User" else ("GroupName", "group")
            name_text, path = self._literal_name(logical_id, prop), self._literal_name(logical_id, "Path")
            arn = arns.iam_arn(self.partition, self.account_id, word, name_text, path)
            if arns.is_literal(arn):
                return arn
        if kind == "AWS::IAM::ManagedPolicy" and attribute == "PolicyArn":
            return self._policy_arn(logical_id)
        if kind == "AWS::CloudTrail::Trail" and attribute == "Arn":
            name_text = self._literal_name(logical_id, "TrailName")
            arn = arns.trail_arn(self.partition, self.region, self.account_id, name_text)
            if arns.is_literal(arn):
                return arn
        if kind == "AWS::EC2::SecurityGroup" and attribute == "GroupId":
            return Resolver.default_ref(logical_id)  # the same ID as !Ref
        return default

    def _queue_name(self, logical_id: str) -> Text:
        return self._name(logical_id, "QueueName", f"${{{logical_id}.QueueName}}")

    def _partition_reason(self) -> str:
        return self.partition.reason if isinstance(self.partition, Unknown) else ""

    def _queue_arn(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "QueueName")
        arn = arns.queue_arn(self.partition, self.region, self.account_id, name)
        return arn if arns.is_literal(arn) else Resolver.default_attr(logical_id, "Arn")

    def _queue_url(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "QueueName")
        url = arns.queue_url(self.partition, self.region, self.account_id, name)
        return url if arns.is_literal(url) else Resolver.default_ref(logical_id)

    def _policy_arn(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "ManagedPolicyName")
        path = self._literal_name(logical_id, "Path")
        arn = arns.iam_arn(self.partition, self.account_id, "policy", name, path)
        return arn if arns.is_literal(arn) else Resolver.default_ref(logical_id)

    # -- mapping -----------------------------------------------------------------------------
    def map_resources(self) -> None:
        self._check_transforms()
        resources = self.template.root.get("Resources")
        for key, node in resources.pairs if isinstance(resources, ObjectNode) else []:
            logical_id = str(key.value)
            if logical_id.startswith("Fn::ForEach"):
                self.warn(
                    f"{logical_id} (AWS::LanguageExtensions) is not expanded; its resources are not checked",
                    key.offset,
                )
                continue
            if not isinstance(node, ObjectNode):
                self.warn(f"resource {logical_id} is {node.described}, not a mapping", node.offset)
                continue
            kind = self.template.resource_type(logical_id)
            mapper = _MAPPERS.get(kind or "")
            if mapper is None:
                continue
            if not self._created(logical_id, node):
                self.skipped.add(logical_id)
                continue
            try:
                properties = _object(self.resolver.resolve(node.get("Properties")) or ObjectNode(node.offset))
                assert properties is not None
                mapper(self, logical_id, key.offset, properties)
            except _NotAnObject as exc:
                self.warn(f"{logical_id}: a property that must be a mapping is {exc}", node.offset)
            except (TypeError, ValueError, AttributeError) as exc:  # a shape no mapper expects
                self.warn(f"{logical_id} ({kind}) could not be read: {exc}", node.offset)
        self.flush_warnings(self.problems)

    def flush_warnings(self, into: list[Any]) -> None:
        """Move the resolver's new warnings into ``into`` as IN002 findings."""
        for message, offset in self.resolver.warnings[self._flushed :]:
            line, col = self.source.position(offset)
            into.append(problem(PARTIAL, message, self.path, line, col))
        self._flushed = len(self.resolver.warnings)

    def _check_transforms(self) -> None:
        transform = self.template.root.get("Transform")
        if transform is None:
            return
        items = _items(transform) if not isinstance(transform, ObjectNode) else []
        names = [text_of(item) for item in items] if isinstance(items, list) else []
        for name in names:
            if isinstance(name, str) and name in ("AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"):
                continue
            shown = name if isinstance(name, str) else "a computed transform"
            self.warn(
                f"Transform {shown} is not expanded; resources it adds are not checked", transform.offset
            )
        if isinstance(transform, ObjectNode):
            self.warn(
                "a Transform macro is not expanded; resources it adds are not checked", transform.offset
            )

    def _created(self, logical_id: str, node: ObjectNode) -> bool:
        condition = node.get("Condition")
        if condition is None:
            return True
        if not isinstance(condition, ScalarNode):
            self.warn(f"{logical_id}: Condition must be a condition name", condition.offset)
            return True
        decided = self.resolver.decide(
            str(condition.value), condition.offset, f"{logical_id} is checked as if it were created"
        )
        return decided if isinstance(decided, bool) else True

    def add(self, kind: str, logical_id: str, resource: Resource, *names: Maybe[str] | None) -> None:
        self.objects.setdefault(kind, {})[logical_id] = resource
        self._remember(resource, *names)

    def attach(self, kind: str, target: Node, apply: Callable[[Any], None], what: str) -> None:
        self.attachments.append(_Attachment(kind, self, target, apply, target.offset, what))

    def raw_property(self, logical_id: str, name: str) -> Node | None:
        """A property as written (before intrinsics), to keep the logical ID of a Ref target."""
        properties = self.template.resources[logical_id].get("Properties")
        return properties.get(name) if isinstance(properties, ObjectNode) else None

    def raw_targets(self, logical_id: str, name: str, resolved: Node | None) -> list[Node]:
        """Items of a list of references; written items where the list itself is literal."""
        raw = self.raw_property(logical_id, name)
        if isinstance(raw, ArrayNode) and intrinsic(raw) is None:
            return [item for item in raw.items if self.resolver.resolve(item) is not None]
        items = _items(resolved)
        return [] if isinstance(items, Unknown) else items

    def attr_origin(
        self, resource: Resource, attribute: str, node: Node | None, address: str | None = None
    ) -> None:
        if node is not None:
            resource.attribute_origins[attribute] = self.origin(
                address or resource.origin.address, node.offset
            )

    def prop_origin(self, resource: Resource, attribute: str, props: ObjectNode, prop: str) -> None:
        """Point ``attribute`` at the key of property ``prop`` as written (not at a parameter default)."""
        self.attr_origin(resource, attribute, self.property_key(resource.origin.address, prop))

    def property_key(self, logical_id: str, prop: str) -> Node | None:
        properties = self.template.resources[logical_id].get("Properties")
        pair = properties.get_pair(prop) if isinstance(properties, ObjectNode) else None
        return pair[0] if pair is not None else None

    def stack_region(self) -> Maybe[str]:
        return self.region if self.region is not None else Unknown(REGION_UNKNOWN)


# -- mappers (one per resource type) ------------------------------------------------------------
Mapper = Callable[[_Stack, str, int, ObjectNode], None]


def _map_user(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _given(_link_text(props.get("UserName")), Resolver.default_ref(logical_id).text)
    login = props.get("LoginProfile")
    user = IamUser(
        stack.origin(logical_id, offset),
        name=name,
        arn=_link_text_value(stack._attr(logical_id, "Arn")),
        has_login_profile=Unknown(f"LoginProfile: {login.unknown.reason}")
        if isinstance(login, UnknownNode)
        else login is not None,
        access_keys=[],
        attached_policies=[],
        inline_policies=[],
        groups=[],
        permissions_boundary=_link_text(props.get("PermissionsBoundary")),
        mfa_enabled=Unknown("MFA devices of a planned user are not known from the template"),
        password_last_used=Unknown("sign-ins of a planned user are not known from the template"),
    )
    for attribute, prop in (
        ("name", "UserName"),
        ("has_login_profile", "LoginProfile"),
        ("attached_policies", "ManagedPolicyArns"),
        ("inline_policies", "Policies"),
        ("groups", "Groups"),
        ("permissions_boundary", "PermissionsBoundary"),
    ):
        stack.prop_origin(user, attribute, props, prop)
    _fill_principal(stack, user, props)
    groups = _items(props.get("Groups"))
    user.groups = groups if isinstance(groups, Unknown) else [_link_name(item) for item in groups]
    stack.add("user", logical_id, user, name, user.arn if isinstance(user.arn, str) else None)


def _link_text_value(value: Text) -> Maybe[str]:
    return value.text if isinstance(value, Symbolic) else value


def _link_name(node: Node | None) -> str:
    value = _link_text(node)
    return value if isinstance(value, str) else f"(unknown: {value.reason if value else 'absent'})"


def _fill_principal(stack: _Stack, principal: IamUser | IamGroup, props: ObjectNode) -> None:
    """Inline ``Policies`` and ``ManagedPolicyArns`` of a user or group."""
    policies = _items(props.get("Policies"))
    if isinstance(policies, Unknown):
        principal.inline_policies = policies
    else:
        inline: list[PolicyRef] = []
        for item in policies:
            entry = item if isinstance(item, ObjectNode) else ObjectNode(item.offset)
            inline.append(
                PolicyRef(
                    name=_link_name(entry.get("PolicyName")) if entry.get("PolicyName") else "(unnamed)",
                    document=_required_document(entry.get("PolicyDocument")),
                    inline=True,
                )
            )
        principal.inline_policies = inline
    managed = _items(props.get("ManagedPolicyArns"))
    if isinstance(managed, Unknown):
        principal.attached_policies = managed
        return
    raw = stack.raw_targets(principal.origin.address, "ManagedPolicyArns", props.get("ManagedPolicyArns"))
    for written, resolved in zip(raw, managed, strict=False):
        _attach_managed(stack, principal, written, resolved)


def _attach_managed(stack: _Stack, principal: IamUser | IamGroup, written: Node, resolved: Node) -> None:
    arn = _link_text(resolved)
    if isinstance(arn, str):
        managed = arns.aws_managed_policy(arn)
        if managed is not None:
            _append(principal, "attached_policies", PolicyRef(name=managed.name, arn=arn, document=None))
            return
    placeholder = PolicyRef(
        name=arn if isinstance(arn, str) else "(unknown)",
        arn=arn,
        document=Unknown("a customer managed policy not declared in the templates checked"),
    )
    _append(principal, "attached_policies", placeholder)

    def resolve_to(policy: Resource) -> None:
        assert isinstance(policy, IamPolicy)
        placeholder.name = policy.name if isinstance(policy.name, str) else placeholder.name
        placeholder.arn = policy.arn
        placeholder.document = policy.document

    found = intrinsic(written)
    if (found is not None and found[0] == "Ref") or (isinstance(arn, str) and ":policy/" in arn):
        stack.attachments.append(
            _Attachment(
                "policy",
                stack,
                written,
                resolve_to,
                written.offset,
                f"{principal.origin.address}.ManagedPolicyArns",
            )
        )


def _append(principal: Any, attribute: str, value: Any) -> None:
    current = getattr(principal, attribute)
    if isinstance(current, list) and value not in current:
        current.append(value)


def _map_group(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _given(_link_text(props.get("GroupName")), Resolver.default_ref(logical_id).text)
    group = IamGroup(stack.origin(logical_id, offset), name=name, attached_policies=[], inline_policies=[])
    stack.prop_origin(group, "attached_policies", props, "ManagedPolicyArns")
    stack.prop_origin(group, "inline_policies", props, "Policies")
    _fill_principal(stack, group, props)
    stack.add("group", logical_id, group, name)


def _map_user_to_group(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    group = _link_text(props.get("GroupName"))
    if group is None:
        stack.warn(f"{logical_id}: AWS::IAM::UserToGroupAddition without GroupName", offset)
        return
    for target in stack.raw_targets(logical_id, "Users", props.get("Users")):
        stack.attach("user", target, partial(_append_group, group=group), f"{logical_id}.Users")


def _append_group(user: Any, group: Maybe[str]) -> None:
    if isinstance(group, Unknown):
        user.groups = Unknown(f"group membership: {group.reason}")
    else:
        _append(user, "groups", group)


def _map_access_key(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    status_node = props.get("Status")
    status = _literal_text(status_node, "access key Status") if status_node is not None else "Active"
    key = AccessKey(
        key_id_suffix="",
        status=status if status is not None else "Active",
        created=Unknown(f"{logical_id} is created when the stack is deployed"),
        last_used=Unknown(f"{logical_id} is created when the stack is deployed; its use is not known"),
    )
    target = stack.raw_property(logical_id, "UserName")
    if target is None:
        stack.warn(f"{logical_id}: AWS::IAM::AccessKey without UserName", offset)
        return
    stack.attach(
        "user", target, partial(_append, attribute="access_keys", value=key), f"{logical_id}.UserName"
    )


def _map_managed_policy(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _given(_link_text(props.get("ManagedPolicyName")), Resolver.default_ref(logical_id).text)
    arn = _link_text_value(stack._policy_arn(logical_id))
    document = _required_document(props.get("PolicyDocument"))
    policy = IamPolicy(stack.origin(logical_id, offset), name=name, arn=arn, document=document)
    stack.prop_origin(policy, "document", props, "PolicyDocument")
    stack.add("policy", logical_id, policy, name, arn)
    ref = PolicyRef(name=name if isinstance(name, str) else logical_id, arn=arn, document=document)
    for prop, kind in (("Users", "user"), ("Groups", "group")):
        for target in stack.raw_targets(logical_id, prop, props.get(prop)):
            stack.attach(
                kind,
                target,
                partial(_append, attribute="attached_policies", value=ref),
                f"{logical_id}.{prop}",
            )


def _map_inline_policy(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    ref = PolicyRef(
        name=_link_name(props.get("PolicyName")) if props.get("PolicyName") else logical_id,
        document=_required_document(props.get("PolicyDocument")),
        inline=True,
    )
    for prop, kind in (("Users", "user"), ("Groups", "group")):
        for target in stack.raw_targets(logical_id, prop, props.get(prop)):
            stack.attach(
                kind, target, partial(_append, attribute="inline_policies", value=ref), f"{logical_id}.{prop}"
            )


def _map_trail(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _given(_link_text(props.get("TrailName")), Resolver.default_ref(logical_id).text)
    prefix = _link_text(props.get("S3KeyPrefix"))
    kms = _link_text(props.get("KMSKeyId"))
    logging = props.get("IsLogging")
    trail = Trail(
        stack.origin(logical_id, offset),
        name=name,
        arn=_link_text_value(stack._attr(logical_id, "Arn")),
        home_region=stack.stack_region(),
        multi_region=_bool(props.get("IsMultiRegionTrail"), False, "IsMultiRegionTrail"),
        logging=_bool(logging, Unknown("IsLogging is required by CloudFormation but missing"), "IsLogging"),
        bucket=_given(_link_text(props.get("S3BucketName")), Unknown("S3BucketName is missing")),
        s3_key_prefix=_given(prefix, None),
        kms_key_id=_given(kms, None),
        log_file_validation=_bool(props.get("EnableLogFileValidation"), False, "EnableLogFileValidation"),
        include_global_events=_bool(
            props.get("IncludeGlobalServiceEvents"), True, "IncludeGlobalServiceEvents"
        ),
        events=summarize(event_selectors(props.get("EventSelectors"), props.get("AdvancedEventSelectors"))),
    )
    for attribute, prop in (
        ("name", "TrailName"),
        ("multi_region", "IsMultiRegionTrail"),
        ("logging", "IsLogging"),
        ("bucket", "S3BucketName"),
        ("s3_key_prefix", "S3KeyPrefix"),
        ("kms_key_id", "KMSKeyId"),
        ("log_file_validation", "EnableLogFileValidation"),
        ("include_global_events", "IncludeGlobalServiceEvents"),
        ("events", "EventSelectors"),
        ("events", "AdvancedEventSelectors"),
    ):
        stack.prop_origin(trail, attribute, props, prop)
    stack.add("trail", logical_id, trail, name)


def event_selectors(basic: Node | None, advanced: Node | None) -> EventSelectors:
    """``EventSelectors`` and ``AdvancedEventSelectors`` in the inventory's terms
    (inventory.cloudtrail.summarize judges them)."""
    basic_items, advanced_items = _items(basic), _items(advanced)
    return EventSelectors(
        Unknown(f"EventSelectors: {basic_items.reason}")
        if isinstance(basic_items, Unknown)
        else tuple(map(_basic_selector, basic_items)),
        Unknown(f"AdvancedEventSelectors: {advanced_items.reason}")
        if isinstance(advanced_items, Unknown)
        else tuple(map(_advanced_selector, advanced_items)),
    )


def _basic_selector(item: Node) -> BasicSelector:
    if not isinstance(item, ObjectNode):
        return BasicSelector(Unknown(f"an event selector is {item.described}"))
    return BasicSelector(
        _bool(item.get("IncludeManagementEvents"), True, "IncludeManagementEvents"),
        _given(_literal_text(item.get("ReadWriteType"), "ReadWriteType"), "All"),
        _texts(item.get("ExcludeManagementEventSources"), "ExcludeManagementEventSources"),
    )


def _advanced_selector(item: Node) -> AdvancedSelector:
    if not isinstance(item, ObjectNode):
        return AdvancedSelector(Unknown(f"an advanced event selector is {item.described}"))
    fields = _items(item.get("FieldSelectors"))
    if isinstance(fields, Unknown):
        return AdvancedSelector(Unknown(f"FieldSelectors: {fields.reason}"))
    selectors = []
    for field_item in fields:
        if not isinstance(field_item, ObjectNode):
            selectors.append(FieldSelector(Unknown(f"a field selector is {field_item.described}")))
            continue
        name = _literal_text(field_item.get("Field"), "Field")
        values = {op: _texts(field_item.get(key), key) for key, op in API_OPERATORS.items()}
        selectors.append(
            FieldSelector(Unknown("a field selector has no Field") if name is None else name, **values)
        )
    return AdvancedSelector(tuple(selectors))


def _texts(node: Node | None, what: str) -> Maybe[tuple[str, ...]]:
    """A list of literal strings (selector values); one unknown item makes the list Unknown."""
    items = _items(node)
    if isinstance(items, Unknown):
        return Unknown(f"{what}: {items.reason}")
    out: list[str] = []
    for item in items:
        text = _literal_text(item, what)
        if isinstance(text, Unknown):
            return text
        if text is not None:
            out.append(text)
    return tuple(out)


def _map_bucket(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _given(_link_text(props.get("BucketName")), Resolver.default_ref(logical_id).text)
    bucket = Bucket(
        stack.origin(logical_id, offset),
        name=name,
        region=stack.stack_region(),
        owner_account=stack.account_id or Unknown("the stack's account is not known; pass --account-id"),
    )
    _bucket_encryption(bucket, _object(props.get("BucketEncryption")))
    notification = _object(props.get("NotificationConfiguration"))
    if notification is not None:
        _bucket_notifications(stack, bucket, notification)
    block = props.get("PublicAccessBlockConfiguration")
    if isinstance(block, ObjectNode):
        flags: dict[str, bool] = {}
        for key in _PUBLIC_ACCESS_KEYS:
            value = _bool(block.get(key), False, key)
            if isinstance(value, Unknown):
                bucket.public_access_block = value
                break
            flags[key] = value
        else:
            bucket.public_access_block = flags
    elif isinstance(block, UnknownNode):
        bucket.public_access_block = Unknown(f"PublicAccessBlockConfiguration: {block.unknown.reason}")
    for attribute, prop in (
        ("name", "BucketName"),
        ("encryption", "BucketEncryption"),
        ("notifications", "NotificationConfiguration"),
        ("public_access_block", "PublicAccessBlockConfiguration"),
    ):
        stack.prop_origin(bucket, attribute, props, prop)
    bucket.arn = _link_text_value(stack._attr(logical_id, "Arn"))
    stack.add("bucket", logical_id, bucket, name, bucket.arn if isinstance(bucket.arn, str) else None)


def _bucket_encryption(bucket: Bucket, encryption: ObjectNode | None) -> None:
    if encryption is None:
        return  # no configuration: SSE-S3, the default since 2023 (AWS-S3-DEFAULT-SSE)
    rules = _items(encryption.get("ServerSideEncryptionConfiguration"))
    if isinstance(rules, Unknown):
        bucket.encryption = Unknown(f"ServerSideEncryptionConfiguration: {rules.reason}")
        return
    for rule in rules:
        default = _object(rule.get("ServerSideEncryptionByDefault")) if isinstance(rule, ObjectNode) else None
        if default is None:
            continue
        algorithm = _literal_text(default.get("SSEAlgorithm"), "SSEAlgorithm")
        bucket.encryption = algorithm if algorithm is not None else Unknown("SSEAlgorithm is missing")
        bucket.kms_key_id = _link_text(default.get("KMSMasterKeyID"))


def _bucket_notifications(stack: _Stack, bucket: Bucket, notification: ObjectNode) -> None:
    eventbridge = _object(notification.get("EventBridgeConfiguration"))
    if eventbridge is not None:
        bucket.eventbridge = _bool(eventbridge.get("EventBridgeEnabled"), True, "EventBridgeEnabled")
        stack.attr_origin(bucket, "eventbridge", eventbridge)
    configurations = _items(notification.get("QueueConfigurations"))
    if isinstance(configurations, Unknown):
        bucket.notifications = Unknown(f"QueueConfigurations: {configurations.reason}")
        return
    entries: list[QueueNotification] = []
    for entry in configurations:
        if not isinstance(entry, ObjectNode):
            bucket.notifications = Unknown(f"a queue configuration is {entry.described}")
            return
        event = _literal_text(entry.get("Event"), "Event")
        prefix: Maybe[str | None] = None
        suffix: Maybe[str | None] = None
        rules = _items(_s3_key_rules(entry))
        if isinstance(rules, Unknown):
            prefix = suffix = Unknown(f"Filter: {rules.reason}")
        else:
            for rule in rules:
                rule_name = (
                    _literal_text(rule.get("Name"), "Filter rule Name")
                    if isinstance(rule, ObjectNode)
                    else None
                )
                value = _link_text(rule.get("Value")) if isinstance(rule, ObjectNode) else None
                if isinstance(rule_name, str) and rule_name.lower() == "prefix":
                    prefix = value
                elif isinstance(rule_name, str) and rule_name.lower() == "suffix":
                    suffix = value
        entries.append(
            QueueNotification(
                queue_arn=_given(_link_text(entry.get("Queue")), Unknown("Queue is missing")),
                events=Unknown(event.reason) if isinstance(event, Unknown) else (event,) if event else (),
                prefix=prefix,
                suffix=suffix,
                origin=stack.origin(bucket.origin.address, entry.offset),
            )
        )
    bucket.notifications = entries


def _s3_key_rules(entry: ObjectNode) -> Node | None:
    filter_node = entry.get("Filter")
    key = filter_node.get("S3Key") if isinstance(filter_node, ObjectNode) else None
    return key.get("Rules") if isinstance(key, ObjectNode) else None


def _map_bucket_policy(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    document = _required_document(props.get("PolicyDocument"))
    target = stack.raw_property(logical_id, "Bucket")
    if target is None:
        stack.warn(f"{logical_id}: AWS::S3::BucketPolicy without Bucket", offset)
        return

    def fold(bucket: Resource) -> None:
        assert isinstance(bucket, Bucket)
        bucket.policy = document
        stack.attr_origin(bucket, "policy", stack.property_key(logical_id, "PolicyDocument"), logical_id)

    stack.attach("bucket", target, fold, f"{logical_id}.Bucket")


def _map_queue(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    name = _link_text_value(stack._queue_name(logical_id))
    kms = _link_text(props.get("KmsMasterKeyId"))
    sse = props.get("SqsManagedSseEnabled")
    queue = Queue(
        stack.origin(logical_id, offset),
        name=name,
        arn=_link_text_value(stack._queue_arn(logical_id)),
        region=stack.stack_region(),
        fifo=_bool(props.get("FifoQueue"), False, "FifoQueue"),
        kms_key_id=_given(kms, None),
        # SQS encrypts new queues with SSE-SQS unless a KMS key is given or it is turned off.
        sqs_managed_sse=_bool(sse, kms is None, "SqsManagedSseEnabled"),
    )
    for attribute, prop in (
        ("name", "QueueName"),
        ("fifo", "FifoQueue"),
        ("kms_key_id", "KmsMasterKeyId"),
        ("sqs_managed_sse", "SqsManagedSseEnabled"),
    ):
        stack.prop_origin(queue, attribute, props, prop)
    url = stack._queue_url(logical_id)
    stack.add(
        "queue",
        logical_id,
        queue,
        name,
        queue.arn if isinstance(queue.arn, str) else None,
        url if isinstance(url, str) else None,
    )


def _map_queue_policy(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    document = _required_document(props.get("PolicyDocument"))

    def fold(queue: Resource) -> None:
        assert isinstance(queue, Queue)
        queue.policy = document
        stack.attr_origin(queue, "policy", stack.property_key(logical_id, "PolicyDocument"), logical_id)

    targets = stack.raw_targets(logical_id, "Queues", props.get("Queues"))
    if not targets:
        stack.warn(f"{logical_id}: AWS::SQS::QueuePolicy without Queues", offset)
    for target in targets:
        stack.attach("queue", target, fold, f"{logical_id}.Queues")


def _map_security_group(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    group = SecurityGroup(
        stack.origin(logical_id, offset),
        group_id=Resolver.default_ref(logical_id).text,
        name=_link_text(props.get("GroupName")),
        region=stack.stack_region(),
        vpc_id=_link_text(props.get("VpcId")),
    )
    rules = _items(props.get("SecurityGroupIngress"))
    group.ingress = rules if isinstance(rules, Unknown) else []
    stack.prop_origin(group, "ingress", props, "SecurityGroupIngress")
    stack.add("security_group", logical_id, group, group.name if isinstance(group.name, str) else None)
    if not isinstance(rules, Unknown):
        for rule in rules:
            _add_ingress(stack, group, rule)


def _add_ingress(stack: _Stack, group: Any, rule: Node) -> None:
    if isinstance(group.ingress, Unknown):
        return
    parsed = _ingress_rule(stack, rule)
    if isinstance(parsed, Unknown):
        group.ingress = parsed
    else:
        group.ingress.append(parsed)


def _ingress_rule(stack: _Stack, rule: Node) -> IngressRule | Unknown:
    if not isinstance(rule, ObjectNode):
        return Unknown(f"an ingress rule is {rule.described}")
    protocol = _literal_text(rule.get("IpProtocol"), "IpProtocol")
    if isinstance(protocol, Unknown):
        return protocol
    protocol = _PROTOCOLS.get((protocol or "-1").lower(), (protocol or "-1").lower())
    ports: list[int | None] = []
    for key in ("FromPort", "ToPort"):
        value = _literal_text(rule.get(key), key)
        if isinstance(value, Unknown):
            return value
        ports.append(as_int(value) if value is not None else None)
    if protocol == "-1":
        ports = [None, None]
    ranges: list[tuple[str, ...]] = []
    for key in ("CidrIp", "CidrIpv6"):
        value = _literal_text(rule.get(key), key)
        if isinstance(value, Unknown):
            return value
        ranges.append((value,) if value else ())
    return IngressRule(protocol, ports[0], ports[1], ranges[0], ranges[1], stack.origin("", rule.offset))


def _map_ingress(stack: _Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    target = stack.raw_property(logical_id, "GroupId") or stack.raw_property(logical_id, "GroupName")
    if target is None:
        stack.warn(f"{logical_id}: AWS::EC2::SecurityGroupIngress without GroupId or GroupName", offset)
        return
    stack.attach(
        "security_group", target, lambda group: _add_ingress(stack, group, props), f"{logical_id}.GroupId"
    )


_MAPPERS: dict[str, Mapper] = {
    "AWS::IAM::User": _map_user,
    "AWS::IAM::Group": _map_group,
    "AWS::IAM::UserToGroupAddition": _map_user_to_group,
    "AWS::IAM::AccessKey": _map_access_key,
    "AWS::IAM::ManagedPolicy": _map_managed_policy,
    "AWS::IAM::Policy": _map_inline_policy,
    "AWS::CloudTrail::Trail": _map_trail,
    "AWS::S3::Bucket": _map_bucket,
    "AWS::S3::BucketPolicy": _map_bucket_policy,
    "AWS::SQS::Queue": _map_queue,
    "AWS::SQS::QueuePolicy": _map_queue_policy,
    "AWS::EC2::SecurityGroup": _map_security_group,
    "AWS::EC2::SecurityGroupIngress": _map_ingress,
}
