"""What the SARIF, JUnit and auditor reporters share: rule metadata, doc links, digests, redaction.

Reporters only format, but every format must agree on three things: where a rule is
documented (``helpUri`` and report links point at the same anchor of docs/rules.md),
which rule set produced a report (a digest auditors can compare), and that an AWS
secret never leaves the process (the redaction here is a safety net applied to every
string a report shows, whatever the source already did).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from policy_lint.rules import RuleMeta, all_rules, get_rule

#: Where docs/rules.md is published; every rule has an anchor there named after its lower-cased ID
#: (the heading ``### PL101`` becomes ``#pl101``, see policy_lint/docs_gen.py). Override per run
#: with ``context["docs_url"]``.
DOCS_URL = "https://github.com/policy-lint/policy-lint/blob/main/docs/rules.md"
INFORMATION_URL = "https://github.com/policy-lint/policy-lint"

# AWS access key IDs: AKIA (long-term), ASIA (temporary), ABIA/ACCA (STS service bearer and
# context keys): a 4-letter prefix and 16 upper-case alphanumerics.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
# A secret access key is 40 base64 characters; require mixed case and a digit so hex digests
# (commit SHAs, our own fingerprints) are not mistaken for one.
_SECRET_CANDIDATE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def lookup(rule_id: str) -> RuleMeta | None:
    """The registered metadata of a rule, or None for an ID the registry does not know."""
    try:
        return get_rule(rule_id)
    except KeyError:
        return None


def help_uri(rule_id: str, docs_url: str | None = None) -> str:
    """The rule's section in the generated rules reference."""
    return f"{docs_url or DOCS_URL}#{rule_id.lower()}"


def _looks_secret(text: str) -> bool:
    return (
        any(c.islower() for c in text) and any(c.isupper() for c in text) and any(c.isdigit() for c in text)
    )


def redact(text: str) -> str:
    """Access key IDs reduced to their last 4 characters; anything shaped like a secret key removed."""
    text = _ACCESS_KEY_ID.sub(lambda m: "…" + m.group(0)[-4:], text)
    return _SECRET_CANDIDATE.sub(
        lambda m: "[redacted secret]" if _looks_secret(m.group(0)) else m.group(0), text
    )


def redact_value(value: Any) -> Any:
    """:func:`redact` applied to every string inside a JSON-like value (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


def evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    """``key: value`` lines, sorted by key, values as compact JSON when they are not strings."""
    lines = []
    for key in sorted(evidence, key=str):
        value = redact_value(evidence[key])
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        lines.append(f"{redact(str(key))}: {shown}")
    return lines


def _meta_dict(meta: RuleMeta) -> dict[str, Any]:
    data = asdict(meta)
    data["level"] = meta.level.label
    data["kind"] = type(meta).__name__
    return data


def ruleset_digest() -> tuple[int, str]:
    """How many rules are registered and the sha256 of their sorted metadata.

    Two reports with the same digest were judged by the same rules with the same
    severities, titles and remediation, whatever the package version says.
    """
    metas = sorted(all_rules(), key=lambda m: m.id)
    blob = json.dumps([_meta_dict(m) for m in metas], sort_keys=True, ensure_ascii=False)
    return len(metas), hashlib.sha256(blob.encode("utf-8")).hexdigest()
