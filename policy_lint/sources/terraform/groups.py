"""A large Terraform input loaded across one process per CPU, with the serial load's exact result.

Why: parsing and evaluating the folders of a large repository is most of ``check``'s time, and
the repositories, projects and examples under the checked folder are independent configurations.
The input is cut into **groups**, one per entry below each checked folder (``check repos/`` makes
one group per repository); each worker loads whole groups (parse, find the roots, evaluate, map)
and sends back only the inventory it built: resources and located problems, never parse trees.
The parent appends the groups' inventories in folder order, which is the serial load's order.
:func:`start` hands the groups to the workers and returns at once, so the caller reads the other
sources meanwhile; :meth:`Started.finish` waits for them.

A group can only be loaded on its own when the serial load would have treated it the same way,
so each worker reports what it decided and the parent compares that with what the serial load
decides over the whole input. :func:`load_in_groups` answers False (and the caller loads
serially, from scratch) when any of these would differ:

* a folder of one group calls, or evaluates as a module, a folder of another group, or two
  groups evaluate the same module folder (its notes are reported once per load);
* which folders are roots: the serial rule ("the uncalled folders applied on their own, else
  every uncalled folder") is taken over the whole input; the workers assume some folder of the
  input is applied on its own, and the parent checks it;
* the labels qualifying addresses (they depend on how many roots the whole input has);
* the evaluation budget: it bounds the whole load, so the groups' totals must add up to less
  than every limit (then no limit was reached in the serial load either).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.core.findings import Finding
from policy_lint.core.processes import Running, split, workers_for
from policy_lint.inventory.model import Inventory
from policy_lint.sources import problems
from policy_lint.sources.configurations import labels, relative_to_checked
from policy_lint.sources.terraform import hcl
from policy_lint.sources.terraform.budget import Budget
from policy_lint.sources.terraform.evaluator import HclFile
from policy_lint.sources.terraform.roots import Roots, applied_on_its_own, called_folders


@dataclass
class Group:
    """One entry below a checked folder: its folders and their input files."""

    key: str
    by_dir: dict[Path, list[Path]]


@dataclass
class Loaded:
    """What a worker sends back for one group: its inventory and what the parent must check."""

    inventory: Inventory
    labels: dict[Path, str | None] = field(default_factory=dict)
    uncalled: list[Path] = field(default_factory=list)
    configured: bool = False
    #: module folders of another group, or outside the input, that the group called or evaluated
    reached: set[Path] = field(default_factory=set)
    #: where the left-out note would point for each uncalled folder that is not a root
    first_files: dict[Path, str] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    too_large: dict[tuple[str, int, int], str] = field(default_factory=dict)
    exhausted: bool = False


@dataclass(frozen=True)
class Settings:
    """The arguments of :func:`hcl.load` every group shares."""

    region: str | None
    account_id: str | None
    roots: Sequence[str | Path] | None
    alongside: bool
    repository_root: str | Path | None
    #: every folder of the whole input (a call into another group's folder is then seen)
    folders: frozenset[Path]


def load(
    files: Sequence[Path],
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    roots: Sequence[str | Path] | None = None,
    alongside: bool = False,
    repository_root: str | Path | None = None,
    jobs: int | None = None,
    started: Started | None = None,
) -> None:
    """:func:`hcl.load`, across ``jobs`` processes (None: one per CPU) when that gives the same
    result. ``started``: the groups already handed to workers by :func:`start` with these arguments
    (the caller loaded other sources meanwhile)."""
    if started is None:
        started = start(files, region, account_id, roots, alongside, repository_root, jobs)
    if started is None or not started.finish(inventory):
        hcl.load(
            files,
            inventory,
            region=region,
            account_id=account_id,
            roots=roots,
            alongside=alongside,
            repository_root=repository_root,
        )


def load_in_groups(
    files: Sequence[Path],
    inventory: Inventory,
    region: str | None,
    account_id: str | None,
    roots: Sequence[str | Path] | None,
    alongside: bool,
    repository_root: str | Path | None,
    jobs: int | None,
) -> bool:
    """Load ``files`` into ``inventory`` across processes; False, with ``inventory`` untouched,
    when the input is too small for processes to pay or the split could change the result."""
    started = start(files, region, account_id, roots, alongside, repository_root, jobs)
    return started is not None and started.finish(inventory)


def start(
    files: Sequence[Path],
    region: str | None,
    account_id: str | None,
    roots: Sequence[str | Path] | None,
    alongside: bool,
    repository_root: str | Path | None,
    jobs: int | None,
) -> Started | None:
    """Hand the groups of ``files`` to ``jobs`` workers and return at once; None when the input
    is too small for processes to pay, or is one group."""
    workers = workers_for(jobs, len(files))
    if workers == 1:
        return None
    by_dir = hcl.folders_of(files)
    checked = [Path(p) for p in roots] if roots is not None else sorted(by_dir)
    groups = _groups(by_dir, checked)
    if len(groups) < 2:
        return None
    settings = Settings(region, account_id, roots, alongside, repository_root, frozenset(by_dir))
    batches = split(groups, workers)
    return Started(groups, batches, checked, settings, Running(_load_batch, batches, workers, settings))


@dataclass
class Started:
    """Groups handed to workers: :meth:`finish` waits for them and adds what they loaded."""

    groups: list[Group]
    batches: list[list[Group]]
    checked: list[Path]
    settings: Settings
    running: Running[list[Loaded]]

    def finish(self, inventory: Inventory) -> bool:
        """Add the groups' inventories to ``inventory``; False, with ``inventory`` untouched, when
        the split could change the result (the caller then loads serially)."""
        loaded: dict[str, Loaded] = {}
        for batch, results in zip(self.batches, self.running, strict=True):
            loaded.update(zip((g.key for g in batch), results, strict=True))
        ordered = [loaded[g.key] for g in self.groups]
        settings = self.settings
        decided = _serial_decision(ordered, self.checked, settings.alongside, settings.folders)
        if decided is None:
            return False
        left_out, notes = decided
        for part in ordered:
            inventory.extend(part.inventory, sources=False)
        inventory.sources.append(hcl.SOURCE)
        inventory.problems.extend(notes)
        if left_out:
            first = next(p.first_files[left_out[0]] for p in ordered if left_out[0] in p.first_files)
            inventory.problems.append(hcl.left_out_note(left_out, first))
        return True


def _groups(by_dir: dict[Path, list[Path]], checked: Sequence[Path]) -> list[Group]:
    """The input's folders by their first entry below the checked folder holding them, in order."""
    grouped: dict[str, dict[Path, list[Path]]] = {}
    for directory in sorted(by_dir):
        relative = relative_to_checked(directory, checked)
        if relative is None:
            key = str(directory)
        else:
            holder = Path(directory).parts[: len(Path(directory).parts) - len(Path(relative).parts)]
            first = Path(relative).parts[:1] if relative != "." else ()
            key = str(Path(*holder, *first)) if holder or first else "."
        grouped.setdefault(key, {})[directory] = by_dir[directory]
    return [Group(key, folders) for key, folders in grouped.items()]


def _load_batch(batch: list[Group], settings: Settings) -> list[Loaded]:
    return [_load_group(group, settings) for group in batch]


def _load_group(group: Group, settings: Settings) -> Loaded:
    """One group loaded as the serial load would, if the rest of the input decided as assumed."""
    part = Inventory()
    files = [path for paths in group.by_dir.values() for path in paths]
    loader = hcl.new_loader(
        part, files, settings.region, settings.account_id, settings.roots, None, settings.repository_root
    )
    checked = [Path(p) for p in settings.roots] if settings.roots is not None else sorted(settings.folders)
    out = Loaded(part)

    def decide(parsed: dict[Path, list[HclFile]], called: set[Path]) -> Roots:
        outside = set(settings.folders) - set(group.by_dir)
        visible = {**parsed, **{folder: [] for folder in outside}}
        out.reached |= called_folders(visible, loader.literal) & outside
        out.uncalled = sorted(d for d in parsed if d not in called)
        configured = [d for d in out.uncalled if applied_on_its_own(parsed[d])]
        out.configured = bool(configured)
        # assumed: some folder of the whole input is applied on its own (the parent checks it)
        out.labels = labels(configured, checked, below_counts=True, alongside=settings.alongside)
        left_out = tuple(d for d in out.uncalled if d not in configured)
        out.first_files = {d: hcl.first_file(loader, d) for d in left_out}
        return Roots(out.labels, left_out)

    hcl.load_roots(loader, group.by_dir, checked, settings.alongside, decide)
    out.reached |= set(loader.parsed) - set(group.by_dir)
    budget = loader.budget
    out.totals = {kind: getattr(budget, kind) for kind in ("steps", "built", "expansion", "file_bytes")}
    out.too_large = dict(budget.too_large)
    out.exhausted = bool(budget.exhausted)
    return out


def _serial_decision(
    parts: list[Loaded], checked: Sequence[Path], alongside: bool, folders: frozenset[Path]
) -> tuple[list[Path], list[Finding]] | None:
    """The left-out folders and budget notes of the serial load, if it would have decided as the
    groups did; None otherwise."""
    reached: set[Path] = set()
    for part in parts:
        # another group's folder (its roots, its notes), or a module two groups both evaluate
        if part.exhausted or part.reached & reached or part.reached & folders:
            return None
        reached |= part.reached
    if not any(part.configured for part in parts):
        return None  # the serial rule would make every uncalled folder a root
    limits = Budget().limits
    for kind in ("steps", "built", "expansion", "file_bytes"):
        if sum(part.totals.get(kind, 0) for part in parts) > getattr(limits, kind):
            return None
    roots = [folder for part in parts for folder in part.labels]
    merged = {folder: label for part in parts for folder, label in part.labels.items()}
    if labels(roots, checked, below_counts=True, alongside=alongside) != merged:
        return None
    left_out = sorted(folder for part in parts for folder in part.uncalled if folder not in part.labels)
    budget = Budget()
    for part in parts:
        for (path, line, col), reason in part.too_large.items():
            budget.note_too_large(reason, path, line, col)
    notes = [
        problems.problem(problems.PARTIAL, f"{reason}: this value is unknown", path, line, col)
        for (path, line, col), reason in budget.too_large.items()
    ]
    return left_out, notes
