"""Scope: one unit cannot read another's tickets; township A cannot see township B's; citizens see
their own; the API refuses anonymous callers; the public pages mask personal data."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.conftest import login
from yiwang.core.errors import NotFound
from yiwang.hotline import selectors, services

pytestmark = pytest.mark.django_db


def test_units_see_only_their_tickets(hl, phone_ticket, county):
    op, pos = hl.operator, hl.pos(hl.operator)
    road = phone_ticket()
    services.ticket_dispatch(ticket=road, lead_unit=hl.housing, actor=op, position=pos)
    village = phone_ticket(content="村务不公开", category="complaint", matter_type=hl.matter_village)
    services.ticket_dispatch(ticket=village, lead_unit=hl.town_a, actor=op, position=pos)
    assert set(selectors.ticket_list_for_position(position=pos)) == {road, village}
    assert list(selectors.ticket_list_for_position(position=hl.pos(hl.housing_staff))) == [road]
    with pytest.raises(NotFound):
        selectors.ticket_get_for_position(position=hl.pos(hl.enforce_staff), pk=road.pk)
    assert list(selectors.ticket_list_for_position(position=hl.pos(hl.town_a_staff))) == [village]
    with pytest.raises(NotFound):
        selectors.ticket_get_for_position(position=hl.pos(hl.town_b_staff), pk=village.pk)
    assert list(selectors.ticket_list_for_position(position=hl.pos(hl.agent_a1))) == []  # not re-dispatched yet


def test_pages_respect_scope(client, hl, phone_ticket):
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=hl.operator, position=hl.pos(hl.operator))
    login(client, hl.enforce_staff)
    assert client.get(f"/hotline/tickets/{ticket.pk}/").status_code == 404
    client.logout()
    login(client, hl.housing_staff)
    page = client.get(f"/hotline/tickets/{ticket.pk}/")
    assert page.status_code == 200 and "13812345678" not in page.content.decode()
    assert client.get("/hotline/intake/").status_code == 403
    assert client.get("/hotline/").status_code == 200


def test_operator_console_pages(client, hl, county):
    login(client, hl.operator)
    assert client.get("/hotline/intake/").status_code == 200
    response = client.post("/hotline/intake/", {
        "caller_phone": "13811112222", "caller_name": "李女士", "category": "help", "urgency": "normal",
        "matter_type": "ROAD", "content": "文化路路面塌陷", "division": county.village_a1.code,
        "idempotency_key": "abc"})
    assert response.status_code == 302
    ticket = hl.matter_road.tickets.get()
    response = client.post(f"/hotline/tickets/{ticket.pk}/dispatch/", {"lead_unit": "HOUSING", "note": "请处理"})
    ticket.refresh_from_db()
    assert ticket.status == "dispatched" and ticket.lead_unit == hl.housing
    assert client.get("/hotline/kb/search/?q=公积金").status_code == 200


def test_api_access(client, hl, phone_ticket, applicant):
    assert client.get("/api/v1/hotline/my-tickets").status_code == 401
    assert client.post("/api/v1/hotline/tickets", {"category": "consult", "content": "x"},
                       content_type="application/json").status_code == 401
    login(client, applicant)
    created = client.post("/api/v1/hotline/tickets", {"category": "complaint", "content": "小区物业不作为"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["channel"] == "web"
    mine = client.get("/api/v1/hotline/my-tickets").json()
    assert [t["number"] for t in mine] == [created.json()["number"]]
    other = phone_ticket()
    missing = client.get(f"/api/v1/hotline/tickets/{other.pk}")
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message", "details"}
    bad = client.post("/api/v1/hotline/tickets", {"category": "nonsense", "content": "x"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    client.logout()
    login(client, hl.housing_staff)
    forbidden = client.post(f"/api/v1/hotline/tickets/{other.pk}/dispatch", {"lead_unit": "HOUSING"},
                            content_type="application/json")
    assert forbidden.status_code == 404  # not in the unit's scope at all


def test_mailbox_public_and_sms(client, hl, phone_ticket):
    page = client.get("/hotline/mailbox/")
    assert page.status_code == 200
    response = client.post("/hotline/mailbox/", {"category": "suggestion", "title": "增设路灯",
                                                 "content": "建议滨河路增设路灯，联系13812345678",
                                                 "anonymous": "on", "idempotency_key": "m1"})
    assert response.status_code == 200 and response.context["query_code"]
    again = client.post("/hotline/mailbox/", {"category": "suggestion", "title": "增设路灯", "content": "重复提交",
                                              "anonymous": "on", "idempotency_key": "m1"})
    assert again.context["ticket"].pk == response.context["ticket"].pk
    ticket = response.context["ticket"]
    ticket.publish_consent = True
    ticket.status = "closed"
    ticket.caller_name = "张三丰"
    ticket.save()
    assert ticket.number not in client.get("/hotline/public/").content.decode()  # not reviewed yet
    services.ticket_publication_review(ticket=ticket, approve=True, actor=hl.operator, position=hl.pos(hl.operator))
    public = client.get("/hotline/public/").content.decode()
    assert "138****5678" in public and "13812345678" not in public and "张三丰" not in public
    tracked = client.post("/hotline/mailbox/track/", {"number": ticket.number, "code": response.context["query_code"]})
    assert tracked.context["view"]["number"] == ticket.number

    with override_settings(YIWANG_SMS_INBOUND_TOKEN="s3cret"):
        assert client.post("/hotline/sms/inbound", {"phone": "13800000001", "text": "投诉噪音"}).status_code == 401
        ok = client.post("/hotline/sms/inbound", {"phone": "13800000001", "text": "投诉夜市噪音太大", "msgid": "9"},
                         HTTP_X_YIWANG_TOKEN="s3cret")
        assert ok.status_code == 201
        dup = client.post("/hotline/sms/inbound", {"phone": "13800000001", "text": "投诉夜市噪音太大", "msgid": "9"},
                          HTTP_X_YIWANG_TOKEN="s3cret")
        assert dup.json()["number"] == ok.json()["number"]
        bad = client.post("/hotline/sms/inbound", {"phone": "12", "text": "投诉"}, HTTP_X_YIWANG_TOKEN="s3cret")
        assert bad.status_code == 400


def test_leader_page(client, hl, phone_ticket):
    ticket = phone_ticket()
    services.ticket_flag_for_leader(ticket=ticket, actor=hl.operator, position=hl.pos(hl.operator))
    login(client, hl.leader)
    assert ticket.number in client.get("/hotline/leader/").content.decode()
    client.post("/hotline/leader/", {"ticket": ticket.pk, "text": "请尽快办理"})
    assert ticket.instructions.get().text == "请尽快办理"
    client.logout()
    login(client, hl.housing_staff)
    assert client.get("/hotline/leader/").status_code == 403


def test_mailbox_tracking_is_throttled_per_address(client, settings, db):
    # given an address that keeps guessing query codes
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hotline.mailbox_track": (3, 600)}
    for i in range(3):
        wrong = client.post("/hotline/mailbox/track/", {"number": "12345-000001", "code": f"0000000{i}"},
                            REMOTE_ADDR="10.6.6.6")
        assert wrong.status_code == 200
    # when it tries again
    refused = client.post("/hotline/mailbox/track/", {"number": "12345-000001", "code": "00000009"},
                          REMOTE_ADDR="10.6.6.6")
    # then it is refused without a lookup, and another address still may look
    assert refused.status_code == 429 and "尝试次数过多" in refused.content.decode()
    assert refused.context["view"] is None
    other = client.post("/hotline/mailbox/track/", {"number": "12345-000001", "code": "00000009"},
                        REMOTE_ADDR="10.6.6.7")
    assert other.status_code == 200
