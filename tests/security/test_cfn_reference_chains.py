"""A long chain of CloudFormation references is followed, not a reason to drop the template.

Before, a 150-long ``!GetAtt`` chain hit Python's recursion limit and the whole template became
one IN002 warning: "0 checks", exit 0, while an unrelated resource in the same template opened
SSH to the world. The CLI runs in a subprocess with a generous deadline, so a regression fails
instead of hanging.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.sources.cloudformation import loader as cloudformation

DEADLINE = 120  # seconds; the template is judged in about one

OPEN_SSH = [
    "  OpenSsh:",
    "    Type: AWS::EC2::SecurityGroup",
    "    Properties:",
    "      GroupDescription: ssh from anywhere",
    "      SecurityGroupIngress:",
    "        - IpProtocol: tcp",
    "          FromPort: 22",
    "          ToPort: 22",
    "          CidrIp: 0.0.0.0/0",
]


def chain_template(length: int, link: str = "getatt") -> str:
    """Queues whose names each name the next queue's, ``length`` long, and an open SSH group."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(length):
        lines += [f"  Q{i}:", "    Type: AWS::SQS::Queue", "    Properties:"]
        if i == length - 1:
            lines.append("      QueueName: the-end")
        elif link == "getatt":
            lines.append(f"      QueueName: !GetAtt Q{i + 1}.QueueName")
        else:
            lines.append(f"      QueueName: !Sub '${{Q{i + 1}.QueueName}}'")
    return "\n".join(lines + OPEN_SSH) + "\n"


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", str(path), "--profile-set", "all", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


def test_a_150_long_getatt_chain_does_not_hide_the_open_ssh_group(tmp_path: Path) -> None:
    template = tmp_path / "chain.yaml"
    template.write_text(chain_template(150), encoding="utf-8")
    done = run_check(template)
    assert done.returncode == 1, done.stderr  # the fault is reported, so the run fails
    report = json.loads(done.stdout)
    failed = [r for r in report["results"] if r["status"] == "fail"]
    assert [r["rule_id"] for r in failed] == ["CS301"]
    assert report["summary"]["fail"] == 1 and sum(report["summary"].values()) > 1
    assert not any("nested too deeply" in p["message"] for p in report["problems"])
    assert report["scope"]["resources"]["queues"] == 150


def test_every_queue_of_a_long_chain_gets_the_name_at_its_end(tmp_path: Path) -> None:
    for link in ("getatt", "sub"):
        template = tmp_path / f"{link}.yaml"
        template.write_text(chain_template(400, link), encoding="utf-8")
        inventory = Inventory()
        cloudformation.load([template], inventory)
        names = {queue.origin.address: queue.name for queue in inventory.queues}
        assert len(names) == 400
        assert set(names.values()) == {"the-end"}, link
        assert [p.message for p in inventory.problems] == []


def test_a_long_cycle_of_references_is_unknown_and_the_rest_is_still_read(tmp_path: Path) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(150):  # Q0 -> Q1 -> ... -> Q149 -> Q0
        lines += [f"  Q{i}:", "    Type: AWS::SQS::Queue", "    Properties:"]
        lines.append(f"      QueueName: !GetAtt Q{(i + 1) % 150}.QueueName")
    template = tmp_path / "cycle.yaml"
    template.write_text("\n".join(lines + OPEN_SSH) + "\n", encoding="utf-8")
    inventory = Inventory()
    cloudformation.load([template], inventory)
    assert len(inventory.queues) == 150
    for queue in inventory.queues:
        reason = queue.name.reason if isinstance(queue.name, Unknown) else str(queue.name)
        assert "refers back to itself" in reason, queue.origin.address
    (group,) = inventory.security_groups
    assert group.origin.address == "OpenSsh"


def test_a_1000_long_chain_of_conditions_is_decided(tmp_path: Path) -> None:
    lines = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Parameters:",
        "  Env: {Type: String, Default: prod}",
        "Conditions:",
        "  C999: !Equals [!Ref Env, prod]",
    ]
    lines += [f"  C{i}: !Condition C{i + 1}" for i in range(999)]
    lines += ["Resources:", "  Q:", "    Type: AWS::SQS::Queue", "    Condition: C0", "    Properties:"]
    lines += ["      QueueName: kept"]
    template = tmp_path / "conditions.yaml"
    template.write_text("\n".join(lines + OPEN_SSH) + "\n", encoding="utf-8")
    inventory = Inventory()
    cloudformation.load([template], inventory)
    assert [q.name for q in inventory.queues] == ["kept"]
    assert [p.message for p in inventory.problems] == []


def test_a_mapping_that_looks_itself_up_is_unknown_not_endless(tmp_path: Path) -> None:
    # CloudFormation allows no intrinsics in Mappings; evaluating them let an entry look itself up forever
    template = tmp_path / "mapping.json"
    template.write_text(
        json.dumps(
            {
                "AWSTemplateFormatVersion": "2010-09-09",
                "Mappings": {
                    "Map": {"a": {"k": {"Fn::FindInMap": ["Map", {"Fn::FindInMap": ["Map", [], "k"]}, "k"]}}}
                },
                "Resources": {
                    "Q": {
                        "Type": "AWS::SQS::Queue",
                        "Properties": {"QueueName": {"Fn::FindInMap": ["Map", "a", "k"]}},
                    },
                    "OpenSsh": {
                        "Type": "AWS::EC2::SecurityGroup",
                        "Properties": {
                            "GroupDescription": "ssh",
                            "SecurityGroupIngress": [
                                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
                            ],
                        },
                    },
                },
            }
        ),
        encoding="utf-8",
    )
    done = run_check(template)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    messages = [p["message"] for p in report["problems"]]
    assert "Mappings values cannot hold intrinsic functions" in messages
    assert not any("nested too deeply" in m for m in messages)
    assert [r["rule_id"] for r in report["results"] if r["status"] == "fail"] == ["CS301"]
