"""Map evaluated ``aws_*`` resources to inventory objects: one place for HCL and plan JSON.

Both Terraform sources hand this module the same thing: a :class:`ResourceData` per resource
instance, whose ``values`` are the resource's arguments as Terraform's plan JSON shows them
(nested blocks as lists of objects) and where a value not fixed by the input is an
:class:`~policy_lint.sources.terraform.evaluator.Unresolved` (its symbol and reason). This module applies
the AWS defaults, turns unresolved values into ``Unknown`` (or into their symbol where the value
is a reference a rule links by equality) and folds attachments into the resource they target.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.findings import Finding
from policy_lint.core.unknown import Malformed
from policy_lint.inventory.cloudtrail import (
    OPERATORS,
    AdvancedSelector,
    BasicSelector,
    EventSelectors,
    FieldSelector,
    summarize,
)
from policy_lint.inventory.incomplete import mark_incomplete
from policy_lint.inventory.model import (
    AccessKey,
    Account,
    Bucket,
    IamGroup,
    IamPolicy,
    IamRole,
    IamUser,
    IngressRule,
    Inventory,
    Maybe,
    OrganizationPolicy,
    Origin,
    PolicyRef,
    Queue,
    QueueNotification,
    RegionScope,
    Resource,
    SecurityGroup,
    Trail,
    Unknown,
)
from policy_lint.sources import problems
from policy_lint.sources.terraform.values import (
    MAX_DOCUMENT_DEPTH,
    Unresolved,
    first_reason,
    has_unresolved,
)
from policy_lint.syntax.json_parser import NestingTooDeep, loads
from policy_lint.syntax.numbers import as_int

#: resource types this module maps (others are ignored: the inventory has no place for them)
MAPPED_TYPES = frozenset(
    {
        "aws_iam_user",
        "aws_iam_user_login_profile",
        "aws_iam_access_key",
        "aws_iam_user_policy",
        "aws_iam_user_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_group",
        "aws_iam_group_membership",
        "aws_iam_user_group_membership",
        "aws_iam_group_policy",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_account_password_policy",
        "aws_organizations_policy",
        "aws_cloudtrail",
        "aws_s3_bucket",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_notification",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_policy",
        "aws_s3_account_public_access_block",
        "aws_sqs_queue",
        "aws_sqs_queue_policy",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    }
)


def root_scope(directory: str) -> str:
    """The symbol scope (``Origin.symbol_scope``) of the Terraform root module in ``directory``:
    addresses, and so ``${...}`` references, are unique only within one root. The .tf files and
    the plan JSON of one folder share it."""
    return "terraform root " + posixpath.normpath(directory.replace(os.sep, "/"))


def provider_scope(key: str, region: Maybe[str] | None) -> RegionScope:
    """The region scope of the resources one provider configuration (``key``) creates: they share
    its region, known or not (the reason names the provider)."""
    why = f" ({region.reason})" if isinstance(region, Unknown) else ""
    return RegionScope(key, f"use the same provider configuration{why}")


@dataclass
class ResourceData:
    """One resource instance as a source evaluated it."""

    type: str
    address: str  # aws_sqs_queue.q, module.m.aws_sqs_queue.q["a"]
    values: dict[str, Any]
    origin: Origin
    attr_origins: dict[str, Origin] = field(default_factory=dict)
    region: Maybe[str] | None = None
    account_id: Maybe[str] | None = None
    #: extra strings other resources may use to name this one (a literal queue URL from a plan)
    aliases: tuple[str, ...] = ()
    #: why the resource exists already (a plan's ``no-op``/``update``, a state file), else None:
    #: AWS's defaults for new resources (AWS-S3-BPA-DEFAULT, AWS-SQS-SSE-DEFAULT) do not tell its settings
    exists_already: str | None = None
    #: top-level attributes a plan marks "known after apply" that the configuration does not set
    #: on a resource the plan creates (PLAN-UNSET-COMPUTED): the provider or AWS picks them, and
    #: the mapper decides per attribute whether that choice is a documented default
    unset_computed: frozenset[str] = frozenset()

    @property
    def partition(self) -> Maybe[str]:
        """The partition of the resource's region (Unknown when the region is not known)."""
        return arn_builder.partition_of(self.region)

    def origin_of(self, attribute: str) -> Origin:
        return self.attr_origins.get(attribute, self.origin)

    def symbol(self, attribute: str) -> str:
        return "${" + f"{self.address}.{attribute}" + "}"


# --------------------------------------------------------------------------------------------
# Value conversion
# --------------------------------------------------------------------------------------------


def _queue_sse(rd: ResourceData, sse: Any, kms: Any) -> Maybe[bool]:
    """SSE-SQS as declared; unset, AWS's default for a new queue without a KMS key
    (AWS-SQS-SSE-DEFAULT), which says nothing about a queue that exists already."""
    if sse is None and kms in (None, "") and rd.exists_already:
        return Unknown(
            f"the queue exists already ({rd.exists_already}) and the input does not state "
            "sqs_managed_sse_enabled; AWS's SSE-SQS default applies only to new queues (AWS-SQS-SSE-DEFAULT)"
        )
    return literal_bool(sse, kms in (None, ""))


def ref_text(value: Any) -> Maybe[str] | None:
    """A string that rules compare by equality: an unresolved value keeps its symbol."""
    if value is None:
        return None
    if isinstance(value, Unresolved):
        return value.symbol
    if isinstance(value, (dict, list)):
        return Unknown("expected a string, found a collection")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def literal_text(value: Any, default: str | None = None) -> Maybe[str | None]:
    """A string whose value a rule judges (an algorithm, a status): unresolved means Unknown."""
    if value is None:
        return default
    if isinstance(value, Unresolved):
        return Unknown(value.reason)
    if isinstance(value, (dict, list)):
        return Unknown("expected a string, found a collection")
    return str(value)


def _kind(value: Any) -> str:
    """What a wrong-typed value is, never the value: it may be a file's content (file(),
    templatefile()), and a file may hold a secret that must not reach a report."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "an object" if isinstance(value, dict) else f"a {type(value).__name__}"


def literal_bool(value: Any, default: bool) -> Maybe[bool]:
    if value is None:
        return default
    if isinstance(value, Unresolved):
        return Unknown(value.reason)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return Unknown(f"expected a boolean, found {_kind(value)}")


def literal_int(value: Any) -> Maybe[int] | None:
    if value is None:
        return None
    if isinstance(value, Unresolved):
        return Unknown(value.reason)
    number = as_int(value)
    return Unknown(f"expected a number, found {_kind(value)}") if number is None else number


def text_list(value: Any) -> Maybe[list[str]]:
    """A list of strings (events, user names); unresolved items keep their symbols."""
    if value is None:
        return []
    if isinstance(value, Unresolved):
        return Unknown(value.reason)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        return Unknown("expected a list")
    out: list[str] = []
    for item in value:
        text = ref_text(item)
        if text is None:
            continue
        if isinstance(text, Unknown):
            return text
        out.append(text)
    return out


def document(value: Any) -> Maybe[dict[str, Any] | None]:
    """A policy document as IAM stores it, from the JSON string every policy argument of the AWS
    provider takes. Any other known value is the input's own fault, never dropped in silence: an
    object or a list (``policy = {...}`` without jsonencode(), or a JSON object in a ``.tf.json``)
    is a type error Terraform stops at ("string required", PLAN-STRING-ARGUMENT), and a number or a
    boolean converts to text that is no policy, which the provider refuses."""
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        return Malformed(
            f"policy is {_kind(value)}, not a string: Terraform refuses it (string required); "
            "write the document as jsonencode({...}) or a JSON string"
        )
    if isinstance(value, (bool, int, float)):
        return Malformed(f"policy is {_kind(value)}, not a JSON policy document")
    text = value.symbol if isinstance(value, Unresolved) else value
    if not isinstance(text, str):
        return Unknown("policy is not a JSON document")
    try:
        parsed = loads(text, max_depth=MAX_DOCUMENT_DEPTH)  # rules walk documents recursively
    except NestingTooDeep:  # thousands of nested brackets in a heredoc
        return Unknown(f"policy JSON is nested deeper than {MAX_DOCUMENT_DEPTH} levels")
    except ValueError as exc:
        if isinstance(value, Unresolved):
            return Unknown(value.reason)
        return Malformed(f"policy is not valid JSON: {exc}")
    if not isinstance(parsed, dict):
        not_object = "policy JSON is not an object"
        return Malformed(not_object) if isinstance(value, str) else Unknown(not_object)
    return mark_incomplete(parsed)


def blocks(value: Any) -> Maybe[list[dict[str, Any]]]:
    """A nested block list (``event_selector``, ``queue``): Unknown when it could not be expanded."""
    if value is None:
        return []
    if isinstance(value, Unresolved):
        return Unknown(value.reason)
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        return Unknown("expected nested blocks")
    if any(isinstance(item, Unresolved) for item in value):
        return Unknown(first_reason(value))
    return [item for item in value if isinstance(item, dict)]


#: How Terraform code names the partition it is applied in (``data "aws_partition" "current"``):
#: the text an ARN carries where the partition is not known, so that a bucket ARN written
#: ``arn:${data.aws_partition.current.partition}:s3:::${aws_s3_bucket.b.id}`` links to the bucket.
PARTITION_SYMBOL = "${data.aws_partition.current.partition}"


def partition_text(partition: Maybe[str] | None) -> str:
    """The partition as an ARN built from Terraform values spells it: literal, else its symbol."""
    return partition if isinstance(partition, str) else PARTITION_SYMBOL


# --------------------------------------------------------------------------------------------
# The mapper
# --------------------------------------------------------------------------------------------


_PAB_KEYS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class Mapper:
    """Builds inventory objects from resource instances, then folds attachments into them."""

    def __init__(self, inventory: Inventory, source: str, account_id: str | None):
        self.inventory = inventory
        self.source = source
        self.account_id = account_id
        self.index: dict[str, dict[str, Resource]] = {}
        self.account: Account | None = None
        self.managed: dict[str, PolicyRef] = {}
        #: groups (by id()) whose computed ingress is exactly their standalone rules once one
        #: targets them (AWS-SG-STANDALONE-RULES)
        self.standalone_only: set[int] = set()

    # -- linking ---------------------------------------------------------------------------
    def _register(self, kind: str, resource: Resource, *keys: Any) -> None:
        table = self.index.setdefault(kind, {})
        for key in keys:
            if isinstance(key, str) and key:
                table.setdefault(key, resource)

    def find(self, kind: str, key: Any) -> Resource | None:
        text = ref_text(key)
        if not isinstance(text, str):
            return None
        table = self.index.get(kind, {})
        found = table.get(text)
        if found is None and kind == "queue" and text.startswith("https://"):
            found = table.get(text.rstrip("/").rsplit("/", 1)[-1])  # a literal queue URL ends with the name
        return found

    def _not_found(self, rd: ResourceData, what: str, key: Any) -> None:
        shown = ref_text(key)
        self.inventory.problems.append(
            _partial(
                f"{rd.address}: the {what} it targets ({shown if isinstance(shown, str) else 'unknown'}) "
                "is not declared in these files, so it is not folded into the inventory",
                rd.origin,
            )
        )

    # -- entry -----------------------------------------------------------------------------
    def build(self, resources: list[ResourceData]) -> None:
        primary: dict[str, Callable[[ResourceData], None]] = {
            "aws_iam_user": self._user,
            "aws_iam_group": self._group,
            "aws_iam_policy": self._policy,
            "aws_iam_role": self._role,
            "aws_organizations_policy": self._organization_policy,
            "aws_cloudtrail": self._trail,
            "aws_s3_bucket": self._bucket,
            "aws_sqs_queue": self._queue,
            "aws_security_group": self._security_group,
            "aws_iam_account_password_policy": self._password_policy,
            "aws_s3_account_public_access_block": self._account_pab,
        }
        secondary: dict[str, Callable[[ResourceData], None]] = {
            "aws_iam_user_login_profile": self._login_profile,
            "aws_iam_access_key": self._access_key,
            "aws_iam_user_policy": self._inline_policy,
            "aws_iam_group_policy": self._inline_policy,
            "aws_iam_role_policy": self._inline_policy,
            "aws_iam_user_policy_attachment": self._attachment,
            "aws_iam_group_policy_attachment": self._attachment,
            "aws_iam_role_policy_attachment": self._attachment,
            "aws_iam_policy_attachment": self._attachment,
            "aws_iam_group_membership": self._group_membership,
            "aws_iam_user_group_membership": self._user_groups,
            "aws_s3_bucket_server_side_encryption_configuration": self._bucket_encryption,
            "aws_s3_bucket_notification": self._bucket_notification,
            "aws_s3_bucket_public_access_block": self._bucket_pab,
            "aws_s3_bucket_policy": self._bucket_policy,
            "aws_sqs_queue_policy": self._queue_policy,
            "aws_security_group_rule": self._sg_rule,
            "aws_vpc_security_group_ingress_rule": self._sg_ingress_rule,
        }
        for handlers in (primary, secondary):
            for rd in resources:
                handler = handlers.get(rd.type)
                if handler is None:
                    continue
                try:
                    handler(rd)
                except (TypeError, ValueError, AttributeError) as exc:  # a value shape no mapper expects
                    self.inventory.problems.append(
                        _partial(f"{rd.address} ({rd.type}) could not be read: {exc}", rd.origin)
                    )

    # -- IAM -------------------------------------------------------------------------------
    @staticmethod
    def _iam_identity(rd: ResourceData, kind: str) -> tuple[Maybe[str] | None, Maybe[str], Any]:
        """A user's or role's name, ARN (planned: built from its name and path) and boundary value."""
        v = rd.values
        name = ref_text(v.get("name"))
        arn = v.get("arn") if isinstance(v.get("arn"), str) else None
        arn = arn or arn_builder.literal_or(
            arn_builder.iam_arn(rd.partition, rd.account_id, kind, name, ref_text(v.get("path"))),
            rd.symbol("arn"),
        )
        return name, arn, v.get("permissions_boundary")

    def _user(self, rd: ResourceData) -> None:
        name, arn, boundary = self._iam_identity(rd, "user")
        user = IamUser(
            rd.origin,
            name=name if name is not None else Unknown("user name not set"),
            arn=arn,
            iam_path=ref_text(rd.values.get("path")),
            has_login_profile=False,
            access_keys=[],
            permissions_boundary=ref_text(boundary) if boundary is not None else None,
            created=None,
            mfa_enabled=Unknown("MFA devices are not part of the Terraform configuration read"),
            password_last_used=Unknown("console sign-ins are only known live"),
            attribute_origins={
                "name": rd.origin_of("name"),
                "permissions_boundary": rd.origin_of("permissions_boundary"),
            },
        )
        self.inventory.users.append(user)
        self._register("user", user, name, arn, rd.symbol("name"), rd.symbol("id"), rd.symbol("arn"))

    def _group(self, rd: ResourceData) -> None:
        name = ref_text(rd.values.get("name"))
        group = IamGroup(rd.origin, name=name if name is not None else Unknown("group name not set"))
        self.inventory.groups.append(group)
        self._register("group", group, name, rd.symbol("name"), rd.symbol("id"), rd.symbol("arn"))

    def _policy(self, rd: ResourceData) -> None:
        v = rd.values
        name = ref_text(v.get("name")) or rd.symbol("name")
        arn = v.get("arn") if isinstance(v.get("arn"), str) else None
        arn = arn or arn_builder.literal_or(
            arn_builder.iam_arn(rd.partition, rd.account_id, "policy", name, ref_text(v.get("path"))),
            rd.symbol("arn"),
        )
        policy = IamPolicy(
            rd.origin,
            name=name,
            arn=arn,
            iam_path=ref_text(v.get("path")),
            document=document(v.get("policy")),
            attribute_origins={"document": rd.origin_of("policy")},
        )
        self.inventory.policies.append(policy)
        self._register("policy", policy, arn, rd.symbol("arn"), rd.symbol("id"))

    def _organization_policy(self, rd: ResourceData) -> None:
        """An SCP or RCP (``type`` defaults to SERVICE_CONTROL_POLICY), linted at its ``content`` line."""
        v = rd.values
        kind = v.get("type", "SERVICE_CONTROL_POLICY")
        self.inventory.organization_policies.append(
            OrganizationPolicy(
                rd.origin,
                name=ref_text(v.get("name")) or rd.symbol("name"),
                type=kind if isinstance(kind, str) else Unknown("the policy type is not known before apply"),
                document=document(v.get("content")),
                attribute_origins={"document": rd.origin_of("content")},
            )
        )

    def _role(self, rd: ResourceData) -> None:
        v = rd.values
        name, arn, boundary = self._iam_identity(rd, "role")
        role = IamRole(
            rd.origin,
            name=name if name is not None else rd.symbol("name"),
            arn=arn,
            iam_path=ref_text(v.get("path")),
            trust_policy=document(v.get("assume_role_policy")),
            permissions_boundary=ref_text(boundary) if boundary is not None else None,
            attribute_origins={
                "trust_policy": rd.origin_of("assume_role_policy"),
                "inline_policies": rd.origin_of("inline_policy"),
                "attached_policies": rd.origin_of("managed_policy_arns"),
                "permissions_boundary": rd.origin_of("permissions_boundary"),
            },
        )
        inline = blocks(v.get("inline_policy"))
        if isinstance(inline, Unknown):
            role.inline_policies = inline
        else:
            role.inline_policies = [
                PolicyRef(
                    str(ref_text(b.get("name")) or "(unnamed)"),
                    document=document(b.get("policy")),
                    inline=True,
                )
                for b in inline
                if b.get("policy") is not None
            ]
        managed = v.get("managed_policy_arns")
        if managed is not None:
            arns = text_list(managed)
            role.attached_policies = (
                arns if isinstance(arns, Unknown) else [self._policy_ref(arn_value) for arn_value in arns]
            )
        self.inventory.roles.append(role)
        self._register("role", role, name, arn, rd.symbol("name"), rd.symbol("id"), rd.symbol("arn"))

    def _policy_ref(self, arn_value: Any) -> PolicyRef:
        """A reference to a customer policy declared here, or to an AWS managed / external one."""
        found = self.find("policy", arn_value)
        if isinstance(found, IamPolicy):
            return PolicyRef(str(found.name), arn=found.arn, document=found.document)
        arn = ref_text(arn_value)
        if isinstance(arn, str) and arn_builder.is_aws_managed_policy(arn):
            return PolicyRef(arn.rsplit("/", 1)[-1], arn=arn, document=None)
        if isinstance(arn, str):
            return PolicyRef(
                arn.rsplit("/", 1)[-1], arn=arn, document=Unknown("policy not declared in these files")
            )
        return PolicyRef(
            "<unknown>", arn=Unknown("policy ARN not known"), document=Unknown("policy ARN not known")
        )

    def _principal(self, kind: str, key: Any) -> IamUser | IamGroup | IamRole | None:
        found = self.find(kind, key)
        return found if isinstance(found, (IamUser, IamGroup, IamRole)) else None

    def _login_profile(self, rd: ResourceData) -> None:
        user = self._principal("user", rd.values.get("user"))
        if not isinstance(user, IamUser):
            self._not_found(rd, "IAM user", rd.values.get("user"))
            return
        user.has_login_profile = True
        user.attribute_origins["has_login_profile"] = rd.origin

    def _access_key(self, rd: ResourceData) -> None:
        user = self._principal("user", rd.values.get("user"))
        if not isinstance(user, IamUser):
            self._not_found(rd, "IAM user", rd.values.get("user"))
            return
        status = literal_text(rd.values.get("status"), "Active")
        key = AccessKey(
            key_id_suffix="",  # a planned key has no ID yet
            status=status if status is not None else "Active",
            created=Unknown("the key is created at apply time"),
            last_used=Unknown("whether a planned key is used is only known live"),
        )
        if isinstance(user.access_keys, list):
            user.access_keys.append(key)
        user.attribute_origins.setdefault("access_keys", rd.origin)

    def _inline_policy(self, rd: ResourceData) -> None:
        kind = {"aws_iam_user_policy": "user", "aws_iam_group_policy": "group"}.get(rd.type, "role")
        target = self._principal(kind, rd.values.get(kind))
        if target is None:
            self._not_found(rd, f"IAM {kind}", rd.values.get(kind))
            return
        name = ref_text(rd.values.get("name")) or rd.symbol("name")
        ref = PolicyRef(
            str(name),
            arn=None,
            document=document(rd.values.get("policy")),
            inline=True,
            location=rd.origin_of("policy").location,
        )
        if isinstance(target.inline_policies, list):
            target.inline_policies.append(ref)
        target.attribute_origins.setdefault("inline_policies", rd.origin)

    def _attach(self, rd: ResourceData, kind: str, key: Any, ref: PolicyRef) -> None:
        target = self._principal(kind, key)
        if target is None:
            self._not_found(rd, f"IAM {kind}", key)
            return
        if isinstance(target.attached_policies, list):
            target.attached_policies.append(ref)
        target.attribute_origins.setdefault("attached_policies", rd.origin)

    def _attachment(self, rd: ResourceData) -> None:
        v = rd.values
        ref = self._policy_ref(v.get("policy_arn"))
        ref.location = rd.origin_of("policy_arn").location  # each attachment at its own line
        if rd.type == "aws_iam_user_policy_attachment":
            self._attach(rd, "user", v.get("user"), ref)
        elif rd.type == "aws_iam_group_policy_attachment":
            self._attach(rd, "group", v.get("group"), ref)
        elif rd.type == "aws_iam_role_policy_attachment":
            self._attach(rd, "role", v.get("role"), ref)
        else:  # aws_iam_policy_attachment: users, groups and roles
            for kind in ("user", "group", "role"):
                names = text_list(v.get(kind + "s"))
                if isinstance(names, Unknown):
                    self.inventory.problems.append(
                        _partial(f"{rd.address}: {kind}s not known ({names.reason})", rd.origin)
                    )
                    continue
                for name in names:
                    self._attach(rd, kind, name, ref)

    def _group_membership(self, rd: ResourceData) -> None:
        group_name = self._group_name(rd.values.get("group"))
        users = text_list(rd.values.get("users"))
        if isinstance(users, Unknown):
            self.inventory.problems.append(
                _partial(f"{rd.address}: users not known ({users.reason})", rd.origin)
            )
            return
        for name in users:
            user = self._principal("user", name)
            if not isinstance(user, IamUser):
                self._not_found(rd, "IAM user", name)
                continue
            if isinstance(user.groups, list):
                user.groups.append(group_name)
            user.attribute_origins.setdefault("groups", rd.origin)

    def _user_groups(self, rd: ResourceData) -> None:
        user = self._principal("user", rd.values.get("user"))
        if not isinstance(user, IamUser):
            self._not_found(rd, "IAM user", rd.values.get("user"))
            return
        groups = text_list(rd.values.get("groups"))
        if isinstance(groups, Unknown):
            user.groups = groups
        elif isinstance(user.groups, list):
            user.groups.extend(self._group_name(g) for g in groups)
        user.attribute_origins.setdefault("groups", rd.origin)

    def _group_name(self, key: Any) -> str:
        group = self._principal("group", key)
        if isinstance(group, IamGroup) and isinstance(group.name, str):
            return group.name
        text = ref_text(key)
        return text if isinstance(text, str) else "<unknown>"

    # -- account ---------------------------------------------------------------------------
    def _the_account(self, rd: ResourceData) -> Account:
        if self.account is None:
            account_id = rd.account_id if isinstance(rd.account_id, str) else Unknown("account ID not known")
            # the account is written nowhere: its facts point at the resources that declare them
            # (named by its configuration: the root module, or the plan file, that declares it)
            configuration = rd.origin.root or rd.origin.path
            where = dataclasses.replace(
                rd.origin, address="account", path=None, line=None, col=None, root=configuration
            )
            self.account = Account(where, account_id=account_id, partition=rd.partition)
            self.inventory.accounts.append(self.account)
        return self.account

    def _password_policy(self, rd: ResourceData) -> None:
        # A setting the configuration leaves unset is not sent to UpdateAccountPasswordPolicy, so
        # AWS applies its default (PLAN-UNSET-COMPUTED, AWS-PASSWORD-POLICY): the same as absent.
        v = {key: value for key, value in rd.values.items() if key not in rd.unset_computed}
        fields = {
            "MinimumPasswordLength": (literal_int(v.get("minimum_password_length")), 6),
            "RequireSymbols": (literal_bool(v.get("require_symbols"), False), None),
            "RequireNumbers": (literal_bool(v.get("require_numbers"), False), None),
            "RequireUppercaseCharacters": (literal_bool(v.get("require_uppercase_characters"), False), None),
            "RequireLowercaseCharacters": (literal_bool(v.get("require_lowercase_characters"), False), None),
            "AllowUsersToChangePassword": (literal_bool(v.get("allow_users_to_change_password"), True), None),
            "HardExpiry": (literal_bool(v.get("hard_expiry"), False), None),
            "MaxPasswordAge": (literal_int(v.get("max_password_age")), None),
            "PasswordReusePrevention": (literal_int(v.get("password_reuse_prevention")), None),
        }
        policy: dict[str, Any] = {}
        for key, (value, default) in fields.items():
            value = default if value is None else value
            if value is None or (key in ("MaxPasswordAge", "PasswordReusePrevention") and value == 0):
                continue
            # an unknown setting stays unknown on its own: the known ones still decide their rules
            policy[key] = value
        age = policy.get("MaxPasswordAge")
        policy["ExpirePasswords"] = age if isinstance(age, Unknown) else bool(age)
        account = self._the_account(rd)
        account.password_policy = policy
        account.attribute_origins["password_policy"] = rd.origin

    def _account_pab(self, rd: ResourceData) -> None:
        account = self._the_account(rd)
        account.s3_public_access_block = self._pab(rd)
        account.attribute_origins["s3_public_access_block"] = rd.origin

    def _pab(self, rd: ResourceData) -> Maybe[dict[str, bool] | None]:
        result: dict[str, bool] = {}
        for key, api in _PAB_KEYS.items():
            value = literal_bool(rd.values.get(key), False)
            if isinstance(value, Unknown):
                return value
            result[api] = value
        return result

    # -- CloudTrail ------------------------------------------------------------------------
    def _trail(self, rd: ResourceData) -> None:
        v = rd.values
        name = ref_text(v.get("name"))
        region = rd.region
        arn_value = v.get("arn")
        arn = (
            arn_value
            if isinstance(arn_value, str)
            else arn_builder.literal_or(
                arn_builder.trail_arn(rd.partition, region, rd.account_id, name), rd.symbol("arn")
            )
        )
        o = rd.origin_of
        trail = Trail(
            rd.origin,
            name=name if name is not None else Unknown("trail name not set"),
            arn=arn,
            home_region=region,
            multi_region=literal_bool(v.get("is_multi_region_trail"), False),
            logging=literal_bool(v.get("enable_logging"), True),
            bucket=ref_text(v.get("s3_bucket_name")),
            s3_key_prefix=literal_text(v.get("s3_key_prefix")),
            kms_key_id=ref_text(v.get("kms_key_id")) if v.get("kms_key_id") != "" else None,
            log_file_validation=literal_bool(v.get("enable_log_file_validation"), False),
            include_global_events=literal_bool(v.get("include_global_service_events"), True),
            events=summarize(event_selectors(v.get("event_selector"), v.get("advanced_event_selector"))),
            attribute_origins={
                "kms_key_id": o("kms_key_id"),
                "bucket": o("s3_bucket_name"),
                "logging": o("enable_logging"),
                "multi_region": o("is_multi_region_trail"),
                "log_file_validation": o("enable_log_file_validation"),
                "include_global_events": o("include_global_service_events"),
                "events": rd.attr_origins.get("advanced_event_selector", o("event_selector")),
            },
        )
        self.inventory.trails.append(trail)

    # -- S3 --------------------------------------------------------------------------------
    def _bucket(self, rd: ResourceData) -> None:
        v = rd.values
        raw = v.get("bucket")
        name: str = raw if isinstance(raw, str) and raw else rd.symbol("id")
        o = rd.origin_of
        arn_value = v.get("arn")
        bucket = Bucket(
            rd.origin,
            name=name,
            arn=arn_value
            if isinstance(arn_value, str)
            else arn_builder.bucket_arn(partition_text(rd.partition), name),
            region=rd.region,
            owner_account=rd.account_id if rd.account_id is not None else Unknown("account not known"),
            attribute_origins={"name": o("bucket")},
        )
        if rd.exists_already:  # an aws_s3_bucket_public_access_block, if any, replaces this below
            bucket.public_access_block = Unknown(
                f"the bucket exists already ({rd.exists_already}) and the input declares no public access "
                "block for it; AWS's default applies only to new buckets (AWS-S3-BPA-DEFAULT)"
            )
        sse = blocks(v.get("server_side_encryption_configuration"))
        if isinstance(sse, Unknown) or sse:
            self._apply_sse(bucket, sse, o("server_side_encryption_configuration"))
        if v.get("policy") is not None:
            bucket.policy = document(v.get("policy"))
            bucket.attribute_origins["policy"] = o("policy")
        self.inventory.buckets.append(bucket)
        self._register(
            "bucket",
            bucket,
            name,
            rd.symbol("id"),
            rd.symbol("bucket"),
            rd.symbol("arn"),
            bucket.arn,
            *rd.aliases,
        )

    def _apply_sse(self, bucket: Bucket, config: Maybe[list[dict[str, Any]]], origin: Origin) -> None:
        bucket.attribute_origins["encryption"] = origin
        if isinstance(config, Unknown):
            bucket.encryption = config
            bucket.kms_key_id = config
            return
        for block in config:
            rules = blocks(block.get("rule"))
            if isinstance(rules, Unknown):
                bucket.encryption = rules
                return
            for rule in rules:
                defaults = blocks(rule.get("apply_server_side_encryption_by_default"))
                if isinstance(defaults, Unknown):
                    bucket.encryption = defaults
                    return
                for default in defaults:
                    algorithm = literal_text(default.get("sse_algorithm"))
                    bucket.encryption = (
                        algorithm if algorithm is not None else Unknown("sse_algorithm not set")
                    )
                    key = default.get("kms_master_key_id")
                    bucket.kms_key_id = ref_text(key) if key not in (None, "") else None

    def _target_bucket(self, rd: ResourceData) -> Bucket | None:
        found = self.find("bucket", rd.values.get("bucket"))
        if not isinstance(found, Bucket):
            self._not_found(rd, "S3 bucket", rd.values.get("bucket"))
            return None
        return found

    def _bucket_encryption(self, rd: ResourceData) -> None:
        bucket = self._target_bucket(rd)
        if bucket is not None:
            self._apply_sse(bucket, [rd.values], rd.origin)

    def _bucket_notification(self, rd: ResourceData) -> None:
        bucket = self._target_bucket(rd)
        if bucket is None:
            return
        bucket.attribute_origins["notifications"] = rd.origin
        bucket.eventbridge = literal_bool(rd.values.get("eventbridge"), False)
        queues = blocks(rd.values.get("queue"))
        if isinstance(queues, Unknown):
            bucket.notifications = queues
            return
        found: list[QueueNotification] = []
        for index, queue in enumerate(queues):
            events = text_list(queue.get("events"))
            found.append(
                QueueNotification(
                    queue_arn=ref_text(queue.get("queue_arn")) or Unknown("queue_arn not set"),
                    events=tuple(events) if isinstance(events, list) else events,
                    prefix=literal_text(queue.get("filter_prefix")),
                    suffix=literal_text(queue.get("filter_suffix")),
                    origin=rd.attr_origins.get(f"queue[{index}]", rd.origin),
                )
            )
        if isinstance(bucket.notifications, list):
            bucket.notifications.extend(found)

    def _bucket_pab(self, rd: ResourceData) -> None:
        bucket = self._target_bucket(rd)
        if bucket is not None:
            bucket.public_access_block = self._pab(rd)
            bucket.attribute_origins["public_access_block"] = rd.origin

    def _bucket_policy(self, rd: ResourceData) -> None:
        bucket = self._target_bucket(rd)
        if bucket is not None:
            bucket.policy = document(rd.values.get("policy"))
            bucket.attribute_origins["policy"] = rd.origin_of("policy")

    # -- SQS -------------------------------------------------------------------------------
    def _queue(self, rd: ResourceData) -> None:
        v = rd.values
        raw = v.get("name")
        name: str = raw if isinstance(raw, str) and raw else rd.symbol("name")
        arn_value = v.get("arn")
        arn = (
            arn_value
            if isinstance(arn_value, str)
            else arn_builder.literal_or(
                arn_builder.queue_arn(rd.partition, rd.region, rd.account_id, name), rd.symbol("arn")
            )
        )
        fifo = literal_bool(v.get("fifo_queue"), False)
        kms = v.get("kms_master_key_id")
        sse = v.get("sqs_managed_sse_enabled")
        o = rd.origin_of
        queue = Queue(
            rd.origin,
            name=name,
            arn=arn,
            region=rd.region,
            fifo=fifo,
            policy=document(v.get("policy")),
            kms_key_id=ref_text(kms) if kms not in (None, "") else None,
            # AWS turns SSE-SQS on for new queues that name no KMS key; the provider leaves it to AWS.
            sqs_managed_sse=_queue_sse(rd, sse, kms),
            attribute_origins={
                "name": o("name"),
                "fifo": o("fifo_queue"),
                "policy": o("policy"),
                "kms_key_id": o("kms_master_key_id"),
            },
        )
        self.inventory.queues.append(queue)
        self._register(
            "queue",
            queue,
            name,
            arn,
            rd.symbol("arn"),
            rd.symbol("id"),
            rd.symbol("url"),
            rd.symbol("name"),
            *rd.aliases,
        )

    def _queue_policy(self, rd: ResourceData) -> None:
        url = rd.values.get("queue_url")
        queue = self.find("queue", url)
        if not isinstance(queue, Queue):
            self._not_found(rd, "SQS queue", url)
            return
        queue.policy = document(rd.values.get("policy"))
        queue.attribute_origins["policy"] = rd.origin_of("policy")

    # -- EC2 security groups ---------------------------------------------------------------
    def _security_group(self, rd: ResourceData) -> None:
        v = rd.values
        group = SecurityGroup(
            rd.origin,
            group_id=v["id"] if isinstance(v.get("id"), str) else rd.symbol("id"),
            name=ref_text(v.get("name")),
            region=rd.region,
            vpc_id=ref_text(v.get("vpc_id")),
        )
        ingress = blocks(v.get("ingress"))
        if isinstance(ingress, Unknown):
            group.ingress = ingress
            if "ingress" in rd.unset_computed:
                # no inline ingress configured: the standalone rules, if any, are all of it
                self.standalone_only.add(id(group))
        else:
            rules = [_ingress(item, rd.origin_of("ingress")) for item in ingress]
            group.ingress = [r for r in rules if r is not None]
            if any(r is None for r in rules):
                group.ingress = Unknown("an ingress rule's ports or protocol are not known")
        group.attribute_origins["ingress"] = rd.origin_of("ingress")
        self.inventory.security_groups.append(group)
        self._register("sg", group, group.group_id, rd.symbol("id"), *rd.aliases)

    def _add_ingress(self, rd: ResourceData, rule: IngressRule | None) -> None:
        target = rd.values.get("security_group_id")
        group = self.find("sg", target)
        if not isinstance(group, SecurityGroup):
            if isinstance(target, str) and target:
                self._outside_group(rd, target, rule)
            else:
                self._not_found(rd, "security group", target)
            return
        if id(group) in self.standalone_only:
            self.standalone_only.discard(id(group))
            group.ingress = []  # AWS-SG-STANDALONE-RULES: a new group starts with no inbound rule
        if rule is None:
            group.ingress = Unknown(f"{rd.address}: ports or protocol not known")
        elif isinstance(group.ingress, list):
            group.ingress.append(rule)

    def _outside_group(self, rd: ResourceData, group_id: str, rule: IngressRule | None) -> None:
        """A rule on a group the input does not declare (a literal ``sg-…``): the rule is judged
        on its own address, as a group of which only this rule is known (AWS-SG-STANDALONE-RULES)."""
        group = SecurityGroup(
            rd.origin,
            group_id=group_id,
            region=rd.region,
            ingress=[rule] if rule is not None else Unknown(f"{rd.address}: ports or protocol not known"),
            other_rules_unknown=f"the group {group_id} is not declared in the input",
        )
        group.attribute_origins["ingress"] = rd.origin
        self.inventory.security_groups.append(group)

    def _sg_rule(self, rd: ResourceData) -> None:
        if rd.values.get("type") != "ingress":
            return
        self._add_ingress(rd, _ingress(rd.values, rd.origin))

    def _sg_ingress_rule(self, rd: ResourceData) -> None:
        v = rd.values
        values = {
            "protocol": v.get("ip_protocol"),
            "from_port": v.get("from_port"),
            "to_port": v.get("to_port"),
            "cidr_blocks": [v["cidr_ipv4"]] if v.get("cidr_ipv4") is not None else [],
            "ipv6_cidr_blocks": [v["cidr_ipv6"]] if v.get("cidr_ipv6") is not None else [],
        }
        self._add_ingress(rd, _ingress(values, rd.origin))


def _ingress(values: dict[str, Any], origin: Origin) -> IngressRule | None:
    protocol = values.get("protocol")
    from_port = values.get("from_port")
    to_port = values.get("to_port")
    if any(isinstance(x, Unresolved) for x in (protocol, from_port, to_port)):
        return None
    proto = str(protocol if protocol is not None else "-1").lower()
    if proto in ("all", "-1"):
        proto = "-1"
    v4 = text_list(values.get("cidr_blocks"))
    v6 = text_list(values.get("ipv6_cidr_blocks"))
    if isinstance(v4, Unknown) or isinstance(v6, Unknown):
        return None
    every_port = proto == "-1"
    low, high = literal_int(from_port), literal_int(to_port)
    if not every_port and (isinstance(low, Unknown) or isinstance(high, Unknown)):
        return None  # a port that is not a number: the rule's reach is not known
    return IngressRule(
        protocol=proto,
        from_port=None if every_port or isinstance(low, Unknown) else low,
        to_port=None if every_port or isinstance(high, Unknown) else high,
        ipv4_ranges=tuple(v4),
        ipv6_ranges=tuple(v6),
        origin=origin,
    )


def event_selectors(basic: Any, advanced: Any) -> EventSelectors:
    """The ``event_selector`` and ``advanced_event_selector`` blocks in the inventory's terms
    (inventory.cloudtrail.summarize judges them)."""
    basic_blocks, advanced_blocks = blocks(basic), blocks(advanced)
    return EventSelectors(
        basic_blocks if isinstance(basic_blocks, Unknown) else tuple(map(_basic_selector, basic_blocks)),
        advanced_blocks
        if isinstance(advanced_blocks, Unknown)
        else tuple(map(_advanced_selector, advanced_blocks)),
    )


def _basic_selector(block: dict[str, Any]) -> BasicSelector:
    read_write = literal_text(block.get("read_write_type"), "All")
    return BasicSelector(
        literal_bool(block.get("include_management_events"), True),
        "All" if read_write is None else read_write,
        literal_texts(block.get("exclude_management_event_sources")),
    )


def _advanced_selector(block: dict[str, Any]) -> AdvancedSelector:
    fields = blocks(block.get("field_selector"))
    if isinstance(fields, Unknown):
        return AdvancedSelector(fields)
    selectors = []
    for item in fields:
        name = literal_text(item.get("field"))
        selectors.append(
            FieldSelector(
                Unknown("a field_selector has no field") if name is None else name,
                *(literal_texts(item.get(operator)) for operator in OPERATORS),
            )
        )
    return AdvancedSelector(tuple(selectors))


def literal_texts(value: Any) -> Maybe[tuple[str, ...]]:
    """Strings a rule judges (selector values): one unresolved item makes the whole list Unknown."""
    if has_unresolved(value):
        return Unknown(first_reason(value))
    items = text_list(value)
    return items if isinstance(items, Unknown) else tuple(items)


def _partial(message: str, origin: Origin) -> Finding:
    return problems.problem(
        problems.PARTIAL, message, origin.path or "<input>", origin.line or 1, origin.col or 1
    )
