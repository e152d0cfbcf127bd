"""``policy-lint render``: write the onboarding's policies filled from onboarding.yaml, then lint them."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("render")
@click.option(
    "--config", "config_path", required=True, type=click.Path(dir_okay=False), help="onboarding.yaml"
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="rendered",
    show_default=True,
    help="Output folder.",
)
def render_command(config_path: str, out_dir: str) -> None:
    """Fill the reference templates (account, queue ARN, bucket) and write ready-to-paste policies."""
    from policy_lint.core.findings import Level
    from policy_lint.lint.context import LintOptions
    from policy_lint.lint.engine import lint_paths
    from policy_lint.onboarding.config import load_config
    from policy_lint.reference.templates import render_reference_policies
    from policy_lint.reporters.sanitize import clean
    from policy_lint.reporters.text import format_finding

    config = load_config(config_path)
    written = render_reference_policies(config, Path(out_dir))
    for policy in written:
        where = "the IAM user" if policy.attach_to == "iam-user" else "the SQS queue's access policy"
        click.echo(f"wrote {clean(policy.path)} (attach to {where}; needed by {', '.join(policy.features)})")
    if config.domain == "china":
        click.echo(
            "note: ARNs use the aws-cn partition; the guide's template hard-codes arn:aws: (GUIDE-PARTITION)"
        )
    result = lint_paths(
        [str(p.path) for p in written], LintOptions(), as_policy=True
    )  # policies by construction
    for finding in result.findings:
        click.echo(format_finding(finding))
    errors = [f for f in result.findings if f.level >= Level.ERROR]
    click.echo(
        f"linted {result.files} rendered polic{'y' if result.files == 1 else 'ies'}: {len(result.findings)} findings"
    )
    sys.exit(1 if errors or result.errors else 0)
