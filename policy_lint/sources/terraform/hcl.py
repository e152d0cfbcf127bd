"""Terraform HCL source: ``.tf`` and ``.tf.json`` files, one module per directory, into the inventory.

A ``.tf.json`` file (Terraform's JSON syntax) is read into the same parsed form as a ``.tf`` file
(:mod:`policy_lint.sources.terraform.json_syntax`), so everything below treats both alike.

Each root module (:mod:`policy_lint.sources.terraform.roots`) is evaluated on its own: its
variables, values and addresses; a folder another folder of the input calls as a local module
(``source = "./x"``) is loaded through that call with the call's arguments bound to its variables.
With several roots, addresses are qualified with the root's path (``Origin.root``). Values are resolved as far as the files fix them
(:mod:`policy_lint.sources.terraform.evaluator`); the resource mapping is shared with the plan source
(:mod:`policy_lint.sources.terraform.resources`).

The files are untrusted: one :class:`~policy_lint.sources.terraform.budget.Budget` bounds the whole
evaluation of a load, and :class:`~policy_lint.sources.scanned.ScannedFolders` decides what
``file()`` may read and which local modules are loaded.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_lint.catalog import arn_builder
from policy_lint.core.errors import InputError
from policy_lint.core.findings import Finding
from policy_lint.inventory.model import Inventory, Maybe, Origin, RegionScope, Unknown
from policy_lint.sources import problems
from policy_lint.sources.scanned import NotReadable, ScannedFolders
from policy_lint.sources.terraform.budget import Budget, BudgetExhausted
from policy_lint.sources.terraform.evaluator import (
    MAX_EXPANSION,
    Attribute,
    Block,
    Body,
    Evaluator,
    HclFile,
    Index,
    Unresolved,
    Value,
    parse_hcl,
    shown_text,
)
from policy_lint.sources.terraform.json_syntax import JSON_SUFFIX, parse_tf_json
from policy_lint.sources.terraform.policy_document import render_policy_document
from policy_lint.sources.terraform.resources import (
    MAPPED_TYPES,
    Mapper,
    ResourceData,
    partition_text,
    provider_scope,
    ref_text,
    root_scope,
)
from policy_lint.sources.terraform.roots import Roots, called_folders, find_roots, local_source, module_folder
from policy_lint.sources.terraform.values import as_unknown_items
from policy_lint.syntax.source import read_source

SOURCE = "terraform"
META_ARGUMENTS = frozenset(
    {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
)
MAX_MODULE_DEPTH = 8
MAX_FILE_BYTES = 1024 * 1024


@dataclass
class Instance:
    """One instance of a resource or data block: its address and its count/each bindings."""

    address: str
    block: Block
    file: HclFile
    bindings: dict[str, Value]
    key: Value = None


@dataclass
class Loader:
    """State shared by every module of one load: hints, budget, readable folders, parsed files."""

    inventory: Inventory
    region: str | None
    account_id: str | None
    budget: Budget
    folders: ScannedFolders
    parsed: dict[Path, list[HclFile]] = field(default_factory=dict)
    listed: dict[Path, list[Path] | None] = field(default_factory=dict)
    resources: list[ResourceData] = field(default_factory=list)
    reported: set[tuple[str, int, int]] = field(default_factory=set)
    #: the label qualifying the addresses of the root module being loaded (None: bare addresses)
    root_label: str | None = None

    def problem(self, message: str, path: str, line: int = 1, col: int = 1) -> None:
        self.inventory.problems.append(problems.problem(problems.PARTIAL, message, path, line, col))

    def problem_once(self, message: str, path: str, line: int = 1, col: int = 1) -> None:
        """An IN002 reported once per place (module instances evaluate the same text again)."""
        if (path, line, col) not in self.reported:
            self.reported.add((path, line, col))
            self.problem(message, path, line, col)

    def literal(self, attr: Attribute | None, hcl: HclFile) -> Value:
        """A value that must be literal (tfvars, module sources, provider aliases)."""
        if attr is None:
            return None
        return Evaluator(_NoScope(), hcl.text, budget=self.budget, path=hcl.path).eval(attr.expr)

    def report_budget(self) -> None:
        """One IN002 per spent total and per value refused for its size, where it happened."""
        for exhaustion in self.budget.exhausted.values():
            self.problem(
                f"{exhaustion.reason}; from here on, values are unknown and modules are not loaded",
                exhaustion.path or "<input>",
                exhaustion.line,
                exhaustion.col,
            )
        for (path, line, col), reason in self.budget.too_large.items():
            self.problem(f"{reason}: this value is unknown", path, line, col)

    def parse_file(self, path: Path) -> HclFile | None:
        try:
            source = read_source(path, max_bytes=MAX_FILE_BYTES)
            if path.name.endswith(JSON_SUFFIX):
                return parse_tf_json(source)
            return parse_hcl(source.text, str(path))
        except InputError as exc:
            self.inventory.problems.append(problems.unreadable(exc))
            return None

    def tf_files(self, directory: Path) -> list[Path] | None:
        """The ``.tf`` files of a module folder; None, with an IN001, when it cannot be listed.

        Not ``glob``: it answers "no files" for a folder it may not list, which read as "module
        directory has no .tf files" (a warning) instead of an input that cannot be used.
        """
        if directory not in self.listed:
            try:
                with os.scandir(directory) as entries:
                    names = [
                        e.name
                        for e in entries
                        if e.name.endswith((".tf", JSON_SUFFIX)) and not e.name.startswith(".")
                    ]
                self.listed[directory] = sorted(directory / name for name in names)
            except (FileNotFoundError, NotADirectoryError):
                self.listed[directory] = []  # no module folder there: "has no .tf files"
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENAMETOOLONG):
                    self.listed[directory] = []  # a source naming no folder that could exist
                    return self.listed[directory]
                reason = f"cannot list this module folder ({(exc.strerror or str(exc)).lower()})"
                hint = "make it readable and searchable by the user running policy-lint"
                self.inventory.problems.append(
                    problems.unreadable(InputError(f"{reason}: {hint}", str(directory)))
                )
                self.listed[directory] = None
        return self.listed[directory]

    def files_of(self, directory: Path, paths: Sequence[Path] | None = None) -> list[HclFile]:
        if directory not in self.parsed:
            chosen = sorted(paths) if paths is not None else (self.tf_files(directory) or [])
            parsed = [self.parse_file(p) for p in chosen]
            self.parsed[directory] = [f for f in parsed if f is not None]
        return self.parsed[directory]


def load(
    files: Sequence[Path],
    inventory: Inventory,
    *,
    region: str | None = None,
    account_id: str | None = None,
    roots: Sequence[str | Path] | None = None,
    budget: Budget | None = None,
    alongside: bool = False,
    repository_root: str | Path | None = None,
) -> None:
    """Read the .tf files (grouped by directory) into ``inventory``; never raises on bad input.

    ``roots`` are the folders being checked (default: the folders of ``files``): file functions
    read only inside them. ``budget`` bounds the whole evaluation (default: the standard limits).
    ``alongside``: inputs of another source are checked too, so addresses are always qualified.
    ``repository_root``: the repository's top folder, when the user names it (local modules load
    from inside it; see :mod:`policy_lint.sources.scanned`).
    A large input is split across processes by :mod:`policy_lint.sources.terraform.groups`.
    """
    inventory.sources.append(SOURCE)
    loader = new_loader(inventory, files, region, account_id, roots, budget, repository_root)
    by_dir = folders_of(files)
    checked = [Path(p) for p in roots] if roots is not None else sorted(by_dir)
    found = load_roots(loader, by_dir, checked, alongside)
    if found.left_out:
        _report_left_out(loader, found.left_out)
    loader.report_budget()


def new_loader(
    inventory: Inventory,
    files: Sequence[Path],
    region: str | None,
    account_id: str | None,
    roots: Sequence[str | Path] | None,
    budget: Budget | None,
    repository_root: str | Path | None,
) -> Loader:
    budget = budget if budget is not None else Budget()
    folders = ScannedFolders(
        roots if roots is not None else [Path(p).parent for p in files], budget, repository_root
    )
    return Loader(inventory, region, account_id, budget, folders)


def folders_of(files: Sequence[Path]) -> dict[Path, list[Path]]:
    """The input's files by folder (a folder is one module)."""
    by_dir: dict[Path, list[Path]] = {}
    for path in files:
        by_dir.setdefault(Path(path).parent, []).append(Path(path))
    return by_dir


def load_roots(
    loader: Loader,
    by_dir: dict[Path, list[Path]],
    checked: Sequence[Path],
    alongside: bool,
    decide: Callable[[dict[Path, list[HclFile]], set[Path]], Roots] | None = None,
) -> Roots:
    """Parse the input's folders, find the root modules among them (``decide``: how, when not
    :func:`find_roots`) and load each into the loader's inventory, in order."""
    for directory, paths in sorted(by_dir.items()):
        loader.files_of(directory, paths)
    parsed = {directory: loader.parsed.get(directory, []) for directory in by_dir}
    called = called_folders(parsed, loader.literal)
    found = decide(parsed, called) if decide else find_roots(parsed, called, checked, alongside=alongside)
    for directory, label in found.labels.items():
        loader.resources = []
        loader.root_label = label
        root = Module(loader, directory, "", {}, None, depth=0)
        try:
            root.collect()
        except RecursionError:
            loader.problem("module is nested too deeply to evaluate", str(directory / "main.tf"))
        # One mapper per root module: addresses (and so symbols) are only unique within one root.
        Mapper(loader.inventory, SOURCE, loader.account_id).build(loader.resources)
    return found


def _report_left_out(loader: Loader, folders: Sequence[Path]) -> None:
    """One input note naming the uncalled folders that are not root modules: nothing of theirs is
    checked, and the user should know which folders that is."""
    loader.inventory.problems.append(left_out_note(folders, first_file(loader, folders[0])))


def first_file(loader: Loader, folder: Path) -> str:
    """Where a note about a folder points: its first parsed file, else the folder."""
    return next((hcl.path for hcl in loader.parsed.get(folder, [])), str(folder))


def left_out_note(folders: Sequence[Path], where: str) -> Finding:
    shown = ", ".join(str(folder) for folder in folders[:8])
    more = f" and {len(folders) - 8} more" if len(folders) > 8 else ""
    return problems.problem(
        problems.PARTIAL,
        f"not checked: {shown}{more}: only module calls, no provider or terraform block, and no "
        "root module calls them, so they are not root modules (check such a folder on its own)",
        where,
    )


def _files_in(directory: Path, pattern: str) -> list[Path]:
    """The files of ``directory`` matching ``pattern``; none when it cannot be listed.

    A module source names the folder, so it may be anything: too long a name, a loop of
    symlinks, a file. Those are a module without .tf files, not an internal error.
    """
    try:
        return sorted(directory.glob(pattern))
    except OSError:
        return []


class _NoScope:
    """A scope for literal-only evaluation (tfvars, module sources)."""

    def resolve(self, root: str, steps: list[Value], text: str) -> tuple[Value, int]:
        return Unresolved("${" + text + "}", "not a literal value"), len(steps)

    def read_file(self, path: str) -> str:
        raise NotReadable("file functions are not evaluated in literal values")

    def file_exists(self, path: str) -> bool:
        raise NotReadable("file functions are not evaluated in literal values")

    def refused(self, message: str, path: str, line: int, col: int) -> None:
        pass  # a literal value is reported by its user


def _count_problem(count: Value) -> str:
    """Why a known count is not expanded, naming its type, never its content."""
    if isinstance(count, (int, float)) and not isinstance(count, bool):
        return f"count must be 0 to {MAX_EXPANSION:,}"
    return f"count is {type(count).__name__ if count is not None else 'null'}, not a number"


def _fmt_index(key: Value) -> str:
    return f"[{json.dumps(key)}]" if isinstance(key, str) else f"[{key}]"


@dataclass(frozen=True)
class Provider:
    """A provider configuration as a module sees it: its region, and the address of the block
    that declares it (module calls pass configurations down, so one may serve many modules)."""

    region: Value
    address: str


class Module:
    """One module instance: its files, variable values, providers, and lazily evaluated values."""

    def __init__(
        self,
        loader: Loader,
        directory: Path,
        prefix: str,
        inputs: dict[str, Value],
        providers: dict[str, Provider] | None,
        depth: int,
        ancestors: tuple[Path, ...] = (),
    ):
        self.loader = loader
        self.budget = loader.budget
        self.dir = directory
        self.prefix = prefix
        self.inputs = inputs
        self.depth = depth
        self.ancestors = (*ancestors, directory)
        #: ``${...}`` references of every module instance of one root are unique within the root
        self.symbol_scope = root_scope(str(self.ancestors[0]))
        self.files = loader.files_of(directory)
        # Setting up an instance goes over every block: a module counted 1,000 times costs that.
        self.budget.step(sum(len(hcl.body.blocks) + len(hcl.body.attributes) for hcl in self.files))
        self.variables: dict[str, tuple[Block, HclFile]] = {}
        self.locals: dict[str, tuple[Attribute, HclFile]] = {}
        self.outputs: dict[str, tuple[Attribute, HclFile]] = {}
        self.resources: dict[tuple[str, str], tuple[Block, HclFile]] = {}
        self.data: dict[tuple[str, str], tuple[Block, HclFile]] = {}
        self.calls: dict[str, tuple[Block, HclFile]] = {}
        own_providers: dict[str, tuple[Block, HclFile]] = {}
        for hcl in self.files:
            for block in hcl.body.blocks:
                labels = block.labels
                if block.type == "variable" and labels:
                    self.variables[labels[0]] = (block, hcl)
                elif block.type == "locals":
                    for name, attr in block.body.attributes.items():
                        self.locals[name] = (attr, hcl)
                elif block.type == "output" and labels and "value" in block.body.attributes:
                    self.outputs[labels[0]] = (block.body.attributes["value"], hcl)
                elif block.type == "resource" and len(labels) == 2:
                    self.resources[(labels[0], labels[1])] = (block, hcl)
                elif block.type == "data" and len(labels) == 2:
                    self.data[(labels[0], labels[1])] = (block, hcl)
                elif block.type == "module" and labels:
                    self.calls[labels[0]] = (block, hcl)
                elif block.type == "provider" and labels:
                    alias = loader.literal(block.body.attributes.get("alias"), hcl)
                    key = labels[0] + (f".{alias}" if isinstance(alias, str) else "")
                    own_providers[key] = (block, hcl)
        self.tfvars = self._tfvars() if not prefix else {}
        self.local_cache: dict[str, Value] = {}
        self.evaluating: set[str] = set()
        self.instance_cache: dict[tuple[str, str, str], list[Instance]] = {}
        self.children: dict[str, list[tuple[Value, Module | None]]] = {}
        # Provider configurations: inherited from the caller, then this module's own provider blocks.
        self.providers: dict[str, Provider] = dict(providers or {})
        for key, (block, hcl) in own_providers.items():
            region_attr = block.body.attributes.get("region")
            region = (
                self._eval(region_attr.expr, hcl)
                if region_attr
                else Unresolved("${" + key + ".region}", f"provider {key} sets no region")
            )
            self.providers[key] = Provider(region, f"{prefix}provider.{key}")

    # -- helpers ---------------------------------------------------------------------------
    def evaluator(self, hcl: HclFile, bindings: dict[str, Value] | None = None) -> Evaluator:
        return Evaluator(self, hcl.text, bindings, budget=self.budget, path=hcl.path)

    def _eval(self, expr: Any, hcl: HclFile, bindings: dict[str, Value] | None = None) -> Value:
        evaluator = self.evaluator(hcl, bindings)
        try:
            value = evaluator.eval(expr)
            # What the mapper and the rules do with a value is in proportion to its size.
            self.budget.work(self.budget.size(value))
        except RecursionError:
            return Unresolved("${...}", "expression nested too deeply")
        except BudgetExhausted as exc:
            self.budget.locate(hcl.path, *evaluator.position(expr))
            return evaluator.unresolved(expr, exc.reason)
        return value

    def _origin(
        self,
        address: str,
        hcl: HclFile,
        line: int,
        col: int,
        region: Maybe[str] | None,
        region_scope: RegionScope | None,
    ) -> Origin:
        return Origin(
            SOURCE,
            address,
            hcl.path,
            line,
            col,
            region if isinstance(region, str) else None,
            symbol_scope=self.symbol_scope,
            region_scope=region_scope,
            root=self.loader.root_label,
        )

    def _tfvars(self) -> dict[str, Value]:
        values: dict[str, Value] = {}
        candidates = [self.dir / "terraform.tfvars", *_files_in(self.dir, "*.auto.tfvars")]
        for path in candidates:
            if not os.path.lexists(path):
                continue  # anything else (a FIFO, a file it may not read) is parse_file's to report
            hcl = self.loader.parse_file(path)
            if hcl is None:
                continue
            for name, attr in hcl.body.attributes.items():
                values[name] = self.loader.literal(attr, hcl)
        return values

    # -- Scope protocol --------------------------------------------------------------------
    def _file_path(self, path: str) -> Path:
        if "\x00" in path:
            raise NotReadable("a path with a NUL character")
        candidate = Path(path)
        try:
            if not candidate.is_absolute() and not candidate.exists():
                # path.module is the module directory as given, so "${path.module}/x" is already
                # usable as it is; a bare relative name is relative to the module (our best reading).
                candidate = self.dir / candidate
        except OSError as exc:  # a name too long, a loop of symlinks
            raise NotReadable(f"cannot be read ({exc.strerror or 'invalid path'})") from None
        return candidate

    def read_file(self, path: str) -> str:
        return self.loader.folders.read_text(self._file_path(path))

    def file_exists(self, path: str) -> bool:
        return self.loader.folders.exists(self._file_path(path))

    def refused(self, message: str, path: str, line: int, col: int) -> None:
        self.loader.problem_once(f"{message}; the value is unknown", path, line, col)

    def resolve(self, root: str, steps: list[Value], text: str) -> tuple[Value, int]:
        first = steps[0] if steps and isinstance(steps[0], str) else None
        unresolved = Unresolved("${" + self.prefix + text + "}", f"{text} is not known")
        if root == "var" and first is not None:
            return self.variable(first), 1
        if root == "local" and first is not None:
            return self.local(first), 1
        if root == "path" and first is not None:
            return str(self.dir), 1
        if root == "terraform" and first == "workspace":
            return "default", 1
        if root == "count" or root == "each":
            return Unresolved("${" + self.prefix + text + "}", f"{root} used outside count/for_each"), len(
                steps
            )
        if root == "data" and len(steps) >= 2 and isinstance(steps[0], str) and isinstance(steps[1], str):
            return self.data_ref(steps[0], steps[1], steps[2:])
        if root == "module" and first is not None:
            return self.module_ref(first, steps[1:])
        if first is not None and (root, first) in self.resources:
            return self.resource_ref(root, first, steps[1:])
        return unresolved, len(steps)

    # -- variables and locals --------------------------------------------------------------
    def variable(self, name: str) -> Value:
        if name in self.inputs:
            return self.inputs[name]
        if name in self.tfvars:
            return self.tfvars[name]
        found = self.variables.get(name)
        symbol = "${" + self.prefix + "var." + name + "}"
        if found is None:
            return Unresolved(symbol, f"variable {name} is not declared")
        block, hcl = found
        default = block.body.attributes.get("default")
        if default is None:
            return Unresolved(symbol, f"variable {name} has no default value")
        return self._eval(default.expr, hcl)

    def local(self, name: str) -> Value:
        if name in self.local_cache:
            return self.local_cache[name]
        found = self.locals.get(name)
        symbol = "${" + self.prefix + "local." + name + "}"
        if found is None:
            return Unresolved(symbol, f"local {name} is not declared")
        key = "local." + name
        if key in self.evaluating:
            return Unresolved(symbol, f"local {name} refers to itself")
        self.evaluating.add(key)
        try:
            value = self._eval(found[0].expr, found[1])
        finally:
            self.evaluating.discard(key)
        self.local_cache[name] = value
        return value

    # -- providers and regions -------------------------------------------------------------
    def region_of(self, block: Block, hcl: HclFile, bindings: dict[str, Value]) -> Maybe[str]:
        explicit = block.body.attributes.get("region")  # AWS provider 6: per-resource region
        if explicit is not None:
            value = self._eval(explicit.expr, hcl, bindings)
            if isinstance(value, str):
                return value
        key = self._provider_key(block, hcl)
        provider = self.providers.get(key)
        value = provider.region if provider is not None else None
        if isinstance(value, str):
            return value
        if self.loader.region is not None:
            return self.loader.region
        if isinstance(value, Unresolved):
            return Unknown(f"the region of provider {key} is not known: {value.reason}")
        return Unknown(f"provider {key} has no literal region in these files")

    def _provider_key(self, block: Block, hcl: HclFile) -> str:
        """The provider a resource names (``aws``, ``aws.west``), as this module calls it."""
        provider_attr = block.body.attributes.get("provider")
        return "aws" if provider_attr is None else self.evaluator(hcl).source(provider_attr.expr)

    def region_scope(self, block: Block, hcl: HclFile, region: Maybe[str]) -> RegionScope | None:
        """The provider configuration that decides the resource's region; None when the resource
        sets its own (AWS provider 6). Without a provider block, the root's implicit one."""
        if "region" in block.body.attributes:
            return None
        key = self._provider_key(block, hcl)
        provider = self.providers.get(key)
        address = provider.address if provider is not None else f"provider.{key}"
        return provider_scope(f"{self.symbol_scope} {address}", region)

    # -- count / for_each ------------------------------------------------------------------
    def instances(self, kind: str, rtype: str, name: str) -> list[Instance]:
        cache_key = (kind, rtype, name)
        if cache_key in self.instance_cache:
            return self.instance_cache[cache_key]
        table = self.resources if kind == "resource" else self.data
        block, hcl = table[(rtype, name)]
        base = f"{self.prefix}{'data.' if kind == 'data' else ''}{rtype}.{name}"
        self.instance_cache[cache_key] = []  # a self-reference during expansion sees no instance
        result = self._expand(block, hcl, base, f"{kind} {base}")
        self.instance_cache[cache_key] = result
        return result

    def _expand(self, block: Block, hcl: HclFile, base: str, what: str) -> list[Instance]:
        attrs = block.body.attributes
        if "count" in attrs:
            count = self._eval(attrs["count"].expr, hcl)
            if (
                isinstance(count, (int, float))
                and not isinstance(count, bool)
                and 0 <= count <= MAX_EXPANSION
            ):
                spent = self._charge_expansion(int(count), attrs["count"], hcl)
                if spent is None:
                    return [
                        Instance(f"{base}[{i}]", block, hcl, {"count": {"index": i}}, i)
                        for i in range(int(count))
                    ]
                count = spent
            reason = count.reason if isinstance(count, Unresolved) else _count_problem(count)
            if not self.budget.spent:  # once it is, one IN002 says so for everything after
                self.loader.problem(
                    f"{what}: count is not a literal number ({reason}); kept as one instance with unknown values",
                    hcl.path,
                    attrs["count"].line,
                    attrs["count"].col,
                )
            return [Instance(base, block, hcl, {"count": Unresolved("${" + base + ".count}", reason)})]
        if "for_each" in attrs:
            each = self._eval(attrs["for_each"].expr, hcl)
            items: list[tuple[str, Value]] | None = None
            if isinstance(each, dict) and not any(isinstance(k, Unresolved) for k in each):
                items = list(each.items())
            elif isinstance(each, list) and all(isinstance(k, str) for k in each):
                items = [(k, k) for k in each]
            if items is not None and len(items) <= MAX_EXPANSION:
                spent = self._charge_expansion(len(items), attrs["for_each"], hcl)
                if spent is None:
                    return [
                        Instance(f"{base}{_fmt_index(k)}", block, hcl, {"each": {"key": k, "value": v}}, k)
                        for k, v in items
                    ]
                each = spent
            reason = (
                each.reason
                if isinstance(each, Unresolved)
                else f"more than {MAX_EXPANSION:,} instances"
                if items is not None
                else "for_each is not a map or set of strings"
            )
            if not self.budget.spent:
                self.loader.problem(
                    f"{what}: for_each is not literal ({reason}); kept as one instance with unknown values",
                    hcl.path,
                    attrs["for_each"].line,
                    attrs["for_each"].col,
                )
            return [Instance(base, block, hcl, {"each": Unresolved("${" + base + ".each}", reason)})]
        return [Instance(base, block, hcl, {})]

    def _charge_expansion(self, count: int, attr: Attribute, hcl: HclFile) -> Unresolved | None:
        """Charge ``count`` instances to the load's budget; the reason when it is spent."""
        try:
            self.budget.expand(count)
        except BudgetExhausted as exc:
            self.budget.locate(hcl.path, attr.line, attr.col)
            return Unresolved("${...}", exc.reason)
        return None

    def _pick(self, instances: list[Instance], steps: list[Value]) -> tuple[Instance | None, int]:
        """The instance named by an optional index step; (None, n) when it cannot be told."""
        if steps and isinstance(steps[0], Index):
            key = steps[0].value
            for inst in instances:
                if inst.key == key or (inst.key is None and len(instances) == 1):
                    return inst, 1
            return None, 1
        if len(instances) == 1 and instances[0].key is None:
            return instances[0], 0
        return None, 0

    # -- block bodies ----------------------------------------------------------------------
    def body_values(
        self, body: Body, hcl: HclFile, bindings: dict[str, Value], top: bool = False
    ) -> dict[str, Value]:
        """Arguments and nested blocks as plan JSON shows them (blocks are lists of objects)."""
        values: dict[str, Value] = {}
        for name, attr in body.attributes.items():
            if top and name in META_ARGUMENTS:
                continue
            values[name] = self._eval(attr.expr, hcl, bindings)
        for block in body.blocks:
            if top and block.type in META_ARGUMENTS:
                continue
            if block.type == "dynamic" and block.labels:
                label = block.labels[0]
                expanded = self._dynamic(block, hcl, bindings)
                existing = values.get(label, [])
                if isinstance(existing, Unresolved):
                    continue
                # blocks not known stay in place among the known ones, never dropped
                added = [as_unknown_items(expanded)] if isinstance(expanded, Unresolved) else expanded
                values[label] = [*existing, *added]
                continue
            existing = values.setdefault(block.type, [])
            if isinstance(existing, list):  # a new list: ``existing`` may be a shared evaluated value
                values[block.type] = [*existing, self.body_values(block.body, hcl, bindings)]
        return values

    def _dynamic(self, block: Block, hcl: HclFile, bindings: dict[str, Value]) -> list[Value] | Unresolved:
        label = block.labels[0]
        for_each_attr = block.body.attributes.get("for_each")
        content = next(block.body.blocks_of("content"), None)
        if for_each_attr is None or content is None:
            return Unresolved("${dynamic." + label + "}", "dynamic block without for_each or content")
        items = self._eval(for_each_attr.expr, hcl, bindings)
        iterator_attr = block.body.attributes.get("iterator")
        iterator = self.evaluator(hcl).source(iterator_attr.expr) if iterator_attr else label
        if isinstance(items, dict):
            pairs: list[tuple[Value, Value]] = list(items.items())
        elif isinstance(items, list):
            pairs = list(enumerate(items))
        else:
            reason = items.reason if isinstance(items, Unresolved) else "for_each is not a collection"
            return Unresolved("${dynamic." + label + "}", f"dynamic {label} blocks not known: {reason}")
        spent = self._charge_expansion(len(pairs), for_each_attr, hcl)
        if spent is not None:
            return Unresolved("${dynamic." + label + "}", f"dynamic {label} blocks not known: {spent.reason}")
        return [
            self.body_values(content.body, hcl, {**bindings, iterator: {"key": k, "value": v}})
            for k, v in pairs
        ]

    # -- resources -------------------------------------------------------------------------
    def resource_ref(self, rtype: str, name: str, steps: list[Value]) -> tuple[Value, int]:
        instances = self.instances("resource", rtype, name)
        inst, used = self._pick(instances, steps)
        base = f"{self.prefix}{rtype}.{name}"
        rest = steps[used:]
        if inst is None:
            key = steps[0].value if used else None
            shown = base + (_fmt_index(key) if used and not isinstance(key, Unresolved) else "")
            return Unresolved("${" + shown + "}", f"instance of {base} not known"), 1 + used
        if not rest or not isinstance(rest[0], str):
            return Unresolved("${" + inst.address + "}", "a whole resource object"), 1 + used
        return self.attribute(inst, rtype, rest[0]), 2 + used

    def attribute(self, inst: Instance, rtype: str, attr: str) -> Value:
        """The value of ``<resource>.<attr>``: literal where the configuration fixes it."""
        symbol = Unresolved(
            "${" + inst.address + "." + attr + "}", f"{inst.address}.{attr} is known after apply"
        )
        guard = inst.address + "." + attr
        if guard in self.evaluating:
            return symbol
        self.evaluating.add(guard)
        try:
            return self._attribute(inst, rtype, attr, symbol)
        finally:
            self.evaluating.discard(guard)

    def _arg(self, inst: Instance, name: str) -> Value:
        attr = inst.block.body.attributes.get(name)
        return None if attr is None else self._eval(attr.expr, inst.file, inst.bindings)

    def _context(self, inst: Instance) -> tuple[Maybe[str], Maybe[str], Maybe[str]]:
        region = self.region_of(inst.block, inst.file, inst.bindings)
        account: Maybe[str] = self.loader.account_id or Unknown("account ID not known")
        return region, arn_builder.partition_of(region), account

    def _attribute(self, inst: Instance, rtype: str, attr: str, symbol: Unresolved) -> Value:
        if attr == "region":
            region = self.region_of(inst.block, inst.file, inst.bindings)
            return region if isinstance(region, str) else symbol
        if rtype == "aws_s3_bucket" and attr in ("id", "bucket", "arn"):
            name = self._arg(inst, "bucket")
            if not isinstance(name, str) or not name:
                name_symbol = "${" + inst.address + ".id}"
                if attr != "arn":
                    return Unresolved(name_symbol, f"bucket name of {inst.address} is chosen at apply time")
                name = name_symbol
            if attr != "arn":
                return name
            _, partition, _ = self._context(inst)
            text = arn_builder.bucket_arn(partition_text(partition), name)
            if not isinstance(text, str):  # not reached: the name and the partition's text are given
                return symbol
            if arn_builder.is_literal(text):
                return text
            if isinstance(partition, Unknown):
                return Unresolved(text, partition.reason)
            return Unresolved(text, f"bucket name of {inst.address} is chosen at apply time")
        if rtype == "aws_sqs_queue" and attr in ("name", "arn"):
            name = self._arg(inst, "name")
            if not isinstance(name, str) or not name:
                return (
                    Unresolved("${" + inst.address + ".name}", "queue name chosen at apply time")
                    if attr == "name"
                    else symbol
                )
            if attr == "name":
                return name
            region, partition, account = self._context(inst)
            built = arn_builder.queue_arn(partition, region, account, name)
            return built if arn_builder.is_literal(built) else symbol
        if rtype in ("aws_iam_user", "aws_iam_group") and attr in ("id", "name", "arn"):
            name = self._arg(inst, "name")
            if attr != "arn":
                return name if isinstance(name, str) else symbol
            _, partition, account = self._context(inst)
            kind = "user" if rtype == "aws_iam_user" else "group"
            built = arn_builder.iam_arn(
                partition, account, kind, ref_text(name), ref_text(self._arg(inst, "path"))
            )
            return built if arn_builder.is_literal(built) else symbol
        if rtype == "aws_iam_policy" and attr in ("id", "arn"):
            _, partition, account = self._context(inst)
            name, path = ref_text(self._arg(inst, "name")), ref_text(self._arg(inst, "path"))
            built = arn_builder.iam_arn(partition, account, "policy", name, path)
            return (
                built
                if arn_builder.is_literal(built)
                else Unresolved("${" + inst.address + ".arn}", symbol.reason)
            )
        if attr in inst.block.body.attributes and attr not in META_ARGUMENTS:
            return self._arg(inst, attr)
        return symbol

    # -- data sources ----------------------------------------------------------------------
    def data_ref(self, dtype: str, name: str, steps: list[Value]) -> tuple[Value, int]:
        base = f"{self.prefix}data.{dtype}.{name}"
        if (dtype, name) not in self.data:
            return Unresolved("${" + base + "}", f"data source {base} is not declared"), 2 + len(steps)
        inst, used = self._pick(self.instances("data", dtype, name), steps)
        rest = steps[used:]
        if inst is None or not rest or not isinstance(rest[0], str):
            return Unresolved("${" + base + "}", f"data source {base} not known"), 2 + len(steps)
        attr = rest[0]
        symbol = Unresolved(
            "${" + inst.address + "." + attr + "}", f"{inst.address}.{attr} is read at plan time"
        )
        consumed = 3 + used
        if dtype == "aws_iam_policy_document" and attr in ("json", "minified_json"):
            guard = inst.address
            if guard in self.evaluating:
                return symbol, consumed
            self.evaluating.add(guard)
            try:
                return self.policy_document(inst), consumed
            finally:
                self.evaluating.discard(guard)
        if dtype == "aws_caller_identity" and attr == "account_id":
            return (self.loader.account_id or symbol), consumed
        if dtype in ("aws_partition", "aws_region"):
            region = self.region_of(inst.block, inst.file, inst.bindings)
            if dtype == "aws_region" and attr in ("name", "id", "region"):
                return (region if isinstance(region, str) else symbol), consumed
            partition = arn_builder.partition_of(region)
            if attr in ("partition", "dns_suffix"):
                known = partition if attr == "partition" else arn_builder.dns_suffix(partition)
                return (
                    known if isinstance(known, str) else Unresolved(symbol.symbol, known.reason)
                ), consumed
        if attr in inst.block.body.attributes:
            return self._arg(inst, attr), consumed
        return symbol, consumed

    def policy_document(self, inst: Instance) -> Value:
        """Render ``data "aws_iam_policy_document"`` as the provider does (:mod:`policy_document`)."""
        values = self.body_values(inst.block.body, inst.file, inst.bindings, top=True)
        return render_policy_document(values, inst.address)

    # -- modules ---------------------------------------------------------------------------
    def module_instances(self, name: str) -> list[tuple[Value, Module | None]]:
        if name in self.children:
            return self.children[name]
        block, hcl = self.calls[name]
        self.children[name] = []
        base = f"{self.prefix}module.{name}"
        source = self.loader.literal(block.body.attributes.get("source"), hcl)
        result: list[tuple[Value, Module | None]] = []
        directory = self._module_dir(base, source, block, hcl)
        if directory is not None:
            for inst in self._expand(block, hcl, base, base):
                inputs = {
                    arg: self._eval(attr.expr, hcl, inst.bindings)
                    for arg, attr in block.body.attributes.items()
                    if arg not in ("source", "version", "providers", "count", "for_each", "depends_on")
                }
                try:
                    child = Module(
                        self.loader,
                        directory,
                        inst.address + ".",
                        inputs,
                        self._child_providers(block, hcl),
                        self.depth + 1,
                        self.ancestors,
                    )
                except BudgetExhausted as exc:
                    self.budget.locate(hcl.path, block.line, block.col)
                    self.loader.problem(
                        f"{inst.address}: not loaded: {exc.reason}", hcl.path, block.line, block.col
                    )
                    break
                result.append((inst.key, child))
        if not result:
            result.append((None, None))
        self.children[name] = result
        return result

    def _module_dir(self, base: str, source: Value, block: Block, hcl: HclFile) -> Path | None:
        """The folder of a module call that is loaded; None (and an IN002 saying why) otherwise."""
        shown = shown_text(source) if isinstance(source, str) else "(not a literal string)"
        refusal: str | None = None
        if self.budget.spent:  # the IN002 of the spent budget says modules are no longer loaded
            return None
        if not isinstance(source, str) or not local_source(source):
            refusal = f"module source {shown} is not a local directory; its resources are not loaded"
        elif self.depth >= MAX_MODULE_DEPTH:
            refusal = f"modules nested deeper than {MAX_MODULE_DEPTH}"
        else:
            directory = module_folder(self.dir, source)
            outside = self.loader.folders.module_refusal(directory)
            if outside is not None:
                refusal = (
                    f"module source {shown} is {outside}; its resources are not loaded "
                    "(check a folder that holds both)"
                )
            elif directory in self.ancestors:
                refusal = f"module {shown[1:-1]} calls itself; not expanded"
            elif (files := self.loader.tf_files(directory)) is None:
                return None  # the folder cannot be listed: an IN001 says so
            elif not files:
                refusal = f"module directory {shown[1:-1]} has no .tf files"
            else:
                return directory
        self.loader.problem(f"{base}: {refusal}", hcl.path, block.line, block.col)
        return None

    def _child_providers(self, block: Block, hcl: HclFile) -> dict[str, Provider]:
        mapping = dict(self.providers)
        attr = block.body.attributes.get("providers")
        if attr is not None:
            text = self.evaluator(hcl).source(attr.expr).strip("{} ")
            for pair in text.replace(",", "\n").splitlines():
                if "=" in pair:
                    child_key, parent_key = (p.strip() for p in pair.split("=", 1))
                    if parent_key in self.providers:
                        mapping[child_key] = self.providers[parent_key]
        return mapping

    def module_ref(self, name: str, steps: list[Value]) -> tuple[Value, int]:
        base = f"{self.prefix}module.{name}"
        if name not in self.calls:
            return Unresolved("${" + base + "}", f"module {name} is not declared"), 1 + len(steps)
        instances = self.module_instances(name)
        used = 0
        chosen: Module | None = None
        if steps and isinstance(steps[0], Index):
            used = 1
            chosen = next((m for k, m in instances if k == steps[0].value), None)
        elif len(instances) == 1:
            chosen = instances[0][1]
        rest = steps[used:]
        if chosen is None or not rest or not isinstance(rest[0], str):
            shown = base + (f".{rest[0]}" if rest and isinstance(rest[0], str) else "")
            return Unresolved("${" + shown + "}", f"output of module {name} not known"), 1 + len(steps)
        return chosen.output(rest[0]), 2 + used

    def output(self, name: str) -> Value:
        found = self.outputs.get(name)
        symbol = "${" + self.prefix.rstrip(".") + "." + name + "}"
        if found is None:
            return Unresolved(symbol, f"module has no output {name}")
        key = "output." + name
        if key in self.evaluating:
            return Unresolved(symbol, f"output {name} refers to itself")
        self.evaluating.add(key)
        try:
            return self._eval(found[0].expr, found[1])
        finally:
            self.evaluating.discard(key)

    # -- collection ------------------------------------------------------------------------
    def collect(self) -> None:
        """Append every mapped resource instance of this module (and its children) to the loader."""
        for (rtype, name), (_block, _hcl) in self.resources.items():
            instances = self.instances("resource", rtype, name)
            if rtype not in MAPPED_TYPES:
                continue
            for inst in instances:
                self.loader.resources.append(self.resource_data(rtype, inst))
        for name in self.calls:
            for _, child in self.module_instances(name):
                if child is not None:
                    child.collect()

    def resource_data(self, rtype: str, inst: Instance) -> ResourceData:
        region, _, account = self._context(inst)
        block, hcl = inst.block, inst.file
        scope = self.region_scope(block, hcl, region)
        values = self.body_values(block.body, hcl, inst.bindings, top=True)
        attr_origins: dict[str, Origin] = {}
        for name, attr in block.body.attributes.items():
            attr_origins[name] = self._origin(inst.address, hcl, attr.line, attr.col, region, scope)
        counts: dict[str, int] = {}
        for nested in block.body.blocks:
            label = nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type
            origin = self._origin(inst.address, hcl, nested.line, nested.col, region, scope)
            attr_origins.setdefault(label, origin)
            attr_origins[f"{label}[{counts.get(label, 0)}]"] = origin
            counts[label] = counts.get(label, 0) + 1
        return ResourceData(
            type=rtype,
            address=inst.address,
            values=values,
            origin=self._origin(inst.address, hcl, block.line, block.col, region, scope),
            attr_origins=attr_origins,
            region=region,
            account_id=account,
        )
