"""policy-lint: lint AWS policy documents and verify a CSPM onboarding as code."""

__version__ = "0.1.0"
