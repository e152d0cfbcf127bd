"""The rules ``lint`` runs: the modules that declare policy-document rules (PL).

Half of the rule set (:mod:`policy_lint.rules.ruleset` lists the rest), kept apart so that ``lint``
imports these modules and nothing else: the inventory, onboarding and source rules would cost
every lint run their start-up time. It is also the half :mod:`policy_lint.iam.diff` may look
rules up in, since the other half holds the onboarding rules, which import the diff.
"""

from __future__ import annotations

from functools import lru_cache

from policy_lint.rules.registry import PolicyRule, RuleGroup, RuleMeta, RuleSet


def lint_rule_groups() -> tuple[RuleGroup, ...]:
    """The groups of the policy-document rule modules, in the order their rules run."""
    from policy_lint.checks.policy import (
        actions,
        arn_structure,
        condition_values,
        conditions,
        empties,
        escalation,
        grammar,
        network_conditions,
        placeholders,
        principals,
        redundancy,
        resource_policy,
        resources,
        risk,
        service_roles,
        size_quotas,
        syntax,
        tag_bypass,
        tag_key_support,
        trust,
        variables,
    )

    return (
        actions.RULES,
        conditions.RULES,
        condition_values.RULES,
        network_conditions.RULES,
        tag_key_support.RULES,
        grammar.RULES,
        placeholders.RULES,
        variables.RULES,
        empties.RULES,
        resources.RULES,
        arn_structure.RULES,
        resource_policy.RULES,
        risk.RULES,
        size_quotas.RULES,
        redundancy.RULES,
        syntax.RULES,
        tag_bypass.RULES,
        trust.RULES,
        principals.RULES,
        service_roles.RULES,
        escalation.RULES,
    )


@lru_cache(maxsize=1)
def lint_rule_set() -> RuleSet:
    """Built on first use, not at import: ``lint --help`` needs no rule."""
    return RuleSet(lint_rule_groups())


def policy_rules() -> tuple[PolicyRule, ...]:
    """Every policy-document rule, in the order they run."""
    return lint_rule_set().policy_rules


def policy_rule_ids() -> list[str]:
    """The IDs ``lint`` can report (policy-document rules and the parser's PL0xx findings)."""
    return lint_rule_set().ids()


def get_policy_rule(rule_id: str) -> RuleMeta:
    """The metadata of a rule ``lint`` reports; KeyError for any other ID."""
    meta = lint_rule_set().get(rule_id)
    if meta is None:
        raise KeyError(rule_id)
    return meta
