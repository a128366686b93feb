"""Open311 GeoReport v2 conformance: every method in JSON and XML, filters, error codes and bodies."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.hotline.models import Ticket, TicketChannel, TicketStatus

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def api_key(db):
    from yiwang.api.services import api_key_create

    _key, raw = api_key_create(name="城市服务 App", scopes=["open311"])
    return raw


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content.decode("utf-8"))


def _xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def assert_error(response, status, fmt="json"):
    assert response.status_code == status, response.content
    if fmt == "json":
        body = _json(response)
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
        return body[0]["description"]
    root = _xml(response)
    assert root.tag == "errors"
    error = root.find("error")
    assert error.findtext("code") == str(status) and error.findtext("description")
    return error.findtext("description")


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def good_request(api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "ROAD",
        "lat": "35.175123",
        "long": "118.832456",
        "address_string": "十字路街道人民路与文化路路口",
        "description": "路口井盖破损，有安全隐患。联系我 13812345678。",
        "first_name": "先生",
        "last_name": "王",
        "phone": "13812345678",
        "attribute[publish_consent]": "true",
    }
    data.update(extra)
    return data


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_json_and_xml(client):
    body = _json(client.get(f"{BASE}/discovery.json"))
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["type"] == "production"
    assert set(body["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert "changeset" in body and "contact" in body and "key_service" in body
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_list_json_and_xml(client, hl):
    services = _json(client.get(f"{BASE}/services.json"))
    road = next(s for s in services if s["service_code"] == "ROAD")
    assert road == {
        "service_code": "ROAD", "service_name": "道路破损", "description": "道路破损（求助）", "metadata": True,
        "type": "realtime", "keywords": "", "group": "",
    }
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == sorted(s["service_code"] for s in services)
    first = root.find("service")
    assert [child.tag for child in first] == ["service_code", "service_name", "description", "metadata", "type",
                                              "keywords", "group"]
    assert first.findtext("metadata") == "true"


def test_inactive_service_is_hidden(client, hl):
    hl.matter_road.is_active = False
    hl.matter_road.save(update_fields=["is_active"])
    assert "ROAD" not in {s["service_code"] for s in _json(client.get(f"{BASE}/services.json"))}
    assert_error(client.get(f"{BASE}/services/ROAD.json"), 404)


def test_service_definition_json_and_xml(client, hl):
    body = _json(client.get(f"{BASE}/services/ROAD.json"))
    assert body["service_code"] == "ROAD"
    codes = [a["code"] for a in body["attributes"]]
    assert codes[:4] == ["category", "urgency", "publish_consent", "anonymous"]
    category = body["attributes"][0]
    assert category["datatype"] == "singlevaluelist" and category["variable"] is True
    assert {v["key"] for v in category["values"]} == {"consult", "help", "complaint", "report", "suggestion"}
    assert [a["order"] for a in body["attributes"]] == sorted(a["order"] for a in body["attributes"])
    root = _xml(client.get(f"{BASE}/services/ROAD.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "category" and attribute.findtext("required") == "false"
    assert len(attribute.findall("values/value")) == 5
    assert attribute.find("values/value").findtext("key") and attribute.find("values/value").findtext("name")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404(client, hl, fmt):
    assert "NOPE" in assert_error(client.get(f"{BASE}/services/NOPE.{fmt}"), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_jurisdiction_is_404_and_right_one_is_accepted(client, hl, fmt, api_key):
    assert_error(client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "example.org"}), 404, fmt)
    assert_error(post(client, fmt, **good_request(api_key, jurisdiction_id="example.org")), 404, fmt)
    assert client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "junan.gov.cn"}).status_code == 200
    assert not Ticket.objects.exists()


def test_unsupported_method_and_format(client, hl):
    response = client.put(f"{BASE}/services.json")
    assert response.status_code == 405 and _json(response)[0]["code"] == 405
    assert client.get(f"{BASE}/services.html").status_code == 404


# --- POST requests -------------------------------------------------------------------------------


def test_post_request_json_creates_an_open311_ticket(client, hl, api_key):
    response = post(client, **good_request(api_key, **{"attribute[urgency]": "urgent"}))
    assert response.status_code == 200, response.content
    body = _json(response)
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "token", "service_notice", "account_id"}
    ticket = Ticket.objects.get(number=body[0]["service_request_id"])
    assert ticket.channel == TicketChannel.OPEN311
    assert ticket.matter_type == hl.matter_road and ticket.service_code == "ROAD"
    assert ticket.category == "help"  # the service's default category
    assert ticket.urgency == "urgent"
    assert ticket.caller_name == "王先生" and ticket.decrypt_caller_phone() == "13812345678"
    assert float(ticket.latitude) == pytest.approx(35.175123) and ticket.publish_consent is True
    assert ticket.number in body[0]["service_notice"]
    # the token resolves to the request id
    token = _json(client.get(f"{BASE}/tokens/{body[0]['token']}.json"))
    assert token == [{"service_request_id": ticket.number, "token": ticket.token}]
    token_xml = _xml(client.get(f"{BASE}/tokens/{ticket.token}.xml"))
    assert token_xml.tag == "service_requests"
    assert token_xml.find("request/service_request_id").text == ticket.number


def test_post_request_xml(client, hl, api_key):
    root = _xml(post(client, "xml", **good_request(api_key, **{"attribute[category]": "complaint"})))
    assert root.tag == "service_requests"
    number = root.find("request/service_request_id").text
    assert root.find("request/account_id") is not None
    assert Ticket.objects.get(number=number).category == "complaint"


def test_api_key_in_header_is_accepted(client, hl, api_key):
    data = good_request(api_key)
    del data["api_key"]
    response = client.post(f"{BASE}/requests.json", data, HTTP_X_API_KEY=api_key)
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_api_keys_are_403(client, hl, api_key, fmt):
    from yiwang.api.services import api_key_create, api_key_revoke

    data = good_request(api_key)
    del data["api_key"]
    assert "api_key" in assert_error(post(client, fmt, **data), 403, fmt)
    assert_error(post(client, fmt, **good_request("yw_deadbeef_" + "x" * 40)), 403, fmt)
    assert_error(post(client, fmt, **good_request("not-a-key")), 403, fmt)
    other, other_raw = api_key_create(name="统计系统", scopes=["org:read"])
    assert "scope" in assert_error(post(client, fmt, **good_request(other_raw)), 403, fmt)
    revoked, revoked_raw = api_key_create(name="旧系统", scopes=["open311"])
    api_key_revoke(prefix=revoked.prefix)
    assert "revoked" in assert_error(post(client, fmt, **good_request(revoked_raw)), 403, fmt)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "NOPE"}, 404, "service_code"),
        ({"description": ""}, 400, "description"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "location"),
        ({"long": ""}, 400, "lat"),
        ({"lat": "95"}, 400, "lat"),
        ({"lat": "abc"}, 400, "lat"),
        ({"attribute[category]": "praise"}, 400, "category"),
        ({"attribute[colour]": "red"}, 400, "colour"),
        ({"attribute[division_code]": "999999999999"}, 400, "division_code"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "", "attribute[category]": "complaint"}, 400, ""),  # 投诉 needs a phone (service rule)
        ({"phone": "12345"}, 400, ""),
    ],
)
def test_bad_post_requests(client, hl, api_key, change, status, needle):
    description = assert_error(post(client, **good_request(api_key, **change)), status)
    assert needle in description
    assert not Ticket.objects.exists()


def test_address_only_and_division_attribute(client, hl, county, api_key):
    data = good_request(api_key, lat="", long="", **{"attribute[division_code]": county.village_a1.code,
                                                    "attribute[publish_consent]": "false"})
    body = _json(post(client, **data))
    ticket = Ticket.objects.get(number=body[0]["service_request_id"])
    assert ticket.latitude is None and ticket.division == county.village_a1 and not ticket.publish_consent


def test_anonymous_report_gets_a_query_code(client, hl, api_key):
    data = good_request(api_key, phone="", first_name="", last_name="",
                        **{"attribute[category]": "report", "attribute[anonymous]": "true"})
    body = _json(post(client, **data))
    ticket = Ticket.objects.get(number=body[0]["service_request_id"])
    assert ticket.anonymous and ticket.caller_name == ""
    assert "查询码" in body[0]["service_notice"]


# --- GET requests --------------------------------------------------------------------------------


def _review_publication(hl, ticket):
    """The centre approves the letter's text for publication (公开审核), unchanged."""
    from yiwang.hotline.services.publication import ticket_publication_review

    return ticket_publication_review(ticket=ticket, approve=True, actor=hl.operator, position=hl.pos(hl.operator))


@pytest.fixture
def tickets(client, hl, county, api_key, phone_ticket):
    """Three tickets: an Open311 one with consent, a phone one without, an old closed one."""
    consent = Ticket.objects.get(number=_json(post(client, **good_request(api_key)))[0]["service_request_id"])
    consent = _review_publication(hl, consent)
    private = phone_ticket(content="我家门口路面塌陷，我叫李四，电话13912345678。", address="东关村3组12号",
                           latitude="35.1", longitude="118.8")
    old = phone_ticket(content="去年的路面问题")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120),
                                            status=TicketStatus.CLOSED)
    return consent, private, Ticket.objects.get(pk=old.pk)


def test_get_requests_json_defaults_to_90_days_newest_first(client, tickets):
    consent, private, old = tickets
    body = _json(client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in body] == [private.number, consent.number]
    first = body[0]
    assert set(first) == {
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url",
    }
    assert first["status"] == "open" and first["service_code"] == "ROAD" and first["service_name"] == "道路破损"
    assert first["requested_datetime"].endswith("+08:00")


def test_personal_data_is_never_exposed(client, tickets):
    consent, private, _old = tickets
    raw = client.get(f"{BASE}/requests.json").content.decode("utf-8")
    raw_xml = client.get(f"{BASE}/requests.xml").content.decode("utf-8")
    for text in (raw, raw_xml):
        assert "13912345678" not in text and "13812345678" not in text
        assert "李四" not in text and "王先生" not in text
        assert "东关村3组12号" not in text
    body = {r["service_request_id"]: r for r in json.loads(raw)}
    assert body[private.number]["description"] is None  # no consent: no text, no coordinates
    assert body[private.number]["lat"] is None
    assert body[private.number]["address"] == "东关村"  # only the village
    assert "138****5678" in body[consent.number]["description"]  # consent: masked text
    assert body[consent.number]["lat"] == pytest.approx(35.175123)


def test_get_requests_xml_structure(client, tickets):
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 2
    tags = [child.tag for child in requests[0]]
    assert tags[:3] == ["service_request_id", "status", "status_notes"]
    assert "expected_datetime" in tags and "agency_responsible" in tags and "long" in tags


def test_get_requests_filters(client, tickets, hl):
    consent, private, old = tickets
    ids = f"{old.number},{private.number}"
    assert {r["service_request_id"] for r in _json(client.get(f"{BASE}/requests.json",
                                                               {"service_request_id": ids}))} == {
        old.number, private.number}
    closed = _json(client.get(f"{BASE}/requests.json", {"status": "closed", "start_date": (
        timezone.localdate() - timedelta(days=130)).isoformat(), "end_date": (
        timezone.localdate() - timedelta(days=60)).isoformat()}))
    assert [r["service_request_id"] for r in closed] == [old.number]
    assert closed[0]["status"] == "closed"
    assert _json(client.get(f"{BASE}/requests.json", {"status": "closed"})) == []
    assert len(_json(client.get(f"{BASE}/requests.json", {"status": "open,closed"}))) == 2
    assert _json(client.get(f"{BASE}/requests.json", {"service_code": "VILLAGE_AFFAIRS"})) == []
    assert len(_json(client.get(f"{BASE}/requests.json", {"service_code": "VILLAGE_AFFAIRS,ROAD"}))) == 2
    start = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert len(_json(client.get(f"{BASE}/requests.json", {"start_date": start}))) == 2
    future = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _json(client.get(f"{BASE}/requests.json", {"start_date": future})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01", "end_date": "2026-06-30"},  # more than 90 days
        {"start_date": "2026-03-01", "end_date": "2026-02-01"},
        {"status": "pending"},
    ],
)
def test_get_requests_bad_filters_are_400(client, tickets, params):
    assert_error(client.get(f"{BASE}/requests.json", params), 400)
    assert_error(client.get(f"{BASE}/requests.xml", params), 400, "xml")


def test_dispatch_sets_agency_and_expected_datetime(client, tickets, hl):
    from yiwang.hotline.services.dispatch import ticket_dispatch

    _consent, private, _old = tickets
    ticket_dispatch(ticket=private, lead_unit=hl.housing, actor=hl.operator, position=hl.pos(hl.operator))
    private.refresh_from_db()
    body = _json(client.get(f"{BASE}/requests/{private.number}.json"))
    assert len(body) == 1
    assert body[0]["agency_responsible"] == "县住建局"
    assert body[0]["expected_datetime"] == timezone.localtime(private.expected_at).isoformat(timespec="seconds")
    assert "县住建局" in body[0]["status_notes"]
    root = _xml(client.get(f"{BASE}/requests/{private.number}.xml"))
    assert root.find("request/agency_responsible").text == "县住建局"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(client, hl, fmt):
    assert_error(client.get(f"{BASE}/requests/20260101999999.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/tokens/nope.{fmt}"), 404, fmt)


def test_service_request_updates_extension(client, tickets, hl):
    from yiwang.hotline.services.dispatch import assignment_accept, assignment_return, ticket_dispatch

    _consent, private, _old = tickets
    ticket_dispatch(ticket=private, lead_unit=hl.housing, actor=hl.operator, position=hl.pos(hl.operator))
    assignment = private.assignments.get()
    assignment_accept(assignment=assignment, actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    assignment_return(assignment=assignment, reason="非本单位职责，内部意见", actor=hl.housing_staff,
                      position=hl.pos(hl.housing_staff))
    updates = _json(client.get(f"{BASE}/servicerequestupdates.json"))
    mine = [u for u in updates if u["service_request_id"] == private.number]
    assert [u["external_status_code"] for u in mine] == ["registered", "dispatched", "accepted"]
    assert [u["status"] for u in mine] == ["OPEN", "ACTION_SCHEDULED", "IN_PROGRESS"]
    assert all(u["update_id"] and u["updated_datetime"] for u in mine)
    assert "内部意见" not in json.dumps(updates, ensure_ascii=False)  # returns are internal
    root = _xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert root.find("request_update/update_id") is not None
    assert_error(client.get(f"{BASE}/servicerequestupdates.json", {"end_date": "bad"}), 400)


def test_xml_survives_control_characters_in_citizen_text(client, hl, api_key):
    body = _json(post(client, **good_request(api_key, description="路灯\x01坏了\x0b，请修理")))
    _review_publication(hl, Ticket.objects.get(number=body[0]["service_request_id"]))
    root = _xml(client.get(f"{BASE}/requests/{body[0]['service_request_id']}.xml"))
    assert root.find("request/description").text == "路灯坏了，请修理"


def test_key_from_the_management_command_can_post(client, hl):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--name", "城市服务 App", "--scopes", "open311", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("yw_")
    assert post(client, **good_request(raw)).status_code == 200
