"""Reading a file whole: every byte, whatever its size says, and the cap on what was read."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from policy_lint.core.errors import InputError
from policy_lint.syntax.source import read_regular_file


@pytest.mark.parametrize(
    "size", [0, 1, 4095, 4096, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 7]
)
def test_every_byte_is_read(tmp_path: Path, size: int) -> None:
    data = bytes((i * 7) % 251 for i in range(size))
    path = tmp_path / "p.json"
    path.write_bytes(data)
    assert read_regular_file(path, "p.json", max_bytes=8 * 1024 * 1024) == data


def test_the_cap_counts_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, "p.json", max_bytes=100) == b"x" * 100
    with pytest.raises(InputError, match=r"file is 0\.0 MiB, over the 0\.0966797 KiB limit"):
        read_regular_file(path, "p.json", max_bytes=99)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc files are Linux's")
def test_a_file_whose_size_says_zero_is_still_read_whole() -> None:
    # /proc files are regular files whose st_size is 0: what they hold is only found by reading
    path = Path("/proc/self/status")
    assert os.stat(path).st_size == 0
    data = read_regular_file(path, "status")
    assert b"Name:" in data and b"Pid:" in data


def test_a_file_that_grew_after_its_size_was_taken_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b"a" * 10)
    real_fstat = os.fstat

    def fstat_before_growth(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        with path.open("ab") as more:  # the file grows between fstat and the read
            more.write(b"b" * 5000)
        return info

    monkeypatch.setattr(os, "fstat", fstat_before_growth)
    assert read_regular_file(path, "p.json") == b"a" * 10 + b"b" * 5000


def test_a_file_that_grew_past_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # st_size said 10, under the cap; what is read is counted, so the growth is caught
    path = tmp_path / "p.json"
    path.write_bytes(b"a" * 10)
    real_fstat = os.fstat

    def fstat_before_growth(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        with path.open("ab") as more:
            more.write(b"b" * 5000)
        return info

    monkeypatch.setattr(os, "fstat", fstat_before_growth)
    with pytest.raises(InputError, match="file is over the 4 KiB limit"):
        read_regular_file(path, "p.json", max_bytes=4096)
