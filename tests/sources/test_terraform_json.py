"""Terraform's JSON syntax (``*.tf.json``) through the same evaluator as HCL: the same verdicts,
at the lines of the JSON keys, and malformed files as located errors (exit 2, no traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.inventory.model import Inventory
from policy_lint.sources.terraform import hcl
from tests.sources.tf_json import to_terraform_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CONFIG = EXAMPLES / "onboarding" / "onboarding.yaml"
RULES = REPO / "tests" / "fixtures" / "terraform" / "rules"
RULE_CONFIG = RULES / "onboarding.yaml"


def check(target: Path, config: Path = CONFIG, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(
        main,
        ["check", str(target), "--config", str(config), "--format", "json", "--fail-on", "warning", *extra],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def json_twin(folder: Path, into: Path) -> Path:
    """A copy of a Terraform folder with each .tf file written in JSON syntax instead."""
    shutil.copytree(folder, into)
    for tf in sorted(into.glob("*.tf")):
        converted = to_terraform_json(tf.read_text(encoding="utf-8"))
        tf.with_suffix(".tf.json").write_text(json.dumps(converted, indent=2) + "\n", encoding="utf-8")
        tf.unlink()
    return into


def verdicts(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a user acts on, without file positions (the two syntaxes put things on other lines)."""
    results = [
        (r["rule_id"], r["status"], r["level"], r["resource"], r["message"]) for r in report["results"]
    ]
    problems = [(p["rule_id"], p["level"], p["message"]) for p in report.get("problems", [])]
    suppressed = [(s["rule_id"], s.get("reason")) for s in report["scope"].get("suppressed", [])]
    return sorted(results) + sorted(problems) + sorted(suppressed)


PARITY = [
    ("example", EXAMPLES / "terraform" / "onboarding", CONFIG),
    ("example-broken", EXAMPLES / "terraform" / "onboarding-broken", CONFIG),
    *(
        (rule, RULES / rule / "fail", RULE_CONFIG)
        for rule in sorted(p.name for p in RULES.iterdir() if (p / "fail").is_dir())
    ),
]


@pytest.mark.parametrize(("name", "folder", "config"), PARITY, ids=[p[0] for p in PARITY])
def test_json_syntax_gives_the_verdicts_of_hcl(tmp_path: Path, name: str, folder: Path, config: Path) -> None:
    """The example onboarding, its broken twin and every OB rule's failing fixture, in both syntaxes."""
    hcl_code, hcl_report, _ = check(folder, config)
    twin = json_twin(folder, tmp_path / folder.name)
    json_code, json_report, _ = check(twin, config)
    assert json_code == hcl_code
    assert verdicts(json_report) == verdicts(hcl_report)
    assert json_report["summary"] == hcl_report["summary"]
    for result in json_report["results"]:  # every located result points into the JSON file
        location = result["location"]
        if location and location["path"].startswith(str(twin)):
            assert location["path"].endswith(".tf.json")


def test_a_fifo_queue_in_json_syntax_fails_ob301_as_in_hcl(tmp_path: Path) -> None:
    fixture = RULES / "OB301" / "fail"
    twin = json_twin(fixture, tmp_path / "fifo")
    for target in (fixture, twin):
        code, report, _ = check(target, RULE_CONFIG, "--select", "OB301")
        (result,) = report["results"]
        assert code == 1 and result["status"] == "fail"
        assert "FIFO" in result["message"] or "fifo" in result["message"].lower()
    # and at the line of the queue's key in the JSON file
    text = (twin / "main.tf.json").read_text(encoding="utf-8").splitlines()
    line = result["location"]["line"]
    assert '"audit"' in text[line - 1] or '"fifo_queue"' in text[line - 1]


def test_the_committed_json_example_is_the_hcl_example_in_json() -> None:
    committed = json.loads(
        (EXAMPLES / "terraform" / "onboarding-json" / "main.tf.json").read_text(encoding="utf-8")
    )
    assert committed == to_terraform_json(
        (EXAMPLES / "terraform" / "onboarding" / "main.tf").read_text(encoding="utf-8")
    )


def load(tmp_path: Path, document: Any, name: str = "main.tf.json") -> Inventory:
    path = tmp_path / name
    path.write_text(
        document if isinstance(document, str) else json.dumps(document, indent=2), encoding="utf-8"
    )
    inventory = Inventory()
    hcl.load([path], inventory, roots=[tmp_path])
    return inventory


def test_resources_are_at_the_lines_of_their_keys(tmp_path: Path) -> None:
    text = """{
  "// comment": "ignored",
  "//": "a comment, ignored",
  "resource": {
    "aws_sqs_queue": {
      "events": {
        "name": "events.fifo",
        "fifo_queue": true
      }
    },
    "aws_iam_user": {
      "deployer": {"name": "${local.prefix}-deployer", "tags": {"team": "a"}}
    }
  },
  "locals": {"prefix": "ci"}
}
"""
    inventory = load(tmp_path, text.replace('  "// comment": "ignored",\n', ""))
    (queue,) = inventory.queues
    assert queue.name == "events.fifo" and queue.fifo is True
    assert (queue.origin.line, queue.origin.col) == (5, 7)  # the "events" key
    assert queue.origin.path.endswith("main.tf.json")
    (user,) = inventory.users
    assert user.name == "ci-deployer"  # "${...}" in a JSON string is a template
    assert user.origin.line == 11


def test_templates_escapes_and_literal_variable_defaults(tmp_path: Path) -> None:
    document = {
        "variable": {"raw": {"default": "${not.a.reference}"}},
        "resource": {
            "aws_iam_user": {
                "a": {"name": '$${kept}-"quoted"-\\back'},
                "b": {"name": "${var.raw}"},
                "c": {"name": '${upper("x}y")}'},
            }
        },
    }
    names = sorted(str(u.name) for u in load(tmp_path, document).users)
    assert names == ['${kept}-"quoted"-\\back', "${not.a.reference}", "X}Y"]


def test_repeated_nested_blocks_are_a_list_like_hcl(tmp_path: Path) -> None:
    document = {
        "resource": {
            "aws_security_group": {
                "web": {
                    "name": "web",
                    "ingress": [
                        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
                        {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]},
                    ],
                }
            }
        }
    }
    (group,) = load(tmp_path, document).security_groups
    assert isinstance(group.ingress, list)
    assert sorted((r.from_port, r.ipv4_ranges) for r in group.ingress) == [
        (22, ("0.0.0.0/0",)),
        (443, ("10.0.0.0/8",)),
    ]


BAD = [
    ('{"resource": {"aws_sqs_queue": {"q": {"name": "q",}}}}', "JSON syntax error", (1, 51)),
    ("[]", "one object of blocks, not list", (1, 1)),
    ('{\n  "resource": "aws_sqs_queue.q"\n}', '"resource" must be an object of names, not string', (2, 15)),
    (
        '{\n  "resource": {"aws_sqs_queue": {"q": 5}}\n}',
        "resource aws_sqs_queue q must be an object (or an array of objects), not number",
        (2, 39),
    ),
    ('{\n  "resourc": {}\n}', 'unknown top-level block type "resourc"', (2, 3)),
    (
        '{\n  "resource": {\n    "aws_sqs_queue": {\n      "q": {"name": "${aws_sqs_queue.}"}\n    }\n  }\n}',
        "expression syntax error",
        (4, 13),
    ),
]


@pytest.mark.parametrize(("text", "message", "where"), BAD)
def test_malformed_json_syntax_is_a_located_error_exit_2(
    tmp_path: Path, text: str, message: str, where: tuple[int, int]
) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--config", str(CONFIG)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown
    assert f"{path}:{where[0]}:{where[1]}:" in shown and message in shown, shown


POLICY_OBJECT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.mark.parametrize(
    ("json_value", "hcl_value", "says"),
    [
        (POLICY_OBJECT, '{ Version = "2012-10-17", Statement = [] }', "policy is an object, not a string"),
        (42, "42", "policy is a number, not a JSON policy document"),
        ([POLICY_OBJECT], "[]", "policy is a list, not a string"),
    ],
)
def test_a_policy_that_is_not_a_string_is_reported_at_its_key_in_both_syntaxes(
    tmp_path: Path, json_value: Any, hcl_value: str, says: str
) -> None:
    """Terraform refuses an object or a list for a string argument ("string required"), and a
    number converts to text that is no policy: never a policy dropped in silence (a check that
    passes), but a located PL001, the same from ``.tf.json`` as from ``.tf``."""
    as_json, as_hcl = tmp_path / "json", tmp_path / "hcl"
    as_json.mkdir()
    as_hcl.mkdir()
    document = {"resource": {"aws_iam_policy": {"p": {"name": "p", "policy": json_value}}}}
    (as_json / "main.tf.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (as_hcl / "main.tf").write_text(
        f'resource "aws_iam_policy" "p" {{\n  name   = "p"\n  policy = {hcl_value}\n}}\n', encoding="utf-8"
    )
    for folder, where in ((as_json, "main.tf.json:6:"), (as_hcl, "main.tf:3:")):
        result = CliRunner().invoke(main, ["check", str(folder)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 1, result.output
        line = next(line for line in result.stdout.splitlines() if "PL001" in line)
        assert where in line and "aws_iam_policy.p" in line and says in line, line
