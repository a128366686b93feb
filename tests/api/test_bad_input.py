"""No input produces a 500: punctuation-only searches, NUL characters, out-of-range pagination and
integers beyond 64 bits get a normal result or a 400 ``{code, message, details}``."""

from __future__ import annotations

import json

import pytest

from tests.cases.factories import make_item
from tests.conftest import login

PUNCTUATION = ["？", "，", "'", '"', "-", "*", "%", "_", "\\", "()", "。。", "   ", "\u200b", "!@#$^&"]
HUGE = 2**63


def assert_invalid(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "invalid"
    return body


@pytest.fixture
def published(county):
    return make_item(name="食品经营许可", department=county.civil_affairs, levels=["county"])


# --- search with punctuation alone ------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("q", PUNCTUATION)
def test_punctuation_alone_lists_every_item_in_the_public_search(client, published, q):
    # given a published item
    # when the search box holds punctuation only
    page = client.get("/services/", {"q": q})
    api = client.get("/api/v1/catalog/items", {"q": q})

    # then the search has no keywords: the list is shown, not an error
    assert page.status_code == 200
    assert "食品经营许可" in page.content.decode()
    assert api.status_code == 200
    assert [row["name"] for row in api.json()] == ["食品经营许可"]


@pytest.mark.django_db
def test_keywords_with_punctuation_still_search(client, published):
    assert [r["name"] for r in client.get("/api/v1/catalog/items", {"q": "食品？"}).json()] == ["食品经营许可"]
    assert client.get("/api/v1/catalog/items", {"q": "驾驶证，"}).json() == []


@pytest.mark.django_db
@pytest.mark.parametrize("q", PUNCTUATION)
def test_punctuation_alone_in_the_other_search_boxes(client, admin_user, published, q):
    assert client.get("/api/v1/hotline/kb/search", {"q": q}).status_code == 200
    assert client.get("/hotline/kb/search/", {"q": q}).status_code == 200
    assert client.get("/hotline/public/", {"q": q}).status_code == 200
    login(client, admin_user)
    for url in ("/console/org/", "/services/manage/", "/licences/registry/", "/hotline/"):
        response = client.get(url, {"q": q})
        assert response.status_code in (200, 302, 403), (url, response.status_code)
    assert client.get("/api/v1/catalog/manage/items", {"q": q}).status_code == 200


def test_clean_search_query_drops_control_characters_and_keeps_words():
    from yiwang.core.search_query import clean_search_query, has_search_terms

    assert clean_search_query("  食品\x00 许可\u200b证\t\n ") == "食品 许可证"
    assert clean_search_query("x" * 500) == "x" * 100
    assert clean_search_query(None) == ""
    assert not has_search_terms(clean_search_query("？，'\"-*"))
    assert has_search_terms("许可")


# --- NUL characters ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_nul_in_a_query_string_is_a_400_not_a_500(client, published):
    assert_invalid(client.get("/api/v1/catalog/items", {"q": "食品\x00"}))
    assert_invalid(client.get("/api/v1/catalog/items/0100\x00"))
    assert client.get("/services/", {"q": "\x00"}).status_code == 400
    assert client.get("/services/?department=%00").status_code == 400


@pytest.mark.django_db
def test_nul_in_a_json_body_is_refused_before_anything_changes(client, applicant, published):
    from yiwang.cases.models import Case

    login(client, applicant)
    body = json.dumps({"base_code": published.item.base_code, "form_data": {"note": "a\x00b"}})

    response = client.post("/api/v1/cases/apply", body, content_type="application/json")

    assert assert_invalid(response)["details"] == {"location": "body"}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_text_that_merely_mentions_backslash_u0000_is_accepted(client, applicant, published):
    login(client, applicant)
    body = json.dumps({"base_code": published.item.base_code, "form_data": {"note": "\\u0000"}})
    response = client.post("/api/v1/cases/apply", body, content_type="application/json")
    assert response.status_code == 201, response.content


# --- pagination ---------------------------------------------------------------------------------------

LIST_ENDPOINTS = [
    "/api/v1/catalog/items",
    "/api/v1/ratings/",
    "/api/v1/ratings/rectifications",
    "/api/v1/ratings/appeals",
    "/api/v1/supervision/alerts",
    "/api/v1/notify/inbox",
    "/api/v1/audit/events",
    "/api/v1/hotline/tickets",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LIST_ENDPOINTS)
@pytest.mark.parametrize("params", [{"offset": HUGE}, {"offset": -1}, {"offset": 10**6 + 1}, {"limit": 0},
                                    {"limit": 201}, {"limit": HUGE}, {"limit": -5}])
def test_out_of_range_pagination_is_a_400(client, admin_user, url, params):
    login(client, admin_user)
    body = assert_invalid(client.get(url, params))
    assert body["details"]["errors"][0]["loc"][-1] in params


@pytest.mark.django_db
@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_pagination_within_bounds_works(client, admin_user, url):
    login(client, admin_user)
    assert client.get(url, {"limit": 200, "offset": 10**6}).status_code in (200, 403)  # 403: no appeal role


@pytest.mark.django_db
def test_kb_search_limit_is_bounded(client):
    assert_invalid(client.get("/api/v1/hotline/kb/search", {"limit": HUGE}))
    assert client.get("/api/v1/hotline/kb/search", {"limit": 200}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("page", [str(HUGE), "-1", "0", "abc", "9" * 5000, "1e9", "\u0661"])
def test_html_list_pages_clamp_the_page_number(client, published, page):
    response = client.get("/services/", {"page": page})
    assert response.status_code == 200
    assert "食品经营许可" in response.content.decode()


def test_page_number_is_bounded():
    from django.test import RequestFactory

    from yiwang.core.pagination import page_number

    rf = RequestFactory()
    assert page_number(rf.get("/", {"page": "3"})) == 3
    assert page_number(rf.get("/", {"page": str(HUGE)})) == "last"
    assert page_number(rf.get("/", {"page": "-2"})) == 1
    assert page_number(rf.get("/")) == 1


# --- integers beyond 64 bits ------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_id_beyond_64_bits_is_a_400(client, admin_user):
    login(client, admin_user)
    assert client.get(f"/api/v1/cases/staff/{2**70}").status_code in (400, 404)
    assert client.get("/api/v1/supervision/alerts", {"department": -(2**86)}).status_code in (200, 400)
    assert client.get(f"/hotline/tickets/{2**70}/").status_code in (400, 404)
