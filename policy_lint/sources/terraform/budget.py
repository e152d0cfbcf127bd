"""One evaluation budget for a whole Terraform load, counted in steps and sizes, never in time.

Why a budget: the files ``check`` reads come from whoever opens the pull request. Without one,
40 locals that each double the previous string, three nested ``for`` over ``range(1000)``, or
``count = 1000`` modules nested three deep make the evaluator run out of memory or never end.
Each limit below stops one of those; all of them are deterministic, so the same input stops at
the same place on every machine.

Two kinds of excess:

* a single value larger than :attr:`Limits.value_size` (:class:`ValueTooLarge`): that value is
  unknown, the evaluation goes on;
* a total over the load (:class:`BudgetExhausted`: steps, values built, expansion, bytes read by
  file functions): everything evaluated afterwards is unknown, the load still finishes, and the
  first place each total ran out is reported once.

The budget is an object the loader holds and hands to every evaluator it creates: one budget per
:func:`policy_lint.sources.terraform.hcl.load` call, never a module global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The limits of one load.

    Loading all 746 .tf files of the shared test corpus at once takes 96,098 steps, builds
    396,369 characters or items, expands 708 instances and loop items and reads 5,417 bytes
    through file functions: each limit is ten or more times that.
    """

    #: expressions evaluated, plus function work in proportion to the size of the arguments
    steps: int = 1_000_000
    #: total size of the values templates, operators, functions and constructors produce
    built: int = 16_000_000
    #: size of any one value (characters of a string, plus one per item of a list or object)
    value_size: int = 2_000_000
    #: nesting of any one value (a policy document is about 6 deep)
    value_depth: int = 64
    #: resource and module instances (count/for_each), for-expression and dynamic-block items
    expansion: int = 25_000
    #: bytes read by file(), templatefile() over the whole load (each file is also capped)
    file_bytes: int = 8 * 1024 * 1024
    #: one file read by file()/templatefile()
    file_size: int = 1024 * 1024
    #: argument size that costs one step in a function call (work done over the arguments)
    size_per_step: int = 16


#: how many places of values refused for their size are reported (one bomb can make many)
MAX_REPORTED = 20
#: totals that stop all further evaluation once spent (file bytes only stop further reads)
STOPPING = ("steps", "built", "expansion")
#: what each total counts, for messages (the key is the Limits field)
WHAT = {
    "steps": "evaluation steps",
    "built": "total size of values built",
    "expansion": "instances and loop items",
    "file_bytes": "bytes read by file functions",
}


class BudgetError(Exception):
    """A limit was passed; ``reason`` says which, in words a user can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ValueTooLarge(BudgetError):
    """One value is over the size limit: that value is unknown, the rest goes on."""


class BudgetExhausted(BudgetError):
    """A total of the load is spent: every value evaluated from here on is unknown."""


@dataclass
class Exhaustion:
    """Where a total first ran out (reported once per total as an IN002 problem).

    The place is filled in by the first evaluator or loader step that sees the exception: the
    counters do not know which file they are counting for.
    """

    kind: str
    reason: str
    path: str | None = None
    line: int = 1
    col: int = 1


@dataclass
class Budget:
    """The counters of one load against its :class:`Limits`."""

    limits: Limits = field(default_factory=Limits)
    steps: int = 0
    built: int = 0
    expansion: int = 0
    file_bytes: int = 0
    #: the first exhaustion of each total, in the order they happened
    exhausted: dict[str, Exhaustion] = field(default_factory=dict)
    #: values refused for their size, once per place (the first few only)
    too_large: dict[tuple[str, int, int], str] = field(default_factory=dict)
    #: size and depth of lists and objects already measured (the object is kept so its id stays unique)
    _sizes: dict[int, tuple[Any, int, int]] = field(default_factory=dict, repr=False)

    # -- totals ---------------------------------------------------------------------------------
    def _spend(self, kind: str, amount: int) -> None:
        total = getattr(self, kind) + amount
        setattr(self, kind, total)
        limit = getattr(self.limits, kind)
        if total > limit:
            reason = f"evaluation budget spent: more than {limit:,} {WHAT[kind]} in this load"
            if kind not in self.exhausted:
                self.exhausted[kind] = Exhaustion(kind, reason)
            raise BudgetExhausted(reason)

    def locate(self, path: str, line: int, col: int) -> None:
        """Record where the totals that ran out without a place yet ran out."""
        for exhaustion in self.exhausted.values():
            if exhaustion.path is None:
                exhaustion.path, exhaustion.line, exhaustion.col = path, line, col

    def note_too_large(self, reason: str, path: str, line: int, col: int) -> None:
        """Remember a value refused for its size at ``path:line:col`` (reported as IN002)."""
        if len(self.too_large) < MAX_REPORTED:
            self.too_large.setdefault((path, line, col), reason)

    @property
    def spent(self) -> bool:
        """True once a stopping total is spent: nothing more is evaluated in this load."""
        return any(kind in self.exhausted for kind in STOPPING)

    def check(self) -> None:
        """Raise if a stopping total is already spent (so nothing more is evaluated)."""
        for kind in STOPPING:
            if kind in self.exhausted:
                raise BudgetExhausted(self.exhausted[kind].reason)

    def step(self, count: int = 1) -> None:
        self.check()
        self._spend("steps", count)

    def work(self, size: int) -> None:
        """Charge the work of going over values of ``size`` (a function's arguments, a resource)."""
        self.step(1 + size // self.limits.size_per_step)

    def expand(self, count: int) -> None:
        """Charge ``count`` instances or loop items, before they are made."""
        self.check()
        self._spend("expansion", count)

    def read(self, size: int) -> None:
        """Charge ``size`` bytes read by a file function (after the per-file cap)."""
        if "file_bytes" in self.exhausted:
            raise BudgetExhausted(self.exhausted["file_bytes"].reason)
        self._spend("file_bytes", size)

    def build(self, value: Any) -> int:
        """Admit a value just produced: its size must fit one value and the total built."""
        size = self.admit(value)
        self._spend("built", size)
        return size

    # -- sizes ----------------------------------------------------------------------------------
    def admit(self, value: Any) -> int:
        """The size of ``value``, raising :class:`ValueTooLarge` over the one-value limits."""
        size, depth = self.measure(value)
        self.ensure_fits(size)
        if depth > self.limits.value_depth:
            raise ValueTooLarge(f"a value nested deeper than {self.limits.value_depth} levels")
        return size

    def ensure_fits(self, size: int) -> None:
        """Refuse, before building it, a value that would be over the one-value size limit."""
        if size > self.limits.value_size:
            raise ValueTooLarge(f"a value larger than {self.limits.value_size:,} characters or items")

    def size(self, value: Any) -> int:
        """Characters of strings plus one per item (see :meth:`measure`)."""
        return self.measure(value)[0]

    def measure(self, value: Any) -> tuple[int, int]:
        """Size and nesting depth, counting a shared list each time it appears.

        Counting shared parts each time is what matters: ``[local.a, local.a]`` 40 levels deep
        takes little memory but is 2**40 items to ``jsonencode``. Lists and objects are measured
        once (by identity) so measuring a new list of old values costs its length only. Depth
        matters to everything that walks a value recursively after the evaluator (the mapper,
        the rules): a ``jsondecode()`` of 900 nested lists must not reach them.
        """
        shallow = _leaf_size(value)
        if shallow is not None:
            return shallow, 0
        known = self._sizes.get(id(value))
        if known is not None and known[0] is value:
            return known[1], known[2]
        # iterative post-order: a deeply nested value must not hit the recursion limit here either
        stack: list[tuple[Any, bool]] = [(value, False)]
        visiting: set[int] = set()
        while stack:
            node, children_done = stack.pop()
            if id(node) in self._sizes and self._sizes[id(node)][0] is node:
                continue
            items = list(node.values()) if isinstance(node, dict) else node
            if not children_done:
                if id(node) in visiting:  # values are built bottom-up, so this is a defect, not input
                    raise ValueTooLarge("a value that contains itself")
                visiting.add(id(node))
                stack.append((node, True))
                stack.extend((item, False) for item in items if _leaf_size(item) is None)
                continue
            total = 1 + (sum(len(str(k)) for k in node) if isinstance(node, dict) else 0)
            depth = 1
            for item in items:
                leaf = _leaf_size(item)
                if leaf is not None:
                    total += leaf
                else:
                    _, item_size, item_depth = self._sizes[id(item)]
                    total += item_size
                    depth = max(depth, item_depth + 1)
            self._sizes[id(node)] = (node, total, depth)
        _, total, depth = self._sizes[id(value)]
        return total, depth


def _leaf_size(value: Any) -> int | None:
    """The size of a value that is not a list or object (None for those)."""
    if isinstance(value, str):
        return len(value) + 1
    if isinstance(value, (list, dict)):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 + value.bit_length() // 64
    symbol = getattr(value, "symbol", None)  # an Unresolved value: its symbol is text we carry
    return len(symbol) + 1 if isinstance(symbol, str) else 1
