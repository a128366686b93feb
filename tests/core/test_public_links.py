"""Links that leave the page point where the platform really runs (issue 8 §3): the public base URL
of QR codes, rating links and notices; the favicon; the clerk's link to the handling page."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from yiwang.core.site import public_base_url, public_url, serve_base_url


def test_configured_site_url_wins(settings, monkeypatch):
    settings.SITE_URL = "https://zwfw.junan.example/"
    monkeypatch.setenv("PORT", "8123")
    assert public_base_url() == "https://zwfw.junan.example"
    assert public_url("/ratings/r/abc/") == "https://zwfw.junan.example/ratings/r/abc/"


def test_without_a_setting_the_request_host_then_the_served_port(settings, monkeypatch):
    settings.SITE_URL = ""
    request = RequestFactory().get("/", HTTP_HOST="192.168.1.20:8123")
    settings.ALLOWED_HOSTS = ["*"]
    assert public_base_url(request) == "http://192.168.1.20:8123"
    monkeypatch.setenv("PORT", "8123")
    assert public_base_url() == "http://127.0.0.1:8123"
    monkeypatch.delenv("PORT")
    assert public_base_url() == "http://127.0.0.1:8000"


def test_serve_exports_the_port_it_serves():
    assert serve_base_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert serve_base_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104


def test_rating_links_and_licence_qr_use_the_public_base_url(settings):
    from yiwang.evaluation.services.ratings import rating_link
    from yiwang.licences.pdf import site_url

    settings.SITE_URL = "http://127.0.0.1:8123"
    assert rating_link("tok") == "http://127.0.0.1:8123/ratings/r/tok/"
    assert site_url() == "http://127.0.0.1:8123"


@pytest.mark.django_db
def test_favicon_is_linked_and_served(client):
    from django.contrib.staticfiles import finders

    assert finders.find("yiwang/favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page


@pytest.mark.django_db
def test_the_window_clerk_opens_the_handling_page_of_a_case_it_may_accept(county, applicant):
    """一窗受理: the county window (staffed by the approval bureau) sees a civil-affairs case it may accept."""
    from tests.cases.factories import make_item
    from tests.conftest import make_position, make_user
    from yiwang.cases.handling.inbox import case_get_for_handling
    from yiwang.cases.models import Case, CaseStatus
    from yiwang.org.models import ServiceHall, Window

    hall = ServiceHall.objects.create(name="莒南县政务服务中心", division=county.county)
    Window.objects.create(hall=hall, number="1", name="综合受理窗口", is_comprehensive=True).departments.add(
        county.approval_bureau)
    clerk = make_position(make_user("clerk"), "window_clerk", county.county, county.approval_bureau)
    version = make_item(department=county.civil_affairs)
    case = Case.objects.create(number="YWTEST-LINK-1", item=version.item, version=version, applicant_user=applicant,
                               applicant_name="王秀英", division=county.county, department=county.civil_affairs,
                               status=CaseStatus.SUBMITTED)
    assert case_get_for_handling(position=clerk, pk=case.pk) == case
