"""Onboarding rules over the inventory (OB0 configuration, OB1 IAM, OB2 CloudTrail/S3, OB3 SQS)."""
