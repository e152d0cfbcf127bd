"""Many Terraform plan files are read across processes with the one-process result, byte for byte.

Each plan is its own configuration, so a folder of plans (one per workspace or environment, as
a CI job that runs ``terraform show -json`` for each collects them) is split over ``--jobs``.
The plans are copies of the onboarding fixture, each environment with its own names, with one
fault (OB203: the trail's bucket is not encrypted with SSE-S3) in every fifth, and one file that
is not JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.core import processes
from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.inventory.model import Inventory
from policy_lint.sources.detect import TERRAFORM_PLAN, detect
from policy_lint.sources.terraform import plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "rules"
PLANS = PARALLEL_THRESHOLD + 10


def _environment(text: str, n: int) -> str:
    """The plan of environment ``n``: its own bucket, trail and queue names."""
    for name in ("abcdef", "aliyun-sasc-audit-trail", "aliyun-sasc-log-queue"):
        text = text.replace(name, f"{name}-env{n:03}")
    return text


def _plans(folder: Path) -> Path:
    passing = (FIXTURES / "plan-pass" / "plan.json").read_text("utf-8")
    failing = (FIXTURES / "OB203" / "plan-fail" / "plan.json").read_text("utf-8")
    for n in range(PLANS):
        env = folder / f"env{n:03}"
        env.mkdir(parents=True)
        (env / "plan.json").write_text(_environment(failing if n % 5 == 0 else passing, n), "utf-8")
    (folder / "env-broken").mkdir()
    (folder / "env-broken" / "plan.json").write_text('{"format_version": "1.2", "planned_values": {', "utf-8")
    return folder


def _check(folder: Path, jobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", str(folder), "--format", "json", "--jobs", jobs],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_many_plans_read_in_processes_give_the_serial_output_byte_for_byte(tmp_path: Path) -> None:
    folder = _plans(tmp_path / "plans")
    serial, parallel = _check(folder, "1"), _check(folder, "2")
    assert serial.stdout and serial.stdout == parallel.stdout
    assert serial.returncode == parallel.returncode == 2  # the broken plan is unusable input
    assert "Traceback" not in parallel.stderr
    payload = json.loads(parallel.stdout)
    broken = [p for p in payload["problems"] if p["rule_id"] == "IN001"]
    assert [p["location"]["path"] for p in broken] == [str(folder / "env-broken" / "plan.json")]
    unencrypted = {
        Path(r["location"]["path"]).parent.name
        for r in payload["results"]
        if r["rule_id"] == "OB203" and r["status"] == "fail"
    }
    assert unencrypted == {f"env{n:03}" for n in range(0, PLANS, 5)}


def test_the_plans_are_spread_only_when_there_are_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spread: list[int] = []
    real = processes.map_in_processes

    def counting(work: Any, batches: Any, workers: int, *shared: object) -> Any:
        spread.append(workers)
        return real(work, batches, workers, *shared)

    monkeypatch.setattr(plan, "map_in_processes", counting)

    def loaded(folder: Path, jobs: int) -> list[str]:
        inventory = Inventory()
        plan.load(detect([str(folder)]).by_source[TERRAFORM_PLAN], inventory, roots=[folder], jobs=jobs)
        return [r.origin.qualified for r in [*inventory.buckets, *inventory.trails, *inventory.queues]]

    many = _plans(tmp_path / "many")
    fallbacks = processes.fallbacks
    assert loaded(many, 2) == loaded(many, 1)
    assert spread == [2]
    assert processes.fallbacks == fallbacks  # the workers' plans were used, not read again here
    few = tmp_path / "few"
    (few / "env").mkdir(parents=True)
    (few / "env" / "plan.json").write_text((FIXTURES / "plan-pass" / "plan.json").read_text("utf-8"), "utf-8")
    assert loaded(few, 2)
    assert spread == [2]  # one plan stays in this process
