"""The ARN a reference to a declared IAM user, role or policy stands for, when only its account is missing.

A planned ``${aws_iam_role.app.arn}`` (CloudFormation ``!GetAtt App.Arn``) has no literal ARN
before apply when the account (or the region, so the partition) is not in the input, and the
sources then keep the reference (:mod:`policy_lint.inventory.references`). But IAM ARNs carry
no region, and the name and path are declared: the ARN is
``arn:<partition>:iam::<account>:role/<path><name>`` (:func:`policy_lint.catalog.arn_builder.iam_arn`),
with only partition and account to come. A statement granting ``iam:PassRole`` on that
reference grants it on a role, so a privilege-escalation path that needs "a role" is open:
leaving the reference opaque would drop the statement from judgement and pass the principal.

:class:`DeclaredArns` spells each such reference as that ARN, the unknown parts as wildcards
(``arn:*:iam::????????????:role/app``: one role of that name in some account), in the policies
and for the principal itself, so the two still meet. A reference to something not declared,
or declared without a literal name or path, stays as it is (the caller says it is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import IamPolicy, IamRole, IamUser, Inventory
from policy_lint.inventory.references import canon, is_arn_token, is_literal, replace_tokens, scope_of
from policy_lint.policy.model import PolicyDocument, build_document
from policy_lint.syntax.json_parser import parse_json
from policy_lint.syntax.source import Source

#: the parts of an ARN only apply tells: any partition, any 12-digit account
UNKNOWN_PARTITION = "*"
UNKNOWN_ACCOUNT = "????????????"


def _spelled(resource: IamUser | IamRole | IamPolicy, kind: str) -> str | None:
    """The resource's ARN with partition and account unknown; None unless name and path are literal."""
    name, path = resource.name, resource.iam_path
    if not is_literal(name) or not (path is None or is_literal(path)):
        return None
    built = arn_builder.iam_arn(UNKNOWN_PARTITION, UNKNOWN_ACCOUNT, kind, name, path)
    return built if isinstance(built, str) else None


@dataclass(frozen=True)
class DeclaredArns:
    """Canonical ARN references of declared IAM resources -> the ARN each stands for."""

    by_token: dict[str, str] = field(default_factory=dict)

    def arn(self, value: str) -> str:
        """A canonical value with each reference to a declared resource's ARN spelled out."""
        if not self.by_token or "|arn>" not in value:
            return value
        return replace_tokens(value, lambda token: self.by_token.get(token, token))

    def document(self, document: PolicyDocument) -> PolicyDocument:
        """The parsed document (references canonical) with those references spelled out; the same
        object when it names none."""
        text = document.source.text
        spelled = self.arn(text)
        if spelled == text:
            return document
        return build_document(
            Source(document.source.path, spelled), parse_json(spelled), document.policy_type
        )


def declared_arns(inventory: Inventory) -> DeclaredArns:
    """The ARN of each user, role and customer managed policy whose ARN is a reference only for
    want of the account (its name and path declared as text)."""
    found: dict[str, str] = {}
    kinds: list[tuple[str, list[IamUser] | list[IamRole] | list[IamPolicy]]] = [
        ("user", inventory.users),
        ("role", inventory.roles),
        ("policy", inventory.policies),
    ]
    for kind, resources in kinds:
        for resource in resources:
            arn, scope = resource.arn, scope_of(resource)
            if not isinstance(arn, str) or scope is None or is_literal(arn):
                continue
            token = canon(arn, scope)
            spelled = _spelled(resource, kind)
            if spelled is not None and is_arn_token(token):
                found[token] = spelled
    return DeclaredArns(found)


def account_unknown(arn: str) -> bool:
    """An ARN whose account is not known (a reference, or spelled here with the account unknown)."""
    parts = arn.split(":")
    return not arn.startswith("arn:") or len(parts) < 6 or not parts[4].isdigit()
