"""Public pages: 办理时限计算器 (deadline calculator) and the month view of the calendar."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import engine
from yiwang.calendar.calculator import MAX_DAYS, ParamError, deadline_compute, month_bounds, parse_date


class DeadlineForm(forms.Form):
    start = forms.DateField(
        label=_("起算日"), input_formats=["%Y-%m-%d"],
        help_text=_("引起期间开始的事件发生日（如受理日），当日不计入期间。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写起算日"), "invalid": _("日期格式应为 YYYY-MM-DD")},
    )
    workdays = forms.IntegerField(
        label=_("天数"), min_value=0, max_value=MAX_DAYS,
        help_text=_("例如行政许可决定期限为 20 个工作日。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("请填写天数"), "invalid": _("天数必须是整数"),
                        "min_value": _("天数不能为负数"), "max_value": _("天数不能超过 %(limit_value)s")},
    )
    unit = forms.ChoiceField(
        label=_("计算方式"), initial="workdays", required=False,
        choices=[("workdays", _("工作日")), ("natural", _("自然日"))],
    )

    def clean_start(self) -> date:
        value: date = self.cleaned_data["start"]
        try:
            return parse_date(value.isoformat(), "start")
        except ParamError as exc:
            raise forms.ValidationError(str(exc)) from None


def deadline(request: HttpRequest) -> HttpResponse:
    """GET form; works without JavaScript, and htmx swaps only the calculator panel."""
    submitted = "start" in request.GET or "workdays" in request.GET
    form = DeadlineForm(request.GET if submitted else None, auto_id="%s",
                        initial={"start": timezone.localdate(), "workdays": 20, "unit": "workdays"})
    result = None
    if submitted and form.is_valid():
        result = deadline_compute(start=form.cleaned_data["start"], days=form.cleaned_data["workdays"],
                                  unit=form.cleaned_data.get("unit") or "workdays")
    context = {"form": form, "result": result, "submitted": submitted}
    if getattr(request, "htmx", False):
        return render(request, "calendar/_deadline_panel.html", context, status=200)
    return render(request, "calendar/deadline.html", context, status=400 if submitted and not form.is_valid() else 200)


def _int_param(request: HttpRequest, name: str, default: int, lo: int, hi: int) -> tuple[int, bool]:
    raw = request.GET.get(name, "")
    if raw == "":
        return default, True
    try:
        value = int(raw)
    except ValueError:
        return default, False
    return (value, True) if lo <= value <= hi else (default, False)


def month(request: HttpRequest) -> HttpResponse:
    """Month view (月历) with holidays and 调休 marks; ``?year=2026&month=10``."""
    today = timezone.localdate()
    year, ok_year = _int_param(request, "year", today.year, engine.MIN_YEAR, engine.MAX_YEAR)
    mon, ok_month = _int_param(request, "month", today.month, 1, 12)
    error = "" if ok_year and ok_month else _("年份或月份不正确，已显示本月。")
    if error:
        year, mon = today.year, today.month
    first, last = month_bounds(year, mon)
    infos = {d.date: d for d in engine.days_in_range(first, last)}
    weeks = []
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, mon):
        weeks.append([infos.get(d) for d in week])
    prev_first = month_bounds(year - (mon == 1), (mon - 2) % 12 + 1)[0]
    next_first = last.toordinal() + 1
    context = {
        "year": year, "month": mon, "weeks": weeks, "today": today, "error": error,
        "warnings": engine.coverage_warnings(first, last),
        "special": [d for d in infos.values() if d.kind in ("holiday", "adjusted_workday")],
        "prev": prev_first if prev_first.year >= engine.MIN_YEAR else None,
        "next": date.fromordinal(next_first) if date.fromordinal(next_first).year <= engine.MAX_YEAR else None,
        "weekday_names": engine.WEEKDAYS,
    }
    return render(request, "calendar/month.html", context, status=400 if error else 200)
