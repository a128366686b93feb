"""公开审核: a letter's text is public (public list, Open311) only after the centre reviewed it."""

from __future__ import annotations

import json

import pytest

from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline import selectors
from yiwang.hotline.models import PublicationStatus, Ticket, TicketStatus
from yiwang.hotline.services.publication import ticket_publication_review

pytestmark = pytest.mark.django_db

LETTER = "我叫李四，住东关村3组12号，电话 139 1234 5678，座机（0539）7654321，邻居噪音扰民。"


@pytest.fixture
def answered(phone_ticket):
    def _make(consent=True):
        ticket = phone_ticket(content=LETTER, publish_consent=consent, address="东关村3组12号")
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
        return Ticket.objects.get(pk=ticket.pk)

    return _make


def _open311(client, number):
    return json.loads(client.get(f"/open311/v2/requests/{number}.json").content)[0]


def test_consent_alone_publishes_nothing(client, hl, answered):
    # given a closed ticket whose caller agreed to publication, not yet reviewed
    ticket = answered()
    # then
    assert ticket.publication_status == PublicationStatus.PENDING
    assert ticket not in selectors.public_ticket_list()
    assert ticket.number not in client.get("/hotline/public/").content.decode()
    body = _open311(client, ticket.number)
    assert body["description"] is None and body["address"] == "东关村" and body["lat"] is None  # village only
    assert ticket in selectors.publication_review_queue(position=hl.pos(hl.operator))


def test_reviewed_text_is_what_is_published(client, hl, answered):
    # given
    ticket = answered()
    # when the centre approves a redacted text
    ticket_publication_review(ticket=ticket, approve=True, title="邻居噪音扰民",
                              content="东关村居民反映邻居噪音扰民，联系电话13912345678。", address="东关村",
                              actor=hl.operator, position=hl.pos(hl.operator))
    # then the public list and Open311 show the reviewed text, masked; never the original
    page = client.get("/hotline/public/").content.decode()
    body = _open311(client, ticket.number)
    for shown in (page, json.dumps(body, ensure_ascii=False)):
        assert "李四" not in shown and "3组12号" not in shown and "7654321" not in shown
        assert "13912345678" not in shown
    assert "东关村居民反映邻居噪音扰民" in page
    assert body["description"] == "东关村居民反映邻居噪音扰民，联系电话139****5678。"
    assert body["address"] == "东关村"
    assert ticket not in selectors.publication_review_queue(position=hl.pos(hl.operator))


def test_approval_without_edit_publishes_the_masked_letter(hl, answered):
    ticket = ticket_publication_review(ticket=answered(), approve=True, actor=hl.operator,
                                       position=hl.pos(hl.operator))
    assert "139****5678" in ticket.published_content and "0539-*****21" in ticket.published_content
    assert "7654321" not in ticket.published_content


def test_refusal_needs_a_note_and_publishes_nothing(client, hl, answered):
    ticket = answered()
    with pytest.raises(InvalidInput):
        ticket_publication_review(ticket=ticket, approve=False, actor=hl.operator, position=hl.pos(hl.operator))
    ticket_publication_review(ticket=ticket, approve=False, note="涉及个人隐私", actor=hl.operator,
                              position=hl.pos(hl.operator))
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.REJECTED and ticket.published_content == ""
    assert ticket not in selectors.public_ticket_list()
    assert _open311(client, ticket.number)["description"] is None


def test_only_the_centre_reviews_and_only_with_consent(hl, answered):
    with pytest.raises(PermissionDenied):
        ticket_publication_review(ticket=answered(), approve=True, actor=hl.housing_staff,
                                  position=hl.pos(hl.housing_staff))
    assert selectors.publication_review_queue(position=hl.pos(hl.housing_staff)).count() == 0
    with pytest.raises(Conflict):
        ticket_publication_review(ticket=answered(consent=False), approve=True, actor=hl.operator,
                                  position=hl.pos(hl.operator))


def test_open311_notes_of_unpublished_tickets_carry_no_free_text(client, hl, phone_ticket):
    from yiwang.hotline.services.intake import ticket_close_on_spot

    # given a consultation answered on the spot with a text naming the caller
    ticket = phone_ticket(category="consult", content=LETTER)
    ticket_close_on_spot(ticket=ticket, answer="李四您好，请到东关村委会咨询。", actor=hl.operator,
                         position=hl.pos(hl.operator))
    # then neither the request nor its updates show that text
    body = _open311(client, ticket.number)
    updates = json.loads(client.get("/open311/v2/servicerequestupdates.json").content)
    shown = json.dumps([body, updates], ensure_ascii=False)
    assert "李四" not in shown and body["status_notes"]
    assert [u["external_status_code"] for u in updates if u["service_request_id"] == ticket.number] == [
        "registered", "closed_on_spot"]


def test_publication_api(client, hl, answered):
    from tests.conftest import login

    ticket = answered()
    login(client, hl.housing_staff)
    assert client.get("/api/v1/hotline/publication-queue").json() == []
    client.logout()
    login(client, hl.operator)
    assert [t["number"] for t in client.get("/api/v1/hotline/publication-queue").json()] == [ticket.number]
    bad = client.post(f"/api/v1/hotline/tickets/{ticket.pk}/publication", {"approve": False},
                      content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "details"}
    ok = client.post(f"/api/v1/hotline/tickets/{ticket.pk}/publication",
                     {"approve": True, "content": "居民反映噪音扰民。"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["publication_status"] == "approved"
    assert ok.json()["published_content"] == "居民反映噪音扰民。"
