"""The files a policy-lint package ships (schemas, reference policies, escalation paths), for reading.

Why not ``importlib.resources.files`` everywhere: importing it pulls in ``tempfile``, ``zipfile``,
``shutil`` and ``random`` (~7 ms), paid at every start, lint of one file included, for packages that
are plain folders in every normal install. A package on disk is read through :class:`pathlib.Path`,
which has the same ``Traversable`` methods (``joinpath``, ``read_text``, ``iterdir``, ``is_file``);
only a package that is not a folder (a zip import) goes through ``importlib.resources``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable


def package_files(package: str) -> Traversable:
    """The files of ``package`` (a dotted name), as :func:`importlib.resources.files` gives them."""
    locations = getattr(importlib.import_module(package), "__path__", None) or ()
    for location in locations:
        folder = Path(location)
        if folder.is_dir():
            return folder
    from importlib import resources

    return resources.files(package)
