"""Property tests: linting and checking never raise, whatever a pull request puts in front of them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_lint.core.findings import Finding
from policy_lint.lint.engine import lint_text

KEYS = [
    "Version",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "StringEquals",
    "ArnLike",
    "ForAllValues:StringLike",
    "aws:SourceArn",
    "Id",
]
STRINGS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "*",
            "Allow",
            "Deny",
            "2012-10-17",
            "s3:GetObject",
            "ec2:*",
            "iam:PassRole",
            "arn:aws:s3:::b/*",
            "${Account ID}",
            "${aws:username}",
            "arn:aws:iam::123456789012:root",
            "s3.amazonaws.com",
        ]
    ),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), STRINGS
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=6),
    ),
    max_leaves=40,
)
statements = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)
policies = st.fixed_dictionaries(
    {"Statement": st.one_of(statements, st.lists(statements, max_size=4), json_values)},
    optional={"Version": json_values, "Id": json_values},
)


def _check(findings: list[Finding]) -> None:
    for finding in findings:
        assert finding.location.line >= 1 and finding.location.col >= 1
        assert finding.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_lint_never_raises_on_arbitrary_json(value: Any) -> None:
    _check(lint_text(json.dumps(value), "any.json"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies)
def test_lint_never_raises_on_policy_shaped_json(value: Any) -> None:
    _check(lint_text(json.dumps(value, indent=1), "policy.json"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_lint_never_raises_on_arbitrary_text(text: str) -> None:
    _check(lint_text(text, "any.json"))
    _check(lint_text(text, "any.yaml"))


# --------------------------------------------------------------------------------------------
# `check` over generated Terraform and CloudFormation: whatever a pull request holds, the run
# ends with exit 0, 1 or 2, never an internal error, and the evaluation budget (counted in
# steps and sizes, never time) is what stops the generated bombs.
# --------------------------------------------------------------------------------------------

HCL_LEAVES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "1.5",
            "true",
            "false",
            "null",
            '"a"',
            '"5"',
            '"true"',
            '"arn:aws:s3:::b/*"',
            '"${path.module}"',
            '"$${literal}"',
            '"%{ if true }x%{ endif }"',
            "var.missing",
            "local.l0",
            "count.index",
            "each.key",
            "aws_s3_bucket.b.arn",
            "data.aws_caller_identity.me.account_id",
            'file("${path.module}/policy.json")',
            'file("/etc/hostname")',
            'file("../../etc/passwd")',
            'fileexists("/etc/passwd")',
            'file("' + "a" * 300 + '")',
            'templatefile("${path.module}/policy.json", {})',
            "range(3)",
            "range(100000)",
        ]
    ),
)
HCL_FUNCTIONS = [
    "jsonencode",
    "jsondecode",
    "length",
    "upper",
    "tostring",
    "tonumber",
    "tobool",
    "flatten",
    "distinct",
    "keys",
    "concat",
    "merge",
    "join",
    "format",
    "replace",
    "element",
    "lookup",
    "range",
    "split",
    "coalesce",
    "try",
    "can",
    "regexall",
]
HCL_OPERATORS = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]


def _hcl_compound(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(st.sampled_from(["k", "Statement", "Effect"]), children).map(
            lambda kv: f"{{ {kv[0]} = {kv[1]} }}"
        ),
        st.tuples(children, st.sampled_from(HCL_OPERATORS), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda e: f"!{e}"),
        children.map(lambda e: f"-{e}"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(st.sampled_from(HCL_FUNCTIONS), st.lists(children, max_size=3)).map(
            lambda f: f"{f[0]}({', '.join(f[1])})"
        ),
        pair.map(lambda p: f'replace({p[0]}, "/(a+)+$/", {p[1]})'),
        pair.map(lambda p: f"[for x in {p[0]} : {p[1]}]"),
        pair.map(lambda p: f"{{for k, v in {p[0]} : k => {p[1]}}}"),
        pair.map(lambda p: f'"${{{p[0]}}}-${{{p[1]}}}"'),
        children.map(lambda e: f"{e}[0]"),
        children.map(lambda e: f"{e}.k"),
        children.map(lambda e: f"{e}[*].k"),
    )


hcl_expressions = st.recursive(HCL_LEAVES, _hcl_compound, max_leaves=12)

#: bomb name -> (HCL of a file of its own, a message the budget must report for it)
HCL_BOMBS = {
    "doubling strings": (
        'locals {\n  d0 = "xxxxxxxxxxxxxxxx"\n'
        + "".join(f'  d{i} = "${{local.d{i - 1}}}${{local.d{i - 1}}}"\n' for i in range(1, 41))
        + '}\nresource "aws_iam_user" "bomb" { name = local.d40 }\n',
        "a value larger than",
    ),
    "doubling lists": (
        "locals {\n  e0 = [1, 2]\n"
        + "".join(f"  e{i} = [local.e{i - 1}, local.e{i - 1}]\n" for i in range(1, 41))
        + '}\nresource "aws_iam_user" "bomb" { name = jsonencode(local.e40) }\n',
        "a value larger than",
    ),
    "nested for": (
        "locals {\n  n = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n}\n"
        'resource "aws_iam_user" "bomb" { name = "n${length(local.n)}" }\n',
        "evaluation budget spent",
    ),
    "counted modules": (
        'module "bomb" {\n  source = "./m1"\n  count = 1000\n}\n',
        "evaluation budget spent",
    ),
}
MODULE_FILES = {
    "m1/main.tf": 'module "inner" {\n  source = "./m2"\n  count = 1000\n}\n',
    # a type no rule reads: every instance is counted, none is mapped, so the example stays fast
    "m1/m2/main.tf": 'resource "null_resource" "u" {\n  count = 1000\n}\n',
}


@st.composite
def terraform_folders(draw: st.DrawFn) -> tuple[dict[str, str], str | None]:
    """Files of one Terraform folder (relative name -> text) and the bomb it holds, if any."""
    locals_ = [f"  l{i} = {draw(hcl_expressions)}" for i in range(draw(st.integers(0, 4)))]
    resources = []
    for i in range(draw(st.integers(1, 4))):
        kind, argument = draw(
            st.sampled_from(
                [
                    ("aws_iam_user", "name"),
                    ("aws_s3_bucket", "bucket"),
                    ("aws_sqs_queue", "name"),
                    ("aws_iam_policy", "policy"),
                    ("aws_cloudtrail", "s3_bucket_name"),
                ]
            )
        )
        meta = draw(
            st.sampled_from(["", "count = 2", f"count = {draw(hcl_expressions)}", 'for_each = toset(["a"])'])
        )
        resources.append(f'resource "{kind}" "r{i}" {{\n  {meta}\n  {argument} = {draw(hcl_expressions)}\n}}')
    files = {
        "main.tf": ("locals {\n" + "\n".join(locals_) + "\n}\n" if locals_ else "")
        + "\n".join(resources)
        + "\n",
        "policy.json": '{"Version": "2012-10-17", "Statement": []}',
    }
    bomb = draw(st.sampled_from([None, *HCL_BOMBS]))
    if bomb is not None:
        files["bomb.tf"] = HCL_BOMBS[bomb][0]
        if bomb == "counted modules":
            files.update(MODULE_FILES)
    return files, bomb


def _run_check(folder: str, *extra: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from policy_lint.cli import main

    result = CliRunner().invoke(main, ["check", folder, "--format", "json", *extra])
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terraform_folders())
def test_check_never_raises_on_generated_terraform(folder: tuple[dict[str, str], str | None]) -> None:
    files, bomb = folder
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        code, out, _ = _run_check(tmp)
    if code == 2 and not out:
        return  # unusable input, reported on stderr
    messages = [p["message"] for p in json.loads(out)["problems"]]
    assert not any("/etc/" in m and "outside" not in m for m in messages)
    if bomb is not None:
        expected = HCL_BOMBS[bomb][1]
        assert any(expected in m or "evaluation budget spent" in m for m in messages), (bomb, messages)


CFN_SCALARS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.sampled_from(
        ["", "a", "true", "0.0.0.0/0", "arn:aws:s3:::b", "AWS::Region", "Q0", "Q0.Arn", "${Q0.Arn}"]
    ),
)


def _cfn_compound(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(["Q0", "Q1", "Bucket", "Missing", "AWS::Region", "AWS::NoValue", "Env"])
    return st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["Key", "Value", "Statement"]), children, max_size=2),
        names.map(lambda n: {"Ref": n}),
        st.tuples(names, st.sampled_from(["Arn", "QueueName", "QueueUrl"])).map(
            lambda t: {"Fn::GetAtt": list(t)}
        ),
        children.map(lambda c: {"Fn::Sub": c}),
        st.tuples(children, children).map(lambda t: {"Fn::Join": list(t)}),
        st.tuples(children, children).map(lambda t: {"Fn::Select": list(t)}),
        st.tuples(children, children).map(lambda t: {"Fn::Split": list(t)}),
        st.tuples(children, children).map(lambda t: {"Fn::If": ["IsProd", t[0], t[1]]}),
        st.tuples(children, children).map(lambda t: {"Fn::Equals": list(t)}),
        children.map(lambda c: {"Fn::FindInMap": ["Map", c, "k"]}),
        children.map(lambda c: {"Fn::Base64": c}),
        children.map(lambda c: {"Fn::ToJsonString": c}),
        children.map(lambda c: {"Fn::Bogus": c}),
    )


cfn_values = st.recursive(CFN_SCALARS, _cfn_compound, max_leaves=10)
CFN_TYPES = {
    "AWS::SQS::Queue": ["QueueName", "KmsMasterKeyId", "FifoQueue"],
    "AWS::S3::Bucket": ["BucketName", "BucketEncryption", "PublicAccessBlockConfiguration"],
    "AWS::IAM::User": ["UserName", "Policies", "ManagedPolicyArns"],
    "AWS::IAM::ManagedPolicy": ["PolicyDocument", "Users"],
    "AWS::EC2::SecurityGroup": ["GroupDescription", "SecurityGroupIngress"],
    "AWS::CloudTrail::Trail": ["TrailName", "S3BucketName", "IsMultiRegionTrail"],
}
OPEN_SSH = {
    "Type": "AWS::EC2::SecurityGroup",
    "Properties": {
        "GroupDescription": "ssh",
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}],
    },
}


@st.composite
def cloudformation_templates(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A template (as data) and the length of the GetAtt chain it holds (0: none)."""
    resources: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(sorted(CFN_TYPES)))
        props = {
            name: draw(cfn_values) for name in draw(st.lists(st.sampled_from(CFN_TYPES[kind]), max_size=3))
        }
        resource: dict[str, Any] = {"Type": kind, "Properties": props}
        if draw(st.booleans()):
            resource["Condition"] = draw(st.sampled_from(["IsProd", "Chained0", "Missing"]))
        resources[f"Q{i}" if kind == "AWS::SQS::Queue" else f"R{i}"] = resource
    chain = draw(st.sampled_from([0, 0, 150, 400]))
    for i in range(chain):
        name = {"Fn::GetAtt": [f"Link{i + 1}", "QueueName"]} if i < chain - 1 else "end"
        resources[f"Link{i}"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}
    if chain:
        resources["OpenSsh"] = OPEN_SSH
    conditions: dict[str, Any] = {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, draw(cfn_values)]}}
    for i in range(draw(st.sampled_from([0, 3, 300]))):
        conditions[f"Chained{i}"] = {"Condition": f"Chained{i + 1}"}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Env": {"Type": "String", "Default": draw(st.sampled_from(["prod", "dev"]))}},
        "Mappings": {"Map": {"a": {"k": draw(cfn_values)}}},
        "Conditions": conditions,
        "Resources": resources,
    }
    return template, chain


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cloudformation_templates(), st.sampled_from(["yaml", "json"]))
def test_check_never_raises_on_generated_cloudformation(case: tuple[dict[str, Any], int], form: str) -> None:
    template, chain = case
    text = json.dumps(template, indent=1) if form == "json" else yaml.safe_dump(template, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"template.{form}"
        path.write_text(text, encoding="utf-8")
        code, out, _ = _run_check(str(path), "--profile-set", "all")
    report = json.loads(out)
    assert not any("nested too deeply" in p["message"] for p in report["problems"])
    if chain:  # the chain is followed to its end and the open SSH group is still judged
        assert code == 1
        assert any(r["rule_id"] == "CS301" and r["status"] == "fail" for r in report["results"])
