"""A parser of GitHub Actions workflow commands, written from the runner's rules, not from ours.

The runner (actions/runner ``ActionCommand.TryParseV2``) takes a stdout line that starts with
``::`` as a command: the name and properties up to the next ``::``, the message after it;
properties are split on ``,`` and each on its first ``=``; then ``%25`` ``%0D`` ``%0A`` (and in
properties ``%3A`` ``%2C``) are unescaped. A test that parses our output with it sees exactly
the commands the runner would run.
"""

from __future__ import annotations

from dataclasses import dataclass

_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, char in table:
        text = text.replace(escaped, char)
    return text


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    message: str


def parse_line(line: str) -> Command | None:
    """The command a line runs, or None when the runner prints it as plain text."""
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    head, message = line[2:end], line[end + 2 :]
    name, _, props = head.partition(" ")
    properties: dict[str, str] = {}
    for entry in props.split(",") if props else []:
        key, sep, value = entry.partition("=")
        if sep:
            properties[key] = _unescape(value, _PROPERTY)
    return Command(name, properties, _unescape(message, _DATA))


def parse_output(text: str) -> list[Command | None]:
    """One entry per line, split the way the runner reads a stream (CR, LF or CRLF end a line)."""
    return [parse_line(line) for line in text.splitlines()]
