"""The git plumbing ``policy-lint diff --base`` needs, and nothing more.

Every call runs ``git`` with a list argv (never a shell) from the repository's top folder. A
revision the user names is untrusted input: it is resolved once, with ``git rev-parse --verify
--end-of-options REF^{commit}``, so ``--output=x`` is a revision that does not exist rather than
an option, and only the resolved commit ID is passed to later commands. Paths always follow
``--``. Blobs are read by object ID with their size checked first, so the size cap that guards
files on disk guards files at a revision too.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_lint.core.errors import InputError

#: the side of a comparison read from the index (``--staged``) rather than a commit
INDEX = ":index"
#: the side read from the working tree (what is on disk now)
WORKTREE = ":worktree"
_REGULAR_MODES = ("100644", "100755")


class GitError(InputError):
    """git is missing, the folder is no repository, or a revision does not resolve (exit 2)."""


@dataclass(frozen=True)
class Change:
    """One changed path: ``status`` is git's letter (A, M, D, R, C, T); ``old`` is None for an added file."""

    status: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Blob:
    """A regular file of a revision or of the index: its repository path and object ID."""

    path: str
    object_id: str


class Repository:
    """One git work tree, found from a folder inside it."""

    def __init__(self, start: str | Path = "."):
        top = _run(["rev-parse", "--show-toplevel"], Path(start)).strip()
        if not top:
            raise GitError(f"{start}: not inside a git work tree")
        self.root = Path(top)

    def git(self, args: Sequence[str]) -> str:
        return _run(args, self.root)

    def resolve(self, ref: str) -> str:
        """The commit ID ``ref`` names; GitError (exit 2) naming the revision when it names none."""
        if not ref or "\x00" in ref:
            raise GitError(f"--base {ref!r}: not a revision")
        try:
            out = self.git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"])
        except GitError:
            out = ""
        commit = out.strip()
        if not commit:
            raise GitError(
                f"--base {ref!r}: no such commit in {self.root} (a branch, tag or commit ID; "
                "in CI, fetch the base branch first: actions/checkout with fetch-depth: 0)"
            )
        return commit

    def changes(self, base: str, *, staged: bool, paths: Sequence[str] = ()) -> list[Change]:
        """What changed from commit ``base`` to the index (``staged``) or the working tree.

        Renames git detects (``-M``) pair the old path with the new one. Untracked files are new
        files of the working tree (a policy written and not yet added is still new access).
        """
        args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv"]
        if staged:
            args.append("--cached")
        fields = self.git([*args, base, "--", *paths]).split("\0")
        out: list[Change] = []
        i = 0
        while i < len(fields) and fields[i]:
            status = fields[i][0]
            if status in "RC":
                old, new = fields[i + 1], fields[i + 2]
                out.append(Change(status, old if status == "R" else None, new))
                i += 3
                continue
            path = fields[i + 1]
            out.append(Change(status, None if status == "A" else path, None if status == "D" else path))
            i += 2
        if not staged:
            untracked = self.git(["ls-files", "-z", "--others", "--exclude-standard", "--", *paths])
            out.extend(Change("A", None, p) for p in untracked.split("\0") if p)
        return out

    def blobs(self, side: str, folder: str) -> list[Blob]:
        """The regular files directly in ``folder`` (repository-relative, "" for the top) at ``side``:
        a commit ID or :data:`INDEX`. Symbolic links and submodules are not files to read."""
        prefix = f"{folder}/" if folder else ""
        spec = [f":(literal){prefix}"] if prefix else []
        if side == INDEX:
            text = self.git(["ls-files", "-z", "--stage", "--", *spec])
            entries = [(e.split(" ", 2), e.split("\t", 1)[-1]) for e in text.split("\0") if e]
            rows = [(meta[0], meta[1], path) for meta, path in entries]
        else:
            text = self.git(["ls-tree", "-z", "--full-tree", side, "--", *spec])
            rows = []
            for entry in text.split("\0"):
                if entry:
                    meta, path = entry.split("\t", 1)
                    mode, _kind, object_id = meta.split(" ")
                    rows.append((mode, object_id, path))
        return [
            Blob(path, object_id)
            for mode, object_id, path in rows
            if mode in _REGULAR_MODES and "/" not in path[len(prefix) :] and _safe(path)
        ]

    def blob_at(self, side: str, path: str) -> Blob | None:
        """The regular file ``path`` at ``side`` (a commit ID or :data:`INDEX`), None when absent."""
        folder = os.path.dirname(path)
        return next((b for b in self.blobs(side, folder) if b.path == path), None)

    def read(self, blob: Blob, shown: str, max_bytes: int) -> bytes:
        """A blob's bytes, refused (InputError naming ``shown``) when over ``max_bytes``."""
        size = int(self.git(["cat-file", "-s", blob.object_id]).strip() or 0)
        if size > max_bytes:
            raise InputError(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (raise --max-file-size)", shown
            )
        return _run_bytes(["cat-file", "blob", blob.object_id], self.root)


def _safe(path: str) -> bool:
    """A repository path that stays inside a folder it is written under (git refuses others; be sure)."""
    parts = path.split("/")
    return not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _run(args: Sequence[str], cwd: Path) -> str:
    return _run_bytes(args, cwd).decode("utf-8", errors="surrogateescape")


def _run_bytes(args: Sequence[str], cwd: Path) -> bytes:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (diff --base reads the repository with git)") from None
    except OSError as exc:
        raise GitError(f"{cwd}: cannot run git: {exc.strerror}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise GitError(f"{cwd}: git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout
