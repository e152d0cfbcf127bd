"""The files under the paths a user named, and every path that could not be used.

``lint`` and ``check`` both take files and folders. A sub-folder that cannot be listed used to
be skipped without a word (``os.walk`` ignores errors unless asked), and a file below a folder
that cannot be entered ended the run with an internal PermissionError (``Path.is_dir`` raises
it). Here each becomes an :class:`InputError` naming the path and what to do, the other inputs
are still walked, and the caller reports the errors as unusable input (exit code 2).

Only listing happens here; reading (regular files only, size cap) is
:func:`policy_lint.syntax.source.read_regular_file`'s job.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from policy_lint.core.errors import InputError

_FOLDER_HINT = "make it readable and searchable by the user running policy-lint, or leave it out of the paths"


@dataclass
class Inputs:
    """``files`` as ``(path, named explicitly)``: named paths in order, then each folder's files
    sorted; ``errors``: the paths that could not be listed or reached."""

    files: list[tuple[str, bool]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def expand_paths(
    paths: Iterable[str],
    *,
    skip_dir: Callable[[str], bool],
    wanted: Callable[[str], bool] = lambda name: True,
) -> Inputs:
    """Files named in ``paths`` and the ``wanted`` files (by name) in the folders among them.

    A named path that is not a folder is returned as it is, whatever it is (a FIFO, a file
    that cannot be read): reading it reports the problem. ``skip_dir`` names folders never
    entered (``.git``, ``node_modules``).
    """
    found = Inputs()
    for raw in paths:
        try:
            mode = os.stat(raw).st_mode
        except FileNotFoundError:
            found.errors.append(InputError("no such file or directory", raw))
            continue
        except PermissionError:
            found.errors.append(
                InputError(
                    "cannot be reached: permission denied on a folder above it; make the folders on "
                    "its path searchable (chmod +x) by the user running policy-lint, or leave it out",
                    raw,
                )
            )
            continue
        except OSError as exc:  # a symlink loop, a name too long, a file used as a folder
            found.errors.append(InputError(f"cannot be read: {exc.strerror or exc}", raw))
            continue
        if stat.S_ISDIR(mode):
            _walk(raw, found, skip_dir, wanted)
        else:
            found.files.append((raw, True))
    return found


def _walk(root: str, found: Inputs, skip_dir: Callable[[str], bool], wanted: Callable[[str], bool]) -> None:
    def unlistable(exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        found.errors.append(
            InputError(
                f"cannot list this folder ({reason.lower()}): {_FOLDER_HINT}", str(exc.filename or root)
            )
        )

    for current, dirs, files in os.walk(root, onerror=unlistable):
        dirs[:] = sorted(d for d in dirs if not skip_dir(d))
        found.files.extend((os.path.join(current, name), False) for name in sorted(files) if wanted(name))
