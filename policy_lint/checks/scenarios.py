"""One verdict per (rule, resource) from the verdicts of several scenarios of the same input.

An input with conditions (a CloudFormation template's parameters) allows several deployments.
Each is checked on its own; this module is the one place their verdicts meet:

* a fail in any allowed scenario is a fail at the rule's level: the template allows a deployment
  that fails. The message names the parameter values of that scenario, and the evidence gives the
  default scenario's verdict;
* otherwise an unknown in any scenario is unknown (it names the scenario when it is not the
  default), and a resource whose scenarios were not all checked (past the bound) is unknown too,
  saying so;
* a pass needs every scenario to pass.

It knows nothing of sources: a scenario is a label (``Access=PublicRead``) and its results, and
the places past the bound are ``(path, resource)`` pairs (``"*"``: every resource of the path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from policy_lint.checks.engine import CheckResult
from policy_lint.rules.registry import Status

EVERY_RESOURCE = "*"
DEFAULT_LABEL = "the default parameters"
Key = tuple[str, str, str]


@dataclass(frozen=True)
class ScenarioResults:
    """The results of one scenario; ``label`` is empty for the default scenario. A scenario may set
    the values of several inputs (separate stacks): ``labels`` names the values of each input by
    its path, and a result is described by its own input's values (``label`` when it has none)."""

    label: str
    results: Sequence[CheckResult]
    labels: Mapping[str, str] = field(default_factory=dict)

    def label_for(self, path: str) -> str:
        return self.labels.get(path) or self.label


def _key(result: CheckResult) -> Key:
    return (result.rule_id, result.resource, result.location.path if result.location else "")


def combine(
    default: ScenarioResults,
    others: Sequence[ScenarioResults],
    beyond: Mapping[tuple[str, str], str],
    default_label: str = DEFAULT_LABEL,
    default_labels: Callable[[CheckResult], str] | None = None,
) -> list[CheckResult]:
    """One result per (rule, resource, file) over the default scenario and ``others``;
    ``default_label`` says what the default scenario is (values given for parameters without one),
    ``default_labels`` the same for one result (the values of the templates it depends on)."""
    runs = [default, *others]
    grouped: dict[Key, list[tuple[str, CheckResult]]] = {}
    for run in runs:
        for result in run.results:
            key = _key(result)
            grouped.setdefault(key, []).append((run.label_for(key[2]), result))
    describe = default_labels or (lambda _result: default_label)
    combined = [_one(key, found, len(others), beyond, describe) for key, found in grouped.items()]
    return sorted(combined, key=CheckResult.sort_key)


def _default_verdict(found: list[tuple[str, CheckResult]]) -> dict[str, str]:
    for label, result in found:
        if not label:
            return {"status": result.status.value, "message": result.message}
    return {"status": "not created", "message": "the resource does not exist with the default parameters"}


def _one(
    key: Key,
    found: list[tuple[str, CheckResult]],
    scenarios: int,
    beyond: Mapping[tuple[str, str], str],
    describe: Callable[[CheckResult], str],
) -> CheckResult:
    why = beyond.get((key[2], key[1])) or beyond.get((key[2], EVERY_RESOURCE))
    if not scenarios and why is None:
        return found[0][1]
    default = _default_verdict(found)
    failing = [(label, result) for label, result in found if result.status is Status.FAIL]
    evidence = {"scenarios_checked": scenarios + 1, "default_scenario": default}
    if failing:
        label, result = failing[0]
        default_label = describe(result)
        labels = [label or default_label for label, _ in failing]
        message = (
            f"{result.message} (with {default_label})"
            if not label
            else f"{result.message} (when {label}; with {default_label}: {default['status']})"
        )
        return replace(
            result,
            message=message,
            evidence={**result.evidence, **evidence, "failing_scenarios": labels},
        )
    unknown = next(((label, r) for label, r in found if r.status is Status.UNKNOWN), None)
    if unknown is not None:
        label, result = unknown
        message = result.message if not label else f"{result.message} (when {label})"
        return replace(result, message=message, evidence={**result.evidence, **evidence})
    label, result = found[0]
    if why is not None:
        message = (
            f"cannot tell whether every allowed deployment passes: {why}; "
            f"the scenarios checked pass ({result.message})"
        )
        return replace(
            result,
            status=Status.UNKNOWN,
            message=message,
            evidence={**result.evidence, **evidence, "unknown": why},
        )
    return replace(result, evidence={**result.evidence, **evidence})
