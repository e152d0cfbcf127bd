"""One digest for the finding IDs that security platforms deduplicate on (ASFF ``Id``, OCSF
``finding_info.uid``): the same rule, account and resource must give the same ID in every run and
in every format, so a re-import updates a finding instead of adding one."""

from __future__ import annotations

import hashlib


def stable_digest(*parts: str) -> str:
    """32 hex digits of SHA-256 over *parts* joined by NUL (no part can run into the next);
    lone surrogates from undecodable file names are kept, not rejected."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]
