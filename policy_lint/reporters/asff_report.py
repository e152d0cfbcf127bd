"""``--format asff``: AWS Security Finding Format, the ``Findings`` list of Security Hub's
``BatchImportFindings``.

Every field the API requires (AwsSecurityFinding in the Security Hub API Reference, and the
"Required top-level ASFF attributes" page) is filled; the length limits the reference states are
kept (:data:`LIMITS`), so one long message cannot make Security Hub reject a whole batch.

- One finding per lint finding and per check result, passing ones included: Security Hub marks a
  control's finding resolved when a later import says ``PASSED``. ``Compliance.Status``:
  fail -> ``FAILED``, pass -> ``PASSED``, unknown -> ``NOT_AVAILABLE`` (unknown is never a pass).
- ``Id`` is stable across runs (rule, account and resource, or file and position, hashed), so a
  re-import updates a finding instead of adding one.
- ``AwsAccountId`` and the region of ``ProductArn`` (a custom integration's
  ``arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default``) must be real: Security
  Hub rejects a finding for another account or region. They come from the result (organization
  runs), the verified account, or ``check``'s ``--account-id``/``--region`` (or the onboarding's);
  with neither, the run stops with exit 2 naming what to pass (:class:`AsffNeedsAccount`) rather
  than invent an account.
- ``CreatedAt``/``UpdatedAt`` are required: the ``--timestamp`` time, else the time of the run.
- What the run accepted (the vendor reference's inherited weaknesses) or suppressed is imported
  too, ``Compliance.Status`` FAILED with ``Workflow.Status`` SUPPRESSED and the reason as its
  ``Note``: Security Hub's own way of saying "known, and deliberately not acted on". Its ``Id`` is
  the one the finding has when it is not accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from policy_lint.checks.engine import CheckResult
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.accepted import accepted_entries
from policy_lint.reporters.accounts import account_region, result_account
from policy_lint.reporters.formats import utc_timestamp
from policy_lint.reporters.sanitize import clean, clean_location
from policy_lint.reporters.stable_id import id_parts, stable_digest
from policy_lint.rules.registry import Status

SCHEMA_VERSION = "2018-10-08"
#: Maximum lengths from the AwsSecurityFinding reference.
LIMITS = {"Title": 256, "Description": 1024, "Id": 512, "Note": 512}
#: The ASFF type namespace for findings about configuration (``namespace/category/classifier``).
TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/policy-lint"
_SEVERITY = {
    Level.ERROR: "HIGH",
    Level.SECURITY_WARNING: "MEDIUM",
    Level.WARNING: "LOW",
    Level.SUGGESTION: "INFORMATIONAL",
}
_COMPLIANCE = {Status.FAIL: "FAILED", Status.PASS: "PASSED", Status.UNKNOWN: "NOT_AVAILABLE"}


class AsffNeedsAccount(InputError):
    """ASFF without an account or region Security Hub would accept: exit 2, naming what to pass."""


def _cut(text: str, field: str) -> str:
    limit = LIMITS[field]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(scope: Mapping[str, Any], account: str) -> str:
    """The region to import *account*'s finding into, or AsffNeedsAccount."""
    region = account_region(scope, account)
    if not region:
        raise AsffNeedsAccount(
            "--format asff needs the AWS region to import into: pass --region (check) or verify a live account"
        )
    return region


def _account(own: str, command: str) -> str:
    """The account ID, or AsffNeedsAccount: an invented one would be rejected, or worse, accepted."""
    if own:
        return own
    raise AsffNeedsAccount(
        f"--format asff needs the AWS account the findings of this {command or 'run'} belong to: "
        "pass --account-id ID (or account_id in the onboarding), or verify a live account"
    )


def _stable_id(account: str, *parts: str) -> str:
    return f"policy-lint/{account}/{parts[0]}/{stable_digest(*parts)}"


def _finding(
    *,
    account: str,
    region: str,
    partition: str,
    rule_id: str,
    title: str,
    level: Level,
    compliance: str,
    resource_id: str,
    description: str,
    id_parts: tuple[str, ...],
    time: str,
    location: Location | None,
) -> dict[str, Any]:
    meta = rulemeta.lookup(rule_id)
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": _stable_id(account, rule_id, *id_parts),
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"policy-lint/{clean(rule_id)}",
        "AwsAccountId": account,
        "Types": [TYPE],
        "CreatedAt": time,
        "UpdatedAt": time,
        "Severity": {"Label": "INFORMATIONAL" if compliance == "PASSED" else _SEVERITY[level]},
        "Title": _cut(clean(f"{rule_id} {meta.title if meta else title or rule_id}"), "Title"),
        "Description": _cut(description or rule_id, "Description"),
        "Resources": [{"Type": "Other", "Id": resource_id or "(no resource)", "Partition": partition}],
        "Compliance": {"Status": compliance},
        "ProductFields": {"policy-lint/RuleId": clean(rule_id), "policy-lint/Level": level.label},
        "RecordState": "ACTIVE",
    }
    if location is not None:  # the file and line to fix, which Resources cannot hold
        finding["ProductFields"]["policy-lint/Location"] = clean(str(location))
    if meta is not None:
        finding["Remediation"] = {
            "Recommendation": {
                "Text": _cut(clean(meta.remediation), "Description"),
                "Url": rulemeta.help_uri(rule_id),
            }
        }
    return finding


def render_asff(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The ``Findings`` list as indented JSON text ending in a newline."""
    scope: Mapping[str, Any] = context.get("scope") or {}
    command = str(context.get("command") or "")
    time = str(context.get("timestamp") or utc_timestamp())
    out: list[dict[str, Any]] = []
    accepted = accepted_entries(context.get("suppressed"))
    if not findings and not results and not accepted:
        return "[]\n"
    if command in ("lint", "diff"):
        raise AsffNeedsAccount(
            f"--format asff needs the AWS account and region the findings belong to, and {command} has "
            "neither: use check --account-id ID --region REGION, or verify"
        )
    partition = str(scope.get("partition") or "aws")
    for f in findings:
        loc = f.location
        account = _account(str(scope.get("account") or ""), command)
        out.append(
            _finding(
                account=account,
                region=_where(scope, account),
                partition=partition,
                rule_id=f.rule_id,
                title=f.rule_name,
                level=f.level,
                compliance="FAILED",
                resource_id=clean_location(loc),
                description=clean(f.message),
                id_parts=id_parts(location=loc, message=f.message),
                time=time,
                location=loc,
            )
        )
    for r in results:
        account = _account(result_account(r, scope), command)
        out.append(
            _finding(
                account=account,
                region=_where(scope, account),
                partition=partition,
                rule_id=r.rule_id,
                title=r.title,
                level=r.level,
                compliance=_COMPLIANCE[r.status],
                resource_id=clean(r.resource),
                description=clean(
                    (rulemeta.UNKNOWN_PREFIX if r.status is Status.UNKNOWN else "") + r.message
                ),
                id_parts=id_parts(location=r.location, message=r.message, resource=r.resource),
                time=time,
                location=r.location,
            )
        )
    for a in accepted:
        account = _account(a.account or str(scope.get("account") or ""), command)
        finding = _finding(
            account=account,
            region=_where(scope, account),
            partition=partition,
            rule_id=a.rule_id,
            title=a.title,
            level=a.level,
            compliance=_COMPLIANCE[a.verdict],
            resource_id=clean(a.anchor),
            description=clean(a.verdict_message()),
            id_parts=a.id_parts(),
            time=time,
            location=a.location,
        )
        finding["Workflow"] = {"Status": "SUPPRESSED"}
        finding["Note"] = {
            "Text": _cut(clean(a.reason), "Note"),
            "UpdatedBy": "policy-lint",
            "UpdatedAt": time,
        }
        out.append(finding)
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
