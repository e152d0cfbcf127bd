"""No OB1-OB3 rule raises, whatever a source could not learn: every field Unknown, or None where allowed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from policy_lint.checks.engine import Selection, run_checks
from policy_lint.inventory.model import Inventory, Resource, Unknown
from policy_lint.rules.registry import Status
from tests.checks.onboarding import builders as b

#: fields one rule reads alone: an Unknown there must surface as that rule's unknown, with the reason
BLAMED = {
    ("trails", "kms_key_id"),
    ("trails", "logging"),
    ("queues", "kms_key_id"),
    ("queues", "fifo"),
    ("users", "has_login_profile"),
    ("buckets", "encryption"),
}
FACTORIES = {
    "users": b.user,
    "policies": b.agentless_policy,
    "trails": b.trail,
    "buckets": b.bucket,
    "queues": b.queue,
}


def _variants() -> list[tuple[str, str, Any]]:
    out = []
    for kind, factory in FACTORIES.items():
        resource: Resource = factory()
        for f in dataclasses.fields(resource):
            if f.name in ("origin", "attribute_origins"):
                continue
            out.append((kind, f.name, Unknown(f"{f.name} not known")))
            if "None" in str(f.type):  # None only where the model allows it (an unset optional value)
                out.append((kind, f.name, None))
    return out


@pytest.mark.parametrize(("kind", "field", "value"), _variants())
@pytest.mark.parametrize("with_config", [True, False])
def test_a_missing_or_unknown_field_never_raises(
    kind: str, field: str, value: Any, with_config: bool
) -> None:
    resource = FACTORIES[kind]()
    setattr(resource, field, value)
    inv: Inventory = b.inventory(with_config=with_config, **{kind: [resource]})
    # IAM fields feed every OB1 rule; pipeline fields feed OB2, OB3 and the queue read (OB106)
    rules = ("OB1", "OB2", "OB3") if kind in ("users", "policies") else ("OB106", "OB2", "OB3")
    results = run_checks(inv, Selection(select=rules))
    assert results
    if isinstance(value, Unknown) and (kind, field) in BLAMED:
        # the rule reading exactly this field says unknown, with the reason
        assert any(r.status is Status.UNKNOWN and value.reason in r.message for r in results)
