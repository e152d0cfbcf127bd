"""Read ``custom-rules:`` from the settings, and refuse the ones that would mislead.

The JSON Schema (settings.schema.json) checks each entry's shape; what a schema cannot say is
checked here, each problem at its ``file:line:col`` (exit 2):

* an ID defined twice (a suppression or ``--ignore`` would not say which rule it means);
* zero or two kinds in one rule (which question is it asking?);
* an action pattern that matches no known action: a ``never-grant`` on a misspelt action would
  never fire, a false pass, so it is an error, not a warning;
* ``allowed-principals`` narrowed to a policy type that names no principal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from policy_lint.checks.custom_rules import DEFAULT_POLICY_TYPES, KINDS, CustomRule, unmatched_actions
from policy_lint.core.findings import Level, Location

#: where in the settings an entry's value sits: a JSON path (``("custom-rules", 0, "id")``) to a location
Locate = Callable[[tuple[Any, ...]], Location]

KEY = "custom-rules"


def parse_custom_rules(entries: Sequence[dict[str, Any]], locate: Locate) -> tuple[CustomRule, ...]:
    """The schema-valid ``custom-rules:`` entries as rules; ConfigError listing every problem, located."""
    from policy_lint.onboarding.config import ConfigError

    problems: list[tuple[Location, str]] = []
    rules: list[CustomRule] = []
    seen: dict[str, Location] = {}
    for index, entry in enumerate(entries):
        here = (KEY, index)
        rule_id = str(entry["id"]).upper()
        if rule_id in seen:
            problems.append(
                (locate((*here, "id")), f"custom rule {rule_id} is defined twice (first at {seen[rule_id]})")
            )
        seen.setdefault(rule_id, locate((*here, "id")))
        kinds = [kind for kind in KINDS if kind in entry]
        if len(kinds) != 1:
            found = f"it has {', '.join(kinds)}" if kinds else "it has none"
            problems.append(
                (locate(here), f"custom rule {rule_id}: define exactly one of {', '.join(KINDS)}; {found}")
            )
            continue
        kind = kinds[0]
        body: dict[str, Any] = entry[kind]
        for position, pattern in enumerate(body.get("actions", [])):
            if unmatched_actions([pattern]):
                problems.append(
                    (
                        locate((*here, kind, "actions", position)),
                        f"custom rule {rule_id}: {pattern!r} matches no known action, so the rule could never "
                        "fire on it; check the spelling (service:Action, wildcards allowed)",
                    )
                )
        types = tuple(entry.get("policy-types", ()))
        outside = (
            [t for t in types if t not in DEFAULT_POLICY_TYPES[kind]] if kind == "allowed-principals" else []
        )
        if outside:
            problems.append(
                (
                    locate((*here, "policy-types")),
                    f"custom rule {rule_id}: allowed-principals judges resource and trust policies only, "
                    f"not {', '.join(outside)} (they name no principal)",
                )
            )
        rules.append(
            CustomRule(
                id=rule_id,
                title=str(entry["title"]),
                level=Level.parse(str(entry["level"])),
                kind=kind,
                actions=tuple(body.get("actions", ())),
                resources=tuple(body.get("resources", ("*",))),
                keys=tuple(body.get("keys", ())),
                accounts=tuple(str(a) for a in body.get("accounts", ())),
                services=tuple(body.get("services", ())),
                organizations=tuple(body.get("organizations", ())),
                policy_types=types,
                defined_at=locate(here),
            )
        )
    if problems:
        raise ConfigError(problems)
    return tuple(rules)
