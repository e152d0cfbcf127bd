"""The ARN formats of a service, for judging an ARN's structure (region, account, resource part).

The Service Authorization Reference gives each resource type an ARN template
(``arn:${Partition}:sqs:${Region}:${Account}:${QueueName}``). An ARN in a policy is judged against the templates
of the service its third field names, read from that service's own resource types (fact AWS-ARN-FORMATS):
another service's page sometimes repeats a template (sts lists IAM roles), never with a different shape. A
service the reference does not know has no formats, and nothing is judged about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from policy_lint.catalog.arns import Arn, patterns_intersect, policy_tokens, split_arn, template_tokens
from policy_lint.catalog.defaults import default_resource_types


@dataclass(frozen=True)
class ArnFormat:
    """One resource type's ARN template, split into the parts an ARN is judged by."""

    resource_type: str
    template: str
    region: str  # "" (the service's ARNs have no region) or a variable such as ${Region}
    account: str  # "", a variable such as ${Account}, or a literal such as "aws"
    resource: str

    @property
    def has_region(self) -> bool:
        return self.region != ""

    @property
    def has_account(self) -> bool:
        return self.account != ""


@lru_cache(maxsize=512)
def arn_formats(service: str) -> tuple[ArnFormat, ...]:
    """The ARN formats of the service an ARN names (exact, lower-case prefix); empty when unknown."""
    found = []
    for resource_type in default_resource_types().of_service(service).values():
        parts = split_arn(resource_type.arn)
        if len(parts) < 6 or parts[2] != service:
            continue
        found.append(
            ArnFormat(resource_type.name, resource_type.arn, parts[3], parts[4], ":".join(parts[5:]))
        )
    return tuple(found)


def formats_for(arn: Arn) -> tuple[ArnFormat, ...]:
    """The formats whose resource part the ARN's resource part can match (wildcards match whenever they could)."""
    return _formats_for(arn.service, arn.resource)


@lru_cache(maxsize=8192)
def _formats_for(service: str, resource: str) -> tuple[ArnFormat, ...]:
    tokens = policy_tokens(resource)
    head, tail = _literal_ends(resource, ("*", "?", "${"))
    return tuple(
        f
        for f, f_head, f_tail, f_tokens in _candidates(service, head[:1])
        if _ends_agree(head, tail, f_head, f_tail) and patterns_intersect(tokens, f_tokens)
    )


#: A format with what matching reads of it: its literal head and tail (lower case) and its tokens.
_Entry = tuple[ArnFormat, str, str, tuple[str, ...]]


@lru_cache(maxsize=4096)
def _candidates(service: str, first: str) -> tuple[_Entry, ...]:
    """The service's formats a resource whose literal head starts with ``first`` can fit (all of them
    when ``first`` is empty): those whose head starts with it too, or that have no head (they start
    with a variable). The heads are compared in full by :func:`_ends_agree`; this only skips, once per
    service and character, the formats that cannot agree. The service's order is kept."""
    return tuple(
        entry for entry in _format_table(service) if not first or not entry[1] or entry[1][0] == first
    )


@lru_cache(maxsize=512)
def _format_table(service: str) -> tuple[_Entry, ...]:
    return tuple(
        (f, *_literal_ends(f.resource, ("${",)), template_tokens(f.resource)) for f in arn_formats(service)
    )


@lru_cache(maxsize=16384)
def _literal_ends(text: str, wildcards: tuple[str, ...]) -> tuple[str, str]:
    """The lower-cased text before the first wildcard and after the last one (the whole text when none)."""
    found = [i for i in (text.find(w) for w in wildcards) if i >= 0]
    if not found:
        return text.lower(), text.lower()
    last = max(text.rfind(w) + len(w) for w in wildcards if w in text)
    if "${" in wildcards:
        last = max(last, text.find("}", text.rfind("${")) + 1)
    return text[: min(found)].lower(), text[last:].lower()


def _ends_agree(head: str, tail: str, other_head: str, other_tail: str) -> bool:
    """A cheap necessary condition for two patterns to intersect: their literal heads agree as far as both
    go, and so do their literal tails (most of a service's templates fail it: ``table/`` against ``stream/``)."""
    n = min(len(head), len(other_head))
    m = min(len(tail), len(other_tail))
    return head[:n] == other_head[:n] and (m == 0 or tail[-m:] == other_tail[-m:])
