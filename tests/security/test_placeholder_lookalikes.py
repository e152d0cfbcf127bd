"""Text that merely contains ``<`` (or another placeholder character) is judged, never skipped.

The action and ARN rules skip a string holding a template placeholder and leave it to PL501. They
used to skip any string containing ``<``, which PL501 did not report: ``s3:GetObject<`` and
``not an arn <x.y>`` passed with no finding and exit 0. Each case runs the real CLI.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.security.cli import run


def lint(tmp_path: Path, action: str, resource: str) -> subprocess.CompletedProcess[str]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    (tmp_path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    return run("lint", "policy.json", cwd=tmp_path)


def test_an_action_with_a_stray_angle_bracket_is_a_malformed_action(tmp_path: Path) -> None:
    done = lint(tmp_path, "s3:GetObject<", "arn:aws:s3:::bucket/*")
    assert done.returncode == 1
    assert "PL201 error malformed action 's3:GetObject<': character '<' cannot appear in an action" in (
        done.stdout
    )
    assert "PL501" not in done.stdout


def test_a_resource_with_angle_brackets_around_a_dotted_name_is_not_an_arn(tmp_path: Path) -> None:
    done = lint(tmp_path, "s3:GetObject", "not an arn <x.y>")
    assert done.returncode == 1
    assert "PL401 error 'not an arn <x.y>' is not an ARN" in done.stdout
    assert "PL501" not in done.stdout


@pytest.mark.parametrize(
    ("resource", "placeholder"),
    [
        ("arn:aws:iam::<ACCOUNT_ID>:root", "<ACCOUNT_ID>"),
        ("arn:aws:iam::${Account ID}:root", "${Account ID}"),
        ("arn:aws:s3:::%(bucket)s/*", "%(bucket)s"),
        ("arn:aws:s3:::#{bucket}/*", "#{bucket}"),
    ],
)
def test_real_placeholders_are_reported_as_placeholders_and_not_as_bad_arns(
    tmp_path: Path, resource: str, placeholder: str
) -> None:
    done = lint(tmp_path, "s3:GetObject", resource)
    assert done.returncode == 1
    assert f"PL501 error unresolved placeholder {placeholder} (a template placeholder)" in done.stdout
    assert "PL401" not in done.stdout


def test_a_placeholder_in_an_action_is_left_to_pl501(tmp_path: Path) -> None:
    done = lint(tmp_path, "s3:<ACTION>", "arn:aws:s3:::bucket/*")
    assert done.returncode == 1
    assert "PL501 error unresolved placeholder <ACTION>" in done.stdout
    assert "PL201" not in done.stdout


def test_a_policy_variable_is_neither_a_placeholder_nor_a_bad_arn(tmp_path: Path) -> None:
    done = lint(tmp_path, "s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*")
    assert done.returncode == 0, done.stdout
    assert done.stdout == "No findings in 1 file.\n"
