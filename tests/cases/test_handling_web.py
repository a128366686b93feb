"""Handling console screens and API: permissions, conflicts (409), downloads, forms without JS."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case, make_staff, only_open, pos
from tests.conftest import login
from yiwang.cases import handling
from yiwang.cases.models import CaseMaterial, StepStatus
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(county):
    return make_staff(county)


@pytest.fixture
def standard_item(county):
    return make_item(name="食品经营许可", department=county.civil_affairs, promised=10, statutory=20)

API = "/api/v1/cases/handling"


def _case(county, version, **kw):
    return make_case(version=version, division=county.county, department=county.civil_affairs, **kw)


def _json(response):
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert set(body) == {"code", "message", "details"}
    return body


def test_anonymous_and_citizen_are_refused(client, county, staff, standard_item, applicant):
    case = _case(county, standard_item)
    step = only_open(case)
    assert client.get("/cases/console/inbox/").status_code == 302  # to login
    assert client.get(f"/cases/console/handling/{case.pk}/").status_code == 302
    assert _json(client.get(f"{API}/inbox"))["code"] == "unauthenticated"
    assert client.post(f"{API}/steps/{step.pk}/claim").status_code == 401
    login(client, applicant)
    assert client.get("/cases/console/inbox/").status_code == 403
    assert client.get(f"/cases/console/handling/{case.pk}/").status_code == 403
    assert client.get(f"{API}/inbox").status_code == 403
    response = client.post(f"{API}/steps/{step.pk}/claim")
    assert response.status_code == 403 and _json(response)["code"] == "forbidden"
    step.refresh_from_db()
    assert step.status == StepStatus.READY


def test_inbox_and_case_page(client, county, staff, standard_item):
    case = _case(county, standard_item)
    login(client, staff.reviewer)
    page = client.get("/cases/console/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and "light-green" in html
    detail = client.get(f"/cases/console/handling/{case.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "<svg" in html and "王**" in html and "王秀英" not in html
    assert 'name="opinion"' in html and 'for="opinion-' in html
    # the approver of another department cannot open it; nor can a township B clerk
    client.logout()
    login(client, staff.nrp_reviewer)
    assert client.get(f"/cases/console/handling/{case.pk}/").status_code == 404


def test_forms_claim_complete_and_conflict(client, county, staff, standard_item):
    case = _case(county, standard_item)
    step = only_open(case)
    login(client, staff.reviewer)
    response = client.post(f"/cases/console/handling/steps/{step.pk}/claim/")
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.CLAIMED
    empty = client.post(f"/cases/console/handling/steps/{step.pk}/complete/", {"opinion": ""})
    assert empty.status_code == 400 and "请填写审查意见" in empty.content.decode()
    done = client.post(f"/cases/console/handling/steps/{step.pk}/complete/", {"opinion": "同意"})
    assert done.status_code == 302
    # a second submission (e.g. the form open in another tab) gets a clear conflict message
    again = client.post(f"/cases/console/handling/steps/{step.pk}/complete/", {"opinion": "同意"})
    assert again.status_code in (404, 409)
    decide = only_open(case)
    client.logout()
    login(client, staff.approver)
    deny = client.post(f"/cases/console/handling/steps/{decide.pk}/complete/",
                       {"opinion": "不同意", "decision": "deny"})
    assert deny.status_code == 400 and "不予许可必须说明理由" in deny.content.decode()
    ok = client.post(f"/cases/console/handling/steps/{decide.pk}/complete/",
                     {"opinion": "同意", "decision": "grant"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.status == "granted"


def test_stale_form_is_409(client, county, staff, standard_item):
    case = _case(county, standard_item)
    step = only_open(case)
    seen = case.lock_version
    handling.step_claim(step=step, actor=staff.reviewer, position=pos(staff.reviewer))
    login(client, staff.reviewer)
    response = client.post(f"/cases/console/handling/steps/{step.pk}/complete/",
                           {"opinion": "同意", "lock_version": str(seen)})
    assert response.status_code == 409
    assert "该办件已被他人更新" in response.content.decode()


def test_api_inbox_complete_and_409(client, county, staff, standard_item):
    case = _case(county, standard_item)
    step = only_open(case)
    login(client, staff.reviewer)
    inbox = _json(client.get(f"{API}/inbox"))
    assert [row["id"] for row in inbox] == [step.pk]
    assert inbox[0]["clock"]["status"] == "green" and inbox[0]["case_clock"] is not None
    bad = client.post(f"{API}/steps/{step.pk}/complete", data={"opinion": ""}, content_type="application/json")
    assert bad.status_code == 400 and _json(bad)["code"] == "opinion_required"
    ok = client.post(f"{API}/steps/{step.pk}/complete", data={"opinion": "同意"}, content_type="application/json")
    assert ok.status_code == 200 and _json(ok)["status"] == "in_progress"
    # the step is no longer the reviewer's: 404 for a step outside the inbox scope is fine, but a
    # colleague who still has it open in scope gets 409
    client.logout()
    login(client, staff.reviewer2)
    again = client.post(f"{API}/steps/{step.pk}/complete", data={"opinion": "同意"},
                        content_type="application/json")
    assert again.status_code == 409
    assert _json(again)["message"] == "该环节已由他人办理"
    garbage = client.post(f"{API}/steps/{step.pk}/complete", data="not json", content_type="application/json")
    assert garbage.status_code in (400, 422)


def test_api_key_cannot_act(client, county, staff, standard_item):
    case = _case(county, standard_item)
    step = only_open(case)
    out = StringIO()
    call_command("create_api_key", "--name", "对接系统", "--scopes", "org:read", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    response = client.post(f"{API}/steps/{step.pk}/claim", HTTP_X_API_KEY=key)
    assert response.status_code == 403
    assert _json(response)["details"]["reason"] == "session_required"


def test_api_special_procedure_and_extension(client, county, staff, standard_item):
    case = _case(county, standard_item)
    login(client, staff.reviewer)
    bad = client.post(f"{API}/cases/{case.pk}/special-procedure",
                      data={"kind": "nope", "reason": "x", "expected_days": 3}, content_type="application/json")
    assert bad.status_code == 400
    ok = client.post(f"{API}/cases/{case.pk}/special-procedure",
                     data={"kind": "inspection", "reason": "送检", "expected_days": 7}, content_type="application/json")
    assert ok.status_code == 200 and _json(ok)["kind"] == "special"
    denied = client.post(f"{API}/cases/{case.pk}/extend", data={"days": 5, "reason": "复杂"},
                         content_type="application/json")
    assert denied.status_code == 403
    end = client.post(f"{API}/cases/{case.pk}/special-procedure/end", data={"result": "合格"},
                      content_type="application/json")
    assert end.status_code == 200 and _json(end)["status"] == "in_progress"
    client.logout()
    login(client, staff.head)
    too_many = client.post(f"{API}/cases/{case.pk}/extend", data={"days": 11, "reason": "复杂"},
                           content_type="application/json")
    assert too_many.status_code == 400
    ext = client.post(f"{API}/cases/{case.pk}/extend", data={"days": 10, "reason": "复杂"},
                      content_type="application/json")
    assert ext.status_code == 200 and _json(ext)["context"]["days"] == 10


def test_console_special_and_extension_forms(client, county, staff, standard_item):
    case = _case(county, standard_item)
    login(client, staff.head)
    page = client.get(f"/cases/console/handling/{case.pk}/").content.decode()
    assert 'name="expected_days"' in page and 'name="days"' in page
    bad = client.post(f"/cases/console/handling/{case.pk}/extend/", {"days": "abc", "reason": "x"})
    assert bad.status_code == 400
    assert client.post(f"/cases/console/handling/{case.pk}/extend/", {"days": "3", "reason": "需核查"}).status_code == 302
    assert client.post(f"/cases/console/handling/{case.pk}/special/",
                       {"kind": "hearing", "reason": "听证", "expected_days": "5"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "suspended"


def test_material_download_in_scope_only_and_audited(client, county, staff, standard_item, clerk_b, settings,
                                                     tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    case = _case(county, standard_item)
    material = CaseMaterial.objects.create(
        case=case, name="营业执照", file=SimpleUploadedFile("licence.pdf", b"%PDF-1.4 test"),
        original_name="营业执照.pdf", content_type="application/pdf", size=13, sha256="a" * 64)
    login(client, staff.reviewer)
    response = client.get(f"/cases/console/handling/materials/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert AuditEvent.objects.filter(action="case.material_download", object_id=str(material.pk)).count() == 1
    client.logout()
    login(client, clerk_b)
    assert client.get(f"/cases/console/handling/materials/{material.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="case.material_download").count() == 1


def test_township_b_clerk_cannot_claim_township_a_step(client, county, staff, clerk_a, clerk_b):
    version = make_item(name="高龄津贴申请", department=county.civil_affairs, levels=["township"],
                        item_type="benefit")
    case = make_case(version=version, division=county.township_a, department=county.civil_affairs_a)
    step = only_open(case)
    login(client, clerk_b)
    assert client.post(f"{API}/steps/{step.pk}/claim").status_code == 404
    assert client.get(f"/cases/console/handling/{case.pk}/").status_code == 404
    assert _json(client.get(f"{API}/inbox")) == []
