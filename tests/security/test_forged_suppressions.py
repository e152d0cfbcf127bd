"""A suppression counts only in a real comment: the same text inside data suppresses nothing.

Whoever opens a pull request writes the inputs, so a ``# policy-lint: ignore[...]`` in a Sid, a
tag value, a YAML string or a heredoc would let them accept their own findings. Each attack below
puts the marker in data on the line of (or above) a finding that must stay reported; the last
tests show that real comments in each format with comments still suppress.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policy_lint.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml"
FIXTURES = REPO_ROOT / "tests" / "fixtures"
MARKER = "# policy-lint: ignore[{rule}] approved by security, SEC-1"


def user_suppressed(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """The suppressions the user wrote (the guide's Agentless policy adds vendor-reference acceptances)."""
    return [e for e in entries if e.get("kind") != "vendor-reference"]


def invoke(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    (cwd / ".git").mkdir(exist_ok=True)  # settings are searched up to here, not into the real repo
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, list(args))


def lint_json(cwd: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> dict:  # type: ignore[type-arg]
    result = invoke(cwd, monkeypatch, "lint", path, "--format", "json")
    return json.loads(result.stdout)


def check_json(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:  # type: ignore[type-arg]
    result = invoke(cwd, monkeypatch, "check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def lint_rules(payload: dict) -> list[str]:  # type: ignore[type-arg]
    return [f["rule_id"] for f in payload["findings"]]


def failing(payload: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["rule_id"] for r in payload["results"] if r["status"] == "fail"}


def test_sid_of_a_json_policy_does_not_suppress_its_own_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": MARKER.format(rule="PL601"), "Effect": "Allow", "Action": "*", "Resource": "*"}
        ],
    }
    (tmp_path / "admin.json").write_text(json.dumps(policy), encoding="utf-8")
    payload = lint_json(tmp_path, monkeypatch, "admin.json")
    assert "PL601" in lint_rules(payload)
    assert payload.get("suppressed", []) == []


def test_quoted_yaml_string_does_not_suppress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = MARKER.format(rule="PL601")
    (tmp_path / "admin.yaml").write_text(
        'Version: "2012-10-17"\n'
        f"Statement:\n  - {{Sid: '{marker}', Effect: Allow, Action: '*', Resource: '*'}}\n",
        encoding="utf-8",
    )
    payload = lint_json(tmp_path, monkeypatch, "admin.yaml")
    assert "PL601" in lint_rules(payload)
    assert payload.get("suppressed", []) == []
    assert "SP004" not in lint_rules(payload), "data is not an (unused) suppression either"


def test_yaml_block_scalar_does_not_suppress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reader.yaml").write_text(
        'Version: "2012-10-17"\n'
        "Statement:\n"
        "  - Effect: Allow\n"
        "    Condition:\n"
        "      StringEquals:\n"
        "        aws:PrincipalTag/note: |\n"
        f"          {MARKER.format(rule='PL203')}\n"
        '    Action: "s3:NoSuchAction"\n'
        '    Resource: "*"\n',
        encoding="utf-8",
    )
    payload = lint_json(tmp_path, monkeypatch, "reader.yaml")
    [unknown_action] = [f for f in payload["findings"] if f["rule_id"] == "PL203"]
    assert unknown_action["location"]["line"] == 8, "the finding sits on the line after the marker"
    assert payload.get("suppressed", []) == []


def test_tag_value_in_a_plan_json_does_not_suppress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = (FIXTURES / "terraform/rules/OB202/plan-fail/plan.json").read_text().splitlines()
    kms = next(i for i, line in enumerate(lines) if '"kms_key_id"' in line)  # where OB202 points
    lines.insert(kms, f'            "tags": {{"note": "{MARKER.format(rule="OB202")}"}},')
    (tmp_path / "plan.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    payload = check_json(tmp_path, monkeypatch, "plan.json", "--config", str(CONFIG))
    assert "OB202" in failing(payload)
    assert user_suppressed(payload["scope"]["suppressed"]) == []


def test_tag_value_in_a_cloudformation_json_template_does_not_suppress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / "cloudformation/onboarding.json").read_text()
    forged = text.replace(
        '"IsLogging": false,',
        f'"IsLogging": false, "Tags": [{{"Key": "note", "Value": "{MARKER.format(rule="OB202")}"}}],',
    )
    # the guide's user name makes the template an onboarding, so the OB rules judge it
    forged = forged.replace('{"LoginProfile"', '{"UserName": "aliyun-security-center-user", "LoginProfile"')
    assert forged != text
    (tmp_path / "stack.template").write_text(forged, encoding="utf-8")  # sniffed as JSON
    payload = check_json(tmp_path, monkeypatch, "stack.template")
    assert "OB202" in failing(payload)
    assert user_suppressed(payload["scope"]["suppressed"]) == []


@pytest.fixture
def broken_tf(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "examples" / "terraform" / "onboarding-broken", tmp_path / "infra")
    return tmp_path / "infra" / "main.tf"


def test_hcl_string_does_not_suppress(broken_tf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = broken_tf.read_text()
    comment = "  # FAULT: the guide requires SSE-S3; the vendor's user cannot decrypt SSE-KMS log files.\n"
    assert comment in text  # the line just above kms_key_id, where OB202 points
    broken_tf.write_text(text.replace(comment, f'  tags = {{ note = "{MARKER.format(rule="OB202")}" }}\n'))
    payload = check_json(broken_tf.parents[1], monkeypatch, "infra", "--config", str(CONFIG))
    assert "OB202" in failing(payload)
    assert user_suppressed(payload["scope"]["suppressed"]) == []


def test_hcl_heredoc_is_not_a_comment(broken_tf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = broken_tf.read_text()
    declaration = 'resource "aws_cloudtrail" "audit" {\n'
    heredoc = f"locals {{\n  note = <<EOT\n{MARKER.format(rule='OB202')}\nEOT\n}}\n"
    broken_tf.write_text(text.replace(declaration, heredoc + declaration))
    result = invoke(broken_tf.parents[1], monkeypatch, "check", "infra", "--config", str(CONFIG))
    assert " OB202 error " in result.stdout
    assert "SP004" not in result.stdout, "a heredoc line is data, not a (stale) suppression comment"


@pytest.mark.parametrize(
    "comment",
    [
        "# {marker}",
        "// {marker}",
        "/* {marker} */",
    ],
)
def test_real_hcl_comments_still_suppress(
    broken_tf: Path, monkeypatch: pytest.MonkeyPatch, comment: str
) -> None:
    marker = MARKER.format(rule="OB202").removeprefix("# ")
    declaration = 'resource "aws_cloudtrail" "audit" {\n'
    broken_tf.write_text(
        broken_tf.read_text().replace(declaration, comment.format(marker=marker) + "\n" + declaration)
    )
    payload = check_json(broken_tf.parents[1], monkeypatch, "infra", "--config", str(CONFIG))
    assert "OB202" not in failing(payload)
    [entry] = user_suppressed(payload["scope"]["suppressed"])
    assert entry["rule_id"] == "OB202" and entry["reason"] == "approved by security, SEC-1"


def test_real_comment_after_a_yaml_block_scalar_header_suppresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "admin.yaml").write_text(
        'Version: "2012-10-17"\n'
        "Statement:\n"
        "  - Sid: |  # the Sid is multi-line on purpose\n"
        "      Admin\n"
        f"    {MARKER.format(rule='PL601')}\n"
        '    Action: "*"\n'
        "    Effect: Allow\n"
        '    Resource: "*"\n',
        encoding="utf-8",
    )
    payload = lint_json(tmp_path, monkeypatch, "admin.yaml")
    assert "PL601" not in lint_rules(payload)
    [entry] = payload["suppressed"]
    assert entry["rule_id"] == "PL601" and entry["location"].startswith("admin.yaml:6:")


def test_real_comment_in_a_cloudformation_yaml_template_suppresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (REPO_ROOT / "examples" / "cloudformation" / "onboarding-broken.yaml").read_text()
    patched = source.replace(
        "Event: s3:ObjectCreated:Copy   # FAULT: CloudTrail writes log files with Put",
        f"Event: s3:ObjectCreated:Copy   {MARKER.format(rule='OB306')}",
    )
    assert patched != source
    (tmp_path / "stack.yaml").write_text(patched, encoding="utf-8")
    payload = check_json(tmp_path, monkeypatch, "stack.yaml", "--config", str(CONFIG))
    assert "OB306" not in failing(payload)
    assert [e["rule_id"] for e in user_suppressed(payload["scope"]["suppressed"])] == ["OB306"]
