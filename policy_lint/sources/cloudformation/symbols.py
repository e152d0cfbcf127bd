"""The names, ARNs and URLs a template's own resources get: what ``!Ref`` and ``!GetAtt`` of them mean.

The resolver of :mod:`cfn_intrinsics` knows intrinsics but not resource types; this module
answers its Ref/GetAtt hooks per type (a bucket's Ref is its name, a queue's its URL, a managed
policy's its ARN), literal where the template fixes every part and symbolic otherwise, so a
reference and the resource it names carry the same text and can be linked.
"""

from __future__ import annotations

from collections.abc import Mapping

from policy_lint.catalog import arn_builder
from policy_lint.inventory.model import Unknown
from policy_lint.sources.cloudformation.chains import Chains
from policy_lint.sources.cloudformation.intrinsics import (
    ParameterValue,
    Resolver,
    Symbolic,
    Template,
    Text,
    text_of,
)
from policy_lint.syntax.nodes import ObjectNode


class Symbols:
    """One template's resolver, with resource-aware Ref/GetAtt."""

    def __init__(
        self,
        template: Template,
        region: str | None,
        account_id: str | None,
        parameters: Mapping[str, ParameterValue] | None = None,
    ):
        self.template = template
        self.region = region
        self.account_id = account_id
        self.resolver = Resolver(
            template,
            region=region,
            account_id=account_id,
            ref_hook=self.ref,
            attr_hook=self.attr,
            parameters=parameters,
        )
        self.partition = self.resolver.partition
        #: the partition as an ARN spells it: literal, else the pseudo-parameter a template would write
        self.partition_text = self.partition if isinstance(self.partition, str) else "${AWS::Partition}"
        self._texts: Chains[tuple[str, str], Text | None] = Chains(
            self._resolve_property, lambda key: Unknown(f"{key[0]}.{key[1]} refers back to itself")
        )

    def _property_text(self, logical_id: str, name: str) -> Text | None:
        """A property's resolved text (None when absent), once per property.

        Properties name each other (``!GetAtt Q1.QueueName``) in chains of any length and in
        cycles: :class:`Chains` follows them without deep recursion and answers a cycle with
        an unknown.
        """
        return self._texts.get((logical_id, name))

    def _resolve_property(self, key: tuple[str, str]) -> Text | None:
        properties = self.template.resources[key[0]].get("Properties")
        node = properties.get(key[1]) if isinstance(properties, ObjectNode) else None
        resolved = self.resolver.resolve(node) if node is not None else None
        return None if resolved is None else text_of(resolved)

    def _literal_name(self, logical_id: str, prop: str) -> str | None:
        value = self._property_text(logical_id, prop)
        return value if isinstance(value, str) else None

    def _name(self, logical_id: str, prop: str, fallback: str) -> Text:
        value = self._property_text(logical_id, prop)
        if value is None:
            return Symbolic(f"{logical_id} gets its name at deploy time", fallback)
        return value

    def ref(self, logical_id: str) -> Text:
        """What ``!Ref logical_id`` is, by the resource's type."""
        kind = self.template.resource_type(logical_id)
        if kind == "AWS::S3::Bucket":
            return self._name(logical_id, "BucketName", f"${{{logical_id}}}")
        if kind in ("AWS::IAM::User", "AWS::IAM::Group", "AWS::CloudTrail::Trail"):
            prop = {"AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}.get(kind, "TrailName")
            return self._name(logical_id, prop, f"${{{logical_id}}}")
        if kind == "AWS::IAM::ManagedPolicy":
            return self.policy_arn(logical_id)
        if kind == "AWS::SQS::Queue":
            return self.queue_url(logical_id)
        return Resolver.default_ref(logical_id)

    def attr(self, logical_id: str, attribute: str) -> Text:
        """What ``!GetAtt logical_id.attribute`` is, by the resource's type."""
        kind = self.template.resource_type(logical_id)
        default = Resolver.default_attr(logical_id, attribute)
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            name = self.ref(logical_id)
            text = name.text if isinstance(name, Symbolic) else name
            if isinstance(text, Unknown):
                return text
            arn = arn_builder.bucket_arn(self.partition_text, text)
            if isinstance(arn, Unknown) or arn_builder.is_literal(arn):
                return arn
            reason = name.reason if isinstance(name, Symbolic) else self._partition_reason()
            return Symbolic(reason, arn)
        if kind == "AWS::SQS::Queue":
            if attribute == "Arn":
                return self.queue_arn(logical_id)
            if attribute == "QueueName":
                return self.queue_name(logical_id)
            if attribute == "QueueUrl":
                return self.queue_url(logical_id)
        if kind in ("AWS::IAM::User", "AWS::IAM::Group") and attribute == "Arn":
            prop, word = ("UserName", "user") if kind == "AWS::IAM::User" else ("GroupName", "group")
            name_text, path = self._literal_name(logical_id, prop), self._literal_name(logical_id, "Path")
            arn = arn_builder.iam_arn(self.partition, self.account_id, word, name_text, path)
            if arn_builder.is_literal(arn):
                return arn
        if kind == "AWS::IAM::ManagedPolicy" and attribute == "PolicyArn":
            return self.policy_arn(logical_id)
        if kind == "AWS::CloudTrail::Trail" and attribute == "Arn":
            name_text = self._literal_name(logical_id, "TrailName")
            arn = arn_builder.trail_arn(self.partition, self.region, self.account_id, name_text)
            if arn_builder.is_literal(arn):
                return arn
        if kind == "AWS::EC2::SecurityGroup" and attribute == "GroupId":
            return Resolver.default_ref(logical_id)  # the same ID as !Ref
        return default

    def queue_name(self, logical_id: str) -> Text:
        return self._name(logical_id, "QueueName", f"${{{logical_id}.QueueName}}")

    def _partition_reason(self) -> str:
        return self.partition.reason if isinstance(self.partition, Unknown) else ""

    def queue_arn(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "QueueName")
        arn = arn_builder.queue_arn(self.partition, self.region, self.account_id, name)
        return arn if arn_builder.is_literal(arn) else Resolver.default_attr(logical_id, "Arn")

    def queue_url(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "QueueName")
        url = arn_builder.queue_url(self.partition, self.region, self.account_id, name)
        return url if arn_builder.is_literal(url) else Resolver.default_ref(logical_id)

    def policy_arn(self, logical_id: str) -> Text:
        name = self._literal_name(logical_id, "ManagedPolicyName")
        path = self._literal_name(logical_id, "Path")
        arn = arn_builder.iam_arn(self.partition, self.account_id, "policy", name, path)
        return arn if arn_builder.is_literal(arn) else Resolver.default_ref(logical_id)
