"""Read a ``--format json`` report of ``check`` or ``verify`` back into results, for ``merge``.

The file is user input (a shard's artifact, copied between machines): it is read through
:func:`~policy_lint.syntax.source.read_regular_file` and the position-keeping JSON parser, and
every field a result needs is checked, so a damaged or foreign file is an
:class:`~policy_lint.core.errors.InputError` at ``file:line:col`` (exit 2), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.rules.registry import Status
from policy_lint.syntax.json_parser import JsonSyntaxError, parse_json
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source, decode_bytes, read_regular_file

REPORT_FORMAT = "policy-lint-report/2"
#: A shard's report of 200 accounts is a few MiB; this cap leaves room and stops /dev/zero.
MAX_REPORT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Placed:
    """A value read from a report, with where it was (for a duplicate's error message)."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass
class Report:
    """One report file: its results (each with where it was), problems and scope."""

    path: str
    command: str
    scope: dict[str, Any]
    results: list[tuple[CheckResult, Placed]]
    problems: list[Finding]
    suppressed: list[Any]


def read_report(path: str) -> Report:
    """The report at ``path``, or an InputError naming the place that is wrong."""
    source = decode_bytes(read_regular_file(path, path, MAX_REPORT_BYTES), path)
    try:
        root = parse_json(source.text)
    except JsonSyntaxError as exc:
        line, col = source.position(exc.offset)
        raise InputError(f"not a JSON report: {exc.message}", path, line, col) from None
    reader = _Reader(source)
    top = reader.obj(root, "the report")
    fmt = reader.string(top, "format")
    if fmt != REPORT_FORMAT:
        reader.fail(
            top.get("format") or top, f"format is {fmt!r}; merge reads {REPORT_FORMAT} (--format json)"
        )
    command = reader.string(top, "command")
    if command not in ("check", "verify"):
        reader.fail(
            top.get("command") or top,
            f"a {command!r} report has no check results; merge reads check and verify",
        )
    results_node = reader.array(top, "results")
    results = [(reader.result(item), reader.place(item)) for item in results_node.items]
    problems_node = top.get("problems")
    problems = (
        [reader.finding(item) for item in reader.as_array(problems_node, "problems").items]
        if problems_node
        else []
    )
    scope_node = top.get("scope")
    scope = reader.obj(scope_node, "scope") if scope_node is not None else None
    suppressed = top.get("suppressed") or (scope.get("suppressed") if scope is not None else None)
    return Report(
        path=path,
        command=command,
        scope=scope.to_python() if scope is not None else {},
        results=results,
        problems=problems,
        suppressed=reader.suppressed(suppressed) if suppressed is not None else [],
    )


class _Reader:
    """Typed access to the parsed report; every refusal says where and what was expected."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def place(self, node: Node) -> Placed:
        line, col = self.source.position(node.offset)
        return Placed(self.source.path, line, col)

    def fail(self, node: Node, message: str) -> None:
        line, col = self.source.position(node.offset)
        raise InputError(message, self.source.path, line, col)

    def obj(self, node: Node | None, what: str) -> ObjectNode:
        if not isinstance(node, ObjectNode):
            self._wrong(node, what, "an object")
        assert isinstance(node, ObjectNode)
        return node

    def as_array(self, node: Node | None, what: str) -> ArrayNode:
        if not isinstance(node, ArrayNode):
            self._wrong(node, what, "a list")
        assert isinstance(node, ArrayNode)
        return node

    def array(self, parent: ObjectNode, key: str) -> ArrayNode:
        return self.as_array(self._field(parent, key), key)

    def string(self, parent: ObjectNode, key: str, optional: bool = False) -> str:
        node = parent.get(key)
        if node is None and optional:
            return ""
        node = self._field(parent, key)
        if not (isinstance(node, ScalarNode) and node.is_string):
            self._wrong(node, key, "a string")
        assert isinstance(node, ScalarNode)
        return str(node.value)

    def integer(self, parent: ObjectNode, key: str) -> int:
        node = self._field(parent, key)
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self._wrong(node, key, "a positive integer")
        return int(value)  # type: ignore[arg-type]

    def _field(self, parent: ObjectNode, key: str) -> Node:
        node = parent.get(key)
        if node is None:
            self.fail(parent, f"missing {key!r}")
        assert node is not None
        return node

    def _wrong(self, node: Node | None, what: str, expected: str) -> None:
        if node is None:
            raise InputError(f"missing {what}", self.source.path, 1, 1)
        self.fail(node, f"{what} is {node.described}; expected {expected}")

    def suppressed(self, node: Node) -> list[Any]:
        """The accepted and suppressed findings: each an object whose text fields are strings
        (every format reads them), as the report writes them."""
        entries = []
        for item in self.as_array(node, "suppressed").items:
            entry = self.obj(item, "a suppressed finding")
            self.string(entry, "rule_id")
            for key in ("message", "location", "resource", "reason", "kind", "status", "account_id"):
                value = entry.get(key)
                if value is not None and not (isinstance(value, ScalarNode) and value.value is None):
                    self.string(entry, key)
            entries.append(entry.to_python())
        return entries

    def location(self, parent: ObjectNode) -> Location | None:
        node = parent.get("location")
        if node is None or (isinstance(node, ScalarNode) and node.value is None):
            return None
        loc = self.obj(node, "location")
        return Location(self.string(loc, "path"), self.integer(loc, "line"), self.integer(loc, "col"))

    def level(self, parent: ObjectNode) -> Level:
        text = self.string(parent, "level")
        try:
            return Level.parse(text)
        except ValueError as exc:
            self.fail(parent.get("level") or parent, str(exc))
            raise

    def result(self, node: Node) -> CheckResult:
        item = self.obj(node, "a result")
        status_text = self.string(item, "status")
        try:
            status = Status(status_text)
        except ValueError:
            self.fail(item.get("status") or item, f"status {status_text!r}; expected pass, fail or unknown")
            raise
        evidence = item.get("evidence")
        account = item.get("account_id")
        return CheckResult(
            rule_id=self.string(item, "rule_id"),
            rule_name=self.string(item, "rule"),
            title=self.string(item, "title"),
            status=status,
            level=self.level(item),
            resource=self.string(item, "resource"),
            message=self.string(item, "message"),
            location=self.location(item),
            evidence=self.obj(evidence, "evidence").to_python() if evidence is not None else {},
            account_id=self.string(item, "account_id") if account is not None else None,
        )

    def finding(self, node: Node) -> Finding:
        item = self.obj(node, "a problem")
        hint = item.get("hint")
        location = self.location(item)
        return Finding(
            rule_id=self.string(item, "rule_id"),
            level=self.level(item),
            message=self.string(item, "message"),
            location=location or Location(self.source.path),
            rule_name=self.string(item, "rule", optional=True),
            hint=self.string(item, "hint") if hint is not None and not _is_null(hint) else None,
        )


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value is None
