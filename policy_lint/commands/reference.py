"""``policy-lint reference list|show``: the guide's reference policies and where each comes from."""

from __future__ import annotations

from typing import Any

import click


@click.group()
def reference() -> None:
    """The guide's reference policies: list them, print one, or explain where it comes from."""


def _reference_features(refs: Any, name: str) -> list[str]:
    return [f if when == "always" else f"{f} (audit log)" for f, when in refs.features_of(name)]


@reference.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def reference_list(fmt: str) -> None:
    """List the reference policies and the AWS managed policies the guide names."""
    import json

    from policy_lint.reference.manifest import load_reference_set

    refs = load_reference_set()
    rows: list[dict[str, Any]] = []
    for name in refs.names():
        ref = refs.get(name)
        rows.append(
            {
                "name": name,
                "kind": ref.kind.value,
                "attach_to": ref.attach_to,
                "file": ref.file,
                "features": [{"feature": f, "when": w} for f, w in refs.features_of(name)],
                "placeholders": [p.token for p in ref.placeholders],
                "known_defects": [d.id for d in ref.known_defects],
                "description": ref.description,
            }
        )
    for name in refs.managed_names():
        managed = refs.managed(name)
        rows.append(
            {
                "name": name,
                "kind": "aws-managed",
                "attach_to": "iam-user",
                "file": None,
                "arn": managed.arn_template,
                "features": [{"feature": f, "when": w} for f, w in refs.features_of(name)],
                "placeholders": [],
                "known_defects": [],
                "description": managed.description,
            }
        )
    if fmt == "json":
        click.echo(
            json.dumps(
                {"references": rows, "aws_managed_note": refs.managed_note}, indent=2, ensure_ascii=False
            )
        )
        return
    table = [("NAME", "KIND", "FEATURES", "PLACEHOLDERS", "DESCRIPTION")]
    for row in rows:
        features = ", ".join(_reference_features(refs, row["name"]))
        table.append(
            (row["name"], row["kind"], features, ", ".join(row["placeholders"]) or "-", row["description"])
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for r in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(r[:4], widths, strict=True)) + "  " + r[4]
        )
    click.echo(f"\nAWS managed policies: {refs.managed_note}")


@reference.command("show")
@click.argument("name")
@click.option(
    "--info", is_flag=True, help="Print provenance, placeholders and known defects instead of the document."
)
@click.pass_context
def reference_show(ctx: click.Context, name: str, info: bool) -> None:
    """Print reference policy NAME exactly as shipped (or, with --info, what it is and where it comes from)."""
    import textwrap

    from policy_lint.reference.manifest import load_reference_set

    refs = load_reference_set()
    if name not in refs.all_names():
        raise click.UsageError(
            f"unknown reference policy {name!r}; valid names: {', '.join(refs.all_names())}", ctx
        )

    def para(text: str, indent: str = "    ") -> str:
        return textwrap.fill(
            " ".join(text.split()), width=100, initial_indent=indent, subsequent_indent=indent
        )

    features = ", ".join(_reference_features(refs, name)) or "-"
    if name in refs.managed_names():
        managed = refs.managed(name)
        from policy_lint.reference.managed import load_managed, snapshot_date

        snapshot = load_managed(name)
        if not info:
            if snapshot is None:
                raise click.UsageError(
                    f"{name} is an AWS managed policy ({managed.arn_template}) missing from the bundled "
                    f"snapshot; use 'policy-lint reference show {name} --info'.",
                    ctx,
                )
            click.echo(snapshot.text, nl=False)
            return
        click.echo(f"name:        {name}\nkind:        AWS managed policy, attached to the iam-user")
        if snapshot is not None:
            click.echo(f"snapshot:    version {snapshot.version_id}, as of {snapshot_date()} (bundled)")
        click.echo(f"arn:         {managed.arn_template}\nfeatures:    {features}")
        click.echo(f"description: {managed.description}\n\n{para(refs.managed_note, '')}")
        return
    ref = refs.get(name)
    if not info:
        click.echo(ref.text, nl=False)
        return
    click.echo(f"name:        {ref.name}")
    click.echo(f"kind:        {ref.kind.value} policy, attached to the {ref.attach_to}")
    click.echo(f"file:        policy_lint/reference/policies/{ref.file}")
    if ref.suggested_name:
        click.echo(f"policy name: {ref.suggested_name} (the guide's example)")
    click.echo(f"features:    {features}")
    click.echo(f"description: {' '.join(ref.description.split())}")
    click.echo("\nprovenance:")
    for p in ref.provenance:
        first, last = p.lines
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        click.echo(f"  {p.copy} ({p.language}) {p.seed}, {where}, {p.form or 'text'}")
        click.echo(para(f"section: {p.section_path}"))
        if p.relation:
            click.echo(para(p.relation))
    click.echo("\nplaceholders:" + ("" if ref.placeholders else " none"))
    for ph in ref.placeholders:
        click.echo(f"  {ph.token}")
        click.echo(para(ph.description))
        click.echo(f"    guide's example: {ph.example}")
    click.echo("\nknown defects of the guide:" + ("" if ref.known_defects else " none"))
    for d in ref.known_defects:
        click.echo(f"  {d.id} (copies: {', '.join(d.affects)})")
        click.echo(para(d.text))
