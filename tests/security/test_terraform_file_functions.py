"""Terraform's file functions read only inside the folders being checked, and never print a file.

The attack: a pull request adds ``name = file("/proc/self/environ")`` to an ``aws_iam_user`` and
``check`` printed the CI runner's whole environment (its AWS keys, its tokens) in every format.
Each test below reproduces one way of reaching a file the checked folders do not hold, and
asserts what the user sees: the value is unknown, an IN002 names the path as written (never
what the file holds), and the secret appears in no report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.sources.terraform import hcl as terraform_hcl
from policy_lint.sources.terraform.budget import Budget, Limits

DEADLINE = 60  # seconds; a refused read answers at once, a regression must fail, not hang
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def check(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
        env={**os.environ, **(env or {})},
    )


def load_value(tmp_path: Path, expression: str) -> tuple[object, Inventory]:
    """Load ``infra/`` whose only resource is a policy whose document is ``expression``.

    A policy document is what a ``file()`` usually feeds, and an unresolved document is an
    Unknown with its reason (a name would keep its symbol for linking instead).
    """
    infra = tmp_path / "infra"
    infra.mkdir(parents=True, exist_ok=True)
    (infra / "main.tf").write_text(
        f'resource "aws_iam_policy" "p" {{\n  name = "p"\n  policy = {expression}\n}}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([infra / "main.tf"], inventory, roots=[infra])
    (policy,) = inventory.policies
    return policy.document, inventory


def load_queue_fifo(tmp_path: Path, expression: str) -> tuple[object, Inventory]:
    """``fifo_queue`` of ``infra/``'s only queue: a literal flag, so unresolved is an Unknown with its reason."""
    infra = tmp_path / "infra"
    infra.mkdir(parents=True, exist_ok=True)
    (infra / "main.tf").write_text(
        f'resource "aws_sqs_queue" "q" {{\n  name = "q"\n  fifo_queue = {expression}\n}}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([infra / "main.tf"], inventory, roots=[infra])
    (queue,) = inventory.queues
    return queue.fifo, inventory


def user_name_from(tmp_path: Path, expression: str) -> object:
    """The name of ``infra/``'s only user, named by ``expression`` (for values that are read)."""
    infra = tmp_path / "infra"
    infra.mkdir(parents=True, exist_ok=True)
    (infra / "main.tf").write_text(f'resource "aws_iam_user" "u" {{\n  name = {expression}\n}}\n')
    inventory = Inventory()
    terraform_hcl.load([infra / "main.tf"], inventory, roots=[infra])
    (user,) = inventory.users
    return user.name


def problems_of(inventory: Inventory) -> list[str]:
    return [p.message for p in inventory.problems if p.rule_id == "IN002"]


@pytest.fixture
def secret_outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "credentials").write_text(f"aws_secret_access_key = {SECRET}\n")
    return outside / "credentials"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc here")
def test_file_of_proc_self_environ_prints_no_environment_in_any_format(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = file("/proc/self/environ")\n}\n')
    for fmt in ("text", "json", "sarif", "markdown"):
        done = check(infra, "--format", fmt, env={"CANARY_SECRET_ACCESS_KEY": SECRET})
        assert done.returncode == 0, done.stderr
        assert SECRET not in done.stdout + done.stderr, fmt
        assert "CANARY_SECRET_ACCESS_KEY" not in done.stdout + done.stderr, fmt
    text = check(infra, env={"CANARY_SECRET_ACCESS_KEY": SECRET}).stdout
    assert (
        f"{infra}/main.tf:2:10: IN002 warning file('/proc/self/environ'): outside the scanned folders" in text
    )


def test_file_outside_the_checked_folder_is_unknown(tmp_path: Path, secret_outside: Path) -> None:
    name, inventory = load_value(tmp_path, f'file("{secret_outside}")')
    assert isinstance(name, Unknown)
    assert "outside the scanned folders" in name.reason and SECRET not in name.reason
    (message,) = problems_of(inventory)
    assert message.startswith(f"file({str(secret_outside)!r}): outside the scanned folders")
    assert message.endswith("; the value is unknown")
    assert SECRET not in message


def test_dot_dot_out_of_the_checked_folder_is_unknown(tmp_path: Path, secret_outside: Path) -> None:
    name, inventory = load_value(tmp_path, 'file("${path.module}/../outside/credentials")')
    assert isinstance(name, Unknown) and "outside the scanned folders" in name.reason
    assert not any(SECRET in m for m in problems_of(inventory))


def test_a_symlink_inside_the_folder_that_points_outside_is_unknown(
    tmp_path: Path, secret_outside: Path
) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "innocent.txt").symlink_to(secret_outside)
    name, _ = load_value(tmp_path, 'file("${path.module}/innocent.txt")')
    assert isinstance(name, Unknown) and "outside the scanned folders" in name.reason


def test_a_symlinked_folder_pointing_outside_is_unknown(tmp_path: Path, secret_outside: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "conf").symlink_to(secret_outside.parent, target_is_directory=True)
    name, _ = load_value(tmp_path, 'file("${path.module}/conf/credentials")')
    assert isinstance(name, Unknown) and "outside the scanned folders" in name.reason


def test_git_config_is_never_read_even_inside_the_checked_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {SECRET}\n'
    )
    (repo / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = file("${path.module}/.git/config")\n}\n'
    )
    done = check(repo, "--format", "json")
    assert SECRET not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert any("inside a .git folder, which is never read" in p["message"] for p in report["problems"])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (".terraform/terraform.tfstate", "inside a .terraform folder"),
        ("terraform.tfstate", "a Terraform state file"),
        (".hg/hgrc", "inside a .hg folder"),
    ],
)
def test_state_and_vcs_files_are_never_read(tmp_path: Path, name: str, reason: str) -> None:
    infra = tmp_path / "infra"
    (infra / name).parent.mkdir(parents=True, exist_ok=True)
    (infra / name).write_text(SECRET)
    value, _ = load_value(tmp_path, f'file("${{path.module}}/{name}")')
    assert isinstance(value, Unknown) and reason in value.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this platform has no FIFOs")
def test_a_fifo_read_by_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    os.mkfifo(infra / "pipe.txt")  # not *.json: the folder walk's own FIFO defence is not tested here
    (infra / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = file("${path.module}/pipe.txt")\n}\n'
    )
    done = check(infra)  # a regression blocks on the FIFO: the deadline turns it into a failure
    assert done.returncode == 0, done.stderr
    assert "not a regular file (a named pipe)" in done.stdout


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_through_a_symlink_is_refused_not_read_forever(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "zero.txt").symlink_to("/dev/zero")
    (infra / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = file("${path.module}/zero.txt")\n}\n'
        'resource "aws_iam_user" "v" {\n  name = file("/dev/zero")\n}\n'
    )
    done = check(infra)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("outside the scanned folders") == 2


@pytest.mark.skipif(os.geteuid() != 0 if hasattr(os, "geteuid") else True, reason="mknod needs root")
def test_a_device_inside_the_folder_is_refused(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    zero = os.stat("/dev/zero")
    os.mknod(infra / "zero.bin", 0o600 | 0o020000, zero.st_rdev)  # a character device like /dev/zero
    value, _ = load_value(tmp_path, 'file("${path.module}/zero.bin")')
    assert isinstance(value, Unknown) and "not a regular file (a device)" in value.reason


def test_a_file_over_the_size_cap_is_unknown(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "big.txt").write_text("x" * (1024 * 1024 + 1))
    value, inventory = load_value(tmp_path, 'file("${path.module}/big.txt")')
    assert isinstance(value, Unknown) and "larger than the 1,024 KiB limit of file functions" in value.reason
    assert not any("xxxx" in m for m in problems_of(inventory))


def test_bytes_read_by_file_functions_are_capped_over_the_whole_load(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    for i in range(3):
        (infra / f"part{i}.txt").write_text(f"{i}" * 600)
    (infra / "main.tf").write_text(
        "".join(
            f'resource "aws_iam_user" "u{i}" {{\n  name = file("${{path.module}}/part{i}.txt")\n}}\n'
            for i in range(3)
        )
    )
    inventory = Inventory()
    terraform_hcl.load([infra / "main.tf"], inventory, roots=[infra], budget=Budget(Limits(file_bytes=1000)))
    names = [user.name for user in sorted(inventory.users, key=lambda u: u.origin.address)]
    assert names == ["0" * 600, '${file("${path.module}/part1.txt")}', '${file("${path.module}/part2.txt")}']
    refused = [m for m in problems_of(inventory) if "more than 1,000 bytes read by file functions" in m]
    assert len(refused) == 3  # the two reads refused, and the total reported once where it ran out


def test_files_inside_the_checked_folder_are_still_read(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    (infra / "names").mkdir(parents=True)
    (infra / "names" / "user.txt").write_text("deployer\n")
    (infra / "greeting.tpl").write_text("hello ${who}")
    assert user_name_from(tmp_path, 'trimspace(file("${path.module}/names/user.txt"))') == "deployer"
    assert (
        user_name_from(tmp_path, 'templatefile("${path.module}/greeting.tpl", { who = "ops" })')
        == "hello ops"
    )
    assert user_name_from(tmp_path, 'fileexists("${path.module}/greeting.tpl") ? "yes" : "no"') == "yes"
    (infra / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    document, inventory = load_value(tmp_path, 'file("${path.module}/policy.json")')
    assert document == {"Version": "2012-10-17", "Statement": []} and problems_of(inventory) == []


def test_errors_about_a_file_never_quote_its_content(tmp_path: Path) -> None:
    # Python's own errors quote the value (int("AKIA...") -> "invalid literal ... 'AKIA...'"),
    # and a template with directives used to become its own symbol; now rendered, its content is a
    # wrong-typed value, which is named by its type: none of these may reach a report.
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "token.txt").write_text(SECRET)
    (infra / "template.tpl").write_text(f"%{{ if true }}{SECRET}%{{ endif }}")
    for expression, reason in (
        ('tonumber(file("${path.module}/token.txt"))', "tonumber(): a number is required"),
        ('tobool(file("${path.module}/token.txt"))', "tobool(): a bool is required"),
        ('lookup({}, file("${path.module}/token.txt"))', "lookup(): no such key"),
        ('{ a = 1 }[file("${path.module}/token.txt")]', "no key of that name"),
        ('templatefile("${path.module}/template.tpl", {})', "expected a boolean, found a string"),
        ('file("${path.module}/token.txt")', "expected a boolean, found a string"),
    ):
        fifo, inventory = load_queue_fifo(tmp_path, expression)
        assert isinstance(fifo, Unknown), expression
        assert reason in fifo.reason, (expression, fifo.reason)
        assert SECRET[:12] not in fifo.reason, (expression, fifo.reason)
        assert not any(SECRET[:12] in m for m in problems_of(inventory)), expression


def module_layout(top: Path) -> Path:
    """A module repository: the module at the top, its example calling ``source = "../../"``."""
    example = top / "examples" / "complete"
    example.mkdir(parents=True)
    (top / "main.tf").write_text('resource "aws_iam_user" "from_module" {\n  name = "module-user"\n}\n')
    (example / "main.tf").write_text('module "this" {\n  source = "../../"\n}\n')
    return example


def test_a_module_of_the_same_repository_is_loaded_when_an_example_is_checked(tmp_path: Path) -> None:
    top = tmp_path / "terraform-aws-thing"
    example = module_layout(top)
    (top / ".git").mkdir()
    inventory = Inventory()
    terraform_hcl.load([example / "main.tf"], inventory, roots=[example])
    assert [u.name for u in inventory.users] == ["module-user"]


def test_a_module_outside_the_checked_folder_and_any_repository_is_not_loaded(tmp_path: Path) -> None:
    example = module_layout(tmp_path / "unpacked")
    inventory = Inventory()
    terraform_hcl.load([example / "main.tf"], inventory, roots=[example])
    assert inventory.users == []
    (message,) = problems_of(inventory)
    assert (
        "module source '../../' is outside the scanned folders and the repository that holds them" in message
    )


def test_a_module_source_cannot_climb_out_of_the_repository(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "main.tf").write_text(f'resource "aws_iam_user" "leak" {{\n  name = "{SECRET}"\n}}\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text('module "x" {\n  source = "../../elsewhere"\n}\n')
    done = check(repo / "infra", "--format", "json")
    assert SECRET not in done.stdout + done.stderr
    assert "outside the scanned folders and the repository that holds them" in done.stdout


def test_paths_the_file_system_refuses_are_unknown_not_internal_errors(tmp_path: Path) -> None:
    long_name = "a" * 5000  # over any file system's name limit: stat() raises ENAMETOOLONG
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "main.tf").write_text(
        f'resource "aws_iam_user" "u" {{\n  name = file("{long_name}")\n}}\n'
        f'resource "aws_iam_user" "v" {{\n  name = fileexists("x/{long_name}") ? "a" : "b"\n}}\n'
        f'module "long" {{\n  source = "./{long_name}"\n}}\n'
        'module "loop" {\n  source = "./loop"\n}\n'
    )
    done = check(tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr
    messages = [p["message"] for p in json.loads(done.stdout)["problems"]]
    assert sum("cannot be read (File name too long)" in m for m in messages) == 2
    assert sum("has no .tf files" in m for m in messages) == 2
