"""Hostile and broken files: a clear message and the right exit code, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main


def lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["lint", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_empty_file_is_a_located_finding(tmp_path: Path) -> None:
    path = tmp_path / "empty-policy.json"
    path.write_text("")
    code, out, _ = lint(str(path))
    assert code == 1
    assert f"{path}:1:1: PL001 error JSON syntax error: file is empty" in out


def test_binary_file_is_unusable_input(tmp_path: Path) -> None:
    path = tmp_path / "image.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, _, err = lint(str(path))
    assert code == 2
    assert f"{path}:3:1: binary file" in err


def test_non_utf8_file_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"Sid": "caf\u00e9"}'.encode("latin-1"))
    code, _, err = lint(str(path))
    assert code == 2
    assert "not valid UTF-8 (byte 0xe9)" in err
    assert f"{path}:1:13" in err


def test_utf16_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "u16.json"
    path.write_bytes("{}".encode("utf-16"))
    code, _, err = lint(str(path))
    assert code == 2
    assert "UTF-16" in err


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    code, _, err = lint(str(path))
    assert code == 2
    assert "50.0 MiB, over the 10 MiB limit" in err


def test_deeply_nested_json_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "deep-policy.json"
    path.write_text("[" * 10_000 + "]" * 10_000)
    code, out, _ = lint(str(path))
    assert code == 1
    assert "nesting deeper than" in out


def test_deeply_nested_yaml_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "deep-policy.yaml"
    path.write_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    code, out, _ = lint(str(path))
    assert code == 1
    assert "PL001" in out


def test_yaml_alias_bomb_is_a_finding(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb-policy.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = lint(str(path))
    assert code == 1
    assert "alias bomb" in out


def _hostile_files(folder: Path) -> list[Path]:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)
    ]
    files = {
        "empty.json": "",
        "deep.json": "[" * 10_000 + "]" * 10_000,
        "deep.yaml": "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "bomb.yaml": "\n".join(bomb) + "\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return [folder / name for name in files]


def test_hostile_files_that_are_not_policies_are_skipped_without_being_expanded(tmp_path: Path) -> None:
    """The same files under names that say nothing, without Statement or a policy version: lint
    takes them for what they are, not policies (policy/classify.py), and skips them, safely: the
    alias bomb is never expanded, the nesting never overflows the stack."""
    paths = _hostile_files(tmp_path)
    code, out, err = lint(*map(str, paths))
    assert (code, out) == (2, "No findings in 0 files.\n")  # named, none a policy: nothing linted
    assert err.count("not a policy document, skipped") == 4 and "nothing was linted" in err
    code, out, err = lint("--as-policy", *map(str, paths))  # and linted as policies, each is PL001
    assert code == 1 and out.count(" PL001 error ") == 4, out


def test_wrong_types_everywhere_never_crash(tmp_path: Path) -> None:
    doc = {
        "Version": ["2012-10-17"],
        "Id": 7,
        "Statement": [
            {
                "Sid": 1,
                "Effect": ["Allow"],
                "Action": 5,
                "Resource": {"a": 1},
                "Principal": 3,
                "Condition": [],
            },
            {
                "Effect": "Allow",
                "Action": [None, True, {"x": 1}],
                "Resource": [[]],
                "Condition": {"StringEquals": {"aws:SourceArn": {"nested": "x"}}, "Bool": 1},
            },
            None,
            [],
        ],
    }
    path = tmp_path / "types.json"
    path.write_text(json.dumps(doc))
    code, out, _ = lint(str(path))
    assert code == 1
    assert "PL114" in out


def test_statement_of_every_json_type(tmp_path: Path) -> None:
    for i, value in enumerate([1, "x", None, True, [], {}, [[]], [1.5]]):
        path = tmp_path / f"s{i}.json"
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": value}))
        code, out, _ = lint(str(path))
        assert code == 1, (value, out)


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    return result.exit_code, result.output


def test_malformed_terraform_json_is_located_unusable_input(tmp_path: Path) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text('{\n  "resource": {\n    "aws_sqs_queue": {"q": {"name": "${aws_sqs_queue.}"}}\n  }\n}\n')
    code, out = check(str(tmp_path))
    assert code == 2
    assert f"{path}:3:29: IN001 error Terraform JSON: expression syntax error" in out


def test_malformed_sam_template_is_located_unusable_input(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Policies: [SQSPollerPolicy: {QueueName: q}\n"
    )
    code, out = check(str(path))
    assert code == 2
    assert f"{path}:" in out and "IN001" in out
