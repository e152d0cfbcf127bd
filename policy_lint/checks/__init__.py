"""The rule set. Each module declares its rules (ID, level, rationale, remediation) next to their code."""
