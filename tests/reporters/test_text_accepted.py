"""The text report's list of what was accepted or suppressed: what each finding is, then why."""

from __future__ import annotations

from policy_lint.reporters.text import accepted_lines

SAM_REASON = "written by the AWS SAM policy template SQSPollerPolicy"


def test_two_accepted_findings_at_one_place_read_as_two_different_lines() -> None:
    entries = [
        {
            "rule_id": "PL203",
            "level": "error",
            "location": "template.yaml:15:11",
            "message": "unknown action 'sqs:DeleteMessageBatch'",
            "reason": SAM_REASON,
            "kind": "upstream-template",
        },
        {
            "rule_id": "PL203",
            "level": "error",
            "location": "template.yaml:15:11",
            "message": "unknown action 'sqs:ChangeMessageVisibilityBatch'",
            "reason": SAM_REASON,
            "kind": "upstream-template",
        },
    ]
    assert accepted_lines(entries) == [
        "Accepted or suppressed, not counted (2):",
        "  PL203 error at template.yaml:15:11: unknown action 'sqs:DeleteMessageBatch' "
        f"(accepted: {SAM_REASON})",
        "  PL203 error at template.yaml:15:11: unknown action 'sqs:ChangeMessageVisibilityBatch' "
        f"(accepted: {SAM_REASON})",
    ]


def test_an_entry_without_a_message_shows_its_reason_and_secrets_stay_out() -> None:
    entries = [
        {
            "rule_id": "CS101",
            "resource": "aws_iam_user.root",
            "reason": "break-glass, ticket SEC-9, old key AKIAIOSFODNN7EXAMPLE",
            "kind": "settings",
        }
    ]
    [_, line] = accepted_lines(entries)
    # no message: the reason alone, as before; an access key ID keeps only its last 4 characters
    assert line == "  CS101 at aws_iam_user.root: break-glass, ticket SEC-9, old key …MPLE"
