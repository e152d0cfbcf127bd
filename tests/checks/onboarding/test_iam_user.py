"""OB101-OB106: the onboarding IAM user, judged on hand-built inventories (AWS-NO-CONSOLE, AWS-TWO-KEYS, PLAN-FEATURE-POLICIES, PLAN-AGENTLESS-CONTENT, AWS-EVALUATION, PLAN-QUEUE-CONSUMER, GUIDE-SQS-WRITE)."""

from __future__ import annotations

from dataclasses import replace

from policy_lint.inventory.model import AccessKey, IamGroup, Inventory, PolicyRef, Unknown
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b

# --------------------------------------------------------------------------- OB101


def test_user_named_in_config_is_found() -> None:
    result = b.only(b.inventory(), "OB101")
    assert (result.status, result.resource, result.location) == (
        Status.PASS,
        "aws_iam_user.sas",
        b.at("aws_iam_user.sas"),
    )


def test_user_named_in_config_but_not_declared_fails_at_the_config_key() -> None:
    inv = b.inventory(users=[b.user(name="someone-else")])
    result = b.only(inv, "OB101")
    assert result.status is Status.FAIL
    assert result.resource == "config:iam_user"
    assert (result.location.path, result.location.line) == ("onboarding.yaml", 8)
    assert "someone-else" in result.message  # the user sees what is declared instead


def test_user_with_unknown_name_makes_existence_unknown() -> None:
    inv = b.inventory(users=[b.user(name=Unknown("var.user_name has no default"))])
    assert b.only(inv, "OB101").status is Status.UNKNOWN


def test_without_config_a_user_with_a_guide_policy_is_the_onboarding_user() -> None:
    other = b.user(
        name="ci-deployer", attached_policies=[b.managed("AdministratorAccess")], inline_policies=[]
    )
    inv = b.inventory(
        with_config=False, users=[other, b.user(attached_policies=[b.managed("ReadOnlyAccess")])]
    )
    assert b.verdicts(inv, "OB101") == [("pass", "aws_iam_user.sas")]
    # every user rule judges only that user
    assert {r.resource for r in b.results(inv, "OB102")} == {"aws_iam_user.sas"}


def test_without_config_and_no_recognizable_user_the_answer_is_unknown() -> None:
    other = b.user(
        name="ci-deployer", attached_policies=[b.managed("AdministratorAccess")], inline_policies=[]
    )
    inv = b.inventory(with_config=False, users=[other])
    result = b.only(inv, "OB101")
    assert result.status is Status.UNKNOWN and "ci-deployer" in result.message


def test_a_configuration_alone_says_nothing_about_users() -> None:
    inv = Inventory(config=b.config(), sources=["config"])
    assert b.results(inv, "OB1") == []


# --------------------------------------------------------------------------- OB102


def test_login_profile_fails_at_its_line() -> None:
    result = b.only(b.inventory(users=[b.user(has_login_profile=True)]), "OB102")
    assert result.status is Status.FAIL
    assert result.location == b.at("aws_iam_user.sas", "has_login_profile")
    assert result.evidence == {"has_login_profile": True}


def test_no_login_profile_passes_and_unknown_is_unknown() -> None:
    assert b.only(b.inventory(), "OB102").status is Status.PASS
    inv = b.inventory(users=[b.user(has_login_profile=Unknown("AccessDenied on iam:GetLoginProfile"))])
    result = b.only(inv, "OB102")
    assert result.status is Status.UNKNOWN and "AccessDenied" in result.message


# --------------------------------------------------------------------------- OB103


def test_active_key_passes_and_evidence_shows_only_the_last_four_characters() -> None:
    result = b.only(b.inventory(), "OB103")
    assert result.status is Status.PASS
    assert result.evidence["keys"] == [{"key_id": "...WXYZ", "status": "Active"}]


def test_planned_input_without_a_key_fails_with_a_hint() -> None:
    result = b.only(b.inventory(users=[b.user(access_keys=[])]), "OB103")
    assert result.status is Status.FAIL
    assert "aws iam create-access-key" in result.message


def test_an_account_user_without_a_key_fails_without_the_hint_for_code() -> None:
    # read from the account itself (Origin.observed): no key exists, it is not merely undeclared
    user = b.user(access_keys=[])
    user.origin = replace(user.origin, observed=True)
    result = b.only(b.inventory(users=[user]), "OB103")
    assert result.status is Status.FAIL
    assert result.message == f"IAM user {b.USER} has no active access key"


def test_only_inactive_keys_fail() -> None:
    result = b.only(b.inventory(users=[b.user(access_keys=[AccessKey("ABCD", "Inactive")])]), "OB103")
    assert result.status is Status.FAIL and "Inactive" in result.message


def test_unknown_keys_are_unknown() -> None:
    inv = b.inventory(users=[b.user(access_keys=Unknown("keys are created outside Terraform"))])
    assert b.only(inv, "OB103").status is Status.UNKNOWN
    inv = b.inventory(users=[b.user(access_keys=[AccessKey("ABCD", Unknown("status computed"))])])
    assert b.only(inv, "OB103").status is Status.UNKNOWN


# --------------------------------------------------------------------------- OB104


def _by_feature(inv: Inventory) -> dict[str, tuple[Status, dict[str, object]]]:
    return {r.evidence["feature"]: (r.status, r.evidence) for r in b.results(inv, "OB104")}


def test_the_guide_onboarding_covers_every_feature() -> None:
    verdicts = _by_feature(b.inventory())
    assert {f: s for f, (s, _) in verdicts.items()} == {
        "host": Status.PASS,
        "cspm": Status.PASS,
        "agentless": Status.PASS,
    }


def test_host_is_covered_by_readonlyaccess_alone() -> None:
    inv = b.inventory(users=[b.user(attached_policies=[b.managed("ReadOnlyAccess")])])
    inv.config = b.config(features=("host",))
    status, evidence = _by_feature(inv)["host"]
    assert status is Status.PASS
    assert evidence["references"] == ["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"]


def test_a_missing_managed_policy_fails_and_lists_the_actions() -> None:
    inv = b.inventory(users=[b.user(attached_policies=[b.managed("AmazonEC2ReadOnlyAccess")])])
    inv.config = b.config(features=("host",))
    result = b.only(inv, "OB104")
    assert result.status is Status.FAIL
    assert "iam:GetUser" in result.evidence["missing"]
    assert not any(a.startswith("ec2:") for a in result.evidence["missing"])
    assert "iam:" in result.message


def test_a_deny_removing_a_required_action_fails_and_points_at_the_deny() -> None:
    deny = PolicyRef(
        "no-describe",
        document={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "ec2:DescribeInstances", "Resource": "*"}],
        },
        inline=True,
    )
    inv = b.inventory(users=[b.user(inline_policies=[b.sqs_read_policy(), deny])])
    status, evidence = _by_feature(inv)["host"]
    assert status is Status.FAIL
    assert evidence["missing"] == ["ec2:DescribeInstances"]
    assert evidence["denied_by"][0]["policy"] == "no-describe"
    host = next(r for r in b.results(inv, "OB104") if r.evidence["feature"] == "host")
    assert host.location == b.at("aws_iam_user.sas", "inline_policies")  # the inline policy's line


def test_group_policies_count() -> None:
    group = IamGroup(
        b.origin("aws_iam_group.sas", 60), name="sas-readers", attached_policies=[b.managed("ReadOnlyAccess")]
    )
    inv = b.inventory(users=[b.user(attached_policies=[], groups=["sas-readers"])], groups=[group])
    inv.config = b.config(features=("host", "cspm"))
    verdicts = _by_feature(inv)
    assert verdicts["host"][0] is Status.PASS and verdicts["cspm"][0] is Status.PASS


def test_undeclared_group_or_unknown_document_makes_coverage_unknown() -> None:
    inv = b.inventory(users=[b.user(attached_policies=[], groups=["sas-readers"])])
    inv.config = b.config(features=("cspm",))
    result = b.only(inv, "OB104")
    assert result.status is Status.UNKNOWN and "sas-readers" in result.message
    inv = b.inventory(policies=[b.agentless_policy(document=Unknown("file() of a missing file"))])
    assert _by_feature(inv)["agentless"][0] is Status.UNKNOWN


def test_a_managed_policy_outside_the_snapshot_is_unknown_not_missing() -> None:
    refs = [b.managed("ReadOnlyAccess"), b.managed("AWSSupportServiceRolePolicy")]
    inv = b.inventory(users=[b.user(attached_policies=refs)])
    inv.config = b.config(features=("host",))
    result = b.only(inv, "OB104")
    assert result.status is Status.UNKNOWN
    assert "AWSSupportServiceRolePolicy" in result.message


# --------------------------------------------------------------------------- OB105


def test_reference_agentless_policy_keeps_its_tag_conditions() -> None:
    assert b.only(b.inventory(), "OB105").status is Status.PASS


def test_dropped_tag_condition_fails_and_names_the_actions() -> None:
    doc = b.agentless_document()
    del doc["Statement"][0]["Condition"]
    result = b.only(b.inventory(policies=[b.agentless_policy(doc)]), "OB105")
    assert result.status is Status.FAIL
    assert "ec2:TerminateInstances" in result.evidence["actions"]
    assert "ec2:DeleteSnapshot" not in result.evidence["actions"]  # its statement still has the condition
    assert result.location == b.at("aws_iam_policy.agentless", "document")


def test_agentless_rule_applies_only_with_agentless_and_is_unknown_on_unknown_documents() -> None:
    inv = b.inventory()
    inv.config = b.config(features=("host", "cspm"))
    assert b.results(inv, "OB105") == []
    inv = b.inventory(policies=[b.agentless_policy(document=Unknown("templatefile() with a computed var"))])
    assert b.only(inv, "OB105").status is Status.UNKNOWN


# --------------------------------------------------------------------------- OB106


def test_queue_read_policy_passes_with_a_deletemessage_note() -> None:
    result = b.only(b.inventory(), "OB106")
    assert result.status is Status.PASS
    assert "DeleteMessage" in result.message  # ReadOnlyAccess has no sqs:DeleteMessage (GUIDE-SQS-WRITE)
    assert result.evidence["sqs:DeleteMessage"] == "implicit-deny"


def test_readonlyaccess_alone_reads_the_queue() -> None:
    inv = b.inventory(users=[b.user(attached_policies=[b.managed("ReadOnlyAccess")], inline_policies=[])])
    assert b.only(inv, "OB106").status is Status.PASS


def test_symbolic_queue_reference_links_policy_and_queue() -> None:
    arn = "${aws_sqs_queue.logs.arn}"
    inv = b.inventory(
        users=[b.user(attached_policies=[], inline_policies=[b.sqs_read_policy(arn)])],
        queues=[b.queue(arn=arn)],
    )
    assert b.only(inv, "OB106").status is Status.PASS


def test_read_policy_on_another_queue_fails() -> None:
    other = b.sqs_read_policy("arn:aws:sqs:ap-northeast-1:123456789012:other-queue")
    inv = b.inventory(users=[b.user(attached_policies=[], inline_policies=[other])])
    result = b.only(inv, "OB106")
    assert result.status is Status.FAIL
    assert "sqs:GetQueueUrl" in result.message and "sqs:ReceiveMessage" in result.message


def test_deny_on_receive_fails() -> None:
    deny = PolicyRef(
        "deny-receive",
        document={"Statement": [{"Effect": "Deny", "Action": "sqs:ReceiveMessage", "Resource": "*"}]},
        inline=True,
    )
    inv = b.inventory(users=[b.user(inline_policies=[b.sqs_read_policy(), deny])])
    result = b.only(inv, "OB106")
    assert result.status is Status.FAIL and "Deny" in result.message
    assert result.evidence["decisions"]["sqs:ReceiveMessage"] == "denied"


def test_unknown_policy_makes_queue_read_unknown() -> None:
    unknown = PolicyRef("sqs", document=Unknown("jsonencode of a computed value"), inline=True)
    inv = b.inventory(users=[b.user(attached_policies=[], inline_policies=[unknown])])
    assert b.only(inv, "OB106").status is Status.UNKNOWN


def test_a_symbolic_queue_reference_from_another_directory_is_another_queue() -> None:
    arn = "${aws_sqs_queue.logs.arn}"
    elsewhere = b.user(attached_policies=[], inline_policies=[b.sqs_read_policy(arn)])
    elsewhere.origin = b.origin("aws_iam_user.sas", 10, path="other-module/main.tf")
    elsewhere.attribute_origins = {}
    inv = b.inventory(users=[elsewhere], queues=[b.queue(arn=arn)])
    assert b.only(inv, "OB106").status is Status.FAIL
