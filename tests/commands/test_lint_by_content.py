"""``lint`` picks policy documents by content (issue 13): what it reads in a folder, what it says
about a named file it skips, what it never skips, and ``--as-policy``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from tests.conftest import REPO_ROOT

CFN_EXAMPLE = REPO_ROOT / "examples" / "cloudformation" / "onboarding.yaml"
PACKAGE_JSON = '{\n  "name": "web",\n  "version": "1.0.0",\n  "dependencies": {"left-pad": "1.3.0"}\n}\n'
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_holding_the_cloudformation_example_gives_no_findings(tmp_path: Path) -> None:
    """The reported case: a folder walk took any file naming "Statement" for a policy, and linted
    the CloudFormation example as one (14 findings)."""
    shutil.copy(CFN_EXAMPLE, tmp_path / "onboarding.yaml")
    (tmp_path / "package.json").write_text(PACKAGE_JSON, encoding="utf-8")
    (tmp_path / "reader.json").write_text(json.dumps(POLICY), encoding="utf-8")
    code, out, err = run("lint", str(tmp_path))
    assert code == 0, out
    assert out == "No findings in 1 file.\n"
    assert err == ""  # found in a folder: skipped without a word


def test_a_named_file_that_is_not_a_policy_is_skipped_with_one_line(tmp_path: Path) -> None:
    """Files are reported in path order, so both live in one folder to keep that order fixed
    wherever the repository is checked out."""
    package = tmp_path / "package.json"
    package.write_text(PACKAGE_JSON, encoding="utf-8")
    template = tmp_path / "template.yaml"
    shutil.copy(CFN_EXAMPLE, template)
    code, out, err = run("lint", str(template), str(package))
    assert code == 2  # nothing the command named could be linted: not a pass (exit 2, unusable input)
    assert out == "No findings in 0 files.\n"
    assert err.splitlines() == [
        f"policy-lint: {package}: not a policy document, skipped (--as-policy lints it anyway)",
        f"policy-lint: {template}: not a policy document, skipped (--as-policy lints it anyway)",
        "policy-lint: error: no file named is a policy document, so nothing was linted "
        "(--as-policy lints a named file as a policy anyway)",
    ]


def test_a_skipped_file_next_to_a_linted_policy_does_not_change_the_exit_code(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(PACKAGE_JSON, encoding="utf-8")
    policy = tmp_path / "reader.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")
    code, out, err = run("lint", str(policy), str(package))
    assert (code, out) == (0, "No findings in 1 file.\n")
    assert err == f"policy-lint: {package}: not a policy document, skipped (--as-policy lints it anyway)\n"


def test_a_folder_without_a_policy_says_nothing_was_linted(tmp_path: Path) -> None:
    """A gate over a folder with no policy (a wrong path, a moved folder) must not read as a pass:
    the answer stands (exit 0, a folder may hold none), but stderr says nothing was linted."""
    (tmp_path / "package.json").write_text(PACKAGE_JSON, encoding="utf-8")
    code, out, err = run("lint", str(tmp_path))
    assert (code, out) == (0, "No findings in 0 files.\n")
    assert err.startswith(f"policy-lint: warning: no policy document found in {tmp_path}: nothing was linted")
    assert "--as-policy" in err


def test_hook_mode_skips_silently(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(PACKAGE_JSON, encoding="utf-8")
    code, out, err = run("lint", "--hook", str(package))
    assert (code, out, err) == (0, "No findings in 0 files.\n", "")


def test_as_policy_lints_a_named_file_whatever_it_holds(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(PACKAGE_JSON, encoding="utf-8")
    code, out, _ = run("lint", "--as-policy", str(package))
    assert code == 1
    assert f"{package}:1:1: PL104 error" in out, out  # no Statement: not a usable policy


def test_a_broken_policy_found_in_a_folder_is_reported_not_skipped(tmp_path: Path) -> None:
    """Skipping a broken policy would be a false pass: a missing comma in a file whose name says
    nothing, and a truncated file in an iam/ folder that names nothing at all."""
    (tmp_path / "scanner.json").write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow" "Action": "*", "Resource": "*"}]\n}\n',
        encoding="utf-8",
    )
    (tmp_path / "iam").mkdir()
    (tmp_path / "iam" / "deploy.json").write_text('{\n  "Effect": "Allow",\n', encoding="utf-8")
    code, out, _ = run("lint", str(tmp_path))
    assert code == 1, out
    assert f"{tmp_path / 'scanner.json'}:3:36: PL001 error" in out, out
    assert f"{tmp_path / 'iam' / 'deploy.json'}:3:1: PL001 error" in out, out
    assert out.rstrip().endswith("in 2 files.")


def test_yaml_suppression_comments_of_skipped_files_are_not_read(tmp_path: Path) -> None:
    """A workflow skipped as not a policy is not scanned for unused suppressions (SP004) either."""
    (tmp_path / "ci.yml").write_text(
        "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest  # policy-lint: ignore[PL601] not here\n",
        encoding="utf-8",
    )
    code, out, _ = run("lint", str(tmp_path))
    assert (code, out) == (0, "No findings in 0 files.\n")


#: a document with one defect each rule sees at a known place
TYPO = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjct", "Resource": "*"}]}


def _typo_line(path: Path) -> int:
    """The line of the misspelt action in the file as written."""
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if "GetObjct" in line)


def test_wrapped_policies_found_in_a_folder_are_linted_at_their_own_lines(tmp_path: Path) -> None:
    """What the AWS tools hand over (aws iam get-policy-version, get-role-policy) and a CloudFormation
    snippet carry the policy inside: once skipped in silence by a folder walk (a false pass), now
    their documents are linted, each finding at the line of the file where it is."""
    version = {"PolicyVersion": {"Document": TYPO, "VersionId": "v3", "IsDefaultVersion": True}}
    role_policy = {"RoleName": "deployer", "PolicyName": "deploy", "PolicyDocument": TYPO}
    (tmp_path / "version.json").write_text(json.dumps(version, indent=4), encoding="utf-8")
    (tmp_path / "inline.json").write_text(json.dumps(role_policy, indent=4), encoding="utf-8")
    (tmp_path / "snippet.yaml").write_text(
        "# AWS::IAM::Policy properties\nPolicyName: deploy\nPolicyDocument:\n"
        '  Version: "2012-10-17"\n  Statement:\n    - Effect: Allow\n      Action: s3:GetObjct\n'
        '      Resource: "*"\nRoles:\n  - !Ref DeployRole\n',
        encoding="utf-8",
    )
    code, out, err = run("lint", str(tmp_path), "--format", "json")
    assert code == 1, out
    report = json.loads(out)
    assert report["files"] == 3 and err == ""
    found = sorted(
        (Path(f["location"]["path"]).name, f["rule_id"], f["location"]["line"]) for f in report["findings"]
    )
    assert found == sorted(
        (name, "PL203", _typo_line(tmp_path / name))
        for name in ("inline.json", "snippet.yaml", "version.json")
    )


def test_a_url_encoded_get_role_policy_answer_is_linted_at_its_string(tmp_path: Path) -> None:
    """IAM's API answers get-role-policy with the document URL-encoded: decoded and linted, every
    finding at the string (its text has no lines of its own in the file)."""
    from urllib.parse import quote

    answer = {"RoleName": "r", "PolicyName": "p", "PolicyDocument": quote(json.dumps(TYPO))}
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer, indent=2), encoding="utf-8")
    code, out, _err = run("lint", str(path))
    assert code == 1
    assert out.startswith(f"{path}:4:21: PL203 error unknown action 's3:GetObjct'"), out


def test_a_broken_url_encoded_document_in_a_folder_is_pl001_not_skipped(tmp_path: Path) -> None:
    """A get-policy-version answer whose document is cut short and misspelt (it names neither
    Statement nor a version date): the key it sits under says it is a policy, so a folder walk
    reports it broken instead of skipping it in silence (a skipped broken policy is a false pass)."""
    from urllib.parse import quote

    cut = quote('{"Version": "2012-10-7", "Statment": [{"Effect": "Allow"')
    (tmp_path / "version.json").write_text(
        json.dumps({"PolicyVersion": {"Document": cut, "VersionId": "v1"}}), encoding="utf-8"
    )
    code, out, _err = run("lint", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'version.json'}:1:" in out and " PL001 error " in out, out


def test_a_url_encoded_policy_cites_no_line_of_its_decoded_text(tmp_path: Path) -> None:
    from urllib.parse import quote

    escalating = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    }
    answer = {"RoleName": "r", "PolicyName": "p", "PolicyDocument": quote(json.dumps(escalating, indent=2))}
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer, indent=2), encoding="utf-8")
    _code, out, _err = run("lint", str(path))
    pe001 = next(line for line in out.splitlines() if " PE001 " in line)
    assert "by statement 1 via iam:*" in pe001 and "at line" not in pe001, pe001
