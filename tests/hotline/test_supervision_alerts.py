"""Overdue 12345 tickets raise electronic-supervision alerts through the shared engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yiwang.hotline import services
from yiwang.hotline.models import Ticket
from yiwang.supervision.engine import sweep
from yiwang.supervision.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db


def test_overdue_ticket_raises_red_alert_and_resolves_when_closed(hl, phone_ticket):
    # given: an urgent ticket dispatched to the housing bureau
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket(urgency="urgent")
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    ticket.refresh_from_db()
    # when: the hotline sweep finds it yellow, then red
    services.escalation_sweep(now=ticket.expected_at - timedelta(hours=2))
    first = sweep(codes=["time_limit_ticket"], notify=False)
    # then: one yellow alert for the housing bureau
    assert first.created["time_limit_ticket"] == 1
    alert = Alert.objects.get(rule__code="time_limit_ticket")
    assert (alert.level, alert.department_id, alert.object_id) == ("yellow", hl.housing.pk, ticket.pk)
    services.escalation_sweep(now=ticket.expected_at + timedelta(hours=1))
    sweep(codes=["time_limit_ticket"], notify=False)
    assert Alert.objects.filter(rule__code="time_limit_ticket", level="red", object_id=ticket.pk).exists()
    # idempotent
    assert sweep(codes=["time_limit_ticket"], notify=False).created["time_limit_ticket"] == 0
    # when the ticket is closed the condition clears and the open alerts auto-resolve
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    sweep(codes=["time_limit_ticket"], notify=False)
    assert not Alert.objects.filter(rule__code="time_limit_ticket").exclude(
        status__in=[AlertStatus.AUTO_RESOLVED, AlertStatus.CLOSED]).exists()


def test_green_ticket_raises_nothing(hl, phone_ticket):
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=hl.operator, position=hl.pos(hl.operator))
    assert sweep(codes=["time_limit_ticket"], notify=False).created["time_limit_ticket"] == 0


def test_supervisor_sees_ticket_alert_in_console(hl, phone_ticket, supervisor, login_as):
    from django.urls import reverse

    ticket = phone_ticket(urgency="urgent")
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=hl.operator, position=hl.pos(hl.operator))
    ticket.refresh_from_db()
    services.escalation_sweep(now=ticket.expected_at + timedelta(hours=1))
    sweep(codes=["time_limit_ticket"], notify=False)
    alert = Alert.objects.get(rule__code="time_limit_ticket", level="red")
    client = login_as(supervisor)
    assert "12345" in client.get(reverse("supervision:console")).content.decode()
    assert client.get(reverse("supervision:alert", args=[alert.pk])).status_code == 200
