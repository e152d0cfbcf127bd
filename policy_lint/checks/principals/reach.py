"""What reaches one principal, as the escalation evaluator reads it, and what is not known.

:func:`policy_lint.inventory.policies.principal_policies` resolves the policies (attached,
inline, through groups) and the permissions boundary; this module turns them into the
evaluator's :class:`~policy_lint.iam.escalation.SourcedPolicy` inputs, each labelled so a
finding can say, for every statement, which policy holds it and where it is written
(``file:line`` of the attribute that holds the document, or the policy's ARN live). It also
builds the roles a principal might assume (:class:`~policy_lint.iam.escalation.RoleTarget`): a
role whose ARN, trust policy and permissions the input declares; a role whose trust policy is not
known is :class:`Untrusted`, and a principal that may assume it cannot pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policy_lint.core.findings import Location
from policy_lint.iam.escalation import RoleTarget, SourcedPolicy
from policy_lint.iam.evaluate import PermissionSet
from policy_lint.inventory.declared_arns import DeclaredArns
from policy_lint.inventory.model import IamRole, IamUser, Inventory, Unknown
from policy_lint.inventory.names import display_name
from policy_lint.inventory.policies import ResolvedPolicy, parsed_document, principal_policies
from policy_lint.inventory.references import canon, scope_of, shown

Principal = IamUser | IamRole


@dataclass(frozen=True)
class Held:
    """One policy as a finding names it: what it is, and where its statements are written."""

    policy: str  # ``policy aws_iam_policy.x``, ``inline policy p of user u``, ``AWS managed policy ...``
    location: Location | None  # the attribute that holds the document (planned); None live
    arn: str | None = None
    boundary: bool = False

    def describe(self) -> str:
        where = f" at {self.location.path}:{self.location.line}" if self.location else ""
        return f"{'permissions boundary ' if self.boundary else ''}{self.policy}{where}"


@dataclass
class Reach:
    """Everything that reaches one principal, ready for :func:`find_escalations`."""

    principal: Principal
    kind: str  # user | role
    name: str
    #: the principal's ARN as the documents spell it (references canonical), for trust policies
    arn: str | None
    #: the identity policies that reach it, as the evaluator reads them
    policies: list[SourcedPolicy] = field(default_factory=list)
    boundaries: list[SourcedPolicy] = field(default_factory=list)
    #: by SourcedPolicy label: how a finding names the policy
    held: dict[str, Held] = field(default_factory=dict)
    #: why part of what reaches the principal is not known (never a pass, never a fail on it)
    unknown: list[str] = field(default_factory=list)
    #: what is not known that could only add a path (a role it may assume whose trust policy is
    #: not known): no pass, but no doubt on the paths found
    could_add: list[str] = field(default_factory=list)

    @property
    def who(self) -> str:
        """``user dev``, ``role deployer``."""
        return f"{self.kind} {self.name}"

    @property
    def policy_count(self) -> int:
        return len(self.policies)


def _held(policy: ResolvedPolicy, holder: str, boundary: bool = False) -> Held:
    return Held(policy.shown(holder), policy.where, policy.arn, boundary)


def _label(held: Held, taken: dict[str, Held]) -> str:
    """A label unique among the principal's policies (one policy may reach it twice: its own
    attachment and a group's)."""
    base = held.describe()
    label, n = base, 1
    while label in taken:
        n += 1
        label = f"{base} #{n}"
    return label


def reach(principal: Principal, inventory: Inventory, arns: DeclaredArns | None = None) -> Reach:
    """The principal's policies and boundary as evaluator inputs, and what is not known.

    ``arns``: the declared users', roles' and policies' ARNs to spell out in place of references
    (in the documents and the principal's own ARN alike), so a statement on one is judged."""
    spell = arns or DeclaredArns()
    kind = "user" if isinstance(principal, IamUser) else "role"
    name = display_name(principal.name, principal)
    arn = principal.arn
    spelled = spell.arn(canon(arn, scope_of(principal))) if isinstance(arn, str) else None
    found = Reach(principal, kind, name, spelled)
    resolved = principal_policies(principal, inventory)
    found.unknown = list(resolved.unknown)
    holder = found.who
    seen: set[int] = set()
    for policy in resolved.policies:
        # one document reaching twice (a managed policy attached to the user and to its group)
        # grants nothing more: judged once, named where it first reaches
        if policy.document is None or id(policy.document) in seen:
            continue
        seen.add(id(policy.document))
        held = _held(policy, holder)
        label = _label(held, found.held)
        found.held[label] = held
        found.policies.append(SourcedPolicy(spell.document(policy.document), label))
    boundary = resolved.boundary
    if boundary is not None and boundary.document is not None:
        held = _held(boundary, holder, boundary=True)
        label = _label(held, found.held)
        found.held[label] = held
        found.boundaries.append(SourcedPolicy(spell.document(boundary.document), label, "boundary"))
    return found


@dataclass(frozen=True)
class Role:
    """A role a principal may assume, with what the input does not say about it."""

    target: RoleTarget
    role: IamRole
    reach: Reach
    #: why the role's trust or permissions are not fully known (its path then stays unknown)
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class Untrusted:
    """A role whose ARN is known but whose trust policy is not: who may assume it cannot be told."""

    arn: str
    reach: Reach
    why: str


def roles(
    inventory: Inventory, reached: dict[int, Reach], arns: DeclaredArns | None = None
) -> tuple[dict[str, Role], list[Untrusted]]:
    """The roles whose ARN and trust policy the input declares, by ARN as documents spell it, and
    the roles whose trust policy is not known (``reached``: the roles' :class:`Reach`, by ``id()``,
    computed once; ``arns``: as :func:`reach` spelled them)."""
    out: dict[str, Role] = {}
    untrusted: list[Untrusted] = []
    for role in inventory.roles:
        theirs = reached.get(id(role)) or reach(role, inventory, arns)
        if theirs.arn is None:
            continue
        if role.trust_policy is None:
            continue  # no trust policy: nobody may assume it
        unknown = list(theirs.unknown)
        trust_label = f"trust policy of {theirs.who}"
        where = role.origin_of("trust_policy").location
        held = Held(f"trust policy of {theirs.who}", where, None)
        trust = parsed_document(role.trust_policy, trust_label, scope_of(role))
        if isinstance(trust, Unknown):
            untrusted.append(Untrusted(theirs.arn, theirs, trust.reason))
            continue
        trust = (arns or DeclaredArns()).document(trust)
        theirs.held.setdefault(trust_label, held)
        target = RoleTarget(
            theirs.arn,
            SourcedPolicy(trust, trust_label),
            tuple(theirs.policies),
            theirs.boundaries[0] if theirs.boundaries else None,
        )
        out[theirs.arn] = Role(target, role, theirs, tuple(unknown))
    return out, untrusted


def permission_sets(principal: Reach) -> list[PermissionSet]:
    """The principal's policies, then each of its boundaries, as evaluable permission sets."""
    sets = [PermissionSet.from_documents(s.document for s in principal.policies)]
    sets += [PermissionSet.from_documents([b.document]) for b in principal.boundaries]
    return sets


def may_assume_some_role(sets: list[PermissionSet]) -> bool:
    """Could the principal whose :func:`permission_sets` these are sts:AssumeRole anything? When
    no Allow of its policies (or of one boundary) names the action, no role needs asking about."""
    return all(any(stmt.is_allow for stmt, _ in s.candidates("sts:assumerole")) for s in sets)


def may_assume(principal: Reach, arn: str, sets: list[PermissionSet] | None = None) -> bool:
    """Do the principal's policies (within its boundary) allow sts:AssumeRole on the role, at least
    under some condition? ``sets``: :func:`permission_sets` of the principal, when the caller asks
    about many roles (building them is most of the cost)."""
    sets = sets if sets is not None else permission_sets(principal)
    return all(p.evaluate("sts:AssumeRole", arn).status in ("allowed", "conditional") for p in sets)


def role_shown(arn: str) -> str:
    """A role's ARN as the user wrote it (a reference spelled back)."""
    return shown(arn)
