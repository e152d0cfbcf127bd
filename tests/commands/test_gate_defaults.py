"""The CI gate's defaults (issue 13): every gating command blocks on a security warning, as the AWS
policy validators do, unless the flag or the settings lower it; the guide's own policy, followed
word for word, still passes, and every report says what it accepted and why."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from tests.conftest import REPO_ROOT
from tests.reporters.workflow_commands import parse_output

AGENTLESS_EN = REPO_ROOT / "examples" / "policies" / "agentless-en.json"
PASS_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
}


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(main, list(args))
    else:
        with runner.isolated_filesystem(temp_dir=cwd):
            result = runner.invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return str(path)


def test_diff_blocks_on_the_dropped_tag_condition_with_no_flags(tmp_path: Path) -> None:
    """The reported case: ec2:TerminateInstances lost its Name-tag condition; PD105 used to exit 0."""
    document = json.loads(AGENTLESS_EN.read_text(encoding="utf-8"))
    statement = next(s for s in document["Statement"] if "ec2:TerminateInstances" in s["Action"])
    del statement["Condition"]
    code, out, _ = run("diff", _write(tmp_path / "scanner.json", document), "--reference", "agentless")
    assert code == 1, out
    assert re.search(r"PD105 security-warning statement \d+ allows .*ec2:TerminateInstances", out), out


def test_pass_role_on_every_role_blocks_by_default_and_passes_with_fail_on_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "deploy.json", PASS_ROLE)
    code, out, _ = run("lint", path)
    assert code == 1 and "PL602 security-warning" in out, out
    code, out, _ = run("lint", path, "--fail-on", "error")
    assert code == 0 and "PL602 security-warning" in out, out  # still reported, no longer blocking


def test_settings_lower_the_default_and_the_flag_raises_it_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "deploy.json", PASS_ROLE)
    settings = tmp_path / "gate.yaml"
    settings.write_text("fail-on: error\n", encoding="utf-8")
    assert run("lint", path, "--settings", str(settings))[0] == 0
    assert run("lint", path, "--settings", str(settings), "--fail-on", "security-warning")[0] == 1


def test_a_warning_alone_does_not_block_by_default(tmp_path: Path) -> None:
    """The default is security-warning, not warning: a missing Version (PL101) is reported only."""
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
    code, out, _ = run("lint", _write(tmp_path / "reader.json", document))
    assert code == 0 and "PL101 warning" in out, out


def test_check_blocks_on_an_embedded_security_warning_by_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "deploy" {\n'
        '  name   = "deploy"\n'
        f"  policy = jsonencode({json.dumps(PASS_ROLE)})\n"
        "}\n",
        encoding="utf-8",
    )
    code, out, _ = run("check", str(tmp_path))
    assert code == 1 and "PL602 security-warning" in out, out
    assert run("check", str(tmp_path), "--fail-on", "error")[0] == 0


@pytest.mark.parametrize("command", ["lint", "check", "verify", "diff"])
def test_every_gating_command_documents_the_default(command: str) -> None:
    _, out, _ = run(command, "--help")
    assert "default: security-warning" in re.sub(r"\s+", " ", out), out


def test_the_guide_followed_word_for_word_passes_the_default_gate_and_lists_what_it_accepted() -> None:
    code, out, _ = run("lint", str(AGENTLESS_EN))
    assert code == 0, out
    assert out.startswith("Accepted or suppressed, not counted (4):\n"), out
    accepted = out.splitlines()[1:5]
    # each line says what was accepted (the finding's message), then why
    for (rule, line, what), shown in zip(
        (
            ("PL608", 44, "ec2:ModifyImageAttribute allowed on every AMI"),
            ("PL608", 48, "ec2:ModifySnapshotAttribute allowed on every snapshot"),
            ("PL607", 68, "ec2:CreateTags is allowed on every resource"),
        ),
        accepted,
        strict=False,
    ):
        assert shown.startswith(f"  {rule} security-warning at {AGENTLESS_EN}:{line}:17: {what}"), shown
        assert shown.endswith(
            "(accepted: inherited verbatim from the vendor's reference policy (agentless.json statement 3): a "
            "documented vendor risk, accepted by default; set accept-vendor-reference: false to make it block)"
        ), shown
    assert out.endswith("No findings in 1 file.\n")


def test_accept_vendor_reference_false_makes_the_guide_block(tmp_path: Path) -> None:
    settings = tmp_path / "strict.yaml"
    settings.write_text("accept-vendor-reference: false\n", encoding="utf-8")
    code, out, _ = run("lint", str(AGENTLESS_EN), "--settings", str(settings))
    assert code == 1 and f"{AGENTLESS_EN}:68:17: PL607 security-warning" in out, out


REASON = "inherited verbatim from the vendor's reference policy (agentless.json statement 3)"


def _accepted_in(fmt: str, out: str) -> list[tuple[str, str]]:
    """(rule ID, reason) of each accepted finding, read the way each format's consumer reads it."""
    if fmt == "json":
        return [(e["rule_id"], e["reason"]) for e in json.loads(out)["suppressed"]]
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        return [
            (r["ruleId"], s["justification"])
            for r in results
            for s in r.get("suppressions", [])
            if s["status"] == "accepted"
        ]
    if fmt == "junit":
        cases = ET.fromstring(out).iter("testcase")
        return [
            (case.get("classname", "") + " " + case.get("name", ""), skipped.get("message", ""))
            for case in cases
            for skipped in case.iter("skipped")
        ]
    if fmt == "github":  # a notice, never an error or warning: it does not read as a problem
        commands = [c for c in parse_output(out) if c is not None]
        assert {c.name for c in commands} == {"notice"}, out
        return [(c.properties["title"], c.message) for c in commands]
    if fmt == "gitlab":  # an info issue, GitLab's lowest severity
        issues = json.loads(out)
        assert {i["severity"] for i in issues} == {"info"}, out
        return [(i["check_name"], i["description"]) for i in issues]
    if fmt == "csv":
        return [
            (r["rule_id"], r["reason"]) for r in csv.DictReader(io.StringIO(out)) if r["status"] == "accepted"
        ]
    if fmt == "ocsf":
        return [
            (e["metadata"]["event_code"], e["status_detail"]) for e in json.loads(out) if e["status_id"] == 3
        ]
    # markdown, html: one table row per accepted finding, with the reason in it
    text = html.unescape(out) if fmt == "html" else re.sub(r"\\(.)", r"\1", out)
    rows = re.findall(r"(PL60\d)[^\n]*?(inherited verbatim[^|<\n]*)", text)
    return [(rule, reason) for rule, reason in rows]


@pytest.mark.parametrize(
    "fmt", ["json", "sarif", "junit", "markdown", "html", "github", "gitlab", "csv", "ocsf"]
)
def test_every_report_format_lists_the_accepted_weaknesses_with_the_reason(fmt: str) -> None:
    code, out, _ = run("lint", str(AGENTLESS_EN), "--format", fmt)
    assert code == 0
    accepted = _accepted_in(fmt, out)
    assert len(accepted) == 4, accepted
    assert sum("PL607" in rule for rule, _ in accepted) == 1, accepted
    assert sum("PL608" in rule for rule, _ in accepted) == 2, accepted
    assert all(REASON in reason and "accept-vendor-reference: false" in reason for _, reason in accepted)


def test_security_hub_imports_the_accepted_weaknesses_as_suppressed(tmp_path: Path) -> None:
    """ASFF (which needs an account and region, so check): each accepted weakness of the guide's
    Agentless policy in the Terraform example is a FAILED finding whose workflow is SUPPRESSED,
    the reason in its Note, and the same Id it has when it is made to block."""
    args = ("check", str(REPO_ROOT / "examples" / "terraform" / "onboarding"), "--account-id", "123456789012")
    code, out, _ = run(*args, "--region", "eu-west-1", "--format", "asff")
    assert code == 0, out
    suppressed = [f for f in json.loads(out) if f.get("Workflow", {}).get("Status") == "SUPPRESSED"]
    rules = sorted(f["ProductFields"]["policy-lint/RuleId"] for f in suppressed)
    assert {"PL607", "PL608"} <= set(rules), rules
    assert all(f["Compliance"]["Status"] == "FAILED" and REASON in f["Note"]["Text"] for f in suppressed)
    (tmp_path / "strict.yaml").write_text("accept-vendor-reference: false\n", encoding="utf-8")
    code, strict, _ = run(
        *args, "--region", "eu-west-1", "--format", "asff", "--settings", str(tmp_path / "strict.yaml")
    )
    assert code == 1
    blocking = {f["Id"] for f in json.loads(strict) if "Workflow" not in f}
    assert {f["Id"] for f in suppressed} <= blocking  # one finding in Security Hub, not a twin


def test_a_copied_statement_made_riskier_is_the_users_and_blocks_by_default(tmp_path: Path) -> None:
    document = copy.deepcopy(json.loads(AGENTLESS_EN.read_text(encoding="utf-8")))
    tags = next(s for s in document["Statement"] if "ec2:CreateTags" in s["Action"])
    tags["Action"].append("ec2:DeleteVolume")
    code, out, _ = run("lint", _write(tmp_path / "agentless.json", document))
    assert code == 1 and " PL607 security-warning " in out, out


def test_diff_of_the_guide_word_for_word_passes_and_lists_the_vendor_weaknesses(tmp_path: Path) -> None:
    code, out, _ = run("diff", str(AGENTLESS_EN), "--reference", "agentless")
    assert code == 0, out
    [accepted] = [line for line in out.splitlines() if line.startswith("  PL607 ")]
    assert accepted.startswith(
        f"  PL607 security-warning at {AGENTLESS_EN}:68:17: ec2:CreateTags is allowed"
    ), out
    assert f"(accepted: {REASON}" in accepted, out
    code, out, _ = run("diff", str(AGENTLESS_EN), "--reference", "agentless", "--format", "json")
    report = json.loads(out)
    assert report["findings"] == []
    assert sorted(e["rule_id"] for e in report["suppressed"]) == ["PL607", "PL608", "PL608"]
    assert all(e["kind"] == "vendor-reference" and REASON in e["reason"] for e in report["suppressed"])
    (tmp_path / ".policy-lint.yaml").write_text("accept-vendor-reference: false\n", encoding="utf-8")
    code, out, _ = run("diff", str(AGENTLESS_EN), "--reference", "agentless", cwd=tmp_path)
    assert code == 1 and f"{AGENTLESS_EN}:68:17: PL607 security-warning" in out, out
