"""``policy-lint schema``: the onboarding.yaml JSON Schema, or its markdown reference."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True)
def schema(fmt: str) -> None:
    """Print the onboarding.yaml JSON Schema (or its markdown reference, docs/configuration.md)."""
    if fmt == "markdown":
        from policy_lint.rules.docs import config_markdown

        click.echo(config_markdown(), nl=False)
    else:
        import json

        from policy_lint.onboarding.config import load_schema

        click.echo(json.dumps(load_schema(), indent=2))
