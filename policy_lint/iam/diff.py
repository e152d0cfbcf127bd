"""Diff an actual set of identity policies against the reference policies of the onboarding.

The question is about *effective permissions*, not names: ReadOnlyAccess alone covers
the Host feature (AmazonEC2ReadOnlyAccess + IAMReadOnlyAccess), and a Deny removes an
action a policy elsewhere grants. Every statement of both sides is expanded against the
action catalog to concrete actions, and each action is asked of the other side's
:class:`~policy_lint.iam.evaluate.PermissionSet`:

* **missing** (PD101): a reference action the actual set does not allow (implicit deny,
  or an explicit Deny: then the finding points at the Deny);
* **conditional** (PD102): allowed only under a condition the reference does not have, or
  on part of the reference's resource scope, or a conditional Deny may remove it;
* **excess** (PD103, PD104 when risky): an action the actual set grants and the reference
  set does not grant at all;
* **weakened** (PD105 condition, PD106 resource scope): an action the reference grants
  only under a condition or on narrower resources, granted more broadly by the actual set;
* **tag-condition bypass** (PL607/PL608, GUIDE-TAG-BYPASS) over the whole actual set.

The reference statement's own conditions are assumed when checking coverage: an actual
statement with the same (or a weaker) tag condition covers it.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policy_lint import __version__
from policy_lint.catalog.actions import ActionCatalog
from policy_lint.catalog.defaults import default_catalog
from policy_lint.errors import InputError
from policy_lint.findings import Finding, Level, Location
from policy_lint.iam import diff_rules
from policy_lint.iam.evaluate import (
    Decision,
    ExpandedAction,
    Grant,
    PermissionSet,
    PolicyStatement,
    StatementRef,
    is_changing,
    is_destructive,
)
from policy_lint.iam.tag_bypass import find_tag_bypass
from policy_lint.lint_ruleset import get_policy_rule
from policy_lint.managed import ManagedPolicy, close_matches, load_managed, managed_names, snapshot_info
from policy_lint.policy.loader import load_policy
from policy_lint.policy.model import PolicyDocument, PolicyType
from policy_lint.reference import Reference, ReferenceSet, in_partition, load_reference_set
from policy_lint.rules import RuleMeta
from policy_lint.syntax.source import DEFAULT_MAX_BYTES, MAX_FILE_SIZE_HINT, Source, read_source

EXAMPLES = 5


class DiffUsageError(ValueError):
    """A reference, feature, managed policy or --var the diff cannot use (exit code 2)."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ReferencePolicy:
    """One policy of the reference set: a shipped reference or an AWS managed policy."""

    name: str
    kind: str  # "reference" or "aws-managed"
    features: tuple[str, ...]
    document: PolicyDocument = field(compare=False, repr=False)
    unfilled: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({', '.join(self.features)})" if self.features else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "features": list(self.features),
            "path": self.document.path,
            "unfilled_placeholders": list(self.unfilled),
        }


@dataclass(frozen=True)
class ActualPolicy:
    """One policy of the actual set: a file, or an AWS managed policy from the snapshot."""

    name: str
    document: PolicyDocument = field(compare=False, repr=False)
    managed: ManagedPolicy | None = None

    @property
    def kind(self) -> str:
        return "aws-managed" if self.managed is not None else "file"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "path": self.document.path}
        if self.managed is not None:
            out.update(
                arn=self.managed.arn,
                version_id=self.managed.version_id,
                updated=self.managed.update_date,
                sha256=self.managed.sha256,
            )
        return out


#: ``--var`` keys (normalized: lower case, no spaces/_/-) -> placeholder token.
VAR_ALIASES = {
    "accountid": "${Account ID}",
    "account": "${Account ID}",
    "sqsarn": "${SQS ARN}",
    "queuearn": "${SQS ARN}",
    "s3bucketname": "${S3 bucket name}",
    "bucketname": "${S3 bucket name}",
    "bucket": "${S3 bucket name}",
    "s3bucket": "${S3 bucket name}",
}
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def parse_vars(pairs: Iterable[str]) -> tuple[dict[str, str], str | None]:
    """``KEY=VALUE`` strings -> (placeholder token -> value, partition or None)."""
    values: dict[str, str] = {}
    partition: str | None = None
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise DiffUsageError(f"--var {pair!r}: expected KEY=VALUE, e.g. --var 'SQS ARN=arn:aws:sqs:...'")
        norm = "".join(ch for ch in key.lower() if ch.isalnum())
        if norm == "partition":
            if value not in PARTITIONS:
                raise DiffUsageError(f"--var partition={value!r}: choose one of {', '.join(PARTITIONS)}")
            partition = value
            continue
        token = VAR_ALIASES.get(norm)
        if token is None:
            keys = [*sorted({t[2:-1] for t in VAR_ALIASES.values()}), "partition"]
            raise DiffUsageError(
                f"--var {key!r}: unknown placeholder; use one of {', '.join(keys)} "
                "(or account_id, queue_arn, bucket)"
            )
        values[token] = value.strip()
    return values, partition


def _fill(reference: Reference, values: Mapping[str, str], partition: str) -> tuple[str, tuple[str, ...]]:
    """The reference text with known placeholders filled and the others replaced by ``*``."""
    text = reference.text
    unfilled: list[str] = []
    for placeholder in reference.placeholders:
        value = values.get(placeholder.token)
        if value is None:
            unfilled.append(placeholder.token)
            value = "*"
        text = text.replace(placeholder.token, json.dumps(value, ensure_ascii=False)[1:-1])
    return in_partition(text, partition), tuple(unfilled)


def reference_policies(
    *,
    names: Sequence[str] = (),
    features: Sequence[str] = (),
    plan: str = "manual",
    audit_log: bool = False,
    console_region: str | None = None,
    values: Mapping[str, str] | None = None,
    partition: str = "aws",
    refs: ReferenceSet | None = None,
) -> tuple[list[ReferencePolicy], list[str]]:
    """The reference set (identity policies) for named references or features, and notes.

    Resource policies the features need (the SQS queue policy) are left out with a note:
    the diff compares what the IAM user may do.
    """
    refs = refs or load_reference_set()
    values = values or {}
    wanted: list[tuple[str, tuple[str, ...]]] = []
    if names:
        for name in names:
            if name not in refs.names() and load_managed(name) is None:
                close = difflib.get_close_matches(name, [*refs.names(), *managed_names()], n=3, cutoff=0.6)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise DiffUsageError(
                    f"unknown reference {name!r}; {hint}choose a reference ({', '.join(refs.names())}) "
                    f"or an AWS managed policy of the snapshot ({', '.join(managed_names())})"
                )
            wanted.append((name, tuple(f for f, _ in refs.features_of(name))))
    else:
        if not features:
            raise DiffUsageError("nothing to compare with: give --reference, --feature or --config")
        try:
            requirements = refs.for_features(features, plan, audit_log, console_region=console_region)
        except ValueError as exc:
            raise DiffUsageError(str(exc)) from None
        wanted = [(r.policy, r.features) for r in requirements]
    out: list[ReferencePolicy] = []
    notes: list[str] = []
    seen: set[str] = set()
    for name, needed_by in wanted:
        if name in seen:
            continue
        seen.add(name)
        if name in refs.names():
            ref = refs.get(name)
            if ref.kind is not PolicyType.IDENTITY:
                notes.append(
                    f"{name} is a {ref.kind.value} policy attached to the {ref.attach_to}; diff compares the "
                    f"IAM user's identity permissions, so it is not compared (lint it with policy-lint lint)"
                )
                continue
            text, unfilled = _fill(ref, values, partition)
            doc, problem = load_policy(Source(f"reference_policies/{ref.file}", text), PolicyType.IDENTITY)
            if doc is None:
                assert problem is not None
                raise DiffUsageError(f"reference {name}: the filled template is not valid: {problem.message}")
            out.append(ReferencePolicy(name, "reference", needed_by, doc, unfilled))
        else:
            managed = load_managed(name)
            if managed is None:
                raise DiffUsageError(f"AWS managed policy {name} is not in the bundled snapshot")
            out.append(ReferencePolicy(managed.name, "aws-managed", needed_by, managed.document))
    if not out:
        # Comparing against nothing would report every actual permission as excess.
        raise DiffUsageError("nothing to compare with: " + "; ".join(notes))
    return out, notes


def load_actual(
    inputs: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[ActualPolicy], list[Finding]]:
    """Files (or folders of them) and AWS managed policy names/ARNs -> policies, parse findings.

    Raises :class:`InputError` for an unreadable file and :class:`DiffUsageError` for a
    name that is neither an existing file nor a managed policy of the snapshot.
    """
    from policy_lint.lint import iter_inputs, problem_finding

    actual: list[ActualPolicy] = []
    problems: list[Finding] = []
    for raw in inputs:
        if os.path.exists(raw):
            expanded = iter_inputs([raw])
            if expanded.errors:
                raise expanded.errors[0]
            for path, explicit in expanded.files:
                source = read_source(path, max_bytes=max_bytes, too_big_hint=MAX_FILE_SIZE_HINT)
                if not explicit and "Statement" not in source.text:
                    continue
                doc, problem = load_policy(source, PolicyType.IDENTITY)
                if doc is None:
                    assert problem is not None
                    problems.append(problem_finding(source, problem))
                    continue
                actual.append(ActualPolicy(path, doc))
            continue
        managed = load_managed(raw)
        if managed is not None:
            actual.append(ActualPolicy(managed.name, managed.document, managed))
            continue
        if raw.startswith("arn:") or ("/" not in raw and "\\" not in raw and "." not in raw):
            raise DiffUsageError(_unknown_managed(raw))
        raise InputError("no such file", raw)
    return actual, problems


def _unknown_managed(raw: str) -> str:
    close = close_matches(raw)
    right_name = load_managed(raw.rsplit("/", 1)[-1])
    if right_name is not None and raw.startswith("arn:"):
        return (
            f"no AWS managed policy {raw!r}; did you mean {right_name.arn} (its path is {right_name.path})?"
        )
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return (
        f"{raw!r} is neither a file nor an AWS managed policy of the bundled snapshot{hint} "
        f"(the snapshot holds {len(managed_names())} policies as of {snapshot_info().data_as_of}; "
        "for another managed policy, save its document to a file: aws iam get-policy-version ...)"
    )


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class DiffFinding:
    """A finding plus the evidence JSON output carries."""

    finding: Finding
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        from policy_lint.reporters.json_report import finding_to_dict

        return {**finding_to_dict(self.finding), "evidence": self.evidence}


@dataclass
class DiffResult:
    findings: list[DiffFinding]
    references: list[ReferencePolicy]
    actual: list[ActualPolicy]
    notes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def by_rule(self, rule_id: str) -> list[DiffFinding]:
        return [f for f in self.findings if f.finding.rule_id == rule_id]


def _finding(meta: RuleMeta, message: str, location: Location, hint: str | None = None) -> Finding:
    return Finding(meta.id, meta.level, message, location, meta.name, hint)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _examples(names: Sequence[str], limit: int = EXAMPLES) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


# --------------------------------------------------------------------------- the diff


@dataclass
class _Scope:
    resource: str
    any_resource: bool


def _reference_scopes(stmt: PolicyStatement, ref: ReferencePolicy) -> list[_Scope]:
    if stmt.not_resource:
        return [_Scope("*", True)]
    loose = bool(ref.unfilled)
    return [_Scope(p.text, loose or p.has_variable) for p in stmt.resources]


def _actual_scopes(stmt: PolicyStatement) -> list[str]:
    if stmt.not_resource:
        return ["*"]
    return [p.glob for p in stmt.resources]


class _Differ:
    def __init__(
        self, actual: Sequence[ActualPolicy], references: Sequence[ReferencePolicy], catalog: ActionCatalog
    ):
        self.actual = list(actual)
        self.references = list(references)
        self.catalog = catalog
        self.actual_perms = PermissionSet.from_documents(a.document for a in self.actual)
        self.ref_perms = PermissionSet.from_documents(r.document for r in self.references)
        self.ref_of_doc = {id(r.document): r for r in self.references}
        first_file = next(
            (a for a in self.actual if a.managed is None), self.actual[0] if self.actual else None
        )
        self.anchor = Location(first_file.document.path if first_file else "<actual>", 1, 1)
        self.findings: list[DiffFinding] = []
        self.stats: dict[str, int] = {
            "reference_actions": 0,
            "covered": 0,
            "missing": 0,
            "conditional": 0,
            "excess": 0,
            "weakened": 0,
        }

    def _ref_label(self, stmt: PolicyStatement) -> str:
        ref = self.ref_of_doc.get(id(stmt.document))
        name = ref.name if ref is not None else stmt.document.path
        return f"{name} {stmt.ref.label}"

    # ---- missing / conditional -----------------------------------------------------------
    def missing(self) -> None:
        checked: set[str] = set()
        covered: set[str] = set()
        for ref in self.references:
            for token in ref.unfilled:
                self.findings.append(
                    DiffFinding(
                        _finding(
                            diff_rules.UNFILLED,
                            f"{ref.name}: {token} has no value, so its resource scope is compared as any "
                            f"resource (the actions are still checked)",
                            self.anchor,
                            f"pass --var '{token[2:-1]}=...' or --config onboarding.yaml",
                        ),
                        {"reference": ref.name, "placeholder": token},
                    )
                )
            for stmt in PermissionSet.from_documents([ref.document]).statements:
                if stmt.is_allow:
                    self._missing_in(ref, stmt, checked, covered)
        self.stats["reference_actions"] = len(checked)
        self.stats["covered"] = len(covered)

    def _missing_in(
        self, ref: ReferencePolicy, stmt: PolicyStatement, checked: set[str], covered: set[str]
    ) -> None:
        actions = sorted(stmt.expand(self.catalog), key=lambda e: e.key)
        scopes = _reference_scopes(stmt, ref)
        denied: dict[StatementRef, tuple[Grant, list[str]]] = {}
        limited: dict[StatementRef, tuple[Grant, list[str], list[Decision]]] = {}
        implicit: list[str] = []
        for expanded in actions:
            checked.add(expanded.key)
            worst: Decision | None = None
            for scope in scopes:
                decision = self.actual_perms.evaluate(
                    expanded.key, scope.resource, assume=stmt.conditions, any_resource=scope.any_resource
                )
                if worst is None or _rank(decision) > _rank(worst):
                    worst = decision
            assert worst is not None
            if worst.status == "allowed":
                covered.add(expanded.key)
            elif worst.status == "denied":
                grant = worst.deciding_denies[0]
                denied.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
            elif worst.status == "conditional":
                grant = worst.limits[0]
                entry = limited.setdefault(grant.ref, (grant, [], []))
                entry[1].append(expanded.name)
                entry[2].append(worst)
            else:
                implicit.append(expanded.name)
        where = f"{ref.name} {stmt.ref.label}"
        needed = f" (needed by {', '.join(ref.features)})" if ref.features else ""
        base_evidence = {
            "reference": ref.name,
            "features": list(ref.features),
            "reference_statement": stmt.ref.to_dict(),
            "reference_resources": [s.resource for s in scopes],
            "reference_conditions": [c.to_dict() for c in stmt.conditions],
            "reference_actions": len(actions),
        }
        if implicit:
            self.stats["missing"] += len(implicit)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.MISSING,
                        f"{where}{needed}: {_plural(len(implicit), 'action')} of {len(actions):,} not allowed "
                        f"by the actual policies: {_examples(implicit)}",
                        self.anchor,
                        f"attach {ref.name} or add these actions",
                    ),
                    {**base_evidence, "cause": "implicit-deny", "actions": implicit},
                )
            )
        for grant, names in denied.values():
            self.stats["missing"] += len(names)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.MISSING,
                        f"this Deny removes {_plural(len(names), 'action')} that {where}{needed} grants: "
                        f"{_examples(names)}",
                        grant.location,
                        "narrow or remove the Deny, or exempt these actions",
                    ),
                    {**base_evidence, "cause": "denied", "actions": names, "denied_by": grant.to_dict()},
                )
            )
        for grant, names, decisions in limited.values():
            self.stats["conditional"] += len(names)
            why = _limit_reason(grant)
            verb = "is" if len(names) == 1 else "are"
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.CONDITIONAL,
                        f"{_plural(len(names), 'action')} that {where}{needed} grants "
                        f"{'may be removed by this Deny' if grant.effect == 'Deny' else verb + ' allowed here only'} "
                        f"{why}: {_examples(names)}",
                        grant.location,
                        "make sure the vendor's requests satisfy it, or grant the actions as the reference does",
                    ),
                    {
                        **base_evidence,
                        "cause": "conditional",
                        "actions": names,
                        "limited_by": [g.to_dict() for g in decisions[0].limits],
                    },
                )
            )

    # ---- excess / weakened ------------------------------------------------------------
    def excess(self) -> None:
        for stmt in self.actual_perms.statements:
            if stmt.is_allow:
                self._excess_in(stmt)

    def _excess_in(self, stmt: PolicyStatement) -> None:
        extra: list[ExpandedAction] = []
        changing: list[str] = []
        destructive: list[str] = []
        weakened_cond: dict[StatementRef, tuple[Grant, list[str]]] = {}
        widened: dict[StatementRef, tuple[Grant, list[str]]] = {}
        scopes = _actual_scopes(stmt)
        star = stmt.not_resource or "*" in scopes
        for expanded in sorted(stmt.expand(self.catalog), key=lambda e: e.key):
            ref_grants: list[Grant] = []
            granted_beyond = False
            for scope in scopes:
                own_decision = self.actual_perms.evaluate(expanded.key, scope, assume=stmt.conditions)
                if own_decision.status == "denied":
                    continue
                decision = self.ref_perms.evaluate(expanded.key, scope, assume=stmt.conditions)
                if decision.status == "allowed":
                    continue
                granted_beyond = True
                ref_grants.extend(decision.allows)
            if not granted_beyond:
                continue
            if ref_grants:
                for grant in ref_grants:
                    if grant.conditions:
                        weakened_cond.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
                    if not grant.covers_scope:
                        widened.setdefault(grant.ref, (grant, []))[1].append(expanded.name)
                continue
            extra.append(expanded)
            if is_destructive(expanded.name):
                destructive.append(expanded.name)
            elif star and is_changing(expanded.access_level):
                changing.append(expanded.name)
        label = stmt.ref.label
        refs = ", ".join(r.name for r in self.references) or "-"
        for grant, granted in weakened_cond.values():
            names = sorted(set(granted))
            self.stats["weakened"] += len(names)
            own = ", ".join(str(c) for c in stmt.conditions)
            how = f"under a looser or different condition ({own})" if own else "without a condition"
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.WEAKENED_CONDITION,
                        f"{label} allows {_examples(names, 10)} {how}; {self._ref_label(grant.statement)} grants "
                        f"{'it' if len(names) == 1 else 'them'} only if "
                        + " and ".join(str(c) for c in grant.conditions),
                        stmt.ref.location,
                        "restore the reference's Condition on this statement, or remove these actions from it",
                    ),
                    {
                        "actions": names,
                        "granted_by": stmt.ref.to_dict(),
                        "granted_conditions": [c.to_dict() for c in stmt.conditions],
                        "reference": self._ref_name(grant),
                        "reference_statement": grant.ref.to_dict(),
                        "reference_conditions": [c.to_dict() for c in grant.conditions],
                    },
                )
            )
        for grant, granted in widened.values():
            names = sorted(set(granted))
            self.stats["weakened"] += len(names)
            self.findings.append(
                DiffFinding(
                    _finding(
                        diff_rules.WIDENED_SCOPE,
                        f"{label} allows {_examples(names, 10)} on {', '.join(scopes)}; "
                        f"{self._ref_label(grant.statement)} grants {'it' if len(names) == 1 else 'them'} only on "
                        f"{', '.join(grant.resources)}",
                        stmt.ref.location,
                        f"scope Resource to {', '.join(grant.resources)}",
                    ),
                    {
                        "actions": names,
                        "granted_by": stmt.ref.to_dict(),
                        "granted_resources": scopes,
                        "reference": self._ref_name(grant),
                        "reference_statement": grant.ref.to_dict(),
                        "reference_resources": list(grant.resources),
                    },
                )
            )
        if not extra:
            return
        extra_names = [e.name for e in extra]
        self.stats["excess"] += len(extra_names)
        risky = bool(changing or destructive)
        parts = []
        if destructive:
            parts.append(f"{_plural(len(destructive), 'destructive action')} ({_examples(destructive)})")
        if changing:
            on = "NotResource" if stmt.not_resource else "*"
            parts.append(
                f"{len(changing):,} write/permissions-management/tagging on {on} ({_examples(changing)})"
            )
        via = ", ".join(p.text for p in stmt.actions[:3]) + (" ..." if len(stmt.actions) > 3 else "")
        if stmt.not_action:
            via = "NotAction " + via
        message = (
            f"{label} grants {_plural(len(extra_names), 'action')} beyond the reference ({refs}) via {via}"
        )
        message += f", including {' and '.join(parts)}" if risky else f": {_examples(extra_names)}"
        self.findings.append(
            DiffFinding(
                _finding(
                    diff_rules.RISKY_EXCESS if risky else diff_rules.EXCESS,
                    message,
                    stmt.ref.location,
                    "remove the extra actions or attach the reference policy instead",
                ),
                {
                    "granted_by": stmt.ref.to_dict(),
                    "count": len(extra_names),
                    "actions": extra_names,
                    "destructive": destructive,
                    "changing_on_all_resources": changing,
                },
            )
        )

    def _ref_name(self, grant: Grant) -> str:
        ref = self.ref_of_doc.get(id(grant.statement.document))
        return ref.name if ref is not None else grant.ref.path

    # ---- GUIDE-TAG-BYPASS over the whole set ------------------------------------------------------------
    def tag_bypass(self) -> None:
        pairs = [(a.document, s) for a in self.actual for s in a.document.statements]
        ref_pairs = [(r.document, s) for r in self.references for s in r.document.statements]
        in_reference = {b.rule_id: b for b in find_tag_bypass(ref_pairs, self.catalog)}
        for issue in find_tag_bypass(pairs, self.catalog):
            meta = get_policy_rule(issue.rule_id)
            same = in_reference.get(issue.rule_id)
            message = issue.message
            if same is not None:
                owner = self.ref_of_doc.get(id(same.document))
                message += (
                    f"; the reference {owner.name if owner else same.document.path} has the same weakness"
                )
            self.findings.append(
                DiffFinding(
                    Finding(issue.rule_id, meta.level, message, issue.location, meta.name, issue.hint),
                    {"actions": list(issue.actions), "reference_has_it": same is not None},
                )
            )


def _rank(decision: Decision) -> int:
    return {"allowed": 0, "conditional": 1, "implicit-deny": 2, "denied": 3}[decision.status]


def _limit_reason(grant: Grant) -> str:
    parts: list[str] = []
    if grant.conditions:
        parts.append("if " + " and ".join(str(c) for c in grant.conditions))
    if not grant.covers_scope:
        kind = "NotResource" if grant.not_resource else "Resource"
        parts.append(f"on part of the reference's resources ({kind} {', '.join(grant.resources)})")
    return ", ".join(parts) or "conditionally"


def diff_policies(
    actual: Sequence[ActualPolicy],
    references: Sequence[ReferencePolicy],
    catalog: ActionCatalog | None = None,
    notes: Sequence[str] = (),
) -> DiffResult:
    """Compare the actual policy set with the reference set; findings are sorted."""
    differ = _Differ(actual, references, catalog or default_catalog())
    differ.missing()
    differ.excess()
    differ.tag_bypass()
    findings = sorted(differ.findings, key=lambda f: f.finding.sort_key())
    return DiffResult(findings, list(references), list(actual), list(notes), differ.stats)


# --------------------------------------------------------------------------- reports


def render_text(result: DiffResult, problems: Sequence[Finding] = (), colour: bool = False) -> str:
    from policy_lint.reporters.sanitize import clean
    from policy_lint.reporters.text import format_finding, summary

    findings = sorted([*problems, *(f.finding for f in result.findings)], key=Finding.sort_key)
    lines = [format_finding(f, colour) for f in findings]  # cleans each field
    refs = clean(", ".join(r.label for r in result.references) or "-")
    lines.append(summary(findings, len(result.actual) + len(problems)).rstrip(".") + f", against {refs}.")
    if any(a.managed is not None for a in result.actual) or any(
        r.kind == "aws-managed" for r in result.references
    ):
        lines.append(f"Compared using {snapshot_info()}.")  # AWS changes them: say how old our copy is
    return "\n".join(lines) + "\n"


def render_json(
    result: DiffResult | None,
    problems: Sequence[Finding] = (),
    errors: Sequence[str] = (),
    context: Mapping[str, Any] | None = None,
) -> str:
    from policy_lint.reporters.json_report import finding_to_dict

    info = snapshot_info()
    findings: list[dict[str, Any]] = [{**finding_to_dict(p), "evidence": {}} for p in problems]
    if result is not None:
        findings.extend(f.to_dict() for f in result.findings)
    findings.sort(
        key=lambda f: (
            f["location"]["path"],
            f["location"]["line"],
            f["location"]["col"],
            f["rule_id"],
            f["message"],
        )
    )
    payload = {
        "tool": {"name": "policy-lint", "version": __version__, "command": "diff"},
        "reference": {
            **(dict(context) if context else {}),
            "policies": [r.to_dict() for r in result.references] if result else [],
        },
        "actual": [a.to_dict() for a in result.actual] if result else [],
        "managed_snapshot": {"data_as_of": info.data_as_of, "source": f"{info.package}@{info.version}"},
        "stats": result.stats if result else {},
        "findings": findings,
        "notes": result.notes if result else [],
        "errors": list(errors),
    }
    from policy_lint.reporters.sanitize import clean_value

    # Every string cleaned (secrets redacted, control characters escaped), as in lint/check JSON.
    return json.dumps(clean_value(payload), indent=2, ensure_ascii=False) + "\n"


def exit_code(result: DiffResult | None, problems: Sequence[Finding], threshold: Level) -> int:
    if problems or result is None:
        return 2
    return 1 if any(f.finding.level >= threshold for f in result.findings) else 0
