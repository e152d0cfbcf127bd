"""One overall deadline for a live run, and calls that stop waiting when it passes or on Ctrl-C.

A socket timeout bounds one wait for one byte, not a call: an endpoint that sends a byte every
few seconds keeps a call alive forever, and Python cannot interrupt a thread blocked in a
socket read. So every AWS call runs on its own *daemon* thread and the caller waits for it at
most until the deadline, or until :meth:`Deadline.cancel` (Ctrl-C). A call still running then
is abandoned: being a daemon thread, it never keeps the process alive at exit, and the caller
carries on with :class:`Stopped`, which the collector turns into an *unknown* fact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The call was not made, or its answer not awaited: the deadline passed or the run was cancelled."""


class Deadline:
    """``seconds`` from now (None: no deadline); :meth:`cancel` ends every wait at once."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds
        self._cancelled = threading.Event()
        self._waiting: set[threading.Event] = set()
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def passed(self) -> bool:
        """The deadline passed or the run was cancelled: no further call is made."""
        return self.cancelled or (self._end is not None and time.monotonic() >= self._end)

    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - time.monotonic())

    def reason(self) -> str:
        if self.cancelled:
            return "not collected: the run was interrupted"
        return f"not collected: the overall --timeout of {self.seconds:g} s ran out before AWS answered"

    def cancel(self) -> None:
        """Stop now (Ctrl-C): wake every caller waiting in :meth:`run` or :meth:`sleep`."""
        self._cancelled.set()
        with self._lock:
            for waiting in self._waiting:
                waiting.set()

    def sleep(self, seconds: float) -> None:
        """Sleep, but no longer than the deadline and not past a cancel."""
        remaining = self.remaining()
        self._cancelled.wait(seconds if remaining is None else min(seconds, remaining))

    def run(self, call: Callable[[], T]) -> T:
        """``call()`` on a daemon thread; its result or exception, or :class:`Stopped`."""
        if self.passed:
            raise Stopped(self.reason())
        done = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                outcome.append(call())
            except BaseException as exc:  # handed to the waiting caller, who re-raises it
                failure.append(exc)
            finally:
                done.set()

        with self._lock:
            # Checked again under the lock: a cancel() that ran between the check above and here
            # has already woken the callers it knew of, and would never wake this one.
            if self.passed:
                raise Stopped(self.reason())
            self._waiting.add(done)
        try:
            threading.Thread(target=target, name="aws-call", daemon=True).start()
            done.wait(self.remaining())
        finally:
            with self._lock:
                self._waiting.discard(done)
        if failure:
            raise failure[0]
        if outcome:
            return outcome[0]
        raise Stopped(self.reason())
