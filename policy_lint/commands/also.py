"""``--also FORMAT=FILE``: more reports from the same run, written to files.

A CI job that wants annotations on the pull request *and* a SARIF log for code scanning ran the
linter twice, once per format; each report now comes from one run, so both say the same thing
about the same inputs. The main ``--format`` still goes to standard output. A file that cannot be
written is said on standard error and makes the run exit 2 after everything else is written:
unusable output, like unusable input, is never a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from policy_lint.commands.console import echo_err
from policy_lint.reporters.formats import FORMATS

#: one extra report: its format and the file it goes to
Also = tuple[str, str]


def parse_also(_ctx: click.Context, _param: click.Parameter, values: Sequence[str]) -> tuple[Also, ...]:
    """``sarif=results.sarif`` -> ``("sarif", "results.sarif")``; a usage error (exit 2) otherwise."""
    parsed: list[Also] = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path:
            raise click.BadParameter(f"{value!r}: write it as FORMAT=FILE, for example sarif=results.sarif")
        if fmt not in FORMATS:
            raise click.BadParameter(f"{value!r}: {fmt!r} is not a format; choose from {', '.join(FORMATS)}")
        parsed.append((fmt, path))
    return tuple(parsed)


def also_option(func: Callable[..., object]) -> Callable[..., object]:
    return click.option(
        "--also",
        multiple=True,
        metavar="FORMAT=FILE",
        callback=parse_also,
        help="Also write this run's report in FORMAT to FILE (repeatable), e.g. "
        "--format github --also sarif=results.sarif.",
    )(func)


def write_also(also: Sequence[Also], render: Callable[[str], str]) -> bool:
    """Write each extra report (``render(fmt)`` gives its text, never coloured); False when one
    could not be written, after saying why on standard error and writing the others."""
    written = True
    for fmt, path in also:
        try:
            Path(path).write_text(render(fmt), encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            echo_err(
                f"policy-lint: cannot write the {fmt} report to {path}: {reason} (check the folder exists "
                "and is writable)"
            )
            written = False
    return written
