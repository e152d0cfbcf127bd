"""Command implementations too large for cli.py (each registers itself on the main group)."""
