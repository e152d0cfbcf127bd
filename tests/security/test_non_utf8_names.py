"""File names that are not UTF-8 are reported in every format (issue 16, item 15).

On Linux a file name is bytes; Python holds the bytes that are not UTF-8 as surrogate escapes
(``b"\\xff"`` becomes ``"\\udcff"``), which no UTF-8 output can carry: SARIF failed with
UnicodeEncodeError and JSON, HTML and Markdown were invalid UTF-8. Now every format is valid
UTF-8; text, JSON, JUnit, HTML and Markdown show the name as ``\\xff``; SARIF artifact URIs
percent-encode the raw bytes, so they lead back to the very file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlparse

import jsonschema
import pytest

from tests.reporters.markdown_renderers import commonmark_html, text_of
from tests.reporters.test_sarif import SCHEMA
from tests.reporters.workflow_commands import parse_output
from tests.security.inprocess import FORMATS, Run, policy_lint

pytestmark = pytest.mark.skipif(
    sys.platform == "darwin" or os.name == "nt", reason="this file system accepts only Unicode names"
)

POLICY_NAME = b"policy-\xff\xfe.json"
TERRAFORM_NAME = b"main-\xff.tf"
# PL112 (error): the Sid must be letters and digits.
POLICY = b'{"Version": "2012-10-17", "Statement": [{"Sid": "a b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
# OB103 fails, located in main.tf: the onboarding user has no access key declared.
TERRAFORM = b"""
resource "aws_iam_user" "scanner" {
  name = "aliyun-security-center-user"
}
resource "aws_iam_user_policy_attachment" "ro" {
  user       = aws_iam_user.scanner.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = os.fsencode(tmp_path)
    for name, content in ((POLICY_NAME, POLICY), (TERRAFORM_NAME, TERRAFORM)):
        with open(os.path.join(root, name), "wb") as handle:
            handle.write(content)
    return tmp_path


def assert_shown_escaped(run: Run, fmt: str, escaped: str) -> None:
    """Valid UTF-8 (Run.stdout decodes strictly), and the name readable in its escaped form."""
    out = run.stdout
    if fmt == "text":
        assert escaped in out
    elif fmt == "json":
        payload = json.loads(out)
        paths = [f["location"]["path"] for f in payload.get("findings", [])]
        paths += [r["location"]["path"] for r in payload.get("results", []) if r["location"]]
        assert any(path.endswith(escaped) for path in paths), paths
    elif fmt == "junit":
        files = {case.get("file") for case in ET.fromstring(out.encode("utf-8")).iter("testcase")}
        assert any(escaped in (f or "") for f in files), files
    elif fmt == "markdown":
        assert escaped in text_of(commonmark_html(out))
    elif fmt == "html":
        assert escaped in out
    elif fmt == "github":
        files = {c.properties.get("file") for c in parse_output(out) if c is not None}
        assert any((f or "").endswith(escaped) for f in files), files
    elif fmt == "gitlab":
        paths = {issue["location"]["path"] for issue in json.loads(out)}
        assert any(path.endswith(escaped) for path in paths), paths
    elif fmt == "asff":
        ids = {f["ProductFields"].get("policy-lint/Location", "") for f in json.loads(out)}
        assert any(escaped in i for i in ids), ids
    elif fmt == "ocsf":
        found = {e["resources"][0].get("data", {}).get("location", "") for e in json.loads(out)}
        assert any(escaped in f for f in found), found
    elif fmt == "csv":
        paths = {row["path"] for row in csv.DictReader(io.StringIO(out))}
        assert any(path.endswith(escaped) for path in paths), paths
    else:
        raise AssertionError(f"no check for format {fmt}")


def sarif_uris(run: Run) -> list[str]:
    log = json.loads(run.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"]
        if "physicalLocation" in loc
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_lint_reports_a_non_utf8_file_name(folder: Path, fmt: str) -> None:
    for target in (".", os.fsdecode(POLICY_NAME)):  # found in a folder, or named
        run = policy_lint("lint", target, "--format", fmt, cwd=folder)
        if fmt == "asff":  # lint has no account: refused (tests/reporters/test_asff.py)
            assert run.code == 2 and "--format asff needs" in run.stderr  # strict UTF-8 decode
            continue
        assert run.code == 1
        if fmt == "sarif":
            (uri,) = sarif_uris(run)
            assert uri == "policy-%FF%FE.json" and unquote_to_bytes(uri) == POLICY_NAME
            assert (folder / os.fsdecode(unquote_to_bytes(uri))).is_file()
        else:
            assert_shown_escaped(run, fmt, "policy-\\xff\\xfe.json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_reports_a_non_utf8_file_name(folder: Path, fmt: str) -> None:
    account = ("--account-id", "123456789012", "--region", "eu-west-1") if fmt == "asff" else ()
    run = policy_lint("check", ".", *account, "--format", fmt, cwd=folder)
    assert run.code == 1
    if fmt == "sarif":
        (uri,) = sarif_uris(run)
        assert unquote_to_bytes(uri) == TERRAFORM_NAME
    else:
        assert_shown_escaped(run, fmt, "main-\\xff.tf")


def test_a_file_outside_the_working_directory_gets_an_absolute_uri_of_its_bytes(folder: Path) -> None:
    inner = folder / "sub"
    inner.mkdir()
    run = policy_lint("lint", os.path.join("..", os.fsdecode(POLICY_NAME)), "--format", "sarif", cwd=inner)
    (uri,) = sarif_uris(run)
    parsed = urlparse(uri)
    assert parsed.scheme == "file" and uri.isascii()
    assert unquote_to_bytes(parsed.path) == os.path.join(os.fsencode(folder.resolve()), POLICY_NAME)


def test_stderr_shows_a_non_utf8_name_escaped(tmp_path: Path) -> None:
    run = policy_lint("lint", os.fsdecode(b"missing-\xff.json"), cwd=tmp_path)
    assert run.code == 2 and "missing-\\xff.json: no such file" in run.stderr
