"""AWS partitions and their regions, known offline.

Two sources are merged, region by region: the installed botocore's
``data/partitions.json`` (read as a plain file, botocore is never imported, so
this stays fast and works without credentials) and the bundled snapshot
``data/partitions.json``. The snapshot exists because botocore trails AWS:
an older botocore does not know me-west-1 or sa-west-1, and a linter must not
call a real region "unknown" just because the environment pins an old SDK.

Pseudo-regions such as ``aws-global`` (botocore lists them for endpoint
resolution) are not regions: they never appear in an ARN or in
``aws:RequestedRegion``, so they are left out unless they match the partition's
region pattern.

Everything is computed once per process; the public functions are cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

_SNAPSHOT = Path(__file__).with_name("data") / "partitions.json"


@dataclass(frozen=True)
class Partition:
    """One AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""

    id: str
    name: str
    dns_suffix: str
    region_regex: re.Pattern[str]
    regions: frozenset[str]
    descriptions: Mapping[str, str]

    def matches_region_pattern(self, region: str) -> bool:
        """Whether ``region`` has this partition's naming pattern (known or not)."""
        return self.region_regex.match(region) is not None


def botocore_partitions_file() -> Path | None:
    """Where the installed botocore keeps ``partitions.json`` (None if botocore is absent)."""
    try:
        spec = find_spec("botocore")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / "partitions.json"
    return path if path.is_file() else None


def _read(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    parts = raw.get("partitions") if isinstance(raw, dict) else None
    return (
        [p for p in parts if isinstance(p, dict) and isinstance(p.get("id"), str)]
        if isinstance(parts, list)
        else []
    )


def _dns_suffix(entry: Mapping[str, Any]) -> str | None:
    outputs = entry.get("outputs")
    if isinstance(outputs, dict) and isinstance(outputs.get("dnsSuffix"), str):
        return str(outputs["dnsSuffix"])
    value = entry.get("dnsSuffix")
    return value if isinstance(value, str) else None


def _region_descriptions(entry: Mapping[str, Any]) -> dict[str, str]:
    regions = entry.get("regions")
    if not isinstance(regions, dict):
        return {}
    found: dict[str, str] = {}
    for name, info in regions.items():
        description = info.get("description", "") if isinstance(info, dict) else ""
        found[str(name)] = str(description)
    return found


def merge_partitions(*sources: Iterable[Mapping[str, Any]]) -> dict[str, Partition]:
    """Union partition lists in botocore's format; earlier sources win for names and patterns."""
    merged: dict[str, dict[str, Any]] = {}
    for source in sources:
        for entry in source:
            pid = str(entry["id"])
            slot = merged.setdefault(pid, {"name": None, "dns": None, "regex": None, "regions": {}})
            slot["name"] = slot["name"] or entry.get("name")
            slot["dns"] = slot["dns"] or _dns_suffix(entry)
            slot["regex"] = slot["regex"] or entry.get("regionRegex")
            for region, description in _region_descriptions(entry).items():
                if description or region not in slot["regions"]:
                    slot["regions"].setdefault(region, description)
    partitions: dict[str, Partition] = {}
    for pid, slot in merged.items():
        regex = re.compile(slot["regex"] or r"^$")
        regions = {name: text for name, text in slot["regions"].items() if regex.match(name)}
        partitions[pid] = Partition(
            id=pid,
            name=str(slot["name"] or pid),
            dns_suffix=str(slot["dns"] or ""),
            region_regex=regex,
            regions=frozenset(regions),
            descriptions=dict(sorted(regions.items())),
        )
    return partitions


@lru_cache(maxsize=1)
def _partitions() -> dict[str, Partition]:
    # Snapshot first: its partition names are human-readable; regions are unioned either way.
    return merge_partitions(_read(_SNAPSHOT), _read(botocore_partitions_file()))


@lru_cache(maxsize=1)
def _region_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for partition in _partitions().values():
        for region in partition.regions:
            index.setdefault(region, partition.id)
    return index


def partition_ids() -> tuple[str, ...]:
    """Every known partition ID, sorted (``aws`` first)."""
    return tuple(sorted(_partitions(), key=lambda pid: (pid != "aws", pid)))


def is_known_partition(partition: str) -> bool:
    """Whether ``partition`` is a partition ID such as ``aws`` or ``aws-cn`` (case-sensitive, like ARNs)."""
    return partition in _partitions()


def get_partition(partition: str) -> Partition | None:
    return _partitions().get(partition)


def regions(partition: str) -> frozenset[str]:
    """The regions of a partition; empty for an unknown partition."""
    found = _partitions().get(partition)
    return found.regions if found else frozenset()


def all_regions() -> frozenset[str]:
    """Every region of every partition."""
    return frozenset(_region_index())


def partition_of_region(region: str, *, by_pattern: bool = False) -> str | None:
    """The partition a region belongs to: ``cn-north-1`` -> ``aws-cn``.

    Only regions known offline are answered, unless ``by_pattern`` is set: then a
    region that is not known but has a partition's naming pattern (a region newer
    than both data sources) is attributed to that partition.
    """
    known = _region_index().get(region)
    if known is not None or not by_pattern:
        return known
    for pid in partition_ids():
        if _partitions()[pid].matches_region_pattern(region):
            return pid
    return None


def is_known_region(region: str, partition: str | None = None) -> bool:
    """Whether ``region`` exists (in ``partition``, when given)."""
    if partition is None:
        return region in _region_index()
    return region in regions(partition)


def region_description(region: str) -> str | None:
    """The human name of a region, e.g. ``Europe (Ireland)``."""
    pid = _region_index().get(region)
    return _partitions()[pid].descriptions.get(region) if pid else None


def dns_suffix(partition: str) -> str | None:
    """The endpoint DNS suffix of a partition (``amazonaws.com.cn`` for ``aws-cn``)."""
    found = _partitions().get(partition)
    return found.dns_suffix if found else None
