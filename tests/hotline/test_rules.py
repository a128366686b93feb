"""Service levels on the calendar clock, the traffic-light sweep, diversion, knowledge base."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.hotline import selectors, services
from yiwang.hotline.models import Escalation, KnowledgeStatus, TicketStatus
from yiwang.hotline.services.dispatch import _start_clock

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _clock_for(ticket, at, hl):
    from yiwang.calendar.models import Clock

    ticket.refresh_from_db()
    services_clock = _start_clock(ticket, actor=hl.operator, position=hl.pos(hl.operator), now=at)
    return Clock.objects.get(pk=services_clock.pk)


def test_service_level_across_national_day(hl, phone_ticket):
    at = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    normal = _clock_for(phone_ticket(), at, hl)
    # 5 working days after 30 Sep 2026: 8, 9, 10 (Saturday, adjusted working day), 12, 13 Oct.
    assert (normal.unit, normal.budget, normal.due_date) == ("workdays", 5, date(2026, 10, 13))
    urgent = _clock_for(phone_ticket(urgency="urgent"), at, hl)
    assert urgent.unit == "hours" and urgent.due_at == datetime(2026, 10, 1, 10, 0, tzinfo=TZ)
    consult = _clock_for(phone_ticket(category="consult"), at, hl)
    assert consult.due_date == date(2026, 10, 8)  # one working day, after the holiday


def test_sweep_urges_once_then_supervises(hl, phone_ticket, django_capture_on_commit_callbacks):
    from yiwang.notify.models import Message

    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket(urgency="urgent")
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert services.escalation_sweep()["urged"] == 0  # 24 h left: green
    yellow_time = ticket.expected_at - timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.escalation_sweep(now=yellow_time)
    assert first["urged"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalation_sweep(now=yellow_time)["urged"] == 0  # idempotent
    sms = Message.objects.filter(recipient=hl.housing_staff, channel="sms", subject__contains="催办")
    assert sms.count() == 1
    red_time = ticket.expected_at + timedelta(hours=1)
    assert services.escalation_sweep(now=red_time)["supervised"] == 1
    assert services.escalation_sweep(now=red_time)["supervised"] == 0
    assert list(Escalation.objects.values_list("kind", flat=True)) == ["urge", "supervise"]
    ticket.refresh_from_db()
    assert ticket.light == "red"


@pytest.mark.parametrize(("content", "number"), [
    ("楼下着火了，很多烟", "119"), ("路口两车追尾，有人受伤", "122"), ("老人突然晕倒了", "120"), ("有人在撬门", "110"),
])
def test_divert_emergency_picks_number(hl, phone_ticket, content, number):
    ticket = phone_ticket(content=content)
    services.ticket_divert(ticket=ticket, kind="emergency", reason="紧急警情", actor=hl.operator,
                           position=hl.pos(hl.operator))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DIVERTED and number in ticket.diversion_message
    assert ticket.events.filter(kind="diverted").exists()


def test_divert_other_kinds(hl, phone_ticket):
    op, pos = hl.operator, hl.pos(hl.operator)
    t = phone_ticket(content="我的劳动争议案子法院已经立案了，想让热线催法院")
    with pytest.raises(InvalidInput):
        services.ticket_divert(ticket=t, kind="other_channel", reason="已诉讼", actor=op, position=pos)
    services.ticket_divert(ticket=t, kind="other_channel", channel_kind="litigation", reason="已诉讼", actor=op,
                           position=pos)
    t.refresh_from_db()
    assert "人民法院" in t.diversion_message
    original = phone_ticket()
    repeat = phone_ticket(content="还是那个窨井盖的事")
    services.ticket_divert(ticket=repeat, kind="repeat_no_new_facts", reason="无新情况", original=original,
                           actor=op, position=pos)
    repeat.refresh_from_db()
    assert original.number in repeat.diversion_message and repeat.related_to == original
    for kind in ("privacy_secret", "unlawful"):
        t = phone_ticket()
        services.ticket_divert(ticket=t, kind=kind, reason="说明", actor=op, position=pos)
    with pytest.raises(PermissionDenied):
        services.ticket_divert(ticket=phone_ticket(), kind="unlawful", reason="x", actor=hl.housing_staff,
                               position=hl.pos(hl.housing_staff))


def test_knowledge_base_review_expiry_and_search(hl):
    author, author_pos = hl.housing_staff, hl.pos(hl.housing_staff)
    article = services.knowledge_create(title="住房公积金提取", question="公积金怎么提取？",
                                        answer="购房、租房、退休可提取，持身份证到公积金窗口办理。", actor=author,
                                        position=author_pos)
    with pytest.raises(PermissionDenied):  # departments cannot publish
        services.knowledge_review(article=article, approve=True, expires_on=date.today() + timedelta(days=30),
                                  actor=author, position=author_pos)
    services.knowledge_submit(article=article, actor=author, position=author_pos)
    assert selectors.knowledge_search(query="公积金提取") == []  # not published yet
    with pytest.raises(InvalidInput):  # an expiry date is required
        services.knowledge_review(article=article, approve=True, actor=hl.operator, position=hl.pos(hl.operator))
    services.knowledge_review(article=article, approve=True, expires_on=timezone.localdate() + timedelta(days=30),
                              actor=hl.operator, position=hl.pos(hl.operator))
    article.refresh_from_db()
    assert article.status == KnowledgeStatus.PUBLISHED
    assert selectors.knowledge_search(query="怎么提取公积金") == [article]
    assert selectors.knowledge_search(query="低保") == []
    later = timezone.localdate() + timedelta(days=31)
    assert selectors.knowledge_search(query="公积金", today=later) == []  # expired → hidden


def test_close_consultation_on_spot(hl, phone_ticket):
    op, pos = hl.operator, hl.pos(hl.operator)
    article = services.knowledge_create(title="医保缴费", question="城乡居民医保在哪交", answer="9月至12月集中缴费。",
                                        department=hl.centre, actor=op, position=pos)
    services.knowledge_submit(article=article, actor=op, position=pos)
    services.knowledge_review(article=article, approve=True, expires_on=timezone.localdate() + timedelta(days=9),
                              actor=op, position=pos)
    ticket = phone_ticket(category="consult", content="城乡居民医保在哪里交？")
    services.ticket_close_on_spot(ticket=ticket, article=article, answer="", actor=op, position=pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED_ON_SPOT and ticket.kb_article == article
    complaint = phone_ticket()
    with pytest.raises(InvalidInput):
        services.ticket_close_on_spot(ticket=complaint, answer="x", actor=op, position=pos)


def test_anonymity_rules(hl):
    with pytest.raises(InvalidInput):
        services.ticket_create(category="complaint", channel="mailbox", content="投诉", anonymous=True)
    with pytest.raises(InvalidInput):
        services.ticket_create(category="complaint", channel="mailbox", content="投诉")
    with pytest.raises(PermissionDenied):  # phone intake is the centre's
        services.ticket_create(category="report", channel="phone", content="举报")
    t = services.ticket_create(category="report", channel="mailbox", content="举报小作坊", anonymous=True,
                               caller_name="张三", caller_phone="13812345678", idempotency_key="k1")
    assert t.caller_name == "" and t.caller_phone_enc == "" and t.query_code
    again = services.ticket_create(category="report", channel="mailbox", content="举报小作坊", anonymous=True,
                                   idempotency_key="k1")
    assert again.pk == t.pk
    assert selectors.ticket_get_by_query_code(number=t.number, code=t.query_code) == t
    with pytest.raises(Exception):  # noqa: B017, PT011
        selectors.ticket_get_by_query_code(number=t.number, code="WRONG")
