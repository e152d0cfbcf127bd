"""Which source reads a file: by extension, then by a sniff of its first bytes."""

from __future__ import annotations

import json
from pathlib import Path

from policy_lint.sources import detect


def test_a_policy_naming_stack_resources_and_aws_types_is_not_a_template(tmp_path: Path) -> None:
    # the shape of AWS managed policies such as ServerMigration_ServiceRole
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["cloudformation:DescribeStackResources"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "cloudformation:CreateStack",
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringEquals": {"cloudformation:ResourceTypes": ["AWS::EC2::Instance"]}
                },
            },
        ],
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, indent=2), encoding="utf-8")
    assert detect.classify(path) is None


def test_templates_are_recognised_with_or_without_a_format_version(tmp_path: Path) -> None:
    versioned = tmp_path / "a.yaml"
    versioned.write_text('AWSTemplateFormatVersion: "2010-09-09"\n', encoding="utf-8")
    bare_json = tmp_path / "b.json"
    bare_json.write_text('{"Resources": {"Q": {"Type" : "AWS::SQS::Queue"}}}', encoding="utf-8")
    bare_yaml = tmp_path / "c.template"
    bare_yaml.write_text("Resources:\n  Q:\n    Type: 'AWS::SQS::Queue'\n", encoding="utf-8")
    assert {detect.classify(p) for p in (versioned, bare_json, bare_yaml)} == {detect.CLOUDFORMATION}
