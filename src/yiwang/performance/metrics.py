"""Set-based SQL aggregates behind the assessment, the dashboard and the hall display.

Every function takes base querysets that the caller has already restricted (scope, division
subtree) and returns plain dicts. Each metric is one ``GROUP BY`` query; nothing loops over cases
in Python.

Definitions (also shown on the dashboard):

* **按时办结率 on-time rate** — of the cases *due* in the period (completed in it, or still open with a
  handling-clock due date inside it that has passed), the share completed on or before the due
  date of their handling (promised) clock, extensions included.
* **办理用时 processing time** — for cases completed in the period, working days from the start of
  the handling clock (acceptance) to completion, against the statutory limit (the statutory clock's
  budget, working days). 提速比例 = 1 − avg(actual) / avg(statutory).
* **满意率 satisfaction** — ratings not excluded by an appeal, graded 基本满意 or better, over all.
* **整改及时率 rectification timeliness** — bad-rating rectifications done in the period or due in
  it and overdue: share done on or before their due date.
* **预警 alerts** — alerts raised in the period, by level (auto-resolved ones included).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from yiwang.calendar.models import CalendarDay, Clock, ClockUnit
from yiwang.cases.deadlines import HANDLING_PURPOSE, STATUTORY_PURPOSE
from yiwang.cases.models import OPEN_STATUSES, Case, CaseStep

STEP_CLOCK_PURPOSE = "case_step"
ALERT_LEVELS = ("warning", "yellow", "red", "recommendation")


def rate(part: int | None, whole: int | None) -> float | None:
    if not whole:
        return None
    return round((part or 0) / whole, 4)


def _clock_field(model: type, purpose: str, field: str, *, workdays_only: bool = False) -> Subquery:
    clocks = Clock.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk"),
                                  purpose=purpose)
    if workdays_only:
        clocks = clocks.filter(unit=ClockUnit.WORKDAYS)
    return Subquery(clocks.order_by("-id").values(field)[:1])


def _workdays_between(start_ref: str, end_ref: str) -> Coalesce:
    """Working days in (start, end] counted in SQL on the calendar table."""
    days = (CalendarDay.objects.filter(is_workday=True, date__gt=OuterRef(start_ref), date__lte=OuterRef(end_ref))
            .order_by().annotate(g=Value(1, output_field=IntegerField())).values("g")
            .annotate(n=Count("date")).values("n"))
    return Coalesce(Subquery(days, output_field=IntegerField()), Value(0))


def _grouped(qs: QuerySet, group_by: tuple[str, ...], **aggregates: Any) -> list[dict[str, Any]]:
    """``GROUP BY group_by`` (or one row over everything when ``group_by`` is empty)."""
    qs = qs.order_by()
    if not group_by:
        return [qs.aggregate(**aggregates)]
    return list(qs.values(*group_by).annotate(**aggregates))


def _key(row: dict[str, Any], group_by: tuple[str, ...]) -> Any:
    if not group_by:
        return None
    if len(group_by) == 1:
        return row[group_by[0]]
    return tuple(row[g] for g in group_by)


def case_timeliness(cases: QuerySet[Case], start: date, end: date, *, today: date,
                    group_by: tuple[str, ...] = ()) -> dict[Any, dict[str, Any]]:
    """{group: {due, on_time, on_time_rate}} — see the module docstring."""
    last_overdue = min(end, today - timedelta(days=1))
    qs = cases.annotate(due=_clock_field(Case, HANDLING_PURPOSE, "due_date"), done_on=TruncDate("completed_at"))
    completed = Q(completed_at__isnull=False, done_on__gte=start, done_on__lte=end)
    overdue_open = Q(completed_at__isnull=True, status__in=OPEN_STATUSES, due__gte=start, due__lte=last_overdue)
    rows = _grouped(qs.filter(due__isnull=False).filter(completed | overdue_open), group_by,
                    n_due=Count("pk"), n_on_time=Count("pk", filter=completed & Q(done_on__lte=F("due"))))
    return {_key(r, group_by): {"due": r["n_due"], "on_time": r["n_on_time"],
                                "on_time_rate": rate(r["n_on_time"], r["n_due"])} for r in rows}


def step_timeliness(steps: QuerySet[CaseStep], start: date, end: date, *,
                    group_by: tuple[str, ...] = ("completed_by",)) -> dict[Any, dict[str, Any]]:
    """Per staff member: clocked steps completed in the period, and those done by their step due date."""
    qs = steps.annotate(due=_clock_field(CaseStep, STEP_CLOCK_PURPOSE, "due_date"),
                        done_on=TruncDate("completed_at"))
    rows = _grouped(qs.filter(due__isnull=False, completed_at__isnull=False, done_on__gte=start, done_on__lte=end),
                    group_by, n_due=Count("pk"), n_on_time=Count("pk", filter=Q(done_on__lte=F("due"))))
    return {_key(r, group_by): {"due": r["n_due"], "on_time": r["n_on_time"],
                                "on_time_rate": rate(r["n_on_time"], r["n_due"])} for r in rows}


def processing_time(cases: QuerySet[Case], start: date, end: date, *,
                    group_by: tuple[str, ...] = ()) -> dict[Any, dict[str, Any]]:
    """{group: {completed, avg_days, avg_statutory_days, speedup}} for cases completed in the period."""
    qs = (cases.filter(completed_at__isnull=False)
          .annotate(done_on=TruncDate("completed_at"),
                    started_on=_clock_field(Case, HANDLING_PURPOSE, "start_date"),
                    statutory=_clock_field(Case, STATUTORY_PURPOSE, "budget", workdays_only=True))
          .filter(done_on__gte=start, done_on__lte=end, started_on__isnull=False, statutory__isnull=False)
          .annotate(actual=_workdays_between("started_on", "done_on")))
    rows = _grouped(qs, group_by, n=Count("pk"), avg_days=Avg("actual"), avg_statutory=Avg("statutory"))
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        avg_days = float(r["avg_days"]) if r["avg_days"] is not None else None
        avg_statutory = float(r["avg_statutory"]) if r["avg_statutory"] is not None else None
        speedup = (round(1 - avg_days / avg_statutory, 4)
                   if avg_days is not None and avg_statutory else None)
        out[_key(r, group_by)] = {
            "completed": r["n"],
            "avg_days": round(avg_days, 2) if avg_days is not None else None,
            "avg_statutory_days": round(avg_statutory, 2) if avg_statutory is not None else None,
            "speedup": speedup,
        }
    return out


def rating_queryset() -> QuerySet:
    from yiwang.evaluation.models import Rating, RatingStatus

    return Rating.objects.exclude(status=RatingStatus.EXCLUDED)


def satisfaction(ratings: QuerySet, start: date, end: date, *,
                 group_by: tuple[str, ...] = ()) -> dict[Any, dict[str, Any]]:
    """{group: {ratings, good, bad, satisfaction_rate, grade_5 … grade_1}}."""
    from yiwang.evaluation.models import BAD_GRADES, GOOD_GRADES

    grades = {f"grade_{g}": Count("pk", filter=Q(grade=g)) for g in (5, 4, 3, 2, 1)}
    rows = _grouped(ratings.annotate(day=TruncDate("created_at")).filter(day__gte=start, day__lte=end), group_by,
                    n=Count("pk"), good=Count("pk", filter=Q(grade__in=GOOD_GRADES)),
                    bad=Count("pk", filter=Q(grade__in=BAD_GRADES)), **grades)
    out = {}
    for r in rows:
        out[_key(r, group_by)] = {"ratings": r["n"], "good": r["good"], "bad": r["bad"],
                                  "satisfaction_rate": rate(r["good"], r["n"]),
                                  **{k: r[k] for k in grades}}
    return out


def rectification_timeliness(rectifications: QuerySet, start: date, end: date, *, today: date,
                             group_by: tuple[str, ...] = ()) -> dict[Any, dict[str, Any]]:
    from yiwang.evaluation.models import RectificationStatus

    last_overdue = min(end, today - timedelta(days=1))
    done = Q(done_on__isnull=False, done_on__gte=start, done_on__lte=end)
    overdue = Q(done_on__isnull=True, due_date__gte=start, due_date__lte=last_overdue)
    rows = _grouped(rectifications.exclude(status=RectificationStatus.CANCELLED).filter(done | overdue), group_by,
                    n=Count("pk"), n_on_time=Count("pk", filter=done & Q(done_on__lte=F("due_date"))))
    return {_key(r, group_by): {"rectifications": r["n"], "on_time": r["n_on_time"],
                                "rectification_rate": rate(r["n_on_time"], r["n"])} for r in rows}


def alert_counts(alerts: QuerySet, start: date, end: date, *,
                 group_by: tuple[str, ...] = ()) -> dict[Any, dict[str, int]]:
    counts = {level: Count("pk", filter=Q(level=level)) for level in ALERT_LEVELS}
    rows = _grouped(alerts.annotate(day=TruncDate("raised_at")).filter(day__gte=start, day__lte=end), group_by,
                    total=Count("pk"), **counts)
    return {_key(r, group_by): {"total": r["total"], **{lv: r[lv] for lv in ALERT_LEVELS}} for r in rows}


def volumes_by_month(cases: QuerySet[Case], start: date, end: date) -> list[dict[str, Any]]:
    submitted = (cases.filter(submitted_at__isnull=False).annotate(day=TruncDate("submitted_at"))
                 .filter(day__gte=start, day__lte=end).annotate(month=TruncMonth("submitted_at"))
                 .order_by().values("month").annotate(n=Count("pk")))
    completed = (cases.filter(completed_at__isnull=False).annotate(day=TruncDate("completed_at"))
                 .filter(day__gte=start, day__lte=end).annotate(month=TruncMonth("completed_at"))
                 .order_by().values("month").annotate(n=Count("pk")))
    months: dict[str, dict[str, Any]] = {}
    for key, rows in (("submitted", submitted), ("completed", completed)):
        for r in rows:
            m = r["month"]
            label = f"{m.year:04d}-{m.month:02d}"
            months.setdefault(label, {"period": label, "submitted": 0, "completed": 0})[key] = r["n"]
    return [months[k] for k in sorted(months)]


def grouped_counts(qs: QuerySet, field: str) -> dict[Any, int]:
    return {r[field]: r["n"] for r in qs.order_by().values(field).annotate(n=Count("pk"))}


def merge(*parts: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for part in parts:
        for key, values in part.items():
            out.setdefault(key, {}).update(values)
    return out


def keys_of(*parts: Iterable[Any]) -> set[Any]:
    out: set[Any] = set()
    for part in parts:
        out.update(k for k in part if k is not None)
    return out
