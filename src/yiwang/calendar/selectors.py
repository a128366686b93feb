"""Reads for the calendar and clocks.

The calendar is public data. Clocks are read through the object they belong to: callers pass
an object (or a queryset of objects) they have already fetched through their own scoped
selector, so a clock is never visible to a position that cannot see its owner.
"""

from __future__ import annotations

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from yiwang.calendar.models import CalendarDay, CalendarYear, Clock, ClockStatus


def calendar_day_list(*, start: date, end: date) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__gte=start, date__lte=end).order_by("date")


def calendar_year_list() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.order_by("year")


def clock_list_for_object(obj: models.Model) -> QuerySet[Clock]:
    return (Clock.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
            .prefetch_related("suspensions", "extensions").order_by("created_at", "pk"))


def clock_for_object(obj: models.Model, *, purpose: str | None = None) -> Clock | None:
    """The latest clock of ``obj`` (optionally with this purpose), or ``None``."""
    qs = clock_list_for_object(obj)
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    return qs.order_by("-created_at", "-pk").first()


def clock_list_for_objects(objects: QuerySet, *, open_only: bool = True) -> QuerySet[Clock]:
    """Clocks of every object in ``objects`` (a queryset already filtered by the caller's scope)."""
    qs = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(objects.model),
        object_id__in=objects.values("pk"),
    )
    if open_only:
        qs = qs.filter(stopped_at__isnull=True)
    return qs.order_by("due_date", "pk")


def clocks_due_before(*, day: date, objects: QuerySet | None = None, include_paused: bool = False) -> QuerySet[Clock]:
    """Running clocks due on or before ``day`` (for supervision alerts), earliest first.

    Pass ``objects`` (a scoped queryset of owners) to restrict to what a position may see;
    without it the answer covers the whole platform and is meant for system tasks only.
    """
    qs = clock_list_for_objects(objects) if objects is not None else Clock.objects.filter(stopped_at__isnull=True)
    qs = qs.filter(due_date__lte=day)
    if not include_paused:
        qs = qs.exclude(status=ClockStatus.PAUSED)
    return qs.order_by("due_date", "pk")


def clocks_with_status(*, status: str, objects: QuerySet | None = None) -> QuerySet[Clock]:
    qs = clock_list_for_objects(objects) if objects is not None else Clock.objects.filter(stopped_at__isnull=True)
    return qs.filter(status=status).order_by("due_date", "pk")
