"""The document-level pre-checks of PL501 and PL801 never skip a document their rule reports on.

``may_hold_placeholders`` and ``may_hold_malformed_variables`` read the file's text to spare the
per-string search; they may say "maybe" wrongly (that only costs the search) but never "no" for a
document whose strings hold a placeholder or a malformed policy variable.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_lint.lint.engine import lint_text
from policy_lint.policy.loader import parse_tree
from policy_lint.policy.placeholders import find_placeholders, may_hold_placeholders
from policy_lint.policy.variables import may_hold_malformed_variables, variable_problems
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source

FRAGMENTS = [
    "s3:GetObject",
    "arn:aws:s3:::bucket/",
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "${aws: username}",
    "${aws:username, nobody}",
    "${aws:username, 'nobody'}",
    "${aws:user name}",
    "${aws:user#name}",
    "${}",
    "${*}",
    "${Account ID}",
    "${AWS::Region}",
    "${var.bucket}",
    "${aws:username",
    "}",
    "${",
    "<ACCOUNT_ID>",
    "{{ bucket }}",
    "%(name)s",
    "#{name}",
    "%{ if x }",
    "\u0024{Account ID}",
    "'",
    '"',
    "\n",
    " ",
    ":",
]


def _strings(node: Node) -> list[str]:
    if isinstance(node, ScalarNode):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ArrayNode):
        return [text for item in node.items for text in _strings(item)]
    assert isinstance(node, ObjectNode)
    return [text for key, value in node.pairs for text in (*_strings(key), *_strings(value))]


def _holds_placeholder(path: str, text: str) -> bool | None:
    root, _ = parse_tree(Source(path, text))
    if root is None:
        return None
    return any(find_placeholders(value) for value in _strings(root))


def _holds_malformed_variable(path: str, text: str) -> bool | None:
    root, _ = parse_tree(Source(path, text))
    if root is None:
        return None
    return any(variable_problems(value) for value in _strings(root))


values = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(values, min_size=1, max_size=4), st.booleans())
def test_a_json_document_with_a_placeholder_is_never_skipped(resources: list[str], ascii_only: bool) -> None:
    text = json.dumps({"Statement": [{"Effect": "Allow", "Resource": resources}]}, ensure_ascii=ascii_only)
    if _holds_placeholder("p.json", text):
        assert may_hold_placeholders(text)
    if _holds_malformed_variable("p.json", text):
        assert may_hold_malformed_variables(text)


def _yaml_scalar(value: str, style: int) -> str:
    if style == 0:
        return json.dumps(value)  # double-quoted: JSON's escapes are YAML's
    if style == 1:
        return "'" + value.replace("'", "''") + "'"
    return value  # plain: may not parse, or may fold; either way the parser decides


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(values, st.integers(0, 2)), min_size=1, max_size=4))
def test_a_yaml_document_with_a_placeholder_is_never_skipped(resources: list[tuple[str, int]]) -> None:
    lines = ["Statement:", "  - Effect: Allow", "    Resource:"]
    lines += [f"      - {_yaml_scalar(value, style)}" for value, style in resources]
    text = "\n".join(lines) + "\n"
    if _holds_placeholder("p.yaml", text):
        assert may_hold_placeholders(text)
    if _holds_malformed_variable("p.yaml", text):
        assert may_hold_malformed_variables(text)


def test_a_document_of_policy_variables_only_is_skipped_and_a_placeholder_is_not() -> None:
    variables = '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}'
    assert not may_hold_placeholders(variables)
    for hidden in ("${Account ID}", "\\u0024{Account ID}", "<ACCOUNT_ID>"):
        text = variables.replace("${aws:username}", f"${{aws:username}}/{hidden}")
        assert may_hold_placeholders(text)
        assert any(f.rule_id == "PL501" for f in lint_text(text, "p.json"))


def test_a_yaml_variable_left_open_does_not_hide_the_placeholder_after_it() -> None:
    # the file's first ${ runs on to the next line's }: its text looks like a policy variable, but
    # the second line's value is a placeholder of its own
    text = "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource:\n      - a${aws:username\n      - ${Account ID}\n"
    assert may_hold_placeholders(text)
    assert any(f.rule_id == "PL501" for f in lint_text(text, "p.yaml"))


def test_every_mark_a_placeholder_starts_with_sends_the_document_to_the_search() -> None:
    # the pre-check spells the marks out (one-character searches first): a mark added to MARKS
    # without it would let documents with that placeholder pass unread
    from policy_lint.policy.placeholders import MARKS

    for mark in MARKS:
        text = json.dumps({"Statement": [{"Effect": "Allow", "Resource": f"arn:aws:s3:::b/{mark}x"}]})
        assert may_hold_placeholders(text), mark


def test_a_document_of_well_formed_variables_is_skipped_and_a_malformed_one_is_not() -> None:
    fine = '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}'
    assert not may_hold_malformed_variables(fine)
    for broken in ("${aws:username", "${aws: username}", "${aws:username, nobody}", "\\u0024{aws: x}"):
        text = fine.replace("${aws:username}", broken)
        assert may_hold_malformed_variables(text), broken
        assert any(f.rule_id == "PL801" for f in lint_text(text, "p.json")), broken


def test_a_yaml_variable_left_open_is_found_though_a_later_brace_closes_the_file_text() -> None:
    text = "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource:\n      - a${aws:username\n      - b}\n"
    assert may_hold_malformed_variables(text)
    assert any(f.rule_id == "PL801" for f in lint_text(text, "p.yaml"))


def test_a_yaml_scalar_ended_by_a_comment_or_a_key_does_not_hide_what_follows() -> None:
    # found in review: a YAML plain scalar also ends at " #", at ": " and at the line breaks YAML
    # reads besides \n (\x85, \u2028), so a ${...} of the file taking in whitespace may span strings
    head = "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n"
    open_before_comment = head + "    Resource: arn:aws:s3:::b/${Account ID   # e.g. }\n"
    assert may_hold_malformed_variables(open_before_comment)
    assert any(f.rule_id == "PL801" for f in lint_text(open_before_comment, "p.yaml"))
    key_and_value = (
        head + "    Resource: '*'\n    Condition:\n      StringEquals:\n"
        "        aws:ResourceTag/${aws:PrincipalTag/team: ${Team Name}\n"
    )
    assert may_hold_placeholders(key_and_value)
    assert any(f.rule_id == "PL501" for f in lint_text(key_and_value, "p.yaml"))
    for line_break in ("\x85", "\u2028"):
        split = (
            head
            + f"    Resource:\n      - arn:aws:s3:::b/${{aws:username{line_break}      - arn:aws:s3:::${{Bucket Name}}/*\n"
        )
        assert may_hold_placeholders(split), repr(line_break)
