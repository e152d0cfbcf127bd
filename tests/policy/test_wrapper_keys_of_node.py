"""``wrapper_keys_of_node`` reads the few keys it needs on the parsed nodes instead of converting the
whole tree to Python values (a speed-up: every linted file goes through it). Its answer must be the
one ``wrapper_keys`` gives on the converted tree, for crafted documents and the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.policy.loader import parse_tree
from policy_lint.policy.wrapped import wrapper_keys, wrapper_keys_of_node
from policy_lint.syntax.source import Source

TEXTS = [
    '{"PolicyDocument": {"Version": "2012-10-17", "Statement": []}}',
    '{"PolicyDocument": {"Version": "2008-10-17"}}',
    '{"PolicyDocument": {"Version": "2012-10-18"}}',  # no mark: not a policy
    '{"PolicyDocument": {"Version": 2012}}',
    '{"PolicyDocument": {"Version": ["2012-10-17"]}}',
    '{"PolicyDocument": {"Version": "2012-10-17", "Version": "x"}}',  # the last duplicate counts
    '{"PolicyDocument": {"Version": "x", "Version": "2012-10-17"}}',
    '{"PolicyDocument": {"Id": 1, "Statement": null}}',
    '{"PolicyDocument": null, "PolicyVersion": {"Document": {"Statement": 1}}}',
    '{"PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}',  # URL-encoded text: no mark
    '{"PolicyDocument": "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": []}"}',
    '{"PolicyDocument": "Statement"}',
    '{"PolicyDocument": 12}',
    '{"PolicyDocument": true}',
    '{"PolicyDocument": []}',
    '{"PolicyDocument": {}, "PolicyDocument": {"Statement": []}}',
    '{"PolicyDocument": {"Statement": []}, "PolicyDocument": {}}',
    '{"PolicyVersion": {"Document": {"Version": "2012-10-17"}, "VersionId": "v1"}}',
    '{"PolicyVersion": {"Document": "x"}}',
    '{"PolicyVersion": ["Document"]}',
    '{"PolicyVersion": "Document"}',
    '{"Version": "2012-10-17", "Statement": []}',
    '["PolicyDocument"]',
    '"PolicyDocument"',
    "PolicyDocument:\n  Version: '2012-10-17'\n  Statement: []\n",
    "PolicyDocument:\n  Version: 2012-10-17\n",  # YAML reads an unquoted date as a date, not a string
    "1: {Statement: []}\nPolicyDocument: {Statement: 2}\n",
]


def _same(source: Source) -> None:
    root, _ = parse_tree(source)
    if root is None:
        return
    assert wrapper_keys_of_node(root) == wrapper_keys(root.to_python()), source.path


@pytest.mark.parametrize("text", TEXTS)
def test_the_node_reading_agrees_with_the_plain_one(text: str) -> None:
    _same(Source("p.yaml" if text.startswith(("PolicyDocument:", "1:")) else "p.json", text))


def test_a_carried_policy_is_found_on_the_nodes() -> None:
    root, _ = parse_tree(Source("p.json", TEXTS[17]))
    assert root is not None
    assert wrapper_keys_of_node(root) == ("PolicyVersion", "Document")


def test_corpus_files_agree(corpus: Path) -> None:
    for folder in ("iam-managed", "iam-custom", "iam-invalid", "cloudformation", "terraform"):
        for path in sorted((corpus / folder).rglob("*"))[::5]:
            if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
                _same(Source(str(path), path.read_text(encoding="utf-8", errors="replace")))
