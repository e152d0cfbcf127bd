"""``--format github``: every line is one workflow command the runner parses back to the finding,
and nothing in a file name or a message can forge a second command."""

from __future__ import annotations

import json
from pathlib import Path

from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters.formats import format_output
from tests.reporters.conftest import KEY_ID, lint_findings, live_results, planned_results
from tests.reporters.workflow_commands import Command, parse_output
from tests.security.inprocess import policy_lint

LEVELS = {"error", "warning", "notice"}


def commands(text: str) -> list[Command]:
    parsed = parse_output(text)
    assert all(c is not None for c in parsed), text  # no plain line: each line is one command
    found = [c for c in parsed if c is not None]
    assert all(c.name in LEVELS for c in found), text
    return found


def test_each_finding_is_a_command_at_its_file_line_and_column() -> None:
    out = format_output("github", findings=lint_findings(), context={})
    found = commands(out)
    assert [(c.name, c.properties) for c in found] == [
        ("warning", {"file": "policies/agentless.json", "line": "12", "col": "17", "title": "PL604"}),
        ("warning", {"file": "policies/agentless.json", "line": "78", "col": "17", "title": "PL604"}),
        ("error", {"file": "policies/broken.json", "line": "83", "col": "21", "title": "PL001"}),
    ]
    assert found[2].message == "JSON syntax error: expected ',' or ']'"


def test_check_results_fail_and_unknown_shown_pass_left_out() -> None:
    found = commands(format_output("github", results=planned_results(), context={}))
    by_rule = {c.properties["title"]: c for c in found}
    assert set(by_rule) == {"OB001", "CS101", "CS102"}  # the passing OB001 result is not shown
    assert by_rule["OB001"].name == "error"
    assert by_rule["CS102"].name == "warning"
    # unknown never passes, and is not a failure either: a notice saying so
    assert by_rule["CS101"].name == "notice"
    assert by_rule["CS101"].message.startswith("Could not be evaluated: ")
    assert KEY_ID not in by_rule["CS102"].message and "…MPLE" in by_rule["CS102"].message


def test_a_result_without_a_file_names_its_resource() -> None:
    found = commands(format_output("github", results=live_results(), context={}))
    assert all("file" not in c.properties for c in found)
    assert "Could not be evaluated: arn:aws:iam::123456789012:root: AccessDenied" in {
        c.message.split(" on ")[0] for c in found
    }


def test_percent_colon_and_comma_round_trip() -> None:
    finding = Finding("PL100", Level.SUGGESTION, "50% of s3:Get*, said a, b", Location("a,b:c%2C.json", 1, 2))
    (command,) = commands(format_output("github", findings=[finding], context={}))
    assert command.name == "notice"
    assert command.properties == {"file": "a,b:c%2C.json", "line": "1", "col": "2", "title": "PL100"}
    assert command.message == "50% of s3:Get*, said a, b"


def test_a_hostile_message_cannot_forge_a_second_command() -> None:
    attacks = [
        "ok\n::error file=README.md,line=1::forged",
        "ok\r::add-mask::x",
        "ok\r\n::stop-commands::token",
        "ok%0A::error::forged",  # pre-escaped: must stay text, not become a newline
        "ok\u2028::error::forged",
    ]
    findings = [
        Finding("PL100", Level.WARNING, text, Location("p.json", i + 1, 1)) for i, text in enumerate(attacks)
    ]
    found = commands(format_output("github", findings=findings, context={}))
    assert len(found) == len(attacks)  # one command per finding, no more
    for command in found:
        assert "\n" not in command.message and "\r" not in command.message
        assert command.message.startswith("ok")
    assert found[3].message == "ok%0A::error::forged"


def test_hostile_file_names_cannot_forge_a_command_or_a_property(tmp_path: Path) -> None:
    """The real CLI on real files whose names hold a newline and a property separator."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    names = ["x\n::error file=forged.json,line=1::forged.json", "y,line=99,title=FORGED.json", "z::.json"]
    for name in names:
        (tmp_path / name).write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "github", "--fail-on", "warning", cwd=tmp_path)
    assert run.code == 1
    found = commands(run.stdout)
    files = {c.properties["file"] for c in found}
    assert files == set(names)  # each the real name, newline included: the runner finds the file
    assert all(c.properties["title"] != "FORGED.json" and c.properties["line"] != "99" for c in found)
    assert "forged.json" not in {c.properties.get("file") for c in found}


def test_a_file_name_with_a_newline_and_a_comma_round_trips_to_the_file(tmp_path: Path) -> None:
    """The runner decodes %0A and %2C in a property: the annotation must name the file itself, not
    a made-up ``a\\nb`` no pull request holds (it used to, so the annotation was lost)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObjct", "Resource": "*"}],
    }
    name = "team\nreader, v2.json"
    (tmp_path / name).write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "github", cwd=tmp_path)
    assert run.code == 1
    (command,) = commands(run.stdout)
    assert command.properties["file"] == name and (tmp_path / command.properties["file"]).is_file()
    assert command.properties["title"] == "PL203" and command.properties["line"] == "1"
    assert "\n" not in run.stdout.rstrip("\n")  # still one line: the newline travels as %0A
    assert "file=team%0Areader%2C v2.json," in run.stdout


def test_other_control_characters_in_a_file_name_stay_visible_escapes(tmp_path: Path) -> None:
    """An escape sequence or a bidi override in a name is an attack on whoever reads the log: shown
    escaped (the annotation cannot name that file), never written raw."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    (tmp_path / "a\x1b[2J\u202eb.json").write_text(json.dumps(policy), encoding="utf-8")
    run = policy_lint("lint", ".", "--format", "github", "--fail-on", "warning", cwd=tmp_path)
    assert {c.properties["file"] for c in commands(run.stdout)} == {"a\\x1b[2J\\u202eb.json"}
    assert "\x1b" not in run.stdout and "\u202e" not in run.stdout


def test_nothing_found_prints_nothing() -> None:
    assert format_output("github", findings=[], results=[], context={}) == ""
