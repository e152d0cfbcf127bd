"""The ``policy-lint`` command line: the group every command hangs on.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage error or
unusable input. Each command lives in its own module under :mod:`policy_lint.commands`
and is imported only when it runs (or when ``--help`` lists it), so ``policy-lint lint``
starts without the other commands and their imports; heavy modules (boto3, jinja2) are
imported inside the commands that need them.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
from contextlib import suppress
from types import ModuleType
from typing import Any, NoReturn

import click

from policy_lint import __version__
from policy_lint.commands.console import clean_click_message, echo_err
from policy_lint.commands.hook_args import HOOK_FLAG, META_KEY, OptionGrammar, split_hook_args
from policy_lint.core.errors import InputError

#: command name -> the module that defines it: the commands of ``policy-lint``, one module each.
COMMANDS = {
    "check": "policy_lint.commands.check",
    "diff": "policy_lint.commands.diff",
    "lint": "policy_lint.commands.lint",
    "merge": "policy_lint.commands.merge",
    "reference": "policy_lint.commands.reference",
    "render": "policy_lint.commands.render",
    "rules": "policy_lint.commands.rules",
    "schema": "policy_lint.commands.schema",
    "verify": "policy_lint.commands.verify",
}


class PolicyLintGroup(click.Group):
    """Turns every unexpected failure into a one-line message and exit code 2, never a traceback.

    Every message is cleaned (:mod:`policy_lint.commands.console`): it may quote input.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use (:data:`COMMANDS`)."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(_command_named(importlib.import_module(COMMANDS[cmd_name]), cmd_name))
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `lint --hook`: split pre-commit's `args + file names` before click can read a file
        # name as an option (policy_lint/commands/hook_args.py says how and why).
        if args[:2] == ["lint", HOOK_FLAG]:
            lint_command = self.get_command(ctx, "lint")
            assert lint_command is not None
            split = split_hook_args(args[2:], OptionGrammar.of(lint_command, ctx))
            ctx.meta[META_KEY] = split
            args = ["lint", HOOK_FLAG, *split.command_line()]
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            clean_click_message(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException as exc:
            clean_click_message(exc)
            raise
        except InputError as exc:
            # Located errors read like findings (path:line:col: message); others get a prefix.
            for line in exc.lines():
                echo_err(line if exc.path else f"policy-lint: error: {line}")
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("policy-lint: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `policy-lint ... | head`: the reader left; stop quietly like other Unix tools.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # last line of defence: a bug must not print a traceback at users
            echo_err(f"policy-lint: internal error: {type(exc).__name__}: {exc}")
            click.echo("Please report this with the input that caused it.", err=True)
            ctx.exit(2)


def _command_named(module: ModuleType, name: str) -> click.Command:
    """The click command called ``name`` that ``module`` defines."""
    return next(c for c in vars(module).values() if isinstance(c, click.Command) and c.name == name)


@click.group(cls=PolicyLintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policy-lint")
def main() -> None:
    """Lint AWS policy documents and verify a CSPM onboarding as code."""


def run() -> NoReturn:
    """The console script and ``python -m policy_lint``: :func:`main`, then leave without tearing
    the interpreter down.

    Freeing every object one by one at exit (a folder lint holds ~100,000 catalog entries) took
    4 ms of a one-policy run, a pre-commit hook's included, and 8 ms of a folder lint. Nothing is
    lost: the exit handlers run and both streams are flushed first, as at a normal exit. While a
    thread other than this one runs, the normal exit is taken, so no thread is cut short.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    threads = sys.modules.get("threading")  # never imported: no thread but this one was started
    if threads is not None and threads.active_count() > 1:
        raise SystemExit(code)
    os._exit(_finish(code))


def _finish(code: object) -> int:
    """What a normal exit does with ``SystemExit(code)`` and the streams: the status it exits with.

    None is 0, an integer its low byte (as the operating system keeps it), anything else is shown
    on stderr with status 1; a stream that is closed (None when the process started without it)
    is left alone; a reader that left gets 141, as :meth:`PolicyLintGroup.invoke` gives, and any
    other failure to flush 120, as CPython's own exit does."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        status = 1
        if sys.stderr is not None:
            print(code, file=sys.stderr)  # sys.exit("message"): shown, status 1
    atexit._run_exitfuncs()  # the normal exit's handlers (the pools' clean-up among them)
    if sys.stdout is not None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            status = 141  # `policy-lint ... | head`: the reader left
        except OSError:
            status = 120
    if sys.stderr is not None:
        with suppress(OSError):  # nowhere left to say anything
            sys.stderr.flush()
    return status
