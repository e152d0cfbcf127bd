"""Templates are templates: a Terraform template's holes and a repository's declared placeholders.

The patterns are copies of what real repositories do (Terraform ``templatefile()`` sources, a
landing-zone repository whose JSON policies use ``${ACCELERATOR_PREFIX}`` and ``${PARTITION}``
by design), written here, never read from the corpus. A hole is a value not known: PL501 does not
report it, no rule judges its raw text (uncertain never fails), and the rest of the policy is
still linted (unknown never passes).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from policy_lint.cli import main
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_text
from policy_lint.policy.placeholders import TemplateSyntax, find_placeholders, template_holes
from tests.helpers import at, rule_ids

#: what AFT-style Terraform templates hold: holes in an ARN's partition, region and account fields
TPL = textwrap.dedent(
    """\
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["states:StartExecution", "sns:Publish"],
          "Resource": [
            "arn:${partition}:states:${region}:${account_id}:stateMachine:aft-*",
            "arn:${partition}:sns:${region}:${account_id}:aft-notifications",
            "${kms_key_arn}"
          ]
        },
        {
          "Effect": "Allow",
          "Action": "iam:PassRole",
          "Resource": "arn:${partition}:iam::${account_id}:role/${role_path}${role_name}"
        }
      ]
    }
    """
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_holes_in_a_terraform_template_are_not_placeholders() -> None:
    findings = lint_text(TPL, "policies/aft-states.tpl")
    assert rule_ids(findings) == []  # no PL501, and no ARN/action rule judged a hole's raw text


_FILL = "replace it with the real value, or declare the repository's convention: placeholders: {"


def test_the_same_text_as_a_json_policy_still_reports_its_placeholders() -> None:
    # Nothing says this .json is a template: IAM would take ${account_id} literally.
    findings = lint_text(TPL, "policies/aft-states.json")
    assert set(rule_ids(findings)) == {"PL501"}
    # one per missing value (six names), not one per hole (eleven), each at its first use; the hint
    # names the other lines (not the message, which a baseline matches and must not move with lines)
    shown = {(f.location.line, f.message, (f.hint or "").split(";")[0]) for f in findings}
    assert shown == {
        (8, "unresolved placeholder ${partition} (a template placeholder)", "also used at lines 9, 16"),
        (8, "unresolved placeholder ${region} (a template placeholder)", "also used at line 9"),
        (8, "unresolved placeholder ${account_id} (a template placeholder)", "also used at lines 9, 16"),
        (10, "unresolved placeholder ${kms_key_arn} (a template placeholder)", _FILL + "kms_key_arn: value}"),
        (16, "unresolved placeholder ${role_path} (a template placeholder)", _FILL + "role_path: name}"),
        (16, "unresolved placeholder ${role_name} (a template placeholder)", _FILL + "role_name: name}"),
    }
    # the way out for a repository whose tooling fills ${NAME}: declare it, with the ARN field's kind
    hints = {f.message.split()[2]: f.hint for f in findings}
    assert "placeholders: {partition: partition}" in (hints["${partition}"] or "")
    assert "placeholders: {account_id: account}" in (hints["${account_id}"] or "")
    assert "placeholders: {kms_key_arn: value}" in (hints["${kms_key_arn}"] or "")  # a whole value
    assert all("placeholders: {" in (f.hint or "") for f in findings)


def test_the_rest_of_a_template_is_still_linted() -> None:
    text = TPL.replace('"states:StartExecution"', '"states:StartExecutoin"')
    findings = lint_text(text, "aft-states.tftpl")
    assert rule_ids(findings) == ["PL203"]
    assert at(findings, "PL203") == [(6, 18)]


def test_the_guides_placeholder_is_still_reported_in_a_template() -> None:
    # ${Account ID} is no expression a Terraform template can evaluate: it was meant to be filled in.
    text = TPL.replace("${account_id}:role", "${Account ID}:role")
    findings = lint_text(text, "aft-states.tpl")
    assert rule_ids(findings) == ["PL501"]
    assert findings[0].message == "unresolved placeholder ${Account ID} (a template placeholder)"
    assert at(findings, "PL501") == [(16, 42)]


@pytest.mark.parametrize("other", ["<ACCOUNT_ID>", "${AWS::AccountId}", "{{ account }}"])
def test_other_template_syntaxes_in_a_terraform_template_are_reported(other: str) -> None:
    text = TPL.replace("${account_id}:role", other + ":role")
    assert rule_ids(lint_text(text, "aft-states.tpl")) == ["PL501"]


def test_policy_variable_escaped_in_a_template_is_a_policy_variable() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:${partition}:s3:::${bucket}/home/$${aws:username}/*",
            }
        ],
    }
    assert rule_ids(lint_text(json.dumps(doc, indent=2), "home.tpl")) == []
    # unescaped in a JSON file, the ${aws:username} is a policy variable too; $${ there would be text
    assert rule_ids(lint_text(json.dumps(doc, indent=2), "home.json")) == ["PL501", "PL501"]


def test_hole_kinds_come_from_their_place_in_the_arn() -> None:
    template = TemplateSyntax(terraform=True)
    holes = template_holes("arn:${p}:${svc}:${r}:${a}:role/${path}${name}", template)
    assert [kind for _, _, kind in holes] == ["partition", "service", "region", "account", "name", "name"]
    assert [kind for _, _, kind in template_holes("${bucket_arn}/*", template)] == ["arn"]
    assert [kind for _, _, kind in template_holes("${whole}", template)] == ["value"]
    declared = TemplateSyntax(declared=(("PARTITION", "partition"), ("ACCELERATOR_PREFIX", "name")))
    holes = template_holes("arn:${PARTITION}:iam::*:role/${ACCELERATOR_PREFIX}-Admin", declared)
    assert [kind for _, _, kind in holes] == ["partition", "name"]
    # a name the settings do not declare is still a placeholder
    assert [p for _, p, _ in find_placeholders("arn:${PARTITION}:s3:::${BUCKET}", declared)] == ["${BUCKET}"]


# -- directives ------------------------------------------------------------------------------------

IF_BODY = textwrap.dedent(
    """\
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "sns:Publish",
          "Resource": "arn:${partition}:sns:${region}:${account_id}:aft-*"
        }%{ if enable_cmk },
        {
          "Effect": "Allow",
          "Action": ["kms:Decrypt", "kms:Encrytp"],
          "Resource": "${kms_key_arn}"
        }%{ endif }
      ]
    }
    """
)


def test_an_if_block_is_linted_with_its_body_kept() -> None:
    findings = lint_text(IF_BODY, "states.tpl")
    assert rule_ids(findings) == ["PL203"]  # the misspelt action inside the %{ if } body
    assert at(findings, "PL203") == [(11, 33)]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            '{"Version": "2012-10-17", "Statement": [%{ for s in statements }'
            '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${s}"},%{ endfor }'
            '{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}',
            "%{ for }",
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
            '"Resource": %{ if one }"${arn}"%{ else }"*"%{ endif }}]}',
            "%{ else }",
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
            '"Resource": ${jsonencode(arns)}}]}',
            "outside a string",
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
            '"Resource": "arn:aws:s3:::b%{ if x }-logs%{ endif }/*"}]}',
            "inside a string",
        ),
    ],
)
def test_a_template_with_no_one_rendering_is_named_not_failed(text: str, why: str) -> None:
    findings = lint_text(text, "policy.tpl")
    assert rule_ids(findings) == ["PL005"]
    assert findings[0].level is Level.WARNING  # not linted: unknown, said, never a blocking error
    assert why in findings[0].message


def test_quotes_inside_a_hole_do_not_break_the_json() -> None:
    text = IF_BODY.replace("${kms_key_arn}", '${kms_key_arn == "" ? default_arn : kms_key_arn}')
    assert rule_ids(lint_text(text, "states.tpl")) == ["PL203"]


# -- settings: a repository's own convention -------------------------------------------------------

#: a landing-zone repository's policy: ${PARTITION}, ${ACCOUNT_ID} and ${ACCELERATOR_PREFIX} by design
LANDING_ZONE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowAcceleratorRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:${PARTITION}:iam::${ACCOUNT_ID}:role/${ACCELERATOR_PREFIX}-*",
        },
        {
            "Sid": "ReadLogs",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": "arn:${PARTITION}:s3:::${ACCELERATOR_PREFIX}-logs-${ACCOUNT_ID}-${REGION}/*",
        },
    ],
}

SETTINGS = """\
placeholders:
  PARTITION: partition
  ACCOUNT_ID: account
  REGION: region
  ACCELERATOR_PREFIX: name
"""


@pytest.fixture
def landing_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "accelerator.json").write_text(json.dumps(LANDING_ZONE, indent=2), "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_settings_the_landing_zone_holes_are_placeholders(landing_zone: Path) -> None:
    result = invoke("lint", "policies", "--format", "json", "--fail-on", "error")
    assert result.exit_code == 1, result.output
    assert {f["rule_id"] for f in json.loads(result.output)["findings"]} == {"PL501"}


def test_declared_placeholders_make_the_landing_zone_clean(landing_zone: Path) -> None:
    (landing_zone / ".policy-lint.yaml").write_text(SETTINGS, "utf-8")
    result = invoke("lint", "policies", "--format", "json", "--fail-on", "suggestion")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["findings"] == []


def test_declared_placeholders_do_not_hide_other_placeholders_or_defects(landing_zone: Path) -> None:
    (landing_zone / ".policy-lint.yaml").write_text(SETTINGS, "utf-8")
    broken = json.loads(json.dumps(LANDING_ZONE))
    broken["Statement"][1]["Action"] = ["s3:GetObjcet"]
    broken["Statement"][1]["Resource"] = "arn:${PARTITION}:s3:::${Bucket Name}/*"
    (landing_zone / "policies" / "accelerator.json").write_text(json.dumps(broken, indent=2), "utf-8")
    result = invoke("lint", "policies", "--format", "json")
    found = sorted((f["rule_id"], f["message"].split(":")[0]) for f in json.loads(result.output)["findings"])
    assert [rule for rule, _ in found] == ["PL203", "PL501"]
    assert "${Bucket Name}" in json.loads(result.output)["findings"][1]["message"]


def test_an_action_hole_is_named_unknown_not_passed_in_silence(landing_zone: Path) -> None:
    """``Allow ${ACTION} on *`` may be s3:GetObject or iam:*: no rule can judge it, so the run says
    which statement is unknown (PL503, a warning: uncertain never fails) instead of "No findings"."""
    (landing_zone / ".policy-lint.yaml").write_text(SETTINGS + "  ACTION: action\n", "utf-8")
    document = json.loads(json.dumps(LANDING_ZONE))
    document["Statement"].append({"Effect": "Allow", "Action": "${ACTION}", "Resource": "*"})
    (landing_zone / "policies" / "accelerator.json").write_text(json.dumps(document, indent=2), "utf-8")
    result = invoke("lint", "policies")
    assert result.exit_code == 0, result.output  # unknown: named, not failed
    (line,) = [line for line in result.output.splitlines() if "PL503" in line]
    assert "warning" in line and "${ACTION}" in line and "Allow" in line and "unknown" in line
    assert "No findings" not in result.output
    result = invoke("lint", "policies", "--fail-on", "warning")
    assert result.exit_code == 1  # a gate that wants every statement judged can say so


def test_an_action_hole_in_a_terraform_template_is_named_unknown(tmp_path: Path) -> None:
    template = tmp_path / "role.tftpl"
    template.write_text(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Deny", "Action": "${denied_action}", "Resource": "*"}]}\n',
        "utf-8",
    )
    result = invoke("lint", str(template), "--format", "json")
    (finding,) = json.loads(result.output)["findings"]
    assert finding["rule_id"] == "PL503" and finding["location"]["line"] == 2
    assert finding["message"].startswith("Action ${denied_action} is a template hole")
    assert "this Deny statement covers through it is unknown" in finding["message"]


@pytest.mark.parametrize(
    ("statements", "why"),
    [
        (
            '{"Effect": "Allow", "NotAction": "${denied}", "Resource": "*"}',
            "NotAction ${denied} may be iam:*, which leaves no IAM path",
        ),
        (
            '{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},\n'
            '  {"Effect": "Deny", "Action": "${blocked}", "Resource": "*"}',
            "a Deny of ${blocked} may block the path",
        ),
    ],
)
def test_an_escalation_path_an_action_hole_decides_is_not_reported(
    tmp_path: Path, statements: str, why: str
) -> None:
    """Uncertain never fails: the hole is named (PL503); the escalation paths and the snapshot
    sharing (PL608) it may close are not findings."""
    template = tmp_path / "role.tftpl"
    template.write_text(f'{{"Version": "2012-10-17", "Statement": [\n  {statements}]}}\n', "utf-8")
    result = invoke("lint", str(template), "--format", "json")
    ids = {finding["rule_id"] for finding in json.loads(result.output)["findings"]}
    assert "PL503" in ids, why
    assert not any(rule.startswith("PE") or rule in ("PL607", "PL608", "PL730", "PL731") for rule in ids), why


def test_without_the_hole_the_same_path_is_reported(tmp_path: Path) -> None:
    template = tmp_path / "role.tftpl"
    template.write_text(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}]}\n',
        "utf-8",
    )
    result = invoke("lint", str(template), "--format", "json")
    assert [f["rule_id"] for f in json.loads(result.output)["findings"]] == ["PE001"]


@pytest.mark.parametrize(
    ("settings", "where", "what"),
    [
        ("placeholders:\n  PARTITION: partiton\n", ":2:", "partiton"),
        ("placeholders:\n  - PARTITION\n", ":2:", "placeholders"),
        ("placeholders:\n  'Account ID': account\n", ":2:", "Account ID"),
    ],
)
def test_a_wrong_placeholders_setting_is_a_located_error(
    landing_zone: Path, settings: str, where: str, what: str
) -> None:
    (landing_zone / ".policy-lint.yaml").write_text(settings, "utf-8")
    result = invoke("lint", "policies")
    assert result.exit_code == 2, result.output
    assert ".policy-lint.yaml" + where in result.output
    assert what in result.output


def test_declared_placeholders_reach_the_lint_options() -> None:
    options = LintOptions(placeholders=(("PARTITION", "partition"),))
    doc = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:${PARTITION}:s3:::b"}]}
    )
    assert "PL501" not in rule_ids(lint_text(doc, "p.json", options))
    assert "PL501" in rule_ids(lint_text(doc, "p.json"))


# -- check: the Terraform that calls templatefile() ------------------------------------------------

MAIN_TF = """\
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_iam_policy" "states" {
  name = "aft-states"
  policy = templatefile("${path.module}/policies/aft-states.tpl", {
    partition   = data.aws_partition.current.partition
    region      = "us-east-1"
    account_id  = data.aws_caller_identity.current.account_id
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    role_path   = "/aft/"
    role_name   = "aft-admin"
  })
}
"""


def test_check_lints_the_template_templatefile_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "policies").mkdir()
    text = TPL.replace('"sns:Publish"', '"sns:Pubilsh"')
    (tmp_path / "policies" / "aft-states.tpl").write_text(text, "utf-8")
    (tmp_path / "main.tf").write_text(MAIN_TF, "utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("check", ".", "--format", "json", "--fail-on", "error")
    problems = json.loads(result.output)["problems"]
    found = sorted((p["rule_id"], p["location"]["path"], p["location"]["line"]) for p in problems)
    # the misspelt action, at the attribute that calls templatefile(); no PL501 for the variables it
    # passes, and no ARN rule misfires on the partition and account that are only known at apply
    assert found == [("PL203", "main.tf", 6)], result.output
    assert result.exit_code == 1


# -- the ARN rules judge around the holes ----------------------------------------------------------


def _resource(arn: str, action: str = "states:StartExecution") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": arn}]},
        indent=2,
    )


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:${partition}:states:${region}:${account_id}:stateMachine:aft-*", []),
        # a misspelt resource type around the holes: the holes are one partition/region/account each
        ("arn:${partition}:states:${region}:${account_id}:stateMachne:aft-*", ["PL405", "PL413"]),
        # a literal region where IAM ARNs have none
        ("arn:${partition}:iam:us-east-1:${account_id}:role/x", ["PL405", "PL407"]),
        ("arn:awss:states:${region}:${account_id}:stateMachine:x", ["PL402"]),
        # fewer than six fields: a hole may hold several (region and account), not judged as a short ARN
        ("arn:${partition}:states:${region_and_account}:stateMachine", []),
        # a whole-value hole is some ARN, and a hole before the fields is not judged either
        ("${state_machine_arn}", []),
        ("${state_machine_arn}/*", []),
    ],
)
def test_arn_rules_judge_the_literal_parts_around_holes(arn: str, expected: list[str]) -> None:
    findings = lint_text(_resource(arn), "states.tpl")
    assert sorted(rule_ids(findings)) == expected


def test_holes_are_not_judged_as_wildcards_or_values() -> None:
    # A policy variable in the account field is many accounts; a hole is one account, not known here:
    # neither is reported as "not a 12-digit account", and no rule fails on the hole's text.
    for arn in ("arn:aws:iam::${account_id}:role/x", "arn:${partition}:s3:::${bucket}/*"):
        assert (
            rule_ids(lint_text(_resource(arn, "iam:PassRole" if ":iam:" in arn else "s3:GetObject"), "p.tpl"))
            == []
        )


def test_declared_placeholders_are_judged_around_in_a_json_policy() -> None:
    # the landing-zone pattern, with a real mistake next to the declared holes (no region for logs)
    options = LintOptions(placeholders=(("ACCELERATOR_PREFIX", "name"), ("PARTITION", "partition")))
    text = _resource("arn:${PARTITION}:logs:::log-group:${ACCELERATOR_PREFIX}-*", "logs:PutRetentionPolicy")
    assert rule_ids(lint_text(text, "scp.json", options)) == ["PL409"]
    # without the settings the same file is PL501 (twice) and the ARN is not judged
    assert rule_ids(lint_text(text, "scp.json")) == ["PL501", "PL501"]


def test_check_judges_an_arn_around_the_references_terraform_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jsonencode() with data-source references in the ARN's fields: the resource type is misspelt
    (tmp_path / "main.tf").write_text(
        'data "aws_partition" "current" {}\n'
        'data "aws_caller_identity" "current" {}\n'
        'resource "aws_iam_policy" "app" {\n'
        '  name = "app"\n'
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        "    Statement = [{\n"
        '      Effect = "Allow", Action = "iam:PassRole"\n'
        '      Resource = "arn:${data.aws_partition.current.partition}:iam::'
        '${data.aws_caller_identity.current.account_id}:rol/app"\n'
        "    }]\n"
        "  })\n"
        "}\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("check", ".", "--format", "json", "--fail-on", "error")
    problems = json.loads(result.output)["problems"]
    assert sorted(p["rule_id"] for p in problems) == ["PL405", "PL413"], result.output
    assert all(p["location"] == {"path": "main.tf", "line": 5, "col": 3} for p in problems)


# -- check renders %{ if } and %{ for } with the variables templatefile() passes ----------------------

LOOP_TPL = """\
{
  "Version": "2012-10-17",
  "Statement": [
    %{~ for bucket in buckets ~}
    {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::${bucket}/*"},
    %{~ endfor ~}
    %{ if cmk }{"Effect": "Allow", "Action": "kms:Decrytp", "Resource": "${key_arn}"},%{ endif }
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
  ]
}
"""


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        # the loop renders one statement per bucket (one finding says it); cmk false drops the kms one
        ('{ buckets = ["a", "b"], cmk = false, key_arn = "" }', ["PL203 s3:GetObjekt"]),
        (
            '{ buckets = [], cmk = true, key_arn = "arn:aws:kms:us-east-1:111122223333:key/k" }',
            ["PL203 kms:Decrytp"],
        ),
        # a condition only known at apply: the template has no one rendering, nothing is guessed,
        # and the policy is said to be not linted (a warning: unknown never fails, never passes)
        ("{ buckets = [], cmk = var.use_cmk, key_arn = var.key }", ["PL005 %{ if cmk }"]),
        ("{ buckets = var.names, cmk = false, key_arn = var.key }", ["PL005 %{ for ... in buckets }"]),
    ],
)
def test_check_renders_template_directives_with_their_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variables: str, expected: list[str]
) -> None:
    (tmp_path / "policy.tpl").write_text(LOOP_TPL, "utf-8")
    (tmp_path / "main.tf").write_text(
        'variable "use_cmk" { type = bool }\nvariable "key" { type = string }\n'
        'variable "names" { type = list(string) }\n'
        'resource "aws_iam_policy" "p" {\n  name = "p"\n'
        f'  policy = templatefile("${{path.module}}/policy.tpl", {variables})\n}}\n',
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("check", ".", "--format", "json", "--fail-on", "error")
    problems = json.loads(result.output)["problems"]
    found = [
        f"{p['rule_id']} {p['message'].split(chr(39))[1]}"
        if p["rule_id"] != "PL005"
        else f"PL005 {p['message'].split('of ', 2)[2].split(' }')[0]} }}"
        for p in problems
    ]
    assert found == expected, result.output
    assert result.exit_code == (1 if expected and expected[0].startswith("PL203") else 0)


def test_template_directives_parse_like_terraform() -> None:
    from policy_lint.sources.terraform.template_directives import (
        For,
        If,
        Interpolation,
        TemplateSyntaxError,
        Text,
        parse_template,
    )

    parts = parse_template(
        "a %{ if c }T%{ else }F%{ endif } %{~ for k, v in m ~}\n[${v}]\n%{~ endfor ~} z $${aws:u}"
    )
    assert parts == [
        Text("a "),
        If("c", [Text("T")], [Text("F")]),
        For("k", "v", "m", [Text("["), Interpolation("v"), Text("]")]),
        Text("z ${aws:u}"),
    ]
    for broken in ("%{ if x }never closed", "%{ endif }", "%{ for in }%{ endfor }", "${unclosed"):
        with pytest.raises(TemplateSyntaxError):
            parse_template(broken)
    with pytest.raises(TemplateSyntaxError, match="nested more than"):
        parse_template("%{ if x }" * 10_000)  # hostile nesting is refused, not recursed into
