"""``check --format json`` says how many resources of each kind the inputs produced.

The counts are what a user reads to see whether a folder was understood (0 trails for a repo that
declares one means the source missed it); the expected numbers are counted by hand in the examples.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _scope(*paths: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["check", *map(str, paths), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    scope: dict[str, object] = json.loads(result.output)["scope"]
    return scope


def test_terraform_example_counts_each_declared_resource() -> None:
    # main.tf: one aws_iam_user, one aws_iam_policy (the attachments of AWS managed policies and the
    # user's inline policy are folded into the user), one trail, one bucket, one queue.
    scope = _scope(EXAMPLES / "terraform" / "onboarding")
    assert scope["resources"] == {
        "accounts": 0,
        "users": 1,
        "groups": 0,
        "policies": 1,
        "trails": 1,
        "buckets": 1,
        "queues": 1,
        "security_groups": 0,
    }


def test_counts_add_up_over_several_inputs() -> None:
    # the Terraform folder and the CloudFormation template each declare one trail, bucket and queue
    scope = _scope(EXAMPLES / "terraform" / "onboarding", EXAMPLES / "cloudformation" / "onboarding.yaml")
    resources = scope["resources"]
    assert isinstance(resources, dict)
    assert (resources["trails"], resources["buckets"], resources["queues"], resources["users"]) == (
        2,
        2,
        2,
        2,
    )
