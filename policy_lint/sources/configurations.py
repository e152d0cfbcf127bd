"""How the resources of several configurations checked at once are told apart in a report.

Why: an address names a resource only within its configuration: one Terraform root module, one
CloudFormation template (one stack), one plan. ``check`` on a repository reads many at once, and
``module.s3_bucket.aws_s3_bucket.this[0]`` or ``Bucket`` would then name several resources, each
with its own verdict. Each configuration gets a label, its path relative to the checked folder
that holds it (``examples/complete``, ``templates/s3.yaml``), and a result names the resource as
``<label>: <address>`` (:attr:`~policy_lint.inventory.model.Origin.qualified`). One configuration
checked as itself keeps bare addresses.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def labels(
    configurations: Sequence[Path],
    checked: Sequence[str | Path],
    *,
    below_counts: bool = False,
    alongside: bool = False,
) -> dict[Path, str | None]:
    """The label of each configuration (a folder or file), None for all when none is needed.

    Labels are needed when there are several configurations, when configurations of another
    source are checked ``alongside`` (a folder's ``.tf`` files and its plan JSON describe the same
    addresses), or (``below_counts``, Terraform) when the only one lies below the checked folder:
    ``check repo`` whose only root is ``repo/examples/simple`` names it, so the report says which
    folder was judged.
    """
    relative = {config: relative_to_checked(config, checked) for config in configurations}
    below = below_counts and any(r not in (None, ".") for r in relative.values())
    qualify = len(configurations) > 1 or alongside or below
    if not qualify:
        return {config: None for config in configurations}
    return {
        config: (rel if rel not in (None, ".") else config.as_posix()) for config, rel in relative.items()
    }


def relative_to_checked(path: Path, checked: Sequence[str | Path]) -> str | None:
    """``path`` relative to the innermost checked folder that holds it (``.`` when it is one);
    None when it lies in none of them."""
    inner = Path(os.path.abspath(path))
    best: Path | None = None
    for folder in checked:
        base = Path(os.path.abspath(folder))
        if (inner == base or inner.is_relative_to(base)) and (
            best is None or len(base.parts) > len(best.parts)
        ):
            best = base
    return inner.relative_to(best).as_posix() if best is not None else None
