"""Baselines: accept the findings a project already has, so only new ones block a merge.

A fingerprint is the rule ID, the file or the resource, and the message, hashed: line numbers
are left out on purpose, so adding a line above an old finding does not make it "new" (and so are
the line and column references inside a message: "line 12", "main.tf:12:3", since messages such as
an escalation path's name the other statements they involve). File
paths are taken relative to the folder of the baseline file itself, so the same baseline
matches whichever folder the command runs from (a pre-commit hook in a sub-folder, CI at the
root). ``--write-baseline`` stores the fingerprints of what is reported now; ``--baseline``
later hides exactly those (each fingerprint as many times as it was recorded) and reports the
rest.

Baselines of format 1 took paths relative to the working directory of the run that wrote
them; they are still read, matching a finding by either its path from the baseline's folder
or its path from the current directory.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_lint import __version__
from policy_lint.core.errors import InputError

FORMAT = "policy-lint-baseline/2"
#: Paths relative to the current directory of the writing run (read, never written).
FORMAT_V1 = "policy-lint-baseline/1"
FORMATS = (FORMAT, FORMAT_V1)
#: A baseline holds one short record per finding; 64 MiB is millions of them.
BASELINE_MAX_BYTES = 64 * 1024 * 1024
#: A baseline is three levels deep; far deeper is not a baseline (and would exhaust the stack).
_MAX_DEPTH = 32
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')


@dataclass(frozen=True)
class Entry:
    """The identity of one finding, stable across unrelated edits of the file."""

    rule_id: str
    where: str  # path relative to the baseline's folder for file findings, the resource otherwise
    message: str

    @property
    def fingerprint(self) -> str:
        return _hash(self.rule_id, self.where, _without_line_numbers(self.message))

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """Every fingerprint that identifies this finding: the current one, then the one baselines
        written before line references were left out of messages hold (the whole message)."""
        return self.fingerprint, _hash(self.rule_id, self.where, self.message)


def _hash(rule_id: str, where: str, message: str) -> str:
    # surrogatepass: a non-UTF-8 file name arrives as surrogate escapes and must still hash
    import hashlib  # here, not at import: loading OpenSSL costs every run that has no baseline ~3 ms

    digest = hashlib.sha256(f"{rule_id}\0{where}\0{message}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


#: "line 12", "lines 3-4", and ":12:3" / ":12" after a file name with an extension (main.tf:12:3):
#: where, not what. An ARN's account (arn:aws:iam::123456789012:...) follows no extension and stays.
_LINE_REFERENCE = re.compile(r"\b(lines?) \d+(?:-\d+)?|(\.[A-Za-z0-9]{1,10}):\d+(?::\d+)?\b")


def _without_line_numbers(message: str) -> str:
    return _LINE_REFERENCE.sub(lambda m: f"{m.group(1)} #" if m.group(1) else f"{m.group(2)}:#", message)


@dataclass(frozen=True)
class Record:
    """A finding or result as the baseline sees it, before its path is made relative."""

    rule_id: str
    path: str | None  # the file it points at, if any
    resource: str | None  # live and check results without a file
    message: str


@dataclass(frozen=True)
class Baseline:
    """A baseline file read back: its fingerprints (with multiplicity) and how to match them."""

    path: str
    format: str
    fingerprints: Counter[str]

    @property
    def roots(self) -> list[Path]:
        """The folders finding paths are taken relative to when matching."""
        folder = folder_of(self.path)
        return [folder, Path.cwd().resolve()] if self.format == FORMAT_V1 else [folder]


def folder_of(path: str) -> Path:
    return Path(path).resolve().parent


class _Relative:
    """Paths relative to one root, resolved once per file: a big run has many findings per file."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path not in self.cache:
            absolute = Path(path).resolve()
            try:
                self.cache[path] = Path(os.path.relpath(absolute, self.root)).as_posix()
            except ValueError:  # another drive on Windows: no relative path exists
                self.cache[path] = absolute.as_posix()
        return self.cache[path]


def entries(records: Sequence[Record], root: Path) -> list[Entry]:
    """The identities of ``records`` with their file paths relative to ``root``."""
    relative = _Relative(root)
    return [Entry(r.rule_id, relative(r.path) if r.path else (r.resource or ""), r.message) for r in records]


def refuse_partial(path: str, unusable: Sequence[object]) -> None:
    """No baseline from a run that could not read every input.

    A baseline written then would hold nothing of the broken file, so its findings would still
    show later, but it would accept everything else as it is now without anyone having seen the
    run was incomplete. The unusable inputs are listed, and nothing is written (exit 2).
    """
    if unusable:
        listed = "\n".join(f"  {item}" for item in unusable)
        raise InputError(
            f"baseline {path} not written: {len(unusable)} input(s) could not be used; fix them or "
            f"leave them out, then write the baseline again:\n{listed}"
        )


def write_baseline(path: str, records: Sequence[Record]) -> int:
    """Store the fingerprints of ``records``; returns how many were written.

    Refuses to overwrite a file that is not a policy-lint baseline: ``--write-baseline
    policies/admin.json`` is a slip of the keyboard, not a request to destroy that file.
    """
    from policy_lint.reporters.sanitize import clean

    _refuse_to_overwrite_other_files(path)
    stored = entries(records, folder_of(path))
    # The file is committed and read by people: what it shows is cleaned like any report (a Sid
    # holding a secret key is redacted, a non-UTF-8 name escaped); only the fingerprint matches.
    rows = sorted(
        (
            {
                "fingerprint": e.fingerprint,
                "rule_id": e.rule_id,
                "where": clean(e.where),
                "message": clean(e.message),
            }
            for e in stored
        ),
        key=lambda r: (r["rule_id"], r["where"], r["message"]),
    )
    payload = {"format": FORMAT, "tool": f"policy-lint {__version__}", "findings": rows}
    try:
        Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:  # a missing folder or no permission is the user's to fix, not a crash
        raise InputError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(rows)


def _refuse_to_overwrite_other_files(path: str) -> None:
    if not os.path.lexists(path):
        return
    try:
        _read(path, allow_empty=True)
    except InputError as exc:
        raise InputError(
            f"refusing to overwrite {path}: {exc.message} (--write-baseline replaces only a "
            "policy-lint baseline: choose another file name, or delete this file first)"
        ) from None


def read_baseline(path: str) -> Baseline:
    """The fingerprints of a baseline file; anything that is not a baseline is a located InputError."""
    if not os.path.lexists(path):
        raise InputError(f"baseline file not found: {path} (create it with --write-baseline)")
    return _read(path)


def _read(path: str, allow_empty: bool = False) -> Baseline:
    from policy_lint.syntax.source import read_regular_file

    raw = read_regular_file(path, path, max_bytes=BASELINE_MAX_BYTES)
    if allow_empty and not raw.strip():
        return Baseline(path, FORMAT, Counter())  # an empty file has nothing to lose
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read baseline {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline is not JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except (ValueError, RecursionError):
        # A number of thousands of digits (int() refuses it) or nesting deep enough to exhaust
        # the parser's stack: neither is in a baseline, so say where it is instead of crashing.
        why, offset = _unreadable_part(text)
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise InputError(f"not a policy-lint baseline: {why}", path, line, col) from None
    if (
        not isinstance(data, dict)
        or data.get("format") not in FORMATS
        or not isinstance(data.get("findings"), list)
    ):
        raise InputError(
            f'not a policy-lint baseline: expected a JSON object with "format": "{FORMAT}" and a '
            '"findings" list',
            path,
            1,
            1,
        )
    fingerprints = Counter(
        str(r.get("fingerprint")) for r in data["findings"] if isinstance(r, dict) and r.get("fingerprint")
    )
    return Baseline(path, str(data["format"]), fingerprints)


def _unreadable_part(text: str) -> tuple[str, int]:
    """What made a JSON text unparseable by ``json`` without a syntax error, and where it starts."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # Python 3.11+: int() refuses more
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]
        if first in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return f"nested more than {_MAX_DEPTH} levels deep", token.start()
        elif first in "]}":
            depth -= 1
        elif first != '"' and 0 < limit < len(digits := token.group().lstrip("-")) and digits.isdigit():
            return f"an integer of {len(digits):,} digits", token.start()
    return "a value the JSON reader cannot hold", 0


def split_by_baseline(records: Sequence[Record], baseline: Baseline) -> tuple[list[int], list[int]]:
    """Indexes of new records and of records the baseline already holds."""
    remaining = Counter(baseline.fingerprints)
    keyed = [[e.fingerprints for e in entries(records, root)] for root in baseline.roots]
    new, old = [], []
    for index in range(len(records)):
        candidates = (fingerprint for f in keyed for fingerprint in f[index])
        fingerprint = next((c for c in candidates if remaining[c] > 0), None)
        if fingerprint is None:
            new.append(index)
        else:
            remaining[fingerprint] -= 1
            old.append(index)
    return new, old
