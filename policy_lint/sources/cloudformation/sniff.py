"""Is this a CloudFormation template? The cheap test on the text (the detector's) and the exact one
on the parsed mapping (the loader's), kept together so the two stay about the same thing."""

from __future__ import annotations

import re

from policy_lint.syntax.nodes import Node, ObjectNode, ScalarNode

_TEMPLATE = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::")


def looks_like_template(text: str) -> bool:
    """``AWSTemplateFormatVersion`` or a ``Type: AWS::Service::...`` entry: not just any text naming
    ``Resources`` and ``AWS::`` (IAM policies that mention ``AWS::`` are not templates)."""
    return _TEMPLATE.search(text) is not None


def is_template(root: Node | None) -> bool:
    """A mapping with ``AWSTemplateFormatVersion``, or ``Resources`` whose entries have ``Type: AWS::...``."""
    if not isinstance(root, ObjectNode):
        return False
    if root.get("AWSTemplateFormatVersion") is not None:
        return True
    resources = root.get("Resources")
    if not isinstance(resources, ObjectNode):
        return False
    for _, resource in resources.pairs:
        type_node = resource.get("Type") if isinstance(resource, ObjectNode) else None
        if isinstance(type_node, ScalarNode) and str(type_node.value).startswith(("AWS::", "Alexa::")):
            return True
    return False
