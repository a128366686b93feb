"""Public calendar API (no authentication): the deadline calculator and the day list."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yiwang.api.schemas import ErrorOut
from yiwang.calendar.calculator import (
    MAX_DAYS,
    UNITS,
    ParamError,
    day_range,
    deadline_compute,
    parse_count,
    parse_date,
)
from yiwang.calendar.engine import DayInfo
from yiwang.core.errors import InvalidInput

router = Router()


class DayOut(Schema):
    date: date
    weekday: str = Field(..., description="星期几（中文）")
    is_workday: bool
    kind: str = Field(..., description="normal 工作日 / holiday 节假日 / adjusted_workday 调休上班 / weekend 周末")
    name: str = Field(..., description="节日名称，如 春节")

    @staticmethod
    def of(info: DayInfo) -> dict:
        return {"date": info.date, "weekday": info.weekday_label, "is_workday": info.is_workday,
                "kind": info.kind, "name": info.name}


class DeadlineOut(Schema):
    start: date
    unit: str = Field(..., description="workdays 工作日 / natural 自然日")
    workdays: int | None = None
    days: int
    due: date = Field(..., description="到期日：起算日次日起第 N 个工作日（民法典第二百零一条）")
    due_weekday: str
    calendar_complete: bool = Field(..., description="所涉年份是否都有官方节假日数据")
    warnings: list[str]
    skipped: list[DayOut] = Field(..., description="期间内不计算的休息日和节假日")
    adjusted_workdays: list[DayOut] = Field(..., description="期间内的调休上班日")


class DaysOut(Schema):
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    calendar_complete: bool
    warnings: list[str]
    days: list[DayOut]


def _invalid(exc: ParamError) -> InvalidInput:
    return InvalidInput(str(exc), details={"field": exc.field})


@router.get("/deadline", response={200: DeadlineOut, 400: ErrorOut}, auth=None, by_alias=True,
            summary="办理时限计算（起算日 + N 个工作日）")
def deadline(
    request: HttpRequest,
    start: str = Query(..., description="起算日（事件发生日，不计入），YYYY-MM-DD"),
    workdays: str | None = Query(None, description=f"工作日数 0–{MAX_DAYS}"),
    days: str | None = Query(None, description=f"天数（unit=natural 时为自然日数）0–{MAX_DAYS}"),
    unit: str = Query("workdays", description="workdays 或 natural"),
) -> dict:
    try:
        if unit not in UNITS:
            raise ParamError("unit", _("unit 只能是 workdays 或 natural"))
        start_date = parse_date(start, "start")
        if unit == "workdays":
            field, raw = ("workdays", workdays) if workdays is not None else ("days", days)
        else:
            field, raw = ("days", days) if days is not None else ("workdays", workdays)
        if raw is None:
            field = "workdays" if unit == "workdays" else "days"
        count = parse_count(raw, field)
    except ParamError as exc:
        raise _invalid(exc) from None
    result = deadline_compute(start=start_date, days=count, unit=unit)
    return {
        "start": result.start, "unit": result.unit, "workdays": count if unit == "workdays" else None,
        "days": count, "due": result.due, "due_weekday": result.due_weekday,
        "calendar_complete": result.calendar_complete, "warnings": result.warnings,
        "skipped": [DayOut.of(d) for d in result.skipped],
        "adjusted_workdays": [DayOut.of(d) for d in result.adjusted],
    }


@router.get("/days", response={200: DaysOut, 400: ErrorOut}, auth=None, by_alias=True,
            summary="工作日历查询（最多 366 天）")
def days_list(
    request: HttpRequest,
    start: str = Query(..., alias="from", description="开始日期 YYYY-MM-DD"),
    end: str = Query(..., alias="to", description="结束日期 YYYY-MM-DD（含）"),
) -> dict:
    try:
        first = parse_date(start, "from")
        last = parse_date(end, "to")
        infos, warnings = day_range(start=first, end=last)
    except ParamError as exc:
        raise _invalid(exc) from None
    return {"from": first, "to": last, "calendar_complete": not warnings, "warnings": warnings,
            "days": [DayOut.of(d) for d in infos]}
