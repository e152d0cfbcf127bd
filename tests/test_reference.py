"""The reference policies: data, provenance against the guide's seeds, the ReferenceSet API, CLI, wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.core.findings import Finding, Level
from policy_lint.lint.engine import lint_text
from policy_lint.policy.model import PolicyType
from policy_lint.reference.manifest import (
    ManifestError,
    Provenance,
    ReferenceSet,
    Requirement,
    UnknownReferenceError,
    build_reference_set,
    load_reference_set,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_ROOT = REPO_ROOT.parent / "shared"  # manifest seed paths ("seeds/...") are relative to this
EXAMPLES = REPO_ROOT / "examples" / "policies"
DATA = REPO_ROOT / "policy_lint" / "reference" / "policies"

EXAMPLE_VALUES = {
    "${Account ID}": "123456789012",
    "${SQS ARN}": "arn:aws:sqs:ap-northeast-1:123456789012:aliyun-sasc-log-queue",
    "${S3 bucket name}": "aws-cloudtrail-logs-123456789012-abcdef",
}

#: The English copy's agentless actions, in the guide's order (PLAN-AGENTLESS-CONTENT).
SCAN_TAGGED = [
    "ec2:DeleteSubnet",
    "ec2:DeleteVpcEndpoints",
    "ec2:DeleteInternetGateway",
    "ec2:TerminateInstances",
    "ec2:StopInstances",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteVpc",
]
#: The third statement (no condition), in the guide's order.
UNCONDITIONED = [
    "ec2:CopySnapshot",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:DescribeInstances",
    "ec2:CreateImage",
    "ec2:CreateVpc",
    "ec2:AttachInternetGateway",
    "ec2:CopyImage",
    "ec2:ModifyImageAttribute",
    "ec2:DescribeSnapshots",
    "ec2:ModifySubnetAttribute",
    "ec2:DescribeInternetGateways",
    "ec2:ModifySnapshotAttribute",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeAvailabilityZones",
    "ec2:CreateInternetGateway",
    "ec2:CreateSecurityGroup",
    "ec2:DescribeVolumes",
    "ec2:CreateSnapshot",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RunInstances",
    "ec2:DetachInternetGateway",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeImages",
    "ec2:CreateVpcEndpoint",
    "ec2:CreateSnapshots",
    "ec2:DescribeVpcs",
    "ec2:DescribeImageAttribute",
    "ec2:DescribeVpcEndpoints",
    "ec2:CreateSubnet",
    "ec2:DescribeSubnets",
    "ec2:ModifyVpcEndpoint",
    "ec2:CreateTags",
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:DescribeRegions",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:GenerateDataKey",
    "kms:ReEncrypt*",
    "iam:GetUser",
]


@pytest.fixture(scope="module")
def refs() -> ReferenceSet:
    return load_reference_set()


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level >= Level.ERROR]


# --------------------------------------------------------------------------- the data


def test_names_and_kinds(refs: ReferenceSet) -> None:
    assert refs.names() == ("agentless", "sqs-queue-policy", "sqs-read-policy")
    assert refs.managed_names() == ("AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess", "ReadOnlyAccess")
    assert refs.get("agentless").kind is PolicyType.IDENTITY
    assert refs.get("sqs-read-policy").kind is PolicyType.IDENTITY
    assert refs.get("sqs-queue-policy").kind is PolicyType.RESOURCE
    assert refs.get("sqs-queue-policy").attach_to == "sqs-queue"
    for name in refs.names():
        ref = refs.get(name)
        assert ref.text == (DATA / ref.file).read_text(encoding="utf-8"), (
            "text is the shipped file, unchanged"
        )
        assert ref.document.policy_type is ref.kind
        assert ref.provenance and {p.copy for p in ref.provenance} == {"en", "zh"}
        facts = (REPO_ROOT / "docs" / "aws-facts.md").read_text(encoding="utf-8")
        assert all(f"| {d.id} |" in facts for d in ref.known_defects), "every defect is documented"
    assert refs.managed("ReadOnlyAccess").arn("aws-cn") == "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"


def test_agentless_has_3_statements_and_51_actions_in_the_guides_order(refs: ReferenceSet) -> None:
    data = refs.get("agentless").data
    statements = data["Statement"]
    assert data["Version"] == "2012-10-17"
    assert len(statements) == 3
    assert [s["Action"] for s in statements] == [SCAN_TAGGED, ["ec2:DeleteSnapshot"], UNCONDITIONED]
    assert sum(len(s["Action"]) for s in statements) == 51
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in statements)
    assert statements[0]["Condition"] == {
        "StringLike": {"ec2:ResourceTag/Name": "alibaba-cloud-security-scan*"}
    }
    assert statements[1]["Condition"] == {"StringLike": {"ec2:ResourceTag/Name": "SAS_Agentless*"}}
    assert "Condition" not in statements[2]
    # the parsed model sees the same 51 actions, with positions
    doc = refs.get("agentless").document
    assert [str(a.value) for s in doc.statements for a in s.actions] == [
        *SCAN_TAGGED,
        "ec2:DeleteSnapshot",
        *UNCONDITIONED,
    ]


def test_agentless_known_defects(refs: ReferenceSet) -> None:
    defects = {d.id: d for d in refs.get("agentless").known_defects}
    assert set(defects) == {"GUIDE-ZH-JSON", "GUIDE-TAG-BYPASS"}
    assert defects["GUIDE-ZH-JSON"].affects == ("zh",)
    assert "kms:ReEncrypt*" in defects["GUIDE-ZH-JSON"].text
    assert refs.get("agentless").placeholders == ()
    assert refs.get("agentless").suggested_name == "AliyunSASC-AgentlessScan-Policy"


def test_sqs_templates_keep_placeholders_verbatim(refs: ReferenceSet) -> None:
    queue = refs.get("sqs-queue-policy")
    assert [p.token for p in queue.placeholders] == ["${Account ID}", "${SQS ARN}", "${S3 bucket name}"]
    assert [p.example for p in queue.placeholders] == [
        "99********1",
        "arn:aws:sqs:ap-northeast-1:123******012:aliyun-sasc-log-queue",
        "aws-cloudtrail-logs-123******12-abcdef",
    ]
    assert '"arn:aws:iam::${Account ID}:root"' in queue.text
    assert '"arn:aws:s3:*:*:${S3 bucket name}"' in queue.text
    assert {d.id for d in queue.known_defects} == {"GUIDE-PARTITION", "GUIDE-SOURCE-ACCOUNT"}

    read = refs.get("sqs-read-policy")
    assert read.data == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:ReceiveMessage"], "Resource": "${SQS ARN}"}
        ],
    }
    assert [p.token for p in read.placeholders] == ["${SQS ARN}"]
    assert "GUIDE-SQS-WRITE" in {d.id for d in read.known_defects}
    assert "sqs:DeleteMessage" not in read.text, "faithful to the guide (E4 is recorded, not fixed)"


# --------------------------------------------------------------------------- linting


@pytest.mark.parametrize("name", ["agentless", "sqs-queue-policy", "sqs-read-policy"])
def test_references_lint_without_errors_except_placeholders(refs: ReferenceSet, name: str) -> None:
    ref = refs.get(name)
    findings = lint_text(ref.text, f"reference_policies/{ref.file}")
    allowed = [f for f in findings if ref.is_template and f.rule_id.startswith("PL5")]
    unexpected = [f for f in _errors(findings) if f not in allowed]
    assert unexpected == [], [f"{f.location} {f.rule_id} {f.message}" for f in unexpected]
    if ref.is_template:
        filled = ref.fill({p.token: EXAMPLE_VALUES[p.token] for p in ref.placeholders})
        assert "${" not in filled
        filled_findings = lint_text(filled, f"filled/{ref.file}")
        assert _errors(filled_findings) == []
        assert [f for f in filled_findings if f.rule_id.startswith("PL5")] == []


def test_fill_checks_its_values(refs: ReferenceSet) -> None:
    read = refs.get("sqs-read-policy")
    assert '"Resource": "arn:x\\"y"' in read.fill({"SQS ARN": 'arn:x"y'}), "values are JSON-escaped"
    with pytest.raises(ValueError, match=r"no value for \$\{SQS ARN\}"):
        read.fill({})
    with pytest.raises(ValueError, match=r"no placeholder \$\{Account ID\}"):
        read.fill({"${SQS ARN}": "a", "${Account ID}": "b"})


def test_zh_broken_example_reports_the_missing_comma_at_83_21() -> None:
    path = EXAMPLES / "agentless-zh-broken.json"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("    {\n"), "kept verbatim, with the guide's 4-space indentation"
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text)
    assert (info.value.msg, info.value.lineno, info.value.colno) == ("Expecting ',' delimiter", 83, 21)
    assert text.splitlines()[82] == '                    "iam:GetUser"'
    findings = lint_text(text, str(path))
    assert [(f.rule_id, f.location.line, f.location.col) for f in findings] == [("PL001", 83, 21)]
    assert "missing ','" in (findings[0].hint or "")


def test_zh_broken_example_with_comma_restored_is_the_reference(refs: ReferenceSet) -> None:
    text = (EXAMPLES / "agentless-zh-broken.json").read_text(encoding="utf-8")
    repaired = text.replace('"kms:ReEncrypt*"\n', '"kms:ReEncrypt*",\n', 1)
    assert json.loads(repaired) == refs.get("agentless").data


def test_filled_examples(refs: ReferenceSet) -> None:
    assert (EXAMPLES / "agentless-en.json").read_text(encoding="utf-8") == refs.get("agentless").text
    queue = refs.get("sqs-queue-policy")
    filled = (EXAMPLES / "sqs-queue-policy-filled.json").read_text(encoding="utf-8")
    assert filled == queue.fill(EXAMPLE_VALUES)
    for name in ("agentless-en.json", "sqs-queue-policy-filled.json"):
        findings = lint_text((EXAMPLES / name).read_text(encoding="utf-8"), name)
        assert _errors(findings) == []
        assert [f for f in findings if f.rule_id.startswith("PL5")] == []


# --------------------------------------------------------------------------- against the guide's seeds


@pytest.fixture(scope="module")
def seed_lines(refs: ReferenceSet) -> Callable[[str], list[str]]:
    if not (SEEDS_ROOT / "seeds").is_dir():
        pytest.skip(
            f"guide seeds not found at {SEEDS_ROOT / 'seeds'}: these tests need ../shared/seeds beside the repo"
        )
    cache: dict[str, list[str]] = {}

    def lines(copy: str) -> list[str]:
        if copy not in cache:
            cache[copy] = (SEEDS_ROOT / refs.copies[copy].seed).read_text(encoding="utf-8").splitlines()
        return cache[copy]

    return lines


def _block(lines: list[str], first: int, last: int) -> str:
    return "\n".join(lines[first - 1 : last])


def _json_from(block: str) -> object:
    """The JSON value the block starts with (the English copy has prose after it on the same line)."""
    start = block.index("{")
    value, _ = json.JSONDecoder().raw_decode(block, start)
    return value


def test_en_and_zh_agentless_match_once_the_comma_is_restored(
    refs: ReferenceSet, seed_lines: Callable[[str], list[str]]
) -> None:
    ref = refs.get("agentless")
    by_copy = {p.copy: p for p in ref.provenance}
    en = _json_from(_block(seed_lines("en"), *by_copy["en"].lines))
    zh_text = _block(seed_lines("zh"), *by_copy["zh"].lines)
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(zh_text)
    assert (info.value.lineno, info.value.colno) == (83, 21)
    zh = json.loads(zh_text.replace('"kms:ReEncrypt*"\n', '"kms:ReEncrypt*",\n', 1))
    assert en == zh == ref.data
    # the example file is the Chinese block, verbatim
    assert (EXAMPLES / "agentless-zh-broken.json").read_text(encoding="utf-8") == zh_text + "\n"


def test_sqs_queue_policy_matches_both_copies(
    refs: ReferenceSet, seed_lines: Callable[[str], list[str]]
) -> None:
    ref = refs.get("sqs-queue-policy")
    for p in ref.provenance:
        assert _json_from(_block(seed_lines(p.copy), *p.lines)) == ref.data, p.copy


def test_sqs_read_policy_matches_the_guides_console_steps(
    refs: ReferenceSet, seed_lines: Callable[[str], list[str]]
) -> None:
    by_copy = {p.copy: p for p in refs.get("sqs-read-policy").provenance}
    en = _block(seed_lines("en"), *by_copy["en"].lines)
    assert "Read: GetQueueUrl, ReceiveMessage." in en
    assert "Write: Select ReceiveMessage." in en  # GUIDE-SQS-WRITE, recorded as a known defect
    zh = _block(seed_lines("zh"), *by_copy["zh"].lines)
    assert "GetQueueUrl" in zh and "ReceiveMessage" in zh


def test_placeholder_table_matches_the_guide(
    refs: ReferenceSet, seed_lines: Callable[[str], list[str]]
) -> None:
    en = "\n".join(seed_lines("en"))
    zh = "\n".join(seed_lines("zh"))
    for ph in refs.get("sqs-queue-policy").placeholders:
        assert ph.token in en and ph.token in zh
        assert ph.example in en and ph.example in zh


def _all_provenance(refs: ReferenceSet) -> list[tuple[str, Provenance]]:
    items: list[tuple[str, Provenance]] = []
    for name in refs.names():
        items += [(f"references.{name}", p) for p in refs.get(name).provenance]
    for feature in refs.features.values():
        items += [(f"features.{feature.name}", p) for p in feature.provenance]
    for plan in refs.plans.values():
        items += [(f"plans.{plan.name}", p) for p in plan.provenance]
    return items


def test_provenance_sections_exist_in_the_seeds(
    refs: ReferenceSet, seed_lines: Callable[[str], list[str]]
) -> None:
    for where, p in _all_provenance(refs):
        lines = seed_lines(p.copy)
        _, last = p.lines
        assert last <= len(lines), where
        found_at = 0
        for title in p.section:  # in order, each before the quoted lines end
            hits = [i for i, line in enumerate(lines[:last], 1) if title in line and i > found_at]
            assert hits, f"{where}: section {title!r} not found in {p.copy} before line {last}"
            found_at = hits[0]


# --------------------------------------------------------------------------- features and plans


def _names(reqs: tuple[Requirement, ...]) -> list[str]:
    return [r.policy for r in reqs]


def test_for_features(refs: ReferenceSet) -> None:
    assert _names(refs.for_features(["host"], "quick", audit_log=False)) == [
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
    ]
    assert _names(refs.for_features(["CSPM"], "manual", audit_log=False)) == ["ReadOnlyAccess"]
    assert _names(refs.for_features(["cspm"], "manual", audit_log=True)) == [
        "ReadOnlyAccess",
        "sqs-read-policy",
        "sqs-queue-policy",
    ]
    # GUIDE-PIPELINE-OPTIONAL: the pipeline is required for agentless only when queue inputs are supplied
    assert _names(refs.for_features(["agentless"], "manual", audit_log=False)) == ["agentless"]
    every = refs.for_features(["host", "cspm", "agentless"], "manual", audit_log=True)
    assert _names(every) == [
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "ReadOnlyAccess",
        "sqs-read-policy",
        "sqs-queue-policy",
        "agentless",
    ]
    by_name = {r.policy: r for r in every}
    assert by_name["sqs-read-policy"].features == ("cspm", "agentless")
    assert by_name["sqs-read-policy"].when == "audit_log"
    assert by_name["sqs-queue-policy"].attach_to == "sqs-queue"
    assert by_name["ReadOnlyAccess"].is_managed and by_name["ReadOnlyAccess"].when == "always"
    assert by_name["agentless"].kind == "identity"
    assert refs.for_features([], "manual", audit_log=True) == ()


def test_for_features_rejects_what_the_guide_does_not_allow(refs: ReferenceSet) -> None:
    with pytest.raises(ValueError, match="quick plan does not support cspm"):
        refs.for_features(["host", "cspm"], "quick", audit_log=False)
    with pytest.raises(ValueError, match="unknown plan 'fast'"):
        refs.for_features(["host"], "fast", audit_log=False)
    with pytest.raises(ValueError, match="unknown feature waf"):
        refs.for_features(["waf"], "manual", audit_log=False)
    with pytest.raises(ValueError, match="agentless is not supported with the console region mainland"):
        refs.for_features(["host", "agentless"], "manual", audit_log=False, console_region="mainland")
    assert refs.for_features(["agentless"], "manual", audit_log=False, console_region="outside_mainland")


def test_plans_and_features_data(refs: ReferenceSet) -> None:
    assert refs.plans["quick"].features == ("host",)
    assert refs.plans["manual"].features == ("host", "cspm", "agentless")
    assert refs.features["agentless"].console_regions == ("outside_mainland",)
    assert any("GUIDE-PIPELINE-OPTIONAL" in note for note in refs.features["agentless"].notes)
    assert refs.features_of("sqs-read-policy") == (("cspm", "audit_log"), ("agentless", "audit_log"))
    assert "snapshot" in refs.managed_note


def test_unknown_name_lists_the_valid_ones(refs: ReferenceSet) -> None:
    with pytest.raises(UnknownReferenceError) as info:
        refs.get("nope")
    assert (
        str(info.value)
        == "unknown reference policy 'nope'; valid names: agentless, sqs-queue-policy, sqs-read-policy"
    )
    assert isinstance(info.value, KeyError)


# --------------------------------------------------------------------------- manifest validation


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load((DATA / "manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _build(data: object, files: dict[str, str] | None = None) -> ReferenceSet:
    def read(name: str) -> str:
        if files and name in files:
            return files[name]
        return (DATA / name).read_text(encoding="utf-8")

    return build_reference_set(yaml.safe_dump(data, allow_unicode=True), read)


def test_manifest_round_trip_builds() -> None:
    rebuilt = _build(_manifest())
    assert rebuilt.names() == load_reference_set().names()


def _ref(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["references"] if r["name"] == name)
    return found


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown top-level key", lambda d: d.update(extra=1), r"manifest.yaml: unknown key extra"),
    ("wrong schema", lambda d: d.update(schema_version=2), r"schema_version must be 1"),
    (
        "typo in a key",
        lambda d: _ref(d, "agentless").update(kinds="identity"),
        r"\(agentless\): unknown key kinds",
    ),
    (
        "bad kind",
        lambda d: _ref(d, "agentless").update(kind="trust"),
        r"\(agentless\)\.kind: 'trust' is not one of",
    ),
    (
        "kind disagrees with the document",
        lambda d: _ref(d, "sqs-queue-policy").update(kind="identity", attach_to="iam-user"),
        r"'identity', but sqs-queue-policy.json reads as a resource policy",
    ),
    ("missing file", lambda d: _ref(d, "agentless").update(file="nope.json"), r"nope.json"),
    ("path in file", lambda d: _ref(d, "agentless").update(file="../x.json"), r"plain .json file name"),
    (
        "undeclared placeholder",
        lambda d: _ref(d, "sqs-read-policy").update(placeholders=[]),
        r"uses undeclared \$\{SQS ARN\}",
    ),
    (
        "unused placeholder",
        lambda d: _ref(d, "agentless").update(
            placeholders=[{"token": "${X}", "description": "x", "example": "x"}]
        ),
        r"\$\{X\} not used in agentless.json",
    ),
    (
        "defect with an ID of another scheme",
        lambda d: _ref(d, "agentless")["known_defects"][0].update(id="E1"),
        r"'E1' is not a guide-defect ID",
    ),
    (
        "unknown copy",
        lambda d: _ref(d, "agentless")["provenance"][0].update(copy="fr"),
        r"provenance\[0\]\.copy: 'fr' is not one of en, zh",
    ),
    (
        "bad lines",
        lambda d: _ref(d, "agentless")["provenance"][0].update(lines=[145]),
        r"lines: expected \[first, last\]",
    ),
    (
        "unknown policy in a feature",
        lambda d: d["features"]["host"]["requires"].append({"policy": "PowerUserAccess"}),
        r"features.host.requires\[2\].policy: 'PowerUserAccess' is neither",
    ),
    (
        "bad when",
        lambda d: d["features"]["cspm"]["requires"][1].update(when="sometimes"),
        r"'sometimes' is not one of always, audit_log",
    ),
    (
        "plan with an unknown feature",
        lambda d: d["plans"]["quick"].update(features=["host", "waf"]),
        r"plans.quick.features: 'waf' is not one of",
    ),
    (
        "duplicate name",
        lambda d: d["aws_managed"].append(
            {"name": "agentless", "arn": "arn:${Partition}:iam::aws:policy/agentless", "description": "x"}
        ),
        r"aws_managed\[3\].name: duplicate name 'agentless'",
    ),
    (
        "bad managed ARN",
        lambda d: d["aws_managed"][0].update(arn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"),
        r"aws_managed\[0\].arn: expected 'arn:\$\{Partition\}",
    ),
    (
        "orphan reference",
        lambda d: d["features"]["agentless"].update(requires=[{"policy": "sqs-read-policy"}]),
        r"no feature requires agentless",
    ),
    ("not a mapping", lambda d: d.update(references={"a": 1}), r"references: expected a list, got dict"),
]


@pytest.mark.parametrize(("label", "breakage", "message"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_broken_manifest_fails_loudly(
    label: str, breakage: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = _manifest()
    breakage(data)
    with pytest.raises(ManifestError, match=message):
        _build(data)


def test_a_broken_document_fails_loudly() -> None:
    with pytest.raises(ManifestError, match=r"agentless.json:1:2: invalid JSON"):
        _build(_manifest(), {"agentless.json": "{,}"})
    with pytest.raises(ManifestError, match="not valid YAML"):
        build_reference_set("a: [", lambda name: "")


# --------------------------------------------------------------------------- CLI


def test_cli_reference_list() -> None:
    result = CliRunner().invoke(main, ["reference", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "FEATURES", "PLACEHOLDERS", "DESCRIPTION"]
    rows = {
        line.split()[0]: line for line in lines[1:] if line.strip() and not line.startswith("AWS managed")
    }
    assert set(rows) == {
        "agentless",
        "sqs-queue-policy",
        "sqs-read-policy",
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "ReadOnlyAccess",
    }
    assert "${Account ID}, ${SQS ARN}, ${S3 bucket name}" in rows["sqs-queue-policy"]
    assert "cspm (audit log), agentless (audit log)" in rows["sqs-read-policy"]
    assert "aws-managed" in rows["ReadOnlyAccess"]
    assert "dated snapshot" in result.output


def test_cli_reference_list_json(refs: ReferenceSet) -> None:
    result = CliRunner().invoke(main, ["reference", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_name = {row["name"]: row for row in data["references"]}
    assert list(by_name) == list(refs.all_names())
    assert by_name["agentless"]["features"] == [{"feature": "agentless", "when": "always"}]
    assert by_name["agentless"]["known_defects"] == ["GUIDE-ZH-JSON", "GUIDE-TAG-BYPASS"]
    assert by_name["sqs-read-policy"]["placeholders"] == ["${SQS ARN}"]
    assert by_name["IAMReadOnlyAccess"]["arn"] == "arn:${Partition}:iam::aws:policy/IAMReadOnlyAccess"


@pytest.mark.parametrize("name", ["agentless", "sqs-queue-policy", "sqs-read-policy"])
def test_cli_reference_show_prints_the_document_as_shipped(name: str, refs: ReferenceSet) -> None:
    result = CliRunner().invoke(main, ["reference", "show", name])
    assert result.exit_code == 0, result.output
    assert result.output == (DATA / refs.get(name).file).read_text(encoding="utf-8")


def test_cli_reference_show_info() -> None:
    result = CliRunner().invoke(main, ["reference", "show", "sqs-queue-policy", "--info"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "kind:        resource policy, attached to the sqs-queue" in out
    assert "seeds/000_39eceb1145f81cfc.txt, line 183" in out
    assert "seeds/002_6be75ef280d9c370.txt, lines 511-541" in out
    assert "${S3 bucket name}" in out and "guide's example: 99********1" in out
    assert "  GUIDE-PARTITION (copies: en, zh)" in out and "  GUIDE-SOURCE-ACCOUNT (copies: en, zh)" in out

    agentless = CliRunner().invoke(main, ["reference", "show", "agentless", "--info"]).output
    assert "placeholders: none" in agentless
    assert "  GUIDE-ZH-JSON (copies: zh)" in agentless

    managed = CliRunner().invoke(main, ["reference", "show", "ReadOnlyAccess", "--info"])
    assert managed.exit_code == 0
    assert "arn:${Partition}:iam::aws:policy/ReadOnlyAccess" in managed.output


def test_cli_reference_show_unknown_name_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["reference", "show", "agentles"])
    assert result.exit_code == 2
    assert "unknown reference policy 'agentles'; valid names: agentless, sqs-queue-policy" in result.output
    assert "Traceback" not in result.output


def test_cli_reference_show_managed_prints_the_snapshot_document() -> None:
    result = CliRunner().invoke(main, ["reference", "show", "ReadOnlyAccess"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    actions = {
        a
        for s in document["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"ec2:Describe*", "iam:Get*", "sqs:Receive*"} <= actions
    info = CliRunner().invoke(main, ["reference", "show", "ReadOnlyAccess", "--info"])
    assert "snapshot:    version" in info.output


# --------------------------------------------------------------------------- packaging


def test_the_wheel_ships_the_reference_data(tmp_path: Path) -> None:
    """Build a wheel, install it offline into a fresh venv, and read a reference from there."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy2(REPO_ROOT / "pyproject.toml", src)
    for optional in ("README.md", "LICENSE"):
        if (REPO_ROOT / optional).exists():
            shutil.copy2(REPO_ROOT / optional, src)
    shutil.copytree(
        REPO_ROOT / "policy_lint", src / "policy_lint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    dist = tmp_path / "dist"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(dist)],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0 and "No matching distribution found" in build.stdout + build.stderr:
        pytest.skip("cannot build a wheel here: pip cannot fetch the build backend (setuptools/wheel)")
    assert build.returncode == 0, build.stdout + build.stderr
    wheel = next(dist.glob("policy_lint-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True
    )
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    where = subprocess.run(
        [str(python), "-c", "import policy_lint.reference.manifest as r; print(r.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), f"imported {where}, not the installed wheel"

    show = subprocess.run(
        [str(bindir / "policy-lint"), "reference", "show", "agentless"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert show.returncode == 0, show.stderr
    assert show.stdout == (DATA / "agentless.json").read_text(encoding="utf-8")

    paths = subprocess.run(
        [str(python), "-c", "from policy_lint.iam.escalation import load_paths; print(len(load_paths()))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert paths.returncode == 0, paths.stderr  # the escalation-path data file is in the wheel
    assert int(paths.stdout) >= 25
