"""PE0: privilege-escalation paths one identity policy opens, across all its statements.

One rule per published path (``policy_lint/iam/data/escalation-paths.json``); the judging is
:func:`policy_lint.iam.escalation.find_escalations`, run once per document and shared by the
rules. Only identity policies are read: a resource or trust policy grants no principal-side
escalation, and a boundary, SCP or RCP grants nothing on its own (AWS-POLICY-TYPES).

The ``sts:AssumeRole`` path needs the target role's trust and permissions, which one document
does not show: in ``lint`` its rule reports nothing, ``check`` and ``verify`` judge it.

A template's action holes make a path uncertain, so it is not reported (PL503 names the hole as
unknown): an ``Allow`` with ``NotAction: ${denied}`` grants everything but an action not known
here (``iam:*`` would leave no IAM path), and a ``Deny`` of ``${action}`` may block any path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from policy_lint.core.findings import Level
from policy_lint.iam.escalation import (
    EscalationPath,
    PathSpec,
    SourcedPolicy,
    find_escalations,
    load_paths,
)
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import PolicyDocument
from policy_lint.policy.placeholders import template_holes, undecided_by_action_holes
from policy_lint.rules.registry import PolicyCheck, Report, RuleGroup

RULES = RuleGroup()

_last: tuple[PolicyDocument, dict[str, EscalationPath]] | None = None


@lru_cache(maxsize=1)
def lint_paths() -> tuple[PathSpec, ...]:
    """The paths one document can show (not sts:AssumeRole, which needs the target role)."""
    return tuple(spec for spec in load_paths() if spec.lint)


def paths_of(doc: PolicyDocument) -> dict[str, EscalationPath]:
    """The paths the document opens, by rule ID, evaluated once per document for all the PE rules."""
    global _last
    cached = _last
    if cached is not None and cached[0] is doc:
        return cached[1]
    found = {p.rule_id: p for p in find_escalations([SourcedPolicy(doc, doc.path)], paths=lint_paths())}
    _last = (doc, found)
    return found


def _pattern(text: str) -> str:
    """A long NotAction list shortened: the finding names the statement, the list is in it."""
    if not text.startswith("NotAction "):
        return text
    entries = text.removeprefix("NotAction ").split(", ")
    return text if len(entries) <= 3 else f"NotAction {', '.join(entries[:3])} (and {len(entries) - 3} more)"


def message(path: EscalationPath, lines: bool = True) -> str:
    """``privilege escalation path passrole-ec2: iam:PassRole by statement 1 ("Pass") at line 4 via
    iam:*; ...; only when <condition>``: each step, the statement and line that grant it. Without
    ``lines`` (a document ``check`` re-serialised: its lines are not the file's) the statement's
    number and Sid name it, and no line misleads."""
    steps = []
    for c in path.contributions:
        where = f"{c.statement.label} at line {c.statement.line}" if lines else c.statement.label
        if c.effect == "Deny":
            steps.append(f"unless the Deny in {where} applies")
            continue
        steps.append(
            f"{c.action} by {where} via {_pattern(c.pattern)}" + (f" on {c.resource}" if c.narrowed else "")
        )
    text = f"privilege escalation path {path.id}: " + "; ".join(steps)
    if path.conditions:
        text += "; only when " + " and ".join(path.conditions)
    return text


def _rationale(spec: PathSpec) -> str:
    return f"What the attacker gains: {spec.gains} Published in: {', '.join(spec.references)}."


def _uncertain(path: EscalationPath, doc: PolicyDocument, ctx: LintContext) -> bool:
    """Whether a template's action hole decides the path: in the NotAction of a statement that
    grants a step, or in any Deny statement (which may deny what the path needs)."""
    template = ctx.template_of(doc)
    if not template:
        return False
    undecided = undecided_by_action_holes(doc.statements, template)
    if undecided is None:
        return True
    return bool(undecided) and any(
        c.pattern.startswith("NotAction ") and template_holes(c.pattern, template) for c in path.contributions
    )


def _check_for(spec: PathSpec) -> PolicyCheck:
    def check(doc: PolicyDocument, ctx: LintContext) -> tuple[Report, ...]:
        path = paths_of(doc).get(spec.rule)
        if path is None or _uncertain(path, doc, ctx):
            return ()  # a tuple, not a generator: 25 rules run on every document
        return (Report(path.contributions[0].node, message(path, ctx.options.document_lines)),)

    check.__name__ = spec.id.replace("-", "_")
    return check


def _declare(spec: PathSpec) -> Callable[[PolicyCheck], PolicyCheck]:
    return RULES.policy_rule(
        id=spec.rule,
        name=f"escalation-{spec.id}",
        level=Level.SECURITY_WARNING,
        title=f"Privilege escalation: {spec.title}",
        rationale=_rationale(spec),
        remediation=spec.fix,
        references=spec.references,
        policy_types=("identity",),
    )


for _spec in load_paths():
    _declare(_spec)(_check_for(_spec))
