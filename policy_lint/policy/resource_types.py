"""The resource types a resource-based policy can be attached to, and what each one's policy can name.

``lint --policy-type resource --resource-type AWS::S3::Bucket`` says which resource a policy is for, as IAM
Access Analyzer's ``validatePolicyResourceType`` does. A resource's policy can only govern that resource: its
actions are the service's actions on those resource types, its ARNs those of the resource types (fact
AWS-RESOURCE-POLICY-SCOPE), and the service caps its size (fact AWS-RESOURCE-POLICY-SIZE). The names are
CloudFormation's, which Access Analyzer uses too.
"""

from __future__ import annotations

from typing import NamedTuple


class ResourcePolicyKind(NamedTuple):
    """What one resource type's policy may name, and how large it may be."""

    #: the service prefix of its actions and ARNs
    service: str
    #: the Service Authorization Reference resource types the policy governs (lower case)
    resource_types: tuple[str, ...]
    #: the service's size quota in bytes (whitespace outside strings not counted); None when not documented
    size_quota: int | None = None
    size_source: str = ""


_S3 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html"
_SQS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html"
_KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"

#: the resource type whose policy may name its API as ``execute-api:/stage/METHOD/path`` (fact
#: AWS-APIGW-RESOURCE-SHORTHAND): API Gateway completes the ARN when it saves the policy
REST_API_RESOURCE_TYPE = "AWS::ApiGateway::RestApi"

RESOURCE_POLICY_KINDS: dict[str, ResourcePolicyKind] = {
    "AWS::S3::Bucket": ResourcePolicyKind("s3", ("bucket", "object"), 20 * 1024, _S3),
    "AWS::S3::AccessPoint": ResourcePolicyKind("s3", ("accesspoint", "accesspointobject")),
    "AWS::SQS::Queue": ResourcePolicyKind("sqs", ("queue",), 8192, _SQS),
    "AWS::SNS::Topic": ResourcePolicyKind("sns", ("topic",)),
    "AWS::KMS::Key": ResourcePolicyKind("kms", ("key",), 32768, _KMS),
    "AWS::Lambda::Function": ResourcePolicyKind("lambda", ("function", "function alias", "function version")),
    "AWS::SecretsManager::Secret": ResourcePolicyKind("secretsmanager", ("secret",)),
    "AWS::ECR::Repository": ResourcePolicyKind("ecr", ("repository",)),
    "AWS::DynamoDB::Table": ResourcePolicyKind("dynamodb", ("table", "index", "stream")),
    REST_API_RESOURCE_TYPE: ResourcePolicyKind("execute-api", ("execute-api-general",)),
    "AWS::IAM::AssumeRolePolicyDocument": ResourcePolicyKind("sts", ("role",)),
}

#: the resource type whose policy is a role's trust policy, not a resource policy
TRUST_POLICY_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"


def is_api_shorthand(resource: str, resource_type: str | None) -> bool:
    """``execute-api:/*``, ``execute-api:/prod/GET/pets``: an API Gateway resource policy's own
    abbreviation of its API's ARN (valid only in that policy)."""
    return (
        resource.startswith("execute-api:/")
        and (resource_type or "").lower() == REST_API_RESOURCE_TYPE.lower()
    )


def resource_type_names() -> tuple[str, ...]:
    return tuple(RESOURCE_POLICY_KINDS)


def resource_policy_kind(name: str | None) -> ResourcePolicyKind | None:
    """The kind named (case-insensitively, as CloudFormation type names are written by hand), or None."""
    if not name:
        return None
    for known, kind in RESOURCE_POLICY_KINDS.items():
        if known.lower() == name.lower():
            return kind
    return None
