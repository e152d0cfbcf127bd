"""`policy-lint diff --base REF` per principal: new access that changes no policy's text.

An attachment, a group membership, a removed Deny or a removed permissions boundary gives a user or
role access without any policy document changing; the per-document comparison cannot see it. Each
test commits a base in a real temporary git repository (the ``repo`` fixture of
``test_diff_base``), changes it as a pull request would, and runs the CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.commands.test_diff_base import diff, findings, git, repo, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

__all__ = ["repo"]  # the fixture, imported to be reused

TF = os.path.join("iam", "main.tf")


def tf_policy(name: str, *statements: str) -> str:
    """A Terraform customer managed policy; its ``policy`` attribute is on the block's third line."""
    return (
        f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n'
        f'  policy = jsonencode({{ Version = "2012-10-17", Statement = [\n'
        + ",\n".join(f"    {{ {s} }}" for s in statements)
        + "\n  ]})\n}\n"
    )


def tf_attach(kind: str, name: str, holder: str, policy_arn: str) -> str:
    """An aws_iam_<kind>_policy_attachment; its ``policy_arn`` is on the block's third line."""
    return (
        f'\nresource "aws_iam_{kind}_policy_attachment" "{name}" {{\n'
        f"  {kind} = aws_iam_{kind}.{holder}.name\n  policy_arn = {policy_arn}\n}}\n"
    )


#: a role that may read and delete S3 objects, with a separate policy denying DeleteBucket
BASE = (
    """\
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_user" "dev" {
  name = "dev"
}

resource "aws_iam_group" "ops" {
  name = "ops"
}

"""
    + tf_policy("storage", 'Effect = "Allow", Action = ["s3:GetObject", "s3:DeleteBucket"], Resource = "*"')
    + tf_attach("role", "storage", "app", "aws_iam_policy.storage.arn")
    + tf_policy(
        "guard",
        'Sid = "KeepBuckets", Effect = "Deny", Action = "s3:DeleteBucket", Resource = "*"',
        'Sid = "Whoami", Effect = "Allow", Action = "sts:GetCallerIdentity", Resource = "*"',
    )
    + tf_attach("role", "guard", "app", "aws_iam_policy.guard.arn")
    + tf_policy("deployer", 'Effect = "Allow", Action = "ec2:RunInstances", Resource = "*"')
    + tf_attach("group", "ops", "ops", "aws_iam_policy.deployer.arn")
)

ATTACH_DEPLOYER = tf_attach("role", "deployer", "app", "aws_iam_policy.deployer.arn")
GUARD_ATTACHMENT = tf_attach("role", "guard", "app", "aws_iam_policy.guard.arn")
STORAGE_ATTACHMENT = tf_attach("role", "storage", "app", "aws_iam_policy.storage.arn")


@pytest.fixture
def principals(repo: Path) -> Path:
    """The shared repository plus a Terraform folder of principals, committed."""
    write(repo, TF, BASE)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "principals")
    return repo


def changed(repo: Path, path: str, text: str, fail_on: str = "security-warning") -> CompletedProcess[str]:
    """Write the change into the working tree and run ``diff --base HEAD`` on it."""
    write(repo, path, text)
    return diff(repo, "--base", "HEAD", "--fail-on", fail_on)


def committed(repo: Path, path: str, text: str) -> None:
    """A new base: ``text`` written and committed."""
    write(repo, path, text)
    git(repo, "commit", "-qam", f"base for {path}")


def replaced(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced, failing when it is absent (a no-op change would pass vacuously)."""
    assert old in text, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` holding ``needle`` (the test reads it, not the tool)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# ------------------------------------------------------------------- attachments


def test_a_new_role_attachment_of_an_existing_policy_is_new_access(principals: Path) -> None:
    """The attack: the policy text is unchanged, only an aws_iam_role_policy_attachment is added."""
    text = BASE + ATTACH_DEPLOYER
    write(principals, TF, text)
    run = diff(principals, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    at = line_of(text, 'resource "aws_iam_role_policy_attachment" "deployer"') + 2
    assert line.startswith(f"{TF}:{at}:"), line  # the policy_arn of the new attachment
    assert "role app" in line and "policy aws_iam_policy.deployer" in line and "ec2:RunInstances" in line
    assert "(not at HEAD)" in line


def test_a_new_user_attachment_of_an_aws_managed_policy_is_new_access(principals: Path) -> None:
    arn = '"arn:aws:iam::aws:policy/IAMFullAccess"'
    text = BASE + tf_attach("user", "dev_iam", "dev", arn)
    run = changed(principals, TF, text)
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    at = line_of(text, 'resource "aws_iam_user_policy_attachment" "dev_iam"') + 2
    assert line.startswith(f"{TF}:{at}:"), line
    assert "user dev receives AWS managed policy IAMFullAccess" in line and "iam:CreateAccessKey" in line
    assert any("user dev can now take the privilege-escalation path" in f for f in findings(run, "PD206"))


def test_a_new_group_membership_gives_the_user_the_group_s_policy(principals: Path) -> None:
    membership = """
resource "aws_iam_user_group_membership" "dev" {
  user   = aws_iam_user.dev.name
  groups = [aws_iam_group.ops.name]
}
"""
    text = BASE + membership
    write(principals, TF, text)
    run = diff(principals, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    at = line_of(text, 'resource "aws_iam_user_group_membership" "dev"')
    assert line.startswith(f"{TF}:{at}:"), line  # the membership, not the group's unchanged attachment
    assert "user dev" in line and "(through group ops)" in line and "ec2:RunInstances" in line


def test_removing_an_attachment_is_no_new_access(principals: Path) -> None:
    write(
        principals,
        TF,
        replaced(replaced(BASE, GUARD_ATTACHMENT, ""), STORAGE_ATTACHMENT, ""),
    )
    run = diff(principals, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PD2" not in run.stdout


# ------------------------------------------------------------------- Denies


def test_a_deleted_deny_statement_of_another_policy_is_new_access(principals: Path) -> None:
    """The Deny is in `guard`; the Allow in `storage` is unchanged: no policy grants anything new by
    its own text, yet the role can now delete buckets."""
    write(
        principals,
        TF,
        BASE.replace(
            '    { Sid = "KeepBuckets", Effect = "Deny", Action = "s3:DeleteBucket", Resource = "*" },\n',
            "",
        ),
    )
    run = diff(principals, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert line.startswith(f"{TF}:1:"), line  # at the role
    assert "role app" in line and "s3:DeleteBucket" in line and "s3:GetObject" not in line
    guard = line_of(BASE, 'resource "aws_iam_policy" "guard"') + 2  # its policy attribute
    assert (
        f'the Deny statement 1 ("KeepBuckets") of policy aws_iam_policy.guard at HEAD:{TF.replace(os.sep, "/")}:{guard}:'
        in line
    )


def test_a_deleted_file_holding_a_deny_policy_is_new_access(principals: Path) -> None:
    """The Deny policy and its attachment live in their own file, which the change deletes."""
    deny = tf_policy("no_delete", 'Effect = "Deny", Action = "s3:GetObject", Resource = "*"') + tf_attach(
        "role", "no_delete", "app", "aws_iam_policy.no_delete.arn"
    )
    write(principals, "iam/deny.tf", deny)
    git(principals, "add", ".")
    git(principals, "commit", "-qm", "deny reads")
    git(principals, "rm", "-q", "iam/deny.tf")
    run = diff(principals, "--base", "HEAD", "--fail-on", "warning")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = findings(run, "PD202")
    assert len(lines) == 1, run.stdout
    assert "role app" in lines[0] and "s3:GetObject" in lines[0]
    assert "aws_iam_policy.no_delete at HEAD:iam/deny.tf:3:" in lines[0]


def test_adding_a_deny_is_no_new_access(principals: Path) -> None:
    write(
        principals,
        TF,
        replaced(
            BASE,
            '{ Sid = "Whoami", Effect = "Allow"',
            '{ Sid = "NoReads", Effect = "Deny", Action = "s3:GetObject", Resource = "*" },\n'
            '    { Sid = "Whoami", Effect = "Allow"',
        ),
    )
    run = diff(principals, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PD2" not in run.stdout


# ------------------------------------------------------------------- permissions boundaries

BOUNDED = (
    """\
resource "aws_iam_user" "ci" {
  name                 = "ci"
  permissions_boundary = aws_iam_policy.limit.arn
}

"""
    + tf_policy("limit", 'Effect = "Allow", Action = "s3:GetObject", Resource = "*"')
    + tf_policy(
        "objects",
        'Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = "*"',
    )
    + tf_attach("user", "ci", "ci", "aws_iam_policy.objects.arn")
)


@pytest.fixture
def bounded(repo: Path) -> Path:
    write(repo, "bounded/main.tf", BOUNDED)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a bounded user")
    return repo


def test_a_removed_permissions_boundary_is_new_access(bounded: Path) -> None:
    write(
        bounded, "bounded/main.tf", BOUNDED.replace("  permissions_boundary = aws_iam_policy.limit.arn\n", "")
    )
    run = diff(bounded, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert "user ci: policy aws_iam_policy.objects grants 2 " in line
    limit = line_of(BOUNDED, 'resource "aws_iam_policy" "limit"') + 2  # its policy attribute
    assert (
        f"permissions boundary at HEAD (policy aws_iam_policy.limit at HEAD:bounded/main.tf:{limit}:" in line
    )
    assert line.endswith(
        "the change removes it from user ci: s3:DeleteObject, s3:PutObject (restore the "
        "permissions boundary, or review the access it no longer limits)"
    ), line
    # the boundary allowed GetObject: not new


def test_a_loosened_permissions_boundary_is_new_access(bounded: Path) -> None:
    looser = replaced(BOUNDED, 'Action = "s3:GetObject"', 'Action = ["s3:GetObject", "s3:PutObject"]')
    run = changed(bounded, "bounded/main.tf", looser)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = [line for line in findings(run, "PD201") if "user ci" in line]
    assert len(lines) == 1, run.stdout
    assert lines[0].startswith(os.path.join("bounded", "main.tf") + ":3:"), lines[0]  # the boundary attribute
    assert "s3:PutObject" in lines[0] and "s3:DeleteObject" not in lines[0]


# ------------------------------------------------------------------- escalation, CloudFormation, unknown


def test_an_attachment_that_completes_an_escalation_path_is_pd206(principals: Path) -> None:
    """The role could iam:PassRole already (its own policy); the attachment adds ec2:RunInstances."""
    text = BASE.replace(
        '["s3:GetObject", "s3:DeleteBucket"]', '["s3:GetObject", "s3:DeleteBucket", "iam:PassRole"]'
    )
    committed(principals, TF, text)
    write(principals, TF, text + ATTACH_DEPLOYER)
    run = diff(principals, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = [f for f in findings(run, "PD206") if "passrole-ec2" in f]
    assert "role app" in line and "it now receives policy aws_iam_policy.deployer" in line
    assert "iam:PassRole" in line and "ec2:RunInstances" in line


CFN_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess
"""


def test_cloudformation_managed_policy_arns_added_to_a_role(repo: Path) -> None:
    write(repo, "cfn/role.yaml", CFN_ROLE)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "role")
    run = changed(repo, "cfn/role.yaml", CFN_ROLE + "        - arn:aws:iam::aws:policy/AmazonSQSFullAccess\n")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    at = line_of(CFN_ROLE, "ManagedPolicyArns:")
    assert line.startswith(os.path.join("cfn", "role.yaml") + f":{at}:"), line  # ManagedPolicyArns
    assert (
        "role AppRole receives AWS managed policy AmazonSQSFullAccess" in line and "sqs:CreateQueue" in line
    )
    assert "ec2:Describe" not in line


def test_cloudformation_inline_policies_added_to_a_user(repo: Path) -> None:
    user = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Dev:
    Type: AWS::IAM::User
    Properties:
      UserName: dev
"""
    write(repo, "cfn/user.yaml", user)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "user")
    policies = """\
      Policies:
        - PolicyName: admin
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: iam:CreateAccessKey
                Resource: "*"
"""
    run = changed(repo, "cfn/user.yaml", user + policies)
    assert run.returncode == 1, run.stdout + run.stderr
    assert any(
        "user dev receives inline policy admin" in f and "iam:CreateAccessKey" in f
        for f in findings(run, "PD201")
    ), run.stdout
    assert any("create-access-key" in f and "user dev" in f for f in findings(run, "PD206")), run.stdout


def test_an_attachment_of_a_policy_the_inputs_do_not_declare_is_unknown(principals: Path) -> None:
    """Unknown never passes: a policy made elsewhere may grant anything; it is named, not skipped."""
    external = "arn:aws:iam::123456789012:policy/made-elsewhere"
    attach = f"""
resource "aws_iam_role_policy_attachment" "external" {{
  role       = aws_iam_role.app.name
  policy_arn = "{external}"
}}
"""
    run = changed(principals, TF, BASE + attach, "warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD207")
    assert "role app" in line and "made-elsewhere" in line and "not fully known" in line
    payload = json.loads(diff(principals, "--base", "HEAD", "--format", "json").stdout)
    assert [f["rule_id"] for f in payload["findings"]] == ["PD207"]


def test_broken_hcl_at_the_base_is_located_and_exits_2(principals: Path) -> None:
    committed(principals, TF, BASE + 'resource "aws_iam_user" "x" {\n  name = \n')
    run = changed(principals, TF, BASE + ATTACH_DEPLOYER, "suggestion")
    assert run.returncode == 2, run.stdout + run.stderr
    broken = len(BASE.splitlines()) + 2
    assert f"HEAD:iam/main.tf:{broken}:" in run.stdout, run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_staged_attachment_is_located_in_the_working_tree_file(principals: Path) -> None:
    run = changed(principals, TF, BASE + ATTACH_DEPLOYER)
    git(principals, "add", TF)
    run = diff(principals, "--base", "HEAD", "--staged", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert line.startswith(f"{TF}:"), line  # not the private copy the index was read into
    assert "policy-lint-base-" not in run.stdout


def test_a_removed_boundary_that_blocked_an_escalation_path_is_pd206(bounded: Path) -> None:
    text = BOUNDED.replace('"s3:DeleteObject"]', '"s3:DeleteObject", "iam:CreateAccessKey"]')
    committed(bounded, "bounded/main.tf", text)
    write(bounded, "bounded/main.tf", text.replace("  permissions_boundary = aws_iam_policy.limit.arn\n", ""))
    run = diff(bounded, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD206")
    assert "user ci can now take the privilege-escalation path create-access-key" in line
    assert (
        "its permissions boundary at HEAD (policy aws_iam_policy.limit" in line
        and "the change removes it" in line
    )


def test_an_unknown_at_both_sides_is_not_reported_again(principals: Path) -> None:
    """The policy made elsewhere was attached at the base too: the change does not touch it."""
    attach = """
resource "aws_iam_role_policy_attachment" "external" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::123456789012:policy/made-elsewhere"
}
"""
    committed(principals, TF, BASE + attach)
    run = changed(principals, TF, BASE + attach + ATTACH_DEPLOYER)
    assert run.returncode == 1, run.stdout + run.stderr
    assert not findings(run, "PD207"), run.stdout
    assert "ec2:RunInstances" in findings(run, "PD201")[0]


def test_a_boundary_the_inputs_do_not_declare_leaves_new_access_unknown(principals: Path) -> None:
    """A boundary only takes access away: not knowing it, no access is called new (uncertain never
    fails), and the principal is not passed either (unknown never passes)."""
    external = "arn:aws:iam::123456789012:policy/boundary-made-elsewhere"
    text = BASE.replace('  name = "app"\n', f'  name = "app"\n  permissions_boundary = "{external}"\n')
    committed(principals, TF, text)
    run = changed(principals, TF, text + ATTACH_DEPLOYER, "warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD207")
    assert "role app" in line and "boundary-made-elsewhere" in line
    assert not findings(run, "PD201") and not findings(run, "PD206"), run.stdout


def test_a_policy_change_that_completes_a_path_with_another_policy_is_pd206(principals: Path) -> None:
    """`storage` gains iam:PassRole; `deployer`, which already
    reached the role, has ec2:RunInstances. Neither policy opens passrole-ec2 alone, so only the
    principal's comparison can see it; the cause is the policy whose text changed."""
    text = BASE + ATTACH_DEPLOYER
    committed(principals, TF, text)
    run = changed(
        principals,
        TF,
        replaced(
            text,
            'Effect = "Allow", Action = ["s3:GetObject", "s3:DeleteBucket"], Resource = "*"',
            'Effect = "Allow", Action = ["s3:GetObject", "s3:DeleteBucket"], Resource = "*" },\n'
            '    { Effect = "Allow", Action = "iam:PassRole", Resource = "*"',
        ),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = [f for f in findings(run, "PD206") if "passrole-ec2" in f]
    assert "role app" in line and "the change to policy aws_iam_policy.storage opens it" in line, line
    storage = line_of(text, 'resource "aws_iam_policy" "storage"') + 2
    assert line.startswith(f"{TF}:{storage}:"), line


def test_a_new_statement_whose_resource_is_a_reference_is_new_access(principals: Path) -> None:
    """`Resource = aws_iam_role.app.arn` is wholly a reference: lint leaves such a statement out of
    judgement (its shape may be a dynamic block's), but a statement the change adds is new access."""
    run = changed(
        principals,
        TF,
        replaced(
            BASE,
            'Effect = "Allow", Action = ["s3:GetObject", "s3:DeleteBucket"], Resource = "*"',
            'Effect = "Allow", Action = ["s3:GetObject", "s3:DeleteBucket"], Resource = "*" },\n'
            '    { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.app.arn',
        ),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert "policy of aws_iam_policy.storage statement 2" in line and "iam:PassRole" in line


def test_a_boundary_that_limited_resources_removed_is_a_wider_resource(bounded: Path) -> None:
    narrow = replaced(
        BOUNDED,
        'Effect = "Allow", Action = "s3:GetObject", Resource = "*"',
        'Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], '
        'Resource = "arn:aws:s3:::reports/*"',
    )
    committed(bounded, "bounded/main.tf", narrow)
    run = changed(
        bounded,
        "bounded/main.tf",
        replaced(narrow, "  permissions_boundary = aws_iam_policy.limit.arn\n", ""),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD203")
    assert "user ci" in line and "s3:DeleteObject, s3:GetObject, s3:PutObject" in line
    assert "except on part of the resources" in line and not findings(run, "PD201")


def test_an_unchanged_conditional_boundary_is_no_new_access(bounded: Path) -> None:
    """The boundary allows PutObject only in one region at both sides; a change elsewhere in the
    folder (a new, unattached policy) gives the user nothing."""
    conditional = replaced(
        BOUNDED,
        'Effect = "Allow", Action = "s3:GetObject", Resource = "*"',
        'Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*", '
        'Condition = { StringEquals = { "aws:RequestedRegion" = "eu-west-1" } }',
    )
    committed(bounded, "bounded/main.tf", conditional)
    unrelated = tf_policy("spare", 'Effect = "Allow", Action = "sqs:ListQueues", Resource = "*"')
    run = changed(bounded, "bounded/main.tf", conditional + unrelated, "security-warning")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "user ci" not in run.stdout


def test_a_reference_names_the_same_resource_at_both_sides(principals: Path) -> None:
    """The base is read from a private copy of the folder; `aws_s3_bucket.logs.arn` there is the
    same bucket as in the working tree. A new attachment granting what the role already had on it
    is no new access."""
    bucket = 'resource "aws_s3_bucket" "logs" {\n  bucket_prefix = "logs-"\n}\n\n'
    read = 'Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.logs.arn}/*"'
    text = (
        bucket
        + BASE
        + tf_policy("reader", read)
        + tf_attach("role", "reader", "app", "aws_iam_policy.reader.arn")
    )
    committed(principals, TF, text)
    again = tf_policy("reader2", read) + tf_attach("role", "reader2", "app", "aws_iam_policy.reader2.arn")
    run = changed(principals, TF, text + again, "suggestion")
    assert "role app" not in run.stdout, run.stdout
    assert [line for line in run.stdout.splitlines() if ": PD2" in line] == [
        line for line in run.stdout.splitlines() if "aws_iam_policy.reader2 statement 1" in line
    ], run.stdout  # only the new policy document itself, per document
