"""Located findings for inputs a source could not use, shared by every planned source."""

from __future__ import annotations

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.rules.registry import RuleGroup, RuleMeta

RULES = RuleGroup()

UNREADABLE = RULES.declare(
    RuleMeta(
        id="IN001",
        name="input-not-understood",
        level=Level.ERROR,
        title="An input file could not be read or understood",
        rationale="A Terraform, plan or CloudFormation file that cannot be parsed contributes nothing to "
        "the inventory, so every check it should have fed would be silently missing.",
        remediation="Fix the syntax at the reported position, or exclude the file from the paths checked.",
        family="Inputs",
    )
)
PARTIAL = RULES.declare(
    RuleMeta(
        id="IN002",
        name="input-partly-understood",
        level=Level.WARNING,
        title="Part of an input could not be evaluated (module, count, dynamic expression)",
        rationale="Resources behind a non-literal count/for_each, a module call or an unsupported intrinsic "
        "are marked unknown rather than dropped; this names what was not expanded.",
        remediation="Give the value a literal default, or check the rendered plan (terraform show -json) instead.",
        family="Inputs",
    )
)


def unreadable(error: InputError) -> Finding:
    """Turn a parser's InputError into the IN001 finding at its position."""
    return Finding(
        UNREADABLE.id,
        UNREADABLE.level,
        error.message,
        Location(error.path or "<input>", error.line or 1, error.col or 1),
        UNREADABLE.name,
        None,
    )


def problem(
    meta: RuleMeta, message: str, path: str, line: int = 1, col: int = 1, hint: str | None = None
) -> Finding:
    """A finding of ``meta`` at ``path:line:col``."""
    return Finding(meta.id, meta.level, message, Location(path, line, col), meta.name, hint)
