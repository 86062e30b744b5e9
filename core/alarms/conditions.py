"""Suppression-by-design conditions: small expressions over other tags, evaluated with simpleeval.

A condition such as ``not pump1_running or tag("line2/mode") == 3`` names tags either through a
``vars`` table (``pump1_running = "pump1/running"``) or directly with ``tag("...")`` and a string
literal. It is checked once at configuration time (syntax, known names, literal tag names) and
evaluated with :mod:`simpleeval` — never ``eval`` — against the latest value of each tag.
A condition that cannot be evaluated yet (a tag has no value) counts as *not* suppressing: an
alarm is never hidden because of missing data.
"""

from __future__ import annotations

import ast
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from simpleeval import DEFAULT_NAMES, InvalidExpression, SimpleEval

log = logging.getLogger(__name__)

TAG_FUNCTION = "tag"
MAX_EXPRESSION_CHARS = 2_000
MAX_DEPTH = 60


_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
)
"""Arithmetic, comparisons, boolean logic, ``x if c else y``, names and ``tag("...")`` only."""


class ConditionSyntaxError(ValueError):
    """A condition that is not a single valid expression over known names."""


class MissingValue(LookupError):
    """A tag the condition needs has no value yet."""


@dataclass(frozen=True, slots=True)
class ParsedCondition:
    """A checked condition: its parse tree and the tag names it reads."""

    text: str
    tree: ast.expr
    names: Mapping[str, str]
    """Variable name -> tag name."""
    tag_names: frozenset[str]
    """Every tag the condition reads (through vars or ``tag()``)."""


def parse_condition(text: str, variables: Mapping[str, str]) -> ParsedCondition:
    """Check ``text`` and collect the tags it reads; raises :class:`ConditionSyntaxError`."""
    try:
        return _parse(text, variables)
    except RecursionError as exc:
        raise ConditionSyntaxError("expression nested too deeply") from exc


def _parse(text: str, variables: Mapping[str, str]) -> ParsedCondition:
    if not text.strip() or len(text) > MAX_EXPRESSION_CHARS:
        raise ConditionSyntaxError("empty or too long expression")
    try:
        module = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionSyntaxError(f"invalid syntax: {exc.msg}") from exc
    if _depth(module) > MAX_DEPTH:
        raise ConditionSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels")
    calls = {id(n.func) for n in ast.walk(module) if isinstance(n, ast.Call)}
    literals = {id(a) for n in ast.walk(module) if isinstance(n, ast.Call) for a in n.args}
    tags = {
        tag
        for node in ast.walk(module)
        if (tag := _check_node(node, variables, calls, literals)) is not None
    }
    tags.update(name for var, name in variables.items() if _mentions(module, var))
    return ParsedCondition(text, module.body, dict(variables), frozenset(tags))


def _depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node(
    node: ast.AST, variables: Mapping[str, str], calls: set[int], literals: set[int]
) -> str | None:
    """Refuse what a condition may not contain; return the tag name of a ``tag()`` call."""
    if not isinstance(node, _ALLOWED_NODES):
        raise ConditionSyntaxError(f"{type(node).__name__} is not allowed in a condition")
    if isinstance(node, ast.Call):
        return _tag_call_argument(node)
    if isinstance(node, ast.Name) and id(node) not in calls and node.id not in variables:
        raise ConditionSyntaxError(f"unknown name {node.id!r} (declare it in vars)")
    is_literal = isinstance(node, ast.Constant) and id(node) in literals
    if (
        isinstance(node, ast.Constant)
        and not is_literal
        and not isinstance(node.value, int | float)
    ):
        raise ConditionSyntaxError(f"only numbers are allowed, not {node.value!r}")
    return None


def _tag_call_argument(node: ast.Call) -> str:
    func = node.func
    if not isinstance(func, ast.Name) or func.id != TAG_FUNCTION:
        raise ConditionSyntaxError('the only function is tag("<tag name>")')
    args = node.args
    if len(args) != 1 or node.keywords or not isinstance(args[0], ast.Constant):
        raise ConditionSyntaxError("tag() takes one string literal")
    if not isinstance(args[0].value, str) or not args[0].value:
        raise ConditionSyntaxError("tag() takes one string literal")
    return args[0].value


def _mentions(module: ast.AST, var: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(module))


class SuppressionCondition:
    """A parsed condition bound to a value lookup (tag name -> latest value or None)."""

    def __init__(self, parsed: ParsedCondition, value_of: Callable[[str], float | None]) -> None:
        self.parsed = parsed
        self._value_of = value_of
        self._evaluator = SimpleEval(functions={TAG_FUNCTION: self._tag_value}, names=self._name)
        self._failing = False

    def _tag_value(self, tag_name: str) -> float:
        value = self._value_of(tag_name)
        if value is None or math.isnan(value):
            raise MissingValue(tag_name)
        return value

    def _name(self, node: ast.Name) -> object:
        if node.id in self.parsed.names:
            return self._tag_value(self.parsed.names[node.id])
        return DEFAULT_NAMES[node.id]  # True / False

    def evaluate(self) -> bool:
        """True when the alarm should be suppressed; False if the condition cannot be evaluated."""
        try:
            result = bool(
                self._evaluator.eval(self.parsed.text, previously_parsed=self.parsed.tree)
            )
        except MissingValue:
            return False
        except (InvalidExpression, ArithmeticError, TypeError, ValueError, RecursionError) as exc:
            if not self._failing:
                log.warning("suppression condition %r failed: %s", self.parsed.text, exc)
            self._failing = True
            return False
        self._failing = False
        return result
