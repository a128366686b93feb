"""查看完整信息 from the ticket page: a unit clerk may see the full data of a signed-in caller of a ticket
in their scope, with the ticket number pre-filled; another township may not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FULL_ID = "110101199003070011"


@pytest.fixture
def web_ticket(hl, applicant):
    """A letter a signed-in citizen wrote, dispatched to the township A centre."""
    from yiwang.hotline import services
    from yiwang.hotline.services.intake import ticket_create

    ticket = ticket_create(category="complaint", channel="web", content="东关村路灯损坏，夜间出行不便。",
                           actor=applicant)
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.town_a, actor=hl.operator, position=hl.pos(hl.operator))
    ticket.refresh_from_db()
    assert ticket.caller_user_id == applicant.pk
    return ticket


def _url(user_id: int) -> str:
    return reverse("console:person_unmask", args=[user_id])


def test_ticket_page_offers_the_action_and_it_works(login_as, hl, applicant, web_ticket):
    client = login_as(hl.town_a_staff)
    # when
    page = client.get(reverse("hotline:ticket", args=[web_ticket.pk])).content.decode()
    # then
    link = f"{_url(applicant.pk)}?ticket_number={web_ticket.number}"
    assert link in page and FULL_ID not in page
    form = client.get(link).content.decode()
    assert f'value="{web_ticket.number}"' in form
    # when
    response = client.post(_url(applicant.pk), {"reason": "核实来信人身份", "ticket_number": web_ticket.number})
    # then
    assert response.status_code == 200 and FULL_ID in response.content.decode()
    assert AuditEvent.objects.get(action="person.unmask").after["link"] == {"ticket": web_ticket.number}


def test_operator_without_the_permission_sees_no_action(login_as, hl, applicant, web_ticket):
    page = login_as(hl.operator).get(reverse("hotline:ticket", args=[web_ticket.pk])).content.decode()
    assert _url(applicant.pk) not in page


def test_other_township_is_refused(login_as, hl, applicant, web_ticket):
    response = login_as(hl.town_b_staff).post(_url(applicant.pk), {"reason": "核实",
                                                                   "ticket_number": web_ticket.number})
    assert response.status_code == 403
    body = response.content.decode()
    assert "工单不存在或不在本岗位范围内" in body and FULL_ID not in body
    assert not AuditEvent.objects.filter(action="person.unmask").exists()
