"""`policy-lint diff` as users run it: exit codes, text and JSON output, --config, --var, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from tests.conftest import REPO_ROOT

AGENTLESS = REPO_ROOT / "examples" / "policies" / "agentless-en.json"
BROKEN_ZH = REPO_ROOT / "examples" / "policies" / "agentless-zh-broken.json"
CONFIG = REPO_ROOT / "examples" / "onboarding" / "onboarding.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def variant(tmp_path: Path, name: str, change: Any) -> str:
    doc = json.loads(AGENTLESS.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")
    return str(path)


def lines_with(out: str, rule_id: str) -> list[str]:
    return [line for line in out.splitlines() if f": {rule_id} " in line]


VENDOR_RISK = "inherited verbatim from the vendor's reference policy (agentless.json statement 3)"


def test_guide_policy_against_agentless_passes_the_default_gate_and_lists_its_weaknesses() -> None:
    """The default --fail-on is security-warning (issue 13); the guide's own PL607/PL608, in
    statements copied word for word, are the vendor's documented risk: listed, not counted."""
    code, out, _ = run(str(AGENTLESS), "--feature", "agentless", "--no-color")
    assert code == 0, out
    [accepted] = [line for line in out.splitlines() if line.startswith("  PL607 ")]
    assert accepted.startswith(f"  PL607 security-warning at {AGENTLESS}:68:17: ec2:CreateTags is allowed"), (
        out
    )
    assert f"(accepted: {VENDOR_RISK}" in accepted, out
    assert out.count(f"  PL608 security-warning at {AGENTLESS}:") == 2
    assert out.rstrip().endswith("No findings in 1 file, against agentless (agentless).")


def test_accept_vendor_reference_false_makes_the_guide_policy_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".policy-lint.yaml").write_text("accept-vendor-reference: false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(str(AGENTLESS), "--feature", "agentless", "--no-color")
    assert code == 1
    [pl607] = lines_with(out, "PL607")
    assert pl607.startswith(
        f"{AGENTLESS}:68:17: PL607 security-warning ec2:CreateTags is allowed on every resource"
    )
    assert "the reference agentless has the same weakness" in pl607
    assert '"ec2:CreateAction"' in pl607  # the fix
    assert len(lines_with(out, "PL608")) == 2
    assert run(str(AGENTLESS), "--feature", "agentless", "--fail-on", "error")[0] == 0


def test_condition_removed_is_reported_with_the_lost_condition(tmp_path: Path) -> None:
    path = variant(tmp_path, "no-cond.json", lambda d: d["Statement"][1].pop("Condition"))
    code, out, _ = run(path, "--feature", "agentless", "--no-color")
    [line] = lines_with(out, "PD105")
    assert line.startswith(
        f"{path}:22:9: PD105 security-warning statement 2 allows ec2:DeleteSnapshot without a condition"
    )
    assert "only if StringLike ec2:ResourceTag/Name SAS_Agentless*" in line
    assert code == 1  # a dropped tag condition is a security warning: the default gate blocks it


def test_action_removed_is_missing_and_exits_one(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "no-describe.json", lambda d: d["Statement"][2]["Action"].remove("ec2:DescribeInstances")
    )
    code, out, _ = run(path, "--feature", "agentless", "--no-color")
    assert code == 1
    [line] = lines_with(out, "PD101")
    assert "PD101 error agentless statement 3 (needed by agentless): 1 action of 44 not allowed" in line
    assert line.rstrip(")").endswith("ec2:DescribeInstances (attach agentless or add these actions")


def test_ec2_star_added_calls_out_destructive_actions(tmp_path: Path) -> None:
    path = variant(tmp_path, "ec2-star.json", lambda d: d["Statement"][2]["Action"].append("ec2:*"))
    code, out, _ = run(path, "--feature", "agentless", "--no-color")
    [excess] = lines_with(out, "PD104")
    assert "via ec2:CopySnapshot" in excess and "destructive actions (ec2:Delete" in excess
    weakened = lines_with(out, "PD105")
    assert len(weakened) == 2  # one per reference tag condition: scan* and SAS_Agentless*
    assert any(
        "ec2:TerminateInstances" in line and "alibaba-cloud-security-scan*" in line for line in weakened
    )
    assert code == 1  # destructive excess and weakened conditions block by default
    code, _, _ = run(path, "--feature", "agentless", "--fail-on", "error")
    assert code == 0  # nothing the vendor needs is missing


def test_deny_in_actual_set_is_missing_at_the_deny(tmp_path: Path) -> None:
    deny = tmp_path / "deny.json"
    deny.write_text(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Deny", "Action": "ec2:Describe*", "Resource": "*"}\n]}\n'
    )
    code, out, _ = run("ReadOnlyAccess", str(deny), "--feature", "host", "--no-color")
    assert code == 1
    lines = lines_with(out, "PD101")
    assert lines and all(line.startswith(f"{deny}:2:32: PD101 error this Deny removes") for line in lines)


def test_read_only_access_alone_satisfies_host() -> None:
    """Nothing is missing (exit 0 with --fail-on error), but its write actions on every resource
    beyond the reference (PD104, a security warning) fail the default gate."""
    code, out, _ = run("ReadOnlyAccess", "--feature", "host", "--no-color")
    assert code == 1 and lines_with(out, "PD104")
    assert run("ReadOnlyAccess", "--feature", "host", "--fail-on", "error")[0] == 0
    assert not lines_with(out, "PD101") and not lines_with(out, "PD102")
    assert "against AmazonEC2ReadOnlyAccess (host), IAMReadOnlyAccess (host)." in out


def test_ec2_read_only_alone_for_host_and_cspm_misses_two_policies() -> None:
    code, out, _ = run("AmazonEC2ReadOnlyAccess", "--feature", "host,cspm", "--no-color")
    assert code == 1
    missing = lines_with(out, "PD101")
    assert any("IAMReadOnlyAccess statement 1 (needed by host): 76 actions of 76" in line for line in missing)
    assert any("ReadOnlyAccess statement 1" in line and "(needed by cspm)" in line for line in missing)
    assert all(line.startswith("aws-managed/AmazonEC2ReadOnlyAccess.json:1:1: ") for line in missing)


def test_managed_policy_by_arn_in_any_partition() -> None:
    code, out, _ = run(
        "arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "--feature", "host", "--no-color", "--fail-on", "error"
    )
    assert code == 0 and not lines_with(out, "PD101")


def test_config_takes_features_and_values_from_onboarding_yaml() -> None:
    code, out, err = run("ReadOnlyAccess", str(AGENTLESS), "--config", str(CONFIG), "--format", "json")
    assert code == 0
    report = json.loads(out)
    policies = {p["name"]: p for p in report["reference"]["policies"]}
    assert set(policies) == {
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "ReadOnlyAccess",
        "sqs-read-policy",
        "agentless",
    }
    assert policies["sqs-read-policy"]["unfilled_placeholders"] == []  # queue ARN built from the config
    assert report["reference"]["config"] == str(CONFIG)
    assert report["reference"]["features"] == ["host", "cspm", "agentless"]
    # ReadOnlyAccess is itself the CSPM reference, so its sqs:* reads on every queue are not a widening;
    # what remains is the guide's own GUIDE-TAG-BYPASS weakness in the agentless policy, accepted
    assert report["findings"] == []
    assert sorted(f["rule_id"] for f in report["suppressed"]) == ["PL607", "PL608", "PL608"]
    assert report["stats"]["missing"] == 0 and report["stats"]["conditional"] == 0
    assert "sqs-queue-policy is a resource policy" in err  # noted, not compared


def test_json_format_structure(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "no-describe.json", lambda d: d["Statement"][2]["Action"].remove("ec2:DescribeInstances")
    )
    code, out, _ = run(path, "--feature", "agentless", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {
        "tool",
        "reference",
        "actual",
        "managed_snapshot",
        "stats",
        "findings",
        "suppressed",
        "notes",
        "errors",
    }
    assert report["tool"]["command"] == "diff"
    assert report["actual"] == [{"name": path, "kind": "file", "path": path}]
    assert report["stats"]["missing"] == 1 and report["stats"]["reference_actions"] == 52
    assert report["managed_snapshot"]["data_as_of"][:2] == "20"
    [missing] = [f for f in report["findings"] if f["rule_id"] == "PD101"]
    assert missing["level"] == "error" and missing["rule"] == "missing-permission"
    assert missing["location"] == {"path": path, "line": 1, "col": 1}
    assert missing["evidence"]["actions"] == ["ec2:DescribeInstances"]
    assert missing["evidence"]["reference_statement"]["statement"] == 3
    # statement 3 lost an action, so it is the user's now: its PL607/PL608 are findings, not accepted
    rules = [f["rule_id"] for f in report["findings"]]
    assert rules.count("PL608") == 2 and "PL607" in rules and report["suppressed"] == []


def test_unparseable_actual_file_is_pl001_at_line_col_and_exit_two() -> None:
    code, out, err = run(str(BROKEN_ZH), "--feature", "agentless", "--no-color")
    assert code == 2
    assert out.startswith(f"{BROKEN_ZH}:83:21: PL001 error JSON syntax error")  # GUIDE-ZH-JSON
    assert "diff not computed" in err
    assert "Traceback" not in out + err
    code, out, _ = run(str(BROKEN_ZH), "--feature", "agentless", "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert [(f["rule_id"], f["location"]["line"], f["location"]["col"]) for f in report["findings"]] == [
        ("PL001", 83, 21)
    ]
    assert report["errors"]


def test_unknown_managed_policy_is_a_usage_error() -> None:
    code, out, err = run("ReadOnlyAcess", "--feature", "host")
    assert code == 2 and out == ""
    assert "'ReadOnlyAcess' is neither a file nor an AWS managed policy" in err
    assert "did you mean ReadOnlyAccess" in err
    assert "Traceback" not in err
    code, _, err = run("arn:aws:iam::aws:policy/ViewOnlyAccess", "--feature", "host")
    assert code == 2 and "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess" in err


def test_other_usage_errors_exit_two(tmp_path: Path) -> None:
    assert run(str(AGENTLESS))[0] == 2  # no reference at all
    assert run(str(AGENTLESS), "--feature", "agentless", "--reference", "agentless")[0] == 2
    code, _, err = run(str(AGENTLESS), "--feature", "hots")
    assert code == 2 and "unknown feature hots" in err
    code, _, err = run(str(AGENTLESS), "--reference", "sqs-queue-policy")
    assert code == 2 and "nothing to compare with" in err
    code, _, err = run(str(tmp_path / "missing.json"), "--feature", "agentless")
    assert code == 2 and "no such file" in err
    bad = tmp_path / "onboarding.yaml"
    bad.write_text("plan: manual\nfeatures: [host, bogus]\n")
    code, _, err = run("ReadOnlyAccess", "--config", str(bad))
    assert code == 2 and f"{bad}:2:18: features.1" in err
    code, _, err = run("ReadOnlyAccess", "--reference", "sqs-read-policy", "--var", "colour=blue")
    assert code == 2 and "unknown placeholder" in err


def test_var_fills_placeholders(tmp_path: Path) -> None:
    queue = "arn:aws:sqs:eu-west-1:123456789012:q"
    scoped = tmp_path / "scoped.json"
    scoped.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                        "Resource": queue,
                    }
                ],
            }
        )
    )
    code, out, _ = run(str(scoped), "--reference", "sqs-read-policy", "--no-color")
    assert code == 0 and "PD107 suggestion sqs-read-policy: ${SQS ARN} has no value" in out
    code, out, _ = run(
        str(scoped), "--reference", "sqs-read-policy", "--var", f"SQS ARN={queue}", "--no-color"
    )
    assert (code, out.splitlines()[0]) == (
        0,
        "No findings in 1 file, against sqs-read-policy (cspm, agentless).",
    )
    code, out, _ = run(
        str(scoped),
        "--reference",
        "sqs-read-policy",
        "--var",
        "queue_arn=arn:aws:sqs:eu-west-1:123456789012:other",
    )
    assert code == 1 and "PD101" in out


def test_aws_cn_partition(tmp_path: Path) -> None:
    cn = tmp_path / "onboarding.yaml"
    cn.write_text(
        CONFIG.read_text()
        .replace("domain: international", "domain: china")
        .replace("ap-northeast-1", "cn-north-1")
        .replace("us-east-1", "cn-northwest-1")
    )
    queue = "arn:aws-cn:sqs:cn-north-1:123456789012:aliyun-sasc-log-queue"
    read = tmp_path / "read.json"
    read.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                        "Resource": queue,
                    }
                ],
            }
        )
    )
    args = (
        "arn:aws-cn:iam::aws:policy/IAMReadOnlyAccess",
        "AmazonEC2ReadOnlyAccess",
        "ReadOnlyAccess",
        str(AGENTLESS),
    )
    code, out, _ = run(*args, str(read), "--config", str(cn), "--no-color")
    assert code == 0 and not lines_with(out, "PD101") and not lines_with(out, "PD106")
    # the same grant written with arn:aws: (the guide's hard-coded partition, GUIDE-PARTITION) covers nothing in China
    read.write_text(read.read_text().replace("arn:aws-cn:", "arn:aws:"))
    code, out, _ = run(str(read), "--config", str(cn), "--no-color")
    assert code == 1
    assert any(
        "sqs-read-policy statement 1" in line and "sqs:GetQueueUrl" in line
        for line in lines_with(out, "PD101")
    )


def test_help_runs_as_installed() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", "diff", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "--feature" in proc.stdout and "PD101" in proc.stdout


def test_select_ignore_settings_suppressions_and_formats_apply_as_in_lint(tmp_path: Path) -> None:
    """The reference diff's findings go through what lint's go through: --select/--ignore, the
    settings' fail-on and suppressions (listed as accepted, with the reason), and every format."""
    path = variant(tmp_path, "no-cond.json", lambda d: d["Statement"][1].pop("Condition"))
    code, out, _ = run(path, "--feature", "agentless", "--no-color", "--select", "PD1")
    assert lines_with(out, "PD105") and not lines_with(out, "PL607"), out
    code, out, _ = run(path, "--feature", "agentless", "--no-color", "--ignore", "PD105,PL6")
    assert not lines_with(out, "PD105") and not lines_with(out, "PL607"), out

    settings = tmp_path / "settings.yaml"
    settings.write_text("fail-on: security-warning\n", encoding="utf-8")
    code, _, _ = run(path, "--feature", "agentless", "--settings", str(settings))
    assert code == 1  # the settings' fail-on: the dropped condition is a security-warning
    settings.write_text(
        "fail-on: security-warning\nsuppressions:\n"
        "  - rule: PD105\n    reason: scanner tags after create, SEC-9\n"
        "  - rule: PL607\n    reason: vendor risk\n  - rule: PL608\n    reason: vendor risk\n",
        encoding="utf-8",
    )
    code, out, _ = run(path, "--feature", "agentless", "--settings", str(settings), "--no-color")
    assert code == 0, out
    assert not lines_with(out, "PD105") and "scanner tags after create, SEC-9" in out
    code, out, _ = run(path, "--feature", "agentless", "--settings", str(settings), "--format", "json")
    assert any(s["rule_id"] == "PD105" for s in json.loads(out)["suppressed"])

    code, out, _ = run(path, "--feature", "agentless", "--format", "sarif", "--select", "PD105")
    rules = {r["ruleId"] for r in json.loads(out)["runs"][0]["results"]}
    assert rules == {"PD105"}
