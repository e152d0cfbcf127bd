"""Spreading independent work over one process per CPU: the one mechanism ``lint`` (folders of
policies) and ``check`` (Terraform folders, many plan files, CloudFormation scenario runs, the
lint of embedded policies) share.

Why processes: parsing is pure Python, so threads would take turns on one core. Why fork where
the platform has it: the workers inherit what the parent loaded (modules, catalogs) instead of
importing and building it again. Callers keep their output identical whatever the number of
jobs: work is split into batches whose results come back in batch order, and each caller merges
them in the order a serial run produces.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

#: Below this many files a second process costs more than it saves.
PARALLEL_THRESHOLD = 200

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """One process per CPU this process may run on, at most 8."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, 8))


def workers_for(jobs: int | None, items: int) -> int:
    """How many processes ``items`` inputs get with ``--jobs jobs`` (None: one per CPU): one when
    there are too few for a second process to pay its start-up."""
    workers = default_jobs() if jobs is None else max(1, jobs)
    return 1 if items < PARALLEL_THRESHOLD else workers


def split(items: Sequence[T], workers: int, per_worker: int = 4) -> list[list[T]]:
    """``items`` in ``workers * per_worker`` runs of neighbours (several per worker keep the load
    even: a worker that finishes early takes the next run).

    Runs, not every n-th item: files side by side in a folder tend to name the same services,
    actions and ARN formats, so each worker fills fewer caches (~6% less CPU on the managed
    policies)."""
    if not items:
        return []
    size = -(-len(items) // (workers * per_worker))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


#: Guided runs: each takes this share of the cost not yet handed out, per worker (2: a half).
_GUIDED_SHARE = 2
#: ... and none is smaller than this share of the whole (no run of a single tiny file).
_GUIDED_SMALLEST = 64


def split_guided(items: Sequence[T], costs: Sequence[float], workers: int) -> list[list[T]]:
    """``items`` in runs of neighbours whose cost shrinks as the work runs out ("guided
    self-scheduling"): the first runs are large (few hand-offs, caches filled once per run),
    the last ones small, so the workers finish within a small run of each other. Equal runs
    left one worker ~50 ms alone with the last of them on the managed policies; with guided
    runs the tail is the cost of ~1/64 of the work split between two workers.

    ``costs`` holds one estimate per item (its bytes). Runs come back in item order."""
    if not items:
        return []
    remaining = float(sum(costs))
    smallest = remaining / (workers * _GUIDED_SMALLEST)
    runs: list[list[T]] = []
    run: list[T] = []
    run_cost = 0.0
    target = max(remaining / (workers * _GUIDED_SHARE), smallest)
    for item, cost in zip(items, costs, strict=True):
        run.append(item)
        run_cost += cost
        if run_cost >= target:
            runs.append(run)
            remaining -= run_cost
            run, run_cost = [], 0.0
            target = max(remaining / (workers * _GUIDED_SHARE), smallest)
    if run:
        runs.append(run)
    return runs


def map_in_processes(
    work: Callable[..., R],
    batches: Sequence[T],
    workers: int,
    *shared: object,
    costs: Sequence[float] | None = None,
) -> Iterator[R]:
    """``work(batch, *shared)`` for each batch, in ``workers`` processes; results in batch order.

    ``work`` must be a module-level function and its arguments picklable. A batch whose worker
    could not send its result back (a result nested too deeply to pickle, a worker killed for
    memory) is done again in this process, so the run still gives what a serial run gives:
    located input errors, never a pool's traceback.

    ``costs`` (one estimate per batch, such as its bytes) has the costliest batches start first,
    so no worker is left with a large one after the others have finished; results still come
    in batch order.
    """
    return iter(Running(work, batches, workers, *shared, costs=costs))


#: processes started by fork inherit what the parent holds: only then can work be a closure
CAN_INHERIT = hasattr(os, "fork")

#: the closures of :func:`map_inherited`, by key; a forked worker finds them in its copy
_INHERITED: dict[int, Callable[[Any], Any]] = {}

#: batches this process did itself because a worker failed or no pool could start: a run's output
#: is the same either way, so tests read this to know the parallel path was really taken
fallbacks = 0


def map_inherited(work: Callable[[T], R], batches: Sequence[T], workers: int) -> Running[R]:
    """:func:`map_in_processes` for ``work`` closing over what this process holds (a loaded
    inventory, parsed templates): forked workers inherit it instead of receiving a pickled copy,
    and only the batches and the results cross. Call it only where :data:`CAN_INHERIT`."""
    key = id(work)
    _INHERITED[key] = work
    return Running(_call_inherited, batches, workers, key, forget=key)


def _start_order(count: int, costs: Sequence[float] | None) -> list[int]:
    """Batch indices in the order to start them: costliest first when costs are known (the
    longest-job-first rule), else as given."""
    if costs is None:
        return list(range(count))
    return sorted(range(count), key=lambda index: -costs[index])


def _call_inherited(batch: Any, key: int) -> Any:
    return _INHERITED[key](batch)


class Running(Generic[R]):
    """Batches handed to a pool of processes as soon as it is made, so the caller can do other
    work (load another source, judge) while they run; iterating gives their results in batch
    order (see :func:`map_in_processes`) and shuts the pool down."""

    def __init__(
        self,
        work: Callable[..., R],
        batches: Sequence[T],
        workers: int,
        *shared: object,
        forget: int | None = None,
        costs: Sequence[float] | None = None,
    ):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
        self._work, self._batches, self._shared, self._forget = work, list(batches), shared, forget
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[R] | None] = [None] * len(self._batches)
        try:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            for index in _start_order(len(self._batches), costs):
                self._futures[index] = self._pool.submit(work, self._batches[index], *shared)
        except (OSError, RuntimeError):  # no process could start (fork refused, limits): do it here
            self._shutdown()
            self._futures = [None] * len(self._batches)

    def __iter__(self) -> Iterator[R]:
        try:
            for index, batch in enumerate(self._batches):
                future, self._futures[index] = self._futures[index], None  # the caller keeps what it needs
                yield self._result(future, batch)
        finally:
            self.close()

    def _result(self, future: Future[R] | None, batch: Any) -> R:
        global fallbacks
        if future is not None:
            try:
                return future.result()
            except Exception:  # the worker's failure, not the input's: a serial run decides
                pass
        fallbacks += 1
        return self._work(batch, *self._shared)

    def close(self) -> None:
        """Stop the pool for a caller that gives up early: batches not yet started are cancelled,
        the ones running are waited for (a process is not killed mid-write)."""
        self._shutdown()
        if self._forget is not None:
            _INHERITED.pop(self._forget, None)

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
