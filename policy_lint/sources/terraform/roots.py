"""Which folders of a Terraform input are root modules, and how their addresses are told apart.

Why: ``check`` on a module repository reads the module, its ``modules/*``, ``wrappers/*`` and
``examples/*`` at once. Each example is a configuration someone applies on its own: its own
variables, its own values, its own addresses. Merged, ``module.s3_bucket.aws_s3_bucket.this[0]``
would name three different buckets; and a module evaluated without its caller's inputs is judged
on defaults nobody deploys.

A **root** is a folder that no other folder of the input calls as a local module and that is
applied on its own: it has a ``provider`` or ``terraform`` block (a backend or ``cloud`` block
lives inside ``terraform``), or declares resources of its own (nobody calls it, so it can only be
applied as a root, with the implicit provider: a test fixture). When no uncalled folder is one of
those (an example that only calls the repository's module), every uncalled folder is a root.
Uncalled folders left out, which only call modules (``wrappers/*`` of a repository whose examples
are roots), are named in one input note.

Addresses are qualified with the root's path relative to the checked folder that holds it
(``examples/complete: module.s3_bucket.aws_s3_bucket.this[0]``) when the input holds several
roots or its only root is a sub-folder of what was checked; one root checked as itself keeps
bare addresses (:mod:`policy_lint.sources.configurations`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_lint.sources.configurations import labels
from policy_lint.sources.terraform.evaluator import Attribute, HclFile, Value

#: top-level blocks that make an uncalled folder a configuration of its own: provider and terraform
#: (backend/cloud sit in terraform) say so; resources of its own can only be applied from there
ROOT_BLOCKS = frozenset({"provider", "terraform", "resource"})


@dataclass(frozen=True)
class Roots:
    """The root modules of one input, in order, with the label that qualifies each one's addresses
    (None: bare addresses), and the uncalled folders that are not roots."""

    labels: dict[Path, str | None]
    left_out: tuple[Path, ...]


def local_source(source: Value) -> bool:
    """A module source that names a folder of the input (``./x``, ``../../``)."""
    return isinstance(source, str) and source.startswith(("./", "../"))


def module_folder(base: Path, source: str) -> Path:
    """The module directory, spelled like ``base`` (relative stays relative) so dirs compare equal."""
    return Path(os.path.normpath(base / source))


def called_folders(
    parsed: Mapping[Path, Sequence[HclFile]], literal: Callable[[Attribute | None, HclFile], Value]
) -> set[Path]:
    """Folders of the input that another folder of the input calls as a local module.

    ``literal`` evaluates a ``source`` attribute literally (a module source must be literal).
    """
    called: set[Path] = set()
    for directory, files in parsed.items():
        for hcl in files:
            for block in hcl.body.blocks_of("module"):
                source = literal(block.body.attributes.get("source"), hcl)
                if isinstance(source, str) and local_source(source):
                    target = module_folder(directory, source)
                    if target != directory and target in parsed:
                        called.add(target)
    return called


def applied_on_its_own(files: Iterable[HclFile]) -> bool:
    """Does the folder have a provider or terraform block, or resources of its own?"""
    return any(block.type in ROOT_BLOCKS for hcl in files for block in hcl.body.blocks)


def find_roots(
    parsed: Mapping[Path, Sequence[HclFile]],
    called: set[Path],
    checked: Sequence[Path],
    *,
    alongside: bool = False,
) -> Roots:
    """The root modules among ``parsed`` (folder -> its files), given the ``called`` folders and
    the folders being ``checked`` (the arguments of ``check``; a file counts as its folder)."""
    uncalled = sorted(directory for directory in parsed if directory not in called)
    configured = [directory for directory in uncalled if applied_on_its_own(parsed[directory])]
    roots = configured or uncalled
    left_out = tuple(directory for directory in uncalled if directory not in roots)
    return Roots(labels(roots, checked, below_counts=True, alongside=alongside), left_out)
