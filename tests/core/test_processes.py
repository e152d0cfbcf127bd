"""The process pool every parallel command shares gives what a serial run gives, even when it
cannot: a worker that dies has its batch redone here, and a pool that cannot start (fork refused
by a process limit) leaves the whole job to this process. Either way the user sees results, not
a pool's traceback, and ``processes.fallbacks`` counts what this process had to redo."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from policy_lint.core import processes


def _square_unless_worker_dies(batch: list[int], parent: int | None) -> list[int]:
    """Squares; a worker (not the ``parent`` process, when given) dies on the batch holding 13."""
    if parent is not None and os.getpid() != parent and 13 in batch:
        os._exit(1)  # a worker killed mid-batch (out of memory, a signal)
    return [n * n for n in batch]


def test_results_come_back_in_batch_order_from_the_workers() -> None:
    before = processes.fallbacks
    batches = processes.split(list(range(40)), 2)
    results = list(processes.map_in_processes(_square_unless_worker_dies, batches, 2, None))
    assert [n for batch in results for n in batch] == [n * n for n in range(40)]
    assert processes.fallbacks == before  # nothing redone here


def test_a_batch_whose_worker_died_is_redone_here_with_the_same_result() -> None:
    before = processes.fallbacks
    batches = processes.split(list(range(40)), 2)
    results = list(processes.map_in_processes(_square_unless_worker_dies, batches, 2, os.getpid()))
    assert [n for batch in results for n in batch] == [n * n for n in range(40)]
    assert processes.fallbacks > before  # at least the dead worker's batch was redone


def _refused(*args: Any, **kwargs: Any) -> None:
    raise OSError(11, "Resource temporarily unavailable")  # fork refused: RLIMIT_NPROC reached


@pytest.mark.parametrize("pool", ["forked", "executor"])
def test_a_pool_that_cannot_start_leaves_the_work_to_this_process(
    monkeypatch: pytest.MonkeyPatch, pool: str
) -> None:
    if pool == "forked":
        monkeypatch.setattr(processes.os, "fork", _refused)
    else:  # a platform without fork: the standard library's pool
        monkeypatch.setattr(processes, "CAN_INHERIT", False)
        monkeypatch.setattr(ProcessPoolExecutor, "submit", _refused)
    before = processes.fallbacks
    batches = processes.split(list(range(10)), 2)
    results = list(processes.map_in_processes(_square_unless_worker_dies, batches, 2, None))
    assert [n for batch in results for n in batch] == [n * n for n in range(10)]
    assert processes.fallbacks - before == len(batches)


def test_the_executor_pool_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes, "CAN_INHERIT", False)  # as on a platform without fork
    before = processes.fallbacks
    batches = processes.split(list(range(40)), 2)
    results = list(processes.map_in_processes(_square_unless_worker_dies, batches, 2, os.getpid()))
    assert [n for batch in results for n in batch] == [n * n for n in range(40)]
    assert processes.fallbacks > before  # the dead worker's batch, redone here


@pytest.mark.skipif(not processes.CAN_INHERIT, reason="closures reach workers only where fork exists")
def test_inherited_work_is_let_go_once_its_results_are_read() -> None:
    seen = {"offset": 100}
    running = processes.map_inherited(lambda batch: [n + seen["offset"] for n in batch], [[1, 2], [3]], 2)
    assert list(running) == [[101, 102], [103]]
    assert running._work is None  # the closure (and what it holds) is not kept past the run


def _unpicklable_for_7(batch: list[int]) -> object:
    return (lambda: None) if 7 in batch else sum(batch)


def test_a_result_that_cannot_be_sent_back_is_computed_here() -> None:
    before = processes.fallbacks
    batches = [[1, 2], [7], [3]]
    results = list(processes.map_in_processes(_unpicklable_for_7, batches, 2))
    assert results[0] == 3 and callable(results[1]) and results[2] == 3
    assert processes.fallbacks - before == 1


def _big(batch: list[int]) -> bytes:
    return bytes([batch[0]]) * 3_000_000  # far more than a pipe holds: sent in many reads


def test_large_results_arrive_whole_and_in_batch_order() -> None:
    results = list(processes.map_in_processes(_big, [[1], [2], [3], [4]], 2))
    assert [(len(r), r[0], r[-1]) for r in results] == [(3_000_000, n, n) for n in (1, 2, 3, 4)]


def _slow(batch: list[int]) -> int:
    time.sleep(0.05)
    return batch[0]


@pytest.mark.skipif(not processes.CAN_INHERIT, reason="the forked pool's own processes")
def test_stopping_early_cancels_what_has_not_started_and_leaves_no_process_behind() -> None:
    started = time.monotonic()
    running = processes.Running(_slow, [[n] for n in range(40)], 2)
    iterator = iter(running)
    assert next(iterator) == 0
    iterator.close()  # the caller gives up after one result: close() runs
    assert time.monotonic() - started < 1.0  # 40 batches of 50 ms on 2 workers would take 1 s
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every worker was waited for: no child left, not even a zombie


def _started_at(batch: list[int]) -> tuple[list[int], int]:
    return batch, time.monotonic_ns()


def test_the_costliest_batch_starts_first_and_results_keep_batch_order() -> None:
    # one worker runs the batches one after another, in the order they were started
    batches = [[1], [2], [3], [4]]
    costs = [10.0, 500.0, 20.0, 300.0]  # a folder whose large policies sit in its 2nd and 4th runs
    results = list(processes.map_in_processes(_started_at, batches, 1, costs=costs))
    assert [batch for batch, _ in results] == batches  # what the caller merges: batch order
    started = sorted(range(len(batches)), key=lambda index: results[index][1])
    assert started == [1, 3, 2, 0]  # largest first, so no worker is left alone with a big one


def test_more_runs_per_worker_are_still_neighbours_in_order() -> None:
    runs = processes.split(list(range(96)), 2, per_worker=8)
    assert len(runs) == 16
    assert [n for run in runs for n in run] == list(range(96))


def test_guided_runs_are_neighbours_whose_size_shrinks_to_a_small_tail() -> None:
    items = list(range(1000))
    runs = processes.split_guided(items, [1.0] * 1000, 2)
    assert [n for run in runs for n in run] == items  # every item once, in order
    sizes = [len(run) for run in runs]
    assert sizes[0] == 250  # a quarter of the work: half of it, per worker
    assert sizes == sorted(sizes, reverse=True)  # each run no larger than the one before
    assert sizes[-1] <= 1000 // 128 + 1  # the last runs are small: the workers end together


def test_costs_not_counts_decide_where_a_run_ends() -> None:
    costs = [1.0] * 10 + [500.0] + [1.0] * 89  # one large policy among small ones
    runs = processes.split_guided(list(range(100)), costs, 2)
    assert [n for run in runs for n in run] == list(range(100))
    assert runs[0] == list(range(11))  # the run is cut right after the large item, not 25 items on
    assert len(runs[1]) == 23  # then a quarter of what is left (89): 23 small items


def test_items_without_a_cost_estimate_are_split_by_count() -> None:
    # a folder of empty files: every size is 0, which must not make one run per file
    runs = processes.split_guided(list(range(2000)), [0.0] * 2000, 2)
    assert [n for run in runs for n in run] == list(range(2000))
    assert len(runs[0]) == 500 and len(runs) < 40


@pytest.mark.skipif(not processes.CAN_INHERIT, reason="the forked pool's own processes")
def test_workers_whose_results_are_never_read_end_with_the_process() -> None:
    # a caller that stops before reading (another source failed to load): the workers must not
    # outlive the process, nor keep running after it returned
    code = (
        "import time\n"
        "from policy_lint.core import processes\n"
        "def slow(batch):\n"
        "    time.sleep(0.2)\n"
        "    return batch\n"
        "running = processes.Running(slow, [[n] for n in range(6)], 2)\n"
        "print(' '.join(str(pid) for pid in running._pool._readers.values()), flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    for pid in (int(p) for p in done.stdout.split()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone: waited for before the process exited
