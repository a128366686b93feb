"""Django admin for the working-day calendar. Every save goes through the services, which
check ``Perm.CALENDAR_MANAGE`` for the acting position and write an audit event."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.calendar import engine
from yiwang.calendar.models import CalendarDay, CalendarYear, Clock, ClockExtension, ClockSuspension, DayKind
from yiwang.calendar.services import calendar_day_set, calendar_year_set
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

logger = logging.getLogger(__name__)

WORKING_KINDS = (DayKind.NORMAL, DayKind.ADJUSTED_WORKDAY)


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff
                and has_perm(getattr(request, "position", None), Perm.CALENDAR_MANAGE))


def _warn_missing_years(request: HttpRequest) -> None:
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        if not engine.is_year_complete(year):
            logger.warning("calendar: no official holiday data for %s; using Monday–Friday", year)
            messages.warning(request, _("%(year)s 年的节假日安排尚未录入：该年暂按周一至周五计算工作日。"
                                        "请按国务院办公厅通知录入后，在“日历年度”中标记为已发布。") % {"year": year})


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "kind", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, is_workday = data.get("kind"), data.get("is_workday")
        if kind and is_workday is not None and is_workday != (kind in WORKING_KINDS):
            raise forms.ValidationError(_("“工作日”与“类型”不一致：调休上班和工作日须勾选“工作日”，节假日和周末不得勾选。"))
        day = data.get("date")
        if day is not None and not engine.MIN_YEAR <= day.year <= engine.MAX_YEAR:
            self.add_error("date", _("年份超出范围"))
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "is_workday", "kind", "name", "source", "updated_by", "updated_at")
    list_filter = ("kind", "is_workday", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    list_per_page = 62

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return engine.weekday_label(obj.date)

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> tuple[str, ...]:
        return ("date", "source", "updated_by", "updated_at") if obj else ("source", "updated_by", "updated_at")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _can_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # set the day to what it should be instead; deleting would hide the edit

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_set(day=obj.date, is_workday=obj.is_workday, name=obj.name, kind=obj.kind,
                                 actor=request.user, position=getattr(request, "position", None))
        obj.source, obj.updated_by, obj.updated_at = saved.source, saved.updated_by, saved.updated_at

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _warn_missing_years(request)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "complete", "source", "updated_at")
    fields = ("year", "complete", "source", "notes")

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarYear | None = None) -> tuple[str, ...]:
        return ("year",) if obj else ()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _can_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        calendar_year_set(year=obj.year, complete=obj.complete, source=obj.source, notes=obj.notes,
                          actor=request.user, position=getattr(request, "position", None))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _warn_missing_years(request)
        return super().changelist_view(request, extra_context)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuspensionInline(_ReadOnlyInline):
    model = ClockSuspension
    fields = ("kind", "reason", "start", "end", "created_by")
    readonly_fields = fields


class ExtensionInline(_ReadOnlyInline):
    model = ClockExtension
    fields = ("days", "reason", "approver", "approved_at")
    readonly_fields = fields


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    """Read-only: clocks change only through the services of the context that owns them."""

    list_display = ("pk", "content_type", "object_id", "purpose", "unit", "budget", "start_date", "due_date",
                    "status", "remaining")
    list_filter = ("status", "unit", "content_type")
    date_hierarchy = "due_date"
    inlines = [SuspensionInline, ExtensionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Clock._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
