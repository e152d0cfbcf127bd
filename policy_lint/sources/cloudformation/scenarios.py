"""Which deployments a template allows: its conditions as scenarios of parameter values.

A template with ``Conditions`` is many configurations. Evaluating the parameter defaults only
checks one of them, so a template whose default passes while ``Access: PublicRead`` turns Block
Public Access off would pass. This module lists the deployments worth checking; the loader reads
each one (:func:`policy_lint.sources.cloudformation.loader.load` with ``parameters``) and
:mod:`policy_lint.checks.scenarios` combines the verdicts.

How the scenarios are chosen, as cfn-lint does (``cfnlint.conditions``): per *place* (a resource's
``Condition``, or one of its properties) the conditions that meet there, and the parameters those
conditions read, are enumerated together, at most :data:`PLACE_LIMIT` combinations per place.
A parameter takes:

* its pinned value (``--parameters``), and nothing else;
* one of its ``AllowedValues`` (values the conditions never name are one case);
* without ``AllowedValues``: its Default, every literal a condition compares it with, and
  :class:`OtherValue`, a value unlike all of them, unless the Default already is one (a free-form
  string compared with ``''`` gives two scenarios: empty or not);
* list and SSM parameters keep their default (never enumerated).

Each scenario is a real deployment (every value allowed); the combinations of one place that give
the same condition values are one scenario. A place past the bound is reported (:class:`Plan`
``beyond``), so its resources' verdicts are unknown rather than a pass on part of the cases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

from policy_lint.core.errors import InputError
from policy_lint.sources.cloudformation.intrinsics import (
    SUB_VARIABLE,
    OtherValue,
    ParameterValue,
    Resolver,
    Template,
    intrinsic,
    scalar_text,
)
from policy_lint.sources.cloudformation.parse import parse_template
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode, walk
from policy_lint.syntax.source import read_source

#: combinations of parameter values tried per place (cfn-lint's ``_max_scenarios`` is 128 too)
PLACE_LIMIT = 128
#: distinct scenarios read per template, beyond the default
TEMPLATE_LIMIT = 256
#: combinations tried per template, over all its places: a template with thousands of resources
#: under conditions is planned in bounded work, whatever its size
ATTEMPT_LIMIT = 4096
#: resource types whose resource is folded into another one (a policy into its bucket): past the
#: bound, the whole template's verdicts are unknown, not only the attachment's
ATTACHMENT_TYPES = frozenset(
    {
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::IAM::Policy",
        "AWS::IAM::UserToGroupAddition",
        "AWS::IAM::AccessKey",
        "AWS::EC2::SecurityGroupIngress",
    }
)
EVERY_RESOURCE = "*"


class ParameterError(ValueError):
    """A pinned value the templates cannot take (an unknown name, a value not allowed)."""


Binding = dict[str, ParameterValue]


#: a path-like token of a message or evidence (``/stacks/b.yaml:12`` in "... at /stacks/b.yaml:12 ...")
_TOKEN = re.compile(r"[^\s'\"(),;\[\]{}]+")


def _without_position(token: str) -> str:
    """``b.yaml:12:3`` -> ``b.yaml``."""
    return re.sub(r"(?::\d+){1,2}$", "", token)


@dataclass(frozen=True)
class Scenario:
    """One deployment of one template: the parameters set away from the default scenario."""

    path: str
    changed: tuple[tuple[str, ParameterValue], ...]

    def label(self) -> str:
        """``Access=PublicRead, BucketName=(a value other than '')``."""
        return ", ".join(f"{name}={shown(value)}" for name, value in self.changed)


@dataclass
class Plan:
    """The scenarios of every template: the default binding of each, the other scenarios, and the
    places past the bound, as ``(path, logical ID or "*") -> why``."""

    defaults: dict[str, Binding] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)
    beyond: dict[tuple[str, str], str] = field(default_factory=dict)

    def default_label(self, paths: Iterable[str] | None = None) -> str:
        """The default scenario in words: ``the default parameters`` and the values given to the
        others: pinned ones, and for parameters without a Default that a condition reads, the
        value they take (``Stage=(a value other than 'prod')``). With ``paths``, only those
        templates' values (none: every template's)."""
        chosen = list(self.defaults) if paths is None else [p for p in self.defaults if p in set(paths)]
        given = [
            f"{name}={shown(value)}" for path in chosen for name, value in sorted(self.defaults[path].items())
        ]
        return "the default parameters" + (f", {', '.join(given)}" if given else "")

    def default_label_of(self, path: str | None, cited: Iterable[str]) -> str:
        """The default scenario as one result depends on it: the values of its own template and
        of every template its message or evidence cites (a role in one stack given a policy by
        another); every template's when the result has no file (an account-level verdict)."""
        if path is None:
            return self.default_label()
        mentioned = {_without_position(token) for text in cited for token in _TOKEN.findall(text)}
        return self.default_label([path, *(p for p in self.defaults if p in mentioned)])

    def bindings(self, run: Sequence[Scenario] = ()) -> dict[str, Binding]:
        """Every template's parameter values in a run of scenarios (none: the default scenario)."""
        out = {path: dict(binding) for path, binding in self.defaults.items()}
        for scenario in run:
            out.setdefault(scenario.path, {}).update(dict(scenario.changed))
        return out

    def runs(self) -> list[list[Scenario]]:
        """The scenarios grouped into runs, at most one per template in each: templates are
        separate stacks, so one run may deploy each with its own values, and the number of runs
        is the largest number of scenarios of one template, not their sum."""
        per_template: dict[str, list[Scenario]] = {}
        for scenario in self.scenarios:
            per_template.setdefault(scenario.path, []).append(scenario)
        columns = itertools.zip_longest(*per_template.values())
        return [[scenario for scenario in column if scenario is not None] for column in columns]


def shown(value: ParameterValue) -> str:
    if isinstance(value, OtherValue):
        return f"(a value other than {value.unlike})"
    return repr(value) if value == "" else value


def plan(
    files: Sequence[Path],
    pins: Mapping[str, str],
    resource_types: Collection[str],
    read: Callable[[Path], tuple[object, Node | None]] | None = None,
) -> Plan:
    """The scenarios of the templates in ``files``; a file that does not parse is left to the
    loader (which reports it). Raises :class:`ParameterError` for a pin no template can take.
    ``read``: how a template is read (the loader's cache, so it is parsed once)."""
    result = Plan()
    used: set[str] = set()
    for path in files:
        try:
            root = read(path)[1] if read is not None else parse_template(read_source(path))
        except InputError:
            continue
        if not isinstance(root, ObjectNode):
            continue
        template = Template(root)
        used |= pins.keys() & template.parameters.keys()
        _plan_template(str(path), template, pins, resource_types, result)
    unused = sorted(pins.keys() - used)
    if unused and files:
        raise ParameterError(f"no template checked declares the parameter(s) {', '.join(unused)}")
    return result


def _plan_template(
    path: str, template: Template, pins: Mapping[str, str], types: Collection[str], out: Plan
) -> None:
    domains = _Domains(template, pins)
    out.defaults[path] = domains.default_binding()
    default = {name: domains.values(name)[0] for name in domains.enumerable}  # Default first
    seen: set[tuple[tuple[str, ParameterValue], ...]] = set()
    enumerated: set[frozenset[str]] = set()  # places often share their conditions
    attempts = 0
    for logical_id, place, conditions in _places(template, types):
        if frozenset(conditions) in enumerated:
            continue
        parameters = sorted({p for c in conditions for p in _parameters_of(template, c)} & domains.enumerable)
        values = [domains.values(p) for p in parameters]
        count = prod(len(v) for v in values)
        if count > PLACE_LIMIT or attempts + count > ATTEMPT_LIMIT:
            limit = (
                f"more than the {PLACE_LIMIT} checked"
                if count > PLACE_LIMIT
                else f"past the {ATTEMPT_LIMIT} combinations tried per template"
            )
            why = (
                f"{place} of {logical_id} depends on conditions {', '.join(sorted(conditions))}: "
                f"{count} combinations of {', '.join(parameters)}, {limit}"
            )
            kind = template.resource_type(logical_id)
            key = EVERY_RESOURCE if kind in ATTACHMENT_TYPES else logical_id
            out.beyond.setdefault((path, key), why)
            continue
        attempts += count
        enumerated.add(frozenset(conditions))
        vectors: set[tuple[object, ...]] = set()
        for combo in _combinations(parameters, values, default):
            binding = {**out.defaults[path], **dict(zip(parameters, combo, strict=True))}
            resolver = Resolver(template, parameters=binding)
            vector = tuple(resolver.condition(name) for name in sorted(conditions))
            if vector in vectors:
                continue
            vectors.add(vector)
            changed = tuple((p, v) for p, v in zip(parameters, combo, strict=True) if default.get(p) != v)
            if changed and changed not in seen:
                if len(seen) >= TEMPLATE_LIMIT:
                    out.beyond.setdefault(
                        (path, EVERY_RESOURCE), f"more than {TEMPLATE_LIMIT} scenarios in the template"
                    )
                    return
                seen.add(changed)
                out.scenarios.append(Scenario(path, changed))


def _combinations(
    parameters: list[str], values: list[list[ParameterValue]], default: Binding
) -> Iterator[tuple[ParameterValue, ...]]:
    """Every combination, the default scenario's first (so it represents its condition values)."""
    yield tuple(default[p] for p in parameters)
    yield from itertools.product(*values)


class _Domains:
    """The values each parameter takes across scenarios."""

    def __init__(self, template: Template, pins: Mapping[str, str]):
        self.template = template
        self.pins = pins
        self.compared, self.complex = _comparisons(template)
        self.enumerable = {name for name in template.parameters if self._enumerable(name)}
        self._values = {name: self._domain(name) for name in self.enumerable}

    def _spec(self, name: str) -> tuple[str, Node | None, list[str] | None]:
        spec = self.template.parameters[name]
        type_node = spec.get("Type")
        ptype = str(type_node.value) if isinstance(type_node, ScalarNode) else "String"
        allowed = spec.get("AllowedValues")
        texts = (
            [scalar_text(item.value) for item in allowed.items if isinstance(item, ScalarNode)]
            if isinstance(allowed, ArrayNode)
            else None
        )
        return ptype, spec.get("Default"), texts

    def _enumerable(self, name: str) -> bool:
        ptype, _, allowed = self._spec(name)
        if name in self.pins:
            if allowed is not None and self.pins[name] not in allowed:
                raise ParameterError(
                    f"parameter {name}={self.pins[name]!r} is not one of its AllowedValues: {', '.join(allowed)}"
                )
            return False
        return not (
            ptype.startswith("AWS::SSM") or ptype.startswith("List<") or ptype == "CommaDelimitedList"
        )

    def _default(self, name: str) -> ParameterValue | None:
        _, default, _ = self._spec(name)
        if isinstance(default, ScalarNode) and default.value is not None:
            return scalar_text(default.value)
        return None

    def _domain(self, name: str) -> list[ParameterValue]:
        _, _, allowed = self._spec(name)
        default = self._default(name)
        compared = self.compared.get(name, set())
        candidates: list[ParameterValue]
        if allowed is not None:
            texts = list(allowed)
            if name not in self.complex:  # values no condition names behave alike: keep one
                named = [v for v in texts if v in compared]
                unnamed = [v for v in texts if v not in compared]
                texts = ([default] if default in unnamed else unnamed[:1]) + named
            if default in texts:  # the default scenario's value first
                texts = [default, *(v for v in texts if v != default)]
            candidates = list(texts)
        else:
            literals = sorted(compared)
            unlike = " or ".join(repr(v) for v in literals) or "its default"
            reason = f"parameter {name} is set to a value other than {unlike}, not known before deployment"
            other = OtherValue(reason, f"${{{name}}}", name, unlike)
            if default is None:  # a deployment must give a value: "another value" first
                candidates = [other, *literals]
            elif default in literals or name in self.complex:
                candidates = [default, *literals, other]
            else:  # the Default already is "a value unlike every literal compared"
                candidates = [default, *literals]
        out: list[ParameterValue] = []
        for value in candidates:
            if value is not None and value not in out:
                out.append(value)
        return out

    def values(self, name: str) -> list[ParameterValue]:
        return self._values[name]

    def default_binding(self) -> Binding:
        """The pins, and for a parameter without Default that a condition reads: a value other
        than those compared (a deployment must give one; the others are scenarios)."""
        binding: Binding = {
            name: value for name, value in self.pins.items() if name in self.template.parameters
        }
        read = {p for c in self.template.conditions for p in _parameters_of(self.template, c)}
        for name in sorted(read & self.enumerable):
            if self._default(name) is None:
                binding[name] = self._values[name][0]
        return binding


def _comparisons(template: Template) -> tuple[dict[str, set[str]], set[str]]:
    """The literals each parameter is compared with in ``Fn::Equals``, and the parameters the
    conditions read in any other way (their values cannot be grouped by those literals)."""
    compared: dict[str, set[str]] = {}
    refs: dict[str, int] = {}
    simple: dict[str, int] = {}
    for node in template.conditions.values():
        for inner in walk(node):
            found = intrinsic(inner)
            if found is None:
                continue
            name, arg = found
            if name == "Ref" and isinstance(arg, ScalarNode) and str(arg.value) in template.parameters:
                refs[str(arg.value)] = refs.get(str(arg.value), 0) + 1
            elif name == "Fn::Sub":  # read inside a string: its values cannot be grouped
                for parameter in _read_parameters(template, inner):
                    refs[parameter] = refs.get(parameter, 0) + 1
            if name == "Fn::Equals" and isinstance(arg, ArrayNode) and len(arg.items) == 2:
                for side, other in ((arg.items[0], arg.items[1]), (arg.items[1], arg.items[0])):
                    ref = intrinsic(side)
                    if (
                        ref is not None
                        and ref[0] == "Ref"
                        and isinstance(ref[1], ScalarNode)
                        and str(ref[1].value) in template.parameters
                        and isinstance(other, ScalarNode)
                        and intrinsic(other) is None
                        and other.value is not None
                    ):
                        parameter = str(ref[1].value)
                        compared.setdefault(parameter, set()).add(scalar_text(other.value))
                        simple[parameter] = simple.get(parameter, 0) + 1
    complex_ = {name for name, count in refs.items() if simple.get(name, 0) != count}
    return compared, complex_


def _places(template: Template, types: Collection[str]) -> Iterator[tuple[str, str, set[str]]]:
    """``(logical ID, place, conditions)`` for each place of a checked resource that names one."""
    for logical_id, resource in template.resources.items():
        if template.resource_type(logical_id) not in types:
            continue
        condition = resource.get("Condition")
        if isinstance(condition, ScalarNode) and str(condition.value) in template.conditions:
            yield logical_id, "its Condition", _closure(template, {str(condition.value)})
        properties = resource.get("Properties")
        for key, value in properties.pairs if isinstance(properties, ObjectNode) else []:
            named = _named_conditions(value)
            if named:
                yield logical_id, str(key.value), _closure(template, named)


def _named_conditions(node: Node) -> set[str]:
    """The conditions ``Fn::If`` and ``Condition`` name inside ``node``."""
    names: set[str] = set()
    for inner in walk(node):
        found = intrinsic(inner)
        if found is not None and found[0] == "Fn::If" and isinstance(found[1], ArrayNode) and found[1].items:
            first = found[1].items[0]
            if isinstance(first, ScalarNode):
                names.add(str(first.value))
        elif found is not None and found[0] == "Condition" and isinstance(found[1], ScalarNode):
            names.add(str(found[1].value))
        elif (
            isinstance(inner, ObjectNode) and len(inner.pairs) == 1 and inner.pairs[0][0].value == "Condition"
        ):
            value = inner.pairs[0][1]
            if isinstance(value, ScalarNode):
                names.add(str(value.value))
    return names


def _closure(template: Template, names: set[str]) -> set[str]:
    """``names`` and every condition they refer to, defined ones only."""
    out: set[str] = set()
    todo = [name for name in names if name in template.conditions]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo += [n for n in _named_conditions(template.conditions[name]) if n in template.conditions]
    return out


def _parameters_of(template: Template, condition: str) -> set[str]:
    """The parameters a condition reads directly (conditions it names are in the closure)."""
    return _read_parameters(template, template.conditions[condition])


def _read_parameters(template: Template, node: Node) -> set[str]:
    """The parameters ``node`` reads: by ``Ref`` or as a ``${Name}`` of ``Fn::Sub``."""
    out: set[str] = set()
    for inner in walk(node):
        found = intrinsic(inner)
        if found is not None and found[0] == "Ref" and isinstance(found[1], ScalarNode):
            out.add(str(found[1].value))
        elif found is not None and found[0] == "Fn::Sub":
            text = found[1].items[0] if isinstance(found[1], ArrayNode) and found[1].items else found[1]
            if isinstance(text, ScalarNode) and isinstance(text.value, str):
                out.update(match.strip() for match in SUB_VARIABLE.findall(text.value))
    return out & template.parameters.keys()
