"""Every policy a change touches, in its version at the base revision and after the change.

``diff --base REF`` asks git which files changed (renames included) and pairs, for each:

* a policy file (JSON/YAML naming a ``Statement``) with the same file at REF, under its old name
  when git saw a rename;
* each policy embedded in Terraform or CloudFormation with the same resource (Terraform address or
  logical ID, and the attribute that holds it) at REF. A Terraform module is read folder by folder,
  as ``check`` reads it, because a policy in one file may use a local of another; a template is
  read on its own.

The base's files (and the index's, with ``--staged``) are read from git into a private temporary
folder, with the size cap that guards files on disk, and never through a shell. Locations in the
base's version read ``REF:path``, as ``git show`` takes them; the version after the change is
located in the working tree's files.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.changes.principals import principal_changes, rescope
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Location
from policy_lint.iam.new_access import PolicyChange
from policy_lint.iam.principal_access import PrincipalChange
from policy_lint.inventory.model import Inventory
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyDocument
from policy_lint.syntax.source import MAX_FILE_SIZE_HINT, Source, decode_bytes, read_source
from policy_lint.vcs.git import INDEX, WORKTREE, Change, Repository

TERRAFORM_SUFFIXES = (".tf", ".tfvars")
DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml", ".template")


@dataclass
class Collected:
    """The policy changes to compare, and the inputs that could not be read (exit 2)."""

    changes: list[PolicyChange] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    #: the changed files the comparison read (policy files, templates, Terraform files)
    files: list[str] = field(default_factory=list)
    #: each user and role of a changed Terraform folder or template, at both sides
    principals: list[PrincipalChange] = field(default_factory=list)


class _Sides:
    """Reads a repository path at the base commit, and after the change (index or working tree)."""

    def __init__(self, repo: Repository, base: str, base_label: str, after: str, max_bytes: int, temp: Path):
        self.repo = repo
        self.base = base
        self.base_label = base_label
        self.after = after
        self.max_bytes = max_bytes
        self.temp = temp

    def shown(self, side: str, path: str) -> str:
        """How a path is named in reports: relative to the current folder, ``REF:path`` at the base."""
        if side == self.base:
            return f"{self.base_label}:{path}"
        return os.path.relpath(self.repo.root / path)

    def source(self, side: str, path: str) -> Source | None:
        """The file ``path`` at ``side``, None when it is not a regular file there."""
        shown = self.shown(side, path)
        if side == WORKTREE:
            full = self.repo.root / path
            if not full.exists():
                return None
            return read_source(full, shown, self.max_bytes, MAX_FILE_SIZE_HINT)
        blob = self.repo.blob_at(side, path)
        if blob is None:
            return None
        return decode_bytes(self.repo.read(blob, shown, self.max_bytes), shown)

    def folder(
        self, side: str, folder: str, names: Sequence[str] | None = None
    ) -> tuple[Path, dict[str, str]]:
        """A folder as it is at ``side``, on disk: the working tree's own, or a copy from git in the
        temporary folder; and each copied file's path -> how reports name it. ``names``: only
        these files (repository paths) of the folder."""
        if side == WORKTREE:
            return Path(os.path.relpath(self.repo.root / folder)), {}
        where = self.temp / ("base" if side == self.base else "index") / folder
        where.mkdir(parents=True, exist_ok=True)
        shown: dict[str, str] = {}
        for blob in self.repo.blobs(side, folder):
            if names is not None and blob.path not in names:
                continue
            target = where / os.path.basename(blob.path)
            target.write_bytes(self.repo.read(blob, self.shown(side, blob.path), self.max_bytes))
            shown[str(target)] = self.shown(side, blob.path)
        return where, shown


def _kind(path: str, text: str | None) -> str | None:
    """``terraform``, ``cloudformation``, ``policy`` or None (a file no comparison reads)."""
    from policy_lint.sources.cloudformation.sniff import looks_like_template

    if path.endswith(TERRAFORM_SUFFIXES):
        return "terraform"
    if not path.endswith(DOCUMENT_SUFFIXES) or text is None:
        return None
    if looks_like_template(text):
        return "cloudformation"
    if '"format_version"' in text and ('"planned_values"' in text or '"resource_changes"' in text):
        return None  # a plan is generated, not reviewed: compare the Terraform it came from
    return "policy" if "Statement" in text else None


def collect(
    repo: Repository,
    base: str,
    base_label: str,
    *,
    staged: bool,
    paths: Sequence[str] = (),
    max_bytes: int,
) -> Collected:
    """The policy changes from commit ``base`` to the index (``staged``) or the working tree."""
    after = INDEX if staged else WORKTREE
    specs = [f":(literal){os.path.relpath(os.path.abspath(p), repo.root)}" for p in paths]
    out = Collected()
    with _temporary() as temp:
        sides = _Sides(repo, base, base_label, after, max_bytes, temp)
        terraform: dict[str, None] = {}
        for change in repo.changes(base, staged=staged, paths=specs):
            if change.new is None:
                if (change.old or "").endswith(TERRAFORM_SUFFIXES):
                    # what it declared may have limited a principal of its folder (a Deny, a boundary)
                    terraform.setdefault(os.path.dirname(change.old or ""), None)
                    out.files.append(sides.shown(sides.base, change.old or ""))
                continue  # a deleted file grants nothing itself
            try:
                _collect_one(sides, change, terraform, out)
            except InputError as exc:
                out.problems.append(_unreadable(exc))
        for folder in terraform:
            _collect_embedded(sides, "terraform", folder, None, out)
    return out


def _collect_one(sides: _Sides, change: Change, terraform: dict[str, None], out: Collected) -> None:
    assert change.new is not None
    if change.new.endswith(TERRAFORM_SUFFIXES) or (change.old or "").endswith(TERRAFORM_SUFFIXES):
        for path in (change.old, change.new):
            if path is not None and path.endswith(TERRAFORM_SUFFIXES):
                terraform.setdefault(os.path.dirname(path), None)
        out.files.append(sides.shown(sides.after, change.new))
        return
    after = sides.source(sides.after, change.new)
    before = sides.source(sides.base, change.old) if change.old is not None else None
    kind = _kind(change.new, after.text if after else None)
    if kind is None and before is not None and _kind(change.old or "", before.text) == "policy":
        kind = "policy"  # a policy rewritten into something that names no Statement: still compared
    if kind is None or after is None:
        return
    out.files.append(after.path)
    if kind == "cloudformation":
        _collect_embedded(sides, "cloudformation", os.path.dirname(change.new), change, out)
        return
    after_doc = _document(after, out)
    before_doc = _document(before, out) if before is not None else None
    if after_doc is not None and (before is None or before_doc is not None):
        out.changes.append(PolicyChange(before_doc, after_doc))


def _document(source: Source, out: Collected) -> PolicyDocument | None:
    from policy_lint.lint.engine import problem_finding

    doc, problem = load_policy(source)
    if doc is None:
        assert problem is not None
        out.problems.append(problem_finding(source, problem))
    return doc


def _collect_embedded(sides: _Sides, kind: str, folder: str, change: Change | None, out: Collected) -> None:
    """Pair the embedded policies of a Terraform folder, or of one template, by resource; and its
    users and roles by address (what reaches each one: :mod:`policy_lint.changes.principals`)."""
    after = _loaded(sides, sides.after, kind, folder, change.new if change else None, out)
    old_folder = os.path.dirname(change.old) if change and change.old else folder
    has_base = change is None or change.old is not None
    before = (
        _loaded(sides, sides.base, kind, old_folder, change.old if change else None, out)
        if has_base
        else _Loaded()
    )
    if before is None or after is None:
        return  # a version could not be read: its problems say why, and nothing is compared
    old = _embedded(before)
    for key, (document, label, anchor) in _embedded(after).items():
        # a managed policy that stops (or starts) being only a boundary is the same policy: who
        # receives it, as either, is the principals' comparison
        base = old.get(key) or old.get((key[0], _SAME_POLICY.get(key[1], key[1])))
        out.changes.append(PolicyChange(base[0] if base else None, document, label, anchor))
    if after.inventory is not None:
        if before.inventory is not None:
            rescope(before.inventory, before.root, after.root)
        out.principals.extend(
            principal_changes(
                before.inventory,
                after.inventory,
                before.declares,
                after.declares,
                before.relocate,
                after.relocate,
            )
        )


_SAME_POLICY = {"policy": "permissions boundary", "permissions boundary": "policy"}


@dataclass
class _Loaded:
    """One folder (or template) at one side: its inventory, the files read, and their report names."""

    inventory: Inventory | None = None
    files: list[str] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)
    #: the folder (Terraform) or file (template) as the references' scope names it
    root: str = ""

    def declares(self, location: Location | None) -> bool:
        return _declared_in(location, self.files)

    def relocate(self, location: Location | None) -> Location | None:
        return _relocated_location(location, self.shown)


def _loaded(
    sides: _Sides, side: str, kind: str, folder: str, only: str | None, out: Collected
) -> _Loaded | None:
    """The planned inventory of one folder (or one template, ``only``) at ``side``, as ``check``
    loads it; None when an input of it cannot be read (its located problems go to ``out``)."""
    from policy_lint.sources.detect import detect, load_inventory

    root, shown = sides.folder(side, folder, [only] if only else None)
    if kind == "terraform":
        files = sorted(str(p) for p in root.glob("*.tf") if p.is_file())
    else:
        assert only is not None
        files = [str(root / os.path.basename(only))]
    if not files:
        return _Loaded()
    inventory = Inventory()
    load_inventory(detect(files), inventory)
    broken = [p for p in inventory.problems if p.level.label == "error"]
    if broken:
        out.problems.extend(_relocated(p, shown) for p in broken)
        return None
    scoped = str(root) if kind == "terraform" else files[0]
    return _Loaded(inventory, files, shown, posixpath.normpath(scoped.replace(os.sep, "/")))


_Embedded = dict[tuple[str, str], tuple[PolicyDocument, str, Location | None]]


def _embedded(loaded: _Loaded) -> _Embedded:
    """resource and attribute -> (document, label, location) of the policies the files declare."""
    from policy_lint.checks.embedded_policies import embedded_policies, written_text

    found: _Embedded = {}
    if loaded.inventory is None:
        return found
    for embedded in embedded_policies(loaded.inventory):
        if not loaded.declares(embedded.location):
            continue  # a module's policy: compared when its own folder changes (its base may be missing)
        text = written_text(embedded)
        if text is None:
            continue
        label = f"{embedded.label} of {embedded.resource}"
        doc, _problem = load_policy(Source(label, text), embedded.policy_type)
        if doc is None:
            continue  # the source built it from parsed data: it is JSON
        anchor = loaded.relocate(embedded.location)
        key = (embedded.resource, embedded.label)
        while key in found:  # two unnamed inline policies of one resource: keep both, in order
            key = (key[0], key[1] + "'")
        found[key] = (doc, label, anchor)
    return found


def _declared_in(location: Location | None, files: Sequence[str]) -> bool:
    """Is the policy written in one of the files read (not in a module they call)?"""
    if location is None:
        return False
    return os.path.normpath(location.path) in {os.path.normpath(f) for f in files}


def _relocated_location(location: Location | None, shown: dict[str, str]) -> Location | None:
    if location is None or location.path not in shown:
        return location
    return Location(shown[location.path], location.line, location.col)


def _relocated(finding: Finding, shown: dict[str, str]) -> Finding:
    location = _relocated_location(finding.location, shown) or finding.location
    return Finding(finding.rule_id, finding.level, finding.message, location, finding.rule_name, finding.hint)


def _unreadable(error: InputError) -> Finding:
    from policy_lint.sources.problems import unreadable

    return unreadable(error)


@contextmanager
def _temporary() -> Iterator[Path]:
    """A private folder for the base's (and the index's) files, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="policy-lint-base-") as name:
        yield Path(name)
