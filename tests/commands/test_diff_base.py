"""`policy-lint diff --base REF` in a real temporary git repository, run as users run it.

Each test commits a base, changes the policies the way a pull request would, and runs the CLI in
a subprocess (so a traceback or an option read from a revision name shows as users would see it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SCAN = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bucket/*"},
        {
            "Sid": "Scan",
            "Effect": "Allow",
            "Action": "ec2:TerminateInstances",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:ResourceTag/Name": "scan*"}},
        },
    ],
}

TERRAFORM = """\
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}

resource "aws_iam_policy" "scanner" {
  name = "scanner"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${aws_s3_bucket.logs.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["ec2:TerminateInstances"]
        Resource = "*"
        Condition = { StringLike = { "aws:ResourceTag/Name" = "scan*" } }
      }
    ]
  })
}
"""


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return proc.stdout


def diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "diff", "--no-color", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write(repo: Path, name: str, content: object) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit holds a JSON policy, a Terraform policy and a package.json."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    write(root, "policies/scanner.json", SCAN)
    write(root, "infra/main.tf", TERRAFORM)
    write(root, "package.json", {"name": "app", "version": "1.0.0"})
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def changed_json(repo: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(SCAN))
    change(doc)
    write(repo, "policies/scanner.json", doc)


def granting(action: object) -> dict[str, object]:
    """A one-statement identity policy allowing ``action`` on every resource."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


def findings(run: subprocess.CompletedProcess[str], rule: str) -> list[str]:
    return [line for line in run.stdout.splitlines() if f": {rule} " in line]


# ------------------------------------------------------------------- a JSON policy file


def test_json_added_action_exits_1_naming_it(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert line.startswith("policies/scanner.json:4:")
    assert "s3:PutObject" in line and "not granted at HEAD" in line
    assert "s3:GetObject" not in line, "an action the base granted is not new"


def test_json_removed_action_exits_0(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"].pop(0))
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PD2" not in run.stdout


def test_json_loosened_condition_exits_1(repo: Path) -> None:
    changed_json(
        repo, lambda d: d["Statement"][1]["Condition"]["StringLike"].update({"aws:ResourceTag/Name": "*"})
    )
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD205")
    assert "ec2:TerminateInstances" in line and "StringLike aws:ResourceTag/Name scan*" in line


def test_json_dropped_condition_exits_1(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][1].pop("Condition"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD205")
    assert "without a condition" in line


def test_new_read_action_is_a_warning_and_a_wider_resource_is_reported(repo: Path) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["Statement"][0]["Action"].append("s3:ListBucket")
        d["Statement"][0]["Resource"] = "*"

    changed_json(repo, change)
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr  # the wider resource is a security-warning
    assert "s3:ListBucket" in findings(run, "PD202")[0] and " warning " in findings(run, "PD202")[0]
    [wider] = findings(run, "PD203")
    assert "s3:GetObject" in wider and "only on arn:aws:s3:::bucket/*" in wider
    ignored = diff(repo, "--base", "HEAD", "--fail-on", "security-warning", "--ignore", "PD203")
    assert ignored.returncode == 0, ignored.stdout  # the new read action alone is below the gate
    assert findings(ignored, "PD202") and not findings(ignored, "PD203")


# ------------------------------------------------------------------- a Terraform aws_iam_policy


def test_terraform_added_action_exits_1_at_the_policy_attribute(repo: Path) -> None:
    write(repo, "infra/main.tf", TERRAFORM.replace('["s3:GetObject"]', '["s3:GetObject", "s3:DeleteObject"]'))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert line.startswith(os.path.join("infra", "main.tf") + ":7:")
    assert "aws_iam_policy.scanner" in line and "s3:DeleteObject" in line


def test_terraform_removed_action_exits_0(repo: Path) -> None:
    write(
        repo,
        "infra/main.tf",
        TERRAFORM.replace('["ec2:TerminateInstances"]', '["ec2:DescribeInstances"]')
        .replace('["s3:GetObject"]', "[]")
        .replace('Action   = ["ec2:DescribeInstances"]', 'Action   = ["ec2:TerminateInstances"]'),
    )
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PD2" not in run.stdout


def test_terraform_loosened_condition_exits_1(repo: Path) -> None:
    write(
        repo,
        "infra/main.tf",
        TERRAFORM.replace('"aws:ResourceTag/Name" = "scan*"', '"aws:ResourceTag/Name" = "*"'),
    )
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD205")
    assert "aws_iam_policy.scanner" in line and "ec2:TerminateInstances" in line


def test_terraform_unchanged_reference_is_no_new_resource(repo: Path) -> None:
    """`${aws_s3_bucket.logs.arn}/*` is the same text at both sides: the same resource, not a wider one."""
    write(repo, "infra/main.tf", TERRAFORM.replace('name = "scanner"', 'name = "scanner-v2"'))
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr


# ------------------------------------------------------------------- renames, index, new files


def test_renamed_file_is_compared_with_its_old_name(repo: Path) -> None:
    git(repo, "mv", "policies/scanner.json", "policies/renamed.json")
    doc = json.loads(json.dumps(SCAN))
    doc["Statement"][0]["Action"].append("s3:PutObject")
    write(repo, "policies/renamed.json", doc)
    git(repo, "add", "-A")
    run = diff(repo, "--base", "HEAD", "--staged", "--fail-on", "suggestion")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = [line for line in run.stdout.splitlines() if ": PD2" in line]
    assert len(lines) == 1 and lines[0].startswith("policies/renamed.json:") and "s3:PutObject" in lines[0], (
        lines
    )


def test_staged_compares_the_index_not_the_working_tree(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    unstaged = diff(repo, "--base", "HEAD", "--staged", "--fail-on", "suggestion")
    assert unstaged.returncode == 0, unstaged.stdout + unstaged.stderr
    assert diff(repo, "--base", "HEAD", "--fail-on", "suggestion").returncode == 1  # the working tree has it
    git(repo, "add", "policies/scanner.json")
    changed_json(repo, lambda d: None)  # the working tree goes back; the index keeps the new action
    staged = diff(repo, "--base", "HEAD", "--staged", "--fail-on", "security-warning")
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert "s3:PutObject" in findings(staged, "PD201")[0]


def test_a_new_untracked_policy_is_all_new_access(repo: Path) -> None:
    write(repo, "policies/admin.json", granting("iam:PassRole"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "iam:PassRole" in findings(run, "PD201")[0]


def test_paths_limit_the_comparison(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion", "infra")
    assert run.returncode == 0, run.stdout + run.stderr
    assert diff(repo, "--base", "HEAD", "--fail-on", "suggestion", "policies").returncode == 1


# ------------------------------------------------------------------- principals


def test_new_principal_in_a_bucket_policy_and_a_trust_policy(repo: Path) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "111111111111"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
    write(repo, "policies/bucket-policy.json", bucket)
    write(repo, "infra/role.tf", ROLE.replace("PRINCIPALS", '"arn:aws:iam::111111111111:root"'))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "principals")
    bucket["Statement"][0]["Principal"] = {"AWS": ["arn:aws:iam::111111111111:root", "*"]}
    write(repo, "policies/bucket-policy.json", bucket)
    write(
        repo,
        "infra/role.tf",
        ROLE.replace("PRINCIPALS", '"111111111111", "arn:aws:iam::222222222222:role/ci"'),
    )
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = findings(run, "PD204")
    assert len(lines) == 2, run.stdout  # the same account written as an ID is no new principal
    assert any("policies/bucket-policy.json" in line and "everyone (*)" in line for line in lines)
    assert any(
        "trust policy of aws_iam_role.ci" in line and "role/ci" in line and "sts:AssumeRole" in line
        for line in lines
    )


ROLE = """\
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = [PRINCIPALS] }
      Action    = "sts:AssumeRole"
    }]
  })
}
"""

# ------------------------------------------------------------------- CloudFormation

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ScannerPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [ACTIONS]
            Resource: "*"
"""


def test_cloudformation_policy_matched_by_logical_id(repo: Path) -> None:
    write(repo, "cfn/stack.yaml", TEMPLATE.replace("ACTIONS", "ec2:DescribeInstances"))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "template")
    write(repo, "cfn/stack.yaml", TEMPLATE.replace("ACTIONS", "ec2:DescribeInstances, ec2:StopInstances"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD201")
    assert "ScannerPolicy" in line and "ec2:StopInstances" in line and "DescribeInstances" not in line


# ------------------------------------------------------------------- bad input


def test_bad_ref_exits_2_with_a_clear_message(repo: Path) -> None:
    run = diff(repo, "--base", "no-such-branch")
    assert run.returncode == 2
    assert "--base 'no-such-branch': no such commit" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    "args", [["--base", "--output=x"], ["--base=--output=x"], ["--base", "--format=json"]]
)
def test_a_ref_that_looks_like_an_option_is_a_revision(repo: Path, args: list[str]) -> None:
    """The attack: a base named like a git option (`--output=x` would make git write a file)."""
    run = diff(repo, *args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "no such commit" in run.stderr and "Traceback" not in run.stderr
    assert not (repo / "x").exists(), "the revision name was read as git's --output option"
    assert sorted(p.name for p in repo.iterdir()) == [".git", "infra", "package.json", "policies"]


def test_outside_a_repository_exits_2(tmp_path: Path) -> None:
    run = diff(tmp_path, "--base", "HEAD")
    assert run.returncode == 2
    assert "not a git repository" in run.stderr.lower() and "Traceback" not in run.stderr


def test_a_malformed_file_at_the_base_is_located_and_exits_2(repo: Path) -> None:
    write(repo, "policies/scanner.json", '{\n  "Version": "2012-10-17",\n  "Statement": [\n')
    git(repo, "commit", "-qam", "broken")
    write(repo, "policies/scanner.json", SCAN)
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "HEAD:policies/scanner.json:4:1: PL001" in run.stdout, run.stdout
    assert "Traceback" not in run.stderr


def test_a_malformed_file_after_the_change_is_its_pl001(repo: Path) -> None:
    write(
        repo,
        "policies/scanner.json",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow" "Action": "*"}]}\n',
    )
    run = diff(repo, "--base", "HEAD")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "policies/scanner.json:1:" in run.stdout and "PL001" in run.stdout


# ------------------------------------------------------------------- settings, suppressions, formats


def test_settings_suppression_and_every_format(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    write(
        repo,
        ".policy-lint.yaml",
        "fail-on: security-warning\n"
        "suppressions:\n  - rule: PD201\n    path: policies/scanner.json\n    reason: reviewed in PR 12\n",
    )
    run = diff(repo, "--base", "HEAD")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "reviewed in PR 12" in run.stdout  # listed as accepted, with the reason
    (repo / ".policy-lint.yaml").unlink()
    as_json = diff(repo, "--base", "HEAD", "--format", "json")
    payload = json.loads(as_json.stdout)
    assert payload["command"] == "diff"
    assert [f["rule_id"] for f in payload["findings"]] == ["PD201"]
    sarif = json.loads(diff(repo, "--base", "HEAD", "--format", "sarif").stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "PD201"
    for fmt, marker in (("junit", "<testsuite"), ("markdown", "PD201"), ("html", "<html")):
        out = diff(repo, "--base", "HEAD", "--format", fmt)
        assert marker in out.stdout, (fmt, out.stdout[:500], out.stderr)


MODULE_CALL = """\
module "iam" {
  source = "../modules/iam"
}
"""


def test_a_local_module_s_policies_are_not_taken_for_new_ones(repo: Path) -> None:
    """The caller's folder changed, the module did not: its policies are the same at both sides
    even though the base's copy of the caller cannot load the module (uncertain never fails)."""
    write(repo, "modules/iam/main.tf", TERRAFORM)
    write(repo, "live/main.tf", MODULE_CALL)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "module")
    write(repo, "live/main.tf", MODULE_CALL + '\nlocals {\n  team = "scanners"\n}\n')
    run = diff(repo, "--base", "HEAD", "--fail-on", "suggestion")
    assert run.returncode == 0, run.stdout + run.stderr
    write(
        repo, "modules/iam/main.tf", TERRAFORM.replace('["s3:GetObject"]', '["s3:GetObject", "s3:PutObject"]')
    )
    changed = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    [line] = findings(changed, "PD201")
    assert line.startswith(os.path.join("modules", "iam", "main.tf")) and "s3:PutObject" in line


def test_the_size_cap_guards_files_read_at_the_base(repo: Path) -> None:
    """A file at REF is read from git with the cap that guards files on disk: a huge blob is an
    unusable input (exit 2, named REF:path), not read into memory."""
    big = json.loads(json.dumps(SCAN))
    big["Statement"][0]["Sid"] = "x" * 4096
    write(repo, "policies/scanner.json", big)
    git(repo, "commit", "-qam", "big")
    write(repo, "policies/scanner.json", SCAN)
    run = diff(repo, "--base", "HEAD", "--max-file-size", "0.002")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "HEAD:policies/scanner.json" in run.stdout + run.stderr
    assert "limit" in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_a_symbolic_link_at_the_base_is_not_followed(repo: Path, tmp_path: Path) -> None:
    """A base whose policy path is a symbolic link (to a file outside the repository) is not read
    through the link: the policy counts as new, all its access reported."""
    secret = tmp_path / "outside.json"
    secret.write_text(json.dumps(granting("*")))
    (repo / "policies" / "linked.json").symlink_to(secret)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "link")
    (repo / "policies" / "linked.json").unlink()
    write(repo, "policies/linked.json", granting("s3:PutObject"))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "s3:PutObject" in findings(run, "PD201")[0]


def test_a_selection_that_keeps_no_diff_rule_is_refused(repo: Path) -> None:
    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    run = diff(repo, "--base", "HEAD", "--select", "PL2")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "keeps no rule that diff --base reports (PD2)" in run.stderr


def test_json_output_follows_the_shipped_report_schema(repo: Path) -> None:
    from tests.reporters.test_json_schema import validate

    changed_json(repo, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    payload = json.loads(diff(repo, "--base", "HEAD", "--format", "json").stdout)
    validate(payload)
    assert payload["command"] == "diff" and payload["files"] == 1


def test_a_new_privilege_escalation_path_is_reported(repo: Path) -> None:
    """PassRole was there; the change adds ec2:RunInstances, which with it opens passrole-ec2."""
    write(repo, "policies/deployer.json", granting("iam:PassRole"))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "deployer")
    write(repo, "policies/deployer.json", granting(["iam:PassRole", "ec2:RunInstances"]))
    run = diff(repo, "--base", "HEAD", "--fail-on", "security-warning")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "PD206")
    assert "passrole-ec2" in line and "iam:PassRole" in line and "ec2:RunInstances" in line
    assert "create-policy-version" not in run.stdout  # no path the base already had, none it lacks
    only_paths = diff(repo, "--base", "HEAD", "--select", "PD206", "--format", "json")
    assert [f["rule_id"] for f in json.loads(only_paths.stdout)["findings"]] == ["PD206"]


# ------------------------------------------------------------------- the settings' custom rules

NEVER_PASS_ROLE = """\
custom-rules:
  - id: CU001
    title: Roles are passed by the platform team only
    level: security-warning
    never-grant:
      actions: ["iam:PassRole"]
"""


def test_a_custom_rule_the_change_breaks_is_reported_and_one_already_broken_is_not(repo: Path) -> None:
    """``never-grant: iam:PassRole`` runs in diff --base by effective permissions: a change to
    ``iam:*`` grants PassRole (new, exit 1, CU001 named); a policy that already granted it at the base
    and still does is no new violation of the rule."""
    write(repo, ".policy-lint.yaml", NEVER_PASS_ROLE)
    write(repo, "policies/admin.json", granting("iam:*"))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "settings and an old admin policy")
    changed_json(repo, lambda doc: doc["Statement"][0]["Action"].append("iam:*"))
    admin = granting(["iam:*", "s3:ListBucket"])
    write(repo, "policies/admin.json", admin)
    run = diff(repo, "--base", "HEAD", "--select", "CU")
    assert run.returncode == 1, run.stdout + run.stderr
    [line] = findings(run, "CU001")
    assert line.startswith("policies/scanner.json:"), line
    assert "iam:PassRole" in line
