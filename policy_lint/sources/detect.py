"""Decide which source reads each input file, so ``check PATH...`` takes a repo as it is.

Detection is by extension first and by a cheap sniff of the first bytes second: it must not
parse every JSON file of a repository twice. Files no source understands (policy documents,
``package.json``) are counted as skipped, not reported: ``lint`` is the command for policies.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_lint.core.errors import InputError
from policy_lint.core.input_paths import expand_paths
from policy_lint.inventory.model import Inventory
from policy_lint.sources.cloudformation.sniff import looks_like_template
from policy_lint.sources.problems import unreadable
from policy_lint.syntax.source import read_head

TERRAFORM = "terraform"
TERRAFORM_PLAN = "terraform-plan"
CLOUDFORMATION = "cloudformation"

SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox"}
#: the CDK's synthesised cloud assembly: only its CloudFormation templates are inputs
CDK_OUT = "cdk.out"
CDK_TEMPLATE = ".template.json"
SNIFF_BYTES = 64 * 1024


@dataclass
class Detected:
    """Input files grouped by the source that reads them, the folders they were found in, and the
    inputs that could not be used."""

    by_source: dict[str, list[Path]] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)
    #: folders that could not be listed, paths that could not be reached, files that could not be sniffed
    errors: list[InputError] = field(default_factory=list)
    #: the folders being checked (a file argument counts as its folder): nothing else is read
    roots: list[Path] = field(default_factory=list)

    def add(self, source: str, path: Path) -> None:
        self.by_source.setdefault(source, []).append(path)

    @property
    def count(self) -> int:
        return sum(len(files) for files in self.by_source.values())


def _sniff(path: Path) -> str | None:
    """Which source reads a .json/.yaml/.template file, judged from its first bytes.

    Read like every input (:func:`read_head`: regular files only, non-blocking open), so a FIFO
    named ``template.yaml`` is an error, not a hang, and a file that cannot be read is reported
    (InputError) rather than taken for "not a template".
    """
    head = read_head(path, str(path), SNIFF_BYTES)
    text = head.decode("utf-8", errors="replace")
    if (
        path.suffix == ".json"
        and '"format_version"' in text
        and ('"planned_values"' in text or '"resource_changes"' in text or '"values"' in text)
    ):
        return TERRAFORM_PLAN
    return CLOUDFORMATION if looks_like_template(text) else None


def classify(path: Path) -> str | None:
    """The source for one file, or None when no source reads it; InputError when a file that
    may be a template or a plan cannot be read to tell."""
    name = path.name
    if CDK_OUT in path.parent.parts:
        return _in_cloud_assembly(path)
    if name.endswith((".tf", ".tf.json")):
        return TERRAFORM  # native and JSON syntax: one configuration, one evaluator
    if name.endswith((".tfvars", ".tfvars.json", ".tfstate")):
        return None  # tfvars are read with their module; state files are not inputs
    if path.suffix in {".json", ".yaml", ".yml", ".template"}:
        return _sniff(path)
    return None


def _in_cloud_assembly(path: Path) -> str | None:
    """A file inside ``cdk.out``: its ``*.template.json`` stacks (nested assemblies of CDK stages
    included) are CloudFormation; ``manifest.json``, ``tree.json``, ``*.assets.json`` and the
    ``asset.*`` folders (the app's bundled code, not configuration) are not read at all."""
    parts = path.parent.parts
    inside = parts[len(parts) - 1 - parts[::-1].index(CDK_OUT) + 1 :]
    if any(part.startswith("asset.") for part in inside) or not path.name.endswith(CDK_TEMPLATE):
        return None
    return _sniff(path)


def detect(paths: Sequence[str]) -> Detected:
    """Group the files under ``paths`` by source.

    A path, folder or file that cannot be used (missing, not listable, not a regular file,
    unreadable) is recorded in ``errors`` and the others are still detected; a file named
    explicitly that no source reads is a usage error (InputError).
    """
    found = Detected()
    found.roots = _roots(paths)
    inputs = expand_paths(paths, skip_dir=lambda name: name in SKIP_DIRS)
    found.errors.extend(inputs.errors)
    for raw, explicit in inputs.files:
        candidate = Path(raw)
        try:
            source = classify(candidate)
        except InputError as exc:
            found.errors.append(exc)
            continue
        if source is None:
            if explicit:
                raise InputError(
                    f"{raw}: not a Terraform (.tf, .tf.json), plan JSON or CloudFormation file "
                    "(policy documents are checked by `policy-lint lint`)"
                )
            found.skipped.append(candidate)
        else:
            found.add(source, candidate)
    return found


def _roots(paths: Sequence[str]) -> list[Path]:
    """The folders being checked: each folder argument, and the folder of each file argument
    (a path that cannot be reached is reported by :func:`expand_paths` and reads nothing)."""
    roots: list[Path] = []
    for raw in paths:
        try:
            is_dir = stat.S_ISDIR(os.stat(raw).st_mode)
        except OSError:
            continue
        roots.append(Path(raw) if is_dir else Path(raw).parent)
    return roots


def load_inventory(
    detected: Detected,
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    cfn_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    cfn_cache: Any = None,
    repository_root: str | None = None,
    jobs: int | None = 1,
) -> Inventory:
    """Run each source over its files; they add resources and located problems to ``inventory``.
    The inputs that could not be used become IN001 problems (unusable input, exit code 2).
    ``cfn_parameters``: per template path, the values that replace its parameters' defaults.
    ``cfn_cache``: the templates as already read (a ``loader.TemplateCache``), so they parse once.
    ``repository_root``: the folder Terraform local modules may load from (``--repository-root``).
    ``jobs``: processes that load a large Terraform input or many plans (``--jobs``; None: one per
    CPU, 1: none)."""
    inventory.problems.extend(unreadable(error) for error in detected.errors)
    alongside = len(detected.by_source) > 1
    started = None
    if TERRAFORM in detected.by_source:  # its workers start first; the other sources load meanwhile
        from policy_lint.sources.terraform import groups

        started = groups.start(
            detected.by_source[TERRAFORM],
            region,
            account_id,
            detected.roots,
            alongside,
            repository_root,
            jobs,
        )
    # each source into its own part, added in source order: what one pass in that order gives
    # (no loader reads what another added), whichever finishes first
    parts: dict[str, Inventory] = {}
    for source in sorted(detected.by_source, key=lambda s: s == TERRAFORM):
        load = _loader(source)
        extra: dict[str, Any] = {}
        if source == CLOUDFORMATION and cfn_parameters:
            extra["parameters"] = cfn_parameters
        if source == CLOUDFORMATION and cfn_cache is not None:
            extra["cache"] = cfn_cache
        if source == TERRAFORM_PLAN:  # its own workers only when Terraform's are not running already
            extra["jobs"] = 1 if started is not None else jobs
        if source == TERRAFORM:
            extra["jobs"] = jobs
            extra["started"] = started
            if repository_root:
                extra["repository_root"] = repository_root
        parts[source] = Inventory()
        load(
            detected.by_source[source],
            parts[source],
            region=region,
            account_id=account_id,
            roots=detected.roots,
            **extra,
            alongside=alongside,
        )
    for source in sorted(parts):
        inventory.extend(parts[source])
    return inventory


def _loader(source: str) -> Callable[..., None]:
    """The ``load(files, inventory, *, region, account_id, roots, alongside)`` of one source, imported only
    when a file of that source was found (the HCL parser is slow to import)."""
    if source == TERRAFORM:
        from policy_lint.sources.terraform import groups

        return groups.load
    if source == TERRAFORM_PLAN:
        from policy_lint.sources.terraform import plan

        return plan.load
    from policy_lint.sources.cloudformation import loader

    return loader.load
