"""Which member of a statement object the model reads: what IAM reads. Duplicate keys keep the last
value (as JSON parsers and IAM do; PL0 reports the duplicate), and a statement that holds both
Action and NotAction (an error PL1 reports) is read by its Action, likewise Resource and Principal."""

from __future__ import annotations

from policy_lint.policy.loader import parse_tree
from policy_lint.policy.model import Statement, build_document
from policy_lint.syntax.source import Source


def _statement(body: str) -> Statement:
    source = Source("p.json", '{"Version": "2012-10-17", "Statement": [' + body + "]}")
    root, problem = parse_tree(source)
    assert root is not None, problem
    (stmt,) = build_document(source, root, None).statements
    return stmt


def test_the_last_of_duplicate_keys_is_read() -> None:
    stmt = _statement(
        '{"Sid": "First", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",'
        ' "Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole"], "Sid": "Second"}'
    )
    assert stmt.effect_value == "Allow" and stmt.is_allow
    assert [str(a.value) for a in stmt.actions] == ["iam:PassRole", "iam:GetRole"]
    assert stmt.sid is not None and stmt.sid.value == "Second"


def test_action_resource_and_principal_win_over_their_not_forms() -> None:
    stmt = _statement(
        '{"Effect": "Allow", "NotAction": "ec2:*", "Action": "s3:*", "NotResource": "arn:aws:s3:::x",'
        ' "Resource": "*", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Principal": "*"}'
    )
    assert not stmt.uses_not_action and [str(a.value) for a in stmt.actions] == ["s3:*"]
    assert not stmt.uses_not_resource and [str(r.value) for r in stmt.resources] == ["*"]
    assert stmt.principal_key is not None and stmt.principal_key.value == "Principal"


def test_only_string_members_of_a_list_are_actions_and_a_condition_is_read() -> None:
    stmt = _statement(
        '{"Effect": "Allow", "Action": ["s3:GetObject", 12, null, ["x"]], "Resource": "*",'
        ' "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}}}'
    )
    assert [str(a.value) for a in stmt.actions] == ["s3:GetObject"]  # 12 is a number, not the text "12"
    (entry,) = stmt.conditions
    assert entry.key.value == "aws:PrincipalTag/team" and [v.value for v in entry.values] == ["a", "b"]
