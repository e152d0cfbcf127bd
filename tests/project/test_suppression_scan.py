"""Which files the inline-suppression scan reads: only those whose format has comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_lint.project import suppressions as sp
from policy_lint.project.settings import Settings


def test_json_files_are_not_read_again_and_yaml_comments_still_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    json_policy = tmp_path / "p.json"
    json_policy.write_text('{"Version": "2012-10-17", "Statement": []}\n')
    yaml_policy = tmp_path / "p.yaml"
    yaml_policy.write_text(
        "Version: '2012-10-17'\n# policy-lint: ignore[PL201] vendor action, ticket SEC-1\nStatement: []\n"
    )
    read: list[str] = []
    real_read = sp._read

    def recording_read(path: str) -> str | None:
        read.append(Path(path).name)
        return real_read(path)

    monkeypatch.setattr(sp, "_read", recording_read)
    items = [
        sp.Item("PL201", str(json_policy), 1, None, 0),
        sp.Item("PL201", str(yaml_policy), 3, None, 1),
    ]
    outcome = sp.apply(items, Settings(), known_rules=lambda: {"PL201"})
    assert read == ["p.yaml"]  # JSON has no comments: a folder of them is not read a second time
    assert outcome.kept == [0]
    assert [key for key, _ in outcome.suppressed] == [1]
