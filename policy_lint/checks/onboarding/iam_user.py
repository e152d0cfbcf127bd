"""OB1: the onboarding IAM user (AWS-NO-CONSOLE, AWS-TWO-KEYS, PLAN-FEATURE-POLICIES, PLAN-AGENTLESS-CONTENT, AWS-EVALUATION, PLAN-QUEUE-CONSUMER): exists, API-only, has a key, and may do its job.

Permissions are judged on the user's *effective* permissions (attached, inline and group
policies together, AWS managed ones from the bundled snapshot) with the diff machinery of
:mod:`policy_lint.iam.diff`, so ReadOnlyAccess covers Host and a Deny removes what an Allow
grants elsewhere. Which user is the onboarding user: see :mod:`.onboarding_user`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy_lint.checks import verdicts
from policy_lint.checks.onboarding.onboarding_user import AGENTLESS_MARKERS, onboarding_users, user_label
from policy_lint.checks.onboarding.pipeline import audit_queue_arns, pipeline, pipeline_in_scope
from policy_lint.checks.onboarding.reference_diff import reference_diff
from policy_lint.core.findings import Level
from policy_lint.iam import diff_rules
from policy_lint.iam.diff import ActualPolicy, DiffResult
from policy_lint.iam.evaluate import PermissionSet
from policy_lint.inventory.links import bucket_arn, buckets_notifying, partition
from policy_lint.inventory.model import IamUser, Inventory, Unknown
from policy_lint.inventory.policies import user_policies
from policy_lint.inventory.references import canon, scope_of, text
from policy_lint.rules.registry import Result, RuleGroup, Status

RULES = RuleGroup()
inventory_rule = RULES.inventory_rule

GUIDE = "Security Center guide: Plan 2, manual configuration"
MANUAL = ("manual",)
#: The feature order of the guide.
FEATURES = ("host", "cspm", "agentless")


def _users(inventory: Inventory) -> list[IamUser]:
    if not inventory.describes_infrastructure():
        return []
    return onboarding_users(inventory)


@inventory_rule(
    id="OB101",
    name="iam-user-exists",
    level=Level.ERROR,
    title="The onboarding IAM user exists",
    rationale="The manual plan gives Security Center the access key of an IAM user the customer creates "
    "(AWS-NO-CONSOLE, AWS-TWO-KEYS, PLAN-FEATURE-POLICIES). The user is the one named by iam_user in onboarding.yaml; without it, a user with a "
    "guide policy attached (AmazonEC2ReadOnlyAccess, IAMReadOnlyAccess, ReadOnlyAccess), the Agentless "
    "policy's tag conditions, or a policy naming the audit queue.",
    remediation="Declare the IAM user (aws_iam_user / AWS::IAM::User), or correct iam_user in onboarding.yaml.",
    references=(GUIDE,),
    plans=MANUAL,
)
def iam_user_exists(inventory: Inventory) -> Iterator[Result]:
    if not inventory.describes_infrastructure():
        return
    users = onboarding_users(inventory)
    for user in users:
        yield verdicts.passed(
            verdicts.resource_id(user),
            f"onboarding IAM user {user_label(user)} is {verdicts.present(inventory)}",
            verdicts.location(user),
            user=text(user.name),
        )
    if users:
        return
    config = inventory.config
    declared = [user_label(u) for u in inventory.users]
    if config is not None and config.iam_user:
        unknown_names = [u for u in inventory.users if isinstance(u.name, Unknown)]
        gap = inventory.listing_gap("users")
        status = Status.UNKNOWN if unknown_names or gap else Status.FAIL
        message = f"no IAM user named {config.iam_user} is {verdicts.present(inventory)}" + (
            f" ({verdicts.listed(inventory)}: {verdicts.join(declared)})" if declared else ""
        )
        if unknown_names:
            message += f"; {len(unknown_names)} user(s) have an unknown name"
        if gap:
            message += f"; {gap}"
        yield Result(
            status,
            "config:iam_user",
            message,
            config.location("iam_user"),
            {"iam_user": config.iam_user, "declared_users": declared},
        )
    elif declared:
        yield verdicts.undecided(
            "config:iam_user",
            f"cannot tell which of {len(declared)} IAM user(s) is the onboarding user ({verdicts.join(declared)}): "
            "none has a guide policy attached; set iam_user in onboarding.yaml",
            config.location("iam_user") if config else None,
            declared_users=declared,
        )
    elif config is not None:
        yield verdicts.failed(
            "config:iam_user",
            f"no IAM user is {verdicts.present(inventory)}; the manual plan needs one",
            config.location("plan"),
            declared_users=[],
        )


@inventory_rule(
    id="OB102",
    name="iam-user-no-console",
    level=Level.SECURITY_WARNING,
    title="The onboarding IAM user has no console access",
    rationale="The onboarding user exists only for API calls with its access key; a login profile (console "
    "password) is an extra way in that Security Center never uses (AWS-NO-CONSOLE).",
    remediation="Remove the login profile (aws_iam_user_login_profile / LoginProfile, "
    "`aws iam delete-login-profile`).",
    references=(GUIDE,),
    plans=MANUAL,
)
def iam_user_no_console(inventory: Inventory) -> Iterator[Result]:
    for user in _users(inventory):
        value = user.has_login_profile
        where = verdicts.location(user, "has_login_profile")
        name = user_label(user)
        if isinstance(value, Unknown):
            yield verdicts.unknown(verdicts.resource_id(user), f"login profile of {name}", value, where)
        else:
            yield verdicts.verdict(
                not value,
                verdicts.resource_id(user),
                f"IAM user {name} has no login profile",
                f"IAM user {name} has a login profile (console password); the onboarding user needs API access only",
                where,
                has_login_profile=bool(value),
            )


@inventory_rule(
    id="OB103",
    name="iam-user-active-key",
    level=Level.ERROR,
    title="The onboarding IAM user has an active access key",
    rationale="Security Center signs its calls with the user's AccessKey pair; without an Active key the "
    "console's verification fails (AWS-TWO-KEYS, at most two keys per user).",
    remediation="Create the key outside infrastructure code (`aws iam create-access-key`), so its secret "
    "never lands in Terraform state or template outputs, and enter it in the console.",
    references=(GUIDE,),
    plans=MANUAL,
)
def iam_user_active_key(inventory: Inventory) -> Iterator[Result]:
    for user in _users(inventory):
        keys = user.access_keys
        where = verdicts.location(user, "access_keys")
        name = user_label(user)
        resource = verdicts.resource_id(user)
        if isinstance(keys, Unknown):
            yield verdicts.unknown(resource, f"access keys of {name}", keys, where)
            continue
        statuses = [(f"...{k.key_id_suffix}", k.status) for k in keys]
        evidence: dict[str, Any] = {
            "keys": [{"key_id": kid, "status": s if isinstance(s, str) else None} for kid, s in statuses]
        }
        if any(s == "Active" for _, s in statuses):
            yield verdicts.passed(resource, f"IAM user {name} has an active access key", where, evidence)
        elif any(isinstance(s, Unknown) for _, s in statuses):
            reasons = "; ".join(s.reason for _, s in statuses if isinstance(s, Unknown))
            yield verdicts.unknown(resource, f"status of {name}'s key unknown", reasons, where, evidence)
        elif not keys and not user.origin.observed:
            yield verdicts.failed(
                resource,
                f"no access key is declared for {name}; if you create it outside this code "
                "(recommended: `aws iam create-access-key`, the secret stays out of the state), "
                "suppress this finding",
                where,
                evidence,
            )
        else:
            yield verdicts.failed(
                resource,
                f"IAM user {name} has no active access key" + (" (all are Inactive)" if keys else ""),
                where,
                evidence,
            )


# --------------------------------------------------------------------------- permissions


def _actual(user: IamUser, inventory: Inventory) -> tuple[list[ActualPolicy], list[str], dict[str, Any]]:
    """The user's policies as diff inputs, reasons some are unknown, and label -> location."""
    policies, unsure = user_policies(user, inventory)
    actual = [ActualPolicy(p.label, p.document) for p in policies if p.document is not None]
    where = {p.document.path: p.location for p in policies if p.document is not None}
    return actual, unsure, where


def _features(inventory: Inventory, actual: list[ActualPolicy]) -> tuple[str, ...]:
    """The selected features, or (no configuration) the ones the user's policies aim at."""
    if inventory.config is not None:
        return tuple(f for f in FEATURES if f in inventory.config.features)
    names = {a.name.lower() for a in actual}
    wanted = ["host"]
    if "readonlyaccess" in names:
        wanted.append("cspm")
    if any(any(m in a.document.source.text for m in AGENTLESS_MARKERS) for a in actual):
        wanted.append("agentless")
    return tuple(wanted)


def _statement(grant: dict[str, Any]) -> dict[str, Any]:
    return {"policy": grant.get("path"), "statement": grant.get("statement"), "sid": grant.get("sid")}


def _diff(
    actual: list[ActualPolicy], features: tuple[str, ...], partition: str | Unknown
) -> DiffResult | str:
    # The features' identity references name no resource ARN (only the queue's resource policy
    # does, and the diff leaves it out), so a partition that is not known changes nothing here.
    known = partition if isinstance(partition, str) else "aws"
    return reference_diff(actual, features, known)


@inventory_rule(
    id="OB104",
    name="iam-user-feature-permissions",
    level=Level.ERROR,
    title="The onboarding user's effective permissions cover every selected feature",
    rationale="Security Center verifies the permissions of each selected feature: Host needs "
    "AmazonEC2ReadOnlyAccess + IAMReadOnlyAccess (ReadOnlyAccess is a superset), CSPM ReadOnlyAccess, "
    "Agentless the custom policy (PLAN-FEATURE-POLICIES, PLAN-AGENTLESS-CONTENT, AWS-EVALUATION). Attached, inline and group policies count together, "
    "and an explicit Deny removes an action. Without onboarding.yaml the features are inferred: Host always, "
    "CSPM with ReadOnlyAccess attached, Agentless with its tag conditions present. conflicts_with: CS108 "
    "(CIS 1.15, permissions only through groups): the guide attaches these policies to the user directly; "
    "attaching them to a group that holds only this user satisfies both, because group policies count here.",
    remediation="Attach the missing policies (or add the listed actions), or narrow the Deny that removes them.",
    references=(GUIDE, "IAM policy evaluation logic"),
    plans=MANUAL,
    conflicts_with=("CS108",),
)
def iam_user_feature_permissions(inventory: Inventory) -> Iterator[Result]:
    for user in _users(inventory):
        actual, unsure, where = _actual(user, inventory)
        features = _features(inventory, actual)
        result = _diff(actual, features, partition(inventory, text(user.arn)))
        loc = verdicts.location(user, "attached_policies")
        resource = verdicts.resource_id(user)
        name = user_label(user)
        if isinstance(result, str):
            yield verdicts.unknown(resource, "cannot build the reference set", result, loc)
            continue
        for feature in features:
            named = resource
            if len(features) > 1:  # one verdict per feature: the feature names it (verdicts.facet)
                named = verdicts.facet(resource, "feature", feature)
            yield _feature_verdict(feature, name, named, result, unsure, where, loc, actual)


def _feature_verdict(
    feature: str,
    name: str,
    resource: str,
    result: DiffResult,
    unsure: list[str],
    where: dict[str, Any],
    loc: Any,
    actual: list[ActualPolicy],
) -> Result:
    missing: list[str] = []
    denied: list[dict[str, Any]] = []
    conditional: list[str] = []
    first_deny = None
    for found in result.findings:
        ev = found.evidence
        if feature not in ev.get("features", []):
            continue
        if found.finding.rule_id == diff_rules.MISSING.id:
            missing += ev["actions"]
            if ev.get("cause") == "denied":
                denied.append({**_statement(ev["denied_by"]), "actions": ev["actions"]})
                first_deny = first_deny or where.get(ev["denied_by"].get("path"))
        elif found.finding.rule_id == diff_rules.CONDITIONAL.id:
            conditional += ev["actions"]
    refs = [r.name for r in result.references if feature in r.features]
    evidence: dict[str, Any] = {
        "feature": feature,
        "references": refs,
        "policies": [a.name for a in actual],
        "missing": sorted(set(missing)),
        "denied_by": denied,
        "conditional": sorted(set(conditional)),
        "unknown_policies": unsure,
    }
    what = f"{name}'s permissions for {feature} ({', '.join(refs)})"
    if missing and not unsure:
        how = f"; a Deny removes {sum(len(d['actions']) for d in denied)}" if denied else ""
        return verdicts.failed(
            resource,
            f"{what}: {len(set(missing))} action(s) not allowed{how}: {verdicts.join(sorted(set(missing)))}",
            first_deny or loc,
            evidence,
        )
    if unsure:
        state = (
            f"{len(set(missing))} action(s) missing from the known policies"
            if missing
            else "covered by the known policies"
        )
        return verdicts.unknown(resource, what, f"{state}, but {'; '.join(unsure)}", loc, evidence)
    if conditional:
        return verdicts.unknown(
            resource,
            what,
            f"{len(set(conditional))} action(s) allowed only under a condition or on part of the "
            f"resources: {verdicts.join(sorted(set(conditional)))}",
            loc,
            evidence,
        )
    return verdicts.passed(resource, f"{what}: every action allowed", loc, evidence)


@inventory_rule(
    id="OB105",
    name="agentless-tag-conditions-kept",
    level=Level.SECURITY_WARNING,
    title="The Agentless policy's destructive EC2 actions keep their tag conditions",
    rationale="The guide grants TerminateInstances, StopInstances, DeleteVpc, DeleteSubnet, "
    "DeleteSecurityGroup, DeleteInternetGateway and DeleteVpcEndpoints only on resources tagged "
    "Name=alibaba-cloud-security-scan*, and DeleteSnapshot only on SAS_Agentless* (PLAN-AGENTLESS-CONTENT). Granting them "
    "without the condition lets the vendor's key destroy any instance, VPC or snapshot of the account.",
    remediation="Restore the StringLike ec2:ResourceTag/Name condition on these actions, or remove them "
    "from the unconditioned statement.",
    references=(GUIDE,),
    features=("agentless",),
    plans=MANUAL,
)
def agentless_tag_conditions_kept(inventory: Inventory) -> Iterator[Result]:
    for user in _users(inventory):
        actual, unsure, where = _actual(user, inventory)
        resource = verdicts.resource_id(user)
        loc = verdicts.location(user, "attached_policies")
        result = _diff(actual, ("agentless",), partition(inventory, text(user.arn)))
        if isinstance(result, str):
            yield verdicts.unknown(resource, "cannot build the reference set", result, loc)
            continue
        weakened = [
            f
            for f in result.findings
            if f.finding.rule_id == diff_rules.WEAKENED_CONDITION.id
            and f.evidence.get("reference") == "agentless"
        ]
        if weakened:
            actions = sorted({a for f in weakened for a in f.evidence["actions"]})
            granted = [_statement(f.evidence["granted_by"]) for f in weakened]
            first = where.get(weakened[0].evidence["granted_by"].get("path")) or loc
            yield verdicts.failed(
                resource,
                f"{user_label(user)} may run {verdicts.join(actions)} without the reference's Name tag "
                f"condition ({', '.join(str(g['policy']) + ' statement ' + str(g['statement']) for g in granted)})",
                first,
                actions=actions,
                granted_by=granted,
            )
        elif unsure:
            yield verdicts.unknown(
                resource,
                user_label(user),
                "no unconditioned destructive action in the known policies, but " + "; ".join(unsure),
                loc,
                unknown_policies=unsure,
            )
        else:
            yield verdicts.passed(
                resource,
                f"{user_label(user)}: every destructive Agentless action keeps its tag condition",
                loc,
                policies=[a.name for a in actual],
            )


@inventory_rule(
    id="OB106",
    name="iam-user-queue-read",
    level=Level.ERROR,
    title="The onboarding user may read the audit-log queue",
    rationale="Security Center polls the audit-log queue with the user's key: it needs sqs:GetQueueUrl and "
    "sqs:ReceiveMessage on the queue (explicitly, by wildcard, or through ReadOnlyAccess's sqs:Get*/"
    "sqs:Receive*) (PLAN-QUEUE-CONSUMER). Without sqs:DeleteMessage, read messages return after the visibility "
    "timeout and pile up until the retention period ends (GUIDE-SQS-WRITE): reported as a note.",
    remediation="Attach the guide's SQS read policy (sqs:GetQueueUrl, sqs:ReceiveMessage on the queue ARN); "
    "consider adding sqs:DeleteMessage.",
    references=(GUIDE, "Configure AWS service audit logs for CSPM"),
    features=("cspm", "agentless"),
    plans=MANUAL,
)
def iam_user_queue_read(inventory: Inventory) -> Iterator[Result]:
    if not pipeline_in_scope(inventory):
        return
    found = pipeline(inventory)
    queues = audit_queue_arns(inventory, found)
    if not queues:
        return
    for user in _users(inventory):
        policies, unsure = user_policies(user, inventory)
        docs = [p.document for p in policies if p.document is not None]
        where = {p.document.path: p.location for p in policies if p.document is not None}
        perms = PermissionSet.from_documents(docs)
        for queue, arn in queues:
            result = _queue_read(user, queue, arn, perms, unsure, where, inventory)
            if len(queues) > 1:  # one verdict per queue: the queue names it (verdicts.facet)
                shown = verdicts.resource_id(queue) if queue is not None else text(arn)
                result = result._replace(resource=verdicts.facet(result.resource, "queue", str(shown)))
            yield result


def _queue_read(
    user: IamUser,
    queue: Any,
    arn: str | Unknown,
    perms: PermissionSet,
    unsure: list[str],
    where: dict[str, Any],
    inventory: Inventory,
) -> Result:
    resource = verdicts.resource_id(user)
    loc = verdicts.location(user, "inline_policies")
    qname = text(queue.name) if queue is not None else None
    if isinstance(arn, Unknown):
        return verdicts.unknown(resource, f"ARN of queue {qname}", arn, loc)
    target = canon(arn, scope_of(queue) if queue is not None else None)
    decisions = {a: perms.evaluate(a, target) for a in ("sqs:GetQueueUrl", "sqs:ReceiveMessage")}
    delete = perms.evaluate("sqs:DeleteMessage", target)
    evidence: dict[str, Any] = {
        "queue": arn,
        "decisions": {a: d.status for a, d in decisions.items()},
        "sqs:DeleteMessage": delete.status,
        "unknown_policies": unsure,
    }
    buckets = buckets_notifying(queue, inventory) if queue is not None else []
    part = partition(inventory, arn, region=queue.region if queue is not None else None)
    for bucket in buckets:
        objects = bucket_arn(bucket, part)
        if objects is not None:
            get = perms.evaluate("s3:GetObject", canon(objects + "/*", scope_of(bucket)))
            evidence["s3:GetObject"] = get.status
    note = (
        ""
        if delete.allowed
        else "; note: sqs:DeleteMessage is not allowed, so read messages come back and pile up (GUIDE-SQS-WRITE)"
    )
    denied = [d for d in decisions.values() if d.status == "denied"]
    missing = [a for a, d in decisions.items() if d.status in ("implicit-deny", "denied")]
    name = user_label(user)
    if missing and (denied or not unsure):
        deny_loc = None
        if denied:
            deny_loc = where.get(denied[0].deciding_denies[0].ref.path)
        return verdicts.failed(
            resource,
            f"{name} may not {' or '.join(missing)} on {arn}"
            + (" (an explicit Deny)" if denied else "")
            + note,
            deny_loc or loc,
            evidence,
        )
    if missing or unsure:
        return verdicts.unknown(resource, f"{name} on {arn}", "; ".join(unsure or ["unknown"]), loc, evidence)
    conditional = [a for a, d in decisions.items() if d.status == "conditional"]
    if conditional:
        return verdicts.unknown(
            resource,
            f"{name} may {' and '.join(conditional)} on {arn} only conditionally",
            "; ".join(decisions[a].explain() for a in conditional),
            loc,
            evidence,
        )
    return verdicts.passed(
        resource, f"{name} may GetQueueUrl and ReceiveMessage on {arn}{note}", loc, evidence
    )
