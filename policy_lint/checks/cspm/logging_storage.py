"""CS2: logging and storage posture (CIS AWS Foundations v3.0.0 sections 2.1 and 3).

CloudTrail coverage, integrity and encryption, and S3 public access and TLS. The
trail-encryption rule (CIS 3.5) contradicts the onboarding guide: see CS203.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy_lint.checks.cspm.common import (
    CIS_REF,
    PROFILES,
    cis,
)
from policy_lint.checks.verdicts import cannot_tell, location, resource_id, unknown, verdict
from policy_lint.core.findings import Level
from policy_lint.iam.statements import denies_insecure_transport, may_deny_insecure_transport
from policy_lint.inventory.account_scope import (
    ACCOUNT,
    account_resource,
    covers_account,
    declared,
    judged_accounts,
    outside_input,
)
from policy_lint.inventory.model import Bucket, Inventory, Trail, Unknown, first_unknown
from policy_lint.inventory.names import display_name
from policy_lint.inventory.statement_views import view_of_dict, views_of_dict
from policy_lint.rules.registry import Result, RuleGroup
from policy_lint.syntax.json_parser import loads

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

CLOUDTRAIL_GUIDE_CONFLICT = ("OB202", "OB203")


def trail_name(trail: Trail) -> str:
    return f"trail {display_name(trail.name, trail)}"


def _trail_gaps(trail: Trail) -> tuple[list[str], list[str]]:
    """What keeps a trail from meeting CIS 3.1 (known gaps, unknown facts)."""
    gaps: list[str] = []
    unsure: list[str] = []
    checks: list[tuple[str, object]] = [("multi-region", trail.multi_region), ("logging", trail.logging)]
    events = trail.events
    if isinstance(events, Unknown):
        unsure.append(f"management events: {events.reason}")
    else:
        filters = f" ({'; '.join(events.filters)})" if events.filters else ""
        checks += [(f"read management events{filters}", events.management_read)]
        checks += [(f"write management events{filters}", events.management_write)]
        if events.excluded_sources:  # AWS Config's multi-region-cloudtrail-enabled fails these too
            gaps.append(f"excludes management events from {', '.join(events.excluded_sources)}")
    for label, value in checks:
        if isinstance(value, Unknown):
            unsure.append(f"{label}: {value.reason}")
        elif value is not True:
            gaps.append(f"not {label}")
    return gaps, unsure


def _trail_scope(inventory: Inventory) -> str:
    """The account the trails are judged for (``account``): CIS 3.1 is a fact about the account."""
    accounts = judged_accounts(inventory)
    return account_resource(inventory, accounts[0]) if len(accounts) == 1 else ACCOUNT


@inventory_rule(
    id="CS201",
    name="multi-region-trail",
    level=Level.ERROR,
    title="A multi-region trail is logging all management events, read and write",
    rationale="Only a multi-region trail records API activity in regions nobody watches, where attackers "
    "like to start resources; it must be logging and record both read and write management events "
    "(CIS 3.1). One such trail is enough; other trails are not judged. CIS 3.1 wants all management events, "
    "so any exclusion fails, kms.amazonaws.com and rdsdata.amazonaws.com included, as AWS's own check for it, "
    "the AWS Config rule multi-region-cloudtrail-enabled, does; an eventSource or eventName filter fails or is "
    "unknown as for OB201 (AWS-EVENT-SELECTORS).",
    remediation="aws cloudtrail update-trail --name <trail> --is-multi-region-trail, start logging, and "
    "record management events with ReadWriteType All and no ExcludeManagementEventSources (or an advanced "
    "selector on eventCategory Management with no other field).",
    references=(CIS_REF,),
    frameworks=cis("3.1"),
    profiles=PROFILES,
)
def multi_region_trail(inventory: Inventory) -> Iterator[Result]:
    if not judged_accounts(inventory) and not inventory.trails:
        return  # an onboarding.yaml alone says nothing about the account
    scope = _trail_scope(inventory)
    whole = covers_account(inventory)
    denied = sorted(k for k in inventory.collection_errors if k.lower().startswith("cloudtrail:"))
    report: dict[str, Any] = {}
    unsure_any: list[str] = []
    for trail in inventory.trails:
        gaps, unsure = _trail_gaps(trail)
        report[trail_name(trail)] = gaps + [f"unknown {u}" for u in unsure]
        if not gaps and not unsure:  # one qualifying trail proves the account has one
            yield verdict(
                True,
                scope,
                f"{trail_name(trail)} is multi-region and logs read and write management events",
                "",
                trail.origin.location,
                trail=resource_id(trail),
            )
            return
        if not gaps:
            unsure_any += [f"{trail_name(trail)} {u}" for u in unsure]
    if unsure_any:
        yield unknown(
            scope, "cannot tell whether a trail meets CIS 3.1", "; ".join(unsure_any), None, trails=report
        )
    elif denied and not inventory.trails:
        why = Unknown(f"{denied[0]} failed: {inventory.collection_errors[denied[0]]}")
        yield cannot_tell(scope, why, "which trails exist", None)
    elif not whole:  # the account's other trails are not in the input: absence cannot fail
        found = "; ".join(f"{name}: {', '.join(gaps)}" for name, gaps in report.items())
        declared = f"no trail in the input qualifies ({found})" if report else "the input declares no trail"
        why = outside_input("the account's trails outside the input are not known")
        yield unknown(
            scope,
            f"cannot tell whether a multi-region trail logs all management events: {declared}",
            why,
            None,
            trails=report,
            unknown=why.reason,
        )
    elif not inventory.trails:
        yield verdict(False, scope, "", "the account has no CloudTrail trail", None)
    else:
        summary = "; ".join(f"{name}: {', '.join(gaps)}" for name, gaps in report.items())
        yield verdict(
            False,
            scope,
            "",
            f"no multi-region trail logs all management events ({summary})",
            None,
            trails=report,
        )


@inventory_rule(
    id="CS202",
    name="trail-log-file-validation",
    level=Level.WARNING,
    title="Trails have log file validation enabled",
    rationale="Validation writes signed digest files, so tampering with or deleting delivered logs can be "
    "proven (CIS 3.2). The onboarding guide does not mention it and it does not affect Security Center.",
    remediation="aws cloudtrail update-trail --name <trail> --enable-log-file-validation "
    "(Terraform: enable_log_file_validation = true; CloudFormation: EnableLogFileValidation: true).",
    references=(CIS_REF,),
    frameworks=cis("3.2"),
    profiles=PROFILES,
)
def trail_log_file_validation(inventory: Inventory) -> Iterator[Result]:
    for trail in inventory.trails:
        name, label = resource_id(trail), trail_name(trail)
        where = location(trail, "log_file_validation")
        enabled = trail.log_file_validation
        if isinstance(enabled, Unknown):
            yield cannot_tell(name, enabled, f"whether {label} validates log files", where)
            continue
        passed, failed = (
            f"{label} has log file validation enabled",
            f"{label} has log file validation disabled",
        )
        yield verdict(enabled is True, name, passed, failed, where)


@inventory_rule(
    id="CS203",
    name="trail-kms-encryption",
    level=Level.WARNING,
    title="Trail logs are encrypted with a KMS key (SSE-KMS)",
    rationale="With SSE-KMS, reading the logs needs kms:Decrypt on the key as well as s3:GetObject, so the "
    "key policy becomes a second gate on who can read the audit trail (CIS 3.5). conflicts_with: OB202, "
    "OB203: the onboarding guide requires the trail's SSE-KMS option to stay off and the log bucket to use "
    "SSE-S3, because Security Center reads the log files as the IAM user, whose ReadOnlyAccess policy has no "
    "kms:Decrypt (AWS-TRAIL-KMS, AWS-S3-DEFAULT-SSE, GUIDE-BUCKET-KMS). A trail KMS key fails OB202, and the other route to KMS-encrypted "
    "logs, SSE-KMS as the bucket default, fails OB203. No configuration passes both: choose the onboarding "
    "profile for the Security Center audit-log feature, or accept this finding.",
    remediation="aws cloudtrail update-trail --name <trail> --kms-key-id <key> with a key policy that lets "
    "cloudtrail.amazonaws.com encrypt; this breaks Security Center's audit-log reading (OB202/OB203).",
    references=(CIS_REF, "Security Center guide: Configure AWS service audit logs for CSPM"),
    frameworks=cis("3.5"),
    profiles=PROFILES,
    conflicts_with=CLOUDTRAIL_GUIDE_CONFLICT,
)
def trail_kms_encryption(inventory: Inventory) -> Iterator[Result]:
    conflict = {"conflicts_with": list(CLOUDTRAIL_GUIDE_CONFLICT)}
    for trail in inventory.trails:
        name, label = resource_id(trail), trail_name(trail)
        where = location(trail, "kms_key_id")
        key = trail.kms_key_id
        if isinstance(key, Unknown):
            yield cannot_tell(name, key, f"the KMS key of {label}", where, **conflict)
            continue
        yield verdict(
            bool(key),
            name,
            f"{label} encrypts its logs with KMS key {key}",
            f"{label} does not encrypt its logs with a KMS key (SSE-S3 only), as the onboarding guide "
            "requires (OB202)",
            where,
            kms_key_id=key,
            **conflict,
        )


BLOCK_SETTINGS = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}


def _setting(block: dict[str, Any], key: str) -> object:
    """One Block Public Access flag (botocore or Terraform spelling); absent means off."""
    if key in block:
        return block[key]
    return block.get(BLOCK_SETTINGS[key], False)


def bucket_name(bucket: Bucket) -> str:
    return f"bucket {display_name(bucket.name, bucket)}"


def _account_block(inventory: Inventory, bucket: Bucket) -> object:
    """The account-level Block Public Access that applies to the bucket, or why it is unknown.

    Planned input that declares no account-level block is read as having none for the bucket's
    verdict (docs/cis.md, CS204): a bucket whose own settings are off fails, because the input
    allows a deployment where it is public; only the ``account`` line stays unknown."""
    accounts = judged_accounts(inventory)
    owner = bucket.owner_account
    if isinstance(owner, str) and len(accounts) > 1:
        accounts = [a for a in accounts if a.account_id == owner]
    if len(accounts) > 1:
        return Unknown("the bucket's owner account is ambiguous")
    if not accounts or not declared(accounts[0], "s3_public_access_block"):
        return None
    return accounts[0].s3_public_access_block


def _bucket_block(bucket: Bucket) -> object:
    """The bucket's own Block Public Access; a bucket the input creates without one gets AWS's
    default for new buckets, all four settings on (AWS-S3-BPA-DEFAULT). A live bucket without one
    has none (it may predate the default, or someone removed it)."""
    block = bucket.public_access_block
    if block is None and not bucket.origin.observed:
        return dict.fromkeys(BLOCK_SETTINGS, True)
    return block


def _default_note(bucket: Bucket) -> str:
    return " (AWS default for new buckets)" if bucket.public_access_block is None else ""


def _account_line(inventory: Inventory) -> Iterator[Result]:
    """CIS 2.1.4 for the whole account: an account-level block with all four settings covers every
    bucket (AWS-S3-BPA-ACCOUNT); otherwise only an input that is the whole account can tell (its bucket results)."""
    for account in judged_accounts(inventory):
        name, block = account_resource(inventory, account), account.s3_public_access_block
        where = location(account, "s3_public_access_block")
        if isinstance(block, dict) and all(_setting(block, key) is True for key in BLOCK_SETTINGS):
            passed = "account-level Block Public Access is on (all four settings), so it covers every bucket"
            yield verdict(True, name, passed, "", where)
        elif not covers_account(inventory):
            question = "cannot tell whether every bucket of the account blocks public access"
            if isinstance(block, dict):
                off = ", ".join(k for k in BLOCK_SETTINGS if _setting(block, k) is not True)
                why: Unknown = outside_input(
                    f"the account-level block leaves {off} off and the account's buckets outside the input "
                    "are not known"
                )
            else:
                why = (
                    block
                    if isinstance(block, Unknown)
                    else outside_input("the input declares no account-level block")
                )
            yield unknown(name, question, why, where, unknown=why.reason)


@inventory_rule(
    id="CS204",
    name="s3-block-public-access",
    level=Level.ERROR,
    title="S3 Block Public Access is on for every bucket (bucket or account level)",
    rationale="Block Public Access overrides ACLs and bucket policies that would make objects public, the "
    "classic S3 data leak; each of its four settings counts if it is on at the bucket or the account level "
    "(CIS 2.1.4). The CloudTrail bucket of the onboarding holds the account's audit logs and must never be "
    "public.",
    remediation="Turn on all four settings: aws s3api put-public-access-block --bucket <b> "
    "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
    "BlockPublicPolicy=true,RestrictPublicBuckets=true (or aws s3control put-public-access-block for the "
    "account; Terraform aws_s3_bucket_public_access_block).",
    references=(CIS_REF,),
    frameworks=cis("2.1.4"),
    profiles=PROFILES,
)
def s3_block_public_access(inventory: Inventory) -> Iterator[Result]:
    yield from _account_line(inventory)
    for bucket in inventory.buckets:
        name, label = resource_id(bucket), bucket_name(bucket)
        where = location(bucket, "public_access_block")
        levels = {"bucket": _bucket_block(bucket), "account": _account_block(inventory, bucket)}
        covered: dict[str, str] = {}
        missing: list[str] = []
        unsure: list[str] = []
        for key in BLOCK_SETTINGS:
            level, reasons = _effective(key, levels)
            if level:
                covered[key] = level
            elif reasons:
                unsure.append(f"{key} ({'; '.join(reasons)})")
            else:
                missing.append(key)
        evidence: dict[str, Any] = {"covered": covered, "missing": missing}
        if _default_note(bucket):
            evidence["bucket_level"] = "AWS default for new buckets (AWS-S3-BPA-DEFAULT)"
        if missing:
            failed = f"{label}: {', '.join(missing)} off at bucket and account level"
            yield verdict(False, name, "", failed, where, **evidence)
        elif unsure:
            question = f"cannot tell whether {label} blocks public access"
            yield unknown(name, question, "; ".join(unsure), where, evidence, unknown=unsure)
        else:
            used = " and ".join(sorted(set(covered.values())))
            note = _default_note(bucket) if "bucket" in covered.values() else ""
            yield verdict(
                True, name, f"{label}: all public access blocked ({used} level){note}", "", where, **evidence
            )


def _effective(key: str, levels: dict[str, object]) -> tuple[str | None, list[str]]:
    """The level that turns a setting on, else why that is unknown (empty list: it is off everywhere)."""
    reasons: list[str] = []
    for level, block in levels.items():
        value = (
            block if isinstance(block, Unknown) else _setting(block if isinstance(block, dict) else {}, key)
        )
        if value is True:
            return level, []
        if isinstance(value, Unknown):
            reasons.append(f"{level} level: {value.reason}")
    return None, reasons


@inventory_rule(
    id="CS205",
    name="s3-deny-insecure-transport",
    level=Level.WARNING,
    title="Bucket policies deny requests that do not use TLS",
    rationale="S3 accepts plain HTTP unless the bucket policy denies it; a Deny on aws:SecureTransport "
    "false for every principal and s3:* keeps objects off unencrypted connections (CIS 2.1.1). Adding this "
    "statement to the CloudTrail bucket does not affect CloudTrail or Security Center, which use HTTPS.",
    remediation='Add {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", '
    '"Resource": ["arn:aws:s3:::<b>", "arn:aws:s3:::<b>/*"], "Condition": {"Bool": '
    '{"aws:SecureTransport": "false"}}} to the bucket policy.',
    references=(CIS_REF,),
    frameworks=cis("2.1.1"),
    profiles=PROFILES,
)
def s3_deny_insecure_transport(inventory: Inventory) -> Iterator[Result]:
    for bucket in inventory.buckets:
        name, label = resource_id(bucket), bucket_name(bucket)
        where = location(bucket, "policy")
        policy: object = bucket.policy
        if isinstance(policy, Unknown):
            yield cannot_tell(name, policy, f"the policy of {label}", where)
            continue
        if isinstance(policy, str):
            try:
                policy = loads(policy)
            except ValueError as exc:
                yield cannot_tell(
                    name, Unknown(f"the policy is not JSON ({exc})"), f"the policy of {label}", where
                )
                continue
        if policy is None:
            yield verdict(False, name, "", f"{label} has no bucket policy, so plain HTTP is allowed", where)
            continue
        ok = any(denies_insecure_transport(view) for view in views_of_dict(policy))
        nested = None if ok else _unknown_that_may_deny(policy)
        if nested is not None:  # the unknown part may be the Deny
            yield cannot_tell(name, nested, f"whether the policy of {label} denies plain HTTP", where)
            continue
        yield verdict(
            ok,
            name,
            f"the policy of {label} denies aws:SecureTransport false",
            f"the policy of {label} has no Deny for aws:SecureTransport false on s3:* for every principal",
            where,
        )


def _unknown_that_may_deny(policy: object) -> Unknown | None:
    """The first unknown part of a policy that could turn out to be the plain-HTTP Deny.

    An unknown value in a statement whose known parts already rule it out (an Allow, a Deny for
    one account) cannot change CS205's verdict, so it does not make it unknown (issue 10 item 3)."""
    if not isinstance(policy, dict):
        return first_unknown(policy)
    statements = policy.get("Statement")
    if isinstance(statements, Unknown):
        return statements
    items = statements if isinstance(statements, list | tuple) else [statements]
    for index, stmt in enumerate(items):
        if not isinstance(stmt, dict):
            found = first_unknown(stmt)
            if found is not None:
                return found
            continue
        found = first_unknown(stmt)
        if found is not None and may_deny_insecure_transport(view_of_dict(stmt, index)):
            return found
    return None
