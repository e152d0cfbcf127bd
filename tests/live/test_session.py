"""The read-only guarantee: writes are refused before any request, and the shipped policy matches."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from policy_lint.core.findings import Level
from policy_lint.live.session import (
    READ_OPERATIONS,
    CallStats,
    ReadOnlyViolation,
    iam_actions,
    install_guard,
    open_session,
)

POLICY = Path(str(resources.files("policy_lint.live").joinpath("verifier-policy.json")))


def _guarded(stats: CallStats) -> object:
    import boto3

    session = boto3.Session(
        aws_access_key_id="AKIATESTTESTTESTTEST", aws_secret_access_key="x", region_name="us-east-1"
    )
    install_guard(session, READ_OPERATIONS, stats)
    return session


@pytest.mark.parametrize(
    ("service", "call", "params"),
    [
        ("iam", "create_user", {"UserName": "intruder"}),
        ("sqs", "delete_queue", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}),
        ("s3", "put_bucket_notification_configuration", {"Bucket": "b", "NotificationConfiguration": {}}),
        ("cloudtrail", "stop_logging", {"Name": "trail"}),
        # the services issue 15 added: only their one read is allowed
        ("account", "enable_region", {"RegionName": "ap-east-1"}),
        (
            "cloudwatch",
            "put_metric_data",
            {"Namespace": "AWS/SQS", "MetricData": [{"MetricName": "m", "Value": 1}]},
        ),
        ("cloudwatch", "delete_alarms", {"AlarmNames": ["a"]}),
        ("iam", "update_role", {"RoleName": "r"}),
    ],
)
def test_write_is_refused_without_any_request(service: str, call: str, params: dict[str, object]) -> None:
    stats = CallStats()
    # A closed local port: if the guard let the call through, the request would be attempted.
    client = _guarded(stats).client(service, endpoint_url="http://127.0.0.1:9")  # type: ignore[attr-defined]
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        getattr(client, call)(**params)
    assert stats.attempts == 0  # the before-send hook never fired: nothing left the process


def test_a_listed_read_passes_the_guard(moto_aws: None) -> None:
    stats = CallStats()
    client = _guarded(stats).client("iam")  # type: ignore[attr-defined]
    client.list_users()
    assert stats.calls == {"iam:ListUsers": 1}
    assert stats.attempts == 1


def test_role_session_may_only_assume_the_role(moto_aws: None) -> None:
    session = open_session(role_arn="arn:aws:iam::123456789012:role/verifier", region="us-east-1")
    identity = session.client("sts").get_caller_identity()
    assert ":assumed-role/verifier/policy-lint-verify" in identity["Arn"]
    with pytest.raises(ReadOnlyViolation):
        session.client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/other", RoleSessionName="x")


def test_allow_list_holds_only_existing_read_operations() -> None:
    import botocore.session

    loader = botocore.session.get_session()
    read_prefixes = ("Get", "List", "Describe", "Head", "GenerateCredentialReport")
    for service, operations in READ_OPERATIONS.items():
        model = loader.get_service_model(service)
        for operation in operations:
            assert operation in model.operation_names, f"{service}:{operation} is not a botocore operation"
            assert operation.startswith(read_prefixes), f"{service}:{operation} does not look like a read"


def test_shipped_policy_grants_exactly_the_allow_list() -> None:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    granted = sorted(a for s in document["Statement"] if s["Effect"] == "Allow" for a in s["Action"])
    assert granted == iam_actions()
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    # Every granted action is Read or List level in the action catalog: no write sneaks in.
    from policy_lint.catalog.defaults import default_catalog

    catalog = default_catalog()
    for action in granted:
        levels = {m.access_level for m in catalog.lookup(action).matches}
        assert levels and levels <= {"Read", "List"}, (action, levels)


def test_shipped_policy_passes_our_own_linter() -> None:
    from policy_lint.lint.context import LintOptions
    from policy_lint.lint.engine import lint_paths

    result = lint_paths([str(POLICY)], LintOptions(), jobs=1)
    assert result.errors == []
    assert [f for f in result.findings if f.level >= Level.ERROR] == []


def test_docs_table_lists_the_allow_list() -> None:
    """docs/live.md shows the allow-list; keep it from drifting."""
    import re

    docs = (Path(__file__).resolve().parents[2] / "docs" / "live.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| (\w+) \| ([\w:]+|\(none needed\)) \|$", docs, flags=re.M)
    documented = {(s, o): (None if a == "(none needed)" else a) for s, o, a in rows if s in READ_OPERATIONS}
    expected = {(s, o): a for s, ops in READ_OPERATIONS.items() for o, a in ops.items()}
    assert documented == expected


def test_lint_never_imports_boto3(tmp_path: Path) -> None:
    """boto3 is imported only on the live path: linting a policy must not pay for it."""
    import subprocess
    import sys

    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    code = (
        "import sys\nfrom policy_lint.cli import main\n"
        f"try:\n    main(['lint', {str(policy)!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
