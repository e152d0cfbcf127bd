"""Baselines: accept the findings a project already has, so only new ones block a merge.

A fingerprint is the rule ID, the file (relative to the current directory) or the resource,
and the message, hashed: line numbers are left out on purpose, so adding a line above an
old finding does not make it "new". ``--write-baseline`` stores the fingerprints of what is
reported now; ``--baseline`` later hides exactly those (each fingerprint as many times as it
was recorded) and reports the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_lint import __version__
from policy_lint.errors import InputError

FORMAT = "policy-lint-baseline/1"
#: A baseline holds one short record per finding; 64 MiB is millions of them.
BASELINE_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """The identity of one finding, stable across unrelated edits of the file."""

    rule_id: str
    where: str  # relative path for file findings, the resource for live results
    message: str

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.rule_id}\0{self.where}\0{self.message}".encode())
        return digest.hexdigest()[:32]


def relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def write_baseline(path: str, entries: Sequence[Entry]) -> int:
    """Store the fingerprints of ``entries``; returns how many were written."""
    records = sorted(
        (
            {"fingerprint": e.fingerprint, "rule_id": e.rule_id, "where": e.where, "message": e.message}
            for e in entries
        ),
        key=lambda r: (r["rule_id"], r["where"], r["message"]),
    )
    payload = {"format": FORMAT, "tool": f"policy-lint {__version__}", "findings": records}
    try:
        Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:  # a missing folder or no permission is the user's to fix, not a crash
        raise InputError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(records)


def read_baseline(path: str) -> Counter[str]:
    """Fingerprints (with multiplicity) of a baseline file; a broken file is an InputError."""
    from policy_lint.syntax.source import read_regular_file

    if not os.path.lexists(path):
        raise InputError(f"baseline file not found: {path} (create it with --write-baseline)")
    try:
        data = json.loads(read_regular_file(path, path, max_bytes=BASELINE_MAX_BYTES).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read baseline {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline is not JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("findings"), list)
    ):
        raise InputError(f"{path} is not a policy-lint baseline (expected format {FORMAT!r})", path, 1, 1)
    return Counter(
        str(r.get("fingerprint")) for r in data["findings"] if isinstance(r, dict) and r.get("fingerprint")
    )


def split_by_baseline(entries: Sequence[Entry], known: Counter[str]) -> tuple[list[int], list[int]]:
    """Indexes of new entries and of entries the baseline already holds."""
    remaining = Counter(known)
    new, old = [], []
    for index, entry in enumerate(entries):
        if remaining[entry.fingerprint] > 0:
            remaining[entry.fingerprint] -= 1
            old.append(index)
        else:
            new.append(index)
    return new, old
