"""Typed resources with their origin; a value a source could not learn is :class:`Unknown`.

Checks read these dataclasses and never ask which source built them. A source
that cannot know a value (a Terraform attribute computed at apply time, an
AccessDenied from AWS) stores ``Unknown(reason)``, never a default that would
happen to pass: a check that meets an Unknown reports *unknown* with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from policy_lint.core.findings import Finding, Location
from policy_lint.core.unknown import Maybe as Maybe  # defined apart, used everywhere through here
from policy_lint.core.unknown import Unknown as Unknown
from policy_lint.onboarding.config import OnboardingConfig


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def first_unknown(obj: object) -> Unknown | None:
    """The first Unknown nested in a value such as a policy document (dicts, lists, tuples), if any."""
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, list | tuple):
        for item in obj:
            found = first_unknown(item)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class RegionScope:
    """What decides the region of every resource that shares it, even when no input says which
    region that is: one CloudFormation template (one stack, one region), one Terraform provider
    configuration. Two resources with the same ``key`` are in one region."""

    key: str
    #: how a message says that two resources share it, after "both "
    #: ("in the same CloudFormation template, so in the stack's region")
    shared: str


@dataclass(frozen=True)
class Origin:
    """Where a resource came from: a file position for planned input, an ARN and region for live input.

    The source also records what the rules need to link resources without asking which source
    built them (:mod:`policy_lint.inventory.references`, :mod:`policy_lint.inventory.regions`).
    """

    source: str  # terraform | terraform-plan | cloudformation | live (for people; rules never read it)
    address: str  # aws_cloudtrail.audit, a CloudFormation logical ID, or an ARN
    path: str | None = None
    line: int | None = None
    col: int | None = None
    region: str | None = None
    #: Where a ``${...}`` reference in this resource's values means one thing: one CloudFormation
    #: template (``${Queue.Arn}``, ``${AWS::Region}`` are template-local), one Terraform root module
    #: (addresses are unique only within one root). None: the source writes no references, so
    #: ``${...}`` in its values is literal text (live input).
    symbol_scope: str | None = field(default=None, kw_only=True)
    #: What decides the region of this resource together with others (None: nothing shared).
    region_scope: RegionScope | None = field(default=None, kw_only=True)
    #: Read from the account itself (live): what exists, not what code declares. A declared
    #: resource may get parts created outside the code (an access key made with the CLI).
    observed: bool = field(default=False, kw_only=True)
    #: The Terraform root module this resource belongs to, when the input holds several (or one
    #: below the checked folder): its path, which qualifies the address for people
    #: (:attr:`qualified`). ``address`` stays as the source wrote it, because references
    #: (``${module.x.aws_s3_bucket.this[0].arn}``) are written with it within one root.
    root: str | None = field(default=None, kw_only=True)

    @property
    def qualified(self) -> str:
        """The address that names this resource uniquely in a report:
        ``examples/complete: module.s3_bucket.aws_s3_bucket.this[0]`` (bare without a root)."""
        return f"{self.root}: {self.address}" if self.root else self.address

    @property
    def location(self) -> Location | None:
        if self.path is None:
            return None
        return Location(self.path, self.line or 1, self.col or 1)


@dataclass
class Resource:
    """Common fields; ``attribute_origins`` points individual attributes at their own lines."""

    origin: Origin
    attribute_origins: dict[str, Origin] = field(default_factory=dict, kw_only=True)

    def origin_of(self, attribute: str) -> Origin:
        return self.attribute_origins.get(attribute, self.origin)


@dataclass
class PolicyRef:
    """A policy attached to (or inline in) a principal: by ARN or name, with the document when known."""

    name: str
    arn: Maybe[str] | None = None
    document: Maybe[dict[str, Any]] | None = None
    inline: bool = False
    #: where the document is written (an inline policy's own resource or block), when known
    location: Location | None = field(default=None, compare=False)
    #: who wrote the document when the input only names it (an AWS SAM policy template): its
    #: statements' weaknesses are that author's, accepted like the vendor reference's
    written_by: str | None = None


@dataclass
class AccessKey:
    """An access key's metadata; the ID is stored redacted (last 4 characters) only."""

    key_id_suffix: str
    status: Maybe[str]  # Active | Inactive
    created: Maybe[str] | None = field(default_factory=lambda: Unknown("not known before the key exists"))
    #: ISO timestamp of the last use; None means never used (live only: planned input cannot know)
    last_used: Maybe[str | None] = field(default_factory=lambda: Unknown("not known before the key exists"))


@dataclass
class Account(Resource):
    account_id: Maybe[str]
    partition: Maybe[str]
    root_access_keys_present: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    root_mfa_enabled: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    password_policy: Maybe[dict[str, Any] | None] = field(default_factory=lambda: Unknown("not collected"))
    #: from the credential report row ``<root_account>``: is any root key *active* (AWS-ROOT-KEY)?
    root_access_key_active: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    #: account-level S3 Block Public Access (s3control GetPublicAccessBlock), None when not configured
    s3_public_access_block: Maybe[dict[str, bool] | None] = field(
        default_factory=lambda: Unknown("not collected")
    )


@dataclass
class IamUser(Resource):
    name: Maybe[str]
    arn: Maybe[str] | None = None
    #: the IAM path as written (None: not written, AWS's "/"); with the name it spells a planned ARN
    #: whose account is known only at apply (:mod:`policy_lint.inventory.declared_arns`)
    iam_path: Maybe[str] | None = None
    has_login_profile: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    access_keys: Maybe[list[AccessKey]] = field(default_factory=lambda: Unknown("not collected"))
    attached_policies: Maybe[list[PolicyRef]] = field(default_factory=list)
    inline_policies: Maybe[list[PolicyRef]] = field(default_factory=list)
    groups: Maybe[list[str]] = field(default_factory=list)
    permissions_boundary: Maybe[str | None] = None
    created: Maybe[str | None] = None
    mfa_enabled: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    #: ISO timestamp of the last console sign-in, None when never used
    password_last_used: Maybe[str | None] = field(default_factory=lambda: Unknown("not collected"))


@dataclass
class IamGroup(Resource):
    name: Maybe[str]
    attached_policies: Maybe[list[PolicyRef]] = field(default_factory=list)
    inline_policies: Maybe[list[PolicyRef]] = field(default_factory=list)


@dataclass
class IamRole(Resource):
    """A role: who may assume it (its trust policy) and what it may do (its policies)."""

    name: Maybe[str]
    arn: Maybe[str] | None = None
    #: the IAM path as written (None: not written, AWS's "/"); with the name it spells a planned ARN
    #: whose account is known only at apply (:mod:`policy_lint.inventory.declared_arns`)
    iam_path: Maybe[str] | None = None
    trust_policy: Maybe[dict[str, Any] | None] = None
    attached_policies: Maybe[list[PolicyRef]] = field(default_factory=list)
    inline_policies: Maybe[list[PolicyRef]] = field(default_factory=list)
    permissions_boundary: Maybe[str | None] = None


@dataclass
class IamPolicy(Resource):
    """A customer managed policy (AWS managed ones come from the bundled snapshot)."""

    name: Maybe[str]
    arn: Maybe[str] | None = None
    #: the IAM path as written (None: not written, AWS's "/"); with the name it spells a planned ARN
    #: whose account is known only at apply (:mod:`policy_lint.inventory.declared_arns`)
    iam_path: Maybe[str] | None = None
    document: Maybe[dict[str, Any]] | None = None


#: AWS Organizations policy types written in IAM's policy language, and the lint policy type of each
ORGANIZATION_POLICY_TYPES = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}


@dataclass
class OrganizationPolicy(Resource):
    """An AWS Organizations policy as declared (``aws_organizations_policy``,
    ``AWS::Organizations::Policy``): only its document is linted, as an SCP or an RCP by its type
    (see ORGANIZATION_POLICY_TYPES; tag, backup and other policy types are not IAM policies)."""

    name: Maybe[str]
    #: SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY ...
    type: Maybe[str]
    document: Maybe[dict[str, Any] | None] = None


@dataclass
class EventSelectorSummary:
    """Management events as recorded by basic or advanced selectors (AWS-EVENT-SELECTORS).

    ``management_read``/``management_write``: every read (write) management event is recorded,
    apart from ``excluded_sources`` (kms/rdsdata, the only sources a trail may leave out);
    ``False`` when a selector or filter provably leaves some out. Built by
    :func:`policy_lint.inventory.cloudtrail.summarize` only.
    """

    management_read: Maybe[bool]
    management_write: Maybe[bool]
    excluded_sources: tuple[str, ...] = ()
    kind: str = "default"  # default | basic | advanced
    #: eventSource/eventName filters beyond those exclusions, as written (for messages)
    filters: tuple[str, ...] = ()


@dataclass
class Trail(Resource):
    name: Maybe[str]
    arn: Maybe[str] | None = None
    home_region: Maybe[str] | None = None
    multi_region: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    logging: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    bucket: Maybe[str] | None = None
    s3_key_prefix: Maybe[str | None] = None
    kms_key_id: Maybe[str | None] = None
    log_file_validation: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    include_global_events: Maybe[bool] = field(default_factory=lambda: Unknown("not collected"))
    events: Maybe[EventSelectorSummary] = field(default_factory=lambda: Unknown("not collected"))
    #: GetTrailStatus ``LatestDeliveryError``: the last S3 error delivering log files (None: none).
    #: Live only: planned input cannot declare one (AWS-TRAIL-DELIVERY).
    delivery_error: Maybe[str | None] = None
    #: GetTrailStatus ``LatestNotificationError``: the last SNS error of the trail's notifications
    notification_error: Maybe[str | None] = None


@dataclass
class QueueNotification:
    """One S3 -> SQS notification entry."""

    queue_arn: Maybe[str]
    events: Maybe[tuple[str, ...]]
    prefix: Maybe[str | None] = None
    suffix: Maybe[str | None] = None
    origin: Origin | None = None


@dataclass
class Bucket(Resource):
    name: Maybe[str]
    region: Maybe[str] | None = None
    #: ``AES256``, ``aws:kms``, ``aws:kms:dsse``; no configuration means SSE-S3 (AES256) by default (AWS-S3-DEFAULT-SSE).
    encryption: Maybe[str] = "AES256"
    kms_key_id: Maybe[str | None] = None
    notifications: Maybe[list[QueueNotification]] = field(default_factory=list)
    eventbridge: Maybe[bool] = False
    public_access_block: Maybe[dict[str, bool] | None] = None
    policy: Maybe[dict[str, Any] | None] = None
    owner_account: Maybe[str] | None = None
    #: ``arn:<partition>:s3:::<name>``; symbolic (``arn:${AWS::Partition}:s3:::b``) when the partition is not known
    arn: Maybe[str] | None = None


@dataclass
class Queue(Resource):
    name: Maybe[str]
    arn: Maybe[str] | None = None
    region: Maybe[str] | None = None
    fifo: Maybe[bool] = False
    policy: Maybe[dict[str, Any] | None] = None
    kms_key_id: Maybe[str | None] = None
    sqs_managed_sse: Maybe[bool] = False
    #: Live only (None in planned input): the attribute ``ApproximateNumberOfMessages``, messages
    #: waiting to be received (AWS-SQS-QUEUE-AGE)
    waiting_messages: Maybe[int | None] = None
    #: Live only: the CloudWatch metric ``ApproximateAgeOfOldestMessage`` in seconds, the latest
    #: datapoint of the last hour (None: not read because nothing waits, or no datapoint)
    oldest_message_age: Maybe[float | None] = None


@dataclass
class RestApi(Resource):
    """An API Gateway REST API, for its resource policy (``execute-api:Invoke`` and who may call)."""

    name: Maybe[str]
    policy: Maybe[dict[str, Any] | None] = None


@dataclass
class IngressRule:
    """One inbound permission of a security group, flattened to one port range."""

    protocol: str  # "-1" for all, "tcp", "udp", "icmp", or a number
    from_port: int | None
    to_port: int | None
    ipv4_ranges: tuple[str, ...] = ()
    ipv6_ranges: tuple[str, ...] = ()
    origin: Origin | None = None


@dataclass
class SecurityGroup(Resource):
    group_id: Maybe[str]
    name: Maybe[str] | None = None
    region: Maybe[str] | None = None
    vpc_id: Maybe[str | None] = None
    ingress: Maybe[list[IngressRule]] = field(default_factory=list)
    #: why rules other than ``ingress`` may exist (a group outside the input, known only through a
    #: rule that targets it): its rules can show an open port, never that none is open
    other_rules_unknown: str | None = None


#: Sources that describe no infrastructure (onboarding.yaml, a policy file).
CONFIGURATION_SOURCES = frozenset({"config", "policy-file"})
#: The source that lists an account's resources (and records which kinds it listed completely).
LIVE_SOURCE = "live"


@dataclass
class Inventory:
    """Everything the checks may look at, from any mix of sources."""

    config: OnboardingConfig | None = None
    accounts: list[Account] = field(default_factory=list)
    users: list[IamUser] = field(default_factory=list)
    groups: list[IamGroup] = field(default_factory=list)
    roles: list[IamRole] = field(default_factory=list)
    policies: list[IamPolicy] = field(default_factory=list)
    organization_policies: list[OrganizationPolicy] = field(default_factory=list)
    trails: list[Trail] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    rest_apis: list[RestApi] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: inputs a source could not read (parse errors, unsupported formats), as located findings
    problems: list[Finding] = field(default_factory=list)
    #: live mode: API calls that failed, e.g. {"iam:GetAccountSummary": "AccessDenied ..."}
    collection_errors: dict[str, str] = field(default_factory=dict)
    #: live: the collected regions the account has not enabled, with their ``RegionOptStatus``
    #: (account:ListRegions, AWS-OPT-IN-REGIONS); nothing in them was read
    disabled_regions: dict[str, str] = field(default_factory=dict)
    #: kinds listed exhaustively ("users", "roles", "queues", "trails", "security_groups": live mode), so a
    #: missing resource of such a kind is absent, not merely outside the input's scope
    complete: set[str] = field(default_factory=set)
    #: planned input: the user declared that the input describes the whole account (``check
    #: --account-scope`` or ``account-scope: true``), so what it does not declare does not exist
    #: (:mod:`policy_lint.inventory.account_scope`)
    account_scope: bool = False

    def describes_infrastructure(self) -> bool:
        """Did any input describe infrastructure? A configuration alone makes no claim about it."""
        if any(source not in CONFIGURATION_SOURCES for source in self.sources):
            return True
        return bool(
            self.users
            or self.groups
            or self.roles
            or self.policies
            or self.organization_policies
            or self.trails
            or self.buckets
            or self.queues
        )

    def extend(self, part: Inventory, *, sources: bool = True) -> None:
        """Add what another load built (one source, one group of folders, read apart and perhaps
        in another process) after what is already here: resources, problems and, with
        ``sources``, the source names; one pass in that order would have built the same lists."""
        for item in fields(Inventory):
            value = getattr(part, item.name)
            if isinstance(value, list) and (sources or item.name != "sources"):
                getattr(self, item.name).extend(value)

    def observed(self) -> bool:
        """Was the infrastructure read from an account (live), not from code that declares it?
        Messages then say what is "found in the account", never what is "declared"."""
        return LIVE_SOURCE in self.sources

    def listing_gap(self, kind: str) -> str | None:
        """Why a live account's ``kind`` ("users", "trails", "queues") may lack a resource that
        exists: a listing call was refused, failed or ran out of time, so a name missing from it is
        unknown, not absent. None when the listing is complete or no account was listed."""
        if LIVE_SOURCE not in self.sources or kind in self.complete:
            return None
        return f"the live account's {kind} could not all be listed (see collection_errors)"
