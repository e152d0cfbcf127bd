"""Reporters only format: they never decide what is a finding."""
