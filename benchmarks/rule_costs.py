#!/usr/bin/env python3
"""What each rule family costs, in instructions: a measurement that does not move with the machine.

Wall and CPU times of a one-second run move by 5-20% between runs on a shared or virtual machine,
more than most single changes to a rule save. Instructions counted by Valgrind's cachegrind move by
well under 1%, so this script is how a change to a rule is judged before ``bench_lint.py`` times
the whole CLI (docs/performance.md, "Where the rules' time goes").

It lints every K-th policy of the corpus in a child process under
``valgrind --tool=cachegrind --cache-sim=no`` and reads its instruction count, then again with
one rule family left out (``--ignore``): the difference is what that family costs, including
what it alone computes and caches. A run that only parses gives the parse and start-up share.

Usage::

    python benchmarks/rule_costs.py                       # every 4th managed policy, the families
    python benchmarks/rule_costs.py --every 8 --rules PL303,PL319,PE0
    python benchmarks/rule_costs.py --json costs.json

Exit codes: 0 done; 2 no valgrind, no corpus, or the child failed (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "iam-managed"
#: the rule families, by ID prefix (docs/rules.md): each is left out in turn
FAMILIES = ("PL1", "PL2", "PL3", "PL4", "PL5", "PL6", "PL7", "PL8", "PL9", "PE0")
_I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


class CostError(Exception):
    """Unusable input or a failed child run: said in one line, exit 2."""


def child(corpus: str, every: int, mode: str, ignore: str) -> None:
    """The measured process: parse every ``every``-th policy, then (``mode == "rules"``) lint it."""
    from policy_lint.lint import engine
    from policy_lint.lint.context import LintContext, LintOptions
    from policy_lint.policy.classify import classify
    from policy_lint.policy.model import build_document
    from policy_lint.syntax.source import read_source

    files = sorted(str(path) for path in Path(corpus).rglob("*.json"))[::every]
    engine._load_catalogs_before_fork()  # as a CLI folder run does before its workers start
    options = LintOptions(ignore=tuple(part for part in ignore.split(",") if part))
    context = LintContext(options)
    engine.selected_rules(options)  # imports the rule modules: start-up, not per-policy work
    with engine._few_collections():
        documents = []
        for path in files:
            source = read_source(path)
            classified = classify(source, will_lint=True)
            root = classified.parsed[0] if classified.parsed else None
            if classified.is_policy and root is not None:
                documents.append(build_document(source, root, None))
        if mode == "rules":
            for document in documents:
                engine.lint_document(document, context)


def _environment(bytecode: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a module compiled in the measured run would count
    env["PYTHONPYCACHEPREFIX"] = bytecode
    return env


def instructions(corpus: Path, every: int, mode: str, ignore: str, env: dict[str, str]) -> int:
    """The instruction count of one child run under cachegrind."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        str(corpus),
        str(every),
        mode,
        ignore,
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = _I_REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CostError(f"the measured run failed ({mode}, ignore={ignore or '-'}): {last}")
    return int(found.group(1).replace(",", ""))


@dataclass
class Costs:
    """Instruction counts of one measurement."""

    every: int
    parse_and_start: int
    rules: int
    #: what leaving each ID prefix out saves
    groups: dict[str, int] = field(default_factory=dict)


def measure(corpus: Path, every: int, groups: Sequence[str]) -> Costs:
    """Instructions of start-up + parse, of all rules, and of each group left out."""
    with tempfile.TemporaryDirectory(prefix="rule-costs-pyc-") as bytecode:
        env = _environment(bytecode)
        # untimed: compiles the bytecode and fills the catalog cache, so no measured run does
        subprocess.run(
            [sys.executable, __file__, "--child", str(corpus), str(max(every, 50)), "rules", ""],
            env=env,
            check=False,
            capture_output=True,
        )
        parse = instructions(corpus, every, "parse", "", env)
        everything = instructions(corpus, every, "rules", "", env)
        costs = Costs(every, parse, everything - parse)
        for group in groups:
            costs.groups[group] = everything - instructions(corpus, every, "rules", group, env)
    return costs


def table(costs: Costs) -> str:
    lines = [
        f"Every {costs.every}th policy. Start-up + parse: {costs.parse_and_start // 10**6:,} M instructions; "
        f"all rules: {costs.rules // 10**6:,} M.",
        "",
        "| left out | instructions saved (M) | share of the rules |",
        "|---|---:|---:|",
    ]
    for group, cost in sorted(costs.groups.items(), key=lambda item: -item[1]):
        lines.append(f"| {group} | {cost // 10**6:,} | {cost / costs.rules:.0%} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of policy JSON files")
    parser.add_argument("--every", type=int, default=4, help="lint every K-th policy (default 4)")
    parser.add_argument(
        "--rules", default=",".join(FAMILIES), help="comma-separated ID prefixes to leave out"
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the counts to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if shutil.which("valgrind") is None:
            raise CostError(
                "valgrind is not installed (apt-get install valgrind): it counts the instructions"
            )
        if not args.corpus.is_dir():
            raise CostError(f"corpus {args.corpus} not found: pass --corpus DIR")
        if args.every < 1:
            raise CostError("--every must be 1 or more")
        result = measure(args.corpus, args.every, [part for part in args.rules.split(",") if part])
    except CostError as exc:
        print(f"rule_costs: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(table(result))
    if args.json_out:
        args.json_out.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(main())
