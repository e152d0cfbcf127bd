"""``policy-lint lint --hook``: a file name is never read as an option, the user's args still are.

pre-commit runs ``policy-lint lint --hook <args> <file names>`` from the repository root, so
these tests run from a folder holding the files, with the command line pre-commit would build.
tests/integrations/test_pre_commit.py runs the same attacks through the real pre-commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_lint.cli import main
from policy_lint.commands.hook_args import OptionGrammar, split_hook_args

ADMIN_TYPO = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}]}\n'
#: A clean policy apart from one finding that names the file it is in: PL203, an unknown action.
WEIRD = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObjectt", "Resource": "*"}]}\n'
WARN_ONLY = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n'


def hook(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["lint", "--hook", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real-policy.json").write_text(ADMIN_TYPO)
    return tmp_path


@pytest.mark.parametrize(
    "name",
    [
        "--ignore=PL,x-policy.json",
        "--select=SP",
        "--fail-on=suggestion",
        "--format=json",
        "--write-baseline=b.json",
        "--help",
        "-h",
        "-j1",
        "--no-color",
        "--hook",
    ],
)
def test_a_file_named_like_an_option_is_linted_as_a_file_and_fails_the_run(repo: Path, name: str) -> None:
    (repo / name).write_text(WEIRD)
    code, out, err = hook(name, "real-policy.json")  # pre-commit sorts: dash names come first
    assert code == 2, (out, err)
    assert "real-policy.json:1:71: PL203 error unknown action 's3:GetObjectt'" in out, out
    assert f"{name}:1:71: PL203 error unknown action 's3:PutObjectt'" in out, "the file must be linted"
    assert f"{name}: this file name reads as a policy-lint option" in err
    assert "Rename the file" in err
    assert "Usage:" not in out + err, "a file named --help must not print the help"
    assert not (repo / "b.json").exists(), "a file name must not write a baseline"


@pytest.mark.parametrize("name", ["-", "--version", "--"])
def test_a_dash_file_is_a_file_not_stdin_or_version(repo: Path, name: str) -> None:
    (repo / name).write_text(WEIRD)
    result = CliRunner().invoke(main, ["lint", "--hook", name, "real-policy.json"], input=ADMIN_TYPO)
    assert result.exit_code == 1, result.output
    assert f"{name}:1:71: PL203" in result.stdout, "the file, not stdin or the version, is linted"
    assert "Found 2 findings (2 error) in 2 files." in result.stdout


def test_without_hook_mode_the_same_name_is_read_as_an_option(repo: Path) -> None:
    """The attack itself: without --hook, a file named --ignore=PL hides the PL203 finding.

    (``--ignore=PL,x-policy.json`` is now refused as an unknown rule prefix, exit 2; a name made
    only of known prefixes still reads as an option, which is why the hook needs --hook.)"""
    (repo / "--ignore=PL").write_text(WEIRD)
    result = CliRunner().invoke(main, ["lint", "--ignore=PL", "real-policy.json"])
    assert (result.exit_code, result.stdout) == (0, "No findings in 1 file.\n")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 0),  # a warning is below the default threshold
        (["--fail-on", "warning"], 1),
        (["--fail-on=warning"], 1),
        (["--fail-on", "warning", "--ignore", "PL101"], 0),
        (["--select=PL1", "--fail-on", "warning"], 1),
        (["-j", "1", "--fail-on", "warning"], 1),
        (["-j1", "--fail-on", "warning"], 1),
    ],
)
def test_users_args_are_still_options(repo: Path, args: list[str], code: int) -> None:
    (repo / "warn-policy.json").write_text(WARN_ONLY)
    got, out, err = hook(*args, "warn-policy.json")
    assert got == code, (out, err)
    assert "Found 1 finding (1 warning) in 1 file." in out or "No findings in 1 file." in out


def test_an_option_value_that_is_also_a_file_name_stays_the_value(repo: Path) -> None:
    """`args: [--fail-on, warning]` in a repository that has a file named `warning`."""
    (repo / "warning").write_text("not a policy")
    (repo / "warn-policy.json").write_text(WARN_ONLY)
    code, out, err = hook("--fail-on", "warning", "warn-policy.json")
    assert code == 1, (out, err)
    assert "in 1 file." in out, "the value 'warning' must not be linted as a file"


def test_a_settings_path_in_args_is_the_settings_not_a_file_to_lint(repo: Path) -> None:
    """`args: [--settings, ci/policy-lint.yaml]`: the value exists, and is still the value."""
    (repo / "ci").mkdir()
    (repo / "ci" / "policy-lint.yaml").write_text("fail-on: warning\n")
    (repo / "warn-policy.json").write_text(WARN_ONLY)
    code, out, err = hook("--settings", "ci/policy-lint.yaml", "warn-policy.json")
    assert code == 1, (out, err)  # the settings' fail-on: warning applied
    assert "Found 1 finding (1 warning) in 1 file." in out


def test_format_arg_applies_and_dash_names_are_still_files(repo: Path) -> None:
    (repo / "--format=text").write_text(WEIRD)
    code, out, err = hook("--format", "json", "--format=text", "real-policy.json")
    assert code == 2, err
    report = json.loads(out)  # the user's --format json, not the file's --format=text
    paths = sorted(f["location"]["path"] for f in report["findings"])
    assert paths == ["--format=text", "real-policy.json"]


def test_a_users_arg_shadowed_by_a_file_of_the_same_name_fails_instead_of_being_dropped(
    repo: Path,
) -> None:
    """A committed file named like the user's `args:` entry must not silently lower the bar."""
    (repo / "--fail-on=warning").write_text(WARN_ONLY.replace("arn:aws:s3:::b/*", "*"))
    (repo / "warn-policy.json").write_text(WARN_ONLY)
    code, _, err = hook("--fail-on=warning", "warn-policy.json")
    assert code == 2
    assert "--fail-on=warning: this file name reads as a policy-lint option" in err


def test_a_users_double_dash_ends_the_options(repo: Path) -> None:
    (repo / "--ignore=PL").write_text(WEIRD)
    code, out, err = hook("--", "--ignore=PL", "real-policy.json")
    assert code == 1, err  # nothing ambiguous after the user's own --
    assert "--ignore=PL:1:71: PL203" in out
    assert "real-policy.json:1:71: PL203" in out


def test_an_unknown_option_in_args_is_a_usage_error(repo: Path) -> None:
    code, _, err = hook("--fail-onn", "warning", "real-policy.json")
    assert code == 2
    assert "No such option '--fail-onn'" in err


def test_hook_flag_anywhere_but_first_is_a_usage_error(repo: Path) -> None:
    """Else `lint a.json --hook` would look protected and parse file names as options."""
    result = CliRunner().invoke(main, ["lint", "real-policy.json", "--hook"])
    assert result.exit_code == 2
    assert "--hook must come right after 'lint'" in result.stderr


def test_a_missing_name_is_reported_not_read_as_an_option(repo: Path) -> None:
    code, _, err = hook("gone.json", "real-policy.json")
    assert code == 2
    assert "gone.json: no such file" in err


def test_grammar_comes_from_the_lint_command() -> None:
    """A new option of lint is covered without a second list (value-taking vs flag)."""
    import click

    with click.Context(main) as ctx:
        lint = main.get_command(ctx, "lint")
        assert lint is not None
        grammar = OptionGrammar.of(lint, ctx)
    assert grammar.takes_value["--fail-on"] and grammar.takes_value["-j"]
    assert not grammar.takes_value["--no-color"] and not grammar.takes_value["-h"]
    split = split_hook_args(["--fail-on", "error", "-j", "2", "--timestamp", "x.json"], grammar)
    assert split.command_line() == ["--fail-on", "error", "-j", "2", "--timestamp", "--", "x.json"]
