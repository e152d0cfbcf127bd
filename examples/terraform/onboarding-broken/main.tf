# The same onboarding as ../onboarding with four mistakes people make (each marked FAULT):
# a console password, a KMS key on the trail, a queue policy without aws:SourceArn, and an
# S3 notification for Copy events only. Check it:
#   policy-lint check examples/terraform/onboarding-broken --config examples/onboarding/onboarding.yaml

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "Region of the trail, its bucket and the audit-log queue (S3 notifies only queues in its own region)."
  type        = string
  default     = "ap-northeast-1"
}

variable "iam_user" {
  type    = string
  default = "aliyun-security-center-user"
}

locals {
  bucket_name = "aws-cloudtrail-logs-123456789012-abcdef"
  queue_name  = "aliyun-sasc-log-queue"
  trail_name  = "aliyun-sasc-audit-trail"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# --- Step 1: the least-privilege IAM user, programmatic access only -------------------------

resource "aws_iam_user" "sas" {
  name = var.iam_user
}

# FAULT: the guide's user has programmatic access only; this gives it a console password.
resource "aws_iam_user_login_profile" "sas" {
  user = aws_iam_user.sas.name
}

resource "aws_iam_access_key" "sas" {
  user = aws_iam_user.sas.name
}

# Host: AmazonEC2ReadOnlyAccess + IAMReadOnlyAccess
resource "aws_iam_user_policy_attachment" "host_ec2" {
  user       = aws_iam_user.sas.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
}

resource "aws_iam_user_policy_attachment" "host_iam" {
  user       = aws_iam_user.sas.name
  policy_arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
}

# CSPM: ReadOnlyAccess
resource "aws_iam_user_policy_attachment" "cspm" {
  user       = aws_iam_user.sas.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# Agentless Detection: the guide's custom policy, destructive actions tag-conditioned
resource "aws_iam_policy" "agentless" {
  name   = "AliyunSasAgentlessPolicy"
  policy = file("${path.module}/policies/agentless.json")
}

resource "aws_iam_user_policy_attachment" "agentless" {
  user       = aws_iam_user.sas.name
  policy_arn = aws_iam_policy.agentless.arn
}

# --- Step 2: CloudTrail -> S3 (SSE-S3) -> SQS (standard) for the audit logs ------------------

resource "aws_s3_bucket" "trail" {
  bucket = local.bucket_name
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "trail" {
  bucket                  = aws_s3_bucket.trail.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "trail_bucket" {
  statement {
    sid       = "AWSCloudTrailAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [aws_s3_bucket.trail.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
  statement {
    sid       = "AWSCloudTrailWrite"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.trail.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  bucket = aws_s3_bucket.trail.id
  policy = data.aws_iam_policy_document.trail_bucket.json
}

resource "aws_cloudtrail" "audit" {
  name                          = local.trail_name
  s3_bucket_name                = aws_s3_bucket.trail.id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  # FAULT: the guide requires SSE-S3; the vendor's user cannot decrypt SSE-KMS log files.
  kms_key_id = "arn:aws:kms:ap-northeast-1:123456789012:key/0e4d3b0a-52f1-4d0b-9a55-6c7c1a2d8f01"

  event_selector {
    read_write_type           = "All"
    include_management_events = true
  }

  depends_on = [aws_s3_bucket_policy.trail]
}

resource "aws_sqs_queue" "audit" {
  name                    = local.queue_name
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue_policy" "audit" {
  queue_url = aws_sqs_queue.audit.id
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "__default_policy_ID"
    Statement = [
      {
        Sid       = "AllowTrailBucketToSend"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.audit.arn
        # FAULT: no aws:SourceArn condition: any bucket can send to this queue.
      }
    ]
  })
}

resource "aws_s3_bucket_notification" "trail" {
  bucket = aws_s3_bucket.trail.id

  queue {
    queue_arn = aws_sqs_queue.audit.arn
    events    = ["s3:ObjectCreated:Copy"] # FAULT: CloudTrail writes log files with Put
  }

  depends_on = [aws_sqs_queue_policy.audit]
}

# Step 2, last part: let the IAM user read the queue
resource "aws_iam_user_policy" "queue_read" {
  name = "AliyunSasAuditLogQueueRead"
  user = aws_iam_user.sas.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sqs:GetQueueUrl", "sqs:ReceiveMessage"]
        Resource = aws_sqs_queue.audit.arn
      }
    ]
  })
}
