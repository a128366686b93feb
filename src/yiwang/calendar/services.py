"""Writes for the calendar and the clock ledger. Each checks permission, runs in a
transaction, locks the clock row and writes an audit event.

Scope: a clock belongs to some other object (办件, 工单, 公开申请 …). The owning context fetches
that object through its own scoped selector before calling these services, so scope is
checked there; the permissions checked here are the ones that belong to the clock itself
(中止 :attr:`Perm.CLOCK_SUSPEND`, 延期 :attr:`Perm.CLOCK_EXTEND`, 日历 :attr:`Perm.CALENDAR_MANAGE`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import engine
from yiwang.calendar.clocks import clock_state
from yiwang.calendar.models import (
    CalendarDay,
    CalendarYear,
    Clock,
    ClockExtension,
    ClockSuspension,
    ClockUnit,
    DayKind,
    DaySource,
    SuspensionKind,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

MAX_BUDGET = 10_000


def _require(position: Any, perm: str) -> None:
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"permission": str(perm)})


# --- calendar ------------------------------------------------------------------------
def _day_dict(day: CalendarDay | None) -> dict[str, Any] | None:
    if day is None:
        return None
    return {"date": day.date.isoformat(), "is_workday": day.is_workday, "kind": day.kind, "name": day.name,
            "source": day.source}


def default_kind(day: date, is_workday: bool, name: str = "") -> str:
    """The natural kind for a day: a working weekend day is 调休上班, a weekday off is a holiday."""
    weekend = day.weekday() >= 5
    if is_workday:
        return DayKind.ADJUSTED_WORKDAY if weekend else DayKind.NORMAL
    return DayKind.HOLIDAY if (name or not weekend) else DayKind.WEEKEND


def calendar_day_set(
    *, day: date, is_workday: bool, name: str = "", kind: str | None = None, actor: Any, position: Any
) -> CalendarDay:
    """Set whether ``day`` is a working day (管理员维护工作日历)."""
    _require(position, Perm.CALENDAR_MANAGE)
    if not engine.MIN_YEAR <= day.year <= engine.MAX_YEAR:
        raise InvalidInput(_("年份超出范围"), details={"field": "day"})
    name = (name or "").strip()[:100]
    kind = kind or default_kind(day, is_workday, name)
    if kind not in DayKind.values:
        raise InvalidInput(_("日期类型不正确"), details={"field": "kind"})
    if is_workday != (kind in (DayKind.NORMAL, DayKind.ADJUSTED_WORKDAY)):
        raise InvalidInput(_("日期类型与是否工作日不一致"), details={"field": "kind"})
    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = _day_dict(existing)
        row = existing or CalendarDay(date=day)
        row.is_workday = is_workday
        row.kind = kind
        row.name = name
        row.source = DaySource.ADMIN
        row.updated_by = actor if getattr(actor, "pk", None) else None
        row.save()
        audit_record(action="calendar.day_set", actor=actor, position=position, obj=row,
                     object_id=day.isoformat(), before=before, after=_day_dict(row))
        engine.invalidate()
        transaction.on_commit(engine.invalidate)
    return row


def calendar_year_set(*, year: int, complete: bool, source: str = "", notes: str = "", actor: Any,
                      position: Any) -> CalendarYear:
    """Record whether ``year``'s official holiday arrangement has been entered in full."""
    _require(position, Perm.CALENDAR_MANAGE)
    if not engine.MIN_YEAR <= year <= engine.MAX_YEAR:
        raise InvalidInput(_("年份超出范围"), details={"field": "year"})
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None if existing is None else {"complete": existing.complete, "source": existing.source,
                                                "notes": existing.notes}
        row = existing or CalendarYear(year=year)
        row.complete = complete
        row.source = source[:200]
        row.notes = notes
        row.save()
        audit_record(action="calendar.year_set", actor=actor, position=position, obj=row,
                     before=before, after={"complete": complete, "source": row.source, "notes": notes})
        engine.invalidate()
        transaction.on_commit(engine.invalidate)
    return row


# --- clocks --------------------------------------------------------------------------
def _clock_dict(clock: Clock) -> dict[str, Any]:
    return {
        "unit": clock.unit, "budget": clock.budget, "start_date": clock.start_date,
        "due_date": clock.due_date, "due_at": clock.due_at, "status": clock.status,
        "remaining": clock.remaining, "stopped_at": clock.stopped_at,
    }


def _lock(clock: Clock) -> Clock:
    return Clock.objects.select_for_update().get(pk=clock.pk)


def _apply_state(clock: Clock, *, today: date | None = None, now: datetime | None = None) -> list[str]:
    """Recompute the cached columns of a locked ``clock``; returns the fields changed."""
    state = clock_state(clock, today=today, now=now)
    changed = []
    for name, value in (("due_date", state.due_date), ("due_at", state.due_at), ("status", state.status),
                        ("remaining", state.remaining), ("status_at", state.today)):
        if getattr(clock, name) != value:
            setattr(clock, name, value)
            changed.append(name)
    return changed


def clock_refresh(*, clock: Clock, today: date | None = None, now: datetime | None = None) -> Clock:
    """Recompute and store due date, status and remaining (no audit: derived data only)."""
    with transaction.atomic():
        locked = _lock(clock)
        changed = _apply_state(locked, today=today, now=now)
        if changed:
            locked.save(update_fields=changed)
    return locked


def _check_unit(unit: str) -> str:
    if unit not in ClockUnit.values:
        raise InvalidInput(_("计时单位不正确"), details={"field": "unit"})
    return unit


def clock_start(
    *,
    obj: models.Model,
    start: date,
    budget: int,
    unit: str = ClockUnit.WORKDAYS,
    position: Any,
    actor: Any,
    yellow_threshold: int | None = None,
    purpose: str = "",
    started_at: datetime | None = None,
    today: date | None = None,
) -> Clock:
    """Start a time limit for ``obj`` counted from ``start`` (the event day is not counted).

    ``position`` may be ``None`` when the platform itself starts the clock (e.g. an online
    application deemed accepted under 行政许可法 Art. 32); the caller has checked its own rights.
    """
    _check_unit(unit)
    if not isinstance(obj.pk, int) or obj.pk <= 0:
        raise InvalidInput(_("时限只能关联已保存、以整数为主键的对象"), details={"field": "obj"})
    if not 0 < budget <= MAX_BUDGET:
        raise InvalidInput(_("时限必须为 1 至 %(max)s 之间的整数") % {"max": MAX_BUDGET}, details={"field": "budget"})
    if yellow_threshold is not None and yellow_threshold < 0:
        raise InvalidInput(_("预警阈值不能为负数"), details={"field": "yellow_threshold"})
    if not engine.MIN_YEAR <= start.year <= engine.MAX_YEAR:
        raise InvalidInput(_("起算日超出范围"), details={"field": "start"})
    if started_at is None:
        now = timezone.now()
        started_at = now if timezone.localdate(now) == start else timezone.make_aware(datetime.combine(start, time()))
    with transaction.atomic():
        clock = Clock(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, purpose=purpose[:50],
            unit=unit, budget=budget, start_date=start, started_at=started_at, yellow_threshold=yellow_threshold,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _apply_state(clock, today=today)
        clock.save()
        audit_record(action="clock.start", actor=actor, position=position, obj=clock, after=_clock_dict(clock))
    return clock


def _open(clock: Clock) -> ClockSuspension | None:
    return clock.suspensions.filter(end__isnull=True).first()


def clock_suspend(
    *, clock: Clock, kind: str, reason: str, start: date, actor: Any, position: Any,
    at: datetime | None = None, today: date | None = None,
) -> ClockSuspension:
    """中止计时 (行政许可法 Art. 45; 补正; 征求第三方意见). Days after ``start`` stop counting."""
    _require(position, Perm.CLOCK_SUSPEND)
    if kind not in SuspensionKind.values:
        raise InvalidInput(_("中止事由类型不正确"), details={"field": "kind"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写中止事由"), details={"field": "reason"})
    with transaction.atomic():
        locked = _lock(clock)
        if locked.stopped_at is not None:
            raise Conflict(_("该时限已办结"))
        if _open(locked) is not None:
            raise Conflict(_("该时限已处于中止状态"))
        if start < locked.start_date:
            raise InvalidInput(_("中止日不能早于起算日"), details={"field": "start"})
        last = locked.suspensions.exclude(end__isnull=True).order_by("-end").first()
        if last is not None and last.end is not None and start < last.end:
            raise InvalidInput(_("中止期间不能与已有中止期间重叠"), details={"field": "start"})
        before = _clock_dict(locked)
        suspension = ClockSuspension.objects.create(
            clock=locked, kind=kind, reason=reason, start=start, started_at=at or timezone.now(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        changed = _apply_state(locked, today=today)
        if changed:
            locked.save(update_fields=changed)
        audit_record(action="clock.suspend", actor=actor, position=position, obj=locked, before=before,
                     after={**_clock_dict(locked), "suspension": {"id": suspension.pk, "kind": kind,
                                                                 "reason": reason, "start": start}})
    clock.refresh_from_db()
    return suspension


def clock_resume(
    *, clock: Clock, end: date, actor: Any, position: Any, at: datetime | None = None, today: date | None = None
) -> ClockSuspension:
    """恢复计时: the open suspension ends on ``end``; counting resumes the next day.

    ``position`` may be ``None`` when the platform resumes on the applicant's own act
    (e.g. the corrected materials arrived); a staff position must hold ``CLOCK_SUSPEND``.
    """
    if position is not None or actor is not None:
        _require(position, Perm.CLOCK_SUSPEND)
    with transaction.atomic():
        locked = _lock(clock)
        suspension = locked.suspensions.select_for_update().filter(end__isnull=True).first()
        if suspension is None:
            raise Conflict(_("该时限未处于中止状态"))
        if end < suspension.start:
            raise InvalidInput(_("恢复日不能早于中止日"), details={"field": "end"})
        before = _clock_dict(locked)
        suspension.end = end
        suspension.ended_at = max(at or timezone.now(), suspension.started_at)
        suspension.save(update_fields=["end", "ended_at"])
        changed = _apply_state(locked, today=today)
        if changed:
            locked.save(update_fields=changed)
        audit_record(action="clock.resume", actor=actor, position=position, obj=locked, before=before,
                     after={**_clock_dict(locked), "suspension": {"id": suspension.pk, "end": end}})
    clock.refresh_from_db()
    return suspension


def clock_extend(
    *, clock: Clock, days: int, reason: str, approver: Any, position: Any, max_days: int | None = None,
    today: date | None = None,
) -> ClockExtension:
    """延期 approved by ``approver`` (行政许可法 Art. 42: the agency head, reasons told to the applicant).

    ``max_days`` caps the total of all extensions of this clock (e.g. 10 for Art. 42, 15 for
    joint handling, 20 for 政府信息公开条例 Art. 33); the caller knows which rule applies.
    """
    _require(position, Perm.CLOCK_EXTEND)
    if getattr(position, "user_id", None) != getattr(approver, "pk", None):
        raise PermissionDenied(_("批准人必须是当前岗位的持有人"))
    if not isinstance(days, int) or days <= 0 or days > MAX_BUDGET:
        raise InvalidInput(_("延长天数必须为正整数"), details={"field": "days"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写延期理由"), details={"field": "reason"})
    with transaction.atomic():
        locked = _lock(clock)
        if locked.stopped_at is not None:
            raise Conflict(_("该时限已办结"))
        already = sum(locked.extensions.values_list("days", flat=True))
        if max_days is not None and already + days > max_days:
            raise InvalidInput(
                _("延期总天数不能超过 %(max)s 天（已延期 %(already)s 天）") % {"max": max_days, "already": already},
                details={"field": "days", "max_days": max_days, "already": already},
            )
        before = _clock_dict(locked)
        extension = ClockExtension.objects.create(clock=locked, approver=approver, reason=reason, days=days,
                                                  approved_at=timezone.now())
        changed = _apply_state(locked, today=today)
        if changed:
            locked.save(update_fields=changed)
        audit_record(action="clock.extend", actor=approver, position=position, obj=locked, before=before,
                     after={**_clock_dict(locked), "extension": {"id": extension.pk, "days": days, "reason": reason}})
    clock.refresh_from_db()
    return extension


def clock_stop(*, clock: Clock, actor: Any, position: Any, at: datetime | None = None) -> Clock:
    """办结: the clock stops; its status becomes *done* and remaining is frozen at that day."""
    with transaction.atomic():
        locked = _lock(clock)
        if locked.stopped_at is not None:
            raise Conflict(_("该时限已办结"))
        before = _clock_dict(locked)
        stopped_at = at or timezone.now()
        open_suspension = locked.suspensions.select_for_update().filter(end__isnull=True).first()
        if open_suspension is not None:  # stopping ends any suspension on the same day
            open_suspension.end = max(timezone.localdate(stopped_at), open_suspension.start)
            open_suspension.ended_at = max(stopped_at, open_suspension.started_at)
            open_suspension.save(update_fields=["end", "ended_at"])
        locked.stopped_at = stopped_at
        changed = _apply_state(locked)
        locked.save(update_fields=["stopped_at", *changed])
        audit_record(action="clock.stop", actor=actor, position=position, obj=locked, before=before,
                     after=_clock_dict(locked))
    clock.refresh_from_db()
    return locked


def clocks_refresh_open(*, today: date | None = None, batch: int = 500) -> int:
    """Recompute every running clock (nightly). Returns how many rows changed."""
    changed_total = 0
    ids = list(Clock.objects.filter(stopped_at__isnull=True).values_list("pk", flat=True).order_by("pk"))
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        with transaction.atomic():
            clocks = list(Clock.objects.select_for_update().filter(pk__in=chunk)
                          .prefetch_related("suspensions", "extensions"))
            dirty: list[Clock] = []
            for clock in clocks:
                if _apply_state(clock, today=today):
                    dirty.append(clock)
            if dirty:
                Clock.objects.bulk_update(dirty, ["due_date", "due_at", "status", "remaining", "status_at"])
            changed_total += len(dirty)
    return changed_total
