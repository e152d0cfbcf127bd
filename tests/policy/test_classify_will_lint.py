"""``classify(..., will_lint=True)`` parses a ``.json`` file that opens like a policy with the
position-keeping parser straight away and hands the tree on (a speed-up: lint no longer reads such a
file with ``json.loads`` first and parses it again). The decision must be the one ``classify`` makes
without it, and the tree the one ``parse_tree`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.policy.classify import classify
from policy_lint.policy.loader import parse_tree
from policy_lint.syntax.source import Source

TEXTS = [
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    '  {\n "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}',
    '{"Id": "x", "Statement": []}',
    '{"Version": "2012-10-17"}',
    '{"Version": 2012, "Statement": 1}',
    '{"Version": "2012-10-17", "Version": "nope"}',  # duplicate key: the last one counts, for both readers
    '{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": NaN}]}',
    '{"Version": "2012-10-17", "Statement": [}',  # broken
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}',  # trailing comma
    '{"Version": "2012-10-17", "Statement": [' * 600 + "]" * 600 + "}",  # past the parser's depth cap
    '{"Id": "template", "Resources": {"R": {"Type": "AWS::IAM::Role"}}, "Statement": 1}',
    '{"Id": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}',  # a policy carried inside
    '{"Version": "1", "PolicyVersion": {"Document": {"Statement": []}}}',
    '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"P": {"Properties": {"Statement": []}}}}',
    '{"name": "pkg", "dependencies": {}, "description": "Statement"}',
    '[{"Effect": "Allow", "Action": "s3:*"}]',
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": 1e999999}]}',
    "",
]


def _same_decision(source: Source) -> None:
    fast, plain = classify(source, will_lint=True), classify(source)
    assert fast.is_policy == plain.is_policy, source.path
    assert fast.wrapped == plain.wrapped, source.path
    if fast.parsed is not None:
        root, problem = fast.parsed
        again, again_problem = parse_tree(source)
        assert (root is None) == (again is None)
        if root is not None and again is not None:
            assert root.to_python() == again.to_python()
        assert problem == again_problem


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("name", ["p.json", "policies/p.json", "template.json", "p.yaml"])
def test_the_decision_is_the_same(text: str, name: str) -> None:
    _same_decision(Source(name, text))


def test_a_json_policy_is_parsed_once() -> None:
    source = Source("p.json", TEXTS[0])
    assert classify(source, will_lint=True).parsed is not None
    assert classify(source).parsed is None  # the plain path reads it with json.loads only


def test_corpus_files_get_the_same_decision(corpus: Path) -> None:
    for folder in ("iam-managed", "iam-custom", "iam-invalid"):
        for path in sorted((corpus / folder).rglob("*.json"))[::7]:
            _same_decision(Source(str(path), path.read_text(encoding="utf-8", errors="replace")))
