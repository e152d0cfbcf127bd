"""PL313-PL317: network conditions (source IP ranges, VPC and VPC endpoint IDs) that do not work.

aws:SourceIp only ever holds a public address (AWS-SOURCEIP-PUBLIC), VPC IDs have a fixed
shape (AWS-VPC-ID-FORMAT), and aws:VpcSourceIp alone names an address in any VPC
(AWS-VPCSOURCEIP-PAIRED).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import lru_cache

from policy_lint.catalog.conditions import OperatorFamily, parse_operator
from policy_lint.checks.policy import aws_docs
from policy_lint.checks.policy.conditions import parsed_entries, unique_entries
from policy_lint.core.findings import Level
from policy_lint.lint.context import LintContext
from policy_lint.policy.model import ConditionEntry, PolicyDocument, Statement
from policy_lint.policy.placeholders import has_placeholder
from policy_lint.rules.registry import Report, RuleGroup
from policy_lint.syntax.nodes import ScalarNode

RULES = RuleGroup()
policy_rule = RULES.policy_rule

#: RFC 1918 and IPv6 unique local addresses: never the public address aws:SourceIp holds.
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
#: 'vpc-' / 'vpce-' and 8 or 17 letters or digits (AWS-VPC-ID-FORMAT).
_ID_FORMATS = {
    "aws:sourcevpc": ("vpc", re.compile(r"^vpc-(?:[A-Za-z0-9]{8}|[A-Za-z0-9]{17})$")),
    "aws:sourcevpce": ("vpce", re.compile(r"^vpce-(?:[A-Za-z0-9]{8}|[A-Za-z0-9]{17})$")),
}
_PAIRED_WITH = ("aws:sourcevpc", "aws:sourcevpce")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4096)
def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None  # PL304 reports what is not an address


def _is_private(network: Network) -> bool:
    return any(network.version == p.version and network.subnet_of(p) for p in _PRIVATE)  # type: ignore[arg-type]


def _source_ip_ranges(
    stmt: Statement,
) -> Iterator[tuple[ConditionEntry, str, list[tuple[ScalarNode, Network]]]]:
    """aws:SourceIp entries under IpAddress / NotIpAddress, with their parseable ranges."""
    for entry in unique_entries(stmt):
        if str(entry.key.value).lower() != "aws:sourceip":
            continue
        operator = parse_operator(str(entry.operator.value))
        if operator is None or operator.family is not OperatorFamily.IP_ADDRESS:
            continue
        ranges = [
            (v, n)
            for v in entry.values
            if isinstance(v, ScalarNode) and isinstance(v.value, str) and (n := _network(v.value)) is not None
        ]
        if ranges and len(ranges) == len(entry.values):
            yield entry, operator.base, ranges


@policy_rule(
    id="PL313",
    name="private-source-ip",
    level=Level.ERROR,
    title="aws:SourceIp compared with private addresses only",
    rationale="aws:SourceIp holds the public address a request comes from; a request from a private address "
    "arrives through a VPC endpoint, where aws:SourceIp is absent (AWS-SOURCEIP-PUBLIC). With "
    "only private ranges, IpAddress never matches and NotIpAddress always does: the condition is dead. IAM "
    "Access Analyzer reports both as errors (Private IP address, Private NotIpAddress).",
    remediation="Use aws:VpcSourceIp (with aws:SourceVpc) for private addresses, or list public ranges.",
    references=(aws_docs.GLOBAL_CONDITION_KEYS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Private IP address", "Private NotIpAddress"),
)
def private_source_ip(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for entry, base, ranges in _source_ip_ranges(stmt):
            if all(_is_private(n) for _, n in ranges):
                outcome = "never matches" if base == "IpAddress" else "matches every request"
                yield Report(
                    entry.key,
                    f"{base} on aws:SourceIp lists only private ranges: it {outcome}",
                    "use aws:VpcSourceIp for addresses inside a VPC",
                )


@policy_rule(
    id="PL314",
    name="private-source-ip-subset",
    level=Level.SUGGESTION,
    title="aws:SourceIp lists private ranges next to public ones",
    rationale="The private ranges in an aws:SourceIp condition never match (AWS-SOURCEIP-PUBLIC): they do "
    "nothing, and suggest the author expected them to. IAM Access Analyzer suggests moving them to "
    "aws:VpcSourceIp.",
    remediation="Remove the private ranges, or test them with aws:VpcSourceIp in their own statement.",
    references=(aws_docs.GLOBAL_CONDITION_KEYS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Private IP address subset", "Private NotIpAddress subset"),
)
def private_source_ip_subset(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        for _entry, base, ranges in _source_ip_ranges(stmt):
            private = [(v, n) for v, n in ranges if _is_private(n)]
            if private and len(private) < len(ranges):
                for value, _ in private:
                    yield Report(
                        value,
                        f"{value.value} is private: aws:SourceIp never holds it, so it does nothing in {base}",
                        "use aws:VpcSourceIp for addresses inside a VPC",
                    )


@policy_rule(
    id="PL315",
    name="ip-range-host-bits",
    level=Level.SUGGESTION,
    title="An IP range with bits set after its prefix length",
    rationale="In 203.0.113.5/24 the bits after the first 24 are ignored: IAM matches 203.0.113.0/24 "
    "(AWS-IP-RANGE-HOST-BITS). Writing the range the way it is read avoids surprises. IAM Access Analyzer "
    "suggests the same (Improve IP range).",
    remediation="Write the network address, as the hint shows.",
    references=(aws_docs.CONDITION_OPERATORS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Improve IP range",),
)
def ip_range_host_bits(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        if operator.family is not OperatorFamily.IP_ADDRESS:
            continue
        for value in entry.values:
            if (
                not isinstance(value, ScalarNode)
                or not isinstance(value.value, str)
                or "/" not in value.value
            ):
                continue
            network = _network(value.value)
            if network is not None and str(network) != _canonical(value.value):
                yield Report(
                    value,
                    f"{value.value}: the bits after /{network.prefixlen} are ignored",
                    f"write {network}",
                )


def _canonical(text: str) -> str:
    """The range as ``ipaddress`` prints it when the host bits are zero (IPv6 compressed, lower case)."""
    try:
        return str(ipaddress.ip_network(text.strip(), strict=True))
    except ValueError:
        return ""


@policy_rule(
    id="PL316",
    name="invalid-vpc-id",
    level=Level.ERROR,
    title="aws:SourceVpc / aws:SourceVpce compared with something that is not a VPC or endpoint ID",
    rationale="VPC IDs are vpc- and VPC endpoint IDs vpce- followed by 8 or 17 letters or digits "
    "(AWS-VPC-ID-FORMAT). Any other value (a name, an ARN, a CIDR, vpc- for an endpoint) never equals the "
    "key, so the condition never matches, or with a negated operator always does. IAM Access Analyzer reports "
    "both as errors (Invalid vpc format, Invalid vpce format).",
    remediation="Use the ID itself: vpc-0123456789abcdef0 or vpce-0123456789abcdef0.",
    references=(aws_docs.GLOBAL_CONDITION_KEYS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Invalid vpc format", "Invalid vpce format"),
)
def invalid_vpc_id(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for entry, operator in parsed_entries(doc):
        shape = _ID_FORMATS.get(str(entry.key.value).lower())
        if shape is None or operator.family is not OperatorFamily.STRING:
            continue
        prefix, pattern = shape
        for value in entry.values:
            if not isinstance(value, ScalarNode) or not isinstance(value.value, str):
                continue
            text = value.value
            if any(mark in text for mark in ("*", "?", "${")) or pattern.match(text) or has_placeholder(text):
                continue  # patterns, variables and placeholders (PL501's) are not IDs to check
            yield Report(
                value,
                f"{text!r} is not a {prefix.upper()} ID ({prefix}- and 8 or 17 letters or digits)",
                f"write the ID, e.g. {prefix}-0123456789abcdef0",
            )


@policy_rule(
    id="PL317",
    name="missing-paired-condition-key",
    level=Level.SECURITY_WARNING,
    title="aws:VpcSourceIp in an Allow without aws:SourceVpc or aws:SourceVpce",
    rationale="aws:VpcSourceIp is a private address, and the same private range exists in every VPC, "
    "including other accounts' (AWS-VPCSOURCEIP-PAIRED): alone it lets in a request from any VPC endpoint "
    "whose VPC uses that range. IAM Access Analyzer reports it as a security warning (Missing paired "
    "condition keys). A Deny is not reported: more keys would only make it deny less.",
    remediation="Add aws:SourceVpc (or aws:SourceVpce) with your VPC's ID to the same Condition.",
    references=(aws_docs.GLOBAL_CONDITION_KEYS, aws_docs.ACCESS_ANALYZER_CHECKS),
    access_analyzer=("Missing paired condition keys",),
)
def missing_paired_condition_key(doc: PolicyDocument, ctx: LintContext) -> Iterator[Report]:
    for stmt in doc.statements:
        if not stmt.is_allow:
            continue
        keys = {str(entry.key.value).lower() for entry in stmt.conditions}
        if "aws:vpcsourceip" not in keys or keys.intersection(_PAIRED_WITH):
            continue
        for entry in unique_entries(stmt):
            if str(entry.key.value).lower() == "aws:vpcsourceip":
                yield Report(
                    entry.key,
                    "aws:VpcSourceIp without aws:SourceVpc or aws:SourceVpce matches that range in any VPC",
                    "add aws:SourceVpc with your VPC ID to the same Condition",
                )
