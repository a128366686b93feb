"""The clock ledger: budgets, suspensions, extensions and the traffic light."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.calendar.conftest import position_of
from yiwang.calendar import selectors
from yiwang.calendar.clocks import clock_state
from yiwang.calendar.models import Clock, ClockExtension, ClockStatus, ClockSuspension, ClockUnit
from yiwang.calendar.services import (
    clock_extend,
    clock_refresh,
    clock_resume,
    clock_start,
    clock_stop,
    clock_suspend,
)
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def start_clock(target, clerk, *, start, budget, unit=ClockUnit.WORKDAYS, **kw):
    return clock_start(obj=target, start=start, budget=budget, unit=unit, position=position_of(clerk),
                       actor=clerk, today=start, **kw)


def state_on(clock, day):
    clock.refresh_from_db()
    return clock_state(clock, today=day)


def test_twenty_workdays_across_spring_festival_and_the_lights(target, clerk_a):
    # given a 20-working-day decision limit accepted on 2026-02-11
    clock = start_clock(target, clerk_a, start=date(2026, 2, 11), budget=20)
    # then the stored due date skips 春节 and counts the 调休 Saturdays 2/14 and 2/28
    assert clock.due_date == date(2026, 3, 17)
    assert clock.status == ClockStatus.GREEN and clock.remaining == 20
    assert state_on(clock, date(2026, 2, 20)).remaining == 17  # holiday days do not count down
    assert state_on(clock, date(2026, 3, 13)).status == ClockStatus.GREEN  # 2 left
    yellow = state_on(clock, date(2026, 3, 16))
    assert (yellow.status, yellow.remaining) == (ClockStatus.YELLOW, 1)
    due_day = state_on(clock, date(2026, 3, 17))
    assert (due_day.status, due_day.remaining) == (ClockStatus.YELLOW, 0)
    late = state_on(clock, date(2026, 3, 19))
    assert (late.status, late.remaining, late.overdue) == (ClockStatus.RED, -2, True)


def test_custom_yellow_threshold(target, clerk_a):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=10, yellow_threshold=5)
    assert clock.due_date == date(2026, 3, 16)
    assert state_on(clock, date(2026, 3, 6)).status == ClockStatus.GREEN  # 6 left
    assert state_on(clock, date(2026, 3, 9)).status == ClockStatus.YELLOW  # 5 left


def test_suspension_across_spring_festival(target, clerk_a):
    # given 5 working days from Monday 2026-02-09 (due 2/14, the 调休 Saturday)
    clock = start_clock(target, clerk_a, start=date(2026, 2, 9), budget=5)
    assert clock.due_date == date(2026, 2, 14)
    # when a 补正 notice suspends it on 2/12
    suspension = clock_suspend(clock=clock, kind="supplement", reason="缺少身份证复印件", start=date(2026, 2, 12),
                               actor=clerk_a, position=position_of(clerk_a), today=date(2026, 2, 12))
    # then it is paused, and the due date is projected as if it resumed today
    clock.refresh_from_db()
    assert clock.status == ClockStatus.PAUSED
    paused = state_on(clock, date(2026, 2, 20))
    assert paused.paused and paused.status == ClockStatus.PAUSED
    assert paused.suspended == 2  # 2/13 and 2/14 are not counted
    assert paused.due_date == date(2026, 2, 25)
    # when the corrected materials arrive on 2/25
    clock_resume(clock=clock, end=date(2026, 2, 25), actor=clerk_a, position=position_of(clerk_a),
                 today=date(2026, 2, 25))
    clock.refresh_from_db()
    suspension.refresh_from_db()
    # then counting resumes on 2/26: 2/10, 2/11, 2/12 counted, then 2/26, 2/27
    assert suspension.end == date(2026, 2, 25)
    assert clock.due_date == date(2026, 2, 27)
    assert (clock.status, clock.remaining) == (ClockStatus.GREEN, 2)
    assert state_on(clock, date(2026, 2, 26)).remaining == 1
    assert state_on(clock, date(2026, 3, 2)).status == ClockStatus.RED


def test_extension_across_national_day(target, clerk_a, dept_head):
    # given 5 working days from 2026-09-21: 9/22, 9/23, 9/24, (中秋 9/25–27), 9/28, 9/29
    clock = start_clock(target, clerk_a, start=date(2026, 9, 21), budget=5)
    assert clock.due_date == date(2026, 9, 29)
    # when the department head extends it by 10 working days (行政许可法 Art. 42)
    extension = clock_extend(clock=clock, days=10, reason="需现场核查", approver=dept_head,
                             position=position_of(dept_head), max_days=10, today=date(2026, 9, 28))
    clock.refresh_from_db()
    # then 国庆 10/1–10/7 is skipped and Saturday 10/10 counts
    assert extension.days == 10 and extension.approver == dept_head
    assert clock.due_date == date(2026, 10, 19)
    assert state_on(clock, date(2026, 9, 30)).remaining == 9  # 10/8, 10/9, 10/10, 10/12–16, 10/19
    # and a second extension beyond the statutory maximum is refused
    with pytest.raises(InvalidInput):
        clock_extend(clock=clock, days=1, reason="再延", approver=dept_head, position=position_of(dept_head),
                     max_days=10)
    assert ClockExtension.objects.filter(clock=clock).count() == 1


def test_suspension_and_extension_together(target, clerk_a, dept_head):
    clock = start_clock(target, clerk_a, start=date(2026, 9, 21), budget=5)
    clock_suspend(clock=clock, kind="expert_review", reason="专家评审", start=date(2026, 9, 23), actor=clerk_a,
                  position=position_of(clerk_a))
    clock_resume(clock=clock, end=date(2026, 10, 9), actor=clerk_a, position=position_of(clerk_a))
    clock_extend(clock=clock, days=2, reason="补充论证", approver=dept_head, position=position_of(dept_head))
    clock.refresh_from_db()
    # counted: 9/22, 9/23 | suspended (9/23, 10/9] | 10/10, 10/12, 10/13, then +2: 10/14, 10/15
    assert clock.due_date == date(2026, 10, 15)


def test_clerk_cannot_extend(target, clerk_a):
    # given a clock and a window clerk (no CLOCK_EXTEND)
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    before = AuditEvent.objects.filter(action="clock.extend").count()
    # when / then
    with pytest.raises(PermissionDenied):
        clock_extend(clock=clock, days=5, reason="想延期", approver=clerk_a, position=position_of(clerk_a))
    assert not ClockExtension.objects.exists()
    assert AuditEvent.objects.filter(action="clock.extend").count() == before
    clock.refresh_from_db()
    assert clock.due_date == date(2026, 3, 30)


def test_approver_must_hold_the_position(target, clerk_a, dept_head):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    with pytest.raises(PermissionDenied):
        clock_extend(clock=clock, days=5, reason="代签", approver=clerk_a, position=position_of(dept_head))


@pytest.mark.parametrize("days", [0, -3])
def test_extension_days_must_be_positive(target, clerk_a, dept_head, days):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    with pytest.raises(InvalidInput):
        clock_extend(clock=clock, days=days, reason="x", approver=dept_head, position=position_of(dept_head))


def test_extension_needs_a_reason(target, clerk_a, dept_head):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    with pytest.raises(InvalidInput):
        clock_extend(clock=clock, days=3, reason="  ", approver=dept_head, position=position_of(dept_head))


def test_supervisor_cannot_suspend(target, clerk_a, supervisor):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    with pytest.raises(PermissionDenied):
        clock_suspend(clock=clock, kind="hearing", reason="听证", start=date(2026, 3, 3), actor=supervisor,
                      position=position_of(supervisor))
    assert not ClockSuspension.objects.exists()


def test_suspension_rules(target, clerk_a):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    pos = position_of(clerk_a)
    with pytest.raises(InvalidInput):
        clock_suspend(clock=clock, kind="nap", reason="x", start=date(2026, 3, 3), actor=clerk_a, position=pos)
    with pytest.raises(InvalidInput):
        clock_suspend(clock=clock, kind="hearing", reason="x", start=date(2026, 3, 1), actor=clerk_a, position=pos)
    with pytest.raises(Conflict):
        clock_resume(clock=clock, end=date(2026, 3, 5), actor=clerk_a, position=pos)
    clock_suspend(clock=clock, kind="hearing", reason="听证", start=date(2026, 3, 3), actor=clerk_a, position=pos)
    with pytest.raises(Conflict):
        clock_suspend(clock=clock, kind="hearing", reason="again", start=date(2026, 3, 4), actor=clerk_a,
                      position=pos)
    with pytest.raises(InvalidInput):
        clock_resume(clock=clock, end=date(2026, 3, 2), actor=clerk_a, position=pos)
    clock_resume(clock=clock, end=date(2026, 3, 6), actor=clerk_a, position=pos)
    with pytest.raises(InvalidInput):  # overlapping the finished suspension
        clock_suspend(clock=clock, kind="hearing", reason="x", start=date(2026, 3, 5), actor=clerk_a, position=pos)


def test_resume_by_the_platform_needs_no_position(target, clerk_a):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=20)
    clock_suspend(clock=clock, kind="supplement", reason="补正", start=date(2026, 3, 3), actor=clerk_a,
                  position=position_of(clerk_a))
    clock_resume(clock=clock, end=date(2026, 3, 4), actor=None, position=None)
    clock.refresh_from_db()
    assert clock.due_date == date(2026, 3, 31)  # 3/4 not counted


def test_stop_marks_done_and_freezes(target, clerk_a, dept_head):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=5)
    stopped_at = timezone.make_aware(datetime(2026, 3, 5, 10, 0))
    clock_stop(clock=clock, actor=clerk_a, position=position_of(clerk_a), at=stopped_at)
    clock.refresh_from_db()
    assert clock.status == ClockStatus.DONE
    assert clock.due_date == date(2026, 3, 9)
    assert clock.remaining == 2  # finished with 3/6 and 3/9 to spare
    assert state_on(clock, date(2027, 1, 1)).status == ClockStatus.DONE
    with pytest.raises(Conflict):
        clock_stop(clock=clock, actor=clerk_a, position=position_of(clerk_a))
    with pytest.raises(Conflict):
        clock_extend(clock=clock, days=1, reason="x", approver=dept_head, position=position_of(dept_head))


def test_natural_day_clock(target, clerk_a):
    clock = start_clock(target, clerk_a, start=date(2026, 9, 21), budget=10, unit=ClockUnit.NATURAL_DAYS)
    assert clock.due_date == date(2026, 10, 8)  # 10/1 is 国庆 → next working day (民法典 Art. 203)
    assert state_on(clock, date(2026, 10, 1)).remaining == 7


def test_hour_clock_with_a_suspension(target, clerk_a):
    t0 = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
    clock = clock_start(obj=target, start=date(2026, 3, 2), budget=24, unit=ClockUnit.HOURS,
                        position=position_of(clerk_a), actor=clerk_a, started_at=t0)
    assert clock.due_at == t0 + timedelta(hours=24)
    clock_suspend(clock=clock, kind="consultation", reason="征求意见", start=date(2026, 3, 2), actor=clerk_a,
                  position=position_of(clerk_a), at=t0 + timedelta(hours=2))
    clock_resume(clock=clock, end=date(2026, 3, 2), actor=clerk_a, position=position_of(clerk_a),
                 at=t0 + timedelta(hours=5))
    clock.refresh_from_db()
    state = clock_state(clock, now=t0 + timedelta(hours=10))
    assert state.due_at == t0 + timedelta(hours=27)
    assert state.remaining == 17 and state.status == ClockStatus.GREEN
    assert clock_state(clock, now=t0 + timedelta(hours=26, minutes=30)).status == ClockStatus.YELLOW
    assert clock_state(clock, now=t0 + timedelta(hours=28)).status == ClockStatus.RED


def test_every_change_is_audited(target, clerk_a, dept_head):
    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=5)
    pos = position_of(clerk_a)
    clock_suspend(clock=clock, kind="hearing", reason="听证", start=date(2026, 3, 3), actor=clerk_a, position=pos)
    clock_resume(clock=clock, end=date(2026, 3, 4), actor=clerk_a, position=pos)
    clock_extend(clock=clock, days=2, reason="延期", approver=dept_head, position=position_of(dept_head))
    clock_stop(clock=clock, actor=clerk_a, position=pos)
    actions = list(AuditEvent.objects.filter(object_type="calendar.clock", object_id=str(clock.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["clock.start", "clock.suspend", "clock.resume", "clock.extend", "clock.stop"]
    ext = AuditEvent.objects.get(action="clock.extend", object_id=str(clock.pk))
    assert ext.actor_id == dept_head.pk and ext.after["extension"]["days"] == 2


def test_bad_start_arguments(target, clerk_a):
    with pytest.raises(InvalidInput):
        start_clock(target, clerk_a, start=date(2026, 3, 2), budget=0)
    with pytest.raises(InvalidInput):
        start_clock(target, clerk_a, start=date(2026, 3, 2), budget=5, unit="fortnights")
    assert not Clock.objects.exists()


def test_selectors_and_nightly_task(target, clerk_a, county):
    from yiwang.calendar.tasks import clocks_refresh_nightly

    today = timezone.localdate()
    old = start_clock(target, clerk_a, start=today - timedelta(days=60), budget=5)
    fresh = start_clock(county.civil_affairs_b, clerk_a, start=today, budget=20)
    done = start_clock(county.civil_affairs, clerk_a, start=today - timedelta(days=60), budget=5)
    clock_stop(clock=done, actor=clerk_a, position=position_of(clerk_a))
    assert old.status == ClockStatus.GREEN  # computed on its start day

    changed = clocks_refresh_nightly.call_local()

    old.refresh_from_db()
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert changed >= 1
    assert old.status == ClockStatus.RED and old.remaining < 0 and old.status_at == today
    assert fresh.status == ClockStatus.GREEN
    assert done.status == ClockStatus.DONE
    assert selectors.clock_for_object(target) == old
    assert selectors.clock_for_object(county.township_b) is None
    assert list(selectors.clocks_due_before(day=today)) == [old]
    assert list(selectors.clocks_with_status(status=ClockStatus.RED)) == [old]
    from yiwang.org.models import Department

    scoped = Department.objects.filter(pk=county.civil_affairs_b.pk)
    assert list(selectors.clock_list_for_objects(scoped)) == [fresh]
    assert list(selectors.clocks_due_before(day=today, objects=scoped)) == []


def test_refresh_recomputes_after_calendar_change(target, clerk_a, admin_user):
    from yiwang.calendar.services import calendar_day_set

    clock = start_clock(target, clerk_a, start=date(2026, 3, 2), budget=5)
    assert clock.due_date == date(2026, 3, 9)
    calendar_day_set(day=date(2026, 3, 4), is_workday=False, name="防汛停工", actor=admin_user,
                     position=position_of(admin_user))
    clock_refresh(clock=clock, today=date(2026, 3, 2))
    clock.refresh_from_db()
    assert clock.due_date == date(2026, 3, 10)
