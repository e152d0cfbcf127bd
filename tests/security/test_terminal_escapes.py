"""No forged output line and no terminal escape from input (issue 16, item 4).

A file name or a value can hold a newline (a fake ``path:line:col: ID level message`` line in
CI logs), ``ESC`` sequences (clear the screen, OSC-8 hyperlinks to anywhere) and bidi
overrides that reorder what a reviewer reads ("Trojan Source"). Each is shown as a visible
escape in every text field and every stderr message; only our own colour codes reach a terminal.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from policy_lint.reporters import sanitize
from policy_lint.reporters.sanitize import escape_controls
from tests.security.inprocess import ONBOARDING, policy_lint

FORGED_NAME = "ok\nforged.json:9:9: PL999 error FORGED\nreal.json"
OSC8 = "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07"
OSC8_IN_A_NAME = "\x1b]8;;https:evil.example\x07click me\x1b]8;;\x07"  # a file name has no "/"
CLEAR = "\x1b[2J"
BIDI = "\u202e\u2066evil\u2069\u202c"
# PL112 (error): a Sid of letters and digits only; the finding quotes the Sid.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "not allowed", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
# What our own --color output may contain: SGR sequences (ESC [ digits m), nothing else.
OUR_COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def assert_no_forged_line(text: str) -> None:
    """The fake finding stays inside the line of the name that holds it."""
    assert not [line for line in text.splitlines() if line.startswith(("forged", "real.json"))]


def assert_terminal_safe(text: str, colour: bool = False) -> None:
    """No control or format character but newlines between lines (and our SGR colours)."""
    if colour:
        text = OUR_COLOURS.sub("", text)
    unsafe = [c for c in text if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Cs", "Zl", "Zp"}]
    assert unsafe == [], unsafe


@pytest.fixture
def forged_file(tmp_path: Path) -> Path:
    (tmp_path / FORGED_NAME).write_text(json.dumps(POLICY), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("colour", ["--no-color", "--color"])
def test_a_file_name_with_newlines_prints_one_finding_line(forged_file: Path, colour: str) -> None:
    run = policy_lint("lint", ".", colour, cwd=forged_file)
    assert run.code == 1
    assert_no_forged_line(run.stdout)
    findings = [line for line in run.stdout.splitlines() if not line.startswith("Found ")]
    assert findings and all(
        OUR_COLOURS.sub("", line).startswith("./ok\\nforged.json:9:9: PL999 error FORGED\\nreal.json:1:")
        for line in findings
    )
    assert_terminal_safe(run.stdout, colour=colour == "--color")


def test_a_terraform_string_with_a_newline_prints_no_fake_line(tmp_path: Path) -> None:
    name = "x\nforged.tf:1:1: PL999 error FORGED " + OSC8 + CLEAR + BIDI
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_user" "u" {{\n  name = {json.dumps(name)}\n}}\n', encoding="utf-8"
    )
    for colour in ("--no-color", "--color"):
        # against an onboarding (OB rules judge only one), OB101 lists the user by its name
        run = policy_lint("check", ".", *ONBOARDING, colour, cwd=tmp_path)
        assert_no_forged_line(run.stdout)
        assert (
            "x\\nforged.tf:1:1: PL999 error FORGED \\x1b]8;;http://evil.example/\\x07click me" in run.stdout
        )
        assert "\\x1b[2J\\u202e\\u2066evil\\u2069\\u202c" in run.stdout
        assert_terminal_safe(run.stdout, colour=colour == "--color")


def test_escapes_in_file_names_and_values_do_not_reach_the_terminal(tmp_path: Path) -> None:
    sid = OSC8 + CLEAR + BIDI
    policy = {"Version": "2012-10-17", "Statement": [{**POLICY["Statement"][0], "Sid": sid}]}  # type: ignore[dict-item]
    (tmp_path / f"{CLEAR}{BIDI}{OSC8_IN_A_NAME}.json").write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--color", cwd=tmp_path)
    assert run.code == 1 and "PL112" in run.stdout  # the Sid finding quotes the hostile Sid
    assert_terminal_safe(run.both, colour=True)
    assert "./\\x1b[2J\\u202e\\u2066evil\\u2069\\u202c\\x1b]8;;https:evil.example\\x07click me" in run.stdout
    assert "\\x1b]8;;http://evil.example/\\x07click me\\x1b]8;;\\x07\\x1b[2J\\u202e" in run.stdout


def test_stderr_messages_escape_what_they_quote(tmp_path: Path) -> None:
    missing = f"missing{FORGED_NAME}{CLEAR}{OSC8}.json"
    run = policy_lint("lint", missing, cwd=tmp_path)
    assert run.code == 2
    assert run.stderr.count("\n") == 1 and "no such file" in run.stderr
    assert_no_forged_line(run.stderr)
    assert_terminal_safe(run.both)
    # A name that looks like an option (the pre-commit attack) gets a usage error: escaped too.
    usage = policy_lint("lint", f"--{CLEAR}{BIDI}", cwd=tmp_path)
    assert usage.code == 2 and "No such option" in usage.stderr
    assert_terminal_safe(usage.both)


def test_a_located_input_error_keeps_one_line_per_problem(tmp_path: Path) -> None:
    """onboarding.yaml errors are several located lines; a value in them cannot add one."""
    (tmp_path / "onboarding.yaml").write_text(
        f"account_id: {json.dumps('1' + FORGED_NAME)}\nplan: {json.dumps(CLEAR + 'x')}\n", encoding="utf-8"
    )
    run = policy_lint("check", "--config", "onboarding.yaml", cwd=tmp_path)
    assert run.code == 2
    lines = run.stderr.splitlines()
    assert len(lines) >= 2 and all(line.startswith("onboarding.yaml:") for line in lines)
    assert_no_forged_line(run.stderr)
    assert_terminal_safe(run.both)


def test_diff_text_escapes_file_names(tmp_path: Path) -> None:
    (tmp_path / FORGED_NAME).write_text('{"Version": "2012-10-17", "Statement": [', encoding="utf-8")
    run = policy_lint("diff", FORGED_NAME, "--reference", "agentless", cwd=tmp_path)
    assert run.code == 2 and "PL001" in run.stdout
    assert_no_forged_line(run.both)
    assert_terminal_safe(run.both)


def test_every_control_format_and_separator_character_is_escaped() -> None:
    """The escaped set is spelled out in sanitize.py; check it against this Python's Unicode data."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}:
            escaped = escape_controls(f"a{char}b")
            assert escaped != f"a{char}b" and escaped.isprintable(), hex(code)


def test_no_character_the_escape_names_passes_as_printable() -> None:
    # escape_controls returns a printable text unchanged before it searches: that is only right
    # if str.isprintable() refuses every character _UNSAFE lists
    unsafe = sanitize._UNSAFE
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unsafe.match(char):
            assert not char.isprintable(), hex(code)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("\x00\x1b\x7f\x9b", "\\x00\\x1b\\x7f\\x9b"),
        ("\u202eabc\u2066", "\\u202eabc\\u2066"),
        ("bad-\udcff.json", "bad-\\xff.json"),  # a non-UTF-8 byte of a file name
        ("tag\U000e0041", "tag\\U000e0041"),
        ("ARN arn:aws:iam::123456789012:root, 日本語, é", "ARN arn:aws:iam::123456789012:root, 日本語, é"),
    ],
)
def test_escape_forms(raw: str, shown: str) -> None:
    assert escape_controls(raw) == shown
