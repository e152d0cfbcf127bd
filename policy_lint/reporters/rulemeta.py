"""What the SARIF, JUnit and auditor reporters share: rule metadata, doc links, digests, evidence.

Reporters only format, but every format must agree on where a rule is documented
(``helpUri`` and report links point at the same anchor of docs/rules.md), which rule set
produced a report (a digest auditors can compare) and how evidence reads. What any format
may show of an input string (secrets redacted, control characters escaped) is
:mod:`policy_lint.reporters.sanitize`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from policy_lint.reporters.sanitize import clean_value
from policy_lint.rules.registry import RuleMeta
from policy_lint.rules.ruleset import all_rules, get_rule, is_settings_rule, settings_rule_metas

#: Where docs/rules.md is published; every rule has an anchor there named after its lower-cased ID
#: (the heading ``### PL101`` becomes ``#pl101``, see policy_lint/rules/docs.py). Override per run
#: with ``context["docs_url"]``.
DOCS_URL = "https://github.com/policy-lint/policy-lint/blob/main/docs/rules.md"
INFORMATION_URL = "https://github.com/policy-lint/policy-lint"
#: how every format starts the message of a result that could not be evaluated (unknown never passes)
UNKNOWN_PREFIX = "Could not be evaluated: "


def lookup(rule_id: str) -> RuleMeta | None:
    """The registered metadata of a rule, or None for an ID the registry does not know."""
    try:
        return get_rule(rule_id)
    except KeyError:
        return None


#: the section of docs/configuration.md on custom rules, beside docs/rules.md
CUSTOM_RULES_ANCHOR = "configuration.md#custom-rules"


def help_uri(rule_id: str, docs_url: str | None = None) -> str:
    """The rule's section in the generated rules reference (the ID percent-encoded, so a rule ID
    taken from input cannot leave the link); a custom rule of the settings links to the page that
    explains custom rules (its own definition is in the settings file, shown in its help)."""
    base = docs_url or DOCS_URL
    if is_settings_rule(rule_id):
        return f"{base.rsplit('/', 1)[0]}/{CUSTOM_RULES_ANCHOR}"
    return f"{base}#{quote(rule_id.lower(), safe='')}"


def custom_rule_entries() -> list[dict[str, Any]]:
    """The settings' custom rules with their metadata, for the formats that list rules (JSON, HTML,
    Markdown): no reference page documents them, so the report itself does. Strings cleaned."""
    entries = [
        {
            "id": meta.id,
            "name": meta.name,
            "title": meta.title,
            "level": meta.level.label,
            "help": meta.rationale,
            "remediation": meta.remediation,
            "policy_types": list(meta.policy_types),
        }
        for meta in settings_rule_metas()
    ]
    cleaned: list[dict[str, Any]] = clean_value(entries)
    return cleaned


def evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    """``key: value`` lines, sorted by key, values as compact JSON when they are not strings;
    every string cleaned (:func:`~policy_lint.reporters.sanitize.clean_value`)."""
    lines = []
    cleaned = clean_value(dict(evidence))
    for key in sorted(cleaned, key=str):
        value = cleaned[key]
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        lines.append(f"{key}: {shown}")
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
