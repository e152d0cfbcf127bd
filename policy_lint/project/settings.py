"""Find and validate project settings: ``.policy-lint.yaml`` or ``[tool.policy-lint]`` in pyproject.toml.

Settings are searched from the current directory up to the repository root (the first
folder holding ``.git``), like ruff and cfn-lint do, so a pre-commit hook run from any
sub-folder sees the same configuration. Unknown keys and wrong types are located errors
(exit 2): a typo in ``ignore`` must not silently turn a rule back on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_lint.core.errors import InputError
from policy_lint.core.findings import Location
from policy_lint.core.package_data import package_files

if TYPE_CHECKING:
    from policy_lint.checks.custom_rules import CustomRule
    from policy_lint.project.custom_settings import Locate

#: Settings files (and the pyproject.toml that may hold them) are small; a bigger one is a mistake.
SETTINGS_MAX_BYTES = 1024 * 1024

SETTINGS_FILE = ".policy-lint.yaml"


@dataclass(frozen=True)
class SuppressionEntry:
    """One accepted finding from the settings file."""

    rule: str
    reason: str
    path: str | None = None
    sid: str | None = None
    resource: str | None = None
    expires: str | None = None
    location: Location | None = None
    expires_location: Location | None = None


@dataclass(frozen=True)
class Settings:
    """What the settings file says; every field has the CLI's default when absent."""

    source: str | None = None
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    profile_set: str | None = None
    baseline: str | None = None
    #: findings in statements copied verbatim from a reference policy are accepted vendor risk
    accept_vendor_reference: bool = True
    suppressions: tuple[SuppressionEntry, ...] = ()
    #: ``check``: the inputs describe the whole account (see policy_lint.inventory.account_scope)
    account_scope: bool | None = None
    #: ``placeholders:``: ``(NAME, kind)``, the repository's own ``${NAME}`` template holes
    placeholders: tuple[tuple[str, str], ...] = ()
    #: ``custom-rules:``, the rules the project defines (policy_lint.project.custom_rules)
    custom_rules: tuple[CustomRule, ...] = ()


@lru_cache(maxsize=1)
def settings_schema() -> dict[str, Any]:
    text = package_files("policy_lint.project").joinpath("settings.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def find_settings(start: Path | None = None) -> Path | None:
    """The nearest settings file from ``start`` up to the repository root, if any."""
    from policy_lint.syntax.source import read_regular_file

    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / SETTINGS_FILE
        if _is_regular_file(candidate):
            return candidate
        pyproject = folder / "pyproject.toml"
        if _is_regular_file(pyproject):
            text = read_regular_file(pyproject, str(pyproject), max_bytes=SETTINGS_MAX_BYTES)
            if re.search(rb"^\[tool\.policy-lint\]", text, re.M):
                return pyproject
        if (folder / ".git").exists():
            return None
    return None


def _is_regular_file(path: Path) -> bool:
    """Like ``Path.is_file()``, but a file that cannot be looked at is an error, not "absent":
    skipping a settings file silently would change every verdict without a word."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise InputError(f"cannot look at the settings file: {exc.strerror or exc}", str(path)) from None
    if not stat.S_ISREG(mode):
        raise InputError("a settings file must be a regular file; rename or remove this one", str(path))
    return True


def load_settings(path: str | None = None) -> Settings:
    """Load the given settings file, or the nearest one; no file gives the defaults."""
    from policy_lint.rules.ruleset import use_settings_rules

    use_settings_rules(())
    found = Path(path) if path else find_settings()
    if found is None:
        return Settings()
    if not found.is_file():
        raise InputError(f"settings file not found: {found}")
    if found.name == "pyproject.toml":
        data, locations, locate = _read_pyproject(found)
    else:
        data, locations, locate = _read_yaml(found)
    settings = _typed(found, data, locations, locate)
    if settings.custom_rules:
        from policy_lint.checks.custom_rules import meta_of

        use_settings_rules(meta_of(rule) for rule in settings.custom_rules)
    return settings


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, Location], Locate]:
    from policy_lint.onboarding.config import ConfigError, node_at, schema_problems
    from policy_lint.syntax.nodes import ObjectNode
    from policy_lint.syntax.source import read_source
    from policy_lint.syntax.yaml_loader import YamlSyntaxError, compose_yaml

    source = read_source(str(path), max_bytes=SETTINGS_MAX_BYTES)
    try:
        root = compose_yaml(source, yaml12_booleans=True)
    except YamlSyntaxError as exc:
        raise InputError(exc.message, str(path), exc.line, exc.col) from None
    if root is None:
        return {}, {}, lambda _path: Location(str(path), 1, 1)
    data = root.to_python()
    if not isinstance(root, ObjectNode) or not isinstance(data, dict):
        raise InputError("settings must be a mapping of keys (select, ignore, ...)", str(path), 1, 1)
    problems = schema_problems(source, root, data, settings_schema())
    if problems:
        raise ConfigError(problems)
    locations: dict[str, Location] = {}
    for key in ("select", "ignore", "suppressions"):
        for index, item in enumerate(getattr(root.get(key), "items", [])):
            line, col = source.position(item.offset)
            locations[f"{key}[{index}]"] = Location(str(path), line, col)
            expires = item.get("expires") if isinstance(item, ObjectNode) else None
            if expires is not None:
                line, col = source.position(expires.offset)
                locations[f"{key}[{index}].expires"] = Location(str(path), line, col)

    def locate(json_path: tuple[Any, ...]) -> Location:
        line, col = source.position(node_at(root, list(json_path)).offset)
        return Location(str(path), line, col)

    return data, locations, locate


def _read_pyproject(path: Path) -> tuple[dict[str, Any], dict[str, Location], Locate]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    from policy_lint.syntax.source import read_regular_file

    text = read_regular_file(path, str(path), max_bytes=SETTINGS_MAX_BYTES).decode("utf-8", "replace")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        raise InputError(f"invalid TOML: {exc}", str(path), line, col) from None
    data = document.get("tool", {}).get("policy-lint", {})
    for item in data.get("suppressions", []) if isinstance(data.get("suppressions"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("expires"), dt.date):
            item["expires"] = item["expires"].isoformat()  # a bare TOML date is ISO already
    section = re.search(r"^\[tool\.policy-lint\]", text, re.M)
    section_line = text[: section.start()].count("\n") + 1 if section else 1
    import jsonschema

    errors = sorted(
        jsonschema.Draft202012Validator(settings_schema()).iter_errors(data), key=lambda e: str(e.path)
    )
    if errors:
        from policy_lint.onboarding.config import ConfigError

        raise ConfigError(
            [
                (
                    Location(str(path), _toml_line(text, error.path, section_line), 1),
                    f"[tool.policy-lint] {'.'.join(str(p) for p in error.path) or 'section'}: {error.message}",
                )
                for error in errors
            ]
        )
    locations = {
        f"{key}[{index}]": Location(str(path), _toml_line(text, [key], section_line), 1)
        for key in ("select", "ignore")
        for index in range(len(data.get(key, [])))
    }
    return (
        data,
        locations,
        lambda json_path: Location(str(path), _toml_entry_line(text, json_path, section_line), 1),
    )


def _toml_entry_line(text: str, json_path: tuple[Any, ...], section_line: int) -> int:
    """Best-effort line of ``custom-rules[n].key`` in pyproject.toml: the n-th
    ``[[tool.policy-lint.custom-rules]]`` table, then the key's line inside it."""
    if len(json_path) < 2 or not isinstance(json_path[1], int):
        return _toml_line(text, json_path, section_line)
    header = re.compile(rf"^\s*\[\[tool\.policy-lint\.{re.escape(str(json_path[0]))}\]\]")
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines, start=1) if header.match(line)]
    if json_path[1] >= len(starts):
        return section_line
    start = starts[json_path[1]]
    end = next(
        (n for n, line in enumerate(lines[start:], start=start + 1) if line.lstrip().startswith("[[")),
        len(lines) + 1,
    )
    for key in reversed([part for part in json_path[2:] if isinstance(part, str)]):  # the deepest key found
        pattern = re.compile(rf"(^|[\s{{,.\[]){re.escape(key)}\s*(=|\])")
        for number in range(start + 1, end):
            if pattern.search(lines[number - 1]):
                return number
    return start


def _toml_line(text: str, path: Any, section_line: int) -> int:
    """Best-effort line of a key in pyproject.toml (tomllib keeps no positions)."""
    keys = [p for p in path if isinstance(p, str)]
    if keys:
        pattern = re.compile(rf"^\s*{re.escape(keys[0])}\s*=")
        for number, line in enumerate(text.splitlines()[section_line:], start=section_line + 1):
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
    return section_line


def _check_rule_ids(
    path: Path, data: dict[str, Any], locations: dict[str, Location], custom: tuple[CustomRule, ...]
) -> None:
    """An unknown ID or prefix in select/ignore would silently select or skip nothing (a CU one too:
    it must name one of this file's custom rules)."""
    named = [
        (key, index, prefix)
        for key in ("select", "ignore")
        for index, prefix in enumerate(str(p).upper() for p in data.get(key, []))
    ]
    if not named:
        return  # load no rule for a settings file that selects none
    from policy_lint.onboarding.config import ConfigError
    from policy_lint.rules.ruleset import is_known_prefix, unknown_prefix_message

    defined = [rule.id for rule in custom]
    problems = [
        (locations.get(f"{key}[{index}]", Location(str(path), 1, 1)), unknown_prefix_message(prefix, key))
        for key, index, prefix in named
        if not is_known_prefix(prefix)
        or (prefix.startswith("CU") and not any(i.startswith(prefix) for i in defined))
    ]
    if problems:
        raise ConfigError(problems)


def _beside(settings_file: Path, name: str) -> str:
    """A path the settings file names, taken from the settings file's folder (not the current
    directory, which changes when a hook runs in a sub-folder); shown relative when it can be."""
    target = settings_file.resolve().parent / name
    try:
        return target.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(target)


def _typed(path: Path, data: dict[str, Any], locations: dict[str, Location], locate: Locate) -> Settings:
    custom: tuple[CustomRule, ...] = ()
    if data.get("custom-rules"):
        from policy_lint.project.custom_settings import parse_custom_rules

        custom = parse_custom_rules(data["custom-rules"], locate)
    _check_rule_ids(path, data, locations, custom)
    entries = tuple(
        SuppressionEntry(
            rule=str(item["rule"]).upper(),
            reason=str(item["reason"]),
            path=item.get("path"),
            sid=item.get("sid"),
            resource=item.get("resource"),
            expires=str(item["expires"]) if item.get("expires") else None,
            location=locations.get(f"suppressions[{index}]", Location(str(path), 1, 1)),
            expires_location=locations.get(f"suppressions[{index}].expires"),
        )
        for index, item in enumerate(data.get("suppressions", []))
    )
    return Settings(
        source=str(path),
        root=path.resolve().parent,
        select=tuple(s.upper() for s in data.get("select", [])),
        ignore=tuple(s.upper() for s in data.get("ignore", [])),
        fail_on=data.get("fail-on"),
        profile_set=data.get("profile-set"),
        baseline=_beside(path, data["baseline"]) if data.get("baseline") else None,
        accept_vendor_reference=bool(data.get("accept-vendor-reference", True)),
        suppressions=entries,
        account_scope=data.get("account-scope"),
        placeholders=tuple(sorted((str(k), str(v)) for k, v in data.get("placeholders", {}).items())),
        custom_rules=custom,
    )
