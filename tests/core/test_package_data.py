"""Shipped data files are read the same way importlib.resources reads them, without importing it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from policy_lint.core.package_data import package_files


def test_a_package_on_disk_is_its_folder_with_the_same_files() -> None:
    files = package_files("policy_lint.iam")
    assert isinstance(files, Path) and files.is_dir()
    expected = resources.files("policy_lint.iam")
    assert sorted(e.name for e in files.iterdir()) == sorted(e.name for e in expected.iterdir())
    shipped = files.joinpath("data").joinpath("escalation-paths.json")
    assert shipped.read_text("utf-8") == expected.joinpath("data/escalation-paths.json").read_text("utf-8")


def test_a_package_that_is_not_a_folder_is_left_to_importlib_resources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policy_lint.onboarding as onboarding

    asked: list[str] = []
    monkeypatch.setattr(onboarding, "__path__", ["/nonexistent/archive.zip/policy_lint/onboarding"])
    monkeypatch.setattr(
        resources, "files", lambda package: asked.append(package) or "from importlib.resources"
    )
    assert package_files("policy_lint.onboarding") == "from importlib.resources"
    assert asked == ["policy_lint.onboarding"]
