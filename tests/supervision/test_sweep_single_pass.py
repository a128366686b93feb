"""Time-limit sweep: on PostgreSQL insert + re-open + auto-resolve run as ONE statement over the clocks,
with exactly the semantics of the two-statement path (which SQLite keeps)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.test_handling_helpers import make_case
from tests.supervision.conftest import pos
from yiwang.calendar.models import Clock
from yiwang.notify.models import Message
from yiwang.supervision import services
from yiwang.supervision.engine import sweep
from yiwang.supervision.models import ActionKind, Alert, AlertAction, AlertStatus, Rule, RuleOverride

pytestmark = pytest.mark.django_db

OVERDUE = date(2026, 10, 8)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _case(county, version):
    case = make_case(version=version, division=county.county, department=county.civil_affairs,
                     today=date(2026, 9, 1), budget=3)
    Clock.objects.filter(purpose="case_step").delete()
    return case


def _clock(case) -> Clock:
    return Clock.objects.get(purpose="handling", object_id=case.pk)


def _alert(case, level: str = "red") -> Alert:
    return Alert.objects.get(rule__code="time_limit_case", case_id=case.pk, level=level)


def _sweep_sql(today: date) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        sweep(today=today, notify=False, codes=["time_limit_case"])
    return [q["sql"] for q in ctx.captured_queries]


def test_one_statement_on_postgresql_two_on_sqlite(county, standard_item, people):
    case = _case(county, standard_item)
    queries = _sweep_sql(OVERDUE)
    assert _alert(case).status == AlertStatus.RAISED
    inserts = [q for q in queries if "INSERT INTO supervision_alert " in q]
    resolves = [q for q in queries if "SET status = 'auto_resolved'" in q]
    assert len(inserts) == 1 and len(resolves) == 1
    if connection.vendor == "postgresql":
        assert inserts[0] is resolves[0] and inserts[0].startswith("WITH ")
        assert inserts[0].count("FROM \"calendar_clock\"") == 1  # the clocks are classified once
    else:
        assert inserts[0] is not resolves[0] and not inserts[0].startswith("WITH ")


def test_single_pass_semantics(county, standard_item, people):
    keep, late, on_time, acted, back = (_case(county, standard_item) for _ in range(5))
    first = sweep(today=OVERDUE)
    assert first.created["time_limit_case"] == 5 and first.total_resolved == 0
    # new alerts are notified (once)
    assert {a.status for a in Alert.objects.filter(rule__code="time_limit_case")} == {AlertStatus.NOTIFIED}
    messages = Message.objects.count()
    assert messages > 0

    services.alert_correct(alert=_alert(acted), text="已加快办理", actor=people.head, position=pos(people.head))
    acted_status = _alert(acted).status
    assert acted_status not in (AlertStatus.RAISED, AlertStatus.NOTIFIED)
    due = _clock(late).due_date
    Clock.objects.filter(pk=_clock(late).pk).update(stopped_at=_at(OVERDUE), remaining=-5, status="done")
    for case in (on_time, acted, back):
        Clock.objects.filter(pk=_clock(case).pk).update(stopped_at=_at(due), remaining=0, status="done")

    second = sweep(today=OVERDUE)
    assert second.created.get("time_limit_case", 0) == 0
    assert second.resolved["time_limit_case"] == 2  # on_time and back; not the late one, not the acted-on one
    assert _alert(keep).status == AlertStatus.NOTIFIED
    assert _alert(late).status == AlertStatus.NOTIFIED  # 办结超期: the red card stays
    assert _alert(acted).status == acted_status  # a supervisor closes what a department acted on
    for case in (on_time, back):
        alert = _alert(case)
        assert alert.status == AlertStatus.AUTO_RESOLVED and alert.closed_at is not None
        assert AlertAction.objects.filter(alert=alert, kind=ActionKind.AUTO_RESOLVE).count() == 1
    assert sorted(second.resolved_ids) == sorted([_alert(on_time).pk, _alert(back).pk])
    assert Message.objects.count() == messages

    # idempotent
    snapshot = list(Alert.objects.values_list("id", "level", "status", "raised_at", "closed_at").order_by("id"))
    third = sweep(today=OVERDUE)
    assert third.total_created == 0 and third.total_resolved == 0
    assert list(Alert.objects.values_list("id", "level", "status", "raised_at", "closed_at")
                .order_by("id")) == snapshot
    assert AlertAction.objects.filter(kind=ActionKind.AUTO_RESOLVE).count() == 2

    # the condition comes back: the same row re-opens and is notified again
    Clock.objects.filter(pk=_clock(back).pk).update(stopped_at=None, remaining=-3, status="red")
    fourth = sweep(today=OVERDUE, now=timezone.now() + timedelta(minutes=15))  # the next sweep
    reopened = _alert(back)
    assert fourth.created["time_limit_case"] == 1 and fourth.new_ids == [reopened.pk]
    assert reopened.status == AlertStatus.NOTIFIED and reopened.closed_at is None
    assert Alert.objects.filter(rule__code="time_limit_case", case_id=back.pk).count() == 1
    assert Message.objects.count() > messages


def test_yellow_becomes_red_and_item_department_filled(county, standard_item, people):
    case = _case(county, standard_item)
    due = _clock(case).due_date
    sweep(today=due, notify=False)
    yellow = _alert(case, "yellow")
    assert yellow.status == AlertStatus.RAISED
    assert (yellow.item_id, yellow.department_id, yellow.division_id) == (
        case.item_id, case.department_id, case.division_id)
    result = sweep(today=due + timedelta(days=1), notify=False)
    assert result.created["time_limit_case"] == 1 and result.resolved["time_limit_case"] == 1
    assert _alert(case, "yellow").status == AlertStatus.AUTO_RESOLVED
    assert _alert(case, "red").status == AlertStatus.RAISED


def test_switched_off_override_resolves_and_stops_inserting(county, standard_item, people):
    case = _case(county, standard_item)
    sweep(today=OVERDUE, notify=False)
    rule = Rule.objects.get(code="time_limit_case")
    RuleOverride.objects.create(rule=rule, department=county.civil_affairs, is_active=False)
    result = sweep(today=OVERDUE, notify=False)
    assert result.resolved["time_limit_case"] == 1 and _alert(case).status == AlertStatus.AUTO_RESOLVED
    assert sweep(today=OVERDUE, notify=False).total_created == 0
    assert _alert(case).status == AlertStatus.AUTO_RESOLVED


def test_step_time_limit_single_pass(county, standard_item, people):
    case = make_case(version=standard_item, division=county.county, department=county.civil_affairs,
                     today=date(2026, 9, 1), budget=3)
    step_clocks = Clock.objects.filter(purpose="case_step")
    assert step_clocks.exists()
    sweep(today=date(2027, 6, 1), notify=False, codes=["time_limit_step"])
    alerts = Alert.objects.filter(rule__code="time_limit_step", case_id=case.pk, level="red")
    assert alerts.count() == step_clocks.count()
    step_clocks.update(stopped_at=_at(date(2026, 9, 2)), remaining=1, status="done")
    result = sweep(today=date(2027, 6, 1), notify=False, codes=["time_limit_step"])
    assert result.resolved["time_limit_step"] == alerts.count()
    assert set(alerts.values_list("status", flat=True)) == {AlertStatus.AUTO_RESOLVED}
