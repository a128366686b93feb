"""What every supervision rule is made of: the standard columns, findings, configuration, the base class.

* ``COLUMNS``: the columns of every rule's SQL source (level, object, case, item, department,
  division, responsible user, message); ``Finding``: one such row in Python;
* ``RuleConfig``: a :class:`~yiwang.supervision.models.Rule` row plus its overrides (thresholds and
  switches per item / department / level; ``value_for`` picks the most specific);
* ``BaseRule``: ``source`` (SQL) or ``findings`` (Python), ``resolve_source`` and ``evaluate`` for one case;
* ``t``/``ct_id``/``d``/``_in``: table names, content types, date parameters and placeholders for the SQL;
* the clock purposes the rules read (handling, step, deferral, acceptance).
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from yiwang.cases.models import Case
from yiwang.supervision.models import AlertLevel, Rule, RuleOverride

COLUMNS = ("level", "content_type_id", "object_id", "case_id", "item_id", "department_id", "division_id",
           "responsible_user_id", "message")



HANDLING_PURPOSES = ("handling", "case_handling", "handle")



STEP_PURPOSE = "case_step"



DEFERRAL_PURPOSE = "deferral"  # yiwang.cases.deferral.DEFERRAL_PURPOSE



ACCEPTANCE_PURPOSE = "acceptance"



@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    content_type_id: int
    object_id: int
    case_id: int | None
    item_id: int | None
    department_id: int | None
    division_id: int | None
    responsible_user_id: int | None
    message: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.content_type_id, self.object_id, self.level)



@dataclass
class RuleConfig:
    """A rule's row plus its overrides: thresholds and switches per item / department / level."""

    rule: Rule
    overrides: list[RuleOverride] = field(default_factory=list)

    def param(self, name: str, default: Any) -> Any:
        return (self.rule.params or {}).get(name, default)

    def scoped(self, name: str) -> list[tuple[int | None, int | None, str, Any]]:
        """Overrides that set ``name``: (item_id, department_id, level, value), most specific first."""
        rows = [(o.item_id, o.department_id, o.level, o.params[name]) for o in self.overrides
                if o.is_active and name in (o.params or {})]
        return sorted(rows, key=lambda r: -((r[0] is not None) * 2 + (r[1] is not None)))

    def disabled(self) -> list[tuple[int | None, int | None, str]]:
        return [(o.item_id, o.department_id, o.level) for o in self.overrides if not o.is_active]

    def value_for(self, name: str, default: Any, *, item_id: int | None, department_id: int | None,
                  level: str = "") -> Any:
        for o_item, o_dept, o_level, value in self.scoped(name):
            if (o_item in (None, item_id) and o_dept in (None, department_id)
                    and (not o_level or o_level == level)):
                return value
        return self.param(name, default)



def t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)



def ct_id(model: Any) -> int:
    return ContentType.objects.get_for_model(model).pk



def d(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)



def _in(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(["%s"] * len(values))



class BaseRule:
    code: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[str]
    levels: ClassVar[tuple[str, ...]] = (AlertLevel.RED,)
    python: ClassVar[bool] = False  # True: findings() in Python instead of source() in SQL

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        raise NotImplementedError

    def resolve_source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        """The rows whose alerts must *not* be auto-resolved (default: the current findings)."""
        return self.source(cfg, today)

    def evaluate(self, case: Case | int, cfg: RuleConfig, today: date) -> list[Finding]:
        """The findings of this rule for one case (event-time evaluation)."""
        case_id = case if isinstance(case, int) else case.pk
        if self.python:
            return self.findings(cfg, today, case_id)
        sql, params = self.source(cfg, today)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join('f.' + c for c in COLUMNS)} FROM ({sql}) f WHERE f.case_id = %s",
                           [*params, case_id])
            rows = cursor.fetchall()
        return [Finding(self.code, *row) for row in rows]
