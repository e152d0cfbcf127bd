"""PE0 in ``check`` and ``verify``: the escalation paths of each principal, across every policy that reaches it.

``lint`` judges one policy document (:mod:`policy_lint.checks.policy.escalation`). Here each IAM
user and role is judged with every policy that reaches it: its inline and attached policies,
its groups' policies (a user), limited by its permissions boundary where one is declared, and
``sts:AssumeRole`` into a declared role whose trust admits it and whose own policies open a
path (:mod:`.reach`). Each path is reported under the same rule ID as in ``lint``
(:meth:`~policy_lint.rules.registry.RuleGroup.inventory_counterpart`), once per (principal,
path), naming the principal, the path and every statement that contributes, with the
``file:line`` of the attribute that holds it (planned) or the policy's ARN (live).

Verdicts:

* a path the known policies open, with nothing unknown: **fail** (a security warning), with
  the conditions it depends on when it has any (never dropped, never reported unconditionally);
* the same with part of the principal's policies or boundary unknown: **unknown**, naming
  what is missing (a policy not known may deny what the known ones allow: never a fail on it);
* a path only a value the inputs do not resolve could complete (``iam:PassRole`` on
  ``var.role_arn``, :mod:`.unresolved`): **unknown**, naming the value; a reference to a user,
  role or policy the input declares is read as its ARN instead
  (:mod:`policy_lint.inventory.declared_arns`), so it is judged like a literal one;
* a found path that a Deny on such a value, read as ``*``, would close: **unknown**, naming the
  Deny's value (uncertain never fails);
* no path: PR001 **passes** for the principal, or is **unknown** naming what is missing
  (unknown never passes). PR001 is reported only for a principal with no PE result.

Where the per-document results go: per principal in ``check``/``verify``; the per-document PE
findings of a policy that reaches a user or role of the input are left out there
(:mod:`policy_lint.checks.embedded_policies`), so one weakness is reported once. A policy no
principal of the input receives keeps its per-document findings.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

from policy_lint.checks import verdicts
from policy_lint.checks.policy import escalation as per_document
from policy_lint.checks.principals import PRINCIPAL
from policy_lint.checks.principals.reach import (
    Held,
    Reach,
    Role,
    may_assume,
    may_assume_some_role,
    permission_sets,
    reach,
    role_shown,
    roles,
)
from policy_lint.checks.principals.unresolved import widened, widened_denials
from policy_lint.core.findings import Level
from policy_lint.iam.escalation import (
    Contribution,
    EscalationPath,
    RoleTarget,
    find_escalations,
    trust_admits,
)
from policy_lint.inventory.declared_arns import account_unknown, declared_arns
from policy_lint.inventory.model import IamRole, IamUser, Inventory
from policy_lint.rules.registry import Result, RuleGroup, Status

RULES = RuleGroup()

NO_PATH_RULE = "PR001"


class _Judged:
    """Every principal's paths, computed once per inventory and shared by the PE rules."""

    def __init__(self, inventory: Inventory) -> None:
        principals: list[IamUser | IamRole] = [*inventory.users, *inventory.roles]
        arns = declared_arns(inventory)
        self.reached = [reach(p, inventory, arns) for p in principals]
        by_id = {id(r.principal): r for r in self.reached}
        self.roles, untrusted = roles(inventory, by_id, arns)
        targets = [role.target for role in self.roles.values()]
        self.paths: list[tuple[Reach, list[EscalationPath]]] = [
            (r, find_escalations(r.policies, r.boundaries, roles=targets, principal_arn=r.arn))
            for r in self.reached
        ]
        #: the paths only the widest reading of unresolved Allow values opens (:mod:`.unresolved`)
        self.maybe: dict[int, list[tuple[EscalationPath, list[str]]]] = {
            id(r): _maybe_paths(r, paths, targets) for r, paths in self.paths
        }
        #: found paths a Deny on an unresolved value may block: (principal, path, role) -> the values
        self.doubted: dict[tuple[int, str, str | None], list[str]] = {
            key: values
            for r, paths in self.paths
            for key, values in _doubted_paths(r, paths, targets).items()
        }
        opened = {id(r): bool(paths) for r, paths in self.paths}
        partly_known = [a for a in self.roles.values() if a.unknown and a.target.trust is not None]
        untrusted_open = [u for u in untrusted if opened.get(id(u.reach)) or u.reach.unknown]
        for r in self.reached:
            if not (partly_known or untrusted_open):
                break
            sets = permission_sets(r)
            if not may_assume_some_role(sets):
                continue  # asks about no role: most principals never name sts:AssumeRole
            for assumable in partly_known:  # a role it may assume whose own policies are not all known
                if assumable.reach is r or r.arn is None:
                    continue
                assert assumable.target.trust is not None
                # a principal whose ARN is only symbolic (its account known at apply) may be the one trusted
                admitted = account_unknown(r.arn) or trust_admits(assumable.target.trust, r.arn)[0]
                if admitted and may_assume(r, assumable.target.arn, sets):
                    r.could_add.append(
                        f"it may sts:AssumeRole {assumable.reach.who}, part of whose permissions is not known "
                        f"({'; '.join(assumable.unknown)})"
                    )
            for role in untrusted_open:  # a role it may assume, with a path, whose trust is not known
                if role.reach is not r and may_assume(r, role.arn, sets):
                    r.could_add.append(
                        f"it may sts:AssumeRole {role.reach.who}, whose trust policy is not known ({role.why})"
                    )


def _maybe_paths(
    r: Reach, found: list[EscalationPath], targets: list[RoleTarget]
) -> list[tuple[EscalationPath, list[str]]]:
    """Each path not found that the unresolved values of the principal's Allow statements could
    open, with those values as ``iam:PassRole on ${var.role_arn}``."""
    policies, boundaries = widened(r.policies), widened(r.boundaries)
    if policies is None and boundaries is None:
        return []
    wide = find_escalations(
        policies.policies if policies else r.policies,
        boundaries.policies if boundaries else r.boundaries,
        roles=targets,
        principal_arn=r.arn,
    )
    values = {**(policies.values if policies else {}), **(boundaries.values if boundaries else {})}
    known = {(p.id, p.via_role) for p in found}
    out: list[tuple[EscalationPath, list[str]]] = []
    for path in wide:
        if (path.id, path.via_role) in known:
            continue
        named = [
            f"{c.action} on {value}"
            for c in path.contributions
            for value in values.get((c.label, c.statement.index), [])
        ]
        if named:  # a path the widening did not make possible is judged as found
            out.append((path, list(dict.fromkeys(named))))
    return out


def _doubted_paths(
    r: Reach, found: list[EscalationPath], targets: list[RoleTarget]
) -> dict[tuple[int, str, str | None], list[str]]:
    """Each found path that the principal's Deny statements, with their unresolved values read as
    ``*``, would close: uncertain, so never a fail; keyed like :attr:`_Judged.doubted`."""
    if not found:
        return {}
    policies, boundaries = widened_denials(r.policies), widened_denials(r.boundaries)
    if policies is None and boundaries is None:
        return {}
    wide = find_escalations(
        policies.policies if policies else r.policies,
        boundaries.policies if boundaries else r.boundaries,
        roles=targets,
        principal_arn=r.arn,
    )
    still = {(p.id, p.via_role) for p in wide}
    values = [
        f"Deny on {value} (not resolved from the inputs) may block it"
        for side in (policies, boundaries)
        if side is not None
        for found_values in side.values.values()
        for value in found_values
    ]
    return {
        (id(r), p.id, p.via_role): list(dict.fromkeys(values))
        for p in found
        if (p.id, p.via_role) not in still
    }


_last: tuple[weakref.ref[Inventory], _Judged] | None = None


def judged(inventory: Inventory) -> _Judged:
    """The inventory's judgement, computed on first use by any PE rule of one run."""
    global _last
    if _last is not None and _last[0]() is inventory:
        return _last[1]
    result = _Judged(inventory)
    _last = (weakref.ref(inventory), result)
    return result


def _principal(r: Reach) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "name": r.name,
        "arn": r.principal.arn if isinstance(r.principal.arn, str) else None,
        "resource": verdicts.resource_id(r.principal),
    }


def _held(label: str, r: Reach, role: Role | None) -> Held:
    if label in r.held:
        return r.held[label]
    if role is not None and label in role.reach.held:
        return role.reach.held[label]
    return Held(label, None)


def _step(c: Contribution, held: Held) -> str:
    """``iam:PassRole by policy aws_iam_policy.x at main.tf:7 statement 1 ("Pass")``."""
    what = {"boundary": " (allowed by the boundary)", "trust": " (the role's trust)"}.get(c.kind, "")
    deny = f" (Deny, {c.conditions[0]})" if c.effect == "Deny" and c.conditions else ""
    return f"{c.action} by {held.describe()} {c.statement.label}{what}{deny}"


def _contribution(c: Contribution, held: Held) -> dict[str, Any]:
    loc = held.location
    return {
        "action": c.action,
        "policy": held.policy,
        "location": f"{loc.path}:{loc.line}" if loc else None,
        "arn": held.arn,
        "statement": c.statement.index + 1,
        "sid": c.statement.sid,
        "effect": c.effect,
        "kind": c.kind,
        "conditions": list(c.conditions),
    }


def _described(
    r: Reach, path: EscalationPath, role: Role | None, verb: str = "can"
) -> tuple[str, str, dict[str, Any], list[str]]:
    """The path's resource, message, evidence and what is not known of what reaches the principal."""
    resource = verdicts.resource_id(r.principal)
    target = ""
    if path.via_role is not None:
        target = role.reach.who if role is not None else f"role {role_shown(path.via_role)}"
        shown = verdicts.resource_id(role.role) if role is not None else role_shown(path.via_role)
        resource = verdicts.facet(resource, "role", shown)
    steps = "; ".join(_step(c, _held(c.label, r, role)) for c in path.contributions)
    via = ""
    if path.via_role is not None:
        via = f" into {target}, whose policies open {', '.join(path.role_paths)}"
    message = f"{r.who} {verb} escalate privileges ({path.id}{via}): {steps}"
    if path.conditions:
        message += "; only when " + " and ".join(path.conditions)
    unknown = list(r.unknown)
    if role is not None:
        unknown += [f"role {role.reach.name}: {u}" for u in role.unknown]
    evidence: dict[str, Any] = {
        PRINCIPAL: _principal(r),
        "path": path.id,
        "conditions": list(path.conditions),
        "contributions": [_contribution(c, _held(c.label, r, role)) for c in path.contributions],
    }
    if path.via_role is not None:
        evidence.update(via_role=target, role_paths=list(path.role_paths))
    return resource, message, evidence, unknown


def _result(r: Reach, path: EscalationPath, role: Role | None, doubts: list[str]) -> Result:
    resource, message, evidence, unknown = _described(r, path, role)
    unknown += doubts
    where = verdicts.location(r.principal)
    if unknown:
        evidence["unknown"] = unknown
        return verdicts.unknown(
            resource,
            f"{message}; but part of what reaches it is not known and may deny it",
            "; ".join(unknown),
            where,
            evidence,
        )
    return verdicts.failed(resource, message, where, evidence)


def _maybe_result(r: Reach, path: EscalationPath, role: Role | None, values: list[str]) -> Result:
    """A path only a value the inputs do not resolve could complete: unknown, naming the value
    (never a fail on what was not read, never a pass)."""
    resource, message, evidence, unknown = _described(r, path, role, verb="may")
    missing = [f"{value} (not resolved from the inputs)" for value in values] + unknown
    evidence["unknown"] = missing
    return verdicts.unknown(
        resource,
        f"{message}; only if the values the inputs do not resolve name what the path needs",
        "; ".join(missing),
        verdicts.location(r.principal),
        evidence,
    )


def _path_results(rule_id: str) -> Callable[[Inventory], Iterator[Result]]:
    def check(inventory: Inventory) -> Iterator[Result]:
        found = judged(inventory)
        for r, paths in found.paths:
            for path in paths:
                if path.rule_id == rule_id:
                    role = found.roles.get(path.via_role) if path.via_role else None
                    doubts = found.doubted.get((id(r), path.id, path.via_role), [])
                    yield _result(r, path, role, doubts)
            for path, values in found.maybe[id(r)]:
                if path.rule_id == rule_id:
                    role = found.roles.get(path.via_role) if path.via_role else None
                    yield _maybe_result(r, path, role, values)

    check.__name__ = f"principal_{rule_id.lower()}"
    return check


for _meta in per_document.RULES.metas:
    RULES.inventory_counterpart(_meta, _path_results(_meta.id))


@RULES.inventory_rule(
    id=NO_PATH_RULE,
    name="principal-no-escalation-path",
    level=Level.SECURITY_WARNING,
    title="No privilege-escalation path reaches the principal",
    rationale="A user or role that can reach one of the published escalation paths (PE001-PE025) can make "
    "itself an administrator. Judged with every policy that reaches the principal: inline and attached "
    "policies, its groups' policies, its permissions boundary, and roles it may assume. This rule says that "
    "none was found, or, when a policy or boundary of the principal is not known, that it cannot be told "
    "(unknown never passes). A reference to a declared user, role or policy is read as its ARN; an Allow on "
    "a value the inputs do not resolve (a variable, a role not in the inputs) that could complete a path "
    "makes that path unknown, naming the value. A principal with a path gets that path's result instead.",
    remediation="Declare or grant read access to the missing policy, boundary or group, or declare the "
    "resource an unresolved value names (the result names it), so the principal can be judged.",
    references=("https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",),
    profiles=(),
)
def no_escalation_path(inventory: Inventory) -> Iterator[Result]:
    found = judged(inventory)
    for r, paths in found.paths:
        if paths or found.maybe[id(r)]:
            continue
        resource = verdicts.resource_id(r.principal)
        where = verdicts.location(r.principal)
        evidence: dict[str, Any] = {PRINCIPAL: _principal(r), "policies": sorted(r.held)}
        missing = [*r.unknown, *r.could_add]
        if missing:
            yield verdicts.unknown(
                resource,
                f"cannot tell whether {r.who} can escalate privileges: the known policies open no path, "
                "but part of what reaches it is not known",
                "; ".join(missing),
                where,
                evidence,
                unknown=missing,
            )
            continue
        yield verdicts.result(
            Status.PASS,
            resource,
            f"{r.who}: no privilege-escalation path across {r.policy_count} "
            f"polic{'y' if r.policy_count == 1 else 'ies'}",
            where,
            evidence,
        )
