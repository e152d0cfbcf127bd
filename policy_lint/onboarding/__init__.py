"""The onboarding configuration (onboarding.yaml): schema, loader and typed model."""
