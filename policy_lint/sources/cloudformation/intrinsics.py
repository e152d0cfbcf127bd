"""CloudFormation intrinsic functions, conditions and pseudo parameters, evaluated over located nodes.

The evaluator works on the position-keeping :mod:`policy_lint.syntax.nodes` tree and returns a
tree of the same kind, so a value picked by ``Fn::If`` or ``Fn::FindInMap`` keeps the line:col
it was written at and a computed value (``Fn::Sub``, ``Fn::Join``) points at its function.

What cannot be known before deployment becomes an :class:`UnknownNode`:

* :class:`Symbolic` unknowns can still be *named*: ``!Ref AWS::Region`` without a region is
  ``${AWS::Region}``, and so ``AWS::Partition`` and ``AWS::URLSuffix`` (which the region
  decides) are ``${AWS::Partition}`` and ``${AWS::URLSuffix}``; ``!GetAtt LogQueue.Arn`` is
  ``${LogQueue.Arn}``, a parameter without a
  default is ``${Name}``. Sources store that text where rules link resources by equality
  (names, ARNs, policy documents) and an :class:`Unknown` where a literal is needed (booleans).
* plain :class:`Unknown` values cannot even be named (``Fn::ImportValue``, an undecidable
  ``Fn::If``); an unsupported intrinsic or undecidable condition is also reported as a warning.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Unknown
from policy_lint.sources.cloudformation.chains import Chains
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, walk
from policy_lint.syntax.numbers import as_int

REGION_UNKNOWN = "a CloudFormation template has no region of its own; pass --region or set audit_log.region in onboarding.yaml"
ACCOUNT_UNKNOWN = "the stack's account is not known; pass --account-id or set account_id in onboarding.yaml"

#: a ``${Name}`` of Fn::Sub
SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_PARAMETER = re.compile(r"^(CommaDelimitedList|List<.*>)$")


@dataclass(frozen=True)
class Symbolic(Unknown):
    """An unknown value that can still be written down as ``${expression}`` text."""

    text: str = ""


@dataclass(frozen=True)
class OtherValue(Symbolic):
    """A parameter set, in one scenario, to a value unlike every literal the template compares it
    with: ``Fn::Equals`` against those literals is false, and its value stays ``${Name}``."""

    parameter: str = ""
    unlike: str = ""  # the literals it differs from, as a message shows them: ``''``


#: a parameter's value in one scenario: a literal (a list parameter's items joined by commas), or
#: a value other than every literal it is compared with
ParameterValue = str | OtherValue


class UnknownNode(Node):
    """A value of the template that is not known before deployment."""

    __slots__ = ("unknown",)

    def __init__(self, unknown: Unknown, offset: int):
        super().__init__(offset)
        self.unknown = unknown

    def to_python(self) -> Unknown:
        return self.unknown

    @property
    def type_name(self) -> str:
        return "unknown value"

    def __repr__(self) -> str:
        return f"UnknownNode({self.unknown!r}@{self.offset})"


Text = str | Unknown
RefHook = Callable[[str], Text]
AttrHook = Callable[[str, str], Text]


def intrinsic(node: Node) -> tuple[str, Node] | None:
    """``(function name, argument)`` when ``node`` is an intrinsic (long form or YAML short tag)."""
    tag = node.tag
    if tag is not None and tag.startswith("!"):
        name = tag[1:]
        full = name if name in ("Ref", "Condition") else f"Fn::{name}"
        if isinstance(node, ScalarNode):
            return full, ScalarNode(node.value, node.offset)
        if isinstance(node, ArrayNode):
            return full, ArrayNode(node.offset, node.items)
        if isinstance(node, ObjectNode):
            return full, ObjectNode(node.offset, node.pairs)
    if isinstance(node, ObjectNode) and len(node.pairs) == 1:
        key = node.pairs[0][0].value
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return key, node.pairs[0][1]
    return None


def concat(parts: Sequence[Text]) -> Text:
    """Join string parts; a symbolic part keeps the result symbolic, an unnamed unknown wins."""
    texts: list[str] = []
    first_symbol: Symbolic | None = None
    for part in parts:
        if isinstance(part, Symbolic):
            if first_symbol is None:
                first_symbol = part
            texts.append(part.text)
        elif isinstance(part, Unknown):
            return part
        else:
            texts.append(part)
    joined = "".join(texts)
    return Symbolic(first_symbol.reason, joined) if first_symbol is not None else joined


def scalar_text(value: object) -> str:
    """How CloudFormation spells a scalar when it needs a string (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def text_of(node: Node | None) -> Text:
    """The string a resolved node stands for, or why it has none."""
    if isinstance(node, UnknownNode):
        return node.unknown
    if isinstance(node, ScalarNode) and node.value is not None:
        return scalar_text(node.value)
    if node is None:
        return Unknown("the value was removed with AWS::NoValue")
    return Unknown(f"{node.described} where a string is expected")


def _scalar_or_text(node: Node) -> str:
    return scalar_text(node.value) if isinstance(node, ScalarNode) else json.dumps(node.to_python())


class Template:
    """The sections of one template that intrinsics read: parameters, mappings, conditions, resources."""

    def __init__(self, root: ObjectNode):
        self.root = root
        self.parameters = _section(root, "Parameters")
        self.mappings = _section(root, "Mappings")
        self.conditions: dict[str, Node] = {
            str(key.value): value for key, value in _pairs(root.get("Conditions"))
        }
        self.resources = _section(root, "Resources")

    def resource_type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        if resource is None:
            return None
        type_node = resource.get("Type")
        return (
            type_node.value
            if isinstance(type_node, ScalarNode) and isinstance(type_node.value, str)
            else None
        )


def _pairs(node: Node | None) -> list[tuple[ScalarNode, Node]]:
    return node.pairs if isinstance(node, ObjectNode) else []


def _section(root: ObjectNode, name: str) -> dict[str, ObjectNode]:
    return {str(key.value): value for key, value in _pairs(root.get(name)) if isinstance(value, ObjectNode)}


class Resolver:
    """Evaluates intrinsics of one template; collects warnings (message, offset) for IN002."""

    def __init__(
        self,
        template: Template,
        *,
        region: str | None = None,
        account_id: str | None = None,
        ref_hook: RefHook | None = None,
        attr_hook: AttrHook | None = None,
        parameters: Mapping[str, ParameterValue] | None = None,
    ):
        self.template = template
        #: values that replace parameter defaults (a scenario, or values pinned by --parameters)
        self.parameters = dict(parameters or {})
        self.region = region
        self.account_id = account_id
        #: ``AWS::Partition``: decided by the stack's region, not known without one
        self.partition = arn_builder.partition_of(region)
        self.ref_hook = ref_hook
        self.attr_hook = attr_hook
        self.warnings: list[tuple[str, int]] = []
        self._warned: set[str] = set()
        self._conditions: Chains[str, bool | Unknown] = Chains(
            self._condition_value, lambda name: Unknown(f"condition {name!r} refers to itself")
        )

    # -- reporting ------------------------------------------------------------------------------
    def warn(self, message: str, offset: int, key: str | None = None) -> None:
        """Record an IN002 warning once per ``key`` (default: the message)."""
        key = key or message
        if key not in self._warned:
            self._warned.add(key)
            self.warnings.append((message, offset))

    def _unknown(self, reason: str, offset: int, warn: bool = False) -> UnknownNode:
        if warn:
            self.warn(reason, offset)
        return UnknownNode(Unknown(reason), offset)

    # -- values ---------------------------------------------------------------------------------
    def resolve(self, node: Node | None) -> Node | None:
        """The node with every intrinsic evaluated; ``None`` where ``AWS::NoValue`` removed it."""
        if node is None:
            return None
        found = intrinsic(node)
        if found is not None:
            return self._call(found[0], found[1], node.offset)
        if isinstance(node, ObjectNode):
            out = ObjectNode(node.offset)
            for key, value in node.pairs:
                resolved = self.resolve(value)
                if resolved is not None:
                    out.pairs.append((key, resolved))
            return out
        if isinstance(node, ArrayNode):
            items = [self.resolve(item) for item in node.items]
            return ArrayNode(node.offset, [item for item in items if item is not None])
        if node.tag is not None:
            return self._unknown(f"unsupported YAML tag {node.tag}", node.offset, warn=True)
        if isinstance(node, ScalarNode) and isinstance(node.value, str) and "{{resolve:" in node.value:
            return UnknownNode(
                Unknown(f"dynamic reference {node.value!r} is resolved at deploy time"), node.offset
            )
        return node

    def mapping_value(self, node: Node, offset: int) -> Node | None:
        """A value of the Mappings section: literal, as CloudFormation requires.

        Evaluating intrinsics there would let a mapping entry look itself up forever
        (``Map.a.k: !FindInMap [Map, ..., k]``); CloudFormation rejects such a template.
        """
        if any(intrinsic(inner) is not None or inner.tag is not None for inner in walk(node)):
            return self._unknown("Mappings values cannot hold intrinsic functions", offset, True)
        return self.resolve(node)

    def text(self, node: Node | None) -> Text:
        return text_of(self.resolve(node))

    def _call(self, name: str, arg: Node, offset: int) -> Node | None:
        handler = _HANDLERS.get(name)
        if handler is None:
            return self._unknown(f"unsupported intrinsic function {name}: its value is unknown", offset, True)
        return handler(self, arg, offset)

    def _from_text(self, value: Text, offset: int) -> Node:
        return UnknownNode(value, offset) if isinstance(value, Unknown) else ScalarNode(value, offset)

    # -- Ref and pseudo parameters ----------------------------------------------------------
    def ref(self, name: str, offset: int) -> Node | None:
        if name.startswith("AWS::"):
            return self._pseudo(name, offset)
        if name in self.template.parameters:
            return self._parameter(name, offset)
        if name in self.template.resources:
            value = self.ref_hook(name) if self.ref_hook else self.default_ref(name)
            return self._from_text(value, offset)
        return self._unknown(f"Ref to {name!r}, which is neither a parameter nor a resource", offset, True)

    @staticmethod
    def default_ref(logical_id: str) -> Symbolic:
        return Symbolic(
            f"{logical_id} is created by the stack; its Ref value is set at deploy time", f"${{{logical_id}}}"
        )

    @staticmethod
    def default_attr(logical_id: str, attribute: str) -> Symbolic:
        return Symbolic(
            f"{logical_id}.{attribute} is set when the stack is deployed", f"${{{logical_id}.{attribute}}}"
        )

    def _pseudo(self, name: str, offset: int) -> Node | None:
        if name == "AWS::NoValue":
            return None
        if name == "AWS::Region":
            return self._from_text(self.region or Symbolic(REGION_UNKNOWN, "${AWS::Region}"), offset)
        if name == "AWS::AccountId":
            return self._from_text(self.account_id or Symbolic(ACCOUNT_UNKNOWN, "${AWS::AccountId}"), offset)
        if name in ("AWS::Partition", "AWS::URLSuffix"):
            known = self.partition if name == "AWS::Partition" else arn_builder.dns_suffix(self.partition)
            if isinstance(known, str):
                return ScalarNode(known, offset)
            return UnknownNode(Symbolic(known.reason, f"${{{name}}}"), offset)
        if name in ("AWS::StackName", "AWS::StackId"):
            return UnknownNode(Symbolic(f"{name} is known only at deploy time", f"${{{name}}}"), offset)
        if name == "AWS::NotificationARNs":
            return UnknownNode(Unknown("AWS::NotificationARNs are given at deploy time"), offset)
        return self._unknown(f"unknown pseudo parameter {name}", offset, True)

    def _parameter(self, name: str, offset: int) -> Node:
        spec = self.template.parameters[name]
        type_node = spec.get("Type")
        ptype = str(type_node.value) if isinstance(type_node, ScalarNode) else "String"
        default = spec.get("Default")
        if name in self.parameters:
            value = self.parameters[name]
            if isinstance(value, OtherValue):
                return UnknownNode(value, offset)
            at = default.offset if default is not None else spec.offset
            if _LIST_PARAMETER.match(ptype):
                return ArrayNode(at, [ScalarNode(item.strip(), at) for item in value.split(",")])
            return ScalarNode(value, at)
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            return UnknownNode(
                Unknown(f"parameter {name} is read from SSM Parameter Store at deploy time"), offset
            )
        if default is None or isinstance(default, ObjectNode):
            return UnknownNode(Symbolic(f"parameter {name} has no Default", f"${{{name}}}"), offset)
        if _LIST_PARAMETER.match(ptype):
            if isinstance(default, ArrayNode):
                return ArrayNode(
                    default.offset, [ScalarNode(_scalar_or_text(i), i.offset) for i in default.items]
                )
            items = scalar_text(default.value).split(",") if isinstance(default, ScalarNode) else []
            return ArrayNode(default.offset, [ScalarNode(item.strip(), default.offset) for item in items])
        if isinstance(default, ScalarNode):
            return ScalarNode(scalar_text(default.value) if default.value is not None else "", default.offset)
        return UnknownNode(Unknown(f"parameter {name} has a list as Default but type {ptype}"), offset)

    def get_att(self, logical_id: str, attribute: str, offset: int) -> Node:
        if logical_id not in self.template.resources:
            return self._unknown(f"Fn::GetAtt names {logical_id!r}, which is not a resource", offset, True)
        value = (
            self.attr_hook(logical_id, attribute)
            if self.attr_hook
            else self.default_attr(logical_id, attribute)
        )
        return self._from_text(value, offset)

    # -- conditions -------------------------------------------------------------------------
    def condition(self, name: str) -> bool | Unknown:
        """The value of a named condition over parameter defaults (three-valued)."""
        if name not in self.template.conditions:
            return Unknown(f"condition {name!r} is not defined in Conditions")
        return self._conditions.get(name)  # a chain of conditions is followed without deep recursion

    def _condition_value(self, name: str) -> bool | Unknown:
        return self.truth(self.template.conditions[name])

    def decide(self, name: str, offset: int, what: str) -> bool | Unknown:
        """:meth:`condition`, warning once per condition when it cannot be decided."""
        value = self.condition(name)
        if isinstance(value, Unknown):
            self.warn(
                f"condition {name} cannot be decided from parameter defaults ({value.reason}); {what}",
                offset,
                key=f"condition:{name}",
            )
        return value

    def truth(self, node: Node) -> bool | Unknown:
        found = intrinsic(node)
        if found is None and isinstance(node, ObjectNode) and len(node.pairs) == 1:
            key, value = node.pairs[0]
            if key.value == "Condition" and isinstance(value, ScalarNode):
                found = ("Condition", value)
        if found is None:
            return _boolean(self.resolve(node))
        name, arg = found
        items = arg.items if isinstance(arg, ArrayNode) else [arg]
        if name == "Condition":
            return self.condition(str(arg.value)) if isinstance(arg, ScalarNode) else Unknown("bad Condition")
        if name == "Fn::Equals":
            if len(items) != 2:
                return Unknown("Fn::Equals needs two values")
            left, right = (_comparable(self.resolve(item)) for item in items)
            decided = _other_value_equals(left, right)
            if decided is not None:
                return decided
            for side in (left, right):
                if isinstance(side, Unknown):
                    return Unknown(f"Fn::Equals compares a value not known before deployment: {side.reason}")
            return left == right
        if name == "Fn::Not":
            inner = self.truth(items[0]) if len(items) == 1 else Unknown("Fn::Not needs one condition")
            return inner if isinstance(inner, Unknown) else not inner
        if name in ("Fn::And", "Fn::Or"):
            return _three_valued(name == "Fn::And", [self.truth(item) for item in items])
        return _boolean(self._call(name, arg, node.offset))


def _other_value_equals(left: object, right: object) -> bool | None:
    """``Fn::Equals`` with a parameter set to "another value": unequal to any literal, equal to
    itself; None when neither side is such a value (or two different ones meet)."""
    if isinstance(left, OtherValue) and isinstance(right, OtherValue):
        return True if left.parameter == right.parameter else None
    for other, literal in ((left, right), (right, left)):
        if isinstance(other, OtherValue) and isinstance(literal, str):
            return False
    return None


def _three_valued(conjunction: bool, values: list[bool | Unknown]) -> bool | Unknown:
    decisive = not conjunction  # False decides an And, True decides an Or
    if any(value is decisive for value in values):
        return decisive
    unknowns = [value for value in values if isinstance(value, Unknown)]
    return unknowns[0] if unknowns else conjunction


def _boolean(node: Node | None) -> bool | Unknown:
    if isinstance(node, UnknownNode):
        return node.unknown
    if isinstance(node, ScalarNode):
        if isinstance(node.value, bool):
            return node.value
        if isinstance(node.value, str) and node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
    return Unknown("a condition that is not a boolean")


def _comparable(node: Node | None) -> object:
    if isinstance(node, UnknownNode):
        return node.unknown
    if isinstance(node, ScalarNode):
        return scalar_text(node.value) if node.value is not None else ""
    if isinstance(node, ArrayNode):
        items = [_comparable(item) for item in node.items]
        unknown = next((item for item in items if isinstance(item, Unknown)), None)
        return unknown if unknown is not None else items
    if node is None:
        return Unknown("AWS::NoValue in Fn::Equals")
    return json.dumps(node.to_python(), sort_keys=True, default=str)


# -- the functions ------------------------------------------------------------------------------
def _args(arg: Node) -> list[Node]:
    return arg.items if isinstance(arg, ArrayNode) else [arg]


def _fn_ref(r: Resolver, arg: Node, offset: int) -> Node | None:
    if not isinstance(arg, ScalarNode) or not isinstance(arg.value, str):
        name = r.text(arg)
        if isinstance(name, Unknown):
            return r._unknown("Ref needs a literal name", offset, True)
        return r.ref(name, offset)
    return r.ref(arg.value, offset)


def _fn_get_att(r: Resolver, arg: Node, offset: int) -> Node | None:
    if isinstance(arg, ScalarNode) and isinstance(arg.value, str) and "." in arg.value:
        logical_id, attribute = arg.value.split(".", 1)
        return r.get_att(logical_id, attribute, offset)
    items = _args(arg)
    if len(items) == 2:
        target, name = r.text(items[0]), r.text(items[1])
        if isinstance(target, str) and isinstance(name, str):
            return r.get_att(target, name, offset)
    return r._unknown("Fn::GetAtt needs [LogicalId, Attribute] with literal names", offset, True)


def _fn_sub(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    variables: dict[str, Node | None] = {}
    if isinstance(arg, ArrayNode):
        if len(items) != 2 or not isinstance(items[1], ObjectNode):
            return r._unknown("Fn::Sub needs a string or [string, {variables}]", offset, True)
        variables = {str(key.value): r.resolve(value) for key, value in items[1].pairs}
    template = items[0] if items else None
    if not isinstance(template, ScalarNode) or not isinstance(template.value, str):
        return r._unknown("Fn::Sub needs a literal string", offset, True)
    text = template.value
    parts: list[Text] = []
    position = 0
    for match in SUB_VARIABLE.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        name = match.group(1).strip()
        if name.startswith("!"):
            parts.append("${" + match.group(1)[1:] + "}")
            continue
        if name in variables:
            parts.append(text_of(variables[name]))
        elif "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            parts.append(text_of(r.get_att(logical_id, attribute, offset)))
        else:
            parts.append(text_of(r.ref(name, offset)))
    parts.append(text[position:])
    return r._from_text(concat(parts), offset)


def _fn_join(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    if len(items) != 2:
        return r._unknown("Fn::Join needs [delimiter, [values]]", offset, True)
    delimiter = r.text(items[0])
    values = r.resolve(items[1])
    if isinstance(values, UnknownNode):
        return UnknownNode(values.unknown, offset)
    if isinstance(delimiter, Unknown) or not isinstance(values, ArrayNode):
        return r._unknown("Fn::Join needs a literal delimiter and a list", offset, True)
    parts: list[Text] = []
    for index, value in enumerate(values.items):
        if index:
            parts.append(delimiter)
        parts.append(text_of(value))
    return r._from_text(concat(parts), offset)


def _fn_select(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    if len(items) != 2:
        return r._unknown("Fn::Select needs [index, [values]]", offset, True)
    index_text = r.text(items[0])
    values = r.resolve(items[1])
    if isinstance(values, UnknownNode):
        return UnknownNode(values.unknown, offset)
    if isinstance(index_text, Unknown):
        return UnknownNode(index_text, offset)
    index = as_int(index_text)
    if not isinstance(values, ArrayNode) or index is None or index < 0:
        return r._unknown("Fn::Select needs a number and a list", offset, True)
    if index >= len(values.items):
        return r._unknown(
            f"Fn::Select index {index} is past the end of a {len(values.items)}-item list", offset, True
        )
    return values.items[index]


def _fn_split(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    if len(items) != 2:
        return r._unknown("Fn::Split needs [delimiter, string]", offset, True)
    delimiter, source = r.text(items[0]), r.text(items[1])
    if isinstance(source, Unknown):
        return UnknownNode(
            Unknown(f"Fn::Split of a value not known before deployment: {source.reason}"), offset
        )
    if isinstance(delimiter, Unknown) or not delimiter:
        return r._unknown("Fn::Split needs a literal, non-empty delimiter", offset, True)
    return ArrayNode(offset, [ScalarNode(part, offset) for part in source.split(delimiter)])


def _fn_if(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    if len(items) != 3 or not isinstance(items[0], ScalarNode):
        return r._unknown("Fn::If needs [condition name, value if true, value if false]", offset, True)
    name = str(items[0].value)
    decided = r.decide(name, offset, "values that depend on it are unknown")
    if isinstance(decided, Unknown):
        when_true, when_false = r.resolve(items[1]), r.resolve(items[2])
        same = _same(when_true, when_false)
        if same:
            return when_true
        return UnknownNode(
            Unknown(f"Fn::If on condition {name}, which cannot be decided: {decided.reason}"), offset
        )
    return r.resolve(items[1] if decided else items[2])


def _same(left: Node | None, right: Node | None) -> bool:
    if left is None or right is None:
        return left is right
    if isinstance(left, UnknownNode) or isinstance(right, UnknownNode):
        return False
    try:
        return bool(left.to_python() == right.to_python())
    except TypeError:  # an Unknown somewhere inside refuses comparison
        return False


def _fn_find_in_map(r: Resolver, arg: Node, offset: int) -> Node | None:
    items = _args(arg)
    default: Node | None = None
    if len(items) == 4 and isinstance(items[3], ObjectNode):
        default = items[3].get("DefaultValue")
        items = items[:3]
    if len(items) != 3:
        return r._unknown("Fn::FindInMap needs [map, top-level key, second-level key]", offset, True)
    keys = [r.text(item) for item in items]
    mapping = r.template.mappings.get(keys[0]) if isinstance(keys[0], str) else None
    if mapping is None:
        if default is not None:
            return r.resolve(default)
        return r._unknown(f"Fn::FindInMap: no mapping named {keys[0]!r} in Mappings", offset, True)
    top, second = keys[1], keys[2]
    if isinstance(second, Unknown):
        return UnknownNode(second, offset)
    if isinstance(top, Unknown):
        # e.g. keyed by AWS::Region without --region: known if every entry agrees
        candidates = [entry.get(second) for _, entry in mapping.pairs if isinstance(entry, ObjectNode)]
        resolved = [r.mapping_value(candidate, offset) for candidate in candidates if candidate is not None]
        if resolved and len(resolved) == len(mapping.pairs) and all(_same(resolved[0], x) for x in resolved):
            return resolved[0]
        shown = top.text if isinstance(top, Symbolic) else "a value"
        reason = f"Fn::FindInMap {keys[0]} keyed by {shown}, not known: {top.reason}"
        return UnknownNode(Unknown(reason), offset)
    entry = mapping.get(top)
    value = entry.get(second) if isinstance(entry, ObjectNode) else None
    if value is None:
        if default is not None:
            return r.resolve(default)
        return r._unknown(f"Fn::FindInMap: {keys[0]} has no entry [{top}][{second}]", offset, True)
    return r.mapping_value(value, offset)


def _fn_import_value(r: Resolver, arg: Node, offset: int) -> Node | None:
    name = r.text(arg)
    shown = name.text if isinstance(name, Symbolic) else name if isinstance(name, str) else "(computed)"
    return UnknownNode(Unknown(f"Fn::ImportValue {shown}: an export of another stack"), offset)


def _fn_base64(r: Resolver, arg: Node, offset: int) -> Node | None:
    value = r.text(arg)
    if isinstance(value, Unknown):
        return UnknownNode(Unknown(f"Fn::Base64 of a value not known: {value.reason}"), offset)
    return ScalarNode(base64.b64encode(value.encode()).decode("ascii"), offset)


def _fn_get_azs(r: Resolver, arg: Node, offset: int) -> Node | None:
    return UnknownNode(Unknown("Fn::GetAZs: availability zones are known only at deploy time"), offset)


def _fn_cidr(r: Resolver, arg: Node, offset: int) -> Node | None:
    return UnknownNode(Unknown("Fn::Cidr is not evaluated"), offset)


def _fn_length(r: Resolver, arg: Node, offset: int) -> Node | None:
    values = r.resolve(arg)
    if isinstance(values, ArrayNode):
        return ScalarNode(len(values.items), offset)
    return UnknownNode(Unknown("Fn::Length of a value that is not a known list"), offset)


def _fn_to_json_string(r: Resolver, arg: Node, offset: int) -> Node | None:
    value = r.resolve(arg)
    try:
        python = value.to_python() if value is not None else None
        return ScalarNode(json.dumps(python, separators=(",", ":")), offset)
    except TypeError:
        return UnknownNode(Unknown("Fn::ToJsonString of a value not fully known"), offset)


def _fn_condition(r: Resolver, arg: Node, offset: int) -> Node | None:
    value = r.truth(ObjectNode(offset, [(ScalarNode("Condition", offset), arg)]))
    return UnknownNode(value, offset) if isinstance(value, Unknown) else ScalarNode(value, offset)


def _fn_boolean(name: str) -> Callable[[Resolver, Node, int], Node | None]:
    def evaluate(r: Resolver, arg: Node, offset: int) -> Node | None:
        value = r.truth(ObjectNode(offset, [(ScalarNode(name, offset), arg)]))
        return UnknownNode(value, offset) if isinstance(value, Unknown) else ScalarNode(value, offset)

    return evaluate


_HANDLERS: dict[str, Callable[[Resolver, Node, int], Node | None]] = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::ImportValue": _fn_import_value,
    "Fn::Base64": _fn_base64,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::Cidr": _fn_cidr,
    "Fn::Length": _fn_length,
    "Fn::ToJsonString": _fn_to_json_string,
    "Condition": _fn_condition,
    "Fn::Equals": _fn_boolean("Fn::Equals"),
    "Fn::And": _fn_boolean("Fn::And"),
    "Fn::Or": _fn_boolean("Fn::Or"),
    "Fn::Not": _fn_boolean("Fn::Not"),
}
