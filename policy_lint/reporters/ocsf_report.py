"""``--format ocsf``: OCSF Compliance Finding events (class 2003), one per lint finding and per
check result, as a JSON array: what SIEMs and data lakes that speak OCSF ingest (Amazon Security
Lake, Splunk, Prowler's own output).

Written to OCSF 1.5.0, the schema version of ``py-ocsf-models`` (the models Prowler uses), which
the tests validate every event against. The verdict is ``compliance.status_id``: fail -> 3 Fail,
pass -> 1 Pass, unknown -> 0 Unknown (never a pass). A lint finding is a Fail. ``severity_id``:
error -> 4 High, security-warning -> 3 Medium, warning -> 2 Low, suggestion and every pass -> 1
Informational. When the account is known (the result's, the verified one, or ``check``'s
``--account-id``) the event carries OCSF's ``cloud`` profile (``cloud.account.uid``); otherwise it
is left out: OCSF does not require it, and an invented account would be worse than none.
``finding_info.uid`` is stable across runs (as ASFF's Id), ``time`` is the run's (epoch ms).
What the run accepted (the vendor reference's inherited weaknesses) or suppressed is an event too,
a Fail whose finding ``status_id`` is 3 Suppressed with the reason as ``status_detail``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from policy_lint import __version__
from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.accepted import accepted_entries
from policy_lint.reporters.accounts import account_region, result_account
from policy_lint.reporters.formats import TIMESTAMP_FORMAT
from policy_lint.reporters.sanitize import clean, clean_location
from policy_lint.reporters.stable_id import id_parts, stable_digest
from policy_lint.rules.registry import CheckMeta, Status

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1
_SEVERITY = {
    Level.ERROR: (4, "High"),
    Level.SECURITY_WARNING: (3, "Medium"),
    Level.WARNING: (2, "Low"),
    Level.SUGGESTION: (1, "Informational"),
}
#: compliance.status_id (the caption ``status`` is left out: py-ocsf-models' Compliance has no such field)
_COMPLIANCE = {Status.FAIL: 3, Status.PASS: 1, Status.UNKNOWN: 0}
_AWS_ACCOUNT_TYPE = 10  # OCSF account.type_id "AWS Account"
_SUPPRESSED = 3  # the finding's status_id "Suppressed"


def _epoch_ms(timestamp: str | None) -> int:
    when = (
        datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
        if timestamp
        else datetime.now(timezone.utc)
    )
    return int(when.timestamp()) * 1000


def _uid(*parts: str) -> str:
    return f"policy-lint/{parts[0]}/{stable_digest(*parts)}"


def _event(
    *,
    rule_id: str,
    title: str,
    level: Level,
    status: Status,
    resource: str,
    message: str,
    location: Location | None,
    account: str,
    scope: Mapping[str, Any],
    id_parts: tuple[str, ...],
    time: int,
    suppressed_because: str | None = None,
) -> dict[str, Any]:
    meta = rulemeta.lookup(rule_id)
    uid = _uid(rule_id, account, *id_parts)
    severity_id, severity = (1, "Informational") if status is Status.PASS else _SEVERITY[level]
    compliance_id = _COMPLIANCE[status]
    region = account_region(scope, account) if account else None
    detail: dict[str, Any] = {"uid": resource, "type": "Other"}
    if location is not None:
        detail["data"] = {"location": clean(str(location))}
    if account:
        detail["cloud_partition"] = str(scope.get("partition") or "aws")
    shown = clean((rulemeta.UNKNOWN_PREFIX if status is Status.UNKNOWN else "") + message)
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": _SUPPRESSED if suppressed_because is not None else 1,
        "status": "Suppressed" if suppressed_because is not None else "New",
        "message": shown,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "policy-lint", "vendor_name": "policy-lint", "version": __version__},
            "event_code": clean(rule_id),
            "uid": uid,
            "profiles": ["cloud"] if account else [],
        },
        "finding_info": {
            "uid": uid,
            "title": clean(f"{rule_id} {meta.title if meta else title or rule_id}"),
            "desc": shown,
            "types": [meta.family] if meta else [],
        },
        "compliance": {
            "status_id": compliance_id,
            "control": clean(rule_id),
            "standards": sorted({name for name, _ in meta.frameworks}) if isinstance(meta, CheckMeta) else [],
        },
        "resources": [detail],
    }
    if suppressed_because is not None:
        event["status_detail"] = clean(suppressed_because)
    if meta is not None:
        event["remediation"] = {"desc": clean(meta.remediation), "references": [rulemeta.help_uri(rule_id)]}
    if account:
        cloud: dict[str, Any] = {
            "provider": "AWS",
            "account": {"uid": account, "name": account, "type_id": _AWS_ACCOUNT_TYPE, "type": "AWS Account"},
        }
        if region:
            cloud["region"] = str(region)
        event["cloud"] = cloud
    return event


def render_ocsf(
    findings: Sequence[Finding], results: Sequence[CheckResult], context: Mapping[str, Any]
) -> str:
    """The events as an indented JSON array ending in a newline."""
    scope: Mapping[str, Any] = context.get("scope") or {}
    time = _epoch_ms(context.get("timestamp"))
    run_account = str(scope.get("account") or "")
    events = [
        _event(
            rule_id=f.rule_id,
            title=f.rule_name,
            level=f.level,
            status=Status.FAIL,
            resource=clean_location(f.location),
            message=f.message,
            location=f.location,
            account=run_account,
            scope=scope,
            id_parts=id_parts(location=f.location, message=f.message),
            time=time,
        )
        for f in findings
    ]
    events += [
        _event(
            rule_id=r.rule_id,
            title=r.title,
            level=r.level,
            status=r.status,
            resource=clean(r.resource),
            message=r.message,
            location=r.location,
            account=result_account(r, scope),
            scope=scope,
            id_parts=id_parts(location=r.location, message=r.message, resource=r.resource),
            time=time,
        )
        for r in results
    ]
    events += [
        _event(
            rule_id=a.rule_id,
            title=a.title,
            level=a.level,
            status=a.verdict,
            resource=clean(a.anchor),
            message=a.message,
            location=a.location,
            account=a.account or run_account,
            scope=scope,
            id_parts=a.id_parts(),
            time=time,
            suppressed_because=a.reason,
        )
        for a in accepted_entries(context.get("suppressed"))
    ]
    return json.dumps(events, indent=2, ensure_ascii=False) + "\n"
