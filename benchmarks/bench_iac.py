#!/usr/bin/env python3
"""Time ``policy-lint check`` against Checkov on the same Terraform and CloudFormation folders, in one run.

Two modes (benchmarks/README.md says what every number means):

* default: over ``<corpus>/terraform`` and ``<corpus>/cloudformation`` (the shared real-world
  corpus), time ``policy-lint check DIR --format json`` in a fresh process (median of N runs) and
  ``checkov -d DIR`` (offline: ``--skip-download``), and report what policy-lint understood
  (files, inventory resources by kind, IN001/IN002 problems, pass/fail/unknown) and whether either
  tool crashed (tracebacks on stderr, a run that ends without a report);
* ``--target``: issue 15's measurement, on ``<corpus>/terraform`` only, in one run on the same
  files: ``policy-lint check DIR --format json`` (one process per CPU, then ``--jobs 1``) against
  exactly ``checkov -d DIR --quiet --compact -o json`` (run once). For each: wall time, CPU time
  (user+system of the process and every process it waited for) and the peak memory of the largest
  process of the tool (``wait4``'s ``ru_maxrss``: the maximum over the process and all its waited
  descendants, so policy-lint's workers and Checkov's runners count, each on its own, not summed).
  Targets: policy-lint >= 30x faster, its largest process <= 1/5 of Checkov's;
* ``--compare-onboarding``: run both tools on the examples' correct onboarding and its broken
  variant (four marked FAULTs), in Terraform and CloudFormation, and tabulate what each reports:
  Checkov's failures on the *correct* onboarding, and which faults each tool catches.

Usage::

    python benchmarks/bench_iac.py                         # both corpora, 3 policy-lint runs, 1 Checkov run
    python benchmarks/bench_iac.py --json iac.json         # also write every number as JSON
    python benchmarks/bench_iac.py --rev HEAD              # measure the committed policy_lint, not the work tree
    python benchmarks/bench_iac.py --compare-onboarding    # the onboarding comparison (docs/comparison.md)
    python benchmarks/bench_iac.py --target                # issue 15: speed and memory vs Checkov's exact command

Checkov must live in its own virtualenv (it pins many packages)::

    python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov

Exit codes: 0 done (crashes and aborts of the tools are reported, not fatal); 2 bad usage or a
missing policy-lint; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_CHECKOV = Path("/tmp/checkov-venv/bin/checkov")
EXAMPLES = REPO / "examples"

TARGET_SPEEDUP = 10.0
TRACEBACK = "Traceback (most recent call last)"
#: policy-lint's catch-all prints this instead of a traceback; for the benchmark it is a crash too.
INTERNAL_ERROR = "internal error"

#: corpus folder -> (Checkov frameworks covering the same inputs policy-lint reads there, what)
CORPORA: dict[str, tuple[tuple[str, ...], str]] = {
    "terraform": (("terraform", "terraform_plan"), "Terraform HCL + plan JSON"),
    "cloudformation": (("cloudformation",), "CloudFormation YAML/JSON"),
}

#: Files that make Checkov 3.3.x abort the whole scan (``TypeError: unhashable type: 'dict'`` in
#: ``base_check_registry.get_checks``: a resource whose ``Type`` is a mapping). When the full
#: folder aborts, both tools are also timed on a copy of the folder (symlinks) without them.
CHECKOV_ABORTS: dict[str, tuple[str, ...]] = {
    "cloudformation": (
        "aws-cloudformation__aws-cloudformation-templates/CloudFormation/StackSets/common-resources.json",
        "aws-cloudformation__aws-cloudformation-templates/CloudFormation/StackSets/common-resources.yaml",
        "aws-cloudformation__aws-cloudformation-templates/RainModules/bucket.yml",
        "aws-cloudformation__cfn-lint/test/fixtures/templates/bad/resources/primary_identifiers.yaml",
    ),
}

CHECKOV_OFFLINE = ("--skip-download", "--download-external-modules", "false")


class BenchError(Exception):
    """Something the user must fix; printed as one line, without a traceback."""


def _log(message: str) -> None:
    print(f"[bench_iac] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running the tools
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One process: its wall time, exit code and output."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str

    def report(self) -> Any:
        """The JSON the tool printed, or None when it printed none (it aborted)."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Run:
    """Run ``cmd`` to completion and time it (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd), stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=cwd, check=False
    )
    elapsed = time.perf_counter() - start
    return Run(
        elapsed,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


@dataclass
class PolicyLint:
    """How to start policy-lint: the installed console script, or ``policy_lint`` from a git revision."""

    cmd: list[str]
    env: dict[str, str]
    origin: str
    cleanup: list[Path] = field(default_factory=list)

    def check(self, *args: str) -> list[str]:
        return [*self.cmd, "check", *args]


def policy_lint_at(rev: str | None, cache_dir: str) -> PolicyLint:
    """The command and environment of every policy-lint run.

    With ``rev``, ``git archive <rev> policy_lint`` is unpacked into a temporary folder and run as
    ``python -P -m policy_lint`` with that folder on ``PYTHONPATH`` (``-P``: never the current
    directory), so uncommitted work in a shared checkout does not leak into the numbers. Every
    process gets a private ``PYTHONPYCACHEPREFIX``: bytecode is compiled once by the untimed
    warm-up, as an installed wheel would have it.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache_dir
    if rev is None:
        found = shutil.which("policy-lint")
        cmd = [found] if found else [sys.executable, "-m", "policy_lint"]
        return PolicyLint(cmd, env, f"installed ({cmd[0]})")
    tree = Path(tempfile.mkdtemp(prefix="bench-iac-src-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "policy_lint"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {rev} failed: {archive.stderr.decode(errors='replace').strip()}")
    archive_path = tree / "src.tar"
    archive_path.write_bytes(archive.stdout)
    with tarfile.open(archive_path) as tar:
        tar.extractall(tree, filter="data")
    archive_path.unlink()
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-P", "-m", "policy_lint"]
    probe = subprocess.run(
        [sys.executable, "-P", "-c", "import policy_lint; print(policy_lint.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=False,
    )
    if not probe.stdout.strip().startswith(str(tree)):
        raise BenchError(f"policy_lint from {rev} did not shadow the installed one: {probe.stdout.strip()}")
    short = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", rev], capture_output=True, text=True, check=False
    ).stdout.strip()
    return PolicyLint(cmd, env, f"git archive {rev} ({short})", [tree])


def checkov_cmd(checkov: Path, frameworks: Sequence[str], *target: str) -> list[str]:
    """Checkov offline, JSON output, only the given frameworks."""
    return [
        str(checkov),
        *target,
        "--framework",
        *frameworks,
        "--quiet",
        "--compact",
        "-o",
        "json",
        *CHECKOV_OFFLINE,
    ]


def checkov_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # its own venv, nothing of ours
    return env


# ---------------------------------------------------------------------------------------------
# What each tool reported
# ---------------------------------------------------------------------------------------------


def crashed(stderr: str) -> bool:
    return TRACEBACK in stderr or INTERNAL_ERROR in stderr


def policy_lint_summary(result: Run) -> dict[str, Any]:
    """Files, resources, problems and result counts from one ``check --format json`` run."""
    report = result.report()
    out: dict[str, Any] = {
        "exit_code": result.returncode,
        "traceback": crashed(result.stderr),
        "stderr_tail": result.stderr.strip().splitlines()[-3:],
    }
    if not isinstance(report, dict):
        out["report"] = False
        return out
    scope = report.get("scope") or {}
    problems = report.get("problems") or []
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        by_rule.setdefault(problem.get("rule_id", "?"), []).append(problem)
    unreadable = by_rule.get("IN001", [])
    partial = by_rule.get("IN002", [])
    unreadable_files = {(p.get("location") or {}).get("path") for p in unreadable}
    files = int(scope.get("files") or 0)
    out.update(
        report=True,
        files=files,
        skipped_files=scope.get("skipped_files"),
        files_understood=files - len(unreadable_files),
        resources=scope.get("resources"),
        sources=scope.get("sources"),
        in001=len(unreadable),
        in002=len(partial),
        in002_files=len({(p.get("location") or {}).get("path") for p in partial}),
        other_problems={k: len(v) for k, v in sorted(by_rule.items()) if k not in {"IN001", "IN002"}},
        summary=report.get("summary"),
        unreadable=[_located(p) for p in unreadable],
        unlocated=[_located(p) for p in problems if not _has_location(p)],
    )
    return out


def _has_location(problem: dict[str, Any]) -> bool:
    location = problem.get("location") or {}
    path = location.get("path")
    return isinstance(path, str) and Path(path).exists() and isinstance(location.get("line"), int)


def _located(problem: dict[str, Any]) -> str:
    location = problem.get("location") or {}
    return f"{location.get('path')}:{location.get('line')}:{location.get('col')}: {problem.get('message')}"


def checkov_reports(report: Any) -> list[dict[str, Any]]:
    """Checkov prints one object for one framework and a list for several."""
    if isinstance(report, dict):
        return [report]
    if isinstance(report, list):
        return [r for r in report if isinstance(r, dict)]
    return []


def checkov_summary(result: Run) -> dict[str, Any]:
    """Per-framework counts, and the crashes Checkov logged while it went on."""
    report = result.report()
    reports = checkov_reports(report)
    out: dict[str, Any] = {
        "exit_code": result.returncode,
        "completed": report is not None and result.returncode in (0, 1),
        "tracebacks_logged": result.stderr.count(TRACEBACK),
        "checks_crashed": len(re.findall(r"Failed to run check", result.stderr)),
        "parse_errors_logged": sorted(set(re.findall(r"error parsing (\S+?):", result.stderr))),
        "frameworks": {},
    }
    for item in reports:
        summary = item.get("summary") or {}
        out["frameworks"][item.get("check_type", "?")] = {
            key: summary.get(key)
            for key in ("passed", "failed", "skipped", "parsing_errors", "resource_count")
        }
    if not out["completed"]:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        out["abort"] = lines[-1] if lines else f"exit code {result.returncode}, no report"
    return out


# ---------------------------------------------------------------------------------------------
# The corpus benchmark
# ---------------------------------------------------------------------------------------------


def count_files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


@contextmanager
def folder_without(folder: Path, excluded: Sequence[str]) -> Iterator[Path]:
    """A temporary copy of ``folder``'s tree (file symlinks, same relative paths) minus ``excluded``."""
    skip = set(excluded)
    root = Path(tempfile.mkdtemp(prefix="bench-iac-subset-")) / folder.name
    try:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in skip:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path, target)
        yield root
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def time_policy_lint(pl: PolicyLint, folder: Path, profile_set: str, runs: int) -> dict[str, Any]:
    """One untimed warm-up, then ``runs`` timed runs; the report of the last one is summarised."""
    cmd = pl.check(str(folder), "--format", "json", "--profile-set", profile_set)
    warm = run(cmd, pl.env, Path(tempfile.gettempdir()))
    results = [run(cmd, pl.env, Path(tempfile.gettempdir())) for _ in range(runs)]
    crashes = [r for r in (warm, *results) if crashed(r.stderr) or r.report() is None]
    summary = policy_lint_summary(results[-1] if results else warm)
    summary["runs_crashed"] = len(crashes)
    if crashes:
        summary["crash"] = crashes[0].stderr.strip().splitlines()[-3:]
    return {"times_s": [r.seconds for r in results], "profile_set": profile_set, **summary}


def time_checkov(checkov: Path, folder: Path, frameworks: Sequence[str], runs: int) -> dict[str, Any]:
    cmd = checkov_cmd(checkov, frameworks, "-d", str(folder))
    results = [run(cmd, checkov_env(), Path(tempfile.gettempdir())) for _ in range(runs)]
    return {
        "times_s": [r.seconds for r in results],
        "frameworks_asked": list(frameworks),
        "command": " ".join(["checkov", *cmd[1:]]),
        **checkov_summary(results[-1]),
    }


@dataclass
class Settings:
    corpus: Path
    only: list[str]
    checkov: Path | None
    runs: int
    checkov_runs: int
    profile_sets: list[str]
    rev: str | None


def bench_corpora(cfg: Settings, pl: PolicyLint) -> list[dict[str, Any]]:
    """Every corpus folder: policy-lint per profile set, then Checkov, on the same folder."""
    rows: list[dict[str, Any]] = []
    for name in cfg.only:
        folder = cfg.corpus / name
        if not folder.is_dir():
            _log(f"skipping {name}: corpus folder {folder} not found (pass --corpus DIR)")
            continue
        frameworks, what = CORPORA[name]
        entry: dict[str, Any] = {
            "corpus": name,
            "what": what,
            "folder": str(folder),
            "files": count_files(folder),
        }
        entry["policy_lint"] = []
        for profile_set in cfg.profile_sets:
            _log(f"{name}: policy-lint check --profile-set {profile_set}, 1 warm-up + {cfg.runs} runs")
            entry["policy_lint"].append(time_policy_lint(pl, folder, profile_set, cfg.runs))
        if cfg.checkov is not None:
            _log(f"{name}: checkov --framework {' '.join(frameworks)}, {cfg.checkov_runs} run(s)")
            entry["checkov"] = time_checkov(cfg.checkov, folder, frameworks, cfg.checkov_runs)
            excluded = CHECKOV_ABORTS.get(name, ())
            if not entry["checkov"]["completed"] and excluded:
                _log(
                    f"{name}: Checkov aborted; timing both tools without the {len(excluded)} files it aborts on"
                )
                with folder_without(folder, excluded) as subset:
                    entry["subset"] = {
                        "excluded": list(excluded),
                        "files": count_files(subset),
                        "policy_lint": [
                            time_policy_lint(pl, subset, ps, cfg.runs) for ps in cfg.profile_sets
                        ],
                        "checkov": time_checkov(cfg.checkov, subset, frameworks, cfg.checkov_runs),
                    }
        rows.append(entry)
    return rows


def speedups(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """policy-lint median vs Checkov median, on the same folder (the full one, or the subset when
    Checkov aborted on the full one)."""
    out = []
    for label, block in (("full folder", entry), ("without Checkov's aborts", entry.get("subset"))):
        if not block or "checkov" not in block or not block["checkov"]["completed"]:
            continue
        ck = statistics.median(block["checkov"]["times_s"])
        for pl_row in block["policy_lint"]:
            if not pl_row["times_s"]:
                continue
            pl = statistics.median(pl_row["times_s"])
            out.append(
                {
                    "corpus": entry["corpus"],
                    "input": label,
                    "profile_set": pl_row["profile_set"],
                    "policy_lint_s": pl,
                    "checkov_s": ck,
                    "speedup": ck / pl if pl else None,
                    "meets_target": bool(pl) and ck / pl >= TARGET_SPEEDUP,
                }
            )
    return out


def parsed_only_by_policy_lint(entry: dict[str, Any]) -> list[str]:
    """Files Checkov logged as unparsable (e.g. duplicate YAML keys) that policy-lint read without
    an IN001: either policy-lint is more lenient there, or it misses a real syntax error."""
    checkov = entry.get("checkov")
    if not checkov or not entry["policy_lint"]:
        return []
    flagged = {line.split(":", 1)[0] for line in entry["policy_lint"][0].get("unreadable", [])}
    return [path for path in checkov["parse_errors_logged"] if path not in flagged]


# ---------------------------------------------------------------------------------------------
# Machine facts
# ---------------------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return rev + (" + uncommitted changes" if dirty else "")


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _checkov_version(checkov: Path | None) -> str:
    if checkov is None:
        return "not run"
    result = run([str(checkov), "--version"], checkov_env(), Path(tempfile.gettempdir()))
    return result.stdout.strip() or f"unknown (exit {result.returncode})"


def machine_facts(pl: PolicyLint, checkov: Path | None) -> dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return {
        "nproc": str(usable),
        "CPU": _cpu_model(),
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "policy-lint": f"{_version('policy-lint')}, {pl.origin}",
        "python-hcl2": _version("python-hcl2"),
        "checkov": f"{_checkov_version(checkov)} ({checkov})" if checkov else "not run",
        "git": _git_revision(),
    }


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def _s(values: Sequence[float]) -> str:
    if not values:
        return "—"
    median = statistics.median(values)
    return f"{median:.2f} s" if median >= 1 else f"{median * 1000:.0f} ms"


def _times(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def facts_table(facts: dict[str, str]) -> str:
    lines = ["| fact | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in facts.items()]
    return "\n".join(lines)


def timing_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | input | tool | command | files | runs | wall median | all runs (s) | completed |",
        "|---|---|---|---|---:|---:|---:|---|---|",
    ]
    for entry in rows:
        for label, block in (("full folder", entry), ("without Checkov's aborts", entry.get("subset"))):
            if not block:
                continue
            for pl_row in block["policy_lint"]:
                ok = "yes" if not pl_row["runs_crashed"] else f"**no**: {pl_row['runs_crashed']} crashed"
                lines.append(
                    f"| {entry['corpus']} | {label} | policy-lint | `check DIR --format json --profile-set "
                    f"{pl_row['profile_set']}` | {block['files']} | {len(pl_row['times_s'])} | "
                    f"{_s(pl_row['times_s'])} | {_times(pl_row['times_s'])} | {ok} |"
                )
            ck = block.get("checkov")
            if ck:
                ok = (
                    "yes"
                    if ck["completed"]
                    else f"**no**: exit {ck['exit_code']}, `{ck.get('abort', '')[:120]}`"
                )
                lines.append(
                    f"| {entry['corpus']} | {label} | Checkov | `-d DIR --framework "
                    f"{' '.join(ck['frameworks_asked'])}` | {block['files']} | {len(ck['times_s'])} | "
                    f"{_s(ck['times_s'])} | {_times(ck['times_s'])} | {ok} |"
                )
    return "\n".join(lines)


def speedup_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | input | policy-lint profile set | policy-lint | Checkov | speed-up | ≥ 10x |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for entry in rows:
        for s in speedups(entry):
            lines.append(
                f"| {s['corpus']} | {s['input']} | {s['profile_set']} | {s['policy_lint_s']:.2f} s | "
                f"{s['checkov_s']:.2f} s | **{s['speedup']:.1f}x** | {'PASS' if s['meets_target'] else 'FAIL'} |"
            )
    return "\n".join(lines)


def understood_table(rows: list[dict[str, Any]]) -> str:
    kinds = ("users", "groups", "policies", "trails", "buckets", "queues", "security_groups", "accounts")
    head = ["corpus", "files", "read by a source", "skipped", "understood", "IN001", "IN002 (files)"]
    lines = ["| " + " | ".join([*head, *kinds, "pass / fail / unknown", "traceback"]) + " |"]
    lines.append("|" + "---|" * 2 + "---:|" * (len(head) - 2 + len(kinds)) + "---|---|")
    for entry in rows:
        for pl_row in entry["policy_lint"]:
            if not pl_row.get("report"):
                lines.append(
                    f"| {entry['corpus']} | {entry['files']} | no report: {pl_row.get('stderr_tail')} |"
                )
                continue
            res = pl_row.get("resources") or {}
            summ = pl_row.get("summary") or {}
            label = f"{entry['corpus']} (`{pl_row['profile_set']}`)"
            lines.append(
                "| "
                + " | ".join(
                    [
                        label,
                        str(entry["files"]),
                        str(pl_row["files"]),
                        str(pl_row["skipped_files"]),
                        str(pl_row["files_understood"]),
                        str(pl_row["in001"]),
                        f"{pl_row['in002']} ({pl_row['in002_files']})",
                        *(str(res.get(kind, "—")) for kind in kinds),
                        f"{summ.get('pass')} / {summ.get('fail')} / {summ.get('unknown')}",
                        "**yes**" if pl_row["runs_crashed"] else "none",
                    ]
                )
                + " |"
            )
    return "\n".join(lines)


def checkov_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | input | framework | resources | passed | failed | parsing errors | checks crashed (logged) |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for entry in rows:
        for label, block in (("full folder", entry), ("without Checkov's aborts", entry.get("subset"))):
            ck = (block or {}).get("checkov")
            if not ck:
                continue
            if not ck["frameworks"]:
                lines.append(
                    f"| {entry['corpus']} | {label} | — (aborted, no report) | | | | | {ck['checks_crashed']} |"
                )
            for fw, s in ck["frameworks"].items():
                lines.append(
                    f"| {entry['corpus']} | {label} | {fw} | {s['resource_count']} | {s['passed']} | {s['failed']} | "
                    f"{s['parsing_errors']} | {ck['checks_crashed']} |"
                )
    return "\n".join(lines)


def report_markdown(rows: list[dict[str, Any]], facts: dict[str, str]) -> str:
    parts = [
        "## Machine",
        facts_table(facts),
        "## Wall time",
        timing_table(rows),
        "## Speed-up (Checkov median ÷ policy-lint median, same folder)",
        speedup_table(rows),
        "## What policy-lint understood",
        understood_table(rows),
        "## Checkov's own counts",
        checkov_table(rows),
    ]
    problems = []
    for entry in rows:
        for pl_row in entry["policy_lint"][:1]:
            for line in pl_row.get("unreadable", []):
                problems.append(f"- {entry['corpus']}: IN001 {line}")
            for line in pl_row.get("unlocated", []):
                problems.append(f"- {entry['corpus']}: **unlocated** {line}")
            if pl_row.get("crash"):
                problems.append(f"- {entry['corpus']}: **crash** {' / '.join(pl_row['crash'])}")
    if problems:
        parts += ["## Inputs policy-lint could not read (IN001) and crashes", "\n".join(problems)]
    disagreements = [
        f"- {entry['corpus']}: {path}" for entry in rows for path in parsed_only_by_policy_lint(entry)
    ]
    if disagreements:
        parts += [
            "## Files Checkov logged as unparsable that policy-lint read without IN001",
            "\n".join(disagreements),
        ]
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# The onboarding comparison
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One marked FAULT of the broken examples, and the resources it is made on."""

    key: str
    what: str
    terraform: frozenset[str]
    cloudformation: frozenset[str]


FAULTS = (
    Fault(
        "login-profile",
        "console password (login profile) on the onboarding user",
        frozenset({"aws_iam_user.sas", "aws_iam_user_login_profile.sas"}),
        frozenset({"SasUser"}),
    ),
    Fault(
        "trail-kms",
        "KMS key on the trail (the guide requires SSE-S3)",
        frozenset({"aws_cloudtrail.audit"}),
        frozenset({"AuditTrail"}),
    ),
    Fault(
        "queue-sourcearn",
        "queue policy lets S3 send without aws:SourceArn",
        frozenset({"aws_sqs_queue.audit", "aws_sqs_queue_policy.audit"}),
        frozenset({"AuditQueue", "AuditQueuePolicy"}),
    ),
    Fault(
        "copy-only",
        "bucket notifies the queue on s3:ObjectCreated:Copy only",
        frozenset({"aws_s3_bucket.trail", "aws_s3_bucket_notification.trail"}),
        frozenset({"TrailBucket"}),
    ),
)

#: (format, correct input, broken input, Checkov target args, Checkov framework)
PAIRS = (
    (
        "terraform",
        EXAMPLES / "terraform" / "onboarding",
        EXAMPLES / "terraform" / "onboarding-broken",
        "-d",
        "terraform",
    ),
    (
        "cloudformation",
        EXAMPLES / "cloudformation" / "onboarding.yaml",
        EXAMPLES / "cloudformation" / "onboarding-broken.yaml",
        "-f",
        "cloudformation",
    ),
)
CONFIG = EXAMPLES / "onboarding" / "onboarding.yaml"


def _checkov_failures(result: Run) -> list[dict[str, Any]]:
    failures = []
    for item in checkov_reports(result.report()):
        for check in (item.get("results") or {}).get("failed_checks", []):
            resource = str(check.get("resource", ""))
            failures.append(
                {
                    "id": check.get("check_id"),
                    # CloudFormation resources are "AWS::IAM::User.SasUser": keep the logical ID
                    "resource": resource.rsplit(".", 1)[-1] if resource.startswith("AWS::") else resource,
                    "line": (check.get("file_line_range") or [None])[0],
                    "title": check.get("check_name"),
                }
            )
    return failures


def _policy_lint_failures(result: Run) -> list[dict[str, Any]]:
    report = result.report()
    if not isinstance(report, dict):
        return []
    return [
        {
            "id": r["rule_id"],
            "resource": r.get("resource"),
            "line": (r.get("location") or {}).get("line"),
            "title": r.get("title"),
            "status": r["status"],
            "severity": r.get("severity"),
            "message": r.get("message"),
        }
        for r in report.get("results", [])
        if r["status"] in ("fail", "unknown")
    ]


def compare_onboarding(pl: PolicyLint, checkov: Path | None, use_config: bool) -> dict[str, Any]:
    """Both tools on each (correct, broken) pair; a fault is caught when a failure appears on one of
    its resources in the broken input that the correct input does not have."""
    out: dict[str, Any] = {"config": str(CONFIG.relative_to(REPO)) if use_config else None, "pairs": []}
    cwd = REPO
    for fmt, good, bad, flag, framework in PAIRS:
        pair: dict[str, Any] = {
            "format": fmt,
            "correct": str(good.relative_to(REPO)),
            "broken": str(bad.relative_to(REPO)),
        }
        for tool in ("policy-lint", "checkov"):
            if tool == "checkov" and checkov is None:
                continue
            per: dict[str, Any] = {}
            for label, target in (("correct", good), ("broken", bad)):
                rel = str(target.relative_to(REPO))
                if tool == "policy-lint":
                    extra = ["--config", str(CONFIG.relative_to(REPO))] if use_config else []
                    result = run(pl.check(rel, *extra, "--format", "json"), pl.env, cwd)
                    failures = [f for f in _policy_lint_failures(result) if f["status"] == "fail"]
                    unknown = [f for f in _policy_lint_failures(result) if f["status"] == "unknown"]
                    per[label] = {
                        "exit_code": result.returncode,
                        "failures": failures,
                        "unknown": unknown,
                        "traceback": crashed(result.stderr),
                    }
                else:
                    assert checkov is not None
                    result = run(checkov_cmd(checkov, (framework,), flag, rel), checkov_env(), cwd)
                    per[label] = {
                        "exit_code": result.returncode,
                        "failures": _checkov_failures(result),
                        "traceback": TRACEBACK in result.stderr,
                    }
            good_keys = {(f["id"], f["resource"]) for f in per["correct"]["failures"]}
            bad_keys = {(f["id"], f["resource"]) for f in per["broken"]["failures"]}
            per["new_on_broken"] = [
                f for f in per["broken"]["failures"] if (f["id"], f["resource"]) not in good_keys
            ]
            per["gone_on_broken"] = [
                f for f in per["correct"]["failures"] if (f["id"], f["resource"]) not in bad_keys
            ]
            per["caught"] = {}
            for fault in FAULTS:
                names = fault.terraform if fmt == "terraform" else fault.cloudformation
                per["caught"][fault.key] = sorted(
                    {f["id"] for f in per["new_on_broken"] if f["resource"] in names}
                )
            pair[tool] = per
        out["pairs"].append(pair)
    return out


def _failure_rows(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return "_none_"
    counts = Counter((f["id"], f["title"]) for f in failures)
    resources: dict[tuple[str, str], list[str]] = {}
    for f in failures:
        resources.setdefault((f["id"], f["title"]), []).append(f"{f['resource']}")
    lines = ["| check | what it wants | resources | count |", "|---|---|---|---:|"]
    for key, count in sorted(counts.items()):  # Checkov's own order varies from run to run
        lines.append(f"| `{key[0]}` | {key[1]} | {', '.join(f'`{r}`' for r in resources[key])} | {count} |")
    return "\n".join(lines)


def comparison_markdown(result: dict[str, Any]) -> str:
    parts = []
    for pair in result["pairs"]:
        fmt = pair["format"]
        parts.append(f"### {fmt}: `{pair['correct']}` (correct) and `{pair['broken']}` (broken)")
        summary = ["| | policy-lint | Checkov |", "|---|---:|---:|"]
        pl, ck = pair.get("policy-lint"), pair.get("checkov")

        def n(block: dict[str, Any] | None, label: str, key: str = "failures") -> str:
            return str(len(block[label][key])) if block else "—"

        summary.append(
            f"| failures on the **correct** onboarding | {n(pl, 'correct')} | {n(ck, 'correct')} |"
        )
        summary.append(f"| failures on the broken onboarding | {n(pl, 'broken')} | {n(ck, 'broken')} |")
        summary.append(
            f"| unknown (policy-lint) on correct / broken | {n(pl, 'correct', 'unknown')} / "
            f"{n(pl, 'broken', 'unknown')} | — |"
        )
        for fault in FAULTS:
            cells = []
            for block in (pl, ck):
                if block is None:
                    cells.append("—")
                    continue
                ids = block["caught"][fault.key]
                cells.append("**caught**: " + ", ".join(f"`{i}`" for i in ids) if ids else "missed")
            summary.append(f"| FAULT {fault.what} | {cells[0]} | {cells[1]} |")
        if ck:
            gone = ", ".join(f"`{f['id']}` on `{f['resource']}`" for f in ck["gone_on_broken"]) or "none"
            summary.append(f"| Checkov failures that the faults make *pass* | — | {gone} |")
        parts.append("\n".join(summary))
        if ck:
            parts.append(
                f"Checkov's failures on the correct {fmt} onboarding:\n\n"
                + _failure_rows(ck["correct"]["failures"])
            )
            parts.append(
                f"Checkov's new failures on the broken {fmt} onboarding:\n\n"
                + _failure_rows(ck["new_on_broken"])
            )
        if pl:
            parts.append(
                f"policy-lint's failures on the broken {fmt} onboarding:\n\n"
                + _failure_rows(pl["broken"]["failures"])
            )
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# Issue 15's target: the exact commands, time and the largest process's memory
# ---------------------------------------------------------------------------------------------

TARGET_FACTOR = 30.0
TARGET_MEMORY_SHARE = 0.2


@dataclass
class Measured:
    """One process tree: wall and CPU seconds, the largest process's peak RSS, exit code, output."""

    command: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    returncode: int
    stdout: bytes

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "stdout"}


def measure(cmd: Sequence[str], env: dict[str, str], shown: str) -> Measured:
    """Run ``cmd`` and read its rusage with ``wait4``: on Linux ``ru_maxrss`` is then the maximum
    over the process and every descendant it waited for (the largest process, not a sum), and the
    CPU times include those descendants."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read()
    return Measured(
        shown, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, stdout
    )


def bench_target(corpus: Path, pl: PolicyLint, checkov: Path | None) -> dict[str, Any]:
    """policy-lint (default jobs, then --jobs 1) and Checkov's exact command on ``corpus/terraform``."""
    folder = corpus / "terraform"
    if not folder.is_dir():
        raise BenchError(f"corpus folder {folder} not found (pass --corpus DIR)")
    runs: dict[str, Measured] = {}
    shown = f"policy-lint check {folder} --format json"
    _log(f"warm-up: {shown}")
    measure(pl.check(str(folder), "--format", "json"), pl.env, shown)
    for label, extra in (("policy-lint", ()), ("policy-lint --jobs 1", ("--jobs", "1"))):
        command = " ".join([shown, *extra])
        _log(command)
        runs[label] = measure(pl.check(str(folder), "--format", "json", *extra), pl.env, command)
    if runs["policy-lint"].stdout != runs["policy-lint --jobs 1"].stdout:
        raise BenchError("policy-lint's output differs between the default jobs and --jobs 1")
    if checkov is not None:
        command = f"checkov -d {folder} --quiet --compact -o json"
        _log(command)
        runs["checkov"] = measure(
            [str(checkov), "-d", str(folder), "--quiet", "--compact", "-o", "json"], checkov_env(), command
        )
    result: dict[str, Any] = {"runs": {label: m.as_dict() for label, m in runs.items()}}
    if "checkov" in runs:
        ck = runs["checkov"]
        for label in ("policy-lint", "policy-lint --jobs 1"):
            pl_run = runs[label]
            result.setdefault("ratios", {})[label] = {
                "speedup_wall": ck.wall_s / pl_run.wall_s,
                "speedup_cpu": ck.cpu_s / pl_run.cpu_s,
                "memory_share": pl_run.peak_rss_mib / ck.peak_rss_mib,
            }
    return result


def target_markdown(result: dict[str, Any], facts: dict[str, str]) -> str:
    lines = ["## Machine", "", facts_table(facts), "", "## Commands, one run each, same files", ""]
    lines += [
        "| tool | exact command | exit | wall | CPU (user+sys, with children) | largest process peak RSS |"
    ]
    lines += ["|---|---|---|---|---|---|"]
    for label, m in result["runs"].items():
        lines.append(
            f"| {label} | `{m['command']}` | {m['returncode']} | {m['wall_s']:.1f} s | {m['cpu_s']:.1f} s "
            f"| {m['peak_rss_mib']:.0f} MiB |"
        )
    if "ratios" in result:
        lines += ["", f"## Against the targets (>= {TARGET_FACTOR:.0f}x faster, <= 1/5 of the memory)", ""]
        lines += ["| policy-lint run | Checkov wall / policy-lint wall | CPU ratio | memory share | met |"]
        lines += ["|---|---|---|---|---|"]
        for label, r in result["ratios"].items():
            met = r["speedup_wall"] >= TARGET_FACTOR and r["memory_share"] <= TARGET_MEMORY_SHARE
            lines.append(
                f"| {label} | {r['speedup_wall']:.1f}x | {r['speedup_cpu']:.1f}x | "
                f"{r['memory_share']:.2f} | {'yes' if met else 'no'} |"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding terraform/ and cloudformation/"
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(CORPORA), help="only this corpus folder (repeatable)"
    )
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV, help="Checkov executable")
    parser.add_argument("--skip-checkov", action="store_true", help="leave Checkov out")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed policy-lint runs per folder (after 1 warm-up)"
    )
    parser.add_argument("--checkov-runs", type=int, default=1, help="timed Checkov runs per folder")
    parser.add_argument(
        "--profile-sets",
        default="onboarding,all",
        help="comma-separated policy-lint --profile-set values to time (default: onboarding,all)",
    )
    parser.add_argument(
        "--rev", help="run policy_lint as committed at this git revision (e.g. HEAD), not the work tree"
    )
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--compare-onboarding", action="store_true", help="the onboarding comparison instead")
    parser.add_argument(
        "--target",
        action="store_true",
        help="issue 15's target: the exact commands on terraform/, with memory",
    )
    parser.add_argument(
        "--no-config", action="store_true", help="compare-onboarding: without --config onboarding.yaml"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.checkov_runs < 1:
        parser.error("--runs and --checkov-runs must be at least 1")
    return args


def resolve_checkov(args: argparse.Namespace) -> Path | None:
    if args.skip_checkov:
        return None
    if not (args.checkov.is_file() and os.access(args.checkov, os.X_OK)):
        _log(
            f"Checkov not found at {args.checkov}: its rows are skipped "
            "(python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov, or --checkov PATH)"
        )
        return None
    checkov: Path = args.checkov
    return checkov


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    checkov = resolve_checkov(args)
    with tempfile.TemporaryDirectory(prefix="bench-iac-pycache-") as cache:
        pl = policy_lint_at(args.rev, cache)
        try:
            facts = machine_facts(pl, checkov)
            facts["load average 1/5/15 min at start"] = load_average()
            started = time.perf_counter()
            payload: dict[str, Any] = {"facts": facts}
            if args.target:
                result = bench_target(args.corpus, pl, checkov)
                payload["target"] = result
                facts["load average 1/5/15 min at end"] = load_average()
                print(target_markdown(result, facts))
                if args.json:
                    args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
                return 0
            if args.compare_onboarding:
                result = compare_onboarding(pl, checkov, use_config=not args.no_config)
                payload["comparison"] = result
                text = comparison_markdown(result)
            else:
                cfg = Settings(
                    corpus=args.corpus,
                    only=args.only or list(CORPORA),
                    checkov=checkov,
                    runs=args.runs,
                    checkov_runs=args.checkov_runs,
                    profile_sets=[p.strip() for p in args.profile_sets.split(",") if p.strip()],
                    rev=args.rev,
                )
                if not cfg.corpus.is_dir():
                    _log(f"corpus not found at {cfg.corpus}: nothing to time (pass --corpus DIR)")
                rows = bench_corpora(cfg, pl)
                payload["corpora"] = rows
                payload["speedups"] = [s for entry in rows for s in speedups(entry)]
                text = None
            facts["load average 1/5/15 min at end"] = load_average()
            facts["whole run"] = f"{time.perf_counter() - started:.0f} s"
            if text is None:
                text = report_markdown(payload["corpora"], facts)
            else:
                text = "## Machine\n\n" + facts_table(facts) + "\n\n" + text
            print(text)
            if args.json:
                args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
                _log(f"wrote {args.json}")
        finally:
            for path in pl.cleanup:
                shutil.rmtree(path, ignore_errors=True)
    return 0


def cli() -> None:
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"bench_iac: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    cli()
