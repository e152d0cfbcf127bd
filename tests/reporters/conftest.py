"""Sample findings and check results shaped like the three kinds of input: policy files,
planned infrastructure (Terraform addresses with file positions) and a live account (ARNs)."""

from __future__ import annotations

import pytest

from policy_lint.checks.engine import CheckResult
from policy_lint.core.findings import Finding, Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.rules.registry import CheckMeta, RuleMeta, Status

# A real-looking access key ID and secret (AWS's documentation examples).
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

CIS_META = CheckMeta(
    id="CS101",
    name="root-no-access-keys",
    level=Level.ERROR,
    title="The root user has no access keys",
    rationale="Root keys cannot be scoped.",
    remediation="Delete the root user's access keys.",
    family="CSPM posture: identity",
    frameworks=(("CIS AWS Foundations v3.0.0", "1.4"),),
    profiles=("cis",),
)
CIS_META_2 = CheckMeta(
    id="CS102",
    name="key-rotation",
    level=Level.WARNING,
    title="Access keys are rotated every 90 days",
    rationale="Old keys leak.",
    remediation="Rotate the key.",
    family="CSPM posture: identity",
    frameworks=(("CIS AWS Foundations v3.0.0", "1.14"),),
    profiles=("cis",),
)


@pytest.fixture
def cis_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two CIS-mapped rules known to the reporters without touching the global registry."""
    real = rulemeta.lookup
    extra: dict[str, RuleMeta] = {CIS_META.id: CIS_META, CIS_META_2.id: CIS_META_2}
    monkeypatch.setattr(rulemeta, "lookup", lambda rule_id: extra.get(rule_id) or real(rule_id))


def lint_findings() -> list[Finding]:
    return [
        Finding(
            "PL001",
            Level.ERROR,
            "JSON syntax error: expected ',' or ']'",
            Location("policies/broken.json", 83, 21),
            "syntax-error",
            hint="missing ','?",
        ),
        Finding(
            "PL604",
            Level.WARNING,
            "kms:ReEncrypt* grants 2 write actions",
            Location("policies/agentless.json", 78, 17),
            "wildcard-write",
        ),
        Finding(
            "PL604",
            Level.WARNING,
            "ec2:Create* grants 40 write actions",
            Location("policies/agentless.json", 12, 17),
            "wildcard-write",
        ),
    ]


def planned_results() -> list[CheckResult]:
    tf = "infra/main.tf"
    return [
        CheckResult(
            "OB001",
            "quick-plan-host-only",
            "The quick plan supports only the Host feature",
            Status.FAIL,
            Level.ERROR,
            "config:plan",
            "the quick plan supports only host",
            Location("onboarding.yaml", 2, 11),
            {"plan": "quick", "features": ["host", "cspm"]},
        ),
        CheckResult(
            "OB001",
            "quick-plan-host-only",
            "The quick plan supports only the Host feature",
            Status.PASS,
            Level.ERROR,
            "config:features",
            "host only",
            Location("onboarding.yaml", 3, 11),
        ),
        CheckResult(
            "CS101",
            "root-no-access-keys",
            "The root user has no access keys",
            Status.UNKNOWN,
            Level.ERROR,
            "aws_iam_user.scanner",
            "the credential report is not part of a plan",
            Location(tf, 12, 1),
        ),
        CheckResult(
            "CS102",
            "key-rotation",
            "Access keys are rotated every 90 days",
            Status.FAIL,
            Level.WARNING,
            "aws_iam_access_key.scanner",
            f"key {KEY_ID} is 400 days old",
            Location(tf, 20, 1),
            {"access_key_id": KEY_ID, "age_days": 400},
        ),
    ]


def live_results() -> list[CheckResult]:
    user = "arn:aws:iam::123456789012:user/aliyun-security-center-user"
    return [
        CheckResult(
            "CS102",
            "key-rotation",
            "Access keys are rotated every 90 days",
            Status.FAIL,
            Level.WARNING,
            user,
            "an access key is 400 days old",
            None,
            {"access_key_id": KEY_ID, "secret": SECRET, "region": "us-east-1"},
        ),
        CheckResult(
            "CS101",
            "root-no-access-keys",
            "The root user has no access keys",
            Status.UNKNOWN,
            Level.ERROR,
            "arn:aws:iam::123456789012:root",
            "AccessDenied on iam:GetCredentialReport",
            None,
        ),
        CheckResult(
            "CS102",
            "key-rotation",
            "Access keys are rotated every 90 days",
            Status.PASS,
            Level.WARNING,
            "arn:aws:iam::123456789012:user/ci-deployer",
            "every access key is younger than 90 days",
            None,
        ),
    ]


def accepted_entries() -> list[dict[str, object]]:
    """What a run accepted and suppressed, as the commands hand it to every format: a weakness
    inherited from the vendor's reference (a file position) and a check result a project
    suppressed inline (a resource)."""
    return [
        {
            "rule_id": "PL607",
            "message": "ec2:CreateTags is allowed on every resource without an ec2:CreateAction condition",
            "location": "policies/agentless.json:68:17",
            "resource": None,
            "reason": "inherited verbatim from the vendor's reference policy: a documented vendor risk",
            "kind": "vendor-reference",
            "level": "security-warning",
        },
        {
            "rule_id": "OB203",
            "message": "the trail's bucket is not encrypted with SSE-S3",
            "location": None,
            "resource": "aws_s3_bucket.logs",
            "reason": "the bucket uses SSE-KMS by the security team's decision (SEC-142)",
            "kind": "inline",
        },
    ]
