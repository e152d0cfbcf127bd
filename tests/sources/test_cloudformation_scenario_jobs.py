"""``check`` spreads the condition scenarios of many CloudFormation templates over processes and
still gives the serial run's output, byte for byte.

The templates are written here: copies of a bucket template whose ``Access`` parameter turns
Block Public Access off, each in its own way, for three of its allowed values, and of a trail whose log file validation
depends on a flag. Enough copies that every template read once per run crosses the threshold
where a second process starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import Selection
from policy_lint.commands import scenarios
from policy_lint.core import processes
from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.inventory.model import Inventory
from policy_lint.sources.cloudformation.loader import TemplateCache
from policy_lint.sources.detect import CLOUDFORMATION, detect, load_inventory

#: three runs (one per public value of Access) over every template: past the threshold
COPIES = PARALLEL_THRESHOLD // 6 + 5

BUCKET = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Access:
    Type: String
    Default: Private
    AllowedValues: [Private, PublicRead, PublicWrite, PublicReadAndWrite]
Conditions:
  Reading: !Equals [!Ref Access, PublicRead]
  Writing: !Equals [!Ref Access, PublicWrite]
  Both: !Equals [!Ref Access, PublicReadAndWrite]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: data-{n}
      PublicAccessBlockConfiguration:
        BlockPublicAcls: !If [Both, false, true]
        IgnorePublicAcls: true
        BlockPublicPolicy: !If [Reading, false, true]
        RestrictPublicBuckets: !If [Writing, false, true]
"""

TRAIL = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Validate:
    Type: String
    Default: 'true'
    AllowedValues: ['true', 'false']
Conditions:
  Validating: !Equals [!Ref Validate, 'true']
Resources:
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: logs-{n}
      EnableLogFileValidation: !If [Validating, true, false]
"""


def _templates(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for n in range(COPIES):
        (folder / f"bucket{n:03}.yaml").write_text(BUCKET.format(n=n), "utf-8")
        (folder / f"trail{n:03}.yaml").write_text(TRAIL.format(n=n), "utf-8")
    (folder / "broken.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: {Type: AWS::S3::Bucket\n", "utf-8"
    )
    return folder


def _check(folder: Path, jobs: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "policy_lint", "check", str(folder), "--profile-set", "cis"]
    return subprocess.run(
        [*command, "--format", "json", "--jobs", jobs],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_scenarios_judged_in_processes_give_the_serial_output_byte_for_byte(tmp_path: Path) -> None:
    folder = _templates(tmp_path / "stacks")
    serial, parallel = _check(folder, "1"), _check(folder, "2")
    assert serial.stdout and serial.stdout == parallel.stdout
    assert serial.returncode == parallel.returncode == 2  # the broken template is unusable input
    assert "Traceback" not in parallel.stderr
    payload = json.loads(parallel.stdout)
    assert [p["location"]["path"] for p in payload["problems"] if p["rule_id"] == "IN001"] == [
        str(folder / "broken.yaml")
    ]
    # every copy's allowed public deployment is found, whichever process judged it
    failing = {
        r["location"]["path"]
        for r in payload["results"]
        if r["rule_id"] == "CS204" and r["status"] == "fail" and "Access=Public" in r["message"]
    }
    assert failing == {str(folder / f"bucket{n:03}.yaml") for n in range(COPIES)}
    unvalidated = [
        r for r in payload["results"] if r["rule_id"] == "CS202" and "when Validate=false" in r["message"]
    ]
    assert len(unvalidated) == COPIES


@pytest.mark.skipif(not processes.CAN_INHERIT, reason="scenario runs are spread only where fork exists")
def test_the_runs_are_spread_only_when_the_input_is_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spread: list[int] = []
    real = processes.map_inherited

    def counting(work: Any, batches: Any, workers: int) -> Any:
        spread.append(workers)
        return real(work, batches, workers)

    monkeypatch.setattr(processes, "map_inherited", counting)

    def judged(folder: Path, jobs: int) -> list[tuple[str, str, str, str]]:
        found = detect([str(folder)])
        cache = TemplateCache()
        plan = scenarios.plan_scenarios(found, {}, cache)
        inventory = load_inventory(found, Inventory(), cfn_parameters=plan.bindings(), cfn_cache=cache)
        selection = Selection(select=("CS202", "CS204"), profile_set="cis")
        results = scenarios.results_over_scenarios(
            plan, found, inventory, selection, region=None, account_id=None, jobs=jobs, cache=cache
        )
        return sorted((r.rule_id, r.resource, r.status.value, r.message) for r in results)

    large = _templates(tmp_path / "large")
    fallbacks = processes.fallbacks
    assert judged(large, 2) == judged(large, 1)
    assert spread == [2]  # --jobs 2 used two processes, --jobs 1 none
    assert processes.fallbacks == fallbacks  # the workers' results were used, not redone here

    small = tmp_path / "small"
    small.mkdir()
    (small / "bucket.yaml").write_text(BUCKET.format(n=0), "utf-8")
    assert len(detect([str(small)]).by_source[CLOUDFORMATION]) == 1
    judged(small, 2)
    assert spread == [2]  # one template's few runs stay in this process
