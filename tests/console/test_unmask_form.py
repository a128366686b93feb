"""The 查看完整信息 form of the console: reason plus the linked case (关联办件编号) or ticket (关联工单编号),
reached from the people list or pre-filled from the case page; refusals are shown on the form in Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FULL_ID = "110101199003070011"


@pytest.fixture
def applicant_case(county, applicant):
    """A case the applicant filed online, handled in township A (clerk A's scope)."""
    from tests.cases.factories import make_item, make_submitted_case

    version = make_item(department=county.civil_affairs_a, levels=["township", "village"])
    return make_submitted_case(version=version, applicant=applicant)


def _url(user_id: int) -> str:
    return reverse("console:person_unmask", args=[user_id])


def test_people_page_has_labelled_link_fields(login_as, clerk_a):
    body = login_as(clerk_a).get(reverse("console:people")).content.decode()
    for text in ('name="case_number"', 'name="ticket_number"', 'name="reason"', "关联办件编号", "关联工单编号"):
        assert text in body
    assert 'for="case-' in body and 'for="ticket-' in body


def test_case_page_offers_the_action_with_the_case_number(login_as, clerk_a, applicant, applicant_case):
    # when
    body = login_as(clerk_a).get(reverse("cases:console_case", args=[applicant_case.pk])).content.decode()
    # then
    assert f"{_url(applicant.pk)}?case_number={applicant_case.number}" in body
    assert "查看完整信息" in body and FULL_ID not in body


def test_case_page_hides_the_action_without_the_permission(login_as, supervisor, applicant, applicant_case):
    response = login_as(supervisor).get(reverse("cases:console_case", args=[applicant_case.pk]))
    assert response.status_code == 200
    assert _url(applicant.pk) not in response.content.decode()


def test_form_is_prefilled_and_labelled(login_as, clerk_a, applicant, applicant_case):
    # when
    response = login_as(clerk_a).get(_url(applicant.pk), {"case_number": applicant_case.number})
    body = response.content.decode()
    # then: nothing revealed yet, every field has a label, the case number is filled in
    assert response.status_code == 200
    assert FULL_ID not in body and "13800000000" not in body
    for field_id in ("unmask-reason", "unmask-case", "unmask-ticket"):
        assert f'<label for="{field_id}">' in body
    assert f'value="{applicant_case.number}"' in body
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_happy_path_through_the_form(login_as, clerk_a, applicant, applicant_case):
    # when
    response = login_as(clerk_a).post(_url(applicant.pk), {"reason": "受理核对身份",
                                                           "case_number": applicant_case.number,
                                                           "ticket_number": ""})
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert FULL_ID in body and "13800000000" in body and "已记入审计日志" in body
    event = AuditEvent.objects.get(action="person.unmask")
    assert event.after["link"] == {"case": applicant_case.number}


@pytest.mark.parametrize(("post", "status", "message"), [
    ({"reason": "受理核对"}, 400, "查看公民个人信息须关联本岗位范围内的办件或工单"),
    ({"reason": "", "case_number": "CASE"}, 400, "请填写查看事由"),
    ({"reason": "受理核对", "case_number": "YW3713272026999999"}, 403, "办件不存在或不在本岗位范围内"),
    ({"reason": "受理核对", "ticket_number": "RX000"}, 403, "工单不存在或不在本岗位范围内"),
])
def test_refusals_are_shown_on_the_form(login_as, clerk_a, applicant, applicant_case, post, status, message):
    # when
    response = login_as(clerk_a).post(_url(applicant.pk), post)
    body = response.content.decode()
    # then: the form again, with the Chinese reason, the values kept, nothing revealed or audited
    assert response.status_code == status
    assert message in body and 'role="alert"' in body and 'aria-invalid="true"' in body
    assert 'name="case_number"' in body
    assert FULL_ID not in body
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_case_of_another_township_is_refused(login_as, clerk_b, applicant, applicant_case):
    response = login_as(clerk_b).post(_url(applicant.pk), {"reason": "核对", "case_number": applicant_case.number})
    assert response.status_code == 403
    assert "办件不存在或不在本岗位范围内" in response.content.decode()
    assert FULL_ID not in response.content.decode()


def test_rate_limit_is_shown_on_the_form(settings, login_as, clerk_a, applicant, applicant_case):
    # given
    settings.PERSON_UNMASK_LIMIT_PER_HOUR = 1
    client = login_as(clerk_a)
    data = {"reason": "受理核对", "case_number": applicant_case.number}
    assert client.post(_url(applicant.pk), data).status_code == 200
    # when
    response = client.post(_url(applicant.pk), data)
    # then
    assert response.status_code == 429
    body = response.content.decode()
    assert "查看完整个人信息过于频繁，请稍后再试" in body and FULL_ID not in body
    assert AuditEvent.objects.filter(action="person.unmask").count() == 1


def test_form_needs_the_permission(login_as, supervisor, applicant):
    assert login_as(supervisor).get(_url(applicant.pk)).status_code == 403


def test_anonymous_is_sent_to_login(client, applicant):
    response = client.get(_url(applicant.pk))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_citizen_has_no_console(login_as, applicant):
    assert login_as(applicant).get(_url(applicant.pk)).status_code == 403
