"""Messages to standard error, cleaned like every report.

An error or note often quotes input: a file name, an AWS error message, a value. It goes
through :func:`~policy_lint.reporters.sanitize.clean` first, so it is one line with no terminal
escape and no secret in it, whatever the input held.
"""

from __future__ import annotations

import click

from policy_lint.reporters.sanitize import clean


def echo_err(message: object) -> None:
    """Write *message* (cleaned) and a newline to standard error."""
    click.echo(clean(message), err=True)


def clean_click_message(exc: click.ClickException) -> None:
    """Clean a usage error's message in place before click prints it (it may quote an argument,
    e.g. a file name that looks like an option)."""
    exc.message = clean(exc.message)
