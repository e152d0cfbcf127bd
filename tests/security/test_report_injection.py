"""A value cannot become markup in the auditor report (issue 16, item 5).

The attack: a Sid (or a resource name, a suppression reason) written as Markdown or HTML, e.g.
``![x](http://evil.example/x.png)``: rendered, the report would load a remote image (a beacon
telling the attacker who opened it) or show a link to anywhere. The Markdown report is rendered
here by two real renderers (tests/reporters/markdown_renderers.py: CommonMark with linkify, and
GitHub's cmark-gfm with its autolinks); the HTML report is read as a browser would parse it.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from policy_lint.reporters import rulemeta
from policy_lint.reporters.formats import format_output
from tests.reporters.markdown_renderers import RENDERERS, table_rows, text_of
from tests.security.inprocess import ONBOARDING, policy_lint

HOSTILE = [
    "![x](http://evil.example/x.png)",
    "[t](http://evil.example/t)",
    "[ref]: http://evil.example/r",
    "<img src=http://evil.example/i.png>",
    "<script>alert(1)</script>",
    "<http://evil.example/auto>",
    "http://evil.example/bare",
    "https://evil.example/s?q=1&r=2",
    "www.evil.example",
    "someone@evil.example",
    "mailto:x@evil.example",
    "xmpp:x@evil.example",
    "`code` *em* _em_ ~~gone~~ **bold**",
    "a | b | c",
    "&lt;b&gt; &amp; &#60;i&#62;",
    "back\\slash \\* \\|",
    "$x^2$ :smile: #1",
]
VALUE = " ".join(HOSTILE)
# Markup the templates write themselves; anything else in the rendered report came from a value.
OUR_TAGS = {
    "h1",
    "h2",
    "p",
    "strong",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "br",
    "code",
}


def tags(rendered: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", rendered)}


def links(rendered: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r"""<a\s[^>]*href\s*=\s*["']?([^"' >]+)""", rendered, re.I)]


def assert_inert(rendered: str) -> None:
    """No image, no link but to our rules reference, no markup that is not the template's."""
    assert "<img" not in rendered.lower() and "<script" not in rendered.lower()
    assert tags(rendered) <= OUR_TAGS, tags(rendered) - OUR_TAGS
    assert all(link.startswith(rulemeta.DOCS_URL + "#") for link in links(rendered)), links(rendered)


@pytest.fixture
def hostile_sid(tmp_path: Path) -> Path:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": VALUE, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    (tmp_path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_markdown_report_of_a_hostile_sid_renders_as_text(hostile_sid: Path, renderer: str) -> None:
    run = policy_lint("lint", ".", "--format", "markdown", cwd=hostile_sid)
    assert run.code == 1
    rendered = RENDERERS[renderer](run.stdout)
    assert_inert(rendered)
    # The reader still sees the Sid exactly (as the PL112 message quotes it), in one table cell.
    (row,) = [r for r in table_rows(rendered) if len(r) > 1 and r[1] == "PL112"]
    assert len(row) == 4 and row[0] == "./policy.json:1:49"  # the pipes in it split no cell
    assert f"Sid {VALUE!r} contains" in row[3]


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_markdown_report_of_a_hostile_resource_name_renders_as_text(tmp_path: Path, renderer: str) -> None:
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_user" "u" {{\n  name = {json.dumps(VALUE)}\n}}\n', encoding="utf-8"
    )
    # against an onboarding (OB rules judge only one), OB101 lists the user by its name
    run = policy_lint("check", ".", *ONBOARDING, "--format", "markdown", cwd=tmp_path)
    rendered = RENDERERS[renderer](run.stdout)
    assert_inert(rendered)
    assert VALUE in text_of(rendered)


def test_every_hostile_value_alone_stays_text() -> None:
    """Each attack on its own (a renderer may treat a value differently next to others), in every
    column a value can reach: resource, message, evidence, suppressed resource and reason."""
    from policy_lint.checks.engine import CheckResult
    from policy_lint.core.findings import Level, Location
    from policy_lint.rules.registry import Status

    for value in HOSTILE:
        result = CheckResult(
            "OB101",
            "iam-user-exists",
            "t",
            Status.FAIL,
            Level.ERROR,
            value,
            value,
            Location(value, 1, 1),
            {value: value},
        )
        suppressed = [{"rule_id": "OB101", "resource": value, "reason": value}]
        text = format_output(
            "markdown", results=[result], context={"scope": {value: value}, "suppressed": suppressed}
        )
        for renderer in RENDERERS.values():
            rendered = renderer(text)
            assert_inert(rendered)
            assert text_of(rendered).count(value) >= 5, (value, text_of(rendered))


def test_a_rule_id_from_input_cannot_leave_its_link() -> None:
    suppressed = [{"rule_id": "X](http://evil.example/x) [y", "resource": "r", "reason": "why"}]
    text = format_output("markdown", context={"suppressed": suppressed})
    for renderer in RENDERERS.values():
        assert_inert(renderer(text))


def test_html_report_escapes_a_hostile_sid(hostile_sid: Path) -> None:
    run = policy_lint("lint", ".", "--format", "html", cwd=hostile_sid)
    page = run.stdout
    assert "<img" not in page.lower() and "<script" not in page.lower()
    assert not re.search(r"<[^>]*\s(src|on\w+)\s*=", page, re.I)  # no attribute loads or runs anything
    assert all(link.startswith(rulemeta.DOCS_URL + "#") for link in links(page))
    assert f"Sid {VALUE!r} contains" in html.unescape(re.sub(r"<[^>]+>", "", page))


def test_html_report_escapes_suppression_reasons_and_scope() -> None:
    value = '"><img src=x onerror=alert(1)><a href="http://evil.example/">'
    page = format_output(
        "html",
        context={
            "scope": {value: value},
            "suppressed": [{"rule_id": value, "resource": value, "reason": value}],
        },
    )
    assert "<img" not in page and 'href="http://evil.example/' not in page
    assert all(link.startswith(rulemeta.DOCS_URL + "#") for link in links(page))
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4
