"""A folder of PARALLEL_THRESHOLD files or more is linted by worker processes, each given runs of
neighbouring files. The result must not depend on that: the same findings, files, errors and skipped
files as one process gives."""

from __future__ import annotations

import json
from pathlib import Path

from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.lint.context import LintOptions
from policy_lint.lint.engine import lint_paths


def _policy(i: int) -> dict[str, object]:
    actions = ["s3:GetObject", "iam:PassRole", "ec2:Describe*", "s3:GetObjekt", "iam:*"][i % 5]
    resource = ["*", f"arn:aws:s3:::bucket-{i}/*", f"arn:aws:s3:us-east-1:123456789012:b{i}"][i % 3]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


def test_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    count = PARALLEL_THRESHOLD + 37  # not a multiple of the batch count: the last batch is short
    for i in range(count):
        (tmp_path / f"p{i:04d}.json").write_text(json.dumps(_policy(i)), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [', encoding="utf-8")
    one = lint_paths([str(tmp_path)], LintOptions(), jobs=1)
    many = lint_paths([str(tmp_path)], LintOptions(), jobs=3)
    assert one.files == many.files == count + 1
    assert one.findings == many.findings
    assert {f.rule_id for f in one.findings} >= {"PL001", "PL203"}  # the batches did lint
    assert [str(e) for e in one.errors] == [str(e) for e in many.errors]
    assert one.skipped == many.skipped
