"""The rule modules. Each declares its rules (ID, level, rationale, remediation) next to their code,
in its ``RULES`` group; :mod:`policy_lint.rules.ruleset` lists the modules."""
