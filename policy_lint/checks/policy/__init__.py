"""Rules over one policy document (``policy-lint lint``), grouped by family.

PL0 syntax and file, PL1 grammar, PL2 actions, PL3 conditions, PL4 resources
and ARNs, PL5 template placeholders, PL6 risky permissions.
"""
