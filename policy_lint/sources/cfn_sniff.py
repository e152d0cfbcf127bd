"""Does a text look like a CloudFormation template? One test, used by the detector and the loader."""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")


def looks_like_template(text: str) -> bool:
    """``AWSTemplateFormatVersion`` or a ``Type: AWS::Service::...`` entry: not just any text naming
    ``Resources`` and ``AWS::`` (IAM policies that mention ``AWS::`` are not templates)."""
    return _TEMPLATE.search(text) is not None
