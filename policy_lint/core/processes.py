"""Spreading independent work over one process per CPU: the one mechanism ``lint`` (folders of
policies) and ``check`` (Terraform folders, many plan files, CloudFormation scenario runs, the
lint of embedded policies) share.

Why processes: parsing is pure Python, so threads would take turns on one core. Why fork where
the platform has it: the workers inherit what the parent loaded (modules, catalogs) instead of
importing and building it again, and they are started and fed by two pipes (:class:`_ForkedPool`)
rather than the standard library's pool, which is kept for platforms without fork. Callers keep their output identical whatever the number of
jobs: work is split into batches whose results come back in batch order, and each caller merges
them in the order a serial run produces.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any, Generic, NoReturn, Protocol, TypeVar, cast

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
    if sum(costs) <= 0:  # no estimate (empty or unreadable files): count the items instead
        costs = [1.0] * len(items)
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

#: batches this process did itself because a worker failed or no pool could start: a run's output
#: is the same either way, so tests read this to know the parallel path was really taken
fallbacks = 0


def map_inherited(work: Callable[[T], R], batches: Sequence[T], workers: int) -> Running[R]:
    """:func:`map_in_processes` for ``work`` closing over what this process holds (a loaded
    inventory, parsed templates): forked workers inherit it instead of receiving a pickled copy,
    and only the results cross. Call it only where :data:`CAN_INHERIT`."""
    return Running(work, batches, workers)


def _start_order(count: int, costs: Sequence[float] | None) -> list[int]:
    """Batch indices in the order to start them: costliest first when costs are known (the
    longest-job-first rule), else as given."""
    if costs is None:
        return list(range(count))
    return sorted(range(count), key=lambda index: -costs[index])


class _Pool(Protocol):
    def result(self, index: int) -> tuple[bool, Any]:
        """``(True, result)`` of batch ``index`` once its worker sent it, ``(False, None)`` when
        no worker will (it failed, died, or its result could not be sent)."""
        ...

    def close(self) -> None: ...


class Running(Generic[R]):
    """Batches handed to worker processes as soon as this is made, so the caller can do other
    work (load another source, judge) while they run; iterating gives their results in batch
    order (see :func:`map_in_processes`) and stops the workers."""

    def __init__(
        self,
        work: Callable[..., R],
        batches: Sequence[T],
        workers: int,
        *shared: object,
        costs: Sequence[float] | None = None,
    ):
        self._work: Callable[..., R] | None = work
        self._batches, self._shared = list(batches), shared
        order = _start_order(len(self._batches), costs)
        self._pool: _Pool | None = None
        try:
            if not self._batches:
                pass  # nothing to start a process for
            elif CAN_INHERIT and len(self._batches) <= _ForkedPool.MOST_BATCHES:
                self._pool = _ForkedPool(work, self._batches, workers, shared, order)
            else:
                self._pool = _ExecutorPool(work, self._batches, workers, shared, order)
        except (OSError, RuntimeError):  # no process could start (fork refused, limits): do it here
            self._pool = None

    def __iter__(self) -> Iterator[R]:
        try:
            for index in range(len(self._batches)):
                yield self._result(index)
        finally:
            self.close()

    def _result(self, index: int) -> R:
        global fallbacks
        if self._pool is not None:
            ok, value = self._pool.result(index)
            if ok:
                return cast(R, value)
        fallbacks += 1  # the worker's failure, not the input's: a serial run decides
        assert self._work is not None, "results read after close()"
        return self._work(self._batches[index], *self._shared)

    def close(self) -> None:
        """Stop the workers for a caller that gives up early: batches not yet started are
        cancelled, the ones running are waited for (a process is not killed mid-batch). What
        ``work`` holds is let go here, not when the caller drops this object."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self._work, self._shared = None, ()


class _ForkedPool:
    """Workers forked from this process, so ``work`` and the batches are inherited, never pickled.

    Why not :class:`concurrent.futures.ProcessPoolExecutor`: importing it and
    :mod:`multiprocessing` and starting its manager thread cost a folder lint ~25 ms of this
    process's CPU, before and while the workers run, for what two pipes do here:

    - the batch indices, costliest first, are written to one pipe before any worker starts; each
      worker reads the next 4-byte index when it is free (a read of a pipe holding whole indices
      returns a whole one), so the load balances itself;
    - each worker sends ``(index, ok, result)`` frames, pickled and length-prefixed, on a pipe of
      its own, read here as they come (``select``), so no worker blocks on a full pipe.

    A batch whose frame never comes (the worker died) or says it failed is done again by the
    caller, as with the executor.
    """

    #: the indices (4 bytes each) are written before any worker reads them, so they must fit an
    #: empty pipe: 4 KiB, the one page Linux gives a pipe when a user has many, and under the
    #: 16 KiB of macOS. Callers make a few dozen batches; more go to the executor.
    MOST_BATCHES = 1024

    def __init__(
        self,
        work: Callable[..., Any],
        batches: list[Any],
        workers: int,
        shared: tuple[object, ...],
        order: list[int],
    ) -> None:
        import pickle
        import select

        self._loads = pickle.loads
        self._poll = select.poll()  # not select(): no limit on the descriptors' numbers
        self._results: dict[int, tuple[bool, Any]] = {}
        self._buffers: dict[int, bytearray] = {}
        self._readers: dict[int, int] = {}  # result pipe -> worker pid
        self._tasks, tasks_write = os.pipe()
        _OPEN_POOLS.add(self)
        try:
            _write_all(tasks_write, b"".join(index.to_bytes(4, "big") for index in order))
            for _ in range(max(1, min(workers, len(batches)))):
                results_read, results_write = os.pipe()
                try:
                    pid = os.fork()
                except BaseException:
                    os.close(results_read)
                    os.close(results_write)
                    raise
                if pid == 0:  # the worker: never returns into the caller's code
                    _worker_main(work, batches, shared, self._tasks, tasks_write, results_read, results_write)
                os.close(results_write)
                self._readers[results_read] = pid
                self._poll.register(results_read, select.POLLIN)
        except BaseException:
            os.close(tasks_write)
            self.close()
            raise
        os.close(tasks_write)  # the workers see the end of the indices once they are all taken

    def result(self, index: int) -> tuple[bool, Any]:
        while index not in self._results and self._readers:
            self._receive()
        return self._results.pop(index, (False, None))

    def _receive(self) -> None:
        """Read what the workers have sent (waiting for some), keeping every whole frame."""
        for fd, _event in self._poll.poll():
            if fd not in self._readers:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:  # the worker is done (or died): it will send nothing more
                self._finish(fd)
                continue
            buffer = self._buffers.setdefault(fd, bytearray())
            buffer += chunk
            while len(buffer) >= 8:
                size = int.from_bytes(buffer[:8], "big")
                if len(buffer) < 8 + size:
                    break
                frame = bytes(buffer[8 : 8 + size])
                del buffer[: 8 + size]
                try:
                    index, ok, value = self._loads(frame)
                except Exception:  # a result that cannot be rebuilt here: the caller redoes its batch
                    continue
                self._results[index] = (ok, value)

    def _finish(self, fd: int) -> None:
        pid = self._readers.pop(fd)
        self._buffers.pop(fd, None)
        self._poll.unregister(fd)
        os.close(fd)
        with suppress(ChildProcessError):  # reaped already
            os.waitpid(pid, 0)

    def close(self) -> None:
        if self._tasks >= 0:
            _drain(self._tasks)  # batches not yet started: no worker takes them now
            os.close(self._tasks)
            self._tasks = -1
        while self._readers:  # the batches running: waited for, their results dropped
            self._receive()
        self._results.clear()
        _OPEN_POOLS.discard(self)


def _worker_main(
    work: Callable[..., Any],
    batches: list[Any],
    shared: tuple[object, ...],
    tasks: int,
    tasks_write: int,
    results_read: int,
    results: int,
) -> NoReturn:
    """A forked worker's whole life: batches until the indices run out, then ``os._exit`` (never
    the caller's code, atexit handlers or inherited output buffers)."""
    status = 1
    try:
        import pickle

        os.close(tasks_write)
        os.close(results_read)
        while len(raw := os.read(tasks, 4)) == 4:
            index = int.from_bytes(raw, "big")
            try:
                frame = pickle.dumps((index, True, work(batches[index], *shared)), pickle.HIGHEST_PROTOCOL)
            except Exception:  # failed, or a result too deep to pickle: the parent redoes the batch
                frame = pickle.dumps((index, False, None))
            _write_all(results, len(frame).to_bytes(8, "big") + frame)
        status = 0
    finally:
        os._exit(status)


#: pools whose results were not all read: closed (their workers waited for) when the process
#: exits, as the standard library's pool does, so no worker outlives a caller that stopped early
_OPEN_POOLS: set[_ForkedPool] = set()


@atexit.register
def _close_open_pools() -> None:
    for pool in list(_OPEN_POOLS):
        pool.close()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _drain(fd: int) -> None:
    """Empty a pipe without waiting."""
    os.set_blocking(fd, False)
    try:
        while os.read(fd, 1 << 16):
            pass
    except BlockingIOError:
        pass


class _ExecutorPool:
    """Where processes cannot be forked: :class:`concurrent.futures.ProcessPoolExecutor`, so
    ``work`` and its arguments must be picklable (:func:`map_in_processes` only)."""

    def __init__(
        self,
        work: Callable[..., Any],
        batches: list[Any],
        workers: int,
        shared: tuple[object, ...],
        order: list[int],
    ) -> None:
        import multiprocessing
        from concurrent.futures import Future, ProcessPoolExecutor

        # fork where it exists (more batches than the forked pool takes): workers inherit what
        # this process loaded, and closures of map_inherited reach them
        context = multiprocessing.get_context("fork") if CAN_INHERIT else None
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers, mp_context=context
        )
        self._futures: dict[int, Future[Any]] = {}
        try:
            for index in order:
                self._futures[index] = self._executor.submit(work, batches[index], *shared)
        except BaseException:
            self.close()
            raise

    def result(self, index: int) -> tuple[bool, Any]:
        future = self._futures.pop(index, None)
        if future is None:
            return False, None
        try:
            return True, future.result()
        except Exception:  # the worker's failure: the caller redoes the batch
            return False, None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._futures.clear()
