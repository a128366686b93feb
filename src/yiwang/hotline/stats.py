"""Hotline statistics (数据统计): the public statistics page, its JSON and the ``/api/v1`` endpoint.

Every figure is computed in SQL with aggregates over the tickets *registered* in a date range
(``[start, end]`` inclusive, local dates). The functions return plain dicts (JSON-ready: rates are
floats in 0–1 or ``None`` when there is nothing to divide by).

Definitions (国办发〔2020〕53号 core metrics):

* **响应率 response rate** — of the dispatched tickets, the share whose handling unit acted on
  them (签收, replied, returned or re-dispatched) within ``HOTLINE_RESPONSE_HOURS`` (default 24)
  of the dispatch;
* **解决率 resolution rate** — of the tickets called back, the share whose *latest* callback
  says the matter was resolved;
* **满意率 satisfaction rate** — of the tickets called back, the share whose latest callback is
  满意 or 基本满意;
* **按时办结率 on-time rate** — of the tickets whose deadline has passed or that were replied to,
  the share replied to on or before the deadline (``expected_at``).

Merged tickets (并单) count as received but are left out of every rate (their master ticket counts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth, TruncWeek
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router

from yiwang.core.errors import InvalidInput
from yiwang.hotline.models import (
    CLOCK_STATUSES,
    Assignment,
    Callback,
    Category,
    Satisfaction,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketStatus,
)
from yiwang.org.models import Division, DivisionLevel

# Timeline events that show the handling unit has responded to a dispatch.
RESPONSE_EVENT_KINDS = ("accepted", "redispatched", "returned", "reply_submitted", "extension_requested")
MAX_RANGE_DAYS = 731
DEFAULT_RANGE_DAYS = 90


@dataclass(frozen=True)
class StatsRange:
    """Tickets registered from ``start`` to ``end`` (inclusive, local dates), optionally limited to a
    division subtree and/or a lead unit."""

    start: date
    end: date
    division_path: str | None = None
    unit_id: int | None = None

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """Exclusive upper bound: midnight after ``end``."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def parse_range(start: str | None, end: str | None, *, default_days: int = DEFAULT_RANGE_DAYS) -> StatsRange:
    """A :class:`StatsRange` from ``YYYY-MM-DD`` strings (default: the last ``default_days`` days).

    Raises :class:`InvalidInput` on a bad date, an inverted range or more than two years."""
    today = timezone.localdate()
    try:
        end_d = date.fromisoformat(end) if end else today
        start_d = date.fromisoformat(start) if start else end_d - timedelta(days=default_days - 1)
    except ValueError as exc:
        raise InvalidInput(_("日期格式应为 YYYY-MM-DD"), details={"start": start, "end": end}) from exc
    if start_d > end_d:
        raise InvalidInput(_("开始日期不能晚于结束日期"), details={"start": start, "end": end})
    if (end_d - start_d).days >= MAX_RANGE_DAYS:
        raise InvalidInput(_("统计区间不能超过两年"), details={"start": start, "end": end})
    return StatsRange(start_d, end_d)


def response_hours() -> int:
    return int(getattr(settings, "HOTLINE_RESPONSE_HOURS", 24))


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def tickets_in_range(rng: StatsRange) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(created_at__gte=rng.start_at, created_at__lt=rng.end_at)
    if rng.division_path:
        qs = qs.filter(division__path__startswith=rng.division_path)
    if rng.unit_id:
        qs = qs.filter(lead_unit_id=rng.unit_id)
    return qs


def _annotated(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    latest_callback = Callback.objects.filter(ticket=OuterRef("pk")).order_by("-round", "-recorded_at", "-id")
    first_response = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind__in=RESPONSE_EVENT_KINDS)
        .order_by("at")
        .values("at")[:1]
    )
    return qs.annotate(
        cb_satisfaction=Subquery(latest_callback.values("satisfaction")[:1]),
        cb_resolved=Subquery(latest_callback.values("resolved")[:1]),
        first_response_at=Subquery(first_response),
        response_deadline=ExpressionWrapper(
            F("dispatched_at") + timedelta(hours=response_hours()), output_field=DateTimeField()
        ),
    )


def _metric_aggregates(now: datetime) -> dict[str, Any]:
    live = ~Q(status=TicketStatus.MERGED)
    due = live & Q(expected_at__isnull=False) & (Q(replied_at__isnull=False) | Q(expected_at__lt=now))
    called_back = live & Q(cb_satisfaction__isnull=False)
    return {
        "total": Count("id"),
        "merged": Count("id", filter=Q(status=TicketStatus.MERGED)),
        "diverted": Count("id", filter=Q(status=TicketStatus.DIVERTED)),
        "closed_on_spot": Count("id", filter=Q(status=TicketStatus.CLOSED_ON_SPOT)),
        "closed": Count("id", filter=Q(status__in=[TicketStatus.CLOSED, TicketStatus.CLOSED_ON_SPOT])),
        "dispatched": Count("id", filter=live & Q(dispatched_at__isnull=False)),
        "responded": Count(
            "id",
            filter=live & Q(dispatched_at__isnull=False, first_response_at__isnull=False,
                            first_response_at__lte=F("response_deadline")),
        ),
        "due": Count("id", filter=due),
        "on_time": Count("id", filter=due & Q(replied_at__isnull=False, replied_at__lte=F("expected_at"))),
        "overdue_open": Count("id", filter=Q(status__in=CLOCK_STATUSES, expected_at__lt=now)),
        "called_back": Count("id", filter=called_back),
        "resolved": Count("id", filter=called_back & Q(cb_resolved=True)),
        "satisfied": Count("id", filter=called_back & Q(cb_satisfaction=Satisfaction.SATISFIED)),
        "basic": Count("id", filter=called_back & Q(cb_satisfaction=Satisfaction.BASIC)),
        "unsatisfied": Count("id", filter=called_back & Q(cb_satisfaction=Satisfaction.UNSATISFIED)),
    }


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["response_rate"] = _rate(row["responded"], row["dispatched"])
    row["resolution_rate"] = _rate(row["resolved"], row["called_back"])
    row["satisfaction_rate"] = _rate(row["satisfied"] + row["basic"], row["called_back"])
    row["on_time_rate"] = _rate(row["on_time"], row["due"])
    return row


def summary(rng: StatsRange, *, now: datetime | None = None) -> dict[str, Any]:
    """Counts and the four rates for the range."""
    now = now or timezone.now()
    row = _annotated(tickets_in_range(rng)).aggregate(**_metric_aggregates(now))
    return _with_rates(row)


def _grouped(rng: StatsRange, field: str, now: datetime) -> list[dict[str, Any]]:
    aggregates = _metric_aggregates(now)
    rows = (
        _annotated(tickets_in_range(rng))
        .order_by()
        .values(field)
        .annotate(**aggregates)
        .order_by("-total", field)
    )
    return [_with_rates(dict(row)) for row in rows]


def by_category(rng: StatsRange, *, now: datetime | None = None) -> list[dict[str, Any]]:
    labels = dict(Category.choices)
    rows = _grouped(rng, "category", now or timezone.now())
    for row in rows:
        row["label"] = str(labels.get(row["category"], row["category"]))
    return rows


def by_channel(rng: StatsRange) -> list[dict[str, Any]]:
    labels = dict(TicketChannel.choices)
    rows = tickets_in_range(rng).order_by().values("channel").annotate(total=Count("id")).order_by("-total")
    return [{"channel": r["channel"], "label": str(labels.get(r["channel"], r["channel"])), "total": r["total"]}
            for r in rows]


def by_matter_type(rng: StatsRange, *, limit: int = 15) -> list[dict[str, Any]]:
    """热点事项: the most frequent matter types."""
    rows = (
        tickets_in_range(rng)
        .exclude(status=TicketStatus.MERGED)
        .order_by()
        .values("matter_type__code", "matter_type__name")
        .annotate(total=Count("id"))
        .order_by("-total", "matter_type__code")[:limit]
    )
    return [
        {"code": r["matter_type__code"] or "", "label": r["matter_type__name"] or _("未分类"), "total": r["total"]}
        for r in rows
    ]


def by_division(rng: StatsRange, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """热点区域: tickets per township (乡镇/街道); village tickets roll up to their township."""
    rows = _grouped(rng, "division__path", now or timezone.now())
    townships = {d.path: d.name for d in Division.objects.filter(level=DivisionLevel.TOWNSHIP).only("path", "name")}
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        path = row.pop("division__path") or ""
        key = next((p for p in townships if path.startswith(p)), "")
        label = townships.get(key) or (_("县级/未定位") if not path else _("县级"))
        target = merged.setdefault(key or label, {"path": key, "label": label, **dict.fromkeys(row, 0)})
        for name, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                target[name] += value
    result = [_with_rates(row) for row in merged.values()]
    return sorted(result, key=lambda r: (-r["total"], r["label"]))


def by_unit(rng: StatsRange, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per lead unit (主办单位): volume, rates and returns (退单) counted per unit."""
    from yiwang.org.models import Department

    now = now or timezone.now()
    rows = {row.pop("lead_unit_id"): row for row in _grouped(rng, "lead_unit_id", now)}
    rows.pop(None, None)
    returns = dict(
        Assignment.objects.filter(ticket__in=tickets_in_range(rng), returned_at__isnull=False)
        .order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    empty = dict.fromkeys(_metric_aggregates(now), 0)
    names = dict(Department.objects.filter(id__in=set(rows) | set(returns)).values_list("id", "name"))
    result = []
    for unit_id in set(rows) | set(returns):
        row = rows.get(unit_id) or _with_rates(dict(empty))  # a unit that returned everything it got
        row.update(unit_id=unit_id, label=names.get(unit_id, ""), returns=returns.get(unit_id, 0))
        result.append(row)
    return sorted(result, key=lambda r: (-r["total"], -r["returns"], r["label"]))


def trend(rng: StatsRange, *, period: str = "week", now: datetime | None = None) -> list[dict[str, Any]]:
    """Tickets per week (Monday) or month, with the rates of each period."""
    if period not in {"week", "month"}:
        raise InvalidInput(_("周期只能是 week 或 month"), details={"period": period})
    trunc = TruncWeek if period == "week" else TruncMonth
    tz = timezone.get_current_timezone()
    rows = (
        _annotated(tickets_in_range(rng))
        .annotate(period=trunc("created_at", tzinfo=tz))
        .order_by()
        .values("period")
        .annotate(**_metric_aggregates(now or timezone.now()))
        .order_by("period")
    )
    result = []
    for values in rows:
        row: dict[str, Any] = dict(values)
        started = row.pop("period")
        started_d = timezone.localtime(started).date() if isinstance(started, datetime) else started
        if period == "week":
            iso = started_d.isocalendar()
            label = f"{iso.year}-W{iso.week:02d}"
        else:
            label = started_d.strftime("%Y-%m")
        result.append(_with_rates({"period": label, "start": started_d.isoformat(), **row}))
    return result


def hotline_stats(rng: StatsRange, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the statistics page and the JSON endpoints show."""
    now = now or timezone.now()
    return {
        "range": rng.as_dict(),
        "definitions": {"response_hours": response_hours()},
        "summary": summary(rng, now=now),
        "by_category": by_category(rng, now=now),
        "by_channel": by_channel(rng),
        "by_matter_type": by_matter_type(rng),
        "by_division": by_division(rng, now=now),
        "by_unit": by_unit(rng, now=now),
        "trend_week": trend(rng, period="week", now=now),
        "trend_month": trend(rng, period="month", now=now),
    }


# --- Views (public) -----------------------------------------------------------------------------

RATE_LABELS = (
    ("response_rate", gettext_lazy("响应率")),
    ("resolution_rate", gettext_lazy("解决率")),
    ("satisfaction_rate", gettext_lazy("满意率")),
    ("on_time_rate", gettext_lazy("按时办结率")),
)


def stats_page(request: HttpRequest) -> HttpResponse:
    """``/hotline/stats/``: public statistics with ECharts (served locally) and tables under each chart."""
    error = ""
    try:
        rng = parse_range(request.GET.get("start"), request.GET.get("end"))
    except InvalidInput as exc:
        error = exc.message
        rng = parse_range(None, None)
    data = hotline_stats(rng)
    rates = [{"key": key, "label": str(label), "value": data["summary"][key]} for key, label in RATE_LABELS]
    chart_data = {
        "trend": [{"period": r["period"], "total": r["total"], "closed": r["closed"]} for r in data["trend_week"]],
        "category": [{"label": r["label"], "total": r["total"]} for r in data["by_category"]],
        "division": [{"label": r["label"], "total": r["total"]} for r in data["by_division"]],
        "matter": [{"label": r["label"], "total": r["total"]} for r in data["by_matter_type"]],
        "labels": {"total": _("受理量"), "closed": _("办结量")},
    }
    return render(
        request,
        "hotline/stats.html",
        {"data": data, "rates": rates, "range": rng, "error": error, "chart_data": chart_data},
        status=400 if error else 200,
    )


def stats_data(request: HttpRequest) -> JsonResponse:
    """``/hotline/stats/data.json``: the same figures as JSON."""
    try:
        rng = parse_range(request.GET.get("start"), request.GET.get("end"))
    except InvalidInput as exc:
        return JsonResponse(exc.as_dict(), status=400)
    return JsonResponse(hotline_stats(rng), json_dumps_params={"ensure_ascii": False})


# --- API: /api/v1/hotline/stats ------------------------------------------------------------------

stats_router = Router()


@stats_router.get("", auth=None, summary="热线统计（公开）", url_name="hotline_stats")
def api_hotline_stats(request: HttpRequest, start: str | None = None, end: str | None = None) -> HttpResponse:
    """响应率、解决率、满意率、按时办结率，分类、区域、承办单位与趋势。``start``/``end``: YYYY-MM-DD（默认近90天）。"""
    rng = parse_range(start, end)
    return HttpResponse(
        json.dumps(hotline_stats(rng), ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
