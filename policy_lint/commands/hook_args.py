"""``policy-lint lint --hook``: read a pre-commit command line so a file name is never an option.

pre-commit runs ``entry + args + file names``. The file names come from the repository,
so whoever opens a pull request chooses them: a file named ``--ignore=PL,x-policy.json``
would be parsed as ``--ignore=PL`` and hide every PL finding. A bare ``--`` at the end of
the entry cannot help: it would turn the user's ``args: [--fail-on, error]`` into file
names. So the hook mode splits the command line itself, before click parses it, and hands
click ``[options] -- [files]``:

- pre-commit passes only names that exist (it drops the others with ``os.path.lexists``),
  and passes them after every user argument. So an argument that names an existing file,
  folder or symlink is a file, even when it also spells an option (``--ignore=PL,x.json``,
  ``--format=json``, ``-j4``, ``--help``): the file wins. Behind the ``--``, a file named
  ``--help``, ``--version`` or ``-`` is a path to click, never an eager option or stdin.
- Any other argument is read with the grammar of ``lint``'s own options, taken from the
  click command so a new option is covered without a second list. An option that takes a
  value (``--fail-on error``, ``-j 4``) takes the next argument as its value even when a
  file of that name exists: file names only come after the user's complete ``args``, so
  the value's option is always a user argument, never a file. ``--x=y`` and ``-j4`` carry
  their value. An unknown option stays an option, so click rejects it (exit 2). A ``--``
  that is not a file ends the options as usual: all that follows is a file, unambiguously.
- A user argument can still collide with a committed file: ``args: [--fail-on=warning]``
  in a repository that has a file named ``--fail-on=warning``. The file wins, so the
  option would be lost without a word. Therefore every file name that reads as an option
  of ``lint`` is reported as unusable input (``option_like_files``): the run lints the file
  and still exits 2 with a message to rename it. Neither reading of an ambiguous argument
  can let the hook pass.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import click

from policy_lint.core.errors import InputError

#: The flag that turns hook mode on; it must come right after ``lint``.
HOOK_FLAG = "--hook"
#: Where the split command line waits for the ``lint`` command (``click.Context.meta``).
META_KEY = "policy_lint.hook_args"


@dataclass(frozen=True)
class OptionGrammar:
    """Which option names a command knows, and whether each takes a value."""

    takes_value: dict[str, bool]

    @classmethod
    def of(cls, command: click.Command, ctx: click.Context) -> OptionGrammar:
        """Read from the command's click parameters (help included), so no list is kept twice."""
        table: dict[str, bool] = {}
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                needs_value = not param.is_flag and not param.count
                for name in (*param.opts, *param.secondary_opts):
                    table[name] = needs_value
        return cls(table)

    def option_name(self, arg: str) -> str | None:
        """The known option ``arg`` would be parsed as (``--ignore=PL`` -> ``--ignore``), else None."""
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            return name if name in self.takes_value else None
        if arg.startswith("-") and len(arg) > 1:
            return arg[:2] if arg[:2] in self.takes_value else None
        return None

    def wants_next_as_value(self, arg: str) -> bool:
        """True for ``--fail-on`` or ``-j`` written alone, whose value is the next argument."""
        name = self.option_name(arg)
        return name == arg and self.takes_value[name]


@dataclass
class HookArgs:
    """A pre-commit command line, split: the user's options, and the files to lint."""

    options: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Files whose names read as an option of the command (see the module docstring).
    option_like_files: list[str] = field(default_factory=list)

    def option_like_file_errors(self) -> list[InputError]:
        """Unusable input (exit 2) for each file named like an option: the run must not pass."""
        return [
            InputError(
                "this file name reads as a policy-lint option; hook mode linted it as a file, not as "
                "an option (and an `args:` entry spelled the same is not applied). Rename the file.",
                path=name,
            )
            for name in self.option_like_files
        ]

    def command_line(self) -> list[str]:
        """``[options] -- [files]``: behind the ``--`` click reads every argument as a path."""
        return [*self.options, "--", *self.files]


def split_hook_args(args: Sequence[str], grammar: OptionGrammar) -> HookArgs:
    """Split ``args + file names`` as pre-commit passes them; see the module docstring."""
    split = HookArgs()
    pending = list(args)
    pending.reverse()
    while pending:
        arg = pending.pop()
        if os.path.lexists(arg):
            split.files.append(arg)
            if grammar.option_name(arg) is not None:
                split.option_like_files.append(arg)
        elif arg == "--":
            split.files.extend(reversed(pending))
            pending.clear()
        elif arg.startswith("-") and arg != "-":
            split.options.append(arg)
            if grammar.wants_next_as_value(arg) and pending:
                split.options.append(pending.pop())
        else:
            split.files.append(arg)  # not a file and not an option: lint reports it missing
    return split
