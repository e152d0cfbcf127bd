"""Shared test helpers: where the shared corpus lives, and small builders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture(autouse=True, scope="session")
def _catalog_cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The catalog cache (policy_lint/catalog/cache.py) goes to a session folder, never the real home."""
    saved = os.environ.get("POLICY_LINT_CACHE_DIR")
    os.environ["POLICY_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("catalog-cache"))
    yield
    if saved is None:
        os.environ.pop("POLICY_LINT_CACHE_DIR", None)
    else:
        os.environ["POLICY_LINT_CACHE_DIR"] = saved


@pytest.fixture
def corpus() -> Path:
    """The read-only shared corpus; tests using it skip (with the reason) where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}: these tests need ../shared/corpus beside the repo")
    return CORPUS
