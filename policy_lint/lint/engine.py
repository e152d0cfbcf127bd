"""The policy linter: files in, sorted findings out.

Rules are found in lint's half of the rule set (:mod:`policy_lint.rules.lint_ruleset`);
this module only loads documents, runs the selected rules and turns their reports
into located :class:`~policy_lint.core.findings.Finding` objects.
"""

from __future__ import annotations

import atexit
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TypeAlias

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Location
from policy_lint.core.input_paths import Inputs, expand_paths
from policy_lint.core.processes import map_in_processes, split_guided, workers_for
from policy_lint.lint.context import LintContext, LintOptions
from policy_lint.lint.inherited import mark_inherited
from policy_lint.policy.classify import classify
from policy_lint.policy.loader import POLICY_SUFFIXES, ParseProblem, parse_tree
from policy_lint.policy.model import PolicyDocument, PolicyType, build_document
from policy_lint.policy.wrapped import unwrap
from policy_lint.rules.lint_ruleset import get_policy_rule, policy_rule_ids, policy_rules
from policy_lint.rules.registry import PolicyRule
from policy_lint.syntax.nodes import Node
from policy_lint.syntax.source import DEFAULT_MAX_BYTES, MAX_FILE_SIZE_HINT, Source, read_source

#: Folders never worth walking into.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".terraform", ".venv", "venv", "__pycache__", ".tox"}
)


@dataclass
class LintResult:
    """Everything a lint run produced; ``errors`` are unusable inputs (exit code 2)."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: int = 0
    #: files named explicitly that are not policy documents, so were not linted (see classify)
    skipped: list[str] = field(default_factory=list)
    #: the YAML policies linted, the only policy files that can carry suppression comments
    yaml_inputs: list[str] = field(default_factory=list)
    #: what ``prepare`` (see :func:`lint_paths`) returned for each batch's findings, merged
    prepared: dict[str, str] = field(default_factory=dict)


def _finding(
    source: Source,
    rule_id: str,
    message: str,
    offset: int,
    hint: str | None = None,
    line_col: tuple[int, int] | None = None,
) -> Finding:
    meta = get_policy_rule(rule_id)
    line, col = line_col or source.position(offset)
    return Finding(rule_id, meta.level, message, Location(source.path, line, col), meta.name, hint)


def problem_finding(source: Source, problem: ParseProblem) -> Finding:
    """The finding for a file :func:`load_policy` could not turn into a document (lint and diff)."""
    return _finding(source, problem.rule_id, problem.message, problem.offset, problem.hint, problem.line_col)


@lru_cache(maxsize=32)
def selected_rules(options: LintOptions) -> tuple[PolicyRule, ...]:
    """The rules ``options`` select, worked out once per selection rather than once per file."""
    return tuple(rule for rule in (*policy_rules(), *options.extra_rules) if options.wants(rule.meta.id))


@lru_cache(maxsize=64)
def rules_for(options: LintOptions, policy_type: PolicyType) -> tuple[PolicyRule, ...]:
    """The selected rules that apply to a document of ``policy_type``: the one place a rule's
    ``policy_types`` is honoured (a rule declared for trust policies never reads an identity policy)."""
    return tuple(
        rule
        for rule in selected_rules(options)
        if not rule.meta.policy_types or policy_type.value in rule.meta.policy_types
    )


def runs_nothing(options: LintOptions) -> bool:
    """A ``select`` that keeps no policy rule (``--select OB1``): lint would check nothing and pass."""
    ids = (*policy_rule_ids(), *(rule.meta.id for rule in options.extra_rules))
    return bool(options.select) and not any(options.wants(rule_id) for rule_id in ids)


def lint_document(doc: PolicyDocument, ctx: LintContext) -> list[Finding]:
    """Run every selected policy rule over one parsed document."""
    located: list[tuple[int, Finding]] = []
    for rule in rules_for(ctx.options, doc.policy_type):
        meta = rule.meta
        for report in rule.check(doc, ctx):
            offset = report.node.offset if report.node is not None else 0
            line, col = doc.source.position(offset)
            location = Location(doc.path, line, col)
            located.append(
                (offset, Finding(meta.id, meta.level, report.message, location, meta.name, report.hint))
            )
    # The project's own rules state what the project forbids: a statement copied from the vendor's
    # reference does not excuse it, so only the built-in rules' findings can be inherited vendor risk.
    own = {rule.meta.id for rule in ctx.options.extra_rules}
    mark_inherited(doc, [(offset, finding) for offset, finding in located if finding.rule_id not in own])
    return [finding for _, finding in located]


def lint_source(
    source: Source, ctx: LintContext, parsed: tuple[Node | None, ParseProblem | None] | None = None
) -> list[Finding]:
    """Parse (unless the classifier did already: ``parsed``) and lint one decoded file."""
    findings: list[Finding] = []
    if source.had_bom and ctx.options.wants("PL003"):
        findings.append(
            _finding(
                source,
                "PL003",
                "file starts with a UTF-8 byte-order mark",
                0,
                "save the file as UTF-8 without BOM",
            )
        )
    root, problem = parsed if parsed is not None else parse_tree(source)
    if root is None:
        assert problem is not None
        # Reported whatever --select/--ignore say: a file that cannot be read cannot pass.
        findings.append(problem_finding(source, problem))
        return findings
    findings.extend(lint_document(build_document(source, root, ctx.options.policy_type), ctx))
    return findings


def lint_text(text: str, path: str = "<string>", options: LintOptions | None = None) -> list[Finding]:
    """Lint a policy given as text (used by tests and the diff command)."""
    ctx = LintContext(options or LintOptions())
    return sorted(lint_source(Source(path, text), ctx), key=Finding.sort_key)


def iter_inputs(paths: Iterable[str]) -> Inputs:
    """Files named on the command line, then policy-like files (by suffix) in folders, and the
    paths that could not be listed or reached (unusable input, never skipped in silence)."""
    return expand_paths(
        paths,
        skip_dir=lambda name: name in SKIP_DIRS or name.startswith("."),
        wanted=lambda name: name.lower().endswith(POLICY_SUFFIXES),
    )


#: work a report needs on each batch's findings (the cleaning of their texts), done where they are made
Prepare: TypeAlias = Callable[[list[Finding]], dict[str, str]]


def _lint_batch(
    batch: list[tuple[str, bool]],
    options: LintOptions,
    max_bytes: int,
    as_policy: bool = False,
    prepare: Prepare | None = None,
) -> LintResult:
    result = LintResult()
    ctx = LintContext(options)
    for path, explicit in batch:
        try:
            source = read_source(path, max_bytes=max_bytes, too_big_hint=MAX_FILE_SIZE_HINT)
        except InputError as exc:
            result.errors.append(exc)
            continue
        parsed = None
        wrapped = None
        if not (as_policy and explicit):
            classified = classify(source, will_lint=True)
            if not classified.is_policy:
                if explicit:
                    result.skipped.append(path)
                continue
            parsed, wrapped = classified.parsed, classified.wrapped
        result.files += 1
        if path.lower().endswith((".yaml", ".yml")):
            result.yaml_inputs.append(path)
        if wrapped is not None:
            result.findings.extend(lint_wrapped(source, ctx, wrapped, parsed))
        else:
            result.findings.extend(lint_source(source, ctx, parsed))
    if prepare is not None:
        result.prepared = prepare(result.findings)
    return result


def lint_wrapped(
    source: Source,
    ctx: LintContext,
    keys: tuple[str, ...],
    parsed: tuple[Node | None, ParseProblem | None] | None = None,
) -> list[Finding]:
    """Lint the policy a file carries under ``keys`` (:mod:`policy_lint.policy.wrapped`); the file
    as it is when the document's extent cannot be told (its findings then say what it holds)."""
    root, _problem = parsed if parsed is not None else parse_tree(source)
    unwrapped = unwrap(source, root, keys) if root is not None else None
    if unwrapped is None:
        return lint_source(source, ctx, parsed)
    if unwrapped.at is None:
        return lint_source(unwrapped.source, ctx)
    # a document in a string has no lines of its own in the file: every finding is at the string,
    # and no message cites a line of the decoded text
    text_ctx = LintContext(replace(ctx.options, document_lines=False), ctx.catalog)
    at = Location(source.path, *unwrapped.at)
    return [replace(f, location=at) for f in lint_source(unwrapped.source, text_ctx)]


def lint_paths(
    paths: Iterable[str],
    options: LintOptions,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    *,
    as_policy: bool = False,
    prepare: Prepare | None = None,
) -> LintResult:
    """Lint the policy documents among files and folders: named or found, a file is linted when
    its content makes it a policy (:mod:`policy_lint.policy.classify`), and a named file that is
    not one is listed in ``skipped``. ``as_policy`` lints every named file, whatever it holds.

    Large folders are split across processes (``jobs``, default: one per CPU); the
    result is sorted, so it is identical whatever the number of jobs. ``prepare`` (a module-level
    function) is called on each batch's findings in the process that made them, in parallel;
    what it returns is merged into ``prepared`` (``lint`` cleans the texts its report shows).
    """
    expanded = iter_inputs(paths)
    inputs = expanded.files
    workers = workers_for(jobs, len(inputs))
    with _few_collections():
        if workers == 1:
            result = _lint_batch(inputs, options, max_bytes, as_policy, prepare)
        else:
            _load_catalogs_before_fork()
            result = _lint_parallel(inputs, options, max_bytes, workers, as_policy, prepare)
    result.errors.extend(expanded.errors)
    result.yaml_inputs.sort()
    result.skipped.sort()
    result.findings.sort(key=Finding.sort_key)
    result.errors.sort(key=lambda e: (e.path or "", e.line or 0, e.col or 0))
    return result


#: Allocations between young-generation collections while linting (CPython's default is 700).
_GC_THRESHOLD = 50_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Collect garbage rarely while linting: node trees are acyclic and die by refcount, but a
    policy makes thousands of them, so the default thresholds run the cyclic collector (which
    walks every live catalog entry) over and over: 10-15% of a corpus run. Restored afterwards.
    """
    saved = gc.get_threshold()
    gc.freeze()  # what is loaded already (modules, catalogs) is never garbage: stop scanning it
    gc.set_threshold(_GC_THRESHOLD, saved[1], saved[2])
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()


_freeze_registered = False


def skip_collection_at_exit() -> None:
    """Have the interpreter's last garbage collection skip everything alive now or later.

    At exit CPython runs the cyclic collector over every live object (catalogs, rule modules)
    before freeing them: 20-30 ms after a corpus run, spent on garbage that is about to be
    freed anyway. ``gc.freeze()`` in an exit handler (which runs before that collection) moves
    them out of its sight. The CLI calls this; a library caller's collector is left alone.
    """
    global _freeze_registered
    if not _freeze_registered:
        _freeze_registered = True
        atexit.register(gc.freeze)


def _load_catalogs_before_fork() -> None:
    """Fill the process-wide catalogs from the compact on-disk cache, so forked workers inherit them.

    Without the cache every worker reads ~400 service files itself (~0.1 s each); with it the
    parent loads one file and builds the entries in ~30 ms, once, and the workers share them
    copy-on-write. Built on the first such run; any problem with it (or ``--no-cache``) leaves
    the workers to read the files as before.
    """
    from policy_lint.catalog.defaults import attach_to_defaults

    if attach_to_defaults(eager=True):
        gc.freeze()  # the new catalog too: no worker's collector walks (and copies) the inherited entries


def _size_of(path: str) -> int:
    """A file's bytes, the estimate of its lint time; 0 when it cannot be read (its worker says why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _lint_parallel(
    inputs: list[tuple[str, bool]],
    options: LintOptions,
    max_bytes: int,
    workers: int,
    as_policy: bool,
    prepare: Prepare | None,
) -> LintResult:
    result = LintResult()
    size = {path: _size_of(path) for path, _ in inputs}
    batches = split_guided(inputs, [size[path] for path, _ in inputs], workers)
    costs = [sum(size[path] for path, _ in batch) for batch in batches]
    for part in map_in_processes(
        _lint_batch, batches, workers, options, max_bytes, as_policy, prepare, costs=costs
    ):
        result.findings.extend(part.findings)
        result.errors.extend(part.errors)
        result.files += part.files
        result.skipped.extend(part.skipped)
        result.yaml_inputs.extend(part.yaml_inputs)
        result.prepared.update(part.prepared)
    return result
