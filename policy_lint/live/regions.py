"""Which collected regions the account has enabled: ``account:ListRegions`` (AWS-OPT-IN-REGIONS).

An opt-in region (af-south-1, ap-east-1, ...) that is not enabled answers every call with an
authentication error, so nothing in it can be read: its trails, queues and security groups are
unknown, and the checks that depend on it are unknown, never failed. An endpoint without the
Account API (moto, a proxy) is not an error: every region is then read as before.
"""

from __future__ import annotations

from policy_lint.live.api import UNSUPPORTED_CODES, Api, Failure

#: RegionOptStatus values of a region whose resources can be read
ENABLED = frozenset({"ENABLED", "ENABLED_BY_DEFAULT"})


def not_enabled(api: Api, regions: list[str]) -> dict[str, str]:
    """The regions of ``regions`` the account has not enabled, with their RegionOptStatus; each is
    recorded in ``collection_errors``. A refused ListRegions is recorded too and leaves every
    region to be read (a disabled one then fails call by call)."""
    listed = api.paginate("account", "ListRegions", "Regions", expected=tuple(UNSUPPORTED_CODES))
    if isinstance(listed, Failure):
        return {}
    status = {
        str(r["RegionName"]): str(r["RegionOptStatus"])
        for r in listed
        if r.get("RegionName") and r.get("RegionOptStatus")
    }
    disabled: dict[str, str] = {}
    for region in regions:
        state = status.get(region)
        if state is not None and state not in ENABLED:
            disabled[region] = state
            api.errors.record(
                f"account:ListRegions {region}",
                f"region {region} is not enabled in this account (RegionOptStatus {state}): "
                "its trails, queues and security groups were not read and are unknown",
            )
    return disabled
