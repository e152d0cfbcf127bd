"""Placeholder module: rules of this family are registered here."""
