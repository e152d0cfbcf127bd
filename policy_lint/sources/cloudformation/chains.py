"""Follow chains of CloudFormation references without deep recursion.

Why: resolving ``Q0.QueueName = !GetAtt Q1.QueueName``, ``Q1.QueueName = !GetAtt Q2.QueueName``
... recursively takes about ten Python frames per link, so a 150-long chain hit the recursion
limit and the whole template was dropped ("0 checks"). Here each value is computed at most
:data:`MAX_DEPTH` links deep: a deeper link stops the computation, is computed first on its own
(from the top of the stack), and the stopped computation then starts again and finds it cached.
Every value is computed to completion once, so the work stays in proportion to the template.
A chain that comes back to a value still being computed is a cycle: that value gets the
``on_cycle`` answer, as a direct self-reference always did.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

#: links followed inside one computation before the deeper one is computed on its own
MAX_DEPTH = 24


class _Deeper(Exception):
    """Raised at the depth limit: ``key`` is to be computed first, by ``owner``'s outermost call."""

    def __init__(self, owner: object, key: Hashable):
        super().__init__(repr(key))
        self.owner = owner
        self.key = key


class Chains(Generic[K, T]):
    """Values by key, each computed once by ``compute``, which may ask for other keys."""

    def __init__(self, compute: Callable[[K], T], on_cycle: Callable[[K], T]):
        self._compute = compute
        self._on_cycle = on_cycle
        self.done: dict[K, T] = {}
        self._active: list[K] = []

    def get(self, key: K) -> T:
        """The value of ``key``; asked from inside a computation, it may be computed later."""
        if key in self.done:
            return self.done[key]
        if key in self._active:
            return self._on_cycle(key)
        if self._active:
            if len(self._active) >= MAX_DEPTH:
                raise _Deeper(self, key)
            return self._run(key)
        return self._outermost(key)

    def _outermost(self, key: K) -> T:
        pending: list[K] = [key]
        while True:
            current = pending[-1]
            try:
                value = self._run(current)
            except _Deeper as deeper:
                if deeper.owner is not self:
                    raise
                waiting: K = deeper.key  # type: ignore[assignment]  # raised by this owner: a K
                if waiting in pending:  # it waits, through the chain, on itself
                    self.done[waiting] = self._on_cycle(waiting)
                else:
                    pending.append(waiting)
                continue
            pending.pop()
            if not pending:
                return value

    def _run(self, key: K) -> T:
        if key in self.done:
            return self.done[key]
        self._active.append(key)
        try:
            value = self._compute(key)
        finally:
            self._active.pop()
        self.done[key] = value
        return value
