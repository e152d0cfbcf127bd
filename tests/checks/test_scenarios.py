"""Verdicts of several scenarios meet in one place: a fail anywhere fails, a pass needs all."""

from __future__ import annotations

from policy_lint.checks.engine import CheckResult
from policy_lint.checks.scenarios import ScenarioResults, combine
from policy_lint.core.findings import Level, Location
from policy_lint.rules.registry import Status


def _result(status: Status, message: str, resource: str = "Bucket") -> CheckResult:
    return CheckResult(
        "CS204",
        "s3-block-public-access",
        "title",
        status,
        Level.ERROR,
        resource,
        message,
        Location("s.yaml", 3, 1),
    )


def test_a_fail_in_one_scenario_fails_and_names_it_with_the_default_verdict() -> None:
    default = ScenarioResults("", [_result(Status.PASS, "blocked")])
    others = [
        ScenarioResults("Access=CloudFrontRead", [_result(Status.PASS, "blocked")]),
        ScenarioResults("Access=PublicRead", [_result(Status.FAIL, "BlockPublicPolicy off")]),
    ]
    [found] = combine(default, others, {})
    assert found.status is Status.FAIL
    assert (
        found.message == "BlockPublicPolicy off (when Access=PublicRead; with the default parameters: pass)"
    )
    assert found.evidence["default_scenario"]["status"] == "pass"
    assert found.evidence["failing_scenarios"] == ["Access=PublicRead"]


def test_every_scenario_passing_passes_and_an_unknown_one_is_unknown() -> None:
    default = ScenarioResults("", [_result(Status.PASS, "blocked")])
    [found] = combine(default, [ScenarioResults("A=b", [_result(Status.PASS, "blocked")])], {})
    assert found.status is Status.PASS
    [found] = combine(default, [ScenarioResults("A=b", [_result(Status.UNKNOWN, "cannot tell x")])], {})
    assert (found.status, found.message) == (Status.UNKNOWN, "cannot tell x (when A=b)")


def test_past_the_bound_a_pass_becomes_unknown_but_a_fail_stays() -> None:
    beyond = {("s.yaml", "Bucket"): "PublicAccessBlockConfiguration of Bucket: 256 combinations"}
    default = ScenarioResults("", [_result(Status.PASS, "blocked")])
    [found] = combine(default, [], beyond)
    assert found.status is Status.UNKNOWN
    assert "cannot tell whether every allowed deployment passes: PublicAccessBlock" in found.message
    failing = ScenarioResults("", [_result(Status.FAIL, "off")])
    [found] = combine(failing, [], beyond)
    assert found.status is Status.FAIL


def test_other_resources_are_untouched_by_the_bound_of_one() -> None:
    beyond = {("s.yaml", "Bucket"): "too many"}
    default = ScenarioResults("", [_result(Status.PASS, "ok", resource="Other")])
    [found] = combine(default, [], beyond)
    assert (found.status, found.message) == (Status.PASS, "ok")
