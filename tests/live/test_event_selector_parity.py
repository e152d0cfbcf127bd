"""One table of CloudTrail event selectors, each case written once and read by every source.

Each case is rendered into a Terraform ``aws_cloudtrail`` resource, a CloudFormation
``AWS::CloudTrail::Trail`` and a trail in a moto account (read back through the live collector's
``GetEventSelectors`` path), and OB201 and CS201 must give the verdict written in the table by
hand from AWS's semantics (AWS-EVENT-SELECTORS): a trail records an event that matches any
selector; every field of an advanced selector must hold; an including operator holds when one
value matches, an excluding one when none does; no selectors means all management events.
The verdicts say what the onboarding needs: every read and write management event, where
leaving out kms/rdsdata (AWS's only opt-outs) passes OB201 with a warning but fails CIS 3.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import IamUser, Inventory, Origin, Trail, Unknown
from policy_lint.live import cloudtrail
from policy_lint.sources.cloudformation import loader as cloudformation
from policy_lint.sources.terraform import hcl as terraform_hcl

R = "ap-northeast-1"
BUCKET = "selector-parity-logs"
#: a value the planned input cannot know: a Terraform variable / CloudFormation parameter without default
UNKNOWN = "<unknown>"

M = {"Field": "eventCategory", "Equals": ["Management"]}  # the field every management selector has
#: a data-event selector (S3 objects)
DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
]
KMS, RDS = "kms.amazonaws.com", "rdsdata.amazonaws.com"


@dataclass(frozen=True)
class Case:
    """Selectors in the API's spelling; ``advanced`` is a list of selectors, each a list of fields."""

    id: str
    ob201: str
    cs201: str
    why: str
    basic: list[dict[str, Any]] = field(default_factory=list)
    advanced: list[list[dict[str, Any]]] = field(default_factory=list)


def ro(*values: str, op: str = "Equals") -> dict[str, Any]:
    return {"Field": "readOnly", op: list(values)}


def source(*values: str, op: str) -> dict[str, Any]:
    return {"Field": "eventSource", op: list(values)}


CASES = [
    Case("no_selectors", "pass", "pass", "no selectors: the default, all management events"),
    Case("basic_all", "pass", "pass", "ReadWriteType defaults to All", basic=[{}]),
    Case("basic_read_only", "fail", "fail", "no write events", basic=[{"ReadWriteType": "ReadOnly"}]),
    Case("basic_write_only", "fail", "fail", "no read events", basic=[{"ReadWriteType": "WriteOnly"}]),
    Case(
        "basic_read_plus_write",
        "pass",
        "pass",
        "an event matching either selector is recorded",
        basic=[{"ReadWriteType": "ReadOnly"}, {"ReadWriteType": "WriteOnly"}],
    ),
    Case(
        "basic_no_management",
        "fail",
        "fail",
        "IncludeManagementEvents false records no management event",
        basic=[{"ReadWriteType": "All", "IncludeManagementEvents": False}],
    ),
    Case(
        "basic_exclude_kms",
        "pass",
        "fail",
        "KMS events are left out: an opt-out AWS allows (OB201 warns), but not all management events (CIS 3.1)",
        basic=[{"ExcludeManagementEventSources": [KMS]}],
    ),
    Case(
        "basic_exclude_kms_and_rdsdata",
        "pass",
        "fail",
        "both of AWS's opt-outs",
        basic=[{"ExcludeManagementEventSources": [KMS, RDS]}],
    ),
    Case(
        "basic_exclusion_undone_by_another_selector",
        "pass",
        "pass",
        "the second selector records the KMS events the first leaves out",
        basic=[{"ExcludeManagementEventSources": [KMS]}, {"ReadWriteType": "All"}],
    ),
    Case(
        "basic_write_half_excludes_kms",
        "pass",
        "fail",
        "read KMS events are recorded, write ones are not",
        basic=[
            {"ReadWriteType": "ReadOnly"},
            {"ReadWriteType": "WriteOnly", "ExcludeManagementEventSources": [KMS]},
        ],
    ),
    Case("advanced_management", "pass", "pass", "eventCategory Management alone: all", advanced=[[M]]),
    Case("advanced_read_only", "fail", "fail", "readOnly true: reads only", advanced=[[M, ro("true")]]),
    Case("advanced_write_only", "fail", "fail", "readOnly false: writes only", advanced=[[M, ro("false")]]),
    Case(
        "advanced_write_only_by_not_equals",
        "fail",
        "fail",
        "readOnly NotEquals true keeps writes only (the bug Terraform missed)",
        advanced=[[M, ro("true", op="NotEquals")]],
    ),
    Case(
        "advanced_read_only_by_starts_with",
        "fail",
        "fail",
        "readOnly StartsWith t matches true only",
        advanced=[[M, ro("t", op="StartsWith")]],
    ),
    Case(
        "advanced_both_values",
        "pass",
        "pass",
        "Equals true or false: both",
        advanced=[[M, ro("true", "false")]],
    ),
    Case(
        "advanced_read_plus_write",
        "pass",
        "pass",
        "one selector each",
        advanced=[[M, ro("true")], [M, ro("false")]],
    ),
    Case(
        "advanced_data_only",
        "fail",
        "fail",
        "a data-event selector records no management event; its resources.type is irrelevant to them",
        advanced=[DATA],
    ),
    Case(
        "advanced_data_and_management",
        "pass",
        "pass",
        "the management selector records them all",
        advanced=[DATA, [M]],
    ),
    Case(
        "advanced_category_with_other_values",
        "pass",
        "pass",
        "Equals holds when one value matches: Management is among them",
        advanced=[[{"Field": "eventCategory", "Equals": ["Management", "Data"]}]],
    ),
    Case(
        "advanced_without_category",
        "fail",
        "fail",
        "eventCategory is required: such a selector records nothing",
        advanced=[[ro("true", "false")]],
    ),
    Case(
        "advanced_management_with_resources_type",
        "unknown",
        "unknown",
        "resources.type is a data-event field; its effect on management events is not documented",
        advanced=[[M, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]],
    ),
    Case(
        "advanced_source_not_kms",
        "pass",
        "fail",
        "eventSource NotEquals kms: AWS's opt-out",
        advanced=[[M, source(KMS, op="NotEquals")]],
    ),
    Case(
        "advanced_source_not_kms_rdsdata",
        "pass",
        "fail",
        "both opt-outs",
        advanced=[[M, source(KMS, RDS, op="NotEquals")]],
    ),
    Case(
        "advanced_source_not_iam",
        "fail",
        "fail",
        "IAM's management events never reach the logs",
        advanced=[[M, source("iam.amazonaws.com", op="NotEquals")]],
    ),
    Case(
        "advanced_source_only_s3",
        "fail",
        "fail",
        "only S3's management events are recorded",
        advanced=[[M, source("s3.amazonaws.com", op="Equals")]],
    ),
    Case(
        "advanced_source_starts_with_ec2",
        "fail",
        "fail",
        "IAM, S3, sign-in events do not start with ec2",
        advanced=[[M, source("ec2", op="StartsWith")]],
    ),
    Case(
        "advanced_source_ends_with_amazonaws",
        "unknown",
        "unknown",
        "may match every service's source: whether it does is not known",
        advanced=[[M, source(".amazonaws.com", op="EndsWith")]],
    ),
    Case(
        "advanced_source_not_starts_with_kms",
        "unknown",
        "unknown",
        "leaves out KMS and any other source starting kms.: which ones is not known",
        advanced=[[M, source("kms.", op="NotStartsWith")]],
    ),
    Case(
        "advanced_source_split_over_two_selectors",
        "pass",
        "pass",
        "all but IAM, plus IAM: every source",
        advanced=[
            [M, source("iam.amazonaws.com", op="NotEquals")],
            [M, source("iam.amazonaws.com", op="Equals")],
        ],
    ),
    Case(
        "advanced_write_half_excludes_kms",
        "pass",
        "fail",
        "read KMS events are recorded, write ones are not",
        advanced=[[M, ro("true")], [M, ro("false"), source(KMS, op="NotEquals")]],
    ),
    Case(
        "advanced_event_name_only_console_login",
        "fail",
        "fail",
        "management events of one API call only",
        advanced=[[M, {"Field": "eventName", "Equals": ["ConsoleLogin"]}]],
    ),
    Case(
        "advanced_event_name_not_console_login",
        "fail",
        "fail",
        "sign-in events never reach the logs",
        advanced=[[M, {"Field": "eventName", "NotEquals": ["ConsoleLogin"]}]],
    ),
]

#: cases only planned input can hold (an unknown value, both kinds of selectors, which AWS refuses)
PLANNED_CASES = [
    Case(
        "basic_unknown_read_write_type",
        "unknown",
        "unknown",
        "ReadWriteType is not known before apply",
        basic=[{"ReadWriteType": UNKNOWN}],
    ),
    Case(
        "advanced_unknown_read_only_values",
        "unknown",
        "unknown",
        "which readOnly values are selected is not known",
        advanced=[[M, {"Field": "readOnly", "Equals": UNKNOWN}]],
    ),
    Case(
        "unknown_values_under_a_complete_selector",
        "pass",
        "pass",
        "the first selector records everything whatever the second holds",
        advanced=[[M], [M, {"Field": "readOnly", "Equals": UNKNOWN}]],
    ),
    Case(
        "basic_and_advanced",
        "unknown",
        "unknown",
        "AWS applies one kind only (PutEventSelectors refuses both, so does the Terraform provider)",
        basic=[{"ReadWriteType": "All"}],
        advanced=[[M]],
    ),
]


# -- rendering, each source in its own spelling -----------------------------------------------------
def hcl_key(api_key: str) -> str:
    """Terraform's spelling of an API key: ReadWriteType is read_write_type, NotEquals not_equals."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", api_key).lower()


def _hcl_value(value: Any) -> str:
    if value == UNKNOWN:
        return "var.unknown"
    return json.dumps(value)  # JSON strings, lists and booleans are HCL too


def _hcl_block(name: str, values: dict[str, Any], indent: str) -> str:
    lines = [f"{indent}{name} {{"] + [f"{indent}  {hcl_key(k)} = {_hcl_value(v)}" for k, v in values.items()]
    return "\n".join([*lines, f"{indent}}}"])


def render_terraform(cases: list[Case]) -> str:
    out = ['variable "unknown" {}']
    for case in cases:
        body = [f'  name = "{case.id}"', f'  s3_bucket_name = "{BUCKET}"', "  is_multi_region_trail = true"]
        body += [_hcl_block("event_selector", s, "  ") for s in case.basic]
        for selector in case.advanced:
            fields = "\n".join(_hcl_block("field_selector", f, "    ") for f in selector)
            body.append(f"  advanced_event_selector {{\n{fields}\n  }}")
        out.append(f'resource "aws_cloudtrail" "{case.id}" {{\n' + "\n".join(body) + "\n}")
    return "\n\n".join(out) + "\n"


def _cfn_value(value: Any) -> Any:
    return {"Ref": "Unknown"} if value == UNKNOWN else value


def logical_id(case: Case) -> str:
    return "".join(part.title() for part in case.id.split("_"))


def render_cloudformation(cases: list[Case]) -> str:
    resources: dict[str, Any] = {}
    for case in cases:
        props: dict[str, Any] = {"S3BucketName": BUCKET, "IsLogging": True, "IsMultiRegionTrail": True}
        if case.basic:
            props["EventSelectors"] = [{k: _cfn_value(v) for k, v in s.items()} for s in case.basic]
        if case.advanced:
            props["AdvancedEventSelectors"] = [
                {"FieldSelectors": [{k: _cfn_value(v) for k, v in f.items()} for f in s]}
                for s in case.advanced
            ]
        resources[logical_id(case)] = {"Type": "AWS::CloudTrail::Trail", "Properties": props}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Unknown": {"Type": "String"}},
        "Resources": resources,
    }
    return json.dumps(template, indent=2)


# -- the three sources ----------------------------------------------------------------------------
#: The onboarding's user, named as the guide names it: OB rules judge only an onboarding.
ONBOARDING_USER = IamUser(Origin("test", "onboarding-user"), name="aliyun-security-center-user")


def _verdicts(sources: list[str], trail: Trail) -> tuple[str, str]:
    # each trail is judged as the account's only trail: the planned inventories declare the
    # account's scope (a live account has it by definition), so CS201 can fail as well as pass
    inventory = Inventory(sources=sources, trails=[trail], users=[ONBOARDING_USER], account_scope=True)
    results = run_checks(inventory, Selection(select=("OB201", "CS201"), profile_set="all"))
    by_rule = {r.rule_id: r.status.value for r in results}
    assert len(results) == 2, [(r.rule_id, r.message) for r in results]
    return by_rule["OB201"], by_rule["CS201"]


@pytest.fixture(scope="module")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    folder = tmp_path_factory.mktemp("terraform")
    (folder / "main.tf").write_text(render_terraform(CASES + PLANNED_CASES))
    inventory = Inventory()
    terraform_hcl.load([folder / "main.tf"], inventory, region=R, account_id="123456789012")
    assert not [p for p in inventory.problems if p.rule_id != "IN002"], inventory.problems
    trails = {t.origin.address.split(".", 1)[1]: t for t in inventory.trails}
    return {case.id: _verdicts(inventory.sources, trails[case.id]) for case in CASES + PLANNED_CASES}


@pytest.fixture(scope="module")
def cloudformation_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    path = Path(tmp_path_factory.mktemp("cloudformation")) / "template.json"
    path.write_text(render_cloudformation(CASES + PLANNED_CASES))
    inventory = Inventory()
    cloudformation.load([path], inventory, region=R, account_id="123456789012")
    assert inventory.problems == []
    trails = {t.origin.address: t for t in inventory.trails}
    return {case.id: _verdicts(inventory.sources, trails[logical_id(case)]) for case in CASES + PLANNED_CASES}


@pytest.fixture(scope="module")
def live(moto_aws: None) -> Iterator[dict[str, tuple[str, str]]]:
    """The cases as trails of a moto account, read back by describe_trails + collect_trail."""
    import boto3

    from policy_lint.live.api import Api, ErrorLog

    ct = boto3.client("cloudtrail", region_name=R)
    boto3.client("s3", region_name=R).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": R}
    )
    for case in CASES:
        ct.create_trail(Name=case.id, S3BucketName=BUCKET, IsMultiRegionTrail=True)
        if case.basic:
            ct.put_event_selectors(TrailName=case.id, EventSelectors=case.basic)
        if case.advanced:
            selectors = [{"Name": f"s{i}", "FieldSelectors": s} for i, s in enumerate(case.advanced)]
            ct.put_event_selectors(TrailName=case.id, AdvancedEventSelectors=selectors)
        ct.start_logging(Name=case.id)
    api = Api(boto3.Session(), partition="aws", home_region=R, account_id="123456789012", errors=ErrorLog())
    described = cloudtrail.describe_trails(api, R)
    assert isinstance(described, list)
    trails = {t.name: t for t in (cloudtrail.collect_trail(api, R, raw) for raw in described)}
    assert not api.errors.errors
    yield {case.id: _verdicts(["live"], trails[case.id]) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_source_gives_the_verdict_aws_semantics_give(
    case: Case,
    terraform: dict[str, tuple[str, str]],
    cloudformation_verdicts: dict[str, tuple[str, str]],
    live: dict[str, tuple[str, str]],
) -> None:
    expected = (case.ob201, case.cs201)
    got = {
        "terraform": terraform[case.id],
        "cloudformation": cloudformation_verdicts[case.id],
        "live": live[case.id],
    }
    assert got == dict.fromkeys(got, expected), case.why


@pytest.mark.parametrize("case", PLANNED_CASES, ids=lambda c: c.id)
def test_planned_sources_agree_where_only_planned_input_can_say_it(
    case: Case,
    terraform: dict[str, tuple[str, str]],
    cloudformation_verdicts: dict[str, tuple[str, str]],
) -> None:
    expected = (case.ob201, case.cs201)
    assert terraform[case.id] == cloudformation_verdicts[case.id] == expected, case.why


def test_a_reply_with_both_kinds_is_unknown_as_in_planned_input() -> None:
    """AWS never answers with both; if a reply did, the live source would not pick one either."""
    (case,) = [c for c in PLANNED_CASES if c.id == "basic_and_advanced"]
    reply = {
        "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}],
        "AdvancedEventSelectors": [{"Name": "all", "FieldSelectors": case.advanced[0]}],
    }
    summary = cloudtrail.summarize_selectors(reply)
    assert isinstance(summary, Unknown) and "one kind only" in summary.reason


def test_the_table_holds_the_cases_the_issue_names() -> None:
    """equals, not_equals, starts_with; eventCategory, readOnly, eventSource, resources.type; basic and
    advanced; the default; the write-only advanced selector that Terraform used to pass."""
    text = json.dumps([(c.basic, c.advanced) for c in CASES])
    for needed in (
        "Equals",
        "NotEquals",
        "StartsWith",
        "eventCategory",
        "readOnly",
        "eventSource",
        "resources.type",
    ):
        assert needed in text
    assert any(not c.basic and not c.advanced for c in CASES)
    bug = next(c for c in CASES if c.id == "advanced_write_only_by_not_equals")
    assert (bug.ob201, bug.cs201) == ("fail", "fail")
