"""SAM (``Transform: AWS::Serverless-2016-10-31``) resources into the same inventory as plain IAM.

What the SAM transform would deploy, read without running it
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html):

* ``AWS::Serverless::Function`` without ``Role``: SAM creates the execution role ``<Function>Role``,
  trusted by ``lambda.amazonaws.com`` (or ``AssumeRolePolicyDocument``), with the managed policy
  ``service-role/AWSLambdaBasicExecutionRole``, ``PermissionsBoundary``, and each ``Policies`` entry:
  a managed policy name or ARN (names become ARNs through SAM's own name-to-path map), a policy
  document (an inline policy ``<Function>RolePolicy<index>``), or a SAM policy template
  (``SQSPollerPolicy: {QueueName: ...}``) expanded from SAM's published definitions with the
  given parameters. A template that cannot be expanded (unknown name, a parameter missing) is an
  inline policy whose document is Unknown naming the template, and an IN002 at its line: never a
  silent pass. The managed policies SAM adds for ``Tracing``, ``VpcConfig`` and SQS, Kinesis,
  DynamoDB and MSK events are attached too; the inline policies it writes for a dead-letter queue,
  ``Connectors`` and broker events are not read (IN002). With ``Role`` set, SAM ignores
  ``Policies`` and creates no role.
* ``AWS::Serverless::Api`` ``Auth.ResourcePolicy``: ``CustomStatements`` are the API's resource
  policy; the allow/deny lists SAM turns into more statements (``AwsAccountWhitelist``,
  ``IpRangeBlacklist``, ...) are not expanded, and an IN002 says so.
* ``AWS::ApiGateway::RestApi`` ``Policy``: the same inventory entry, for plain CloudFormation.

SAM's data (the policy templates and the managed policy paths) is vendored in ``data/`` from
https://github.com/aws/serverless-application-model (Apache-2.0, see ``data/SAM-NOTICE.md``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from policy_lint.core.package_data import package_files
from policy_lint.inventory.model import IamRole, PolicyRef, RestApi, Unknown
from policy_lint.sources.cloudformation.intrinsics import Resolver, UnknownNode, text_of
from policy_lint.sources.cloudformation.map_iam import attach_managed
from policy_lint.sources.cloudformation.stack import Stack
from policy_lint.sources.cloudformation.values import (
    given,
    link_text,
    list_items,
    required_document,
)
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
    ],
}
BASIC_EXECUTION = "service-role/AWSLambdaBasicExecutionRole"
#: ``Auth.ResourcePolicy`` keys SAM turns into statements of its own (not expanded here)
GENERATED_STATEMENTS = (
    "AwsAccountWhitelist",
    "AwsAccountBlacklist",
    "IpRangeWhitelist",
    "IpRangeBlacklist",
    "SourceVpcWhitelist",
    "SourceVpcBlacklist",
    "IntrinsicVpcWhitelist",
    "IntrinsicVpcBlacklist",
    "IntrinsicVpceWhitelist",
    "IntrinsicVpceBlacklist",
)


#: pull event sources and the managed policy SAM attaches for each (samtranslator eventsources/pull.py)
EVENT_POLICIES = {
    "SQS": "AWSLambdaSQSQueueExecutionRole",
    "Kinesis": "AWSLambdaKinesisExecutionRole",
    "DynamoDB": "AWSLambdaDynamoDBExecutionRole",
    "MSK": "AWSLambdaMSKExecutionRole",
}
#: event sources for which SAM writes an inline policy of its own
EVENT_INLINE_POLICIES = frozenset({"MQ", "SelfManagedKafka", "DocumentDB", "MSK"})


@cache
def policy_templates() -> dict[str, Any]:
    """SAM's policy templates by name: ``{"Parameters": {...}, "Definition": {"Statement": ...}}``."""
    text = package_files(__package__).joinpath("data/sam_policy_templates.json").read_text(encoding="utf-8")
    templates: dict[str, Any] = json.loads(text)["Templates"]
    return templates


@cache
def _managed_paths() -> dict[str, str]:
    text = (
        package_files(__package__).joinpath("data/sam_managed_policy_paths.json").read_text(encoding="utf-8")
    )
    paths: dict[str, str] = json.loads(text)
    return paths


def managed_policy_arn(name: str, partition: str) -> str:
    """The ARN SAM gives an AWS managed policy *name* (``AWSLambdaRole`` is under ``service-role/``)."""
    return f"arn:{partition}:iam::aws:policy{_managed_paths().get(name, '/')}{name}"


def _partition(stack: Stack) -> str:
    value = text_of(stack.resolver.ref("AWS::Partition", 0))
    return value if isinstance(value, str) else "aws"


# ------------------------------------------------------------------------------------- functions


def map_serverless_function(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    if props.get("Role") is not None:
        return  # the function uses that role; SAM ignores Policies and creates none
    role_id = f"{logical_id}Role"
    trust = props.get("AssumeRolePolicyDocument")
    role = IamRole(
        stack.origin(role_id, offset),
        name=Resolver.default_ref(role_id).text,
        arn=Resolver.default_attr(role_id, "Arn").text,
        trust_policy=required_document(trust) if trust is not None else json.loads(json.dumps(LAMBDA_TRUST)),
        attached_policies=[],
        inline_policies=[],
        permissions_boundary=link_text(props.get("PermissionsBoundary")),
    )
    for attribute, prop in (
        ("trust_policy", "AssumeRolePolicyDocument"),
        ("attached_policies", "Policies"),
        ("inline_policies", "Policies"),
        ("permissions_boundary", "PermissionsBoundary"),
    ):
        # at the function's property: the role itself is not written in the template
        stack.attr_origin(role, attribute, stack.property_key(logical_id, prop), role_id)
    partition = _partition(stack)
    basic = f"arn:{partition}:iam::aws:policy/{BASIC_EXECUTION}"
    assert isinstance(role.attached_policies, list)
    role.attached_policies.append(PolicyRef(name="AWSLambdaBasicExecutionRole", arn=basic, document=None))
    for name in _added_managed_policies(stack, logical_id, props, partition):
        arn = managed_policy_arn(name, partition)
        role.attached_policies.append(PolicyRef(name=name, arn=arn, document=None))
    _read_policies(stack, logical_id, role, props, partition)
    stack.add("role", logical_id, role, role.name if isinstance(role.name, str) else None)


def _added_managed_policies(stack: Stack, logical_id: str, props: ObjectNode, partition: str) -> list[str]:
    """The managed policies SAM attaches for other properties: X-Ray for ``Tracing``, ENI access
    for ``VpcConfig``, the poller's policy for each SQS, Kinesis, DynamoDB and MSK event. What SAM
    adds as inline policies of its own (dead-letter queue, Kafka, MQ, DocumentDB events,
    ``Connectors``) is not read: an IN002 says so at the property."""
    names: list[str] = []
    tracing = props.get("Tracing")
    if tracing is not None and text_of(tracing) != "Disabled":
        names.append("AWSXrayWriteOnlyAccess" if partition == "aws" else "AWSXRayDaemonWriteAccess")
    if props.get("VpcConfig") is not None:
        names.append("AWSLambdaVPCAccessExecutionRole")
    for key in ("DeadLetterQueue", "Connectors", "DurableConfig"):
        if props.get(key) is not None:
            where = stack.property_key(logical_id, key)
            stack.warn(
                f"{logical_id}: the permissions SAM adds for {key} are not read", where.offset if where else 0
            )
    events = props.get("Events")
    for name_key, event in events.pairs if isinstance(events, ObjectNode) else []:
        kind = text_of(event.get("Type")) if isinstance(event, ObjectNode) else None
        if kind in EVENT_POLICIES:
            names.append(EVENT_POLICIES[kind])
        if kind in EVENT_INLINE_POLICIES:
            stack.warn(
                f"{logical_id}: the policy SAM adds for the {kind} event {name_key.value} is not read",
                name_key.offset,
            )
    return names


def _read_policies(stack: Stack, logical_id: str, role: IamRole, props: ObjectNode, partition: str) -> None:
    entries = list_items(props.get("Policies"))
    if isinstance(entries, Unknown):
        role.inline_policies = Unknown(f"Policies: {entries.reason}")
        role.attached_policies = Unknown(f"Policies: {entries.reason}")
        return
    raw = stack.raw_property(logical_id, "Policies")
    raw_items = raw.items if isinstance(raw, ArrayNode) else [raw] if raw is not None else []
    written = raw_items if len(raw_items) == len(entries) else entries
    for index, (entry, as_written) in enumerate(zip(entries, written, strict=True)):
        name = f"{logical_id}RolePolicy{index}"
        if isinstance(entry, ScalarNode) and not entry.is_string:
            stack.warn(
                f"{logical_id}: Policies entry {index} is {entry.described}, not a policy SAM reads",
                entry.offset,
            )
        elif isinstance(entry, (ScalarNode, UnknownNode)):
            text = text_of(entry)
            if isinstance(text, str) and not text.startswith("arn:"):
                entry = ScalarNode(managed_policy_arn(text, partition), entry.offset)
            attach_managed(stack, role, as_written, entry)
        elif isinstance(entry, ObjectNode) and entry.get("Statement") is not None:
            _add_inline(stack, role, name, required_document(entry), entry)
        elif isinstance(entry, ObjectNode) and len(entry.pairs) == 1:
            key, parameters = entry.pairs[0]
            _add_inline(
                stack,
                role,
                f"{name} ({key.value})",
                _expand(stack, str(key.value), parameters),
                entry,
                written_by=f"the AWS SAM policy template {key.value}",
            )
        else:
            stack.warn(
                f"{logical_id}: Policies entry {index} is {entry.described}, not a policy SAM reads",
                entry.offset,
            )


def _add_inline(
    stack: Stack, role: IamRole, name: str, document: Any, entry: Node, written_by: str | None = None
) -> None:
    if isinstance(document, Unknown):
        stack.warn(
            f"{role.origin.address}: {name}: {document.reason}; its statements are not checked", entry.offset
        )
    assert isinstance(role.inline_policies, list)
    role.inline_policies.append(
        PolicyRef(
            name=name,
            document=document,
            inline=True,
            location=stack.origin(role.origin.address, entry.offset).location,
            written_by=written_by,
        )
    )


def _expand(stack: Stack, name: str, parameters: Node) -> Any:
    """A SAM policy template with the given parameters, as the document SAM deploys (with
    ``Version`` 2012-10-17: SAM leaves it out, so IAM reads 2008-10-17, which changes nothing for
    these statements, none of which uses a policy variable; see docs/reports.md "SAM")."""
    template = policy_templates().get(name)
    if template is None:
        return Unknown(f"SAM policy template {name} is not one SAM publishes, or not known to this version")
    given_values: dict[str, Node] = {}
    if isinstance(parameters, ObjectNode):
        given_values = {str(key.value): value for key, value in parameters.pairs}
    missing = sorted(set(template.get("Parameters", {})) - set(given_values))
    if missing:
        return Unknown(f"SAM policy template {name} needs {', '.join(missing)}")
    node = _node(template["Definition"], parameters.offset, given_values)
    document = required_document(stack.resolver.resolve(node))
    if isinstance(document, dict) and "Version" not in document:
        document = {"Version": "2012-10-17", **document}
    return document


def _node(value: Any, offset: int, parameters: dict[str, Node]) -> Node:
    """Template data as nodes at the template entry's place; ``{"Ref": P}`` of a template parameter
    becomes the value given for it (as SAM substitutes them)."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return ObjectNode(
            offset, [(ScalarNode(k, offset), _node(v, offset, parameters)) for k, v in value.items()]
        )
    if isinstance(value, list):
        return ArrayNode(offset, [_node(item, offset, parameters) for item in value])
    return ScalarNode(value, offset)


# ------------------------------------------------------------------------------------------ APIs


def map_serverless_api(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    auth = props.get("Auth")
    if auth is not None and not isinstance(auth, ObjectNode):
        stack.warn(f"{logical_id}: Auth is {auth.described}, not a mapping", auth.offset)
    policy_node = auth.get("ResourcePolicy") if isinstance(auth, ObjectNode) else None
    if policy_node is None:
        return
    if not isinstance(policy_node, ObjectNode):
        stack.warn(
            f"{logical_id}: Auth.ResourcePolicy is {policy_node.described}, not a mapping", policy_node.offset
        )
        return
    for key, _value in policy_node.pairs:
        if key.value in GENERATED_STATEMENTS:
            stack.warn(
                f"{logical_id}: Auth.ResourcePolicy.{key.value} is not expanded; the statements SAM makes "
                "of it are not checked",
                key.offset,
            )
    custom = policy_node.get("CustomStatements")
    document: Any = None
    if custom is not None:
        statements = list_items(custom)
        document = (
            Unknown(f"Auth.ResourcePolicy.CustomStatements: {statements.reason}")
            if isinstance(statements, Unknown)
            else required_document(
                ObjectNode(
                    custom.offset,
                    [
                        (ScalarNode("Version", custom.offset), ScalarNode("2012-10-17", custom.offset)),
                        (ScalarNode("Statement", custom.offset), ArrayNode(custom.offset, statements)),
                    ],
                )
            )
        )
    _add_api(stack, logical_id, offset, props, "Name", document, custom)


def map_rest_api(stack: Stack, logical_id: str, offset: int, props: ObjectNode) -> None:
    policy = props.get("Policy")
    document = required_document(policy) if policy is not None else None
    _add_api(stack, logical_id, offset, props, "Name", document, policy)


def _add_api(
    stack: Stack,
    logical_id: str,
    offset: int,
    props: ObjectNode,
    name_prop: str,
    document: Any,
    where: Node | None,
) -> None:
    name = given(link_text(props.get(name_prop)), Resolver.default_ref(logical_id).text)
    api = RestApi(stack.origin(logical_id, offset), name=name, policy=document)
    stack.attr_origin(api, "policy", where)
    stack.add("rest_api", logical_id, api, name if isinstance(name, str) else None)
