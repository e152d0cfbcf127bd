"""The statement and document values the rules ask for ~100,000 times per corpus run are computed once per
object (a lock-free stand-in for ``functools.cached_property``, a speed-up). The cached answer must be the one
computing it afresh gives, and the second read must not compute again."""

from __future__ import annotations

import json

from policy_lint.policy.loader import parse_tree
from policy_lint.policy.model import PolicyDocument, Statement, build_document
from policy_lint.syntax.source import Source

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "iam:Pass*"], "Resource": "*"},
    {"Effect": "Deny", "NotAction": "ec2:*", "NotResource": ["arn:aws:s3:::b/${aws:username}"]},
    {"Effect": 3, "Action": "*:*", "Resource": "*"}
  ]
}"""


def _document() -> PolicyDocument:
    source = Source("p.json", POLICY)
    root, problem = parse_tree(source)
    assert root is not None, problem
    return build_document(source, root, None)


def _cached_names(cls: type) -> list[str]:
    return [name for name, value in vars(cls).items() if hasattr(value, "func") and hasattr(value, "name")]


def test_cached_values_equal_a_fresh_computation() -> None:
    doc = _document()
    names = _cached_names(Statement)
    assert {"effect_value", "is_allow", "uses_not_action", "uses_not_resource", "named_services"} <= set(
        names
    )
    for stmt in doc.statements:
        for name in names:
            fresh = vars(Statement)[name].func(stmt)
            assert getattr(stmt, name) == fresh, (stmt.index, name)
            assert vars(stmt)[name] == fresh  # kept on the statement: the next read does not compute
    assert doc.strings == vars(PolicyDocument)["strings"].func(doc)
    assert [s.is_allow for s in doc.statements] == [True, False, False]
    assert [s.uses_not_action for s in doc.statements] == [False, True, False]


def test_the_second_read_does_not_compute_again() -> None:
    doc = _document()
    stmt = doc.statements[0]
    calls: list[str] = []
    descriptor = vars(Statement)["effect_value"]
    original = descriptor.func
    descriptor.func = lambda s: calls.append("x") or original(s)
    try:
        assert stmt.effect_value == "Allow"
        assert stmt.effect_value == "Allow"
    finally:
        descriptor.func = original
    assert calls == ["x"]


def test_named_services_reads_each_statement_whatever_was_asked_before() -> None:
    # the prefixes are remembered by action text across statements and documents: a text seen in an
    # earlier statement must give the same answer in a later one, and a wildcard one still None
    def services(*actions: object) -> frozenset[str] | None:
        text = json.dumps({"Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})
        source = Source("p.json", text)
        root, _ = parse_tree(source)
        assert root is not None
        return build_document(source, root, None).statements[0].named_services

    for _ in range(2):
        assert services("S3:GetObject", "iam:Pass*") == frozenset({"s3", "iam"})
        assert services("s3:GetObject", "*") is None
        assert services("s3:GetObject", "s*:Get") is None
        assert services("s3:GetObject", "no-colon") is None
        assert services(":GetObject", "EC2:Run?nstances") == frozenset({"", "ec2"})
        assert services("s3:GetObject", 5) == frozenset({"s3"})  # a number is not an action (PL114 says so)
