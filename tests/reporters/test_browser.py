"""The HTML report as a person sees it: rendered by headless Chromium, screenshot kept in tmp_path.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``); skips with that message
where it is absent. The page must render offline: Chromium runs with networking features off.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from policy_lint.reporters.formats import format_output
from tests.reporters.conftest import lint_findings, planned_results

SUPPRESSED = [{"rule_id": "OB003", "resource": "config:audit_log", "reason": "audit logs go to the SIEM"}]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(
            "headless Chromium not found: install Debian's package with 'apt-get install -y chromium'"
        )
    return found


def _chromium(binary: str, tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct byte values the pixel data has (1 would be a blank page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels[: 1 << 20]))


def _text(dom: str) -> str:
    """The DOM's visible text, roughly: tags removed, whitespace collapsed."""
    without_style = re.sub(r"<style.*?</style>", " ", dom, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", without_style).split())


def test_report_renders_in_chromium_with_counts_and_tables(
    chromium: str, tmp_path: Path, cis_rules: None
) -> None:
    page = tmp_path / "report.html"
    context = {"command": "check", "scope": {"paths": ["infra"]}, "suppressed": SUPPRESSED}
    page.write_text(
        format_output("html", findings=lint_findings(), results=planned_results(), context=context),
        encoding="utf-8",
    )
    screenshot = tmp_path / "report.png"
    _chromium(chromium, tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", page.as_uri())
    width, height, colours = _png_size_and_colours(screenshot)
    assert (width, height) == (1280, 2000) and colours > 8

    dom = _chromium(chromium, tmp_path, "--dump-dom", page.as_uri())
    text = _text(dom)
    # The summary cards as rendered: 2 failed, 1 unknown, 1 passed, 1 suppressed, 3 lint findings.
    assert "2 failed 1 unknown 1 passed 1 suppressed 3 lint findings" in text
    assert "Action needed: 2 failed checks and 3 lint findings" in text
    assert "Severity Fail Unknown Pass Total error 1 1 1 3" in text
    headings = re.findall(r"<h2>(.*?)</h2>", dom)
    assert headings == [
        "Scope",
        "Summary",
        "CIS AWS Foundations v3.0.0",
        "Onboarding configuration",
        "Lint findings",
        "Suppressed findings",
    ]
    assert len(re.findall(r"<table\b", dom)) == 5  # every section but the scope is a table
    assert "1.4 CS101" in text and "1.14 CS102" in text  # CIS controls in order, with their rules
    assert "OB003 config:audit_log audit logs go to the SIEM" in text
