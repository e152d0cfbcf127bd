"""``check`` over a large Terraform input across processes gives the serial run's output, byte for byte.

The inputs are written here (several repositories of generated root modules, over the
threshold where processes start), never the shared corpus.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.inventory.model import Inventory
from policy_lint.sources.detect import TERRAFORM, detect
from policy_lint.sources.terraform import groups, hcl

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

ROOT_TF = """\
provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "logs-{repo}-{n}"
}}

resource "aws_sqs_queue" "events" {{
  name = "events-{repo}-{n}"
}}

resource "aws_sqs_queue_policy" "events" {{
  queue_url = aws_sqs_queue.events.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "s3.amazonaws.com" }}
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.events.arn
      Condition = {{ ArnLike = {{ "aws:SourceArn" = aws_s3_bucket.logs.arn }} }}
    }}]
  }})
}}

module "user" {{
  source = "../modules/user"
  name   = "ci-{repo}-{n}"
}}
"""

MODULE_TF = """\
variable "name" {}

resource "aws_iam_user" "this" {
  name = var.name
}

resource "aws_iam_user_policy" "this" {
  user   = aws_iam_user.this.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
"""

REPOS = ("alpha", "beta", "gamma", "delta")


def _large_input(folder: Path, per_repo: int = PARALLEL_THRESHOLD // len(REPOS) + 5) -> Path:
    """Four repositories of root modules calling one local module each: over the threshold."""
    for repo in REPOS:
        (folder / repo / "modules" / "user").mkdir(parents=True)
        (folder / repo / "modules" / "user" / "main.tf").write_text(MODULE_TF, encoding="utf-8")
        for n in range(per_repo):
            root = folder / repo / f"stack{n:03d}"
            root.mkdir()
            (root / "main.tf").write_text(ROOT_TF.format(repo=repo, n=n), encoding="utf-8")
    return folder


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_lint", "check", *args, "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
        timeout=600,
    )


def _serial_and_parallel(
    *paths: str,
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    return _check(*paths, "--jobs", "1"), _check(*paths, "--jobs", "2")


def test_examples_give_the_same_output_with_any_number_of_jobs() -> None:
    serial, parallel = _serial_and_parallel(str(EXAMPLES))
    assert serial.stdout and serial.stdout == parallel.stdout
    assert serial.returncode == parallel.returncode == 1
    assert "Traceback" not in parallel.stderr


def test_a_large_mixed_input_gives_the_serial_output_byte_for_byte(tmp_path: Path) -> None:
    folder = _large_input(tmp_path / "repos")
    shutil.copytree(EXAMPLES / "cloudformation", folder / "templates")  # another source alongside
    # and a plan: both are read by the main process while the workers load the Terraform folders
    (folder / "plans").mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "terraform" / "plan" / "onboarding.plan.json", folder / "plans")
    (folder / "alpha" / "stack000" / "broken.tf").write_text(
        'resource "aws_s3_bucket" "x" {\n  bucket = \n', "utf-8"
    )
    (folder / "templates" / "broken.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: {Type: AWS::S3::Bucket\n", "utf-8"
    )
    serial, parallel = _serial_and_parallel(str(folder))
    assert serial.stdout == parallel.stdout
    assert serial.returncode == parallel.returncode == 2  # the broken files are unusable input
    unusable = {
        p["location"]["path"] for p in json.loads(parallel.stdout)["problems"] if p["rule_id"] == "IN001"
    }
    assert unusable == {
        str(folder / "alpha" / "stack000" / "broken.tf"),
        str(folder / "templates" / "broken.yaml"),
    }
    assert "Traceback" not in parallel.stderr
    payload = json.loads(parallel.stdout)
    assert {"cloudformation", "terraform", "terraform-plan"} <= set(payload["scope"]["sources"])
    from_plan = [
        r for r in payload["results"] if (r.get("location") or {}).get("path", "").endswith(".plan.json")
    ]
    assert from_plan, "the plan's resources were judged"
    # the policies inside the 220 users were linted (in a worker beside the rules): PL findings
    users = [
        p
        for p in payload["problems"]
        if p["rule_id"].startswith("PL") and "modules/user" in p["location"]["path"]
    ]
    assert len(users) >= len(REPOS)


def _load(folder: Path, jobs: int, *, delete: Path | None = None) -> tuple[bool, Inventory]:
    found = detect([str(folder)])
    if delete is not None:
        delete.unlink()  # detected, then gone before it is read: in a worker
    inventory = Inventory()
    files = found.by_source[TERRAFORM]
    if jobs == 1:
        hcl.load(files, inventory, roots=found.roots)
        return False, inventory
    taken = groups.load_in_groups(files, inventory, None, None, found.roots, False, None, jobs)
    if not taken:
        hcl.load(files, inventory, roots=found.roots)
    return taken, inventory


def _shown(inventory: Inventory) -> tuple[list[str], list[str], list[str]]:
    problems = sorted(f"{p.location}: {p.rule_id} {p.message}" for p in inventory.problems)
    return problems, [str(b.name) for b in inventory.buckets], [str(u.name) for u in inventory.users]


def test_the_groups_are_loaded_in_processes_with_the_serial_inventory(tmp_path: Path) -> None:
    folder = _large_input(tmp_path)
    taken, parallel = _load(folder, 2)
    assert taken  # the split was used, not the serial fallback
    _, serial = _load(folder, 1)
    assert _shown(parallel) == _shown(serial)
    assert len(parallel.buckets) == len(REPOS) * (PARALLEL_THRESHOLD // len(REPOS) + 5)


def test_a_file_that_vanishes_before_a_worker_reads_it_is_a_located_in001(tmp_path: Path) -> None:
    serial_copy = _large_input(tmp_path / "one")
    parallel_copy = _large_input(tmp_path / "two")
    taken, parallel = _load(parallel_copy, 2, delete=parallel_copy / "beta" / "stack001" / "main.tf")
    _, serial = _load(serial_copy, 1, delete=serial_copy / "beta" / "stack001" / "main.tf")
    assert taken
    gone = [p for p in parallel.problems if p.rule_id == "IN001"]
    assert len(gone) == 1 and gone[0].location.path == str(parallel_copy / "beta" / "stack001" / "main.tf")
    assert [p.message for p in serial.problems if p.rule_id == "IN001"] == [gone[0].message]


def test_a_module_call_across_groups_falls_back_to_the_serial_load(tmp_path: Path) -> None:
    folder = _large_input(tmp_path)
    shared = folder / "beta" / "modules" / "user"
    caller = folder / "alpha" / "stack000" / "main.tf"
    caller.write_text(
        caller.read_text("utf-8").replace('"../modules/user"', '"../../beta/modules/user"'), "utf-8"
    )
    assert shared.is_dir()
    taken, parallel = _load(folder, 2)
    assert not taken  # beta's module is called from alpha: the groups are not independent
    _, serial = _load(folder, 1)
    assert _shown(parallel) == _shown(serial)
