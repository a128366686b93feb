"""The clock ledger arithmetic (时限计算): due date, remaining time and traffic light.

Pure functions of a :class:`~yiwang.calendar.models.Clock` and its suspensions and extensions;
nothing here writes. ``today``/``now`` can be injected so that tests and the nightly task
compute for any day.

Rules:

* working-day clocks: suspended days are the working days in (suspension.start, suspension.end]
  — the day a suspension starts still counts, counting resumes the day after it ends. An open
  suspension is projected as if it ended today, and the clock is *paused*;
  ``due = add_workdays(start, budget + extension days + suspended working days)``;
* natural-day clocks: the same with calendar days, and a last day that is a rest day or
  holiday moves to the next working day (民法典 Art. 203);
* hour clocks: ``due_at = started_at + hours + extension hours + suspended durations``.

Remaining is counted in the clock's unit: working days in (today, due] (negative when overdue),
calendar days, or whole hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from yiwang.calendar import engine
from yiwang.calendar.models import Clock, ClockExtension, ClockStatus, ClockSuspension, ClockUnit


@dataclass(frozen=True)
class ClockState:
    due_date: date
    due_at: datetime | None
    remaining: int
    status: str
    suspended: int  # days (or hours) not counted so far
    extended: int  # days (or hours) added by extensions
    open_suspension: ClockSuspension | None
    today: date
    warnings: tuple[str, ...] = ()

    @property
    def paused(self) -> bool:
        return self.open_suspension is not None

    @property
    def overdue(self) -> bool:
        return self.remaining < 0


def yellow_threshold(clock: Clock) -> int:
    if clock.yellow_threshold is not None:
        return clock.yellow_threshold
    return int(settings.CLOCK_YELLOW_REMAINING_WORKDAYS)


def _signed_workdays(today: date, due: date) -> int:
    return engine.workdays_between(today, due) if today <= due else -engine.workdays_between(due, today)


def clock_state(
    clock: Clock,
    *,
    today: date | None = None,
    now: datetime | None = None,
    suspensions: Sequence[ClockSuspension] | None = None,
    extensions: Sequence[ClockExtension] | None = None,
) -> ClockState:
    """Everything about ``clock`` as of ``today`` (default: the local date of ``now``)."""
    now = now or timezone.now()
    if today is None:
        today = timezone.localdate(now)
    if suspensions is None:
        suspensions = list(clock.suspensions.all()) if clock.pk else []
    if extensions is None:
        extensions = list(clock.extensions.all()) if clock.pk else []
    open_suspension = next((s for s in suspensions if s.end is None), None)
    extended = sum(e.days for e in extensions)
    # A stopped clock is judged on the day it stopped.
    if clock.stopped_at is not None:
        now = clock.stopped_at
        today = timezone.localdate(clock.stopped_at)

    if clock.unit == ClockUnit.HOURS:
        return _hours_state(clock, now=now, today=today, suspensions=suspensions, extended=extended,
                            open_suspension=open_suspension)

    suspended = 0
    for s in suspensions:
        end = s.end if s.end is not None else max(today, s.start)
        if clock.unit == ClockUnit.WORKDAYS:
            suspended += engine.workdays_between(s.start, end)
        else:
            suspended += max((end - s.start).days, 0)
    total = clock.budget + extended + suspended
    if clock.unit == ClockUnit.WORKDAYS:
        due = engine.add_workdays(clock.start_date, total)
        remaining = _signed_workdays(today, due)
    else:
        due = engine.add_natural_days(clock.start_date, total)
        remaining = (due - today).days
    warnings = tuple(engine.coverage_warnings(clock.start_date, max(due, today), log=False))
    status = _status(clock, open_suspension, today > due, remaining)
    return ClockState(due, None, remaining, status, suspended, extended, open_suspension, today, warnings)


def _hours_state(
    clock: Clock, *, now: datetime, today: date, suspensions: Sequence[ClockSuspension], extended: int,
    open_suspension: ClockSuspension | None,
) -> ClockState:
    paused = timedelta()
    for s in suspensions:
        end = s.ended_at if s.ended_at is not None else max(now, s.started_at)
        paused += max(end - s.started_at, timedelta())
    due_at = clock.started_at + timedelta(hours=clock.budget + extended) + paused
    seconds = (due_at - now).total_seconds()
    remaining = math.floor(seconds / 3600)
    status = _status(clock, open_suspension, now > due_at, remaining)
    suspended_hours = int(paused.total_seconds() // 3600)
    return ClockState(timezone.localdate(due_at), due_at, remaining, status, suspended_hours, extended,
                      open_suspension, today)


def _status(clock: Clock, open_suspension: ClockSuspension | None, overdue: bool, remaining: int) -> str:
    if clock.stopped_at is not None:
        return ClockStatus.DONE
    if open_suspension is not None:
        return ClockStatus.PAUSED
    if overdue:
        return ClockStatus.RED
    if remaining <= yellow_threshold(clock):
        return ClockStatus.YELLOW
    return ClockStatus.GREEN
