"""iam.statements on inventory dicts: what is unknown stays unknown, and iam/ depends on no rule module."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from policy_lint.iam.statements import Exposure, public_access
from policy_lint.inventory.model import Unknown
from policy_lint.inventory.statement_views import views_of_dict

IAM = Path(__file__).resolve().parents[2] / "policy_lint" / "iam"
ORG = {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}


def _exposure(**statement: Any) -> Exposure:
    """The verdict on one statement; a field given as None is left out."""
    fields: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", **statement}
    [view] = views_of_dict({"Statement": [{k: v for k, v in fields.items() if v is not None}]})
    return public_access(view)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Principal": Unknown("var.principal")}, "unknown"),
        ({"Principal": {"AWS": [Unknown("var.reader")]}}, "unknown"),
        ({"Effect": Unknown("var.effect")}, "unknown"),
        ({"Condition": Unknown("var.condition")}, "unknown"),
        # the unknown value may be "*": the clause restricts nobody for certain
        ({"Condition": {"StringLike": {"aws:SourceOrgID": ["o-a1b2c3d4e5", Unknown("var.org")]}}}, "unknown"),
        # a known restricting clause is enough: conditions are and-ed
        ({"Condition": {**ORG, "StringLike": {"aws:SourceArn": Unknown("var.bucket")}}}, "not public"),
        ({"Condition": ORG}, "not public"),
        # a known "*" with an unknown part elsewhere is still everyone
        ({"Principal": {"AWS": ["*", Unknown("var.reader")]}}, "public"),
        ({"Principal": None, "NotPrincipal": {"AWS": Unknown("var.admin")}}, "public"),
    ],
)
def test_an_unknown_part_is_neither_public_nor_restricted(statement: dict[str, Any], expected: str) -> None:
    assert _exposure(**statement) == expected


def test_no_iam_module_imports_a_rule_module() -> None:
    found = []
    for path in sorted(IAM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found += [f"{path.name}: {name}" for name in names if name.startswith("policy_lint.checks")]
    assert found == []
