"""SAM templates (``Transform: AWS::Serverless-2016-10-31``): a function's policies and an API's
resource policy read into the inventory and linted at their own lines; what SAM would generate
and is not expanded here is said at its line, never passed in silence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.inventory.model import Inventory
from policy_lint.sources.cloudformation import loader
from policy_lint.sources.cloudformation.map_sam import policy_templates

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Poller:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Policies:
        - AmazonS3ReadOnlyAccess
        - AWSLambdaVPCAccessExecutionRole
        - arn:aws:iam::123456789012:policy/team-boundary
        - SQSPollerPolicy:
            QueueName: !GetAtt Queue.QueueName
        - Statement:
            - Effect: Allow
              Action: "iam:*"
              Resource: "*"
        - NoSuchPolicyTemplate: {}
        - DynamoDBCrudPolicy: {}
  WithRole:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/existing
      Policies:
        - Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          IpRangeWhitelist: ["10.0.0.0/8"]
          CustomStatements:
            - Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: "execute-api:/*"
"""


def write(tmp_path: Path, text: str = TEMPLATE) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> Inventory:
    inventory = Inventory()
    loader.load([path], inventory, region="us-east-1", account_id="123456789012")
    return inventory


def check(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", *args, "--format", "json", "--fail-on", "warning"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_a_function_gets_the_role_sam_creates(tmp_path: Path) -> None:
    inventory = load(write(tmp_path))
    (role,) = inventory.roles  # WithRole names its own role: SAM creates none and ignores Policies
    assert role.origin.address == "PollerRole" and role.origin.line == 6
    assert role.trust_policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }
    assert isinstance(role.attached_policies, list)
    assert [ref.arn for ref in role.attached_policies] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",  # SAM's own name map
        "arn:aws:iam::123456789012:policy/team-boundary",
    ]


def test_policy_templates_are_expanded_from_sams_definitions(tmp_path: Path) -> None:
    (role,) = load(write(tmp_path)).roles
    assert isinstance(role.inline_policies, list)
    by_name = {ref.name: ref for ref in role.inline_policies}
    poller = by_name["PollerRolePolicy3 (SQSPollerPolicy)"].document
    assert isinstance(poller, dict)
    (statement,) = poller["Statement"]
    assert (
        statement["Action"] == policy_templates()["SQSPollerPolicy"]["Definition"]["Statement"][0]["Action"]
    )
    # Fn::Sub of the partition, region, account and the queue name given as !GetAtt Queue.QueueName
    assert statement["Resource"].startswith("arn:aws:sqs:us-east-1:123456789012:")
    location = by_name["PollerRolePolicy3 (SQSPollerPolicy)"].location
    assert location is not None and location.line == 16


def test_a_template_that_cannot_be_expanded_is_unknown_and_said(tmp_path: Path) -> None:
    inventory = load(write(tmp_path))
    (role,) = inventory.roles
    assert isinstance(role.inline_policies, list)
    by_name = {ref.name: ref for ref in role.inline_policies}
    unknown = by_name["PollerRolePolicy5 (NoSuchPolicyTemplate)"].document
    missing = by_name["PollerRolePolicy6 (DynamoDBCrudPolicy)"].document
    assert "NoSuchPolicyTemplate" in getattr(unknown, "reason", "")
    assert "DynamoDBCrudPolicy needs TableName" in getattr(missing, "reason", "")
    problems = {(p.location.line, p.rule_id): p.message for p in inventory.problems}
    assert "NoSuchPolicyTemplate" in problems[(22, "IN002")]
    assert "DynamoDBCrudPolicy needs TableName" in problems[(23, "IN002")]
    assert "IpRangeWhitelist is not expanded" in problems[(41, "IN002")]


def test_function_and_api_policies_are_linted_at_their_own_lines(tmp_path: Path) -> None:
    path = write(tmp_path)
    code, report = check(str(path), "--region", "us-east-1")
    assert code == 1
    at = {(p["rule_id"], p["location"]["line"]) for p in report["problems"]}
    assert ("PL603", 18) in at  # iam:* in the function's inline statement, at that entry
    assert ("PL606", 43) in at  # Principal "*" in the API's resource policy, at its CustomStatements
    messages = " ".join(p["message"] for p in report["problems"])
    assert "inline policy PollerRolePolicy4 of PollerRole" in messages
    assert "resource policy of Api" in messages
    assert not any(
        p["location"]["line"] in range(24, 34) for p in report["problems"] if p["rule_id"] != "IN002"
    )
    # execute-api:/* is API Gateway's own short form of the API's ARN, valid in its resource policy
    assert not [p for p in report["problems"] if p["rule_id"] == "PL401"]


def test_the_api_shorthand_is_valid_only_in_an_api_gateway_resource_policy(tmp_path: Path) -> None:
    """A policy file linted as a RestApi's accepts ``execute-api:/prod/GET/pets``; the same text in
    an identity policy (or another resource's policy) is still not an ARN, at its line."""
    policy = tmp_path / "api-policy.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "execute-api:Invoke",
                        "Resource": ["execute-api:/prod/GET/pets", "execute-api:/*"],
                    }
                ],
            },
            indent=2,
        ),
        "utf-8",
    )

    def pl401(*options: str) -> list[int]:
        result = CliRunner().invoke(main, ["lint", str(policy), "--format", "json", *options])
        return [
            f["location"]["line"] for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "PL401"
        ]

    assert pl401("--policy-type", "resource", "--resource-type", "AWS::ApiGateway::RestApi") == []
    assert pl401("--policy-type", "resource", "--resource-type", "AWS::SQS::Queue") == [
        11,
        12,
    ]  # each value at its own line
    assert pl401() == [11, 12]  # each value at its own line


def test_a_plain_rest_api_policy_is_the_same_inventory_entry(tmp_path: Path) -> None:
    text = """\
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
      Policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: execute-api:Invoke
            Resource: "execute-api:/*"
"""
    (api,) = load(write(tmp_path, text)).rest_apis
    assert api.name == "orders" and isinstance(api.policy, dict)
    assert api.origin_of("policy").line == 7
    code, report = check(str(tmp_path / "template.yaml"), "--region", "us-east-1")
    assert code == 1
    at = {(p["rule_id"], p["location"]["line"]) for p in report["problems"]}
    assert ("PL606", 7) in at  # Principal "*" is reported at the policy
    assert not [rule for rule, _ in at if rule == "PL401"]  # and its execute-api:/* is not "not an ARN"


BAD_SHAPES = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - 5
        - SQSPollerPolicy: not-a-mapping
  Api:
    Type: AWS::Serverless::Api
    Properties:
      Auth:
        ResourcePolicy: [1, 2]
"""


def test_wrong_shapes_are_located_warnings_not_crashes(tmp_path: Path) -> None:
    inventory = load(write(tmp_path, BAD_SHAPES))
    problems = {p.location.line: p.message for p in inventory.problems}
    assert "Policies entry 0 is" in problems[7]
    assert "SQSPollerPolicy needs QueueName" in problems[8]
    assert "Auth.ResourcePolicy is" in problems[13] and "not a mapping" in problems[13]


def test_a_malformed_sam_template_is_a_located_error_exit_2(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        TEMPLATE.replace("      Policies:\n        - AmazonS3", "      Policies:\n      - [AmazonS3", 1),
    )
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert f"{path}:" in result.output + result.stderr


ADDED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Tracing: Active
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
      DeadLetterQueue: {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq}
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:jobs}
        Broker:
          Type: MQ
          Properties: {Broker: arn:aws:mq:us-east-1:123456789012:broker:b, Queues: [q]}
"""


def test_policies_sam_adds_for_other_properties(tmp_path: Path) -> None:
    inventory = load(write(tmp_path, ADDED))
    (role,) = inventory.roles
    assert isinstance(role.attached_policies, list)
    assert [ref.arn for ref in role.attached_policies] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    ]
    problems = {p.location.line: p.message for p in inventory.problems}
    assert "permissions SAM adds for DeadLetterQueue are not read" in problems[8]
    assert "policy SAM adds for the MQ event Broker is not read" in problems[13]


POLLER_ONLY = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Poller:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt Queue.QueueName
"""


def test_weaknesses_sams_own_templates_write_are_accepted_and_listed(tmp_path: Path) -> None:
    """SAM's SQSPollerPolicy names sqs:ChangeMessageVisibilityBatch and sqs:DeleteMessageBatch, which
    are not IAM actions (PL203). The SAM user cannot change SAM's template: the findings are listed as
    accepted, with who wrote them, and block only with accept-vendor-reference: false."""
    path = write(tmp_path, POLLER_ONLY)
    result = CliRunner().invoke(main, ["check", str(path), "--region", "us-east-1", "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    accepted = [e for e in report["scope"]["suppressed"] if e["rule_id"] == "PL203"]
    assert {e["kind"] for e in accepted} == {"upstream-template"}
    assert all("written by the AWS SAM policy template SQSPollerPolicy" in e["reason"] for e in accepted)
    assert any("ChangeMessageVisibilityBatch" in e["message"] for e in accepted)

    (tmp_path / ".git").mkdir()
    (tmp_path / ".policy-lint.yaml").write_text("accept-vendor-reference: false\n", encoding="utf-8")
    strict = CliRunner().invoke(
        main, ["check", str(path), "--region", "us-east-1", "--settings", str(tmp_path / ".policy-lint.yaml")]
    )
    assert strict.exit_code == 1, strict.stdout
    assert "PL203 error" in strict.stdout


def test_every_managed_policy_sam_attaches_is_in_the_bundled_snapshot() -> None:
    """A SAM function's role always has AWSLambdaBasicExecutionRole, and Tracing, VpcConfig and
    event sources add more: each, as SAM spells its ARN in every partition, resolves to a
    document (without one, every SAM function's escalation verdict would be unknown)."""
    from policy_lint.reference.managed import load_managed, managed_names
    from policy_lint.sources.cloudformation.map_sam import BASIC_EXECUTION, EVENT_POLICIES, managed_policy_arn

    attached = {"AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess", "AWSLambdaVPCAccessExecutionRole"}
    attached |= set(EVENT_POLICIES.values())
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        arns = [f"arn:{partition}:iam::aws:policy/{BASIC_EXECUTION}"]
        arns += [managed_policy_arn(name, partition) for name in sorted(attached)]
        for arn in arns:
            assert load_managed(arn, every=True) is not None, arn
    assert "AWSLambdaBasicExecutionRole" in managed_names()  # curated: no archive for a SAM function


def test_a_sam_functions_escalation_verdict_is_decided(tmp_path: Path) -> None:
    """The bundled example: the function's role (basic execution, the SQS poller template, and
    iam:PassRole on *) opens no escalation path, and says so instead of 'unknown'; PassRole on *
    is still reported at its line."""
    example = Path(__file__).resolve().parents[2] / "examples" / "sam" / "template.yaml"
    code, report = check(str(example), "--region", "eu-west-1")
    assert code == 1
    (verdict,) = [r for r in report["results"] if r["rule_id"] == "PR001"]
    assert (verdict["resource"], verdict["status"]) == ("PollerRole", "pass"), verdict
    assert ("PL602", 17) in {(p["rule_id"], p["location"]["line"]) for p in report["problems"]}
    assert not [p for p in report["problems"] if p["rule_id"] == "PL401"]  # execute-api:/prod/GET/*
