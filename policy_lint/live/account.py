"""Account-wide facts: root keys and MFA, password policy, account-level S3 Block Public Access."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Account, Maybe, Unknown
from policy_lint.live.api import Api, Failure, observed

#: How long to wait for a credential report IAM is (re)building.
REPORT_WAIT_SECONDS = 20.0


def collect_account(api: Api) -> Account:
    arn = arn_builder.literal_or(arn_builder.account_root_arn(api.partition, api.account_id), api.account_id)
    account = Account(observed(arn), account_id=api.account_id, partition=api.partition)
    summary = api.call("iam", "GetAccountSummary")
    if isinstance(summary, Failure):
        account.root_access_keys_present = summary.unknown()
        account.root_mfa_enabled = summary.unknown()
    else:
        values = summary.get("SummaryMap", {})
        account.root_access_keys_present = bool(values.get("AccountAccessKeysPresent", 0))
        account.root_mfa_enabled = bool(values.get("AccountMFAEnabled", 0))
    account.root_access_key_active = _root_key_active(api, account.root_access_keys_present)
    policy = api.call("iam", "GetAccountPasswordPolicy", expected=("NoSuchEntity",))
    if isinstance(policy, Failure):
        account.password_policy = None if policy.code == "NoSuchEntity" else policy.unknown()
    else:
        account.password_policy = dict(policy.get("PasswordPolicy", {}))
    block = api.call(
        "s3control",
        "GetPublicAccessBlock",
        expected=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=api.account_id,
    )
    if isinstance(block, Failure):
        if block.code == "NoSuchPublicAccessBlockConfiguration":
            account.s3_public_access_block = None
        else:
            account.s3_public_access_block = block.unknown()
    else:
        account.s3_public_access_block = {
            k: bool(v) for k, v in block.get("PublicAccessBlockConfiguration", {}).items()
        }
    return account


def _root_key_active(api: Api, present: Maybe[bool]) -> Maybe[bool]:
    """Is a root access key *active*? Only asked when one exists (the summary cannot tell)."""
    if isinstance(present, Unknown):
        return present
    if not present:
        return False
    report = _credential_report(api)
    if isinstance(report, Unknown):
        return report
    try:
        for row in csv.DictReader(io.StringIO(report)):
            if row.get("user") == "<root_account>":
                return any(str(row.get(f"access_key_{n}_active") or "").lower() == "true" for n in (1, 2))
    except csv.Error as exc:
        return Unknown(f"malformed response from iam:GetCredentialReport: the report is not CSV: {exc}")
    return Unknown("the IAM credential report has no <root_account> row")


def _credential_report(api: Api) -> str | Unknown:
    """The credential report CSV; generates it when none is present or it expired (4 h)."""
    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    generated = False
    while True:
        reply = api.call(
            "iam",
            "GetCredentialReport",
            expected=("ReportNotPresent", "ReportExpired", "ReportInProgress"),
        )
        if not isinstance(reply, Failure):
            content: Any = reply.get("Content", b"")
            # a byte that is not UTF-8 becomes U+FFFD: the row and the columns read are ASCII
            return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        if reply.code not in ("ReportNotPresent", "ReportExpired", "ReportInProgress"):
            return reply.unknown()
        if not generated:
            started = api.call("iam", "GenerateCredentialReport")
            if isinstance(started, Failure):
                return started.unknown()
            generated = True
        if time.monotonic() > deadline:
            return Unknown(f"the IAM credential report was not ready within {REPORT_WAIT_SECONDS:.0f} s")
        api.deadline.sleep(1.0)
