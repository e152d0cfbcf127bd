"""Errors that end in exit code 2: the input or the invocation cannot be used.

Anything a user can fix by editing a file is raised as :class:`InputError` with a
location, so the CLI can print ``path:line:col: message`` instead of a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """An input file or option that cannot be used at all (exit code 2)."""

    def __init__(
        self, message: str, path: str | None = None, line: int | None = None, col: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str | None, int | None, int | None]]:
        # Keep path/line/col when findings cross a process boundary (parallel linting).
        return (InputError, (self.message, self.path, self.line, self.col))

    def lines(self) -> list[str]:
        """The error as lines to print, one per problem (:meth:`__str__` joins them)."""
        return [str(self)]

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.message}" if where else self.message
