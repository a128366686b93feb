"""Licence API: public verify, detail for holder/staff, revoke for staff with the permission."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.licences.conftest import position_of
from yiwang.licences.models import Licence
from yiwang.licences.services import licence_issue

pytestmark = pytest.mark.django_db
BASE = "/api/v1/licences"


@pytest.fixture
def licence(granted_case, approver):
    return licence_issue(case=granted_case, actor=approver, position=position_of(approver))


def test_public_verify(client, licence):
    response = client.get(f"{BASE}/verify", {"number": licence.number, "code": licence.verify_code})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["holder_name_masked"] == "王**" and body["number"] == licence.number
    assert "王秀英" not in response.content.decode()
    assert client.get(f"{BASE}/verify", {"number": licence.number, "code": "x"}).json() == {
        "status": "not_found", "reason": "", "number": None, "title": None, "holder_name_masked": None,
        "item": None, "issuer": None, "issue_date": None, "valid_from": None, "valid_until": None,
        "revoked_at": None}
    assert client.get(f"{BASE}/verify").json()["status"] == "not_found"
    Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "title": "伪造"})
    assert client.get(f"{BASE}/verify", {"number": licence.number, "code": licence.verify_code}).json()[
        "status"] == "tampered"


def test_detail_for_holder_and_staff_only(client, licence, applicant, other_citizen, clerk_b, approver):
    url = f"{BASE}/{licence.number}"
    assert client.get(url).status_code == 401
    login(client, other_citizen)
    response = client.get(url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    login(client, clerk_b)
    assert client.get(url).status_code == 404
    login(client, applicant)
    body = client.get(url).json()
    assert body["number"] == licence.number and body["signature"] == licence.signature
    login(client, approver)
    assert client.get(url).status_code == 200


def test_revoke(client, licence, dept_head, clerk_b, applicant, approver):
    url = f"{BASE}/{licence.number}/revoke"
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 401
    login(client, applicant)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    login(client, clerk_b)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 404
    login(client, approver)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    login(client, dept_head)
    response = client.post(url, {"reason": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert client.post(url, {}, content_type="application/json").status_code == 400
    response = client.post(url, {"reason": "申请人申请注销"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert client.post(url, {"reason": "again"}, content_type="application/json").status_code == 409
    assert Licence.objects.get(pk=licence.pk).status == "revoked"
