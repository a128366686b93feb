"""The read-only audit API, the read-only admin and the archival export."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit/events"


@pytest.fixture
def events(clerk_a, clerk_b):
    pa = clerk_a.positions.get()
    pb = clerk_b.positions.get()
    return [
        audit_record(action="case.accept", actor=clerk_a, position=pa, object_type="cases.case", object_id="1",
                     after={"state": "accepted"}),
        audit_record(action="case.reject", actor=clerk_b, position=pb, object_type="cases.case", object_id="2"),
        audit_record(action="session.login", actor=clerk_a),  # no position
    ]


def test_anonymous_gets_401_in_the_error_shape(client, events):
    response = client.get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}
    assert response.json()["code"] == "unauthenticated"


def test_position_without_audit_view_gets_403(login_as, clerk_a, events):
    response = login_as(clerk_a).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_citizen_gets_403(login_as, applicant, events):
    assert login_as(applicant).get(URL).status_code == 403


def test_supervisor_lists_events_filtered_by_object(login_as, supervisor, events):
    client = login_as(supervisor)
    body = client.get(URL, {"object_type": "cases.case", "object_id": "1"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == events[0].pk and item["action"] == "case.accept" and item["after"] == {"state": "accepted"}
    everything = client.get(URL).json()
    assert {i["id"] for i in everything["items"]} == {events[0].pk, events[1].pk}  # position-less event: admins only


def test_county_admin_sees_everything_and_pages(login_as, admin_user, events):
    client = login_as(admin_user)
    first = client.get(URL, {"limit": 2}).json()
    assert first["count"] == 3 and len(first["items"]) == 2
    assert first["items"][0]["id"] == events[2].pk  # newest first
    second = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert [i["id"] for i in second["items"]] == [events[0].pk]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"limit": "x"},
                                   {"object_id": "9" * 65}])
def test_bad_query_is_a_400(login_as, supervisor, query):
    response = login_as(supervisor).get(URL, query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_api_is_read_only(login_as, admin_user, events):
    client = login_as(admin_user)
    assert client.post(URL, {}, content_type="application/json").status_code == 405
    assert client.delete(URL).status_code == 405


def test_admin_is_read_only(login_as, admin_user, events):
    client = login_as(admin_user)
    changelist = client.get("/admin/core/auditevent/", {"action": "case.accept"})
    assert changelist.status_code == 200
    assert b"case.accept" in changelist.content
    assert client.get("/admin/core/auditevent/", {"q": "clerk_b"}).status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/core/auditevent/{events[0].pk}/change/")
    assert detail.status_code == 200
    assert b'name="action"' not in detail.content  # no editable inputs
    assert client.post(f"/admin/core/auditevent/{events[0].pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/core/auditevent/{events[0].pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/core/auditanchor/").status_code == 200
    assert AuditEvent.objects.get(pk=events[0].pk).action == "case.accept"


def test_admin_is_closed_to_non_staff(login_as, clerk_a, events):
    response = login_as(clerk_a).get("/admin/core/auditevent/")
    assert response.status_code == 302


def test_export_writes_json_lines_and_deletes_nothing(tmp_path, events):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    target = tmp_path / "audit.jsonl"
    call_command("audit_export", "--before", tomorrow, "--output", str(target), stderr=io.StringIO())
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert {line["id"] for line in lines} == {e.pk for e in events}
    assert all(line["hash"] and "prev_hash" in line for line in lines)
    assert AuditEvent.objects.count() == 3
    out = io.StringIO()
    call_command("audit_export", "--before", timezone.localdate().isoformat(), stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""  # everything happened today, nothing before it


def test_export_rejects_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_export", "--before", "yesterday")
