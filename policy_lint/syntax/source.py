"""Reading input files safely and turning character offsets into line:col.

Everything that reads a user's file goes through :func:`read_source`, so the
limits (size, binary content, encoding) are enforced in one place.
"""

from __future__ import annotations

import os
import stat
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.core.errors import InputError

#: Largest file we parse. IAM's largest policy quota is 10,240 characters and the
#: largest AWS managed policy is ~230 KB; CloudFormation templates are capped at 1 MB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class Source:
    """A decoded text file and the facts about its raw bytes that rules report on."""

    path: str
    text: str
    had_bom: bool = False
    _line_starts: list[int] | None = field(default=None, repr=False)
    _positions_asked: int = field(default=0, repr=False, compare=False)

    def position(self, offset: int) -> tuple[int, int]:
        """Return 1-based (line, column) of a character offset (column counts characters).

        The first few are counted in the text (C code, a few microseconds); a file asked more
        often gets a table of line starts. Most files are asked once or twice, by their
        findings, and a table costs a turn of Python per line (an AWS policy has thousands).
        """
        starts = self._line_starts
        if starts is None:
            self._positions_asked += 1
            if self._positions_asked <= _COUNTED_POSITIONS:
                text = self.text
                return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
            starts = self._starts()
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def offset_of(self, line: int, col: int) -> int:
        """Inverse of :meth:`position` (used by the YAML loader, whose marks are line/col)."""
        starts = self._starts()
        if line - 1 >= len(starts):
            return len(self.text)
        return starts[line - 1] + col - 1


#: positions of one file worked out by counting before a table of its line starts is made
_COUNTED_POSITIONS = 8


def decode_bytes(data: bytes, path: str) -> Source:
    """Decode file content as UTF-8 (one leading BOM allowed), refusing binary data."""
    had_bom = data.startswith(_UTF8_BOM)
    if had_bom:
        data = data[len(_UTF8_BOM) :]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("file is UTF-16 encoded; save it as UTF-8", path, 1, 1)
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError("binary file (contains NUL bytes); expected a UTF-8 text file", path, line, col)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", path, line, col
        ) from None
    return Source(path=path, text=text, had_bom=had_bom)


def read_regular_file(
    path: str | Path, shown: str, max_bytes: int = DEFAULT_MAX_BYTES, too_big_hint: str | None = None
) -> bytes:
    """The bytes of a regular file, refusing anything else and stopping at ``max_bytes``.

    Why not ``Path.read_bytes()``: a FIFO named ``main.tf`` blocks it forever, and ``/dev/zero``
    (whose ``st_size`` is 0) never ends. The file is opened non-blocking, checked to be a regular
    file on the open descriptor (no race with a swapped path), and read in chunks with the cap
    enforced on what was actually read, never on ``st_size``. ``too_big_hint`` tells the user
    what to do about a file over the cap (it depends on who reads the file).
    """
    fd, info = _open_regular(path, shown)
    try:
        if info.st_size > max_bytes:  # a quick refusal; the cap below holds whatever st_size says
            raise InputError(_too_big(max_bytes, too_big_hint, info.st_size), shown)
        data = _read_up_to(fd, max_bytes + 1, shown, info.st_size)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(_too_big(max_bytes, too_big_hint), shown)
    return data


def read_head(path: str | Path, shown: str, limit: int) -> bytes:
    """The first ``limit`` bytes of a regular file, opened as :func:`read_regular_file` opens it.

    For sniffing what a file is (``check`` tells templates from other JSON by their first bytes):
    a longer file is not an error here, but a FIFO or a device is, as is a file that cannot be read.
    """
    fd, _ = _open_regular(path, shown)
    try:
        return _read_up_to(fd, limit, shown)
    finally:
        os.close(fd)


_UNREADABLE_HINT = "make it readable by the user running policy-lint, or leave it out of the paths"


def _open_regular(path: str | Path, shown: str) -> tuple[int, os.stat_result]:
    """A descriptor of ``path`` opened non-blocking, and its stat, or InputError if not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise InputError("is a directory", shown) from None
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except PermissionError:
        raise InputError(f"permission denied: {_UNREADABLE_HINT}", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a directory", shown)
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file ({_file_kind(mode)}); only regular files are read", shown)
    except InputError:
        os.close(fd)
        raise
    except OSError as exc:
        os.close(fd)
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    return fd, info


def _read_up_to(fd: int, limit: int, shown: str, size: int | None = None) -> bytes:
    """At most ``limit`` bytes from ``fd``, read in chunks.

    With the ``size`` fstat gave a regular file, the first read asks for one byte more than that:
    a read that comes back short has met the end, so a policy costs one read, not a read plus one
    more to find the end, and no 1 MiB buffer is allocated for a 2 KiB file. A file that is longer
    than it said (it grew, or it is in /proc and says 0) fills that read and is read on in chunks.
    """
    chunks: list[bytes] = []
    total = 0
    want = min(size + 1, limit) if size is not None else min(_CHUNK, limit)
    try:
        while total < limit:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if size is not None and len(chunk) < want and total >= size:
                break  # short of what was asked, and all fstat promised: the end
            want = min(_CHUNK, limit - total)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", shown) from None
    return b"".join(chunks)


_CHUNK = 1024 * 1024


#: What to do about an input over --max-file-size (lint, check, diff).
MAX_FILE_SIZE_HINT = "raise it with --max-file-size if this is really a policy or template"


def _too_big(limit: int, hint: str | None, size: int | None = None) -> str:
    shown = f"{limit / 1048576:g} MiB" if limit >= 1048576 else f"{limit / 1024:g} KiB"
    what = f"file is {size / 1048576:.1f} MiB, over" if size is not None else "file is over"
    return f"{what} the {shown} limit" + (f" ({hint})" if hint else "")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_source(
    path: str | Path,
    display: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    too_big_hint: str | None = None,
) -> Source:
    """Read and decode one file, raising :class:`InputError` for anything unusable."""
    shown = display if display is not None else str(path)
    return decode_bytes(read_regular_file(path, shown, max_bytes, too_big_hint), shown)
