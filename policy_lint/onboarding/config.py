"""Load and validate ``onboarding.yaml`` into a typed :class:`OnboardingConfig`.

Validation uses the JSON Schema shipped beside this module (``schema.json``),
and every schema error is mapped back to the YAML position of the offending
key or value, so a user sees ``onboarding.yaml:4:11: ...`` and not a JSON path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Location
from policy_lint.core.package_data import package_files
from policy_lint.syntax.nodes import ArrayNode, Node, ObjectNode, ScalarNode
from policy_lint.syntax.source import Source, read_source
from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml

PARTITION_OF_DOMAIN = {"international": "aws", "china": "aws-cn"}


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The onboarding JSON Schema (shipped as package data)."""
    text = package_files("policy_lint.onboarding").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True)
class AuditLogConfig:
    """The optional CloudTrail -> S3 -> SQS pipeline as the console was told about it."""

    region: str
    queue_name: str
    bucket: str | None = None
    trail: str | None = None


@dataclass(frozen=True)
class OnboardingConfig:
    """The user's onboarding choices; ``locations`` maps dotted keys (``audit_log.region``) to positions."""

    path: str
    plan: str
    features: tuple[str, ...]
    console_region: str = "outside_mainland"
    domain: str = "international"
    provisioning_region: str | None = None
    regions: tuple[str, ...] = ()
    manage_new_regions: bool = True
    iam_user: str | None = None
    account_id: str | None = None
    sync: dict[str, str] | str | None = None
    audit_log: AuditLogConfig | None = None
    locations: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)

    @property
    def partition(self) -> str:
        return PARTITION_OF_DOMAIN[self.domain]

    def location(self, key: str) -> Location:
        """Where ``key`` (dotted) is written, falling back to its parent, then the file."""
        parts = key.split(".")
        while parts:
            found = self.locations.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return Location(self.path, 1, 1)

    @property
    def queue_arn(self) -> str | None:
        """The audit-log queue ARN, partition-aware (``arn:aws-cn:`` in China: GUIDE-PARTITION)."""
        if self.audit_log is None or self.account_id is None:
            return None
        arn = arn_builder.queue_arn(
            self.partition, self.audit_log.region, self.account_id, self.audit_log.queue_name
        )
        return arn if isinstance(arn, str) else None


class ConfigError(InputError):
    """The configuration file cannot be used; carries every problem found, each located."""

    def __init__(self, problems: list[tuple[Location, str]]):
        first_loc, first_msg = problems[0]
        super().__init__(first_msg, first_loc.path, first_loc.line, first_loc.col)
        self.problems = problems

    def __reduce__(self) -> tuple[type[ConfigError], tuple[list[tuple[Location, str]]]]:  # type: ignore[override]
        return (ConfigError, (self.problems,))

    def lines(self) -> list[str]:
        return [f"{loc}: {msg}" for loc, msg in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


_PATTERN_WORDS = {
    "^[1-9][0-9]*[mhd]$": "an interval such as 30m, 1h or 1d (or off)",
    "^[a-z]{2}(-[a-z]+)+-[0-9]+$": "a region code such as ap-northeast-1",
    "^[0-9]{12}$": "a 12-digit account ID",
    "^CU[0-9]{3}$": "a custom rule ID: CU and three digits",
    "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+$": (
        "text without control or bidirectional-override characters"
    ),
    "^[A-Za-z0-9+=,.@_-]{1,64}$": "a valid IAM user name (1-64 of A-Z a-z 0-9 +=,.@_-)",
    "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": "a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')",
    "^[A-Za-z0-9_-]{1,80}(\\.fifo)?$": "a valid SQS queue name (1-80 of A-Z a-z 0-9 _ -)",
}


def node_at(root: Node, path: list[Any]) -> Node:
    """The node at a JSON path (as deep as the path exists)."""
    node = root
    for part in path:
        if isinstance(node, ObjectNode) and isinstance(part, str):
            found = node.get(part)
            if found is None:
                break
            node = found
        elif isinstance(node, ArrayNode) and isinstance(part, int) and part < len(node.items):
            node = node.items[part]
        else:
            break
    return node


def _positions(source: Source, root: Node) -> dict[str, Location]:
    out: dict[str, Location] = {}
    stack: list[tuple[str, Node]] = [("", root)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, ObjectNode):
            for key, value in node.pairs:
                dotted = f"{prefix}.{key.value}" if prefix else str(key.value)
                line, col = source.position(value.offset)
                out[dotted] = Location(source.path, line, col)
                stack.append((dotted, value))
        elif isinstance(node, ArrayNode):
            for index, item in enumerate(node.items):
                line, col = source.position(item.offset)
                out[f"{prefix}[{index}]"] = Location(source.path, line, col)
    return out


def schema_problems(
    source: Source, root: Node, data: Any, schema: dict[str, Any] | None = None
) -> list[tuple[Location, str]]:
    """Every JSON Schema violation of ``data``, located at its YAML key or value."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema if schema is not None else load_schema())
    problems: list[tuple[Location, str]] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        while error.validator in ("oneOf", "anyOf") and error.context:
            # Report the branch that got furthest into the value, at its own position.
            error = max(error.context, key=lambda e: (len(list(e.absolute_path)), e.validator != "const"))
        path = list(error.absolute_path)
        node = node_at(root, path)
        where = ".".join(str(p) for p in path) or "the top level"
        if error.validator == "additionalProperties" and isinstance(node, ObjectNode):
            allowed = set(error.schema.get("properties", {}))
            for key, _ in node.pairs:
                if key.value not in allowed:
                    line, col = source.position(key.offset)
                    choices = ", ".join(sorted(allowed))
                    problems.append(
                        (
                            Location(source.path, line, col),
                            f"unknown key {key.value!r} in {where} (allowed: {choices})",
                        )
                    )
            continue
        message = error.message
        if error.validator == "pattern":
            expected = _PATTERN_WORDS.get(
                str(error.validator_value), f"a value matching {error.validator_value}"
            )
            message = f"{error.instance!r} is not {expected}"
        if error.validator == "type" and isinstance(node, ScalarNode) and path and path[-1] == "account_id":
            message += ' (quote it: account_id: "012345678901", so YAML keeps leading zeros)'
        line, col = source.position(node.offset)
        problems.append((Location(source.path, line, col), f"{where}: {message}"))
    return problems


def parse_config(source: Source) -> OnboardingConfig:
    """Validate and type a configuration already read into ``source``."""
    try:
        root = compose_yaml(source, yaml12_booleans=True)
    except YamlSyntaxError as exc:
        raise ConfigError([(Location(source.path, exc.line, exc.col), exc.message)]) from None
    if root is None:
        raise ConfigError([(Location(source.path, 1, 1), "the configuration file is empty")])
    problems: list[tuple[Location, str]] = []
    if isinstance(root, ObjectNode):
        seen: set[str] = set()
        for key, _ in root.pairs:
            if key.value in seen:
                line, col = source.position(key.offset)
                problems.append((Location(source.path, line, col), f"duplicate key {key.value!r}"))
            seen.add(str(key.value))
    data = root.to_python()
    problems += schema_problems(source, root, data)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p[0].line, p[0].col)))
    assert isinstance(data, dict)
    audit = data.get("audit_log")
    sync = data.get("sync")
    return OnboardingConfig(
        path=source.path,
        plan=data["plan"],
        features=tuple(data["features"]),
        console_region=data.get("console_region", "outside_mainland"),
        domain=data.get("domain", "international"),
        provisioning_region=data.get("provisioning_region"),
        regions=tuple(data.get("regions", ())),
        manage_new_regions=data.get("manage_new_regions", True),
        iam_user=data.get("iam_user"),
        account_id=data.get("account_id"),
        sync=sync,
        audit_log=AuditLogConfig(**audit) if audit else None,
        locations=_positions(source, root),
    )


def load_config(path: str) -> OnboardingConfig:
    """Read, validate and type ``onboarding.yaml``; raises :class:`ConfigError` (exit code 2)."""
    return parse_config(read_source(path, max_bytes=1024 * 1024))
