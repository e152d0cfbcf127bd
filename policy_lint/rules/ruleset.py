"""The rule set: every module that declares rules is listed here, and only here.

As ruff's ``codes.rs`` does, one place says which rules exist. A rule module keeps its rules in
its ``RULES`` group (:class:`~policy_lint.rules.registry.RuleGroup`) and registers nothing when imported;
:func:`rule_set` imports the listed modules and collects their groups, so no import is made for
its side effects. tests/test_ruleset.py fails for a module that declares rules and is not listed.

The policy-document modules are listed in :mod:`policy_lint.rules.lint_ruleset` so that ``lint`` loads
them alone (its start-up stays free of the sources, the inventory, boto3 and jinja2); the rest
is imported only when a command needs the whole set (``check``, ``verify``, ``rules``, a
``--select`` prefix that no PL or SP rule has).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from policy_lint.rules.lint_ruleset import lint_rule_groups, lint_rule_set
from policy_lint.rules.registry import FAMILIES, InventoryRule, RuleGroup, RuleMeta, RuleSet


def suppression_rule_group() -> RuleGroup:
    """SP0, the findings about suppressions: cheap to import (no sources, no inventory)."""
    from policy_lint.project import suppression_rules

    return suppression_rules.RULES


def other_rule_groups() -> tuple[RuleGroup, ...]:
    """The groups of every rule module that is not a policy-document one."""
    from policy_lint.checks.cspm import identity, logging_storage, network_messaging
    from policy_lint.checks.onboarding import config_rules, iam_user, live_facts, queue, queue_backlog, trail
    from policy_lint.checks.principals import escalation
    from policy_lint.iam import diff_rules, new_access_rules
    from policy_lint.sources import problems

    return (
        identity.RULES,
        logging_storage.RULES,
        network_messaging.RULES,
        config_rules.RULES,
        iam_user.RULES,
        live_facts.RULES,
        queue.RULES,
        queue_backlog.RULES,
        trail.RULES,
        diff_rules.RULES,
        new_access_rules.RULES,
        escalation.RULES,
        problems.RULES,
        suppression_rule_group(),
    )


@lru_cache(maxsize=1)
def rule_set() -> RuleSet:
    """Every rule (built on first use)."""
    return RuleSet((*lint_rule_groups(), *other_rule_groups()))


#: the rules the loaded settings define (``custom-rules:``, the CU family), by ID: reports, suppressions
#: and the rule-set digest find their metadata like any built-in rule's
_settings_rules: dict[str, RuleMeta] = {}
#: the reserved family of rules users define; a CU ID is checked against the settings once they are read
_CUSTOM_PREFIX = re.compile(r"^CU[0-9]{0,3}$")


def use_settings_rules(metas: Iterable[RuleMeta]) -> None:
    """Make the settings' custom rules known for this run (replacing those of settings read before)."""
    _settings_rules.clear()
    _settings_rules.update((meta.id, meta) for meta in metas)


def settings_rule_metas() -> list[RuleMeta]:
    """The custom rules of the settings read last, sorted by ID (reports list their metadata)."""
    return sorted(_settings_rules.values(), key=lambda m: m.id)


def is_settings_rule(rule_id: str) -> bool:
    """Is this ID one of the settings' custom rules (not documented in docs/rules.md)?"""
    return rule_id in _settings_rules


def all_rules() -> list[RuleMeta]:
    """Every rule's metadata, the settings' custom rules included, sorted by ID."""
    return sorted([*rule_set().metas(), *_settings_rules.values()], key=lambda m: m.id)


def inventory_rules() -> tuple[InventoryRule, ...]:
    """The rules ``check`` and ``verify`` run over the inventory, sorted by ID."""
    return rule_set().inventory_rules


def get_rule(rule_id: str) -> RuleMeta:
    """Any rule's metadata; KeyError for an ID no rule has."""
    meta = lint_rule_set().get(rule_id) or _settings_rules.get(rule_id)  # lint's, without importing the rest
    if meta is None:
        meta = rule_set().get(rule_id)
    if meta is None:
        raise KeyError(rule_id)
    return meta


def is_known_prefix(prefix: str) -> bool:
    """Does at least one rule ID start with ``prefix`` (a full ID is its own prefix)?

    The policy rules are looked at first, so ``lint --select PL6`` stays as fast as before; then
    the suppression rules; only a prefix neither knows loads the rest (still no boto3 or jinja2).
    """
    if not prefix:
        return False
    if _CUSTOM_PREFIX.match(prefix):
        return True  # the custom family: the commands check it against the settings' custom-rules
    if lint_rule_set().has_prefix(prefix):
        return True
    if any(meta.id.startswith(prefix) for meta in suppression_rule_group().metas):
        return True
    return rule_set().has_prefix(prefix)


def rule_families() -> list[str]:
    """The three-character families that have rules, in the order of the rules reference."""
    present = {meta.id[:3] for meta in rule_set().metas()}
    return [family for family in FAMILIES if family in present] + sorted(present - set(FAMILIES))


def unknown_prefix_message(prefix: str, where: str) -> str:
    """What a user reads for a rule ID or prefix that no rule has."""
    families = ", ".join(rule_families())
    return f"unknown rule or prefix {prefix!r} in {where}; known families: {families}, CU (custom-rules in settings)"
