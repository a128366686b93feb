"""Gateway conditions (网关条件): a tiny, safe expression language over case fields.

SpiffWorkflow evaluates conditions with Python ``eval``. We never let it: conditions are
checked at upload time by :func:`check_condition` and evaluated at run time by
:func:`evaluate_condition`, a small interpreter over the same whitelisted syntax:

* names from the allowed case fields (:data:`DEFAULT_CASE_FIELDS` unless configured);
* constants (strings, numbers, ``True``/``False``/``None``) and tuples/lists of constants;
* comparisons (``== != < <= > >= in not in is is not``), ``and``/``or``/``not``, unary minus.

No calls, attributes, subscripts, lambdas, comprehensions, f-strings or dunder names.
A name missing from the case data evaluates to ``None``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

# The case fields a gateway may branch on, unless a caller passes its own list.
DEFAULT_CASE_FIELDS: frozenset[str] = frozenset(
    {
        "applicant_kind",  # citizen / enterprise
        "amount",  # a money amount or quantity from the application
        "preliminary_passed",  # 乡镇初审 passed
        "review_passed",  # 审查 passed
        "joint_passed",  # every 联审 department agreed
        "decision",  # "grant" / "refuse"
        "needs_hearing",  # 听证
        "level",  # county / township / village
        "channel",  # online / window / agent
        "risk_level",
    }
)

MAX_CONDITION_LENGTH = 500

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


class ConditionError(ValueError):
    """A condition outside the allowed language. ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _check_node(node: ast.AST, fields: frozenset[str]) -> None:
    if isinstance(node, ast.Expression):
        _check_node(node.body, fields)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check_node(value, fields)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.Not | ast.USub):
            raise ConditionError("condition_syntax", str(_("条件中不允许该运算符")))
        _check_node(node.operand, fields)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ConditionError("condition_syntax", str(_("条件中不允许该比较运算")))
        _check_node(node.left, fields)
        for comparator in node.comparators:
            _check_node(comparator, fields)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ConditionError("condition_dunder", str(_("条件不得引用以下划线开头的名称：{name}")).format(
                name=node.id))
        if node.id not in fields:
            raise ConditionError("condition_unknown_field", str(_("条件引用了不允许的字段：{name}")).format(
                name=node.id))
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float | bool | type(None)):
            raise ConditionError("condition_syntax", str(_("条件中的常量类型不允许")))
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            if not isinstance(element, ast.Constant | ast.UnaryOp):
                raise ConditionError("condition_syntax", str(_("列表中只能是常量")))
            _check_node(element, fields)
    elif isinstance(node, ast.Call):
        raise ConditionError("condition_call", str(_("条件中不允许调用函数")))
    elif isinstance(node, ast.Attribute):
        raise ConditionError("condition_attribute", str(_("条件中不允许访问属性")))
    elif isinstance(node, ast.Subscript):
        raise ConditionError("condition_subscript", str(_("条件中不允许下标访问")))
    else:
        raise ConditionError("condition_syntax", str(_("条件中不允许的语法：{kind}")).format(
            kind=type(node).__name__))


@lru_cache(maxsize=1024)
def _parse(expression: str) -> ast.Expression:
    if len(expression) > MAX_CONDITION_LENGTH:
        raise ConditionError("condition_too_long", str(_("条件过长")))
    try:
        return ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise ConditionError("condition_syntax", str(_("条件语法错误：{error}")).format(error=exc.msg
                             if isinstance(exc, SyntaxError) else exc)) from exc


def check_condition(expression: str, fields: Iterable[str] | None = None) -> set[str]:
    """Raise :class:`ConditionError` unless ``expression`` is allowed; return the names it uses."""
    allowed = frozenset(fields) if fields is not None else DEFAULT_CASE_FIELDS
    tree = _parse(expression)
    _check_node(tree, allowed)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, data)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ConditionError("condition_dunder", "dunder name")
        return data.get(node.id)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for value in node.values:
                result = _eval(value, data)
                if not result:
                    return result
            return result
        result = False
        for value in node.values:
            result = _eval(value, data)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, data)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub):
            return -operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, data)
            try:
                ok = _COMPARE[type(op)](left, right)
            except TypeError:  # e.g. None < 3: a missing field never matches
                return False
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_eval(e, data) for e in node.elts)
    raise ConditionError("condition_syntax", type(node).__name__)


@lru_cache(maxsize=1024)
def _compiled(expression: str) -> ast.Expression:
    tree = _parse(expression)
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not n.id.startswith("_"))
    _check_node(tree, names)  # the syntax whitelist again, whatever the field list was at upload
    return tree


def evaluate_condition(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate an allowed condition against case data, without ``eval``."""
    return _eval(_compiled(expression), data)
