"""The applicant's case page links to the licence PDF and its public verification page."""

from django.urls import reverse

from tests.conftest import login
from tests.licences.conftest import position_of
from yiwang.licences.services import licence_issue


def test_my_case_page_links_to_licence(client, granted_case, applicant, approver):
    licence = licence_issue(case=granted_case, actor=approver, position=position_of(approver))
    body = login(client, applicant).get(reverse("cases:my_case", args=[granted_case.pk])).content.decode()
    assert reverse("licences:pdf", args=[licence.number]) in body
    assert f"{reverse('licences:verify', args=[licence.number])}?code={licence.verify_code}" in body


def test_case_without_licence_has_no_licence_section(client, granted_case, applicant):
    body = login(client, applicant).get(reverse("cases:my_case", args=[granted_case.pk])).content.decode()
    assert 'id="licence-heading"' not in body
