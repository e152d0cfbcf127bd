"""Rules over one principal (a user or a role) and every policy that reaches it."""

#: The evidence key of a result about one principal's combined permissions: ``{"kind", "name",
#: "arn", "resource"}``. Reports group such results by principal (text, Markdown, HTML), and the
#: JSON report carries it in each result's evidence.
PRINCIPAL = "principal"


def principal_heading(principal: object) -> str | None:
    """``user dev (aws_iam_user.dev)``: how a report titles one principal's results, or None when
    ``principal`` is not such an evidence entry."""
    if not isinstance(principal, dict) or not principal.get("kind"):
        return None
    who = f"{principal.get('kind')} {principal.get('name')}"
    resource = principal.get("resource")
    return f"{who} ({resource})" if resource and resource != principal.get("name") else who
