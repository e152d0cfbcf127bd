"""``policy-lint rules``: every rule ID with its level and title (the source of docs/rules.md)."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
def rules(fmt: str) -> None:
    """List every rule ID with its level and title (markdown regenerates docs/rules.md)."""
    from policy_lint.rules.docs import rules_json, rules_markdown, rules_text

    renderer = {"text": rules_text, "markdown": rules_markdown, "json": rules_json}[fmt]
    click.echo(renderer(), nl=False)
