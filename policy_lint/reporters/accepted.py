"""The findings a run accepted or suppressed, as every report lists them.

A gate that hides what it let through cannot be audited: the vendor reference's inherited
weaknesses (accepted by default), inline and settings suppressions and baselined findings are
listed by each format in its own way (text and HTML sections, SARIF ``suppressions``, JUnit skipped
cases, GitHub notices, GitLab ``info`` issues, CSV rows, ASFF ``Workflow.Status`` SUPPRESSED, OCSF
``status_id`` Suppressed), each with the reason. The commands hand them over as plain mappings
(``context["suppressed"]``, also what JSON shows and ``merge`` reads back); this module turns one
into the fields a format needs, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy_lint.core.findings import Level, Location
from policy_lint.reporters import rulemeta
from policy_lint.reporters.stable_id import id_parts
from policy_lint.rules.registry import Status

#: how a report names an entry whose risk is the vendor's, accepted by default
VENDOR_KINDS = frozenset({"vendor-reference", "upstream-template", "aws-managed"})


@dataclass(frozen=True)
class Accepted:
    """One finding the gate did not count, and why."""

    rule_id: str
    name: str
    title: str
    level: Level
    message: str
    location: Location | None
    resource: str | None
    reason: str
    kind: str
    #: the verdict it was suppressed with: a lint finding or failed result FAIL, an unknown UNKNOWN
    verdict: Status = Status.FAIL
    #: the account of the result it stands for (``verify --organization``), when it carries one
    account: str | None = None

    @property
    def status(self) -> str:
        """``accepted`` (a documented vendor risk) or ``suppressed`` (the project's own decision)."""
        return "accepted" if self.kind in VENDOR_KINDS else "suppressed"

    def id_parts(self) -> tuple[str, ...]:
        """What a stable finding ID (ASFF ``Id``, OCSF ``uid``) hashes: the parts the finding has
        when it is not accepted, so a later import updates that finding instead of adding a twin."""
        return id_parts(location=self.location, message=self.message, resource=self.resource)

    @property
    def anchor(self) -> str:
        """The resource, else ``file:line:col``: what security platforms file it under."""
        return self.resource or (str(self.location) if self.location else "")

    def verdict_message(self) -> str:
        """The message as its verdict shows it (an unknown says it could not be evaluated)."""
        unknown = rulemeta.UNKNOWN_PREFIX if self.verdict is Status.UNKNOWN else ""
        return unknown + self.message

    def shown_message(self) -> str:
        """The message with the decision and its reason first, as a reader of any format sees it."""
        where = f"{self.resource}: " if self.resource and self.location is None else ""
        return f"{self.status.capitalize()} ({self.reason}): {where}{self.verdict_message()}"


def parse_location(text: object) -> Location | None:
    """``path:line:col`` as reports write a location (the path may itself hold colons)."""
    if not isinstance(text, str) or text.count(":") < 2:
        return None
    path, line, col = text.rsplit(":", 2)
    return Location(path, int(line), int(col)) if line.isdigit() and col.isdigit() else None


def accepted_entries(entries: Sequence[Mapping[str, Any]] | None) -> list[Accepted]:
    """The entries whose rule is known (a report needs its metadata), in the order given."""
    out: list[Accepted] = []
    for entry in entries or ():
        rule_id = str(entry.get("rule_id", ""))
        meta = rulemeta.lookup(rule_id)
        if meta is None:
            continue
        resource = entry.get("resource")
        out.append(
            Accepted(
                rule_id=rule_id,
                name=meta.name,
                title=meta.title,
                level=meta.level,
                message=str(entry.get("message") or meta.title),
                location=parse_location(entry.get("location")),
                resource=str(resource) if resource else None,
                reason=str(entry.get("reason") or ""),
                kind=str(entry.get("kind") or ""),
                verdict=Status.UNKNOWN if entry.get("status") == Status.UNKNOWN.value else Status.FAIL,
                account=str(entry["account_id"]) if entry.get("account_id") else None,
            )
        )
    return out
