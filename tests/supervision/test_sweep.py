"""The sweep is set-based and idempotent; new alerts are notified once; event-time evaluation on commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.cases.test_handling_helpers import make_case
from yiwang.calendar.models import Clock
from yiwang.notify.models import Message
from yiwang.supervision.engine import evaluate_case, sweep
from yiwang.supervision.models import ActionKind, Alert, AlertAction, AlertStatus

pytestmark = pytest.mark.django_db


def _overdue_case(county, version, people):
    case = make_case(version=version, division=county.county, department=county.civil_affairs,
                     today=date(2026, 9, 1), budget=3)
    Clock.objects.filter(purpose="case_step").delete()
    return case


def test_sweep_twice_same_alerts_and_no_duplicate_notifications(county, standard_item, people):
    case = _overdue_case(county, standard_item, people)
    first = sweep(today=date(2026, 10, 8))
    assert first.created["time_limit_case"] == 1
    alert = Alert.objects.get(rule__code="time_limit_case")
    assert (alert.level, alert.status, alert.case_id) == ("red", AlertStatus.NOTIFIED, case.pk)
    # the department head is told in-app and by SMS
    head_messages = Message.objects.filter(recipient=people.head)
    assert {m.channel for m in head_messages} == {"inbox", "sms"}
    count = Message.objects.count()
    snapshot = list(Alert.objects.values_list("id", "rule_id", "level", "status", "raised_at").order_by("id"))

    second = sweep(today=date(2026, 10, 8))
    assert second.total_created == 0 and second.total_resolved == 0
    assert list(Alert.objects.values_list("id", "rule_id", "level", "status", "raised_at").order_by("id")) == snapshot
    assert Message.objects.count() == count
    assert AlertAction.objects.filter(alert=alert, kind=ActionKind.NOTIFY).count() == 1


def test_auto_resolve_and_reopen(county, standard_item, people):
    case = _overdue_case(county, standard_item, people)
    case.fee_paid = Decimal("5")
    case.save()
    sweep(today=date(2026, 10, 8), notify=False)
    alert = Alert.objects.get(rule__code="fee_mismatch")
    case.fee_paid = Decimal("0")
    case.save()
    result = sweep(today=date(2026, 10, 8), notify=False)
    alert.refresh_from_db()
    assert result.resolved["fee_mismatch"] == 1 and alert.status == AlertStatus.AUTO_RESOLVED
    assert alert.closed_at is not None
    assert AlertAction.objects.filter(alert=alert, kind=ActionKind.AUTO_RESOLVE).count() == 1
    # the condition comes back: the same row re-opens (one alert per rule/object/level)
    case.fee_paid = Decimal("5")
    case.save()
    result = sweep(today=date(2026, 10, 8), notify=False)
    alert.refresh_from_db()
    assert result.created["fee_mismatch"] == 1 and alert.status == AlertStatus.RAISED and alert.closed_at is None
    assert Alert.objects.filter(rule__code="fee_mismatch").count() == 1


def test_acted_on_alert_is_not_auto_resolved(county, standard_item, people):
    from tests.supervision.conftest import pos
    from yiwang.supervision import services

    case = _overdue_case(county, standard_item, people)
    case.fee_paid = Decimal("5")
    case.save()
    sweep(today=date(2026, 10, 8), notify=False)
    alert = Alert.objects.get(rule__code="fee_mismatch")
    services.alert_correct(alert=alert, text="已退还多收费用", actor=people.head, position=pos(people.head))
    case.fee_paid = Decimal("0")
    case.save()
    sweep(today=date(2026, 10, 8), notify=False)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CORRECTED  # left for the supervisor to verify and close


def test_event_time_evaluation_runs_on_commit(county, standard_item, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _overdue_case(county, standard_item, people)
    assert not Alert.objects.filter(rule__code="fee_mismatch").exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case.fee_paid = Decimal("9")
        case.save()
        case.save()  # several saves in one transaction: one evaluation
    assert len([c for c in callbacks if getattr(c, "supervision_case_id", None) == case.pk]) == 1
    assert Alert.objects.filter(rule__code="fee_mismatch", case=case).exclude(status="auto_resolved").exists()


def test_evaluate_case_only_touches_that_case(county, standard_item, people):
    one = _overdue_case(county, standard_item, people)
    two = make_case(version=standard_item, division=county.county, department=county.civil_affairs,
                    today=date(2026, 9, 1), budget=3)
    for case in (one, two):
        case.fee_paid = Decimal("5")
        case.save()
    evaluate_case(one.pk, today=date(2026, 10, 8), notify=False)
    assert set(Alert.objects.values_list("case_id", flat=True)) == {one.pk}
    assert Alert.objects.filter(case=one, rule__code="time_limit_case", level="red").exists()
