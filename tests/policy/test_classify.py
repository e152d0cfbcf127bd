"""The content classifier ``lint`` uses to tell policy documents from the other JSON/YAML of a
repository (pre-commit hands it every staged file): real shapes, the broken policies it must
never skip, and a count over the shared corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from policy_lint.policy.classify import classify, policy_place
from policy_lint.policy.loader import parse_tree
from policy_lint.syntax.source import Source, read_source
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT.parent / "shared" / "corpus"

PACKAGE_JSON = json.dumps(
    {
        "name": "web",
        "version": "1.0.0",
        "scripts": {"build": "tsc"},
        "dependencies": {"aws-sdk": "^2.1"},
        "description": "Statement of work tooling",  # names "Statement": the shape still decides
    },
    indent=2,
)
TSCONFIG = """{
  // tsconfig.json allows comments, which JSON does not: it does not parse, and says nothing of policies
  "compilerOptions": {"target": "es2020", "strict": true},
}
"""
WORKFLOW = """name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws iam put-role-policy --policy-document '{"Version":"2012-10-17","Statement":[]}'
"""
KUBERNETES = """apiVersion: v1
kind: ConfigMap
metadata:
  name: irsa-policy
data:
  policy.json: |
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""
PLAN_JSON = json.dumps(
    {
        "format_version": "1.2",
        "terraform_version": "1.5.7",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_policy.p",
                        "values": {"policy": '{"Version":"2012-10-17","Statement":[]}'},
                    }
                ]
            }
        },
    }
)
CFN_JSON = json.dumps(
    {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                },
            }
        }
    }
)
POLICY = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\n}\n'
YAML_POLICY = """# the reader role's policy
Version: "2012-10-17"
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: "*"
"""


def _is_policy(path: str, text: str) -> bool:
    return classify(Source(path, text)).is_policy


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("package.json", PACKAGE_JSON),
        ("web/tsconfig.json", TSCONFIG),
        (".github/workflows/deploy.yml", WORKFLOW),
        ("k8s/app.yaml", KUBERNETES),
        ("plan.json", PLAN_JSON),
        ("template.json", CFN_JSON),
        ("examples/cloudformation/onboarding.yaml", None),
        ("examples/cloudformation/onboarding-broken.yaml", None),
        (".policy-lint.yaml", "fail-on: warning\n"),
        ("config/settings.json", "{}"),
    ],
)
def test_other_documents_are_not_policies(path: str, text: str | None) -> None:
    if text is None:  # the project's own CloudFormation examples, which name Statement 20+ times
        text = (REPO_ROOT / path).read_text(encoding="utf-8")
        assert "Statement" in text
    assert not _is_policy(path, text)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("agentless.json", POLICY),  # a name that says nothing
        ("reader.yaml", YAML_POLICY),
        ("x.json", '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'),  # no Version
        ("x.json", '{"version": "2012-10-17", "statement": []}'),  # wrong key case: linted, reported
        ("policies/x.json", '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]'),  # statements alone
        ("x.yaml", '{"Version": "2012-10-17", "Statement": []}'),  # JSON in a YAML file
        ("x.tpl", '{"Version": "2012-10-17", "Statement": [%{ for a in actions ~}"${a}"%{ endfor ~}]}'),
        ("examples/policies/agentless-en.json", None),
    ],
)
def test_policies_are_policies_whatever_their_name(path: str, text: str | None) -> None:
    if text is None:
        text = (REPO_ROOT / path).read_text(encoding="utf-8")
    assert _is_policy(path, text)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        # the missing comma of the guide's Chinese copy: it names Statement
        ("agentless-zh.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow" "Action": "*"}]}'),
        ("x.yaml", 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n   Action: "*"\n'),  # bad indent
        ("policies/reader.json", '{"Effect": "Allow",'),  # names nothing, but sits where policies live
        ("infra/iam/reader.json", ""),  # empty, in an iam/ folder
        ("s3-bucket-policy.json", "{"),  # named for a policy
    ],
)
def test_a_broken_policy_is_never_skipped(path: str, text: str) -> None:
    assert parse_tree(Source(path, text))[0] is None  # broken indeed: lint reports it as PL001
    assert classify(Source(path, text)).is_policy


def test_a_broken_cloudformation_template_that_names_statement_is_not_a_policy() -> None:
    text = (REPO_ROOT / "examples/cloudformation/onboarding.yaml").read_text(encoding="utf-8")
    assert not _is_policy("template.yaml", text + "\n  Broken: [unclosed\n")


def test_where_policies_live() -> None:
    assert policy_place("repo/policies/reader.json")
    assert policy_place("iam/roles/x.yaml")
    assert policy_place("bucket_policy.json") and policy_place("trust-policy.tpl")
    assert not policy_place(".policy-lint.yaml") and not policy_place(".policy-lint-baseline.json")
    assert not policy_place("src/package.json")


def test_where_policies_live_is_read_from_every_folder_on_the_way() -> None:
    # the folder part is asked once per folder: the answer must not depend on which file asked first
    assert policy_place("/srv/repo/IAM/roles/a.json") and policy_place("/srv/repo/IAM/roles/b.json")
    assert policy_place("a//policies/./b.json") and policy_place("./Policy/x.json")
    assert not policy_place("/srv/repo/src/a.json") and not policy_place("/srv/repo/src/b.json")
    assert not policy_place("policiesX/a.json") and not policy_place("my-iam/a.json")
    assert policy_place("src/Policies.json")  # the file's own name, whatever its folder


def test_the_shape_is_read_without_the_position_parser_for_json_and_block_yaml() -> None:
    """The fast path: a multi-megabyte plan is classified by the standard JSON parser, a block YAML
    mapping by its column-0 keys; only when those cannot tell is the full parse made (and kept)."""
    assert classify(Source("plan.json", PLAN_JSON)).parsed is None
    assert classify(Source("reader.yaml", YAML_POLICY)).parsed is None
    assert classify(Source("k8s.yaml", KUBERNETES)).parsed is not None  # two documents: parsed


def test_the_corpus_classes_as_its_folders_say() -> None:
    """Every managed and custom policy is a policy; every CloudFormation template and Terraform plan
    is not; in iam-invalid, only the files that are not recognisably policies are skipped."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is absent ({CORPUS})")
    counts: Counter[tuple[str, bool]] = Counter()
    skipped_invalid: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or not path.name.lower().endswith((".json", ".yaml", ".yml", ".tpl")):
            continue
        folder = path.relative_to(CORPUS).parts[0]
        if folder == "meta":
            continue
        verdict = classify(read_source(path)).is_policy
        counts[(folder, verdict)] += 1
        if folder == "iam-invalid" and not verdict:
            skipped_invalid.append(path.name)
        if folder == "terraform":
            assert verdict == path.name.endswith(".tpl"), path  # templatefile() policies only
    assert counts[("iam-managed", False)] == 0 and counts[("iam-managed", True)] >= 1500
    assert counts[("iam-custom", False)] == 0 and counts[("iam-custom", True)] >= 400
    assert counts[("cloudformation", True)] == 0 and counts[("cloudformation", False)] >= 500
    # read one by one: a broken non-policy, a lone "{" and "{}": none is a policy document by
    # content; a CloudFormation snippet wrapping a PolicyDocument carries one, and is linted
    # (policy_lint.policy.wrapped): skipping it would pass the policy inside unread
    assert sorted(skipped_invalid) == [
        "error-broken.json",
        "error-no-statements.json",
        "invalid_file.json",
    ]


PATHOLOGICAL = r"""
import sys
from policy_lint.policy.classify import classify
from policy_lint.syntax.source import Source
texts = {
    "spaces.yaml": "a" + " " * 400_000 + "b\nStatement: x\n",  # a long line of blanks, no ':' after
    "blanks.json": "{Statement" + "\n" * 400_000 + " runs-on",  # broken, a long run of empty lines
    "keys.yaml": "k" + ":x" * 200_000 + "\nStatement: []\n",  # many ':' that end no key
}
print(sorted(name for name, text in texts.items() if classify(Source(name, text)).is_policy))
"""


def test_the_pre_scan_is_linear_on_pathological_lines() -> None:
    """A regex with two adjacent runs of optional blanks took quadratic time on a long line of
    spaces; run in a subprocess with a generous timeout so a regression fails instead of hanging."""
    proc = subprocess.run(
        [sys.executable, "-c", PATHOLOGICAL], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    # each is broken YAML/JSON that names Statement: a policy, so lint reports it as PL001
    assert proc.stdout.strip() == "['blanks.json', 'keys.yaml', 'spaces.yaml']"
