"""Terraform evaluation is bounded by one budget per load, counted in steps and sizes, never time.

Each test reproduces an input that used to exhaust memory or never finish (a catastrophic regex,
string and list repetition, doubling locals, nested loops, modules counted 1,000 times three
deep) and asserts what the user sees: the run ends with the IN002 that names the budget and the
place, the affected values are unknown and the rest of the folder is still read. The CLI runs in
a subprocess with a deadline and a memory cap, so a regression fails instead of hanging the CI
job or the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_lint.inventory.model import Inventory, Unknown
from policy_lint.sources.scanned import NotReadable
from policy_lint.sources.terraform import hcl as terraform_hcl
from policy_lint.sources.terraform.budget import Budget, Limits
from policy_lint.sources.terraform.evaluator import Evaluator, Unresolved, parse_hcl
from tests.security.inprocess import ONBOARDING

DEADLINE = 120  # seconds; each bomb is stopped in about one
MEMORY_CAP = 2 * 1024**3  # bytes of address space for the CLI; a regression dies of MemoryError


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def check(folder: Path) -> tuple[int, dict[str, object], str]:
    """The JSON report of ``check`` against the guide's onboarding: OB101 lists every declared
    user by name, so a test sees which values were still read."""
    done = subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", str(folder), *ONBOARDING, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
        preexec_fn=_cap_memory if sys.platform.startswith("linux") else None,
    )
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def problems(report: dict[str, object]) -> list[tuple[int, str]]:
    found = report["problems"]
    assert isinstance(found, list)
    return [(p["location"]["line"], p["message"]) for p in found if p["rule_id"] == "IN002"]


def folder_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return tmp_path


class _Scope:
    def resolve(self, root, steps, text):  # type: ignore[no-untyped-def]
        return Unresolved("${" + text + "}", "unknown"), len(steps)

    def read_file(self, path):  # type: ignore[no-untyped-def]
        raise NotReadable("no files here")

    def file_exists(self, path):  # type: ignore[no-untyped-def]
        raise NotReadable("no files here")

    def refused(self, message, path, line, col):  # type: ignore[no-untyped-def]
        pass


def evaluate(expression: str, budget: Budget | None = None) -> object:
    hcl = parse_hcl(f"x = {expression}\n", "t.tf")
    return Evaluator(_Scope(), hcl.text, budget=budget or Budget(), path="t.tf").eval(
        hcl.body.attributes["x"].expr
    )


def reason(value: object) -> str:
    assert isinstance(value, Unresolved), value
    return value.reason


# -- regular expressions ---------------------------------------------------------------------
def test_a_catastrophic_regex_in_replace_finishes_and_is_right(tmp_path: Path) -> None:
    # (a+)+$ against a long run of a's and a b: exponential for Python's backtracking re
    text = "a" * 60 + "b"
    folder = folder_with(
        tmp_path,
        'resource "aws_iam_user" "u" {\n'
        f'  name = replace("{text}", "/(a+)+$/", "x")\n'
        "}\n"
        'resource "aws_iam_user" "v" {\n  name = replace("xaaa", "/(a+)+$/", "y")\n}\n',
    )
    code, report, _ = check(folder)
    assert code == 0
    assert f"{text}, xy" in str(report["results"])  # both users named: the regex ran on RE2


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('replace("abc", "/(b)/", "[$1]")', "a[b]c"),
        ('replace("abc", "/(?P<x>b)/", "<$${x}>")', "a<b>c"),  # $${ is HCL's escape for ${
        ('replace("a.b.c", ".", "-")', "a-b-c"),
        ('replace("abc", "/x*/", "-")', "-a-b-c-"),
        ('replace("cost $5", "/\\\\$(\\\\d)/", "$$$1")', "cost $5"),
    ],
)
def test_replace_follows_terraform_regex_semantics(expression: str, expected: str) -> None:
    assert evaluate(expression) == expected


def test_a_pattern_re2_refuses_is_unknown_not_a_crash() -> None:
    assert "not a valid RE2 regular expression" in reason(evaluate('replace("aa", "/(a)\\\\1/", "x")'))
    assert "not a valid RE2 regular expression" in reason(evaluate('replace("aa", "/(?=a)/", "x")'))


# -- memory ------------------------------------------------------------------------------------
def test_string_and_list_repetition_are_not_python_operators(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        'resource "aws_iam_user" "s" {\n  name = "x" * 2000000000\n}\n'
        'resource "aws_iam_user" "l" {\n  name = jsonencode([1] * 1000000000)\n}\n'
        'resource "aws_iam_user" "ok" {\n  name = "still-read"\n}\n',
    )
    code, report, _ = check(folder)  # a regression allocates gigabytes: MemoryError under the cap
    assert code == 0
    assert "still-read" in str(report["results"])
    assert "a number is required" in reason(evaluate('"x" * 2000000000'))
    assert "a number is required" in reason(evaluate("[1] * 1000000000"))


def test_forty_doubling_locals_stop_at_the_value_size_limit(tmp_path: Path) -> None:
    lines = ['  d0 = "xxxxxxxxxxxxxxxx"'] + [
        f'  d{i} = "${{local.d{i - 1}}}${{local.d{i - 1}}}"' for i in range(1, 41)
    ]
    folder = folder_with(
        tmp_path,
        'resource "aws_iam_user" "ok" {\n  name = "still-read"\n}\n'
        "locals {\n" + "\n".join(lines) + "\n}\n"
        'resource "aws_iam_user" "bomb" {\n  name = local.d40\n}\n',
    )
    code, report, _ = check(folder)
    assert code == 0
    # 16 * 2**17 = 2,097,152 characters: d17 (line 5 + 17) is the first value over the limit
    assert (22, "a value larger than 2,000,000 characters or items: this value is unknown") in problems(
        report
    )
    assert "still-read" in str(report["results"])


def test_doubling_lists_are_measured_with_their_shared_parts(tmp_path: Path) -> None:
    # [a, a] 40 levels deep takes little memory but is 2**40 items to jsonencode
    lines = ["  e0 = [1, 2]"] + [f"  e{i} = [local.e{i - 1}, local.e{i - 1}]" for i in range(1, 41)]
    folder = folder_with(
        tmp_path,
        "locals {\n"
        + "\n".join(lines)
        + '\n}\nresource "aws_iam_user" "bomb" {\n  name = jsonencode(local.e40)\n}\n',
    )
    code, report, _ = check(folder)
    assert code == 0
    assert any("a value larger than 2,000,000 characters or items" in m for _, m in problems(report))


def test_numbers_squared_forty_times_are_refused_not_grown(tmp_path: Path) -> None:
    # each squaring doubles the digits: 2**64 squared 40 times is 2**(64 * 2**40) bits of memory
    lines = ["  m0 = 18446744073709551616"] + [
        f"  m{i} = local.m{i - 1} * local.m{i - 1}" for i in range(1, 41)
    ]
    (tmp_path / "main.tf").write_text(
        "locals {\n" + "\n".join(lines) + "\n}\n"
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  fifo_queue = local.m40 > 0\n}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory)
    (queue,) = inventory.queues
    assert isinstance(queue.fifo, Unknown) and "a number is too large" in queue.fifo.reason


@pytest.mark.parametrize(
    "expression",
    [
        'join(join("", [for i in range(1000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]), range(1000))',
        'replace(join("", [for i in range(1000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]), "", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")',
        'format("%s%s", join("", [for i in range(1000) : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]), "y")',
    ],
)
def test_functions_refuse_results_over_the_limit_before_building_them(expression: str) -> None:
    small = Budget(Limits(value_size=50_000))
    assert "a value larger than 50,000 characters or items" in reason(evaluate(expression, small))


def test_a_value_nested_too_deeply_is_unknown() -> None:
    deep = "[" * 100 + "]" * 100
    assert "nested deeper than 64 levels" in reason(evaluate(f'jsondecode("{deep}")'))


# -- expansion ---------------------------------------------------------------------------------
def test_three_nested_fors_over_range_1000_stop_at_the_expansion_budget(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        'resource "aws_iam_user" "ok" {\n  name = "still-read"\n}\n'
        "locals {\n  n = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n}\n"
        'resource "aws_iam_user" "bomb" {\n  name = "n${length(local.n)}"\n}\n',
    )
    code, report, _ = check(folder)
    assert code == 0
    ((line, message),) = problems(report)
    assert line == 5 and message.startswith(
        "evaluation budget spent: more than 25,000 instances and loop items"
    )
    assert "still-read" in str(report["results"])


def test_modules_counted_1000_times_three_deep_stop_at_the_expansion_budget(tmp_path: Path) -> None:
    (tmp_path / "m1" / "m2").mkdir(parents=True)
    (tmp_path / "main.tf").write_text('module "a" {\n  source = "./m1"\n  count = 1000\n}\n')
    (tmp_path / "m1" / "main.tf").write_text('module "b" {\n  source = "./m2"\n  count = 1000\n}\n')
    (tmp_path / "m1" / "m2" / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  count = 1000\n  name = "u${count.index}"\n}\n'
    )
    code, report, _ = check(tmp_path)
    assert code == 0
    ((_, message),) = problems(report)  # one IN002 for the budget, not one per module instance
    assert message == (
        "evaluation budget spent: more than 25,000 instances and loop items in this load; "
        "from here on, values are unknown and modules are not loaded"
    )
    resources = report["scope"]["resources"]
    assert isinstance(resources, dict) and 0 < resources["users"] <= 25_000


def test_the_steps_budget_stops_a_long_evaluation_deterministically(tmp_path: Path) -> None:
    text = "locals {\n  xs = [for i in range(1000) : i + i + i + i + i + i + i + i + i + i]\n}\n" + "".join(
        f'resource "aws_iam_user" "u{i}" {{\n  name = "n${{length(local.xs)}}{i}"\n}}\n' for i in range(3)
    )
    (tmp_path / "main.tf").write_text(text)
    runs = []
    for _ in range(2):
        inventory = Inventory()
        terraform_hcl.load([tmp_path / "main.tf"], inventory, budget=Budget(Limits(steps=5_000)))
        runs.append([(p.location.line, p.location.col, p.message) for p in inventory.problems])
        assert all(isinstance(u.name, str) for u in inventory.users)
    assert runs[0] == runs[1]  # the same input stops at the same place, whatever the machine
    ((line, _col, message),) = runs[0]
    assert line == 2 and message.startswith("evaluation budget spent: more than 5,000 evaluation steps")


def test_each_load_has_its_own_budget(tmp_path: Path) -> None:
    (tmp_path / "bomb.tf").write_text(
        "locals {\n  n = [for a in range(1000) : [for b in range(1000) : b]]\n}\n"
        'resource "aws_iam_user" "u" {\n  name = "n${length(local.n)}"\n}\n'
    )
    terraform_hcl.load([tmp_path / "bomb.tf"], Inventory())
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  fifo_queue = true\n}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "ok" / "main.tf"], inventory)
    assert [q.fifo for q in inventory.queues] == [True] and inventory.problems == []


# -- Terraform's operators, not Python's -------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"5" + 1', 6),
        ("5 / 2", 2.5),
        ("4 / 2", 2),
        ("-7 % 3", -1),
        ("1 == 1.0", True),
        ('1 == "1"', False),
        ("true == 1", False),
        ('!"false"', True),
        ('"true" && true', True),
        ("[1, 2] == [1, 2]", True),
        ('2 > 1 ? "a" : "b"', "a"),
    ],
)
def test_operators_follow_terraform(expression: str, expected: object) -> None:
    result = evaluate(expression)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ('"a" + "b"', "a number is required"),
        ("[1] + [2]", "a number is required"),
        ('"ab" * 3', "a number is required"),
        ('"%s" % "x"', "a number is required"),
        ('"a" < "b"', "a number is required"),
        ("1 && true", "a bool is required"),
        ('1 ? "a" : "b"', "a bool is required"),
        ("-true", "a number is required"),
        ("1 / 0", "division by zero"),
        ("[1, 2][-1]", "index out of range"),
    ],
)
def test_python_semantics_do_not_leak_through_operators(expression: str, why: str) -> None:
    assert why in reason(evaluate(expression))


def test_an_unknown_from_the_budget_never_passes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "locals {\n  n = [for a in range(1000) : [for b in range(1000) : b]]\n}\n"
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  fifo_queue = length(local.n) > 0\n}\n'
    )
    inventory = Inventory()
    terraform_hcl.load([tmp_path / "main.tf"], inventory)
    (queue,) = inventory.queues
    assert isinstance(queue.fifo, Unknown) and "evaluation budget spent" in queue.fifo.reason


def test_a_long_expression_that_stays_unknown_gets_a_short_symbol_naming_its_place() -> None:
    long_list = "[" + ", ".join(f'"item-{i}"' for i in range(500)) + "]"
    # concat() keeps the known items; how many items there are is what stays unknown
    value = evaluate(f"length(concat({long_list}, var.missing))")
    assert isinstance(value, Unresolved)
    assert len(value.symbol) < 300 and value.symbol.endswith("...@1:5}")
