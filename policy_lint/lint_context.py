"""What a policy rule may consult besides the document: options and the catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field

from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.policy.model import PolicyType
from policy_lint.rules import PolicyRule, policy_rule_ids, policy_rules


@dataclass(frozen=True)
class LintOptions:
    """User choices that change what linting reports."""

    policy_type: PolicyType | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, rule_id: str) -> bool:
        """Ruff-style selection by ID prefix: ``--select PL2`` keeps the action rules."""
        if self.select and not any(rule_id.startswith(p) for p in self.select):
            return False
        return not any(rule_id.startswith(p) for p in self.ignore)

    def runs_nothing(self) -> bool:
        """A ``select`` that keeps no policy rule (``--select OB1``): lint would check nothing and pass."""
        return bool(self.select) and not any(self.wants(rule_id) for rule_id in policy_rule_ids())


@dataclass
class LintContext:
    """Handed to every policy rule."""

    options: LintOptions = field(default_factory=LintOptions)
    catalog: ActionCatalog = field(default_factory=default_catalog)
    #: The rules the options select, worked out once per context rather than once per file.
    _selected: list[PolicyRule] | None = field(default=None, init=False, repr=False, compare=False)

    def selected_rules(self) -> list[PolicyRule]:
        if self._selected is None:
            self._selected = [rule for rule in policy_rules() if self.options.wants(rule.meta.id)]
        return self._selected
