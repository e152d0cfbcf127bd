"""CloudFormation templates (YAML with short tags, or JSON) into the inventory: the entry point.

One template is one stack: every resource is in the stack's region (the ``region`` argument,
else unknown) and account. :func:`load` runs the steps, each in its own module:

* :mod:`cfn_parse` reads a template into positioned nodes; :mod:`cfn_sniff` says whether it is one;
* :mod:`cfn_intrinsics` evaluates intrinsics and conditions, :mod:`cfn_symbols` says what
  ``!Ref``/``!GetAtt`` of the template's own resources are, :mod:`cfn_values` reads the results;
* :mod:`cfn_stack` holds one template's mapped resources; the ``cfn_map_*`` modules map the
  resource types the onboarding rules read (:data:`MAPPERS`);
* :mod:`cfn_link` folds attachment resources (queue and bucket policies, policy attachments,
  access keys, group memberships, ingress rules) into their target after every file of one
  ``load`` call is read, so a template may attach a policy to a user declared, by literal name,
  in another template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding
from policy_lint.inventory.model import Inventory
from policy_lint.sources.cloudformation.intrinsics import ParameterValue, Resolver, Template
from policy_lint.sources.cloudformation.link import Linker
from policy_lint.sources.cloudformation.map_ec2 import map_ingress, map_security_group
from policy_lint.sources.cloudformation.map_iam import (
    map_access_key,
    map_group,
    map_inline_policy,
    map_managed_policy,
    map_role,
    map_user,
    map_user_to_group,
)
from policy_lint.sources.cloudformation.map_organizations import map_organization_policy
from policy_lint.sources.cloudformation.map_s3 import map_bucket, map_bucket_policy
from policy_lint.sources.cloudformation.map_sam import (
    map_rest_api,
    map_serverless_api,
    map_serverless_function,
)
from policy_lint.sources.cloudformation.map_sqs import map_queue, map_queue_policy
from policy_lint.sources.cloudformation.map_trail import map_trail
from policy_lint.sources.cloudformation.parse import duplicate_keys, parse_template
from policy_lint.sources.cloudformation.sniff import is_template
from policy_lint.sources.cloudformation.stack import SOURCE, Mapper, Stack
from policy_lint.sources.cloudformation.symbols import Symbols
from policy_lint.sources.configurations import labels
from policy_lint.sources.problems import UNREADABLE, problem, unreadable
from policy_lint.syntax.nodes import Node, ObjectNode
from policy_lint.syntax.source import Source, read_source

#: the resource types read into the inventory, and the mapper of each
MAPPERS: dict[str, Mapper] = {
    "AWS::IAM::User": map_user,
    "AWS::IAM::Group": map_group,
    "AWS::IAM::Role": map_role,
    "AWS::IAM::UserToGroupAddition": map_user_to_group,
    "AWS::IAM::AccessKey": map_access_key,
    "AWS::IAM::ManagedPolicy": map_managed_policy,
    "AWS::IAM::Policy": map_inline_policy,
    "AWS::Organizations::Policy": map_organization_policy,
    "AWS::CloudTrail::Trail": map_trail,
    "AWS::S3::Bucket": map_bucket,
    "AWS::S3::BucketPolicy": map_bucket_policy,
    "AWS::SQS::Queue": map_queue,
    "AWS::SQS::QueuePolicy": map_queue_policy,
    "AWS::EC2::SecurityGroup": map_security_group,
    "AWS::EC2::SecurityGroupIngress": map_ingress,
    "AWS::ApiGateway::RestApi": map_rest_api,
    "AWS::Serverless::Function": map_serverless_function,
    "AWS::Serverless::Api": map_serverless_api,
}


@dataclass
class TemplateCache:
    """What is read of each template, kept between the calls that read the same files: planning
    the scenarios, the default load, and each scenario's load. The trees are never changed by
    evaluation, so one parse serves them all."""

    parsed: dict[str, tuple[Source, Node | None]] = field(default_factory=dict)
    duplicates: dict[str, list[Finding]] = field(default_factory=dict)

    def parsed_template(self, path: str | Path) -> tuple[Source, Node | None]:
        """The template's source and tree; raises InputError (never cached) when it is unreadable."""
        if str(path) not in self.parsed:
            source = read_source(path)
            self.parsed[str(path)] = (source, parse_template(source))
        return self.parsed[str(path)]

    def duplicate_keys(self, source: Source, root: ObjectNode) -> list[Finding]:
        """The template's duplicate-key findings (a walk of the whole tree, done once)."""
        if source.path not in self.duplicates:
            self.duplicates[source.path] = duplicate_keys(source, root)
        return self.duplicates[source.path]


def template_resolver(path: Path, *, region: str | None = None, account_id: str | None = None) -> Resolver:
    """The resolver ``load`` uses for one template, with resource-aware Ref/GetAtt (for tests and tools)."""
    source = read_source(path)
    root = parse_template(source)
    if not isinstance(root, ObjectNode):
        raise InputError("not a CloudFormation template", source.path)
    return Symbols(Template(root), region, account_id).resolver


def load(
    files: Sequence[Path],
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    roots: Sequence[str | Path] | None = None,
    parameters: Mapping[str, Mapping[str, ParameterValue]] | None = None,
    cache: TemplateCache | None = None,
    alongside: bool = False,
) -> None:
    """Add the resources of every template in ``files``; unreadable input becomes located findings.

    ``parameters`` maps a template's path (as given) to the values that replace its parameters'
    defaults: one scenario of its conditions, or the values a deployment pins. ``cache`` keeps
    what is read of each template between calls (each scenario reads the same files)."""
    linker = Linker()
    cache = cache if cache is not None else TemplateCache()
    checked = roots if roots is not None else [Path(p).parent for p in files]
    label_of = labels([Path(p) for p in files], checked, alongside=alongside)
    for path in files:
        try:
            source, root = cache.parsed_template(path)
        except InputError as exc:
            inventory.problems.append(unreadable(exc))
            continue
        if not is_template(root):
            inventory.problems.append(
                problem(
                    UNREADABLE,
                    "not a CloudFormation template: no AWSTemplateFormatVersion and no Resources with "
                    "Type: AWS::...",
                    source.path,
                )
            )
            continue
        assert isinstance(root, ObjectNode)
        resources = root.get("Resources")
        if resources is not None and not isinstance(resources, ObjectNode):
            line, col = source.position(resources.offset)
            message = f"Resources is {resources.described}, not a mapping of logical IDs to resources"
            inventory.problems.append(problem(UNREADABLE, message, source.path, line, col))
            continue
        inventory.problems.extend(cache.duplicate_keys(source, root))
        stack = Stack(source, root, region, account_id, (parameters or {}).get(str(path)))
        stack.label = label_of[Path(path)]
        try:
            stack.map_resources(MAPPERS)
        except RecursionError:
            stack.warn("the template is nested too deeply to evaluate; later resources are not read", 0)
        inventory.problems.extend(stack.problems)
        linker.stacks.append(stack)
    linker.link()
    for stack in linker.stacks:
        stack.flush_warnings(stack.late_problems)
        inventory.problems.extend(stack.late_problems)
    linker.publish(inventory)
    if files and SOURCE not in inventory.sources:
        inventory.sources.append(SOURCE)
