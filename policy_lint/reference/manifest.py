"""The reference policies of the vendor's onboarding guide, and which feature needs which.

The documents and their feature manifest are package data in
``policy_lint/reference/policies/`` (read with :mod:`importlib.resources`, so an
installed wheel works as well as a checkout). :func:`load_reference_set` reads and
validates everything once; a broken edit of the manifest raises
:class:`ManifestError` naming the offending entry.

>>> refs = load_reference_set()
>>> refs.get("agentless").kind
<PolicyType.IDENTITY: 'identity'>
>>> [r.policy for r in refs.for_features(["host"], "quick", audit_log=False)]
['AmazonEC2ReadOnlyAccess', 'IAMReadOnlyAccess']
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import yaml

from policy_lint.core.package_data import package_files
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document, infer_policy_type
from policy_lint.policy.placeholders import is_policy_variable
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.source import Source

PACKAGE = "policy_lint.reference.policies"
MANIFEST = "manifest.yaml"
SCHEMA_VERSION = 1

#: Reference kinds the manifest may use (a subset of :class:`PolicyType`).
KINDS = (PolicyType.IDENTITY, PolicyType.RESOURCE)
#: What a policy is attached to: the onboarding IAM user, or the audit-log queue.
ATTACH_TARGETS = ("iam-user", "sqs-queue")
#: When a feature needs a policy: always, or only when audit logs (queue inputs) are configured.
WHEN_VALUES = ("always", "audit_log")
#: The Security Center console regions of the guide.
CONSOLE_REGIONS = ("mainland", "outside_mainland")
PROVENANCE_FORMS = ("json", "console-steps")

_DOLLAR_BRACE = re.compile(r"\$\{([^}]*)\}")
_DEFECT_ID = re.compile(r"^GUIDE-[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*\.json$")


class ManifestError(ValueError):
    """The shipped manifest or one of its documents is malformed (a bug in our data)."""


class UnknownReferenceError(KeyError):
    """No reference or AWS managed policy has this name."""

    def __init__(self, name: str, valid: Iterable[str]):
        self.name = name
        self.valid = tuple(valid)
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown reference policy {self.name!r}; valid names: {', '.join(self.valid)}"


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class GuideCopy:
    """One language copy of the onboarding guide (a seed file of the shared folder)."""

    key: str
    seed: str
    language: str
    title: str | None = None


@dataclass(frozen=True)
class Provenance:
    """Where in which copy of the guide something comes from (``lines`` are 1-based, inclusive)."""

    copy: str
    seed: str
    language: str
    section: tuple[str, ...]
    lines: tuple[int, int]
    form: str | None = None
    relation: str | None = None

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)


@dataclass(frozen=True)
class Placeholder:
    """A template placeholder kept verbatim in a reference, with the guide's explanation and example."""

    token: str
    description: str
    example: str


@dataclass(frozen=True)
class KnownDefect:
    """An error of the guide itself (``id`` is its GUIDE-… ID in docs/aws-facts.md), and the copies it affects."""

    id: str
    text: str
    affects: tuple[str, ...]


@dataclass(frozen=True)
class FeatureRequirement:
    """One policy a feature needs, always or only with audit logs."""

    policy: str
    when: str = "always"


@dataclass(frozen=True)
class Feature:
    name: str
    title: str
    console_regions: tuple[str, ...]
    requires: tuple[FeatureRequirement, ...]
    notes: tuple[str, ...]
    provenance: tuple[Provenance, ...]


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    features: tuple[str, ...]
    credentials: str
    notes: tuple[str, ...]
    provenance: tuple[Provenance, ...]


#: How the guide's templates write ARNs: always in the aws partition (GUIDE-PARTITION).
GUIDE_ARN_PREFIX = '"arn:aws:'


def in_partition(text: str, partition: str) -> str:
    """A reference template's text with the guide's hard-coded ``arn:aws:`` written for
    ``partition`` (``arn:aws-cn:`` in China, GUIDE-PARTITION)."""
    return text.replace(GUIDE_ARN_PREFIX, f'"arn:{partition}:')


@dataclass(frozen=True)
class ManagedPolicy:
    """An AWS managed policy the guide names (its document comes from the bundled snapshot)."""

    name: str
    arn_template: str
    description: str

    def arn(self, partition: str = "aws") -> str:
        return self.arn_template.replace("${Partition}", partition)


@dataclass(frozen=True)
class Reference:
    """A shipped reference document: its exact text, the parsed model, and where it comes from."""

    name: str
    file: str
    kind: PolicyType
    attach_to: str
    description: str
    text: str
    document: PolicyDocument = field(compare=False, repr=False)
    provenance: tuple[Provenance, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()
    known_defects: tuple[KnownDefect, ...] = ()
    suggested_name: str | None = None

    @property
    def is_template(self) -> bool:
        return bool(self.placeholders)

    @property
    def data(self) -> Any:
        """The document as plain Python data (what ``json.loads`` would return)."""
        return self.document.root.to_python()

    def fill(self, values: Mapping[str, str]) -> str:
        """The document text with every placeholder replaced (values are JSON-escaped).

        ``values`` is keyed by token (``"${SQS ARN}"``) or by its inner name (``"SQS ARN"``);
        a missing or unknown key raises :class:`ValueError`.
        """
        by_token = {(k if k.startswith("${") else "${" + k + "}"): v for k, v in values.items()}
        tokens = {p.token for p in self.placeholders}
        unknown = sorted(set(by_token) - tokens)
        if unknown:
            raise ValueError(f"{self.name} has no placeholder {', '.join(unknown)}")
        missing = [p.token for p in self.placeholders if p.token not in by_token]
        if missing:
            raise ValueError(f"{self.name}: no value for {', '.join(missing)}")
        text = self.text
        for token, value in by_token.items():
            text = text.replace(token, json.dumps(value, ensure_ascii=False)[1:-1])
        return text


@dataclass(frozen=True)
class Requirement:
    """What :meth:`ReferenceSet.for_features` returns: one policy, why, and where it goes."""

    policy: str
    kind: str  # "aws-managed", "identity" or "resource"
    attach_to: str
    features: tuple[str, ...]
    when: str

    @property
    def is_managed(self) -> bool:
        return self.kind == "aws-managed"


@dataclass(frozen=True)
class ReferenceSet:
    """All reference policies, AWS managed policy names, features and plans of the guide."""

    references: Mapping[str, Reference]
    managed_policies: Mapping[str, ManagedPolicy]
    features: Mapping[str, Feature]
    plans: Mapping[str, Plan]
    copies: Mapping[str, GuideCopy]
    guide_title: str
    managed_note: str

    def names(self) -> tuple[str, ...]:
        """Names of the shipped reference documents, in manifest order."""
        return tuple(self.references)

    def managed_names(self) -> tuple[str, ...]:
        return tuple(self.managed_policies)

    def all_names(self) -> tuple[str, ...]:
        return self.names() + self.managed_names()

    def get(self, name: str) -> Reference:
        try:
            return self.references[name]
        except KeyError:
            raise UnknownReferenceError(name, self.names()) from None

    def managed(self, name: str) -> ManagedPolicy:
        try:
            return self.managed_policies[name]
        except KeyError:
            raise UnknownReferenceError(name, self.managed_names()) from None

    def features_of(self, name: str) -> tuple[tuple[str, str], ...]:
        """``(feature, when)`` pairs of every feature that requires the named policy."""
        return tuple((f.name, r.when) for f in self.features.values() for r in f.requires if r.policy == name)

    def for_features(
        self,
        features: Iterable[str],
        plan: str,
        audit_log: bool,
        *,
        console_region: str | None = None,
    ) -> tuple[Requirement, ...]:
        """The policies a selection of features needs under a plan, deduplicated, in manifest order
        (features in manifest order, then each feature's requirements).

        ``audit_log`` says whether queue inputs (region + name) are configured; only then are the
        pipeline's policies required (GUIDE-PIPELINE-OPTIONAL). Raises :class:`ValueError` for an unknown plan or
        feature, a feature the plan does not support (PLAN-QUICK-HOST), or, when ``console_region`` is
        given, a feature that console region does not support (PLAN-AGENTLESS).
        """
        plan_obj = self.plans.get(plan.strip().lower())
        if plan_obj is None:
            raise ValueError(f"unknown plan {plan!r}; choose one of {', '.join(self.plans)}")
        wanted = {f.strip().lower() for f in features}
        unknown = sorted(wanted - set(self.features))
        if unknown:
            raise ValueError(f"unknown feature {', '.join(unknown)}; choose from {', '.join(self.features)}")
        unsupported = [f for f in self.features if f in wanted and f not in plan_obj.features]
        if unsupported:
            raise ValueError(
                f"the {plan_obj.name} plan does not support {', '.join(unsupported)} "
                f"(it supports {', '.join(plan_obj.features)})"
            )
        if console_region is not None:
            if console_region not in CONSOLE_REGIONS:
                raise ValueError(
                    f"unknown console region {console_region!r}; choose one of {', '.join(CONSOLE_REGIONS)}"
                )
            blocked = [
                f
                for f in self.features
                if f in wanted and console_region not in self.features[f].console_regions
            ]
            if blocked:
                raise ValueError(
                    f"{', '.join(blocked)} is not supported with the console region {console_region}"
                )
        merged: dict[str, tuple[list[str], set[str]]] = {}
        for feature in self.features.values():
            if feature.name not in wanted:
                continue
            for req in feature.requires:
                if req.when == "audit_log" and not audit_log:
                    continue
                names, whens = merged.setdefault(req.policy, ([], set()))
                names.append(feature.name)
                whens.add(req.when)
        result: list[Requirement] = []
        for policy, (names, whens) in merged.items():
            when = "always" if "always" in whens else "audit_log"
            if policy in self.managed_policies:
                result.append(Requirement(policy, "aws-managed", "iam-user", tuple(names), when))
            else:
                ref = self.references[policy]
                result.append(Requirement(policy, ref.kind.value, ref.attach_to, tuple(names), when))
        return tuple(result)


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def load_reference_set() -> ReferenceSet:
    """Read and validate the shipped manifest and documents (cached: the data never changes)."""
    root = package_files(PACKAGE)

    def read(name: str) -> str:
        resource = root.joinpath(name)
        if not resource.is_file():
            raise ManifestError(f"{PACKAGE}: file {name!r} is not shipped")
        return resource.read_text(encoding="utf-8")

    return build_reference_set(read(MANIFEST), read)


def build_reference_set(manifest_text: str, read: Callable[[str], str]) -> ReferenceSet:
    """Validate a manifest (YAML text) and the documents ``read(file_name) -> str`` returns."""
    try:
        data = yaml.safe_load(manifest_text)
    except yaml.YAMLError as exc:
        raise ManifestError(f"{MANIFEST}: not valid YAML: {exc}") from None
    top = _mapping(data, MANIFEST)
    _keys(
        top,
        MANIFEST,
        required=("schema_version", "guide", "features", "plans", "references", "aws_managed"),
        optional=("aws_managed_note",),
    )
    if top["schema_version"] != SCHEMA_VERSION:
        raise ManifestError(
            f"{MANIFEST}: schema_version must be {SCHEMA_VERSION}, got {top['schema_version']!r}"
        )

    guide = _mapping(top["guide"], "guide")
    _keys(guide, "guide", required=("title", "copies"))
    copies: dict[str, GuideCopy] = {}
    for key, raw in _mapping(guide["copies"], "guide.copies").items():
        where = f"guide.copies.{key}"
        entry = _mapping(raw, where)
        _keys(entry, where, required=("seed", "language"), optional=("title",))
        copies[str(key)] = GuideCopy(
            str(key),
            _str(entry["seed"], f"{where}.seed"),
            _str(entry["language"], f"{where}.language"),
            _opt_str(entry.get("title"), f"{where}.title"),
        )
    if not copies:
        raise ManifestError("guide.copies: at least one copy of the guide is needed")

    references: dict[str, Reference] = {}
    for i, raw in enumerate(_list(top["references"], "references")):
        ref = _reference(raw, f"references[{i}]", copies, read)
        if ref.name in references:
            raise ManifestError(f"references[{i}].name: duplicate name {ref.name!r}")
        references[ref.name] = ref

    managed: dict[str, ManagedPolicy] = {}
    for i, raw in enumerate(_list(top["aws_managed"], "aws_managed")):
        where = f"aws_managed[{i}]"
        entry = _mapping(raw, where)
        _keys(entry, where, required=("name", "arn", "description"))
        name = _str(entry["name"], f"{where}.name")
        arn = _str(entry["arn"], f"{where}.arn")
        if arn != f"arn:${{Partition}}:iam::aws:policy/{name}":
            raise ManifestError(
                f"{where}.arn: expected 'arn:${{Partition}}:iam::aws:policy/{name}', got {arn!r}"
            )
        if name in managed or name in references:
            raise ManifestError(f"{where}.name: duplicate name {name!r}")
        managed[name] = ManagedPolicy(name, arn, _str(entry["description"], f"{where}.description"))

    features: dict[str, Feature] = {}
    for key, raw in _mapping(top["features"], "features").items():
        features[str(key)] = _feature(str(key), raw, copies, set(references) | set(managed))

    plans: dict[str, Plan] = {}
    for key, raw in _mapping(top["plans"], "plans").items():
        plans[str(key)] = _plan(str(key), raw, copies, features)

    required = {r.policy for f in features.values() for r in f.requires}
    orphans = [n for n in (*references, *managed) if n not in required]
    if orphans:
        raise ManifestError(f"features: no feature requires {', '.join(orphans)}")

    return ReferenceSet(
        references=MappingProxyType(references),
        managed_policies=MappingProxyType(managed),
        features=MappingProxyType(features),
        plans=MappingProxyType(plans),
        copies=MappingProxyType(copies),
        guide_title=_str(guide["title"], "guide.title"),
        managed_note=_opt_str(top.get("aws_managed_note"), "aws_managed_note") or "",
    )


def _reference(
    raw: object, where: str, copies: Mapping[str, GuideCopy], read: Callable[[str], str]
) -> Reference:
    entry = _mapping(raw, where)
    name = _str(entry.get("name"), f"{where}.name")
    where = f"{where} ({name})"
    _keys(
        entry,
        where,
        required=(
            "name",
            "file",
            "kind",
            "attach_to",
            "description",
            "provenance",
            "placeholders",
            "known_defects",
        ),
        optional=("suggested_name",),
    )
    file = _str(entry["file"], f"{where}.file")
    if not _FILE_NAME.match(file):
        raise ManifestError(f"{where}.file: {file!r} must be a plain .json file name in {PACKAGE}")
    kind_text = _choice(entry["kind"], f"{where}.kind", tuple(k.value for k in KINDS))
    kind = PolicyType(kind_text)
    attach_to = _choice(entry["attach_to"], f"{where}.attach_to", ATTACH_TARGETS)
    if (kind is PolicyType.IDENTITY) != (attach_to == "iam-user"):
        raise ManifestError(
            f"{where}.attach_to: an identity policy goes on the iam-user, a resource policy elsewhere"
        )

    try:
        text = read(file)
    except OSError as exc:
        raise ManifestError(f"{where}.file: cannot read {file}: {exc.strerror or exc}") from None
    source = Source(f"reference_policies/{file}", text)
    try:
        root = parse_json(text)
    except JsonSyntaxError as exc:
        line, col = source.position(exc.offset)
        raise ManifestError(f"{where}: {file}:{line}:{col}: invalid JSON: {exc.message}") from None
    document = build_document(source, root, kind)
    if not document.statements:
        raise ManifestError(f"{where}: {file} has no Statement")
    inferred = infer_policy_type(document.statements)
    if inferred is not kind:
        raise ManifestError(f"{where}.kind: {kind.value!r}, but {file} reads as a {inferred.value} policy")

    placeholders: list[Placeholder] = []
    for j, raw_ph in enumerate(_list(entry["placeholders"], f"{where}.placeholders")):
        pw = f"{where}.placeholders[{j}]"
        ph = _mapping(raw_ph, pw)
        _keys(ph, pw, required=("token", "description", "example"))
        token = _str(ph["token"], f"{pw}.token")
        if not (token.startswith("${") and token.endswith("}")):
            raise ManifestError(f"{pw}.token: {token!r} is not a ${{...}} placeholder")
        placeholders.append(
            Placeholder(
                token, _str(ph["description"], f"{pw}.description"), _str(ph["example"], f"{pw}.example")
            )
        )
    declared = [p.token for p in placeholders]
    if len(set(declared)) != len(declared):
        raise ManifestError(f"{where}.placeholders: a token is declared twice")
    used = {m.group(0) for m in _DOLLAR_BRACE.finditer(text) if not is_policy_variable(m.group(1))}
    if used - set(declared):
        raise ManifestError(
            f"{where}.placeholders: {file} uses undeclared {', '.join(sorted(used - set(declared)))}"
        )
    if set(declared) - used:
        raise ManifestError(
            f"{where}.placeholders: {', '.join(sorted(set(declared) - used))} not used in {file}"
        )

    defects: list[KnownDefect] = []
    for j, raw_d in enumerate(_list(entry["known_defects"], f"{where}.known_defects")):
        dw = f"{where}.known_defects[{j}]"
        d = _mapping(raw_d, dw)
        _keys(d, dw, required=("id", "text", "affects"))
        defect_id = _str(d["id"], f"{dw}.id")
        if not _DEFECT_ID.match(defect_id):
            raise ManifestError(
                f"{dw}.id: {defect_id!r} is not a guide-defect ID such as 'GUIDE-ZH-JSON' (docs/aws-facts.md)"
            )
        text_d = _str(d["text"], f"{dw}.text")
        affects = tuple(
            _choice(c, f"{dw}.affects", tuple(copies)) for c in _list(d["affects"], f"{dw}.affects")
        )
        if not affects:
            raise ManifestError(f"{dw}.affects: name at least one copy of the guide")
        defects.append(KnownDefect(defect_id, text_d, affects))

    return Reference(
        name=name,
        file=file,
        kind=kind,
        attach_to=attach_to,
        description=_str(entry["description"], f"{where}.description"),
        text=text,
        document=document,
        provenance=_provenances(entry["provenance"], f"{where}.provenance", copies, reference=True),
        placeholders=tuple(placeholders),
        known_defects=tuple(defects),
        suggested_name=_opt_str(entry.get("suggested_name"), f"{where}.suggested_name"),
    )


def _feature(name: str, raw: object, copies: Mapping[str, GuideCopy], policies: set[str]) -> Feature:
    where = f"features.{name}"
    entry = _mapping(raw, where)
    _keys(entry, where, required=("title", "console_regions", "requires", "provenance"), optional=("notes",))
    regions = tuple(
        _choice(r, f"{where}.console_regions", CONSOLE_REGIONS)
        for r in _list(entry["console_regions"], f"{where}.console_regions")
    )
    requires: list[FeatureRequirement] = []
    for j, raw_req in enumerate(_list(entry["requires"], f"{where}.requires")):
        rw = f"{where}.requires[{j}]"
        req = _mapping(raw_req, rw)
        _keys(req, rw, required=("policy",), optional=("when",))
        policy = _str(req["policy"], f"{rw}.policy")
        if policy not in policies:
            raise ManifestError(f"{rw}.policy: {policy!r} is neither a reference nor an aws_managed entry")
        requires.append(
            FeatureRequirement(policy, _choice(req.get("when", "always"), f"{rw}.when", WHEN_VALUES))
        )
    return Feature(
        name=name,
        title=_str(entry["title"], f"{where}.title"),
        console_regions=regions,
        requires=tuple(requires),
        notes=_str_tuple(entry.get("notes", []), f"{where}.notes"),
        provenance=_provenances(entry["provenance"], f"{where}.provenance", copies),
    )


def _plan(name: str, raw: object, copies: Mapping[str, GuideCopy], features: Mapping[str, Feature]) -> Plan:
    where = f"plans.{name}"
    entry = _mapping(raw, where)
    _keys(entry, where, required=("title", "features", "credentials", "provenance"), optional=("notes",))
    plan_features = tuple(
        _choice(f, f"{where}.features", tuple(features))
        for f in _list(entry["features"], f"{where}.features")
    )
    if not plan_features:
        raise ManifestError(f"{where}.features: a plan supports at least one feature")
    return Plan(
        name=name,
        title=_str(entry["title"], f"{where}.title"),
        features=plan_features,
        credentials=_str(entry["credentials"], f"{where}.credentials"),
        notes=_str_tuple(entry.get("notes", []), f"{where}.notes"),
        provenance=_provenances(entry["provenance"], f"{where}.provenance", copies),
    )


def _provenances(
    raw: object, where: str, copies: Mapping[str, GuideCopy], reference: bool = False
) -> tuple[Provenance, ...]:
    items = _list(raw, where)
    if not items:
        raise ManifestError(f"{where}: say where in the guide this comes from")
    result: list[Provenance] = []
    for j, raw_p in enumerate(items):
        pw = f"{where}[{j}]"
        p = _mapping(raw_p, pw)
        if reference:
            _keys(p, pw, required=("copy", "section", "lines", "form"), optional=("relation",))
        else:
            _keys(p, pw, required=("copy", "section", "lines"), optional=("form", "relation"))
        copy = copies[_choice(p["copy"], f"{pw}.copy", tuple(copies))]
        section = _str_tuple(p["section"], f"{pw}.section")
        if not section:
            raise ManifestError(f"{pw}.section: give the section title(s) of the guide")
        lines = _list(p["lines"], f"{pw}.lines")
        if len(lines) != 2 or not all(type(n) is int for n in lines) or not 1 <= lines[0] <= lines[1]:
            raise ManifestError(f"{pw}.lines: expected [first, last] line numbers, got {lines!r}")
        form = p.get("form")
        result.append(
            Provenance(
                copy=copy.key,
                seed=copy.seed,
                language=copy.language,
                section=section,
                lines=(lines[0], lines[1]),
                form=None if form is None else _choice(form, f"{pw}.form", PROVENANCE_FORMS),
                relation=_opt_str(p.get("relation"), f"{pw}.relation"),
            )
        )
    return tuple(result)


# --------------------------------------------------------------------------- shape helpers


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: expected a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise ManifestError(f"{where}: keys must be strings, got {key!r}")
    return value


def _keys(
    value: Mapping[str, Any], where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> None:
    missing = [k for k in required if k not in value]
    if missing:
        raise ManifestError(f"{where}: missing {', '.join(missing)}")
    unknown = [k for k in value if k not in required and k not in optional]
    if unknown:
        raise ManifestError(
            f"{where}: unknown key {', '.join(unknown)} (allowed: {', '.join(required + optional)})"
        )


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ManifestError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _str_tuple(value: object, where: str) -> tuple[str, ...]:
    return tuple(_str(item, f"{where}[{i}]") for i, item in enumerate(_list(value, where)))


def _choice(value: object, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ManifestError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    assert isinstance(value, str)
    return value
