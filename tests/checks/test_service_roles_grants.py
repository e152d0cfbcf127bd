"""``grants``: whether a statement's Action / NotAction covers an action, undecided for templates."""

from __future__ import annotations

import json

import pytest

from policy_lint.checks.policy.service_roles import grants
from policy_lint.policy.loader import parse_tree
from policy_lint.policy.model import Statement, build_document
from policy_lint.syntax.source import Source


def _statement(**members: object) -> Statement:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", **members}]}
    )
    source = Source("p.json", text)
    root, _ = parse_tree(source)
    assert root is not None
    return build_document(source, root).statements[0]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"Action": ["ec2:RunInstances", "s3:GetObject"]}, False),  # names another service only
        ({"Action": ["ec2:RunInstances", "iam:PassRole"]}, True),
        ({"Action": ["ec2:RunInstances", "iam:Pass*"]}, True),
        ({"Action": ["ec2:RunInstances", "iam:Get*"]}, False),
        ({"Action": "*"}, True),
        ({"Action": ["ec2:${verb}"]}, False),  # whatever fills it, an EC2 action is not IAM's
        ({"Action": ["${service}:PassRole"]}, None),  # a template in the service prefix
        ({"Action": ["iam:${verb}"]}, None),
        ({"NotAction": ["ec2:RunInstances"]}, True),  # NotAction of another service grants it
        ({"NotAction": ["iam:PassRole"]}, False),
        ({"NotAction": ["ec2:${verb}"]}, None),
    ],
)
def test_grants_reads_the_action_list(members: dict[str, object], expected: bool | None) -> None:
    assert grants(_statement(**members), "iam:passrole") is expected
