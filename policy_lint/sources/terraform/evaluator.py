"""HCL parsing into located blocks, and evaluation of HCL expressions to Python values.

Why our own evaluator over python-hcl2's raw Lark tree rather than its dict output? The dict
output turns every expression back into a ``"${...}"`` string (to be parsed again) and loses
attribute positions; the Lark tree keeps ``line:col`` for every block and attribute, which is
what findings point at. Only the grammar of python-hcl2 8.x is relied on (pinned in pyproject).

An expression evaluates to a plain Python value (str, int, float, bool, None, list, dict) or,
when the input does not fix it, to :class:`Unresolved`: the *symbol* that stands for it (a
reference keeps the text ``${aws_sqs_queue.logs.arn}``; a string with one unresolved part keeps
its literal parts around the symbol) and the reason. Which references resolve, and to what, is
the :class:`Scope`'s business (modules, variables, resources); this module knows the language.

The text is untrusted. Every step is charged to the load's
:class:`~policy_lint.sources.terraform.budget.Budget` (a value over a limit is unresolved, with the
limit as its reason), operators and functions keep Terraform's semantics
(:mod:`~policy_lint.sources.terraform.operators`, :mod:`~policy_lint.sources.terraform.functions`), file
functions see only what the scope allows, and no reason or symbol quotes a file's content.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from policy_lint.core.errors import InputError
from policy_lint.sources.scanned import NotReadable
from policy_lint.sources.terraform.budget import Budget, BudgetExhausted, ValueTooLarge
from policy_lint.sources.terraform.functions import (
    FILE_FUNCTIONS,
    FUNCTIONS,
    MAX_EXPANSION,
    call,
    safe_reason,
)
from policy_lint.sources.terraform.operators import EvalError, binary, to_bool, unary
from policy_lint.sources.terraform.partial import replace_in_template
from policy_lint.sources.terraform.template_directives import (
    For,
    If,
    Interpolation,
    Part,
    TemplateSyntaxError,
    Text,
    parse_template,
)
from policy_lint.sources.terraform.values import (
    Index,
    UnknownItems,
    Unresolved,
    Value,
    as_unknown_items,
    first_reason,
    has_unresolved,
    interpolations,
    known_length,
    shown_text,
    symbolic,
    to_text,
)
from policy_lint.syntax.numbers import json_number

__all__ = [
    "MAX_EXPANSION",
    "Attribute",
    "Block",
    "Body",
    "Evaluator",
    "HclFile",
    "Index",
    "Unresolved",
    "Value",
    "first_reason",
    "has_unresolved",
    "parse_expression",
    "parse_hcl",
    "shown_text",
    "symbolic",
    "to_text",
]

# --------------------------------------------------------------------------------------------
# Document model: blocks and attributes with their positions
# --------------------------------------------------------------------------------------------


@dataclass
class Attribute:
    name: str
    expr: Tree[Token]
    line: int
    col: int


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    line: int
    col: int


@dataclass
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> Iterator[Block]:
        return (b for b in self.blocks if b.type == block_type)


@dataclass
class HclFile:
    """One parsed .tf file: its text (expressions are sliced from it) and its top-level body."""

    path: str
    text: str
    body: Body


def _position(tree: Tree[Token] | Token) -> tuple[int, int]:
    if isinstance(tree, Token):
        return tree.line or 1, tree.column or 1
    meta = tree.meta
    if getattr(meta, "empty", True):
        return 1, 1
    return meta.line, meta.column


def _name_of(node: Tree[Token] | Token) -> str:
    """The text of an identifier, keyword, literal_value or plain string label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(
            str(part.children[0])
            for part in node.children
            if isinstance(part, Tree) and part.data == "string_part" and isinstance(part.children[0], Token)
        )
    return "".join(_name_of(child) for child in node.children)


def _build_body(tree: Tree[Token]) -> Body:
    body = Body()
    for child in tree.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _name_of(child.children[0])
            expr = child.children[-1]
            assert isinstance(expr, Tree)
            line, col = _position(child)
            body.attributes[name] = Attribute(name, expr, line, col)
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            inner = parts[-1]
            names = [_name_of(p) for p in parts[:-1]]
            line, col = _position(child)
            body.blocks.append(Block(names[0], names[1:], _build_body(inner), line, col))
    return body


def _syntax_message(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedEOF):
        return "HCL syntax error: unexpected end of file (an unclosed block, string or bracket?)"
    if isinstance(exc, UnexpectedCharacters):
        return f"HCL syntax error: unexpected character {exc.char!r}"
    token = getattr(exc, "token", None)
    if token is not None and str(token).strip():
        return f"HCL syntax error: unexpected {str(token).strip()[:40]!r}"
    return "HCL syntax error: unexpected end of line or input"


_MARKER_TRAILING_BLANKS = re.compile(r"^([ \t]*[A-Za-z][A-Za-z0-9._-]*)[ \t]+$", re.MULTILINE)


def parse_tree(text: str) -> Tree[Token]:
    """python-hcl2's Lark tree of ``text`` (comments included); raises Lark's errors.

    Shared by the evaluator and the suppression scan, which reads comments from the tokens."""
    try:
        return hcl2.parses_to_tree(text)
    except UnexpectedInput:
        # Terraform accepts a heredoc's closing marker followed by blanks; the grammar does not.
        # Stripping them keeps every line and column where it was.
        fixed = _MARKER_TRAILING_BLANKS.sub(r"\1", text)
        if fixed == text:
            raise
        return hcl2.parses_to_tree(fixed)


def parse_hcl(text: str, path: str) -> HclFile:
    """Parse HCL text; syntax errors become an :class:`InputError` at their line:col."""
    try:
        tree = parse_tree(text)
    except UnexpectedInput as exc:
        line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
        col = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
        raise InputError(_syntax_message(exc), path, line, col) from None
    except (LarkError, RecursionError, ValueError) as exc:  # postlexer and grammar-level failures
        raise InputError(f"HCL syntax error: {str(exc).splitlines()[0][:200]}", path, 1, 1) from None
    body_tree = tree.children[0]
    assert isinstance(body_tree, Tree)
    return HclFile(path, text, _build_body(body_tree))


def parse_expression(text: str) -> Tree[Token]:
    """Parse one expression (an interpolation inside a heredoc or template file).

    Short ones are cached: a template rendered for each of 1,000 instances is parsed once (the
    evaluator never modifies a tree, so sharing it is safe). Long ones are not kept: a cache of
    large trees would outlive the load whose budget paid for them.
    """
    return _parse_short_expression(text) if len(text) <= 1024 else _parse_expression(text)


@lru_cache(maxsize=1024)
def _parse_short_expression(text: str) -> Tree[Token]:
    return _parse_expression(text)


def _parse_expression(text: str) -> Tree[Token]:
    tree = hcl2.parses_to_tree(f"x = {text}\n")
    body = tree.children[0]
    assert isinstance(body, Tree)
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            expr = child.children[-1]
            assert isinstance(expr, Tree)
            return expr
    raise ValueError("no expression")


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


class Scope(Protocol):
    """Resolves references (``var.x``, ``aws_s3_bucket.b.id``) for the evaluator."""

    def resolve(self, root: str, steps: list[Value], text: str) -> tuple[Value, int]:
        """The value of ``root.steps...`` and how many steps it consumed."""

    def read_file(self, path: str) -> str:
        """The text of a file named by ``file()``/``templatefile()``; NotReadable says why not."""

    def file_exists(self, path: str) -> bool:
        """``fileexists()``; NotReadable when the scope may not even look (outside the folders)."""

    def refused(self, message: str, path: str, line: int, col: int) -> None:
        """A file function was refused at ``path:line:col``; the scope may report it."""


#: a symbol made of an expression's source text is shortened past this length (with a digest,
#: so different texts stay different); symbols built from values (a policy document around an
#: unknown ARN) are kept whole, rules parse them
MAX_SYMBOL = 240
#: result kinds that build a new value (charged to the budget's total of values built)
_BUILDERS = frozenset(
    {
        "string",
        "heredoc_template",
        "heredoc_template_trim",
        "tuple",
        "object",
        "for_tuple_expr",
        "for_object_expr",
        "function_call",
        "binary_op",
        "unary_op",
        "attr_splat_expr_term",
        "full_splat_expr_term",
    }
)


def short_symbol(text: str) -> str:
    """``text`` when short; else its start and a digest of the whole (still unique, still short)."""
    if len(text) <= MAX_SYMBOL:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{text[: MAX_SYMBOL - 40]}...#{digest}" + ("}" if text.endswith("}") else "")


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def sub(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, "\\" + code)

    return _ESCAPES.sub(sub, text) if "\\" in text else text


def _meaningful(tree: Tree[Token]) -> list[Tree[Token] | Token]:
    """Children without newlines/comments."""
    return [
        c
        for c in tree.children
        if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
        and not (isinstance(c, Token) and c.type == "NL_OR_COMMENT")
    ]


def _subtrees(tree: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in _meaningful(tree) if isinstance(c, Tree)]


class Evaluator:
    """Evaluates expression trees of one text (a .tf file or an interpolation snippet).

    Every evaluator of one load shares the load's :class:`Budget`; ``path`` and ``anchor`` say
    where the text is, for the report of a budget overrun (``anchor`` is the line:col of the
    template or heredoc a snippet comes from, whose own positions mean nothing to a user).
    """

    def __init__(
        self,
        scope: Scope,
        text: str,
        bindings: dict[str, Value] | None = None,
        depth: int = 0,
        *,
        budget: Budget,
        path: str = "<input>",
        anchor: tuple[int, int] | None = None,
    ):
        self.scope = scope
        self.text = text
        self.bindings = bindings or {}
        self.depth = depth
        self.budget = budget
        self.path = path
        self.anchor = anchor

    # -- helpers ---------------------------------------------------------------------------
    def source(self, tree: Tree[Token]) -> str:
        """The expression as written (blanks collapsed); a long one is cut, named by its place.

        Cut before it is copied: a megabyte-long expression that stays unresolved in each of
        1,000 instances must not be copied 1,000 times.
        """
        meta = tree.meta
        if getattr(meta, "empty", True):
            return "?"
        if meta.end_pos - meta.start_pos > 2 * MAX_SYMBOL:
            head = " ".join(self.text[meta.start_pos : meta.start_pos + MAX_SYMBOL // 2].split())
            return f"{head}...@{meta.line}:{meta.column}"
        return " ".join(self.text[meta.start_pos : meta.end_pos].split())

    def unresolved(self, tree: Tree[Token], reason: str) -> Unresolved:
        return Unresolved(short_symbol("${" + self.source(tree) + "}"), reason)

    def position(self, tree: Tree[Token] | Token) -> tuple[int, int]:
        return self.anchor if self.anchor is not None else _position(tree)

    def child(self, bindings: dict[str, Value]) -> Evaluator:
        return self._derived(self.text, {**self.bindings, **bindings}, self.depth, self.anchor)

    def _derived(
        self, text: str, bindings: dict[str, Value], depth: int, anchor: tuple[int, int] | None
    ) -> Evaluator:
        return Evaluator(self.scope, text, bindings, depth, budget=self.budget, path=self.path, anchor=anchor)

    # -- entry -----------------------------------------------------------------------------
    def eval(self, tree: Tree[Token] | Token) -> Value:
        if self.depth > 64:
            return Unresolved("${...}", "expression nested too deeply")
        if isinstance(tree, Token):
            return Unresolved(short_symbol("${" + str(tree) + "}"), "unexpected token")
        method = getattr(self, "_e_" + str(tree.data), None)
        if method is None:
            return self.unresolved(tree, f"{tree.data} expressions are not evaluated")
        try:
            self.budget.step()
            result: Value = method(tree)
            if tree.data in _BUILDERS:
                self.budget.build(result)
        except ValueTooLarge as exc:
            self.budget.note_too_large(exc.reason, self.path, *self.position(tree))
            return self.unresolved(tree, exc.reason)
        except BudgetExhausted as exc:
            self.budget.locate(self.path, *self.position(tree))
            return self.unresolved(tree, exc.reason)
        except (
            EvalError,
            TypeError,
            ValueError,
            ZeroDivisionError,
            KeyError,
            IndexError,
            OverflowError,
            AttributeError,
            StopIteration,
            re.error,
        ) as exc:
            return self.unresolved(tree, f"cannot evaluate: {safe_reason(exc)}")
        return result

    # -- terms -----------------------------------------------------------------------------
    def _e_expr_term(self, tree: Tree[Token]) -> Value:
        inner = _subtrees(tree)
        if len(inner) != 1:
            return self.unresolved(tree, "unsupported expression")
        return self.eval(inner[0])

    def _e_int_lit(self, tree: Tree[Token]) -> Value:
        return json_number(str(tree.children[0]), is_float=False)  # 5,000 digits: kept as text

    def _e_float_lit(self, tree: Tree[Token]) -> Value:
        return json_number(str(tree.children[0]), is_float=True)  # 1e999999: kept as text, not inf

    def _e_literal_value(self, tree: Tree[Token]) -> Value:
        return {"true": True, "false": False, "null": None}[str(tree.children[0])]

    def _e_identifier(self, tree: Tree[Token]) -> Value:
        name = str(tree.children[0])
        if name in self.bindings:
            return self.bindings[name]
        value, _consumed = self.scope.resolve(name, [], name)
        return value

    def _e_string(self, tree: Tree[Token]) -> Value:
        parts: list[Value] = []
        for part in tree.children:
            if not (isinstance(part, Tree) and part.data == "string_part"):
                continue
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "ESCAPED_INTERPOLATION":
                    parts.append("$" + str(inner)[2:])
                elif inner.type == "ESCAPED_DIRECTIVE":
                    parts.append("%" + str(inner)[2:])
                else:
                    parts.append(_unescape(str(inner)))
            elif inner.data == "interpolation":
                parts.append(self.eval(_subtrees(inner)[0]))
            else:
                return self.unresolved(tree, "template directives (%{...}) are not evaluated")
        return _concat(parts, self.budget)

    def _e_interpolation(self, tree: Tree[Token]) -> Value:
        return self.eval(_subtrees(tree)[0])

    def _e_heredoc_template(self, tree: Tree[Token]) -> Value:
        return self._heredoc(tree, trim=False)

    def _e_heredoc_template_trim(self, tree: Tree[Token]) -> Value:
        return self._heredoc(tree, trim=True)

    def _heredoc(self, tree: Tree[Token], trim: bool) -> Value:
        body = _heredoc_body(str(tree.children[0]), trim=trim)
        return self.render_template(body, self.bindings, self.unresolved(tree, "").symbol, tree)

    def _e_tuple(self, tree: Tree[Token]) -> Value:
        return [self.eval(item) for item in _subtrees(tree)]

    def _e_object(self, tree: Tree[Token]) -> Value:
        result: dict[str, Value] = {}
        for elem in _subtrees(tree):
            key_tree, value_tree = _subtrees(elem)
            key = self.object_key(key_tree)
            if isinstance(key, Unresolved):
                return self.unresolved(tree, key.reason)
            result[to_text(key)] = self.eval(value_tree)
        return result

    def object_key(self, key_tree: Tree[Token]) -> Value:
        inner = _subtrees(key_tree)
        if not inner:  # a keyword used as key
            return _name_of(key_tree)
        expr = inner[0]
        bare = _subtrees(expr) if expr.data == "expr_term" else []
        if len(bare) == 1 and bare[0].data == "identifier" and len(_meaningful(expr)) == 1:
            return str(bare[0].children[0])
        if expr.data == "keyword":
            return _name_of(expr)
        return self.eval(expr)

    def _e_conditional(self, tree: Tree[Token]) -> Value:
        cond, yes, no = _subtrees(tree)
        test = self.eval(cond)
        if isinstance(test, Unresolved):
            return self.unresolved(tree, test.reason)
        return self.eval(yes if to_bool(test) else no)

    def _e_binary_op(self, tree: Tree[Token]) -> Value:
        left_tree, term = _subtrees(tree)
        op_tree, right_tree = _subtrees(term)
        op = str(op_tree.children[0])
        left = self.eval(left_tree)
        if op in ("&&", "||") and not isinstance(left, Unresolved):
            if op == "&&" and not to_bool(left):
                return False
            if op == "||" and to_bool(left):
                return True
        right = self.eval(right_tree)
        for side in (left, right):
            if isinstance(side, Unresolved):
                return self.unresolved(tree, side.reason)
        return binary(op, left, right)

    def _e_unary_op(self, tree: Tree[Token]) -> Value:
        op = str(tree.children[0])
        operand = self.eval(tree.children[1])
        if isinstance(operand, Unresolved):
            return self.unresolved(tree, operand.reason)
        return unary(op, operand)

    # -- traversals ------------------------------------------------------------------------
    def _traversal(self, tree: Tree[Token]) -> tuple[Tree[Token], list[Tree[Token]]]:
        """Split ``a.b[0].c`` into the root term and its steps (get_attr / index trees)."""
        steps: list[Tree[Token]] = []
        node = tree
        while True:
            if node.data == "expr_term":
                inner = _subtrees(node)
                if len(inner) == 1 and len(_meaningful(node)) == 1:
                    node = inner[0]
                    continue
                return node, steps
            if node.data in ("get_attr_expr_term", "index_expr_term"):
                base, step = _subtrees(node)
                steps.insert(0, step)
                node = base
                continue
            return node, steps

    def _step_value(self, step: Tree[Token]) -> Value:
        if step.data == "get_attr":
            return _name_of(_subtrees(step)[0]) if _subtrees(step) else str(step.children[-1])
        if step.data == "short_index":
            return Index(int(str(step.children[-1])))
        return Index(self.eval(_subtrees(step)[0]))  # braces_index

    def _e_get_attr_expr_term(self, tree: Tree[Token]) -> Value:
        root, step_trees = self._traversal(tree)
        steps = [self._step_value(s) for s in step_trees]
        if root.data == "identifier" and str(root.children[0]) not in self.bindings:
            value, consumed = self.scope.resolve(str(root.children[0]), steps, self.source(tree))
            steps = steps[consumed:]
        else:
            value = self.eval(root)
        return self.apply_steps(value, steps, tree)

    _e_index_expr_term = _e_get_attr_expr_term

    def apply_steps(self, value: Value, steps: list[Value], tree: Tree[Token]) -> Value:
        for raw in steps:
            if isinstance(value, Unresolved):
                suffix = f"[{_fmt_key(raw.value)}]" if isinstance(raw, Index) else f".{raw}"
                symbol = value.symbol[:-1] + suffix + "}" if value.symbol.endswith("}") else value.symbol
                return type(value)(symbol, value.reason)  # items not known stay items not known
            step = raw.value if isinstance(raw, Index) else raw
            if isinstance(step, Unresolved):
                return self.unresolved(tree, step.reason)
            if isinstance(value, dict):
                key = to_text(step)
                if key not in value:  # named only when the expression spells it (not a file's content)
                    written = not isinstance(raw, Index) or key in self.source(tree)
                    return self.unresolved(
                        tree, f"no key {shown_text(key)}" if written else "no key of that name"
                    )
                value = value[key]
            elif isinstance(value, list) and isinstance(step, (int, float)) and not isinstance(step, bool):
                if step < 0:  # Python would count from the end; Terraform refuses
                    return self.unresolved(tree, "cannot evaluate: index out of range")
                if not known_length(value[: int(step) + 1]):  # items not known come before it
                    return self.unresolved(tree, f"the items before it are not known ({first_reason(value)})")
                value = value[int(step)]
            else:
                return self.unresolved(tree, "cannot index this value")
        return value

    def _e_attr_splat_expr_term(self, tree: Tree[Token]) -> Value:
        return self._splat(tree)

    _e_full_splat_expr_term = _e_attr_splat_expr_term

    def _splat(self, tree: Tree[Token]) -> Value:
        base_tree, splat = _subtrees(tree)
        base = self.eval(base_tree)
        if isinstance(base, Unresolved):
            return self.unresolved(tree, base.reason)
        items = base if isinstance(base, list) else [] if base is None else [base]
        steps = [self._step_value(s) for s in _subtrees(splat)]
        return [self.apply_steps(item, steps, tree) for item in items]

    # -- for expressions -------------------------------------------------------------------
    def _for_items(self, intro: Tree[Token]) -> tuple[list[str], list[tuple[Value, Value]]] | Unresolved:
        names = [str(c.children[0]) for c in _subtrees(intro) if c.data == "identifier"]
        collection_tree = next(c for c in _subtrees(intro) if c.data != "identifier")
        collection = self.eval(collection_tree)
        if has_unresolved(collection) and not isinstance(collection, (list, dict)):
            return Unresolved("", first_reason(collection))
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return Unresolved("", "for expression over a non-collection")
        return names, pairs

    def _for_bindings(self, names: list[str], key: Value, item: Value) -> dict[str, Value]:
        if len(names) == 1:
            return {names[0]: item}
        return {names[0]: key, names[1]: item}

    def _for_scopes(
        self, intro: Tree[Token], cond: list[Tree[Token]]
    ) -> list[Evaluator | UnknownItems] | Unresolved:
        """One evaluator per item a ``for`` keeps (after its ``if``), charged to the budget;
        Unresolved when the collection is not known. An item that may or may not be kept (items
        not known in the collection, an ``if`` not known for it) is :class:`UnknownItems`."""
        found = self._for_items(intro)
        if isinstance(found, Unresolved):
            return found
        names, pairs = found
        self.budget.expand(len(pairs))
        scopes: list[Evaluator | UnknownItems] = []
        for key, item in pairs:
            if isinstance(item, UnknownItems):
                scopes.append(item)
                continue
            scope = self.child(self._for_bindings(names, key, item))
            if cond:
                keep = scope.eval(_subtrees(cond[0])[0])
                if isinstance(keep, Unresolved):
                    scopes.append(as_unknown_items(keep))
                    continue
                if not to_bool(keep):
                    continue
            scopes.append(scope)
        return scopes

    def _e_for_tuple_expr(self, tree: Tree[Token]) -> Value:
        intro, body, *cond = _subtrees(tree)
        scopes = self._for_scopes(intro, cond)
        if isinstance(scopes, Unresolved):
            return self.unresolved(tree, scopes.reason)
        result: list[Value] = []
        size = 1
        for scope in scopes:
            if isinstance(scope, UnknownItems):  # kept or not, the input cannot say: in place
                result.append(as_unknown_items(self.unresolved(tree, scope.reason)))
                continue
            value = scope.eval(body)
            size += self.budget.size(value)
            self.budget.ensure_fits(size)
            result.append(value)
        return result

    def _e_for_object_expr(self, tree: Tree[Token]) -> Value:
        intro, key_tree, value_tree, *cond = _subtrees(tree)
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in tree.children)
        scopes = self._for_scopes(intro, cond)
        if isinstance(scopes, Unresolved):
            return self.unresolved(tree, scopes.reason)
        result: dict[str, Value] = {}
        size = 1
        for scope in scopes:
            if isinstance(scope, UnknownItems):  # an object cannot hold keys not known
                return self.unresolved(tree, scope.reason)
            out_key = scope.eval(key_tree)
            if isinstance(out_key, Unresolved):
                return self.unresolved(tree, out_key.reason)
            out_value = scope.eval(value_tree)
            size += self.budget.size(out_key) + self.budget.size(out_value)
            self.budget.ensure_fits(size)
            if grouping:
                result.setdefault(to_text(out_key), []).append(out_value)
            else:
                result[to_text(out_key)] = out_value
        return result

    # -- functions -------------------------------------------------------------------------
    def _e_function_call(self, tree: Tree[Token]) -> Value:
        parts = _meaningful(tree)
        names = [c for c in parts if isinstance(c, Tree) and c.data == "identifier"]
        if len(names) != 1:
            return self.unresolved(tree, "provider-defined functions are not evaluated")
        name = str(names[0].children[0])
        arg_trees = [c for c in parts if isinstance(c, Tree) and c.data == "arguments"]
        args_node = arg_trees[0] if arg_trees else None
        arg_exprs = _subtrees(args_node) if args_node is not None else []
        if args_node is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children
        ):
            return self.unresolved(tree, "expanding arguments (...) is not evaluated")
        if name in ("try", "can"):
            return self._try(tree, name, arg_exprs)
        if name not in FUNCTIONS and name not in FILE_FUNCTIONS:
            return self.unresolved(tree, f"function {name}() is not evaluated")
        args = [self.eval(a) for a in arg_exprs]
        if name == "jsonencode" and args and has_unresolved(args[0]):
            text = call(name, [symbolic(args[0])], self.budget)  # the document with symbols in it
            return Unresolved(text, first_reason(args[0]))
        if name == "join" and len(args) == 2 and isinstance(args[1], Unresolved):
            return args[1]  # joining a list not known: its symbol stands for the text
        if name in ("format", "join") and not isinstance(args[0] if args else None, Unresolved):
            # Text built around unknown parts keeps their symbols (an ARN around ${var.account}).
            built = call(name, [symbolic(a) for a in args], self.budget)
            return Unresolved(str(built), first_reason(args)) if has_unresolved(args) else built
        if name == "templatefile" and len(args) > 1 and not isinstance(args[0], Unresolved):
            return self._file(tree, name, args)
        if name == "replace" and len(args) == 3 and has_unresolved(args):
            return self._replace_partly(tree, args)
        if name in _COUNTING and args and isinstance(args[0], list) and not known_length(args[0]):
            return self.unresolved(tree, f"the number of items is not known ({first_reason(args[0])})")
        if (name != "concat" and any(isinstance(a, Unresolved) for a in args)) or (
            name not in _PARTIAL and any(has_unresolved(a) for a in args)
        ):
            return self.unresolved(tree, first_reason(args))
        if name in FILE_FUNCTIONS:
            return self._file(tree, name, args)
        return call(name, args, self.budget)

    def _replace_partly(self, tree: Tree[Token], args: list[Value]) -> Value:
        """``replace()`` with an unknown part: the template with holes, replaced where it is known."""
        text, old, new = args
        if not isinstance(old, str) or isinstance(new, (list, dict)):
            return self.unresolved(tree, first_reason(args))
        new_text = to_text(new)
        if isinstance(text, str):
            if old.startswith("/") and old.endswith("/") and len(old) >= 2:
                return self.unresolved(tree, first_reason(args))  # the match decides what is inserted
            if old not in text:
                return text
            built: Value = call("replace", [text, old, new_text], self.budget)
        elif isinstance(text, Unresolved):
            self.budget.work(len(text.symbol))
            self.budget.ensure_fits(
                len(text.symbol) + text.symbol.count(old) * max(0, len(new_text) - len(old))
            )
            built = replace_in_template(text, old, new_text)
            if built is None:
                return self.unresolved(tree, first_reason(args))
            self.budget.ensure_fits(len(built))
        else:
            return self.unresolved(tree, first_reason(args))
        return Unresolved(str(built), first_reason(args))

    def _try(self, tree: Tree[Token], name: str, arg_exprs: list[Tree[Token]]) -> Value:
        for expr in arg_exprs:
            value = self.eval(expr)
            if not isinstance(value, Unresolved) or not value.reason.startswith(("no key", "cannot")):
                if name == "can":
                    return not isinstance(value, Unresolved)
                return value
        return False if name == "can" else self.unresolved(tree, "no argument of try() could be evaluated")

    def _file(self, tree: Tree[Token], name: str, args: list[Value]) -> Value:
        """file(), templatefile(), fileexists(): only what the scope lets them see (see scanned.py)."""
        if not args or not isinstance(args[0], str):
            return self.unresolved(tree, f"{name}() needs a path")
        path = args[0]
        try:
            if name == "fileexists":
                return self.scope.file_exists(path)
            content = self.scope.read_file(path)
        except NotReadable as exc:  # the path as written, never what the file holds
            message = f"{name}({shown_text(path)}): {exc.reason}"
            self.scope.refused(message, self.path, *self.position(tree))
            return self.unresolved(tree, message)
        if name == "file":
            return content
        variables = args[1] if len(args) > 1 else {}
        if not isinstance(variables, dict):
            return self.unresolved(tree, "templatefile() variables are not an object")
        return self.render_template(content, dict(variables), self.unresolved(tree, "").symbol, tree)

    # -- templates -------------------------------------------------------------------------
    def render_template(self, body: str, bindings: dict[str, Value], symbol: str, tree: Tree[Token]) -> Value:
        """Render a heredoc or template-file body: ``${...}`` interpolations, ``$${`` escapes, and
        ``%{ if }``/``%{ for }`` directives (:mod:`policy_lint.sources.terraform.template_directives`).

        ``symbol`` stands for the whole when it cannot be rendered (the call or heredoc as
        written: a template file's content never becomes a symbol); interpolations are
        evaluated with ``bindings`` and reported at ``tree``'s position.
        """
        self.budget.work(len(body))  # scanning a body costs in proportion to its length
        parts: list[Value] = []
        pos = 0
        anchor = self.position(tree)
        for start, end in interpolations(body):
            if start < 0:  # a %{ directive }
                return self._render_directives(body, bindings, symbol, anchor)
            parts.append(body[pos:start].replace("$${", "${").replace("%%{", "%{"))
            inner = body[start + 2 : end].strip().strip("~").strip()
            parts.append(self._template_expression(inner, bindings, anchor))
            pos = end + 1
        parts.append(body[pos:].replace("$${", "${").replace("%%{", "%{"))
        return _concat(parts, self.budget)

    def _template_expression(self, inner: str, bindings: dict[str, Value], anchor: tuple[int, int]) -> Value:
        """One ``${...}`` (or directive expression) of a template, evaluated with ``bindings``."""
        self.budget.work(len(inner))  # parsing costs in proportion to the text
        try:
            expr = parse_expression(inner)
        except (LarkError, ValueError, RecursionError):
            return Unresolved(short_symbol("${" + inner + "}"), "interpolation could not be parsed")
        snippet = self._derived(f"x = {inner}\n", bindings, self.depth + 1, anchor)
        return snippet.eval(expr)

    def _render_directives(
        self, body: str, bindings: dict[str, Value], symbol: str, anchor: tuple[int, int]
    ) -> Value:
        """A body with directives: rendered exactly where every condition and collection is known;
        otherwise the whole is unknown, with the directive that decided it as the reason."""
        try:
            parts = parse_template(body)
        except TemplateSyntaxError as exc:
            return Unresolved(symbol, f"template could not be parsed: {exc}")
        rendered: list[Value] = []
        reason = self._render_parts(parts, bindings, anchor, rendered)
        if reason is not None:
            return Unresolved(symbol, reason)
        return _concat(rendered, self.budget)

    def _render_parts(
        self, parts: list[Part], bindings: dict[str, Value], anchor: tuple[int, int], out: list[Value]
    ) -> str | None:
        """Append the rendering of ``parts`` to ``out``; the reason it cannot be rendered, or None."""
        for part in parts:
            self.budget.step()
            if isinstance(part, Text):
                self.budget.work(len(part.text))
                out.append(part.text)
            elif isinstance(part, Interpolation):
                out.append(self._template_expression(part.expression, bindings, anchor))
            elif isinstance(part, If):
                condition = self._template_expression(part.condition, bindings, anchor)
                try:
                    chosen = to_bool(condition)
                except EvalError:
                    return f"the condition of %{{ if {short_symbol(part.condition)} }} is not known"
                reason = self._render_parts(part.then if chosen else part.otherwise, bindings, anchor, out)
                if reason is not None:
                    return reason
            else:
                reason = self._render_loop(part, bindings, anchor, out)
                if reason is not None:
                    return reason
        return None

    def _render_loop(
        self, loop: For, bindings: dict[str, Value], anchor: tuple[int, int], out: list[Value]
    ) -> str | None:
        collection = self._template_expression(loop.collection, bindings, anchor)
        items: list[tuple[Value, Value]]
        if isinstance(collection, dict):
            items = [(key, collection[key]) for key in sorted(collection)]  # Terraform: lexical order
        elif isinstance(collection, list) and known_length(collection):
            items = list(enumerate(collection))
        else:
            return f"the items of %{{ for ... in {short_symbol(loop.collection)} }} are not known"
        self.budget.expand(len(items))
        for key, value in items:
            scope = {**bindings, loop.value: value}
            if loop.key is not None:
                scope[loop.key] = key
            reason = self._render_parts(loop.body, scope, anchor, out)
            if reason is not None:
                return reason
        return None


#: functions that take a list with unknown items and keep its known parts (see partial.py)
_PARTIAL = frozenset(
    {
        "merge",
        "concat",
        "coalesce",
        "tolist",
        "toset",
        "length",
        "flatten",
        "compact",
        "distinct",
        "keys",
        "values",
    }
)
#: functions whose result depends on how many items a list holds (or which is at an index)
_COUNTING = frozenset({"length", "element", "one", "reverse", "sort", "coalescelist"})


def _fmt_key(step: Value) -> str:
    if isinstance(step, Unresolved):
        return step.symbol
    return json.dumps(step) if isinstance(step, str) else str(step)


def _concat(parts: list[Value], budget: Budget) -> Value:
    """A template's parts joined; the length is checked before the text is built."""
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]  # "${x}" keeps the type of x, as in Terraform
    texts = [to_text(p) for p in parts]
    budget.ensure_fits(sum(len(t) for t in texts))
    unresolved = [p for p in parts if isinstance(p, Unresolved)]
    text = "".join(texts)
    if unresolved:
        return Unresolved(text, unresolved[0].reason)
    return text


def _heredoc_body(token: str, trim: bool) -> str:
    lines = token.split("\n")
    body_lines = lines[1:-2] if lines and lines[-1] == "" else lines[1:-1]
    body_lines = [line.rstrip("\r") for line in body_lines]
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in body_lines if line.strip()]
        cut = min(indents) if indents else 0
        body_lines = [line[cut:] for line in body_lines]
    return "\n".join(body_lines) + ("\n" if body_lines else "")
