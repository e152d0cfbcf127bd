"""One digest for the finding IDs that security platforms deduplicate on (ASFF ``Id``, OCSF
``finding_info.uid``): the same rule, account and resource must give the same ID in every run and
in every format, so a re-import updates a finding instead of adding one."""

from __future__ import annotations

import hashlib

from policy_lint.core.findings import Location


def stable_digest(*parts: str) -> str:
    """32 hex digits of SHA-256 over *parts* joined by NUL (no part can run into the next);
    lone surrogates from undecodable file names are kept, not rejected."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def id_parts(*, location: Location | None, message: str, resource: str | None = None) -> tuple[str, ...]:
    """What a finding's ID hashes: a check result's resource; a lint finding's file position and
    message. Accepted or suppressed, a finding keeps the ID it has when it blocks."""
    if resource is not None:
        return (resource,)
    if location is not None:
        return (location.path, str(location.line), str(location.col), message)
    return (message,)
