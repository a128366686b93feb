"""The 好差评 API: token submission, staff lists in scope, rectification and appeal actions."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.conftest import login
from yiwang.evaluation import services
from yiwang.evaluation.models import Rating

API = "/api/v1/ratings"


def _post(client: Client, url: str, data: dict) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_anonymous_cannot_list_or_act(client):
    assert client.get(f"{API}/").status_code == 401
    assert client.get(f"{API}/rectifications").status_code == 401
    assert _post(client, f"{API}/appeals/1/review", {"uphold": True, "note": "x"}).status_code == 401


def test_submit_with_token(client, case):
    invitation = services.invitation_issue(case=case)
    info = client.get(f"{API}/invitations/{invitation.token}")
    assert info.status_code == 200 and info.json()["case_number"] == case.number
    bad = _post(client, f"{API}/submit", {"token": invitation.token, "grade": 1})
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "reasons"
    ok = _post(client, f"{API}/submit", {"token": invitation.token, "grade": 1, "reasons": ["slow"]})
    assert ok.status_code == 201 and ok.json()["rectification_id"]
    again = _post(client, f"{API}/submit", {"token": invitation.token, "grade": 5})
    assert again.status_code == 409
    assert _post(client, f"{API}/submit", {"token": "x" * 300, "grade": 5}).status_code == 404
    assert _post(client, f"{API}/submit", {"token": invitation.token, "grade": "abc"}).status_code == 400


def test_expired_token_api(client, case):
    invitation = services.invitation_issue(case=case, now=timezone.now() - timedelta(days=10))
    response = _post(client, f"{API}/submit", {"token": invitation.token, "grade": 5})
    assert response.status_code == 409 and response.json()["code"] == "link_expired"


def test_staff_flow_over_api(case, depthead, other_head, supervisor, applicant):
    invitation = services.invitation_issue(case=case)
    rating = services.rating_submit_online(token=invitation.token, grade=2, reasons=["policy"])
    head = login(Client(), depthead)
    listed = head.get(f"{API}/?bad=true")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [rating.pk]
    other = login(Client(), other_head)
    assert other.get(f"{API}/").json() == []
    rect_id = rating.rectification.pk
    assert _post(other, f"{API}/rectifications/{rect_id}/callback", {"verified": True, "note": "x"}).status_code == 404
    done = _post(head, f"{API}/rectifications/{rect_id}/complete", {"plan": "p", "result": "r"})
    assert done.status_code == 409 and done.json()["code"] == "callback_required"
    cb = _post(head, f"{API}/rectifications/{rect_id}/callback", {"verified": False, "note": "回访不属实"})
    assert cb.status_code == 200 and cb.json()["callback_verified"] is False
    appeal = _post(head, f"{API}/{rating.pk}/appeal", {"reason": "误评"})
    assert appeal.status_code == 201
    citizen = login(Client(), applicant)
    assert _post(citizen, f"{API}/appeals/{appeal.json()['id']}/review",
                 {"uphold": True, "note": "x"}).status_code in (403, 404)
    sup = login(Client(), supervisor)
    reviewed = _post(sup, f"{API}/appeals/{appeal.json()['id']}/review", {"uphold": True, "note": "误评属实"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "upheld"
    assert Rating.objects.get(pk=rating.pk).status == "excluded"


def test_public_summary_and_public_rating(client, county, case):
    invitation = services.invitation_issue(case=case)
    services.rating_submit_online(token=invitation.token, grade=4)
    rated = _post(client, f"{API}/public", {"target_kind": "platform", "platform_channel": "mobile", "grade": 5})
    assert rated.status_code == 201 and rated.json()["named"] is False
    assert _post(client, f"{API}/public", {"target_kind": "case", "grade": 5}).status_code == 400
    summary = client.get(f"{API}/public/summary")
    assert summary.status_code == 200
    rows = {r["department_id"]: r for r in summary.json()["departments"]}
    assert rows[case.department_id]["total"] == 1 and rows[case.department_id]["rate"] == 1.0
    assert client.get(f"{API}/public/summary?start=2026-05-01&end=2026-01-01").status_code == 400
