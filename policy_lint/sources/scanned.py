"""The folders being checked: what Terraform's file functions may read, and which modules load.

Why: ``check`` runs in CI on pull requests, so the ``.tf`` files are written by whoever opens the
pull request. ``name = file("/proc/self/environ")`` would print the runner's environment (its
AWS keys and CI tokens) in every report, ``file("../../.git/config")`` a checkout's token. So:

* ``file()``, ``templatefile()`` and ``fileexists()`` see only files inside the folders given to
  ``check`` (a file argument counts as its folder), judged on the real path after symlinks and
  ``..`` are resolved, and never anything inside a version-control folder (``.git``...), a
  ``.terraform`` folder or a Terraform state file, even inside a checked folder. Each file is
  read through :func:`~policy_lint.syntax.source.read_regular_file` (regular files only, size
  capped while reading) and the bytes read by file functions over one load are capped too.
* a local module (``source = "../x"``) is loaded when its folder is inside a checked folder or
  inside the same repository (version-control work tree) as one: ``check examples/complete`` of
  a module repository still loads ``source = "../../"``, but ``source = "../../../../etc"``
  loads nothing outside the repository. Outside any repository, only the checked folders count,
  unless the user names the repository's top folder (``check --repository-root DIR``, for a copy
  that has no ``.git``); file functions still read only inside the checked folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from policy_lint.core.errors import InputError
from policy_lint.sources.terraform.budget import Budget, BudgetExhausted
from policy_lint.syntax.source import decode_bytes, read_regular_file

#: folders that hold version-control data (tokens in .git/config) and are never read
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS"})
#: other places that hold credentials: provider caches and backend settings, Terraform state
PRIVATE_DIRS = VCS_DIRS | {".terraform"}
STATE_SUFFIXES = (".tfstate", ".tfstate.backup")
#: markers of a repository's top folder (a .git *file* marks a worktree or submodule)
REPOSITORY_MARKERS = (".git", ".hg", ".svn", ".bzr", "_darcs")


class NotReadable(Exception):
    """A file a file function may not or cannot read; ``reason`` names no content."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(real: Path, root: Path) -> bool:
    return real == root or real.is_relative_to(root)


def repository_root(folder: Path) -> Path | None:
    """The top folder of the version-control work tree holding ``folder`` (real path), if any."""
    current = _real(folder)
    for candidate in (current, *current.parents):
        if any((candidate / marker).exists() for marker in REPOSITORY_MARKERS):
            return candidate
    return None


class ScannedFolders:
    """The real paths of the folders being checked, and the reads and module loads they allow."""

    def __init__(self, folders: Iterable[str | Path], budget: Budget, repository: str | Path | None = None):
        self.roots = tuple(sorted({_real(folder) for folder in folders}))
        self.budget = budget
        #: the repository's top folder when the user names it (``check --repository-root``): a copy
        #: without version-control data (a release tarball, a vendored tree) has no marker to find
        self.repository = _real(repository) if repository is not None else None
        self._repositories: tuple[Path, ...] | None = None

    def _root_of(self, real: Path) -> Path | None:
        return next((root for root in self.roots if _inside(real, root)), None)

    # -- file functions -------------------------------------------------------------------------
    def allowed(self, path: Path) -> Path:
        """The real path of ``path`` when a file function may read it; else NotReadable."""
        try:
            real = _real(path)
        except (OSError, ValueError):
            raise NotReadable("cannot be read (an invalid path)") from None
        root = self._root_of(real)
        if root is None:
            raise NotReadable(
                "outside the scanned folders (only files inside the folders being checked are read)"
            )
        private = next((part for part in real.relative_to(root).parts if part in PRIVATE_DIRS), None)
        if private is not None:
            raise NotReadable(f"inside a {private} folder, which is never read")
        if real.name.endswith(STATE_SUFFIXES):
            raise NotReadable("a Terraform state file, which is never read")
        return real

    def exists(self, path: Path) -> bool:
        """``fileexists()``: a regular file inside the scanned folders (never opened)."""
        real = self.allowed(path)
        try:
            return real.is_file()
        except OSError as exc:  # a name too long for the file system
            raise NotReadable(f"cannot be read ({exc.strerror or 'invalid path'})") from None

    def read_text(self, path: Path) -> str:
        """``file()``: the UTF-8 text of a regular file inside the scanned folders, capped."""
        real = self.allowed(path)
        limits = self.budget.limits
        try:
            data = read_regular_file(real, str(path), max_bytes=limits.file_size)
            self.budget.read(len(data))
            return decode_bytes(data, str(path)).text
        except BudgetExhausted as exc:
            raise NotReadable(exc.reason) from None
        except InputError as exc:
            if exc.message.startswith("file is"):
                raise NotReadable(
                    f"larger than the {limits.file_size // 1024:,} KiB limit of file functions"
                ) from None
            raise NotReadable(exc.message) from None

    # -- local modules --------------------------------------------------------------------------
    def module_refusal(self, directory: Path) -> str | None:
        """Why a local module folder is not loaded (None when it may be)."""
        real = _real(directory)
        base = self._root_of(real) or next(
            (repo for repo in self.repositories() if _inside(real, repo)), None
        )
        if base is None:
            return "outside the scanned folders and the repository that holds them"
        private = next((part for part in real.relative_to(base).parts if part in PRIVATE_DIRS), None)
        if private is not None:
            return f"inside a {private} folder"
        return None

    def repositories(self) -> tuple[Path, ...]:
        if self._repositories is None:
            found = {repository_root(root) for root in self.roots} | {self.repository}
            self._repositories = tuple(sorted(repo for repo in found if repo is not None))
        return self._repositories
