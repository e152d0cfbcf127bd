"""Score policy-lint against the hand-written labels of benchmarks/accuracy/cases/.

Each case names a corpus input, the arguments of ``policy-lint check`` and, per rule and
resource, the verdict a demanding user expects (README.md beside this file). This script runs
the real CLI in-process on each input (JSON output), matches its results to the labels and counts:

- **agreement**: labels whose verdict policy-lint gives exactly, over all labels plus the results
  no label expected (extra results count against agreement);
- **false fails**: a ``fail`` where the label says ``pass``, ``unknown`` or ``none``;
- **false passes**: a ``pass`` where the label says ``fail``, ``unknown`` or ``none``;
- **unknown where knowable**: an ``unknown`` where the label says ``pass`` or ``fail``;
- **missing**: a label expecting a verdict that policy-lint does not report;
- **other extra**: an ``unknown`` nobody expected.

Terraform cases run as in a clone of their repository: the corpus copies carry no ``.git``, so the
script names the repository's top folder (``--repository-root``), which lets an example load its
``source = "../../"`` module as it would in the clone.

Usage (from the repository root)::

    python benchmarks/accuracy/score.py                      # table on stdout, exit 0
    python benchmarks/accuracy/score.py --markdown docs/accuracy.md
    python benchmarks/accuracy/score.py --case cfn-widdix-state-s3 --details

Exit codes: 0 scored, 2 corpus missing or a case unusable. It judges nothing itself; the floor
lives in tests/test_accuracy.py.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES = HERE / "cases"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"

VERDICTS = ("pass", "fail", "unknown", "none")
#: Result resources of per-key rules (``user:access-key:#1``) are labelled on their user.
_KEY_SUFFIX = re.compile(r":access-key:.*$")


@dataclass(frozen=True)
class Label:
    rule: str
    resource: str
    expected: str
    why: str

    def rule_matches(self, rule_id: str) -> bool:
        return rule_id == self.rule or (len(self.rule) < 5 and rule_id.startswith(self.rule))

    def resource_matches(self, resource: str) -> bool:
        if self.resource == resource:
            return True
        if "*" in self.resource or "?" in self.resource:
            if fnmatch.fnmatchcase(resource, self.resource):
                return True
            # "addr*": a resource whose count is unknown, reported with or without an instance key
            stem = self.resource.rstrip("*")
            return (
                self.resource.endswith("*")
                and re.fullmatch(re.escape(stem) + r"(\[[^\]]*\])?", resource) is not None
            )
        return False

    @property
    def specific(self) -> bool:
        """Names resources (not the catch-all ``"*"``)."""
        return self.resource != "*"


@dataclass(frozen=True)
class Result:
    rule_id: str
    resource: str
    status: str
    message: str


@dataclass
class Outcome:
    """One comparison: a label (or an unexpected result) and what policy-lint said."""

    case: str
    rule: str
    resource: str
    expected: str
    got: str  # pass | fail | unknown | none
    why: str = ""
    message: str = ""
    account_or_family: bool = False

    @property
    def correct(self) -> bool:
        return self.expected == self.got

    @property
    def error_class(self) -> str | None:
        if self.correct:
            return None
        if self.got == "fail":
            return "false fail"
        if self.got == "pass":
            return "false pass"
        if self.got == "unknown" and self.expected in ("pass", "fail"):
            return "unknown where knowable"
        if self.got == "none":
            return "missing"
        return "other extra"


@dataclass
class CaseScore:
    case: str
    kind: str
    outcomes: list[Outcome] = field(default_factory=list)
    problem: str | None = None


def load_case(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "labels" not in data or "input" not in data:
        raise ValueError(f"{path}: not a case (needs input and labels)")
    for label in data["labels"]:
        if label.get("expected") not in VERDICTS:
            raise ValueError(f"{path}: {label} has no valid expected verdict")
    return data


def run_case(case: dict[str, Any], corpus: Path) -> tuple[list[Result], str | None]:
    """policy-lint's results on the case's input, or why it could not run."""
    from click.testing import CliRunner

    from policy_lint.cli import main

    target = corpus / case["input"]
    if not target.exists():
        return [], f"input missing: {target}"
    args = [*case.get("command", ["check"]), str(target), "--format", "json"]
    if case.get("kind") == "terraform-hcl":
        # as in a clone of the repository: the corpus copies have no .git to mark the repository's
        # top folder (<kind>/<owner>__<repo>), so name it, as a user of such a copy would
        args += ["--repository-root", str(corpus.joinpath(*Path(case["input"]).parts[:2]))]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    if result.exit_code not in (0, 1, 2):
        return [], f"exit {result.exit_code}: {result.stderr.strip()[:300]}"
    try:
        payload = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [], f"exit {result.exit_code}, no JSON: {result.stderr.strip()[:300]}"
    results = [
        Result(r["rule_id"], _KEY_SUFFIX.sub("", r["resource"]), r["status"], r["message"])
        for r in payload.get("results", [])
    ]
    return results, None


def score_case(name: str, case: dict[str, Any], results: Sequence[Result]) -> list[Outcome]:
    labels = [Label(x["rule"], str(x["resource"]), x["expected"], x.get("why", "")) for x in case["labels"]]
    outcomes: list[Outcome] = []
    claimed: set[int] = set()
    # Specific labels first, so the catch-all "*" lines only see what nothing else named.
    for label in sorted(labels, key=lambda label: not label.specific):
        hits = [
            (i, r)
            for i, r in enumerate(results)
            if i not in claimed and label.rule_matches(r.rule_id) and label.resource_matches(r.resource)
        ]
        family = label.resource == "account" or len(label.rule) < 5
        if label.expected == "none":
            for i, r in hits:
                claimed.add(i)
                outcomes.append(
                    Outcome(name, r.rule_id, r.resource, "none", r.status, label.why, r.message, family)
                )
            if not hits:
                outcomes.append(
                    Outcome(name, label.rule, label.resource, "none", "none", label.why, "", family)
                )
            continue
        if not hits:
            outcomes.append(
                Outcome(name, label.rule, label.resource, label.expected, "none", label.why, "", family)
            )
            continue
        for i, r in hits:
            claimed.add(i)
            outcomes.append(
                Outcome(name, r.rule_id, r.resource, label.expected, r.status, label.why, r.message, family)
            )
    for i, r in enumerate(results):
        if i in claimed:
            continue
        if not any(label.rule_matches(r.rule_id) for label in labels):
            continue  # a rule the case labels nowhere (added after its labels): outside its scope
        outcomes.append(
            Outcome(name, r.rule_id, r.resource, "none", r.status, "no label expects it", r.message)
        )
    return outcomes


def score(corpus: Path, only: Iterable[str] = ()) -> list[CaseScore]:
    wanted = set(only)
    scores: list[CaseScore] = []
    for path in sorted(CASES.glob("*.yaml")):
        if wanted and path.stem not in wanted:
            continue
        case = load_case(path)
        entry = CaseScore(path.stem, str(case.get("kind", "?")))
        results, problem = run_case(case, corpus)
        if problem is not None:
            entry.problem = problem
        else:
            entry.outcomes = score_case(path.stem, case, results)
        scores.append(entry)
    return scores


def totals(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    classes = Counter(o.error_class for o in outcomes if o.error_class)
    correct = sum(o.correct for o in outcomes)
    return {
        "compared": len(outcomes),
        "agree": correct,
        "agreement": correct / len(outcomes) if outcomes else 1.0,
        "false fail": classes["false fail"],
        "false pass": classes["false pass"],
        "unknown where knowable": classes["unknown where knowable"],
        "missing": classes["missing"],
        "other extra": classes["other extra"],
    }


def report(scores: Sequence[CaseScore], details: bool = False) -> str:
    everything = [o for s in scores for o in s.outcomes]
    per_resource = [o for o in everything if not o.account_or_family]
    lines = ["# Accuracy on the labelled corpus inputs", ""]
    lines += [
        "<!-- Generated by `python benchmarks/accuracy/score.py --markdown docs/accuracy.md`; "
        "do not edit the tables by hand. -->",
        "",
        "policy-lint's `check` verdicts on public Terraform, plan JSON and CloudFormation inputs from the",
        "shared corpus, scored against labels written by hand before the tool first ran on them",
        "([benchmarks/accuracy/](../benchmarks/accuracy/README.md): the cases, the label format and the",
        "readings the labels follow). `tests/test_accuracy.py` keeps the floor in CI: at least 99% agreement,",
        "no false fail, no false pass; and a label changes only with its reason recorded in its case.",
        "",
        "Error classes: a **false fail** is a fail where the label says pass, unknown or none; a",
        "**false pass** a pass where it says fail, unknown or none; **unknown where knowable** an unknown",
        "where the input decides pass or fail; **missing** a verdict the label expects and policy-lint",
        "does not give; **other extra** an unknown no label expects. Agreement counts every label and",
        "every result no label expected. A rule a case labels nowhere (a family added after the labels",
        "were written, such as the privilege-escalation rules PE0xx and PR001) is outside that case's scope:",
        "its results are not counted.",
        "",
        "Run: `python benchmarks/accuracy/score.py --markdown docs/accuracy.md` (add `--details` for",
        "every comparison, `--case NAME` for one input).",
        "",
    ]
    header = "| labels | compared | agree | agreement | false fail | false pass | unknown where knowable | missing | other extra |"
    lines += [header, "|---|---|---|---|---|---|---|---|---|"]
    for title, group in (("all", everything), ("per resource (without account and OB lines)", per_resource)):
        t = totals(group)
        lines.append(
            f"| {title} | {t['compared']} | {t['agree']} | {t['agreement']:.1%} | {t['false fail']} | "
            f"{t['false pass']} | {t['unknown where knowable']} | {t['missing']} | {t['other extra']} |"
        )
    lines += ["", "| case | kind | compared | agree | errors |", "|---|---|---|---|---|"]
    for s in scores:
        if s.problem:
            lines.append(f"| {s.case} | {s.kind} | - | - | could not run: {s.problem} |")
            continue
        t = totals(s.outcomes)
        errors = ", ".join(
            f"{k} {v}" for k, v in t.items() if k not in ("compared", "agree", "agreement") and v
        )
        lines.append(f"| {s.case} | {s.kind} | {t['compared']} | {t['agree']} | {errors or '-'} |")
    wrong = [o for o in everything if not o.correct]
    if wrong or details:
        lines += [
            "",
            "## Disagreements",
            "",
            "| case | rule | resource | label | policy-lint | message |",
            "|---|---|---|---|---|---|",
        ]
        for o in wrong:
            message = o.message.replace("|", "\\|")[:160]
            lines.append(f"| {o.case} | {o.rule} | `{o.resource}` | {o.expected} | {o.got} | {message} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--details", action="store_true", help="list every comparison's disagreement")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"score.py: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    scores = score(args.corpus, args.case)
    text = report(scores, args.details)
    sys.stdout.write(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 2 if any(s.problem for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
