"""Rules over one principal (a user or a role) and every policy that reaches it."""
