"""Reference policies of the onboarding guide (package data; see policy_lint/reference/manifest.py)."""
