"""``check`` lints the policies inside a large input in a worker, beside the other rules, with the
findings one process gives.

The input is written here: one Terraform root with 210 counted IAM policies, each granting
``iam:*`` on everything (PL findings a user would see), so the lint crosses the threshold where
a second process pays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy_lint.checks.engine import Selection
from policy_lint.commands.judging import EmbeddedLint
from policy_lint.core import processes
from policy_lint.core.processes import PARALLEL_THRESHOLD
from policy_lint.inventory.model import Inventory
from policy_lint.project.settings import Settings
from policy_lint.sources.detect import detect, load_inventory

POLICIES = PARALLEL_THRESHOLD + 10

MAIN_TF = f"""\
provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_iam_policy" "admin" {{
  count  = {POLICIES}
  name   = "admin-${{count.index}}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "iam:*", Resource = "*" }}]
  }})
}}
"""


def _shown(found: Any) -> list[str]:
    """The kept findings as a user reads them, in the order they are reported."""
    return [f"{f.location}: {f.rule_id} {f.message}" for f in found.kept]


@pytest.mark.skipif(not processes.CAN_INHERIT, reason="workers inherit the inventory only where fork exists")
def test_the_embedded_policies_are_linted_in_a_worker_with_the_serial_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF, "utf-8")
    inventory = load_inventory(detect([str(tmp_path)]), Inventory())
    assert len(inventory.policies) == POLICIES
    settings = Settings(root=tmp_path)  # the defaults: no settings file of the checkout applies
    selection = Selection()

    forked: list[int] = []
    real = processes.map_inherited

    def counting(work: Any, batches: Any, workers: int) -> Any:
        forked.append(workers)
        return real(work, batches, workers)

    monkeypatch.setattr(processes, "map_inherited", counting)
    fallbacks = processes.fallbacks
    in_worker = _shown(EmbeddedLint(inventory, settings, selection, jobs=2).filtered())
    assert forked == [1]  # one worker, beside the main process's rules
    assert processes.fallbacks == fallbacks  # and the worker's findings were used, not redone here
    here = _shown(EmbeddedLint(inventory, settings, selection, jobs=1).filtered())
    assert forked == [1]  # --jobs 1: no process
    assert in_worker == here
    # each counted policy's iam:* on * is reported where it is written, once per instance
    assert sum(" PL" in line for line in here) >= POLICIES


def test_nothing_is_linted_when_no_policy_rule_is_selected(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF, "utf-8")
    inventory = load_inventory(detect([str(tmp_path)]), Inventory())
    found = EmbeddedLint(inventory, Settings(root=tmp_path), Selection(select=("OB",)), jobs=2)
    assert found.running is None  # no worker started for nothing
    assert _shown(found.filtered()) == []
