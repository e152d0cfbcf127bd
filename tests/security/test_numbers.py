"""Numbers Python cannot hold are values, not internal errors that lose the whole folder.

A 5,000-digit integer made Python's int() raise ValueError (its 4,300-digit guard), ``1e999999``
became infinity (int() raises OverflowError on it, json.dumps writes it as the non-JSON
``Infinity``), and a policy string nested 100,000 deep inside a plan hit RecursionError in
json.loads. Each ended the run with "internal error" and no findings at all. Now such a number is
kept as its text: the grammar still calls it a number, and a setting that needs an integer (a
port) is unknown, naming the value. Every case runs the real CLI on a folder that also holds a
file with a real finding, which must still be reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.cli import ADMIN_POLICY, CS301_OPEN, OPEN_SSH, assert_no_internal_error, run

HUGE = "9" * 5000


# -- lint: policies ---------------------------------------------------------------------------------
JSON_NUMBERS = [HUGE, "-" + HUGE, "1e999999", "-1e999999", "1e-999999", "-0", "-0.0"]


@pytest.mark.parametrize(
    "literal",
    JSON_NUMBERS,
    ids=["5000-digits", "-5000-digits", "1e999999", "-1e999999", "1e-999999", "-0", "-0.0"],
)
def test_a_json_policy_number_of_any_size_is_a_number_and_the_folder_still_reports(
    tmp_path: Path, literal: str
) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY, encoding="utf-8")
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", '
        + literal
        + '], "Resource": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": '
        + literal
        + "}}}]}"
    )
    (tmp_path / "number.json").write_text(text, encoding="utf-8")
    col = text.index(literal) + 1
    done = run("lint", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert "admin.json:1:" in done.stdout and "PL601" in done.stdout
    assert f"number.json:1:{col}: PL114 error Action entries must be strings, not a number" in done.stdout
    assert "PL304" not in done.stdout  # the condition value is a number, as NumericLessThan needs


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_json_are_a_located_syntax_error(tmp_path: Path, literal: str) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY, encoding="utf-8")
    (tmp_path / "nan.json").write_text('{"Version": "2012-10-17", "Statement": [' + literal + "]}")
    done = run("lint", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert (
        "nan.json:1:41: PL001 error JSON syntax error: NaN and Infinity are not JSON numbers" in done.stdout
    )
    assert "PL601" in done.stdout


YAML_NUMBERS = [HUGE, ".inf", "-.inf", ".nan", "1.0e+999999", "0x" + "f" * 5000]


@pytest.mark.parametrize(
    "literal", YAML_NUMBERS, ids=["5000-digits", ".inf", "-.inf", ".nan", "1.0e+999999", "hex-5000"]
)
def test_a_yaml_policy_number_of_any_size_is_a_number_and_the_folder_still_reports(
    tmp_path: Path, literal: str
) -> None:
    (tmp_path / "admin.json").write_text(ADMIN_POLICY, encoding="utf-8")
    text = (
        'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action:\n      - s3:GetObject\n'
        f"      - {literal}\n    Resource: '*'\n"
    )
    (tmp_path / "number.yaml").write_text(text, encoding="utf-8")
    done = run("lint", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert "number.yaml:6:9: PL114 error Action entries must be strings, not a number" in done.stdout
    assert "PL601" in done.stdout


# -- check: plans and templates ---------------------------------------------------------------------
def cfn_json(port: str) -> str:
    ingress = '{"IpProtocol": "tcp", "FromPort": ' + port + ', "ToPort": ' + port + ', "CidrIp": "0.0.0.0/0"}'
    return (
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Odd": {"Type": "AWS::EC2::SecurityGroup", '
        '"Properties": {"GroupDescription": "odd", "SecurityGroupIngress": [' + ingress + "]}}}}"
    )


def cfn_yaml(port: str) -> str:
    return (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Odd:\n    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n      GroupDescription: odd\n      SecurityGroupIngress:\n"
        f"        - IpProtocol: tcp\n          FromPort: {port}\n          ToPort: {port}\n"
        "          CidrIp: 0.0.0.0/0\n"
    )


def plan_json(port: str) -> str:
    ingress = (
        '{"from_port": '
        + port
        + ', "to_port": '
        + port
        + ', "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}'
    )
    resource = (
        '{"address": "aws_security_group.odd", "mode": "managed", "type": "aws_security_group", '
        '"name": "odd", "values": {"name": "odd", "ingress": [' + ingress + "]}}"
    )
    return '{"format_version": "1.0", "planned_values": {"root_module": {"resources": [' + resource + "]}}}"


CHECK_CASES = [
    ("template.json", cfn_json(HUGE), "cannot tell what security group Odd opens"),
    ("template.json", cfn_json("1e999999"), "cannot tell what security group Odd opens"),
    ("template.yaml", cfn_yaml(HUGE), "cannot tell what security group Odd opens"),
    ("template.yaml", cfn_yaml(".inf"), "cannot tell what security group Odd opens"),
    ("template.yaml", cfn_yaml(".nan"), "cannot tell what security group Odd opens"),
    ("template.yaml", cfn_yaml(f"'{HUGE}'"), "cannot tell what security group Odd opens"),
    ("plan.json", plan_json(HUGE), "cannot tell the ingress rules of security group"),
    ("plan.json", plan_json("1e999999"), "cannot tell the ingress rules of security group"),
]


@pytest.mark.parametrize(
    ("name", "text", "unknown"),
    CHECK_CASES,
    ids=[
        "cfn-json-5000",
        "cfn-json-1e999999",
        "cfn-yaml-5000",
        "cfn-yaml-inf",
        "cfn-yaml-nan",
        "cfn-yaml-quoted-5000",
        "plan-5000",
        "plan-1e999999",
    ],
)
def test_a_port_no_integer_can_hold_is_unknown_and_the_folder_still_reports(
    tmp_path: Path, name: str, text: str, unknown: str
) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH, encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    done = run("check", "--profile-set", "cis", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert "open.json:1:" in done.stdout and CS301_OPEN in done.stdout
    assert f"{name}:" in done.stdout and f"CS301 unknown {unknown}" in done.stdout


def plan_with_user_policy(policy: str) -> str:
    resources = [
        {
            "address": "aws_iam_user.u",
            "mode": "managed",
            "type": "aws_iam_user",
            "name": "u",
            "values": {"name": "u"},
        },
        {
            "address": "aws_iam_user_policy.p",
            "mode": "managed",
            "type": "aws_iam_user_policy",
            "name": "p",
            "values": {"name": "p", "user": "u", "policy": policy},
        },
    ]
    return json.dumps({"format_version": "1.0", "planned_values": {"root_module": {"resources": resources}}})


@pytest.mark.parametrize(
    "policy",
    [
        ADMIN_POLICY.replace(
            '"Resource": "*"',
            '"Resource": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 1e999999}}',
        ),
        ADMIN_POLICY.replace(
            '"Resource": "*"',
            f'"Resource": "*", "Condition": {{"NumericLessThan": {{"aws:MultiFactorAuthAge": {HUGE}}}}}',
        ),
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["1e999999", "5000-digits", "nested-100000"],
)
def test_a_policy_string_inside_a_plan_cannot_end_the_run(tmp_path: Path, policy: str) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH, encoding="utf-8")
    (tmp_path / "plan.json").write_text(plan_with_user_policy(policy), encoding="utf-8")
    done = run("check", "--profile-set", "all", "--format", "json", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert "Infinity" not in done.stdout and "NaN" not in done.stdout
    report = json.loads(done.stdout)  # still valid JSON
    failed = [r for r in report["results"] if r["status"] == "fail"]
    assert any(r["rule_id"] == "CS301" for r in failed)
    assert any(r["rule_id"] == "CS108" and "plan.json" in json.dumps(r) for r in report["results"])


def test_a_plan_with_a_5000_digit_format_version_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH, encoding="utf-8")
    plan = {"format_version": HUGE + ".0", "planned_values": {"root_module": {"resources": []}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    done = run("check", "--profile-set", "cis", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 2  # an input that cannot be read
    assert "plan.json:1:1: IN001 error plan JSON format_version 999" in done.stdout
    assert "is not supported" in done.stdout
    assert "CS301 error security group Open " in done.stdout


HCL_POLICY = """resource "aws_iam_user" "u" {
  name = "u"
}
resource "aws_iam_user_policy" "p" {
  name = "p"
  user = aws_iam_user.u.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*",
      Condition = { NumericLessThan = { "aws:MultiFactorAuthAge" = 1e999999 } } }]
  })
}
resource "aws_security_group" "odd" {
  name = "odd"
  ingress {
    from_port   = 1e999999
    to_port     = 1e999999
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_an_hcl_number_beyond_a_float_is_unknown_where_it_matters(tmp_path: Path) -> None:
    (tmp_path / "open.json").write_text(OPEN_SSH, encoding="utf-8")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(HCL_POLICY, encoding="utf-8")
    done = run("check", "--profile-set", "all", ".", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.returncode == 1
    assert CS301_OPEN in done.stdout
    assert "tf/main.tf:15:3: CS301 unknown cannot tell the ingress rules of security group" in done.stdout
    assert "tf/main.tf:1:1: CS108" in done.stdout  # the user's policy was read
