"""Decide which source reads each input file, so ``check PATH...`` takes a repo as it is.

Detection is by extension first and by a cheap sniff of the first bytes second: it must not
parse every JSON file of a repository twice. Files no source understands (policy documents,
``package.json``) are counted as skipped, not reported: ``lint`` is the command for policies.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.errors import InputError
from policy_lint.inventory.model import Inventory

TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform-plan"
CLOUDFORMATION = "cloudformation"

#: source name -> module with a ``load(files, inventory, *, region, account_id, roots)`` function
LOADERS = {
    TERRAFORM: "policy_lint.sources.terraform_hcl",
    TERRAFORM_PLAN: "policy_lint.sources.terraform_plan",
    CLOUDFORMATION: "policy_lint.sources.cloudformation",
}
SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox", "cdk.out"}
SNIFF_BYTES = 64 * 1024
_TEMPLATE = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")


@dataclass
class Detected:
    """Input files grouped by the source that reads them, and the folders they were found in."""

    by_source: dict[str, list[Path]] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)
    #: the folders being checked (a file argument counts as its folder): nothing else is read
    roots: list[Path] = field(default_factory=list)

    def add(self, source: str, path: Path) -> None:
        self.by_source.setdefault(source, []).append(path)

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.by_source.values())


def _walk(root: Path) -> Iterable[Path]:
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            yield Path(current) / name


def _sniff(path: Path) -> str | None:
    """Which source reads a .json/.yaml/.template file, judged from its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace")
    if (
        path.suffix == ".json"
        and '"format_version"' in text
        and ('"planned_values"' in text or '"resource_changes"' in text or '"values"' in text)
    ):
        return TERRAFORM_PLAN
    return CLOUDFORMATION if looks_like_template(text) else None


def looks_like_template(text: str) -> bool:
    """``AWSTemplateFormatVersion`` or a ``Type: AWS::Service::...`` entry: not just any text naming
    ``Resources`` and ``AWS::`` (IAM policies that mention ``AWS::`` are not templates)."""
    return _TEMPLATE.search(text) is not None


def classify(path: Path) -> str | None:
    """The source for one file, or None when no source reads it."""
    name = path.name
    if name.endswith(".tf"):
        return TERRAFORM
    if name.endswith((".tfvars", ".tf.json", ".tfstate")):
        return None  # tfvars are read with their module; .tf.json and state files are not inputs
    if path.suffix in {".json", ".yaml", ".yml", ".template"}:
        return _sniff(path)
    return None


def detect(paths: Sequence[str]) -> Detected:
    """Group the files under ``paths`` by source; a path that does not exist is an InputError."""
    found = Detected()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"no such file or directory: {raw}")
        found.roots.append(path.parent if path.is_file() else path)
        candidates = [path] if path.is_file() else list(_walk(path))
        for candidate in candidates:
            source = classify(candidate)
            if source is None:
                if path.is_file():
                    raise InputError(
                        f"{raw}: not a Terraform (.tf), plan JSON or CloudFormation file "
                        "(policy documents are checked by `policy-lint lint`)"
                    )
                found.skipped.append(candidate)
            else:
                found.add(source, candidate)
    return found


def load_inventory(
    detected: Detected,
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
) -> Inventory:
    """Run each source over its files; they add resources and located problems to ``inventory``."""
    for source in sorted(detected.by_source):
        module = importlib.import_module(LOADERS[source])
        module.load(
            detected.by_source[source], inventory, region=region, account_id=account_id, roots=detected.roots
        )
    return inventory
