"""One CloudFormation template being mapped: the resources it adds, where each was written, and the
attachments it declares for :mod:`cfn_link` to fold in later.

Mappers (``cfn_map_*``) write through this object, so every resource gets its origin, every
warning its line and every attachment its stack the same way. The mapping loop also decides
which resources exist at all (their ``Condition``) and says which transforms are not expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from policy_lint.inventory.model import Maybe, Origin, RegionScope, Resource, Unknown
from policy_lint.sources.cloudformation.intrinsics import (
    REGION_UNKNOWN,
    ParameterValue,
    Template,
    intrinsic,
    text_of,
)
from policy_lint.sources.cloudformation.symbols import Symbols
from policy_lint.sources.cloudformation.values import NotAnObject, list_items, mapping
from policy_lint.sources.problems import PARTIAL, problem
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source

SOURCE = "cloudformation"
#: how a message says two resources of one template share a region (:class:`RegionScope`)
STACK_REGION = "in the same CloudFormation template, so in the stack's region"


@dataclass
class Attachment:
    """Something to fold into a target resource once every template has been read."""

    kind: str  # user | group | queue | bucket | security_group
    stack: Stack
    target: Node  # the unresolved reference as written (Ref/GetAtt keeps the logical ID)
    apply: Callable[[Resource], None]
    offset: int
    what: str


class Stack:
    """One template: its resolver, the resources it maps and the attachments it declares."""

    def __init__(
        self,
        source: Source,
        root: ObjectNode,
        region: str | None,
        account_id: str | None,
        parameters: Mapping[str, ParameterValue] | None = None,
    ):
        self.source = source
        self.path = source.path
        self.region = region
        self.account_id = account_id
        self.symbols = Symbols(Template(root), region, account_id, parameters)
        self.template = self.symbols.template
        self.resolver = self.symbols.resolver
        #: a template is one stack: its references mean one thing, its resources share one region
        self.symbol_scope = f"template {self.path}"
        self.region_scope = RegionScope(self.symbol_scope, STACK_REGION)
        #: qualifies logical IDs when several templates are checked (:mod:`policy_lint.sources.configurations`)
        self.label: str | None = None
        self.problems: list[Any] = []
        self.late_problems: list[Any] = []
        self.objects: dict[str, dict[str, Resource]] = {}
        self.attachments: list[Attachment] = []
        self.skipped: set[str] = set()
        self._names: dict[int, set[str]] = {}
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
            root=self.label,
        )

    def names_of(self, resource: Any) -> set[str]:
        return self._names.get(id(resource), set())

    def _remember(self, resource: Any, *names: Maybe[str] | None) -> None:
        self._names.setdefault(id(resource), set()).update(n for n in names if isinstance(n, str))

    # -- mapping -----------------------------------------------------------------------------
    def map_resources(self, mappers: Mapping[str, Mapper]) -> None:
        """Map every resource whose type has a mapper in ``mappers``; warn about what is not read."""
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
            mapper = mappers.get(kind or "")
            if mapper is None:
                continue
            if not self._created(logical_id, node):
                self.skipped.add(logical_id)
                continue
            try:
                properties = mapping(self.resolver.resolve(node.get("Properties")) or ObjectNode(node.offset))
                assert properties is not None
                mapper(self, logical_id, key.offset, properties)
            except NotAnObject as exc:
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
        items = list_items(transform) if not isinstance(transform, ObjectNode) else []
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
        self.attachments.append(Attachment(kind, self, target, apply, target.offset, what))

    def raw_property(self, logical_id: str, name: str) -> Node | None:
        """A property as written (before intrinsics), to keep the logical ID of a Ref target."""
        properties = self.template.resources[logical_id].get("Properties")
        return properties.get(name) if isinstance(properties, ObjectNode) else None

    def raw_targets(self, logical_id: str, name: str, resolved: Node | None) -> list[Node]:
        """Items of a list of references; written items where the list itself is literal."""
        raw = self.raw_property(logical_id, name)
        if isinstance(raw, ArrayNode) and intrinsic(raw) is None:
            return [item for item in raw.items if self.resolver.resolve(item) is not None]
        items = list_items(resolved)
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


#: reads one resource's resolved properties into the stack: ``(stack, logical ID, offset, properties)``
Mapper = Callable[[Stack, str, int, ObjectNode], None]
