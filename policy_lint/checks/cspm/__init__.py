"""CSPM posture rules mapped to the CIS AWS Foundations Benchmark (profile ``cis``).

They run only with ``--profile-set cis`` or ``all``: two of them contradict the
onboarding guide (trail KMS encryption, permissions only through groups), so the
default onboarding profile must not fail a correct onboarding with them.
"""
