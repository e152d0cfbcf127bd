"""CloudTrail event selectors as every source reads them, and the management events they record.

Terraform, CloudFormation and the live ``GetEventSelectors`` reply spell selectors three ways;
each source only translates its spelling into :class:`EventSelectors`, and :func:`summarize`
alone decides what the trail records (AWS-EVENT-SELECTORS), so the sources cannot disagree.

AWS's semantics: a trail records an event that matches any selector. An advanced selector
matches when every field condition holds; an including operator (``Equals``, ``StartsWith``,
``EndsWith``) holds when one of its values matches, an excluding one (``NotEquals``,
``NotStartsWith``, ``NotEndsWith``) when none does. No selector at all is the default: every
management event, read and write.

What the onboarding needs: Security Center reads the management events from the log files,
so an event a filter leaves out never reaches it. A filter that provably leaves out management
events of a service or an API call makes that kind (read or write) ``False``; leaving out
:data:`OPT_OUT_SOURCES`, the only exclusions AWS accepts on a trail, is reported in
``excluded_sources`` and left to each rule; a filter whose effect cannot be known (a
``StartsWith`` pattern, a field AWS does not document for management events) is ``Unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TypeAlias

from policy_lint.inventory.model import EventSelectorSummary, Maybe, Unknown

#: the operators of an advanced field selector, in the neutral spelling (Terraform's)
OPERATORS = ("equals", "not_equals", "starts_with", "not_starts_with", "ends_with", "not_ends_with")
#: the API's (and CloudFormation's) spelling of each operator
API_OPERATORS = {
    "Equals": "equals",
    "NotEquals": "not_equals",
    "StartsWith": "starts_with",
    "NotStartsWith": "not_starts_with",
    "EndsWith": "ends_with",
    "NotEndsWith": "not_ends_with",
}
#: the only event sources a trail may leave out (ExcludeManagementEventSources, eventSource NotEquals)
OPT_OUT_SOURCES = frozenset({"kms.amazonaws.com", "rdsdata.amazonaws.com"})
#: management events that certainly exist, by readOnly value: a filter that drops one of them
#: provably drops events the onboarding needs (used where a filter is a pattern)
WITNESSES = {
    "true": (
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("iam.amazonaws.com", "ListUsers"),
        ("s3.amazonaws.com", "GetBucketPolicy"),
        ("cloudtrail.amazonaws.com", "DescribeTrails"),
    ),
    "false": (
        ("signin.amazonaws.com", "ConsoleLogin"),
        ("iam.amazonaws.com", "CreateAccessKey"),
        ("iam.amazonaws.com", "AttachUserPolicy"),
        ("ec2.amazonaws.com", "RunInstances"),
        ("s3.amazonaws.com", "PutBucketPolicy"),
        ("cloudtrail.amazonaws.com", "StopLogging"),
    ),
}
_KIND_NAMES = {"true": "read", "false": "write"}

Values: TypeAlias = "Maybe[tuple[str, ...]]"
#: three-valued truth: a selector may or may not record an event, or the input cannot tell
Truth: TypeAlias = "bool | Unknown"


@dataclass(frozen=True)
class FieldSelector:
    """One condition of an advanced selector; an empty operator is absent."""

    field: Maybe[str]
    equals: Values = ()
    not_equals: Values = ()
    starts_with: Values = ()
    not_starts_with: Values = ()
    ends_with: Values = ()
    not_ends_with: Values = ()


@dataclass(frozen=True)
class AdvancedSelector:
    fields: Maybe[tuple[FieldSelector, ...]]


@dataclass(frozen=True)
class BasicSelector:
    """An ``EventSelector``, with AWS's defaults."""

    include_management_events: Maybe[bool] = True
    read_write_type: Maybe[str] = "All"
    exclude_management_event_sources: Values = ()


@dataclass(frozen=True)
class EventSelectors:
    """A trail's selectors as written: AWS applies one kind, never both."""

    basic: Maybe[tuple[BasicSelector, ...]] = ()
    advanced: Maybe[tuple[AdvancedSelector, ...]] = ()


# -- three-valued logic ------------------------------------------------------------------------
def _decide(truths: Iterable[Truth], decisive: bool) -> Truth:
    """``decisive`` as soon as one truth is; else the first Unknown; else the other value."""
    unknown: Unknown | None = None
    for truth in truths:
        if truth is decisive:
            return decisive
        if isinstance(truth, Unknown) and unknown is None:
            unknown = truth
    return unknown if unknown is not None else not decisive


def _any(truths: Iterable[Truth]) -> Truth:
    return _decide(truths, True)


def _all(truths: Iterable[Truth]) -> Truth:
    return _decide(truths, False)


_TESTS: dict[str, tuple[bool, Callable[[str, str], bool]]] = {
    "equals": (True, str.__eq__),
    "starts_with": (True, str.startswith),
    "ends_with": (True, str.endswith),
    "not_equals": (False, str.__eq__),
    "not_starts_with": (False, str.startswith),
    "not_ends_with": (False, str.endswith),
}


def field_matches(selector: FieldSelector, value: str) -> Truth:
    """Does ``value`` satisfy this condition? Unknown values, and two including operators that
    disagree (AWS does not document whether they combine with AND or OR), cannot tell."""
    fold = selector.field == "readOnly"  # "true"/"false", however a template spelled them
    including: list[Truth] = []
    excluding: list[Truth] = []
    for operator, (positive, test) in _TESTS.items():
        values = getattr(selector, operator)
        if isinstance(values, Unknown):
            found: Truth = Unknown(f"{selector.field} {operator}: {values.reason}")
        elif not values:
            continue
        else:
            hit = any(test(value.lower() if fold else value, v.lower() if fold else v) for v in values)
            found = hit if positive else not hit
        (including if positive else excluding).append(found)
    if len(including) > 1 and not (all(t is True for t in including) or all(t is False for t in including)):
        unknowns = [t for t in including if isinstance(t, Unknown)]
        including = [unknowns[0] if unknowns else Unknown(_combined(selector))]
    return _all([*including[:1], *excluding])


def _combined(selector: FieldSelector) -> str:
    used = [op for op in ("equals", "starts_with", "ends_with") if getattr(selector, op)]
    return f"{selector.field} {' and '.join(used)}: AWS does not document how two including operators combine"


# -- what one selector records of one kind -------------------------------------------------------
@dataclass(frozen=True)
class _Sources:
    """An exact set of event sources: ``values`` (finite) or every source except ``values``."""

    finite: bool
    values: frozenset[str]


def _union(a: _Sources, b: _Sources) -> _Sources:
    if a.finite and b.finite:
        return _Sources(True, a.values | b.values)
    if a.finite or b.finite:
        finite, cofinite = (a, b) if a.finite else (b, a)
        return _Sources(False, cofinite.values - finite.values)
    return _Sources(False, a.values & b.values)


@dataclass(frozen=True)
class _Scope:
    """The management events of one kind (read or write) one selector records."""

    applies: Truth  # it records events of this kind at all, sources and names aside
    source: Callable[[str], Truth]
    name: Callable[[str], Truth] | None  # None: no eventName condition
    sources: _Sources | None  # the exact sources, when the conditions allow it

    def records(self, source: str, name: str) -> Truth:
        return _all([self.applies, self.source(source), self.name(name) if self.name else True])


def _basic_scope(selector: BasicSelector, kind: str) -> _Scope:
    rw = selector.read_write_type
    of_kind: Truth
    if isinstance(rw, Unknown):
        of_kind = rw
    elif rw == "All":
        of_kind = True
    elif rw in ("ReadOnly", "WriteOnly"):
        of_kind = (rw == "ReadOnly") == (kind == "true")
    else:
        of_kind = Unknown(f"ReadWriteType {rw!r} is not ReadOnly, WriteOnly or All")
    excluded = selector.exclude_management_event_sources
    if isinstance(excluded, Unknown):
        return _Scope(_all([selector.include_management_events, of_kind]), lambda _: excluded, None, None)
    return _Scope(
        _all([selector.include_management_events, of_kind]),
        lambda source: source not in excluded,
        None,
        _Sources(False, frozenset(excluded)),
    )


def _advanced_scope(selector: AdvancedSelector, kind: str) -> _Scope:
    fields = selector.fields
    if isinstance(fields, Unknown):
        return _Scope(fields, lambda _: True, None, None)
    event = {"eventCategory": "Management", "readOnly": kind}
    conditions: list[Truth] = []
    for item in fields:
        if isinstance(item.field, Unknown):
            conditions.append(item.field)
        elif item.field in event:
            conditions.append(field_matches(item, event[item.field]))
        elif item.field not in ("eventSource", "eventName"):
            conditions.append(
                Unknown(f"{item.field}: AWS does not document this field for management events of a trail")
            )
    named = [item.field for item in fields]
    if "eventCategory" not in named and not any(isinstance(n, Unknown) for n in named):
        conditions.append(False)  # eventCategory is required: AWS records nothing for such a selector
    by_source = [item for item in fields if item.field == "eventSource"]
    by_name = [item for item in fields if item.field == "eventName"]
    return _Scope(
        _all(conditions),
        lambda source: _all(field_matches(item, source) for item in by_source),
        (lambda name: _all(field_matches(item, name) for item in by_name)) if by_name else None,
        _exact_sources(by_source),
    )


def _exact_sources(conditions: list[FieldSelector]) -> _Sources | None:
    """The sources eventSource conditions select, when that is a finite or co-finite set."""
    if any(isinstance(getattr(c, op), Unknown) for c in conditions for op in OPERATORS):
        return None
    listed = [frozenset(_given(c, "equals")) for c in conditions if _given(c, "equals")]
    if listed:
        candidates = reduce(frozenset.intersection, listed)
        truths = {v: _all(field_matches(c, v) for c in conditions) for v in candidates}
        if any(isinstance(t, Unknown) for t in truths.values()):
            return None
        return _Sources(True, frozenset(v for v, t in truths.items() if t is True))
    patterns = ("starts_with", "ends_with", "not_starts_with", "not_ends_with")
    if any(_given(c, op) for c in conditions for op in patterns):
        return None
    return _Sources(False, frozenset(v for c in conditions for v in _given(c, "not_equals")))


def _given(condition: FieldSelector, operator: str) -> tuple[str, ...]:
    values = getattr(condition, operator)
    return values if isinstance(values, tuple) else ()


# -- the summary -----------------------------------------------------------------------------------
def _coverage(scopes: list[_Scope], kind: str, filters: tuple[str, ...]) -> tuple[Truth, frozenset[str]]:
    """Whether every management event of ``kind`` outside OPT_OUT_SOURCES is recorded, and which
    opt-out sources are left out."""
    label = _KIND_NAMES[kind]
    exact = [s.sources for s in scopes if s.applies is True and s.name is None and s.sources is not None]
    covered = reduce(_union, exact, _Sources(True, frozenset()))
    if covered.finite:  # no selector records every source: look for a witness it drops
        found = _all(_any(s.records(src, name) for s in scopes) for src, name in WITNESSES[kind])
        if found is True:
            found = Unknown(
                f"cannot tell whether the filters ({'; '.join(filters)}) keep the {label} management "
                "events of every service and API call"
            )
        return found, frozenset()
    dropped: set[str] = set()
    unsure: list[Truth] = []
    for source in sorted(covered.values):
        whole = _any(_all([s.applies, s.source(source)]) for s in scopes if s.name is None)
        if whole is True:
            continue
        partly = any(_all([s.applies, s.source(source)]) is not False for s in scopes if s.name)
        if whole is False and not partly:
            dropped.add(source)
        else:
            reason = whole.reason if isinstance(whole, Unknown) else "only some of its events are selected"
            unsure.append(Unknown(f"{label} management events from {source}: {reason}"))
    if dropped - OPT_OUT_SOURCES:
        return False, frozenset(dropped & OPT_OUT_SOURCES)
    return _all(unsure), frozenset(dropped & OPT_OUT_SOURCES)


def _describe(selectors: EventSelectors) -> tuple[str, ...]:
    """The eventSource/eventName filters beyond AWS's opt-outs, as written (for messages)."""
    out: list[str] = []
    for basic in selectors.basic if isinstance(selectors.basic, tuple) else ():
        excluded = basic.exclude_management_event_sources
        if basic.include_management_events is False:
            continue
        if isinstance(excluded, Unknown):
            out.append(f"ExcludeManagementEventSources (unknown: {excluded.reason})")
        elif set(excluded) - OPT_OUT_SOURCES:
            out.append(f"ExcludeManagementEventSources {', '.join(sorted(excluded))}")
    for advanced in selectors.advanced if isinstance(selectors.advanced, tuple) else ():
        if isinstance(advanced.fields, Unknown) or not _selects_management(advanced):
            continue
        for item in advanced.fields:
            if item.field not in ("eventSource", "eventName"):
                continue
            for api, operator in API_OPERATORS.items():
                values = getattr(item, operator)
                if isinstance(values, Unknown):
                    out.append(f"{item.field} {api} (unknown: {values.reason})")
                elif item.field == "eventSource" and operator == "not_equals":
                    if set(values) - OPT_OUT_SOURCES:
                        out.append(f"{item.field} {api} {', '.join(values)}")
                elif values:
                    out.append(f"{item.field} {api} {', '.join(values)}")
    return tuple(out)


def _selects_management(selector: AdvancedSelector) -> bool:
    return any(_advanced_scope(selector, kind).applies is not False for kind in _KIND_NAMES)


def summarize(selectors: EventSelectors) -> Maybe[EventSelectorSummary]:
    """The management events a trail records (AWS-EVENT-SELECTORS); the one place that decides."""
    basic, advanced = selectors.basic, selectors.advanced
    for given in (basic, advanced):
        if isinstance(given, Unknown):
            return given
    assert isinstance(basic, tuple) and isinstance(advanced, tuple)
    if basic and advanced:
        return Unknown(
            "both basic and advanced event selectors are set; AWS applies one kind only "
            "(PutEventSelectors takes one or the other, and the Terraform provider refuses both)"
        )
    if not basic and not advanced:
        return EventSelectorSummary(True, True, (), "default")
    filters = _describe(selectors)
    found: dict[str, Truth] = {}
    excluded: set[str] = set()
    for kind in _KIND_NAMES:
        scopes = [_basic_scope(s, kind) for s in basic] + [_advanced_scope(s, kind) for s in advanced]
        found[kind], left_out = _coverage(scopes, kind, filters)
        excluded |= left_out
    return EventSelectorSummary(
        found["true"],
        found["false"],
        tuple(sorted(excluded)),
        "advanced" if advanced else "basic",
        filters,
    )
