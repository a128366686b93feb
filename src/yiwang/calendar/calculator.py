"""办理时限计算器: the public deadline calculation shared by the API and the portal page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from yiwang.calendar import engine
from yiwang.calendar.engine import DayInfo

MAX_DAYS = 1000
MAX_RANGE_DAYS = 366
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RE = re.compile(r"^[+-]?\d{1,9}$")
UNITS = ("workdays", "natural")


class ParamError(ValueError):
    """A bad parameter: ``field`` names it, ``str(self)`` says what is wrong (in Chinese)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def parse_date(value: str | None, field: str) -> date:
    if value is None or str(value).strip() == "":
        raise ParamError(field, _("请填写日期"))
    value = str(value).strip()
    if not _DATE_RE.match(value):
        raise ParamError(field, _("日期格式应为 YYYY-MM-DD"))
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ParamError(field, _("日期不存在")) from None
    if not engine.MIN_YEAR <= parsed.year <= engine.MAX_YEAR:
        raise ParamError(field, _("年份须在 %(lo)s 至 %(hi)s 之间") % {"lo": engine.MIN_YEAR, "hi": engine.MAX_YEAR})
    return parsed


def parse_count(value: str | int | None, field: str, *, maximum: int = MAX_DAYS) -> int:
    if value is None or str(value).strip() == "":
        raise ParamError(field, _("请填写天数"))
    text = str(value).strip()
    if not _INT_RE.match(text):
        raise ParamError(field, _("天数必须是整数"))
    number = int(text)
    if not 0 <= number <= maximum:
        raise ParamError(field, _("天数须在 0 至 %(max)s 之间") % {"max": maximum})
    return number


@dataclass(frozen=True)
class Deadline:
    start: date
    unit: str
    days: int
    due: date
    calendar_complete: bool
    warnings: list[str]
    skipped: list[DayInfo] = field(default_factory=list)  # rest days and holidays in (start, due]
    adjusted: list[DayInfo] = field(default_factory=list)  # 调休上班 days in (start, due]

    @property
    def due_weekday(self) -> str:
        return engine.weekday_label(self.due)

    @property
    def holidays(self) -> list[DayInfo]:
        return [d for d in self.skipped if d.kind == "holiday"]


def deadline_compute(*, start: date, days: int, unit: str = "workdays") -> Deadline:
    """The due date ``days`` working (or natural) days after ``start``, with what it skipped."""
    if unit == "natural":
        due = engine.add_natural_days(start, days)
    else:
        unit = "workdays"
        due = engine.add_workdays(start, days)
    warnings = engine.coverage_warnings(start, due)
    non_working, special = engine.range_summary(start, due)
    skipped = non_working if unit == "workdays" else [d for d in special if not d.is_workday]
    adjusted = [d for d in special if d.is_workday]
    return Deadline(start=start, unit=unit, days=days, due=due, calendar_complete=not warnings,
                    warnings=warnings, skipped=skipped, adjusted=adjusted)


def day_range(*, start: date, end: date) -> tuple[list[DayInfo], list[str]]:
    if end < start:
        raise ParamError("to", _("结束日期不能早于开始日期"))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ParamError("to", _("一次最多查询 %(n)s 天") % {"n": MAX_RANGE_DAYS})
    return engine.days_in_range(start, end), engine.coverage_warnings(start, end)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)
