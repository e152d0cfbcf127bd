"""A CDK app's folder: the synthesised ``cdk.out/*.template.json`` stacks are found and checked;
the rest of the cloud assembly (manifest, tree, assets) is not read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.sources.detect import CLOUDFORMATION, detect

#: What `cdk synth` writes for a stack with one queue and a user (trimmed, same shape).
STACK: dict[str, Any] = {
    "Resources": {
        "AuditQueue1A2B3C4D": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": "aliyun-sasc-log-queue.fifo", "FifoQueue": True},
            "UpdateReplacePolicy": "Delete",
            "DeletionPolicy": "Delete",
            "Metadata": {"aws:cdk:path": "OnboardingStack/AuditQueue/Resource"},
        },
        "CDKMetadata": {
            "Type": "AWS::CDK::Metadata",
            "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA"},
            "Metadata": {"aws:cdk:path": "OnboardingStack/CDKMetadata/Default"},
        },
    },
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
        }
    },
}
#: A template-looking file in an asset folder: the app's bundled code, never configuration.
ASSET_TEMPLATE = {"Resources": {"Evil": {"Type": "AWS::IAM::User", "Properties": {"UserName": "from-asset"}}}}


def cdk_app(root: Path) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "app.ts").write_text("new OnboardingStack(app, 'OnboardingStack');\n")
    (root / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}\n')
    out = root / "cdk.out"
    (out / "asset.0123abcd").mkdir(parents=True)
    (out / "OnboardingStack.template.json").write_text(json.dumps(STACK, indent=1))
    (out / "manifest.json").write_text(
        json.dumps(
            {"version": "36.0.0", "artifacts": {"OnboardingStack": {"type": "aws:cloudformation:stack"}}}
        )
    )
    (out / "tree.json").write_text(
        json.dumps(
            {
                "version": "tree-0.1",
                "tree": {"id": "App", "path": "", "children": {"Type": "AWS::SQS::Queue"}},
            }
        )
    )
    (out / "OnboardingStack.assets.json").write_text(json.dumps({"version": "36.0.0", "files": {}}))
    (out / "asset.0123abcd" / "handler.template.json").write_text(json.dumps(ASSET_TEMPLATE))
    (out / "asset.0123abcd" / "main.tf").write_text('resource "aws_iam_user" "x" { name = "from-asset" }\n')
    stage = out / "assembly-Prod"
    stage.mkdir()
    (stage / "ProdOnboardingStack.template.json").write_text(json.dumps(STACK, indent=1))
    return root


def test_the_templates_of_cdk_out_are_found_and_nothing_else_in_it(tmp_path: Path) -> None:
    app = cdk_app(tmp_path / "app")
    found = detect([str(app)])
    assert sorted(Path(p).relative_to(app).as_posix() for p in found.by_source[CLOUDFORMATION]) == [
        "cdk.out/OnboardingStack.template.json",
        "cdk.out/assembly-Prod/ProdOnboardingStack.template.json",
    ]
    assert list(found.by_source) == [CLOUDFORMATION]  # the asset's main.tf is not Terraform input
    assert found.errors == []


def test_a_cdk_app_folder_is_checked(tmp_path: Path) -> None:
    app = cdk_app(tmp_path / "app")
    config = tmp_path / "onboarding.yaml"
    config.write_text(
        "plan: manual\nfeatures: [host, cspm]\nconsole_region: outside_mainland\ndomain: international\n"
        "provisioning_region: ap-northeast-1\nregions: [ap-northeast-1]\niam_user: aliyun-security-center-user\n"
        "audit_log:\n  region: ap-northeast-1\n  queue_name: aliyun-sasc-log-queue.fifo\n"
        "  bucket: aws-cloudtrail-logs-123456789012-abcdef\n  trail: aliyun-sasc-audit-trail\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(app),
            "--config",
            str(config),
            "--select",
            "OB301",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    failed = [r for r in report["results"] if r["status"] == "fail"]
    assert {r["rule_id"] for r in failed} == {"OB301"}
    assert {Path(r["location"]["path"]).name for r in failed} == {
        "OnboardingStack.template.json",
        "ProdOnboardingStack.template.json",
    }
    assert "from-asset" not in result.output
