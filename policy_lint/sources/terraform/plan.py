"""Terraform plan JSON source (``terraform show -json``): planned values into the inventory.

Reads ``planned_values`` (a plan) or ``values`` (a state), with ``resource_changes[].change.
after_unknown`` marking values Terraform only learns at apply time: those become unresolved,
named after what the configuration says they refer to (``configuration...expressions.queue_url.
references``), so a queue policy whose ``queue_url`` is unknown still folds into its queue. The
resource mapping is shared with the HCL source. Positions come from the position-keeping JSON
parser, so findings point at the resource object's line in the plan file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.errors import InputError
from policy_lint.core.processes import map_in_processes, split, workers_for
from policy_lint.inventory.incomplete import unknown_value
from policy_lint.inventory.model import Inventory, Maybe, Origin, RegionScope, Unknown
from policy_lint.sources import problems
from policy_lint.sources.configurations import labels
from policy_lint.sources.terraform.evaluator import Unresolved
from policy_lint.sources.terraform.policy_document import render_policy_document
from policy_lint.sources.terraform.resources import (
    MAPPED_TYPES,
    Mapper,
    ResourceData,
    partition_text,
    provider_scope,
    ref_text,
    root_scope,
)
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.numbers import as_int
from policy_lint.syntax.source import Source, read_source

SOURCE = "terraform-plan"
KNOWN_AFTER_APPLY = "known after apply"
_INSTANCE_KEYS = re.compile(r"\[[^\]]*\]")


def load(
    files: Sequence[Path],
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    roots: Sequence[str | Path] | None = None,
    alongside: bool = False,
    jobs: int | None = 1,
) -> None:
    """Read each plan/state JSON file into ``inventory``; never raises on bad input.

    Each plan is its own configuration (one mapper per plan: addresses are only unique within
    one), so many plans are read across ``jobs`` processes (None: one per CPU) in runs of
    neighbours, and their resources added in file order: the one-process result."""
    inventory.sources.append(SOURCE)
    checked = roots if roots is not None else [Path(p).parent for p in files]
    label_of = labels([Path(p) for p in files], checked, alongside=alongside)
    labelled = [(path, label_of[Path(path)]) for path in files]  # each path as given
    workers = workers_for(jobs, len(files))
    if workers == 1:
        _load_plans(labelled, inventory, region, account_id)
        return
    batches = split(labelled, workers)
    for part in map_in_processes(_loaded_plans, batches, workers, region, account_id):
        inventory.extend(part, sources=False)


def _loaded_plans(
    labelled: list[tuple[Path, str | None]], region: str | None, account_id: str | None
) -> Inventory:
    part = Inventory()
    _load_plans(labelled, part, region, account_id)
    return part


def _load_plans(
    labelled: Sequence[tuple[Path, str | None]],
    inventory: Inventory,
    region: str | None,
    account_id: str | None,
) -> None:
    """Each plan file, with its label, into ``inventory``; unreadable ones become located IN001."""
    for path, label in labelled:
        try:
            source = read_source(path)
            root = parse_json(source.text)
        except InputError as exc:
            inventory.problems.append(problems.unreadable(exc))
            continue
        except JsonSyntaxError as exc:
            line, col = source.position(exc.offset)
            inventory.problems.append(problems.unreadable(InputError(exc.message, str(path), line, col)))
            continue
        plan = PlanFile(source, root, region, account_id)
        plan.label = label
        message = plan.check_format()
        if message is not None:
            inventory.problems.append(problems.unreadable(InputError(message, str(path), 1, 1)))
            continue
        resources = plan.resources()
        # One mapper per plan: addresses are only unique within one plan.
        Mapper(inventory, SOURCE, account_id).build(resources)


def _obj(node: Node | None, key: str) -> ObjectNode | None:
    if isinstance(node, ObjectNode):
        found = node.get(key)
        if isinstance(found, ObjectNode):
            return found
    return None


def _arr(node: Node | None, key: str) -> list[Node]:
    if isinstance(node, ObjectNode):
        found = node.get(key)
        if isinstance(found, ArrayNode):
            return found.items
    return []


def _str(node: Node | None, key: str) -> str | None:
    if isinstance(node, ObjectNode):
        found = node.get(key)
        if isinstance(found, ScalarNode) and isinstance(found.value, str):
            return found.value
    return None


class PlanFile:
    """One parsed ``terraform show -json`` document."""

    def __init__(self, source: Source, root: Node, region: str | None, account_id: str | None):
        self.source = source
        self.root = root
        self.region_hint = region
        self.account_id = account_id
        #: qualifies addresses when several plans are checked (:mod:`policy_lint.sources.configurations`)
        self.label: str | None = None
        self.after_unknown: dict[str, Any] = {}
        self.config: dict[
            str, tuple[dict[str, Any], str | None]
        ] = {}  # address -> (expressions, provider key)
        self.provider_regions: dict[str, Maybe[str]] = {}
        self.planned: dict[str, tuple[str, dict[str, Any]]] = {}  # address -> (type, values)
        #: address -> why it exists before this plan is applied (not created by it)
        self.existing: dict[str, str] = {}
        #: data source address -> (type, planned "after", after_unknown): data read at apply
        self.data_reads: dict[str, tuple[str, Any, Any]] = {}
        self._rendering: set[str] = set()  # documents being rendered (a cycle is not rendered)

    def check_format(self) -> str | None:
        version = _str(self.root, "format_version")
        if version is None:
            return "not a terraform show -json document (no format_version)"
        major = as_int(version.split(".")[0])
        if major is None or major < 0 or major > 1:
            return f"plan JSON format_version {version} is not supported (this reader knows 0.x and 1.x)"
        if not any(
            isinstance(self.root, ObjectNode) and self.root.get(k) is not None
            for k in ("planned_values", "values", "resource_changes")
        ):
            return "plan JSON has neither planned_values, values nor resource_changes"
        return None

    # -- indexes ---------------------------------------------------------------------------
    def _index(self) -> None:
        for change in _arr(self.root, "resource_changes"):
            address = _str(change, "address")
            change_obj = _obj(change, "change")
            unknown = _obj(change_obj, "after_unknown")
            if address and unknown is not None:
                self.after_unknown[address] = unknown.to_python()
            actions = [a.to_python() for a in _arr(change_obj, "actions")]
            after = _obj(change_obj, "after")
            if address and _str(change, "mode") == "data" and after is not None:
                self.data_reads[address] = (
                    _str(change, "type") or "",
                    after.to_python(),
                    unknown.to_python() if unknown is not None else {},
                )
                continue
            if address and actions and "create" not in actions:
                self.existing[address] = f"plan action {'/'.join(map(str, actions))}"
        config = _obj(self.root, "configuration")
        variables = _obj(self.root, "variables")
        for key, provider in (_obj(config, "provider_config") or ObjectNode(0)).items():
            region_expr = _obj(_obj(provider, "expressions"), "region")
            self.provider_regions[str(key.value)] = self._expression_value(region_expr, variables)
        self._index_module(_obj(config, "root_module"), "")

    def _expression_value(self, expr: ObjectNode | None, variables: ObjectNode | None) -> Maybe[str]:
        if expr is None:
            return Unknown("the provider sets no region")
        constant = expr.get("constant_value")
        if isinstance(constant, ScalarNode) and isinstance(constant.value, str):
            return constant.value
        refs = [r.to_python() for r in _arr(expr, "references")]
        for ref in refs:
            if isinstance(ref, str) and ref.startswith("var."):
                value = _obj(variables, ref[4:])
                found = value.get("value") if value is not None else None
                if isinstance(found, ScalarNode) and isinstance(found.value, str):
                    return found.value
        return Unknown(f"the provider region comes from {', '.join(map(str, refs)) or 'an expression'}")

    def _index_module(self, module: ObjectNode | None, prefix: str) -> None:
        if module is None:
            return
        for resource in _arr(module, "resources"):
            address = _str(resource, "address")
            if address is None:
                continue
            expressions = _obj(resource, "expressions")
            self.config[prefix + address] = (
                expressions.to_python() if expressions is not None else {},
                _str(resource, "provider_config_key"),
            )
        for name, call in (_obj(module, "module_calls") or ObjectNode(0)).items():
            self._index_module(_obj(call, "module"), f"{prefix}module.{name.value}.")

    # -- resources -------------------------------------------------------------------------
    def resources(self) -> list[ResourceData]:
        self._index()
        found: list[tuple[ObjectNode, str]] = []
        values_root = _obj(self.root, "planned_values") or _obj(self.root, "values")
        if values_root is not None:
            self._walk(_obj(values_root, "root_module"), found)
        else:  # a plan without planned_values: fall back on the changes' "after" values
            for change in _arr(self.root, "resource_changes"):
                if isinstance(change, ObjectNode):
                    found.append((change, "change"))
        result: list[ResourceData] = []
        for node, kind in found:
            rd = self._resource(node, kind)
            if rd is not None:
                result.append(rd)
        return result

    def _walk(self, module: ObjectNode | None, found: list[tuple[ObjectNode, str]]) -> None:
        if module is None:
            return
        for resource in _arr(module, "resources"):
            if isinstance(resource, ObjectNode):
                found.append((resource, "values"))
                address = _str(resource, "address")
                values = _obj(resource, "values")
                if address and values is not None:
                    self.planned[address] = (_str(resource, "type") or "", values.to_python())
        for child in _arr(module, "child_modules"):
            if isinstance(child, ObjectNode):
                self._walk(child, found)

    def _origin(self, address: str, node: Node, region: Maybe[str], scope: RegionScope | None) -> Origin:
        line, col = self.source.position(node.offset)
        return Origin(
            SOURCE,
            address,
            self.source.path,
            line,
            col,
            region if isinstance(region, str) else None,
            # a plan is one root module: the folder's .tf files, if given too, are the same root
            symbol_scope=root_scope(os.path.dirname(self.source.path)),
            region_scope=scope,
            root=self.label,
        )

    def _resource(self, node: ObjectNode, kind: str) -> ResourceData | None:
        rtype = _str(node, "type")
        address = _str(node, "address")
        if rtype not in MAPPED_TYPES or address is None or _str(node, "mode") == "data":
            return None
        if kind == "change":
            change = _obj(node, "change")
            actions = [a.to_python() for a in _arr(change, "actions")]
            values_node = _obj(change, "after")
            if actions == ["delete"] or values_node is None:
                return None
        else:
            values_node = _obj(node, "values")
        raw = values_node.to_python() if values_node is not None else {}
        config_key = _INSTANCE_KEYS.sub("", address)
        expressions, provider_key = self.config.get(config_key, ({}, None))
        module_prefix = address[: address.rfind(rtype + ".")] if (rtype + ".") in address else ""
        unknown = self.after_unknown.get(address, {})
        values = self._overlay(raw, unknown, expressions, address, module_prefix)
        region, provider = self._region_and_provider(values, provider_key)
        scope = provider_scope(f"plan {self.source.path} {provider}", region) if provider else None
        account: Maybe[str] = self.account_id or Unknown("account ID not known")
        attr_origins: dict[str, Origin] = {}
        if values_node is not None:
            for key, value in values_node.items():
                attr_origins[str(key.value)] = self._origin(address, key, region, scope)
                if isinstance(value, ArrayNode):
                    for i, item in enumerate(value.items):
                        attr_origins[f"{key.value}[{i}]"] = self._origin(address, item, region, scope)
        aliases = tuple(v for v in (raw.get("url"), raw.get("id")) if isinstance(v, str))
        is_state = _obj(self.root, "planned_values") is None and _obj(self.root, "values") is not None
        return ResourceData(
            exists_already="a state file" if is_state else self.existing.get(address),
            type=rtype,
            address=address,
            values=values,
            origin=self._origin(address, node, region, scope),
            attr_origins=attr_origins,
            region=region,
            account_id=account,
            aliases=aliases,
            unset_computed=self._unset_computed(address, config_key, unknown, is_state),
        )

    def _unset_computed(self, address: str, config_key: str, unknown: Any, is_state: bool) -> frozenset[str]:
        """Attributes known only after apply that the configuration provably leaves unset
        (PLAN-UNSET-COMPUTED): only for a resource this plan creates, and only when the plan
        carries the resource's configuration (without it, absence proves nothing)."""
        if (
            is_state
            or address in self.existing
            or config_key not in self.config
            or not isinstance(unknown, dict)
        ):
            return frozenset()
        expressions = self.config[config_key][0]
        return frozenset(key for key, flag in unknown.items() if flag is True and key not in expressions)

    def _region(self, values: dict[str, Any], provider_key: str | None) -> Maybe[str]:
        return self._region_and_provider(values, provider_key)[0]

    def _region_and_provider(
        self, values: dict[str, Any], provider_key: str | None
    ) -> tuple[Maybe[str], str | None]:
        """The resource's region, and the provider configuration it comes from (None when the
        resource records its own)."""
        if isinstance(values.get("region"), str):  # AWS provider 6 records the region per resource
            return str(values["region"]), None
        keys = [provider_key] if provider_key else []
        if provider_key and ":" in provider_key:
            keys.append(provider_key.split(":", 1)[1])
        keys.append("aws")
        for key in keys:
            region = self.provider_regions.get(key) if key else None
            if isinstance(region, str):
                return region, key
        if self.region_hint is not None:
            return self.region_hint, keys[0]
        found = next((k for k in keys if k in self.provider_regions), None)
        if found is None:
            return Unknown("the plan names no provider region"), "aws"
        return self.provider_regions[found], found

    # -- unknown values --------------------------------------------------------------------
    def _overlay(self, values: Any, unknown: Any, expressions: Any, path: str, module_prefix: str) -> Any:
        """Replace values Terraform marks unknown by what the configuration says they are."""
        if unknown is True:
            return self._symbol(expressions, path, module_prefix)
        if isinstance(unknown, dict):
            base = dict(values) if isinstance(values, dict) else {}
            exprs = expressions if isinstance(expressions, dict) else {}
            for key, flag in unknown.items():
                if flag is False or flag == [] or flag == {}:
                    continue
                base[key] = self._overlay(base.get(key), flag, exprs.get(key), f"{path}.{key}", module_prefix)
            return base
        if isinstance(unknown, list):
            items = list(values) if isinstance(values, list) else []
            exprs_list = expressions if isinstance(expressions, list) else []
            while len(items) < len(unknown):
                items.append(None)
            for i, flag in enumerate(unknown):
                if flag is False or flag == {} or flag == []:
                    continue
                expr = (
                    exprs_list[i]
                    if i < len(exprs_list)
                    else (exprs_list[0] if len(exprs_list) == 1 else None)
                )
                items[i] = self._overlay(items[i], flag, expr, f"{path}[{i}]", module_prefix)
            return items
        return values

    def _symbol(self, expression: Any, path: str, module_prefix: str) -> Unresolved | str:
        refs = expression.get("references") if isinstance(expression, dict) else None
        if isinstance(refs, list) and refs:
            ref = str(refs[0])
            if module_prefix + ref in self.planned:
                # Old plans (0.x) name only the resource: say which attribute the argument takes.
                field = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]
                ref += ".arn" if field.endswith("arn") else ".id"
            resolved = self._derived(module_prefix + ref) or self._document(module_prefix + ref)
            if resolved is not None:
                return resolved
            return Unresolved("${" + module_prefix + ref + "}", f"{KNOWN_AFTER_APPLY} (refers to {ref})")
        return Unresolved("${" + path + "}", KNOWN_AFTER_APPLY)

    def _derived(self, ref: str) -> Unresolved | None:
        """A reference to an attribute the HCL source would also derive (bucket id, queue ARN)."""
        address, _, attr = ref.rpartition(".")
        planned = self.planned.get(address)
        if planned is None:
            return None
        rtype, values = planned
        if rtype == "aws_s3_bucket" and attr in ("bucket", "id"):
            name = values.get("bucket")  # the id is unknown until apply, but it is the literal name
            return Unresolved(name if isinstance(name, str) else "${" + address + ".id}", KNOWN_AFTER_APPLY)
        partition = arn_builder.partition_of(self._region(values, None))
        if rtype == "aws_s3_bucket" and attr == "arn":
            name = values.get("bucket") if isinstance(values.get("bucket"), str) else "${" + address + ".id}"
            arn = arn_builder.bucket_arn(partition_text(partition), name)
            return Unresolved(
                arn if isinstance(arn, str) else "${" + ref + "}", f"{KNOWN_AFTER_APPLY} (bucket ARN)"
            )
        if rtype == "aws_sqs_queue" and attr == "arn":
            region = self._region(values, None)
            arn = arn_builder.queue_arn(partition, region, self.account_id, ref_text(values.get("name")))
            return Unresolved(arn_builder.literal_or(arn, "${" + ref + "}"), KNOWN_AFTER_APPLY)
        if rtype in ("aws_iam_user", "aws_iam_group", "aws_iam_policy") and attr in ("arn", "id", "name"):
            if attr in ("id", "name") and rtype != "aws_iam_policy" and isinstance(values.get("name"), str):
                return Unresolved(str(values["name"]), KNOWN_AFTER_APPLY)
            kind = rtype.removeprefix("aws_iam_")
            name, path = ref_text(values.get("name")), ref_text(values.get("path"))
            arn = arn_builder.iam_arn(partition, self.account_id, kind, name, path)
            return (
                Unresolved(arn_builder.literal_or(arn, "${" + address + ".arn}"), KNOWN_AFTER_APPLY)
                if attr != "name"
                else None
            )
        return None

    def _document(self, ref: str) -> str | Unresolved | None:
        """The ``json`` of an ``aws_iam_policy_document`` read only at apply, rendered from the
        statements the plan already knows (PLAN-DOCUMENT-READ-AT-APPLY): the parts not known
        (resources, a source document) stay as symbols, so the document is incomplete, never
        silently reduced."""
        address, _, attr = ref.rpartition(".")
        read = self.data_reads.get(address)
        if read is None or read[0] != "aws_iam_policy_document" or attr not in ("json", "minified_json"):
            return None
        if address in self._rendering:
            return None
        _, after, unknown = read
        expressions = self.config.get(_INSTANCE_KEYS.sub("", address), ({}, None))[0]
        module_prefix = address[: address.rfind("data.")]
        self._rendering.add(address)
        try:
            values = self._overlay(after, unknown, expressions, address, module_prefix)
        finally:
            self._rendering.discard(address)
        if not isinstance(values, dict):
            return None
        rendered = render_policy_document(_holes_unknown(values, address), address)
        if isinstance(rendered, Unresolved):
            return Unresolved(rendered.symbol, f"{KNOWN_AFTER_APPLY}: {rendered.reason} (refers to {ref})")
        return rendered if isinstance(rendered, str) else None


def _holes_unknown(value: Any, address: str) -> Any:
    """The document's arguments with each value the plan only calls "known after apply" (its own
    path, no reference to link: a resource, a principal) written as an unknown value: it may be
    ``*`` or one ARN, so a statement's reach is not guessed from a placeholder."""
    if isinstance(value, Unresolved) and value.symbol.startswith("${" + address + "."):
        return Unresolved(unknown_value(value.symbol[2:-1]), value.reason)
    if isinstance(value, list):
        return [_holes_unknown(item, address) for item in value]
    if isinstance(value, dict):
        return {key: _holes_unknown(item, address) for key, item in value.items()}
    return value
