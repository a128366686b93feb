"""The 公开审核 console page: the centre approves (with a reviewed, masked text) or refuses the publication
of answered letters; nobody else may open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent
from yiwang.hotline.models import PublicationStatus, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

LETTER = "我叫李四，住东关村3组12号，电话 139 1234 5678，邻居夜间噪音扰民。"
URL = "/hotline/publication/"


@pytest.fixture
def answered(phone_ticket):
    def _make(consent=True):
        ticket = phone_ticket(content=LETTER, title="噪音扰民 13912345678", publish_consent=consent,
                              address="东关村3组12号")
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
        return Ticket.objects.get(pk=ticket.pk)

    return _make


def test_url_name():
    assert reverse("hotline:publication_queue") == URL


def test_operator_sees_the_queue_masked_and_prefilled(login_as, hl, answered):
    # given
    ticket = answered()
    not_consenting = answered(consent=False)
    # when
    response = login_as(hl.operator).get(URL)
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert ticket.number in body and not_consenting.number not in body
    assert "13912345678" not in body and "139 1234 5678" not in body
    assert "139****5678" in body  # the original shown masked and the editable text pre-filled by mask_text
    assert f'<label for="pub-{ticket.pk}-content">' in body and f'id="pub-{ticket.pk}-content"' in body
    assert 'value="approve"' in body and 'value="refuse"' in body


def test_nav_links_the_page_for_the_centre_only(login_as, hl, client):
    assert URL in login_as(hl.operator).get("/hotline/").content.decode()
    client.logout()
    assert URL not in login_as(hl.town_a_staff).get("/hotline/").content.decode()


def test_approve_publishes_the_reviewed_text(login_as, client, hl, answered):
    # given
    ticket = answered()
    staff = login_as(hl.operator)
    # when
    response = staff.post(URL, {"ticket": ticket.pk, "decision": "approve", "title": "邻居噪音扰民",
                                "content": "东关村居民反映邻居夜间噪音扰民，联系电话13912345678。",
                                "address": "东关村", "note": ""})
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.APPROVED
    assert ticket.published_content == "东关村居民反映邻居夜间噪音扰民，联系电话139****5678。"
    assert f"pub-{ticket.pk}-heading" not in staff.get(URL).content.decode()  # left the queue
    client.logout()
    page = client.get("/hotline/public/").content.decode()
    assert ticket.number in page and "东关村居民反映邻居夜间噪音扰民" in page
    assert "李四" not in page and "3组12号" not in page and "13912345678" not in page
    assert AuditEvent.objects.filter(action="hotline.ticket.publication_review").count() == 1


def test_refuse_keeps_it_off_the_public_list(login_as, client, hl, answered):
    # given
    ticket = answered()
    # when
    response = login_as(hl.operator).post(URL, {"ticket": ticket.pk, "decision": "refuse",
                                                "note": "涉及邻里纠纷，含个人信息"})
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.REJECTED
    assert ticket.publication_note == "涉及邻里纠纷，含个人信息"
    client.logout()
    assert ticket.number not in client.get("/hotline/public/").content.decode()


def test_refuse_without_a_reason_is_shown_and_changes_nothing(login_as, hl, answered):
    # given
    ticket = answered()
    # when
    response = login_as(hl.operator).post(URL, {"ticket": ticket.pk, "decision": "refuse", "note": "",
                                                "content": "我改过的文本"})
    # then
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and "我改过的文本" in body
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.PENDING
    assert not AuditEvent.objects.filter(action="hotline.ticket.publication_review").exists()


def test_missing_decision_is_a_400(login_as, hl, answered):
    ticket = answered()
    response = login_as(hl.operator).post(URL, {"ticket": ticket.pk})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.PENDING


def test_unknown_or_already_reviewed_ticket_is_a_404(login_as, hl, answered):
    ticket = answered(consent=False)
    response = login_as(hl.operator).post(URL, {"ticket": ticket.pk, "decision": "approve"})
    assert response.status_code == 404
    assert login_as(hl.operator).post(URL, {"ticket": "x", "decision": "approve"}).status_code == 404


@pytest.mark.parametrize("persona", ["town_a_staff", "town_b_staff", "housing_staff", "leader"])
def test_positions_without_the_permission_are_refused(login_as, hl, answered, persona):
    # given
    ticket = answered()
    client = login_as(getattr(hl, persona))
    # when
    get = client.get(URL)
    post = client.post(URL, {"ticket": ticket.pk, "decision": "approve"})
    # then
    assert get.status_code == 403 and post.status_code == 403
    assert ticket.number not in get.content.decode()
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.PENDING


def test_anonymous_is_sent_to_login(client, hl, answered):
    ticket = answered()
    response = client.post(URL, {"ticket": ticket.pk, "decision": "approve"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.PENDING


def test_citizen_is_refused(login_as, hl, applicant, answered):
    ticket = answered()
    client = login_as(applicant)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"ticket": ticket.pk, "decision": "approve"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.publication_status == PublicationStatus.PENDING
