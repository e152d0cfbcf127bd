"""Regenerate the generated docs: docs/rules.md, docs/configuration.md, docs/access-analyzer.md and more.

Run ``python tools/gen_docs.py`` after changing rule metadata, the onboarding
schema or the example configuration; ``--check`` exits 1 when a file is stale
(the test suite runs the same comparison). Command output shown in the docs is
produced here by running the real CLI, so the examples cannot drift.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from policy_lint.cli import main  # noqa: E402
from policy_lint.rules.access_analyzer_docs import access_analyzer_markdown  # noqa: E402
from policy_lint.rules.docs import cis_markdown, config_markdown, rules_markdown  # noqa: E402
from policy_lint.rules.ruleset import all_rules  # noqa: E402

EXAMPLE = "examples/onboarding/onboarding.yaml"


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    return (result.stdout + result.stderr).rstrip("\n")


def _console(command: str, output: str) -> list[str]:
    return ["```console", f"$ {command}", output, "```"]


CUSTOM_RULES = """\
custom-rules:
  - id: CU001
    title: Only the platform pipeline passes roles
    level: error
    never-grant:
      actions: [iam:PassRole]
  - id: CU002
    title: Cross-account reads stay in the organization
    level: security-warning
    require-condition:
      actions: ["s3:GetObject", "s3:ListBucket"]
      keys: [aws:PrincipalOrgID, aws:PrincipalAccount]
  - id: CU003
    title: Buckets and roles trust our accounts only
    level: security-warning
    allowed-principals:
      accounts: ["111122223333"]
      services: [cloudtrail.amazonaws.com, ec2.amazonaws.com]
      organizations: [o-a1b2c3d4e5]
"""
CUSTOM_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
}
CUSTOM_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PartnerRead",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::shared-data/*",
        }
    ],
}


PLACEHOLDERS = """\
placeholders:
  PARTITION: partition
  ACCOUNT_ID: account
  ACCELERATOR_PREFIX: name
"""
PLACEHOLDER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AssumeAcceleratorRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:${PARTITION}:iam::${ACCOUNT_ID}:role/${ACCELERATOR_PREFIX}-*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": "logs:PutRetentionPolicy",
            "Resource": "arn:${PARTITION}:logs:::log-group:${ACCELERATOR_PREFIX}-*",
        },
    ],
}


def placeholders_md() -> list[str]:
    """The placeholders section: a landing-zone policy without and with the setting, as lint says it."""
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        Path(".git").mkdir()
        Path("roles.json").write_text(json.dumps(PLACEHOLDER_POLICY, indent=2) + "\n", encoding="utf-8")
        without = _run("lint", "roles.json")
        Path(".policy-lint.yaml").write_text(PLACEHOLDERS, encoding="utf-8")
        declared = _run("lint", "roles.json")
        Path(".policy-lint.yaml").write_text(PLACEHOLDERS.replace(": account", ": acount"), encoding="utf-8")
        misspelt = _run("lint", "roles.json")
        for prefix in {str(Path(tmp)) + os.sep, str(Path(tmp).resolve()) + os.sep}:
            misspelt = misspelt.replace(prefix, "")
    return [
        "## Template placeholders",
        "",
        "Not part of `onboarding.yaml` either: `placeholders:` in the project settings declares the",
        "repository's own `${NAME}` convention, for policy files a tool fills before IAM sees them (a",
        "landing-zone accelerator's `${PARTITION}`, `${ACCOUNT_ID}`, `${ACCELERATOR_PREFIX}`). Each name",
        "maps to the kind of value it stands for: `partition`, `service`, `region`, `account`, `name`",
        "(part of a resource name), `arn`, `action` or `value`. Terraform templates (`.tpl`, `.tftpl`)",
        'need no setting; the user guide\'s "Templates" section says how both are linted.',
        "",
        "Without the setting, each `${NAME}` is a placeholder nobody filled in (PL501), and the ARNs",
        "holding one are not judged:",
        "",
        *_console("policy-lint lint roles.json", without),
        "",
        "```yaml",
        "# .policy-lint.yaml",
        PLACEHOLDERS.rstrip("\n"),
        "```",
        "",
        "With it, they are holes: not reported, and each ARN is judged around them (here a log group",
        "ARN with no region, which names no log group):",
        "",
        *_console("policy-lint lint roles.json", declared),
        "",
        "A kind that is not one of those, or a name that is not a `${...}` name, is an error at its line:",
        "",
        *_console("policy-lint lint roles.json", misspelt),
        "",
    ]


def custom_rules_md() -> list[str]:
    """The custom-rules section: the settings, and what lint really says with them."""
    from policy_lint.rules.ruleset import use_settings_rules

    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        Path(".git").mkdir()
        Path(".policy-lint.yaml").write_text(CUSTOM_RULES, encoding="utf-8")
        Path("admin.json").write_text(json.dumps(CUSTOM_POLICY, indent=2) + "\n", encoding="utf-8")
        Path("bucket.json").write_text(json.dumps(CUSTOM_BUCKET_POLICY, indent=2) + "\n", encoding="utf-8")
        fired = _run("lint", "admin.json", "--select", "CU")
        bucket = _run("lint", "bucket.json", "--resource-type", "AWS::S3::Bucket", "--select", "CU")
        ignored = _run("lint", "admin.json", "--select", "CU", "--ignore", "CU001")
        Path(".policy-lint.yaml").write_text(
            CUSTOM_RULES.replace("[iam:PassRole]", "[iam:PasRole]"), encoding="utf-8"
        )
        misspelt = _run("lint", "admin.json")
        Path(".policy-lint.yaml").write_text(
            CUSTOM_RULES.replace("level: security-warning", "level: high", 1), encoding="utf-8"
        )
        unknown_level = _run("lint", "admin.json")
        use_settings_rules(())  # the rest of the docs list the built-in rules only
        here = {str(Path(tmp)) + os.sep, str(Path(tmp).resolve()) + os.sep}
        for prefix in here:  # the settings file is found by absolute path; show it as the user would
            misspelt = misspelt.replace(prefix, "")
            unknown_level = unknown_level.replace(prefix, "")
    return [
        "## Custom rules",
        "",
        "Not part of `onboarding.yaml`: custom rules live in the project settings (`.policy-lint.yaml`, or",
        "`[[tool.policy-lint.custom-rules]]` tables in `pyproject.toml`; see the user guide's",
        '"Settings, suppressions and baselines"). They let a team write its own policy rules without',
        "Python. Each rule has:",
        "",
        "- `id`: `CU` and three digits (`CU001`), the family reserved for rules users write. It works",
        "  everywhere a built-in ID does: `--select CU`, `--ignore CU001`, `ignore:` in the settings,",
        "  `# policy-lint: ignore[CU001] reason` in YAML and Terraform, `suppressions:` and baselines. A",
        "  CU ID the settings do not define is an error, like any unknown rule ID;",
        "- `title` and `level` (`suggestion`, `warning`, `security-warning`, `error`; `--fail-on` gates",
        "  on it as on any level);",
        "- optionally `policy-types`, to narrow the policy types it judges;",
        "- exactly one of the three kinds below.",
        "",
        "They run in `lint` (policy files), in `check` and `verify` (every policy document inside",
        "Terraform, CloudFormation or the account, reported at the attribute that holds it), and in",
        "`diff --base` (where a violation counts when the change brings it: the policy's version at the",
        "base did not break the rule). A finding shows the rule's ID, title and level in every output format; SARIF,",
        "JSON, HTML and Markdown also carry a help text generated from the definition. Unlike a built-in",
        "finding, a custom one in a statement copied verbatim from the guide's reference policy is not",
        "accepted as vendor risk (`accept-vendor-reference`): the rule says what your project forbids.",
        "",
        "| kind | fires when | judges by default |",
        "|---|---|---|",
        "| `never-grant: {actions, resources}` | the policy allows any of the actions on any of the resources (default `*`), by effective permissions: AWS's CheckAccessNotGranted | identity, resource |",
        "| `require-condition: {actions, keys}` | an Allow statement grants one of the actions without a condition on one of the keys | identity, resource, trust |",
        "| `allowed-principals: {accounts, services, organizations}` | an Allow statement names a principal that is not listed | resource, trust |",
        "",
        "What each kind means, precisely:",
        "",
        "- **never-grant** is answered by the same effective-permission evaluation as the rest of",
        "  policy-lint. A wildcard (`iam:*`, `iam:Pass*`, `*`) or a `NotAction` that leaves the action",
        "  in grants it; a statement whose Resource touches any of the rule's resources counts. A",
        '  conditional Allow still grants (the finding says "when its conditions hold"). A Deny takes',
        "  the grant away only when it is unconditional and covers the whole resource scope; a",
        "  conditional Deny does not, since the condition may not hold. Resource patterns are compared",
        "  as wildcards, so `*` in an ARN may stand for more than one ARN segment: the rule errs towards",
        "  firing, never towards a false pass. SCPs, RCPs and permissions boundaries grant nothing and",
        "  are not judged.",
        "- **require-condition**: every Allow statement whose Action (wildcards included) or NotAction",
        "  matches one of the actions must have a condition on one of the keys (compared",
        "  case-insensitively) with an operator that needs the key to be present: `...IfExists`, `Null`,",
        "  `ForAllValues:` and negated operators (`StringNotEquals`, `ArnNotLike` ...) do not count,",
        "  because they are true for a request without the key, and nor does a value that matches",
        '  everything (`StringLike "*"`). Otherwise the value is not judged (`aws:PrincipalOrgID` with any organization satisfies it);',
        "  use allowed-principals to pin the organization.",
        "- **allowed-principals**: each principal an Allow statement names must be a listed account",
        "  (the 12-digit ID, its root, or any ARN in that account), a listed service, or a federated",
        "  provider whose ARN is in a listed account (or, for a provider named by domain such as",
        "  `cognito-identity.amazonaws.com`, listed under `services`). `*` passes only with a condition",
        "  that narrows it to listed accounts (`aws:PrincipalAccount`, `aws:SourceAccount`) or listed",
        "  organizations (`aws:PrincipalOrgID`) with exact values: the settings cannot know which",
        "  accounts an organization holds, so an organization you trust is listed under",
        "  `organizations`. `NotPrincipal` in an Allow never passes. A principal the input leaves",
        "  unresolved (a Terraform reference) is not judged: uncertain never fails.",
        "",
        "An example with one rule of each kind (quote account IDs, so YAML keeps them as text):",
        "",
        "```yaml",
        "# .policy-lint.yaml",
        CUSTOM_RULES.rstrip("\n"),
        "```",
        "",
        "A policy granting `iam:*` grants `iam:PassRole` (exit code 1):",
        "",
        *_console("policy-lint lint admin.json --select CU", fired),
        "",
        "A bucket policy that lets another account read, with no organization condition:",
        "",
        *_console("policy-lint lint bucket.json --resource-type AWS::S3::Bucket --select CU", bucket),
        "",
        "Custom rules are selected and suppressed like built-in ones:",
        "",
        *_console("policy-lint lint admin.json --select CU --ignore CU001", ignored),
        "",
        "A definition that cannot work stops the run with exit code 2, located: an ID that is not",
        "`CU` and three digits or is defined twice, an unknown level or key, no kind or two kinds in one",
        "rule, an empty list, and an action pattern that matches no known action. The last is an error",
        "and not a warning: a `never-grant` on a misspelt action would never fire, a silent false pass.",
        "",
        *_console("policy-lint lint admin.json", misspelt),
        "",
        *_console("policy-lint lint admin.json", unknown_level),
        "",
    ]


def configuration_md() -> str:
    example = (REPO / EXAMPLE).read_text(encoding="utf-8")
    body = "\n".join(line for line in example.splitlines() if not line.startswith("#"))
    with _cwd(REPO):
        checked = _run("check", "--config", EXAMPLE, "--show-passed")
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        Path("onboarding.yaml").write_text(
            example.replace("console_region: outside_mainland", "console_region: mainland")
        )
        mainland = _run("check", "--config", "onboarding.yaml")
        Path("onboarding.yaml").write_text(
            example.replace("cloud_services: 1h", "cloud_services: 2x") + "colour: blue\n"
        )
        broken = _run("check", "--config", "onboarding.yaml")
        Path("onboarding.yaml").write_text(example)
        rendered = _run("render", "--config", "onboarding.yaml", "--out", "rendered")
        written = {
            name: Path("rendered", name).read_text(encoding="utf-8").rstrip("\n")
            for name in ("sqs-read-policy.json", "sqs-queue-policy.json")
        }
        diffed = _run(
            "diff",
            "ReadOnlyAccess",
            "rendered/sqs-read-policy.json",
            "rendered/agentless.json",
            "--config",
            "onboarding.yaml",
        )
        Path("china.yaml").write_text(
            example.replace("domain: international", "domain: china")
            .replace("ap-northeast-1", "cn-north-1")
            .replace("us-east-1", "cn-northwest-1")
        )
        china_check = _run("check", "--config", "china.yaml")
        _run("render", "--config", "china.yaml", "--out", "rendered-cn")
        china_arns = "\n".join(
            f"{n}:{line}"
            for n, line in enumerate(Path("rendered-cn/sqs-queue-policy.json").read_text().splitlines(), 1)
            if "arn:" in line
        )
        Path("onboarding.yaml").write_text(
            example.replace("  bucket: aws-cloudtrail-logs-123456789012-abcdef\n", "")
        )
        missing = _run("render", "--config", "onboarding.yaml", "--out", "rendered2")
    lines = [
        "# The onboarding configuration (`onboarding.yaml`)",
        "",
        "<!-- Generated by `python tools/gen_docs.py` (the command output below is real); do not edit by hand. -->",
        "",
        "`onboarding.yaml` records what you tell (or told) the Security Center console when you connect an",
        "AWS account: the plan, the features, the regions, the IAM user and the optional audit-log",
        "pipeline. policy-lint uses it to",
        "",
        "- check that the choices are possible at all (`policy-lint check --config onboarding.yaml`, rules OB001-OB008),",
        "- fill the guide's policy templates for you (`policy-lint render --config onboarding.yaml`),",
        "- pick the reference a diff compares against (`policy-lint diff ... --config onboarding.yaml`),",
        "- and, with Terraform, CloudFormation or a live account, cross-check the infrastructure against it.",
        "",
        "## Worked example",
        "",
        f"[`{EXAMPLE}`](../{EXAMPLE}) is the guide's manual plan with all three features and the",
        "audit-log pipeline:",
        "",
        "```yaml",
        body,
        "```",
        "",
        "Check it (`--show-passed` lists the passing checks too; exit code 0):",
        "",
        *_console(f"policy-lint check --config {EXAMPLE} --show-passed", checked),
        "",
        "Choose something the guide does not support, here `console_region: mainland` with Agentless,",
        "and the check fails at the key to change (exit code 1):",
        "",
        *_console("policy-lint check --config onboarding.yaml", mainland),
        "",
        "A mistake in the file itself stops everything with exit code 2, located:",
        "",
        *_console("policy-lint check --config onboarding.yaml", broken),
        "",
        "Render the policies the configuration needs (AWS managed policies such as ReadOnlyAccess are",
        "attached, not rendered); what is written is linted at once:",
        "",
        *_console("policy-lint render --config onboarding.yaml --out rendered", rendered),
        "",
        "What it wrote is ready to paste. The IAM user's queue policy, with the queue ARN built from",
        "`account_id`, `audit_log.region` and `audit_log.queue_name`:",
        "",
        "```console",
        "$ cat rendered/sqs-read-policy.json",
        written["sqs-read-policy.json"],
        "```",
        "",
        "and the queue's access policy, which lets S3 deliver the trail bucket's events:",
        "",
        "```console",
        "$ cat rendered/sqs-queue-policy.json",
        written["sqs-queue-policy.json"],
        "```",
        "",
        "Compare what you attach (here ReadOnlyAccess plus the two rendered identity policies) with what",
        "the configured features need; see [diff.md](diff.md) for the finding kinds. Nothing is missing; what",
        "remains is the guide's own Agentless weakness (GUIDE-TAG-BYPASS), in statements copied word for",
        "word, so it is listed as accepted and does not fail the run:",
        "",
        *_console(
            "policy-lint diff ReadOnlyAccess rendered/sqs-read-policy.json rendered/agentless.json "
            "--config onboarding.yaml",
            diffed,
        ),
        "",
        "A value the templates need but the file lacks stops the render before anything is written:",
        "",
        *_console("policy-lint render --config onboarding.yaml --out rendered2", missing),
        "",
        "With `domain: china` every ARN is written as `arn:aws-cn:` (the guide's template hard-codes",
        "`arn:aws:`, GUIDE-PARTITION). `china.yaml` is the example with `domain: china` and the regions",
        "`cn-north-1` (also the audit-log region) and `cn-northwest-1`:",
        "",
        *_console("policy-lint check --config china.yaml", china_check),
        "",
        "```console",
        "$ policy-lint render --config china.yaml --out rendered-cn && grep -n arn: rendered-cn/sqs-queue-policy.json",
        china_arns,
        "```",
        "",
        *custom_rules_md(),
        *placeholders_md(),
        "## Reference",
        "",
        config_markdown().split("\n", 3)[3].lstrip("\n"),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- docs/diff.md
#
# docs/diff.md is written by hand, except the command output: each
#     <!-- run: policy-lint diff ARGS [| grep -v RE] [| jq '.findings[] | select(.rule_id == "ID")'] -->
# marker is followed by a ```console block that this script (re)writes from a real run,
# in a scratch folder holding the examples and the variants below.

AGENTLESS = "examples/policies/agentless-en.json"


def _remove_delete_snapshot_condition(doc: Any) -> None:
    del doc["Statement"][1]["Condition"]


def _remove_describe_instances(doc: Any) -> None:
    doc["Statement"][2]["Action"].remove("ec2:DescribeInstances")


def _add_ec2_star(doc: Any) -> None:
    doc["Statement"][2]["Action"].append("ec2:*")


def _condition_on_region(doc: Any) -> None:
    doc["Statement"][2]["Condition"] = {"StringEquals": {"aws:RequestedRegion": "ap-northeast-1"}}


def _fix_create_tags(doc: Any) -> None:
    """GUIDE-TAG-BYPASS's fix: tags only at creation, by the calls that create the scan resources."""
    doc["Statement"][2]["Action"].remove("ec2:CreateTags")
    doc["Statement"].append(
        {
            "Sid": "TagOnlyOnCreate",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "ec2:CreateAction": [
                        "CopyImage",
                        "CopySnapshot",
                        "CreateImage",
                        "CreateInternetGateway",
                        "CreateSecurityGroup",
                        "CreateSnapshot",
                        "CreateSnapshots",
                        "CreateSubnet",
                        "CreateVpc",
                        "CreateVpcEndpoint",
                        "RunInstances",
                    ]
                }
            },
        }
    )


DIFF_VARIANTS: dict[str, Callable[[Any], None]] = {
    "agentless-no-condition.json": _remove_delete_snapshot_condition,
    "agentless-no-describe.json": _remove_describe_instances,
    "agentless-ec2-star.json": _add_ec2_star,
    "agentless-region-only.json": _condition_on_region,
    "agentless-fixed.json": _fix_create_tags,
}
DENY_DESCRIBE = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
    '    {"Sid": "NoEc2Reads", "Effect": "Deny", "Action": "ec2:Describe*", "Resource": "*"}\n  ]\n}\n'
)
#: A marker and the console block after it (body lines never start with ```; the block may be empty).
_MARKER = re.compile(r"<!-- run: (?P<command>.+?) -->\n```console\n(?:(?!```)[^\n]*\n)*```")
#: " | " outside single quotes (the jq filter has its own pipe).
_PIPE = re.compile(r" \| (?=(?:[^']*'[^']*')*[^']*$)")
_JQ_SELECT = re.compile(r"""jq '\.findings\[\] \| select\(\.rule_id == "(?P<rule>[A-Z0-9]+)"\)'""")


def _diff_workspace(root: Path) -> None:
    for rel in (
        AGENTLESS,
        "examples/policies/agentless-zh-broken.json",
        "examples/onboarding/onboarding.yaml",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, root / rel)
    base = json.loads((REPO / AGENTLESS).read_text(encoding="utf-8"))
    for name, change in DIFF_VARIANTS.items():
        doc = copy.deepcopy(base)
        change(doc)
        (root / name).write_text(json.dumps(doc, indent=4) + "\n", encoding="utf-8")
    (root / "deny-ec2-reads.json").write_text(DENY_DESCRIBE, encoding="utf-8")


def _shell(command: str) -> str:
    """Run ``policy-lint ... [| filter]...`` and render it as the console block's body."""
    stages = [stage.strip() for stage in _PIPE.split(command)]
    argv = shlex.split(stages[0])
    if argv[0] != "policy-lint":
        raise SystemExit(f"docs/diff.md: only policy-lint commands can be run: {command}")
    result = CliRunner().invoke(main, argv[1:])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise SystemExit(f"docs/diff.md: {command} crashed: {result.exception!r}")
    filtered = len(stages) > 1
    text = result.stdout if filtered else result.output  # output: stdout and stderr as a terminal shows them
    for stage in stages[1:]:
        jq = _JQ_SELECT.fullmatch(stage)
        if stage.startswith("grep -v "):
            pattern = re.compile(shlex.split(stage)[2])
            text = "".join(line for line in text.splitlines(keepends=True) if not pattern.search(line))
        elif jq:
            found = [f for f in json.loads(text)["findings"] if f["rule_id"] == jq["rule"]]
            text = "".join(json.dumps(f, indent=2, ensure_ascii=False) + "\n" for f in found)
        else:
            raise SystemExit(f"docs/diff.md: unsupported filter {stage!r}")
    if filtered and result.stderr.strip():
        text += result.stderr
    return "\n".join([f"$ {command}", text.rstrip("\n"), f"# exit code: {result.exit_code}"])


def diff_md(current: str) -> str:
    """docs/diff.md with every ``<!-- run: ... -->`` block re-run."""
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        _diff_workspace(Path(tmp))
        return _MARKER.sub(
            lambda m: f"<!-- run: {m['command']} -->\n```console\n{_shell(m['command'])}\n```", current
        )


def generated() -> dict[Path, str]:
    diff_path = REPO / "docs" / "diff.md"
    aa_path = REPO / "docs" / "access-analyzer.md"
    return {
        aa_path: access_analyzer_markdown(
            all_rules(), aa_path.read_text(encoding="utf-8") if aa_path.exists() else None
        ),
        REPO / "docs" / "rules.md": rules_markdown(),
        REPO / "docs" / "configuration.md": configuration_md(),
        REPO / "docs" / "cis.md": cis_markdown(),
        diff_path: diff_md(diff_path.read_text(encoding="utf-8")),
    }


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(REPO)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main_())
