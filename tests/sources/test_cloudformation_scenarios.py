"""CloudFormation conditions as scenarios (issue 10 item 6): every allowed deployment is checked.

The templates are copies of the corpus patterns, written here: widdix's state/s3.yaml turns Block
Public Access off with ``!If [HasBlockPublicAccess, ...]`` when ``Access`` is one of its public
AllowedValues, while the default (``Private``) blocks everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from policy_lint.cli import main

ACCESS_VALUES = [
    "Private",
    "PublicRead",
    "PublicWrite",
    "PublicReadAndWrite",
    "CloudFrontRead",
    "FlowLogWrite",
]

WIDDIX_S3 = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        "Access": {"Type": "String", "Default": "Private", "AllowedValues": ACCESS_VALUES},
        "BucketName": {"Type": "String", "Default": ""},
    },
    "Conditions": {
        "HasPublicReadAccess": {
            "Fn::Or": [
                {"Fn::Equals": [{"Ref": "Access"}, "PublicRead"]},
                {"Fn::Equals": [{"Ref": "Access"}, "PublicReadAndWrite"]},
            ]
        },
        "HasPublicWriteAccess": {
            "Fn::Or": [
                {"Fn::Equals": [{"Ref": "Access"}, "PublicWrite"]},
                {"Fn::Equals": [{"Ref": "Access"}, "PublicReadAndWrite"]},
            ]
        },
        "HasBlockPublicAccess": {
            "Fn::Not": [
                {"Fn::Or": [{"Condition": "HasPublicReadAccess"}, {"Condition": "HasPublicWriteAccess"}]}
            ]
        },
        "HasBucketName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "BucketName"}, ""]}]},
    },
    "Resources": {
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": {"Fn::If": ["HasBucketName", {"Ref": "BucketName"}, {"Ref": "AWS::NoValue"}]},
                "PublicAccessBlockConfiguration": {
                    "Fn::If": [
                        "HasBlockPublicAccess",
                        {
                            "BlockPublicAcls": True,
                            "BlockPublicPolicy": True,
                            "IgnorePublicAcls": True,
                            "RestrictPublicBuckets": True,
                        },
                        {
                            "BlockPublicAcls": True,
                            "BlockPublicPolicy": False,
                            "IgnorePublicAcls": True,
                            "RestrictPublicBuckets": False,
                        },
                    ]
                },
            },
        }
    },
}


def _trail(validation: Any, **extra: Any) -> dict[str, Any]:
    """A template whose trail's log file validation (CS202) is ``validation``."""
    properties = {"IsLogging": True, "S3BucketName": "logs", "EnableLogFileValidation": validation}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": properties}},
        **extra,
    }


def _check(tmp_path: Path, template: dict[str, Any], *args: str, name: str = "stack.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(template, indent=2), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--profile-set", "cis", "--format", "json", *args])
    return result


def _result(tmp_path: Path, template: dict[str, Any], rule: str, *args: str) -> dict[str, Any]:
    result = _check(tmp_path, template, "--select", rule, *args)
    assert result.exit_code in (0, 1), result.output
    payload = json.loads(result.stdout)
    # the bucket's verdict (CS204 also judges the account on its own line, resource "account")
    found = [r for r in payload["results"] if r["rule_id"] == rule and r["resource"] != "account"]
    assert len(found) == 1, found  # one verdict per (rule, resource), however many scenarios
    return dict(found[0])


def test_an_allowed_value_that_turns_block_public_access_off_is_not_a_pass(tmp_path: Path) -> None:
    found = _result(tmp_path, WIDDIX_S3, "CS204")
    # the default (Access=Private) blocks everything; the account-level block is not in the input,
    # so the scenario that turns two settings off cannot pass
    assert found["status"] != "pass", found
    assert "Access=PublicRead" in found["message"]
    assert found["evidence"]["default_scenario"]["status"] == "pass"


def test_pinning_the_parameter_checks_that_deployment_only(tmp_path: Path) -> None:
    found = _result(tmp_path, WIDDIX_S3, "CS204", "--parameters", "Access=Private")
    assert found["status"] == "pass", found
    found = _result(tmp_path, WIDDIX_S3, "CS204", "--parameters", "Access=PublicWrite")
    # the pinned deployment is the only one: it fails on its own, naming no other scenario
    assert found["status"] == "fail" and "when Access=" not in found["message"], found


HAS_VALIDATION_FLAG = {
    "Parameters": {"Validate": {"Type": "String", "Default": "true", "AllowedValues": ["true", "false"]}},
    "Conditions": {"Validating": {"Fn::Equals": [{"Ref": "Validate"}, "true"]}},
}


def test_a_failing_allowed_scenario_fails_naming_its_values_and_the_default_verdict(tmp_path: Path) -> None:
    template = _trail({"Fn::If": ["Validating", True, False]}, **HAS_VALIDATION_FLAG)
    found = _result(tmp_path, template, "CS202")
    assert found["status"] == "fail", found
    assert "when Validate=false" in found["message"]
    assert "with the default parameters: pass" in found["message"]
    assert found["evidence"]["failing_scenarios"] == ["Validate=false"]
    assert found["evidence"]["default_scenario"]["status"] == "pass"


def test_a_free_form_string_compared_with_empty_gives_two_scenarios(tmp_path: Path) -> None:
    extra = {
        "Parameters": {"ParentKmsKeyStack": {"Type": "String", "Default": "kms"}},
        "Conditions": {"HasKmsKey": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ParentKmsKeyStack"}, ""]}]}},
    }
    found = _result(tmp_path, _trail({"Fn::If": ["HasKmsKey", True, False]}, **extra), "CS202")
    assert found["status"] == "fail" and "when ParentKmsKeyStack=''" in found["message"], found
    # pinned to a non-empty value (as a deployment would), the empty case is not allowed any more
    found = _result(
        tmp_path,
        _trail({"Fn::If": ["HasKmsKey", True, False]}, **extra),
        "CS202",
        "--parameters",
        "ParentKmsKeyStack=k",
    )
    assert found["status"] == "pass", found


def test_a_parameter_without_default_is_another_value_or_each_compared_literal(tmp_path: Path) -> None:
    extra = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    }
    found = _result(tmp_path, _trail({"Fn::If": ["IsProd", True, False]}, **extra), "CS202")
    assert found["status"] == "fail", found  # Stage=(anything but prod) disables validation
    assert "a value other than 'prod'" in found["message"]


def test_a_resource_that_exists_only_in_one_scenario_is_checked_there(tmp_path: Path) -> None:
    template = _trail(False, **HAS_VALIDATION_FLAG)
    template["Conditions"]["NotValidating"] = {"Fn::Not": [{"Condition": "Validating"}]}
    template["Resources"]["Trail"]["Condition"] = "NotValidating"
    found = _result(tmp_path, template, "CS202")
    assert found["status"] == "fail", found
    assert "with the default parameters: not created" in found["message"]


def test_past_the_scenario_bound_the_verdict_is_unknown_and_says_so(tmp_path: Path) -> None:
    names = [f"P{i}" for i in range(8)]  # 2**8 = 256 combinations in one place, more than 128
    extra = {
        "Parameters": {name: {"Type": "String", "Default": "x"} for name in names},
        "Conditions": {"All": {"Fn::Or": [{"Fn::Equals": [{"Ref": n}, ""]} for n in names]}},
    }
    found = _result(tmp_path, _trail({"Fn::If": ["All", True, True]}, **extra), "CS202")
    assert found["status"] == "unknown", found
    assert "more than the 128 checked" in found["message"]


def test_a_fail_found_within_the_bound_still_fails(tmp_path: Path) -> None:
    names = [f"P{i}" for i in range(8)]
    extra = {
        "Parameters": {name: {"Type": "String", "Default": "x"} for name in names},
        "Conditions": {"Any": {"Fn::Or": [{"Fn::Equals": [{"Ref": n}, ""]} for n in names]}},
    }
    found = _result(
        tmp_path, _trail({"Fn::If": ["Any", False, True]}, **extra), "CS202", "--parameters", "P0="
    )
    assert found["status"] == "fail", found  # the pinned P0='' is the default deployment now


def test_a_parameters_file_in_cloudformation_list_form_and_as_a_yaml_mapping(tmp_path: Path) -> None:
    listed = tmp_path / "params.json"
    listed.write_text(json.dumps([{"ParameterKey": "Access", "ParameterValue": "Private"}]), encoding="utf-8")
    found = _result(tmp_path, WIDDIX_S3, "CS204", "--parameters-file", str(listed))
    assert found["status"] == "pass", found
    mapped = tmp_path / "params.yaml"
    mapped.write_text(yaml.safe_dump({"Access": "PublicRead"}), encoding="utf-8")
    found = _result(tmp_path, WIDDIX_S3, "CS204", "--parameters-file", str(mapped))
    assert found["status"] != "pass", found
    # --parameters wins over the file
    found = _result(
        tmp_path, WIDDIX_S3, "CS204", "--parameters-file", str(mapped), "--parameters", "Access=Private"
    )
    assert found["status"] == "pass", found


def test_a_value_the_template_cannot_take_is_a_usage_error(tmp_path: Path) -> None:
    result = _check(tmp_path, WIDDIX_S3, "--parameters", "Access=Everyone")
    assert result.exit_code == 2
    assert "AllowedValues" in result.output
    result = _check(tmp_path, WIDDIX_S3, "--parameters", "Acces=Private")
    assert result.exit_code == 2
    assert "Acces" in result.output
    result = _check(tmp_path, WIDDIX_S3, "--parameters", "Access")
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


def test_a_broken_parameters_file_is_located(tmp_path: Path) -> None:
    broken = tmp_path / "params.json"
    broken.write_text('[\n  {"ParameterKey": "Access"}\n]\n', encoding="utf-8")
    result = _check(tmp_path, WIDDIX_S3, "--parameters-file", str(broken))
    assert result.exit_code == 2
    assert f"{broken}:2:3" in result.output and "ParameterValue" in result.output


def test_an_unknown_port_keeps_the_rest_of_the_ingress_known(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Port": {"Type": "String", "Default": ""}},
        "Conditions": {"HasPort": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Port"}, ""]}]}},
        "Resources": {
            "SecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}},
            "IngressPort": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Condition": "HasPort",
                "Properties": {
                    "GroupId": {"Ref": "SecurityGroup"},
                    "IpProtocol": "tcp",
                    "FromPort": {"Ref": "Port"},
                    "ToPort": {"Ref": "Port"},
                    "CidrIp": "0.0.0.0/0",
                },
            },
        },
    }
    # Port=(another value) opens an unknown port to 0.0.0.0/0: IPv4 cannot tell, IPv6 is untouched
    assert _result(tmp_path, template, "CS302")["status"] == "pass"
    found = _result(tmp_path, template, "CS301")
    assert found["status"] == "unknown" and "Port=" in found["message"], found


def test_each_template_is_its_own_stack_and_its_results_name_its_own_values(tmp_path: Path) -> None:
    first = _trail({"Fn::If": ["Validating", True, False]}, **HAS_VALIDATION_FLAG)
    second = _trail(
        {"Fn::If": ["Strict", True, False]},
        Parameters={
            "Mode": {"Type": "String", "Default": "strict", "AllowedValues": ["strict", "lax", "off"]}
        },
        Conditions={"Strict": {"Fn::Equals": [{"Ref": "Mode"}, "strict"]}},
    )
    (tmp_path / "a.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(second), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", str(tmp_path), "--profile-set", "cis", "--select", "CS202", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    found = {Path(r["location"]["path"]).name: r for r in json.loads(result.stdout)["results"]}
    assert set(found) == {"a.json", "b.json"}
    assert found["a.json"]["status"] == "fail" and "when Validate=false;" in found["a.json"]["message"]
    assert found["b.json"]["status"] == "fail" and "Mode=lax" in found["b.json"]["message"]
    assert "Validate" not in found["b.json"]["message"] and "Mode" not in found["a.json"]["message"]
    # lax and off are values no condition names: they behave alike and are checked once
    assert found["b.json"]["evidence"]["failing_scenarios"] == ["Mode=lax"]


def test_a_parameter_a_condition_reads_through_sub_is_enumerated_too(tmp_path: Path) -> None:
    extra = {
        "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Fn::Sub": "${Env}"}, "prod"]}},
    }
    found = _result(tmp_path, _trail({"Fn::If": ["IsProd", True, False]}, **extra), "CS202")
    # Env=(another value) is an allowed deployment, and the condition cannot be decided for it
    assert found["status"] != "pass", found
    assert "Env=" in found["message"]


def test_planning_a_huge_template_is_bounded_and_says_which_resources_were_not_covered(
    tmp_path: Path,
) -> None:
    from policy_lint.sources.cloudformation.loader import MAPPERS
    from policy_lint.sources.cloudformation.scenarios import ATTEMPT_LIMIT, plan

    width, buckets = 6, 80  # 80 places of 2**6 combinations each: 5120, past the per-template budget
    parameters = {f"P{i}": {"Type": "String", "Default": "x"} for i in range(buckets + width)}
    conditions = {
        f"C{b}": {"Fn::Or": [{"Fn::Equals": [{"Ref": f"P{b + i}"}, ""]} for i in range(width)]}
        for b in range(buckets)
    }
    resources = {
        f"Bucket{b}": {
            "Type": "AWS::S3::Bucket",
            "Properties": {"BucketName": {"Fn::If": [f"C{b}", f"open-{b}", f"closed-{b}"]}},
        }
        for b in range(buckets)
    }
    path = tmp_path / "huge.json"
    template = {"Parameters": parameters, "Conditions": conditions, "Resources": resources}
    path.write_text(json.dumps(template), encoding="utf-8")
    planned = plan([path], {}, MAPPERS.keys())
    covered = buckets - len(planned.beyond)
    assert covered * 2**width <= ATTEMPT_LIMIT < (covered + 1) * 2**width
    why = planned.beyond[(str(path), f"Bucket{buckets - 1}")]
    assert "BucketName of Bucket79" in why and "combinations tried per template" in why


STAGE_WITHOUT_DEFAULT = {
    "Parameters": {"Stage": {"Type": "String"}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
}


def test_the_default_scenario_of_a_result_names_only_its_own_templates_values(tmp_path: Path) -> None:
    """Two templates whose parameters have no Default: the default scenario gives each a value
    (``Stage=(a value other than 'prod')``, ``Region=(a value other than 'eu')``). A result in one
    template that fails with the defaults is described by that template's value only, not by the
    other stack's."""
    stage = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    }
    area = {
        "Parameters": {"Area": {"Type": "String"}},
        "Conditions": {"InEu": {"Fn::Equals": [{"Ref": "Area"}, "eu"]}},
    }
    (tmp_path / "a.json").write_text(
        json.dumps(_trail({"Fn::If": ["IsProd", True, False]}, **stage)), "utf-8"
    )
    (tmp_path / "b.json").write_text(json.dumps(_trail({"Fn::If": ["InEu", True, False]}, **area)), "utf-8")
    result = CliRunner().invoke(
        main, ["check", str(tmp_path), "--profile-set", "cis", "--select", "CS202", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output  # CS202 is a warning: below the default gate
    results = json.loads(result.stdout)["results"]
    assert {r["status"] for r in results} == {"fail"}
    found = {Path(r["location"]["path"]).name: r["message"] for r in results}
    assert found["a.json"].endswith("(with the default parameters, Stage=(a value other than 'prod'))")
    assert found["b.json"].endswith("(with the default parameters, Area=(a value other than 'eu'))")


CROSS_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Team:
    Type: String
Conditions:
  IsOps: !Equals [!Ref Team, ops]
Resources:
  Shared:
    Type: AWS::IAM::Role
    Properties:
      RoleName: shared-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Topic:
    Type: AWS::SNS::Topic
    Condition: IsOps
"""

CROSS_GRANT = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Grant:
    Type: AWS::IAM::Policy
    Condition: NotProd
    Properties:
      PolicyName: grant
      Roles: [shared-role]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: iam:CreatePolicyVersion, Resource: "*"}
"""


def test_a_result_that_depends_on_another_template_names_that_templates_values(tmp_path: Path) -> None:
    """A role in a.yaml, given an escalating policy by b.yaml only when Stage is not prod: the
    role's PE001 (reported at a.yaml's role) is decided by b.yaml's Stage, and says so."""
    (tmp_path / "a.yaml").write_text(CROSS_ROLE, "utf-8")
    (tmp_path / "b.yaml").write_text(CROSS_GRANT, "utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--select", "PE001", "--format", "json"])
    assert result.exit_code == 1, result.output
    (found,) = [r for r in json.loads(result.stdout)["results"] if r["status"] == "fail"]
    assert "Stage=(a value other than 'prod')" in found["message"], found["message"]


def test_a_terraform_result_beside_templates_names_no_template_values(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(
        json.dumps(_trail({"Fn::If": ["IsProd", True, False]}, **STAGE_WITHOUT_DEFAULT)), "utf-8"
    )
    (tmp_path / "main.tf").write_text(
        'resource "aws_cloudtrail" "tf" {\n  name = "tf"\n  s3_bucket_name = "logs"\n'
        "  enable_log_file_validation = false\n}\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        main, ["check", str(tmp_path), "--profile-set", "cis", "--select", "CS202", "--format", "json"]
    )
    found = {Path(r["location"]["path"]).name: r["message"] for r in json.loads(result.stdout)["results"]}
    assert found["main.tf"].endswith("(with the default parameters)")
    assert found["stack.json"].endswith("(with the default parameters, Stage=(a value other than 'prod'))")
