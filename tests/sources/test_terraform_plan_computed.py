"""Plan JSON values known only after apply that the rest of the plan decides (issue 10).

Each test writes a minimal ``terraform show -json`` document copying a corpus pattern: an
attribute the configuration leaves unset (PLAN-UNSET-COMPUTED), a group whose ingress is only its
standalone rules (AWS-SG-STANDALONE-RULES), a rule on a group the plan does not declare, and a
bucket policy rendered from a policy document data source read at apply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.inventory.model import Inventory
from policy_lint.sources.terraform import plan as terraform_plan
from tests.checks.cspm.builders import run


def _resource(
    address: str, after: dict[str, Any], unknown: dict[str, Any], expressions: dict[str, Any], action: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    rtype, name = address.split(".")[-2:]
    mode = "data" if address.startswith("data.") else "managed"
    base = {"address": address, "mode": mode, "type": rtype, "name": name}
    planned = {**base, "values": after}
    change = {**base, "change": {"actions": [action], "after": after, "after_unknown": unknown}}
    config = {**base, "provider_config_key": "aws", "expressions": expressions}
    return planned, change, config


def load_plan(
    tmp_path: Path,
    *resources: tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]],
    action: str = "create",
) -> Inventory:
    """A plan creating ``resources`` (address, after, after_unknown, configuration expressions)."""
    built = [_resource(*r, action=action if not r[0].startswith("data.") else "read") for r in resources]
    document = {
        "format_version": "1.1",
        "planned_values": {"root_module": {"resources": [p for p, _, _ in built if p["mode"] == "managed"]}},
        "resource_changes": [c for _, c, _ in built],
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}
            },
            "root_module": {"resources": [c for _, _, c in built]},
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    inventory = Inventory()
    terraform_plan.load([path], inventory)
    return inventory


def verdicts(rule: str, inventory: Inventory) -> dict[str, tuple[str, str]]:
    results: list[CheckResult] = run(rule, inventory)
    return {r.resource: (r.status.value, r.message) for r in results}


# -- PLAN-UNSET-COMPUTED: aws_iam_account_password_policy ---------------------------------------

_POLICY_UNKNOWN = {
    key: True
    for key in (
        "expire_passwords",
        "hard_expiry",
        "id",
        "max_password_age",
        "password_reuse_prevention",
        "require_lowercase_characters",
        "require_numbers",
        "require_symbols",
        "require_uppercase_characters",
    )
}


def _password_policy(tmp_path: Path, length: int, action: str = "create", **configured: Any) -> Inventory:
    """A plan with one password policy configuring ``minimum_password_length`` and ``configured``."""
    expressions = {"minimum_password_length": {"constant_value": length}, **configured}
    after = {"allow_users_to_change_password": True, "minimum_password_length": length}
    return load_plan(
        tmp_path, ("aws_iam_account_password_policy.p", after, _POLICY_UNKNOWN, expressions), action=action
    )


def test_a_password_setting_the_configuration_leaves_unset_takes_the_aws_default(tmp_path: Path) -> None:
    # regula's iam_password_length pattern: only minimum_password_length is configured; the plan
    # shows password_reuse_prevention "known after apply" because the provider computes it
    inventory = _password_policy(tmp_path, 8)
    status, message = verdicts("CS104", inventory)["account"]
    assert status == "fail", message
    status, message = verdicts("CS103", inventory)["account"]
    assert status == "fail" and "8" in message


def test_a_configured_password_setting_known_only_after_apply_stays_unknown(tmp_path: Path) -> None:
    inventory = _password_policy(tmp_path, 14, password_reuse_prevention={"references": ["var.reuse"]})
    status, message = verdicts("CS104", inventory)["account"]
    assert status == "unknown" and "after apply" in message


def test_an_unset_setting_of_a_password_policy_that_exists_already_is_not_assumed(tmp_path: Path) -> None:
    # an update: the computed value is the account's current one, which the plan does not show
    inventory = _password_policy(tmp_path, 14, action="update")
    assert verdicts("CS104", inventory)["account"][0] == "unknown"


# -- AWS-SG-STANDALONE-RULES ---------------------------------------------------------------------

_GROUP_UNKNOWN = {"arn": True, "egress": True, "id": True, "ingress": True, "owner_id": True, "vpc_id": True}


def _http_rule(address: str, security_group: dict[str, Any], **extra: Any) -> tuple[str, dict, dict, dict]:
    after = {
        "cidr_blocks": ["0.0.0.0/0"],
        "from_port": 80,
        "ipv6_cidr_blocks": None,
        "protocol": "tcp",
        "to_port": 80,
        "type": "ingress",
        **extra,
    }
    expressions = {
        "cidr_blocks": {"constant_value": ["0.0.0.0/0"]},
        "from_port": {"constant_value": after["from_port"]},
        "protocol": {"constant_value": "tcp"},
        "security_group_id": security_group,
        "to_port": {"constant_value": after["to_port"]},
        "type": {"constant_value": "ingress"},
    }
    unknown = {"cidr_blocks": [False], "id": True, "source_security_group_id": True}
    if "security_group_id" not in extra:
        unknown["security_group_id"] = True
    return (address, after, unknown, expressions)


def _group(address: str, expressions: dict[str, Any] | None = None) -> tuple[str, dict, dict, dict]:
    return (address, {"name": "web"}, _GROUP_UNKNOWN, expressions or {"name": {"constant_value": "web"}})


def test_a_created_group_without_inline_ingress_has_exactly_its_standalone_rules(tmp_path: Path) -> None:
    # terraform-compliance's multiple_failures pattern: ingress "known after apply", no inline
    # ingress in the configuration, one aws_security_group_rule referencing the group
    inventory = load_plan(
        tmp_path,
        _group("aws_security_group.web"),
        _http_rule("aws_security_group_rule.http", {"references": ["aws_security_group.web"]}),
    )
    for rule in ("CS301", "CS302"):
        status, message = verdicts(rule, inventory)["aws_security_group.web"]
        assert status == "pass", message


def test_a_standalone_rule_opening_ssh_fails_the_group_whose_ingress_is_computed(tmp_path: Path) -> None:
    inventory = load_plan(
        tmp_path,
        _group("aws_security_group.web"),
        _http_rule(
            "aws_security_group_rule.ssh",
            {"references": ["aws_security_group.web.id"]},
            from_port=22,
            to_port=22,
        ),
    )
    status, message = verdicts("CS301", inventory)["aws_security_group.web"]
    assert status == "fail" and "port 22" in message


def test_computed_ingress_without_any_standalone_rule_stays_unknown(tmp_path: Path) -> None:
    # a dynamic "ingress" block over a collection known after apply looks the same in the plan
    # (the configuration section omits dynamic blocks): nothing proves the group has no rule
    inventory = load_plan(tmp_path, _group("aws_security_group.web"))
    assert verdicts("CS301", inventory)["aws_security_group.web"][0] == "unknown"


def test_computed_ingress_the_configuration_sets_stays_unknown_despite_standalone_rules(
    tmp_path: Path,
) -> None:
    inventory = load_plan(
        tmp_path,
        _group("aws_security_group.web", {"ingress": {"references": ["var.rules"]}}),
        _http_rule("aws_security_group_rule.http", {"references": ["aws_security_group.web"]}),
    )
    assert verdicts("CS301", inventory)["aws_security_group.web"][0] == "unknown"


def test_a_rule_on_a_group_outside_the_plan_is_judged_on_its_own_address(tmp_path: Path) -> None:
    # terraform-compliance issue-554 pattern: security_group_id = "sg-123456", declared nowhere
    inventory = load_plan(
        tmp_path,
        _http_rule(
            "aws_security_group_rule.allow_all",
            {"constant_value": "sg-123456"},
            security_group_id="sg-123456",
            from_port=0,
            to_port=65535,
        ),
    )
    status, message = verdicts("CS301", inventory)["aws_security_group_rule.allow_all"]
    assert status == "fail" and "sg-123456" in message and "22, 3389" in message
    # no ::/0 in the rule, and the group's other rules are not in the input: no verdict at all
    assert "aws_security_group_rule.allow_all" not in verdicts("CS302", inventory)


def test_a_harmless_rule_on_a_group_outside_the_plan_passes_nothing(tmp_path: Path) -> None:
    inventory = load_plan(
        tmp_path,
        _http_rule("aws_security_group_rule.http", {"constant_value": "sg-1"}, security_group_id="sg-1"),
    )
    assert "aws_security_group_rule.http" not in verdicts("CS301", inventory)


# -- PLAN-DOCUMENT-READ-AT-APPLY -----------------------------------------------------------------

_DOC = "data.aws_iam_policy_document.access"


def _bucket_with_document(
    tmp_path: Path, statement: dict[str, Any], unknown: dict[str, Any], **extra: Any
) -> Inventory:
    """checkov's plan_with_iam_data_block pattern: the document references the bucket ARN, so it
    is read at apply and the bucket policy's ``policy`` is known only after apply."""
    after = {
        "override_policy_documents": None,
        "source_policy_documents": None,
        "policy_id": None,
        "version": None,
        "statement": [statement],
        **extra,
    }
    return load_plan(
        tmp_path,
        (
            "aws_s3_bucket.example",
            {"bucket": "my-bucket"},
            {"arn": True, "id": True, "policy": True},
            {"bucket": {"constant_value": "my-bucket"}},
        ),
        (
            "aws_s3_bucket_policy.p",
            {},
            {"bucket": True, "id": True, "policy": True},
            {
                "bucket": {"references": ["aws_s3_bucket.example.id", "aws_s3_bucket.example"]},
                "policy": {"references": [f"{_DOC}.json", _DOC]},
            },
        ),
        (_DOC, after, {"id": True, "json": True, **unknown}, {}),
    )


_ALLOW = {
    "actions": ["*"],
    "condition": [],
    "effect": None,
    "not_actions": None,
    "not_principals": [],
    "not_resources": None,
    "principals": [{"identifiers": ["123456789012"], "type": "AWS"}],
    "resources": [None, None],
    "sid": None,
}
_RESOURCES_UNKNOWN = {"statement": [{"resources": [True, True]}]}


def test_a_document_read_at_apply_is_judged_on_the_statements_the_plan_knows(tmp_path: Path) -> None:
    inventory = _bucket_with_document(tmp_path, _ALLOW, _RESOURCES_UNKNOWN)
    status, message = verdicts("CS205", inventory)["aws_s3_bucket.example"]
    assert status == "fail" and "no Deny" in message


def test_a_source_document_known_only_after_apply_makes_the_verdict_unknown_not_fail(tmp_path: Path) -> None:
    inventory = _bucket_with_document(
        tmp_path,
        _ALLOW,
        {**_RESOURCES_UNKNOWN, "source_policy_documents": True},
        source_policy_documents=None,
    )
    status, message = verdicts("CS205", inventory)["aws_s3_bucket.example"]
    assert status == "unknown", message


def test_a_whole_statement_list_known_only_after_apply_is_unknown(tmp_path: Path) -> None:
    inventory = _bucket_with_document(tmp_path, _ALLOW, {"statement": True})
    assert verdicts("CS205", inventory)["aws_s3_bucket.example"][0] == "unknown"


def test_a_deny_on_resources_known_only_after_apply_never_fails(tmp_path: Path) -> None:
    deny = {
        **_ALLOW,
        "effect": "Deny",
        "actions": ["s3:*"],
        "principals": [{"identifiers": ["*"], "type": "*"}],
        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
    }
    inventory = _bucket_with_document(tmp_path, deny, _RESOURCES_UNKNOWN)
    assert verdicts("CS205", inventory)["aws_s3_bucket.example"][0] != "fail"


def test_a_deny_whose_principal_is_known_only_after_apply_never_fails(tmp_path: Path) -> None:
    deny = {
        **_ALLOW,
        "effect": "Deny",
        "actions": ["s3:*"],
        "resources": ["*"],
        "principals": [{"identifiers": [None], "type": "AWS"}],
        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
    }
    inventory = _bucket_with_document(
        tmp_path, deny, {"statement": [{"principals": [{"identifiers": [True]}]}]}
    )
    status, message = verdicts("CS205", inventory)["aws_s3_bucket.example"]
    assert status == "unknown" and "not known" in message


def test_a_literal_deny_in_a_document_read_at_apply_passes(tmp_path: Path) -> None:
    deny = {
        **_ALLOW,
        "effect": "Deny",
        "actions": ["s3:*"],
        "resources": ["*"],
        "principals": [{"identifiers": ["*"], "type": "*"}],
        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
    }
    inventory = _bucket_with_document(tmp_path, deny, {})
    assert verdicts("CS205", inventory)["aws_s3_bucket.example"][0] == "pass"
