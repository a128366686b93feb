"""API and screens: applying with Idempotency-Key, uploads, status query, permissions over personas."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import PDF_BYTES, make_accepted_case, make_item, make_submitted_case, position_of
from tests.conftest import login
from yiwang.cases.models import Case, CaseStatus

pytestmark = pytest.mark.django_db


def _post_json(client, url, data, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_api_apply_is_idempotent_and_uploads_check_content(client, item, applicant, county):
    login(client, applicant)
    body = {"base_code": item.item.base_code, "division_code": county.village_a1.code,
            "form_data": {"address": "东关村"}, "submit": False}
    first = _post_json(client, "/api/v1/cases/apply", body, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    again = _post_json(client, "/api/v1/cases/apply", body, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1
    case_id = first.json()["id"]
    material = item.materials.first()
    fake = SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    bad = client.post(f"/api/v1/cases/{case_id}/materials", {"material_id": material.pk, "file": fake})
    assert bad.status_code == 400 and bad.json()["code"] == "upload_bad_type"
    good = client.post(f"/api/v1/cases/{case_id}/materials",
                       {"material_id": material.pk, "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert good.status_code == 201 and len(good.json()["sha256"]) == 64
    incomplete = client.post(f"/api/v1/cases/{case_id}/submit")  # the second required material is missing
    assert incomplete.status_code == 400 and incomplete.json()["code"] == "application_incomplete"
    for other in item.materials.filter(required=True).exclude(pk=material.pk):
        client.post(f"/api/v1/cases/{case_id}/materials",
                    {"material_id": other.pk, "file": SimpleUploadedFile("b.pdf", PDF_BYTES)})
    submitted = client.post(f"/api/v1/cases/{case_id}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    retry = client.post(f"/api/v1/cases/{case_id}/submit")
    assert retry.json()["number"] == submitted.json()["number"]
    # A retried create with the key after submission still returns the same case.
    again = _post_json(client, "/api/v1/cases/apply", {**body, "submit": True}, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["number"] == submitted.json()["number"]
    detail = client.get(f"/api/v1/cases/mine/{case_id}").json()
    assert detail["clock"]["purpose"] == "acceptance" and detail["timeline"]


def test_anonymous_api_is_401(client, item):
    assert client.post("/api/v1/cases/apply", data="{}", content_type="application/json").status_code == 401
    assert client.get("/api/v1/cases/mine").status_code == 401
    response = client.post("/api/v1/cases/1/accept", data="{}", content_type="application/json")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_other_applicant_gets_404(client, item, applicant, other_applicant):
    case = make_submitted_case(version=item, applicant=applicant)
    login(client, other_applicant)
    assert client.get(f"/api/v1/cases/mine/{case.pk}").status_code == 404
    assert client.get(f"/cases/mine/{case.pk}/").status_code == 404
    assert client.get("/api/v1/cases/mine").json() == []


def test_permission_matrix_for_accept(client, item, applicant, clerk_a, clerk_b, supervisor):
    case = make_submitted_case(version=item, applicant=applicant)
    url = f"/api/v1/cases/{case.pk}/accept"
    for user, expected in ((applicant, 403), (supervisor, 403), (clerk_b, 404)):
        client.logout()
        login(client, user)
        response = _post_json(client, url, {})
        assert response.status_code == expected, (user.username, response.content)
        assert response.json()["code"] in {"forbidden", "not_found"}
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    client.logout()
    login(client, clerk_a)
    response = _post_json(client, url, {"note": "材料齐全"})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


def test_clerk_b_cannot_accept_township_a_case_in_service(item, applicant, clerk_b):
    from yiwang.cases import services
    from yiwang.core.errors import PermissionDenied

    case = make_submitted_case(version=item, applicant=applicant)
    with pytest.raises(PermissionDenied):
        services.case_accept(case=case, actor=clerk_b, position=position_of(clerk_b))
    with pytest.raises(PermissionDenied):
        services.case_accept(case=case, actor=applicant, position=None)


def test_status_query_api_and_page(client, item, applicant):
    case = make_submitted_case(version=item, applicant=applicant)
    ok = client.get("/api/v1/cases/status", {"number": case.number, "code": case.query_code.lower()})
    assert ok.status_code == 200
    data = ok.json()
    assert data["status"] == "submitted" and data["applicant"] == "王**"
    assert data["remaining_workdays"] is not None and data["timeline"]
    assert "13800000000" not in ok.content.decode() and "110101199003070011" not in ok.content.decode()
    wrong = client.get("/api/v1/cases/status", {"number": case.number, "code": "AAAAAAAA"})
    missing = client.get("/api/v1/cases/status", {"number": "YW000", "code": case.query_code})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()
    page = client.post("/cases/query/", {"number": case.number, "code": case.query_code})
    assert page.status_code == 200 and case.version.name in page.content.decode()
    bad = client.post("/cases/query/", {"number": case.number, "code": "WRONG"})
    assert bad.status_code == 404


def test_status_query_is_rate_limited(client, item, applicant, settings):
    from django.core.cache import cache

    cache.clear()
    for _ in range(20):
        client.get("/api/v1/cases/status", {"number": "YW1", "code": "X"})
    assert client.get("/api/v1/cases/status", {"number": "YW1", "code": "X"}).status_code == 429
    cache.clear()


def test_fee_quote_and_payment_idempotent(client, county, applicant, clerk_a):
    charged = make_item(name="收费事项", department=county.civil_affairs, levels=["township"], fee="25.50")
    quote = client.get(f"/api/v1/cases/fee-quote/{charged.item.base_code}").json()
    assert quote["total"] == "25.50" and quote["is_charged"] is True
    case = make_accepted_case(clerk=clerk_a, version=charged, applicant=applicant)
    assert case.fee_due == 25.5
    login(client, clerk_a)
    url = f"/api/v1/cases/{case.pk}/payments"
    first = _post_json(client, url, {"amount": "25.50", "receipt_no": "R-1"}, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == 201, first.content
    again = _post_json(client, url, {"amount": "25.50", "receipt_no": "R-1"}, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    case.refresh_from_db()
    assert case.fee_paid == case.fee_due and case.payments.count() == 1
    over = _post_json(client, url, {"amount": "1.00", "receipt_no": "R-2"}, HTTP_IDEMPOTENCY_KEY="pay-2")
    assert over.status_code == 400 and over.json()["code"] == "fee_over_standard"


def test_free_item_cannot_be_charged(item, applicant, clerk_a):
    from yiwang.cases import services
    from yiwang.core.errors import InvalidInput

    assert services.fee_quote(item) == 0
    case = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant)
    with pytest.raises(InvalidInput):
        services.payment_record(case=case, amount="10", receipt_no="R", actor=clerk_a, position=position_of(clerk_a))


def test_citizen_cannot_record_payment(county, applicant):
    from yiwang.cases import services
    from yiwang.core.errors import PermissionDenied

    charged = make_item(name="收费事项", department=county.civil_affairs, levels=["township"], fee="10")
    case = make_submitted_case(version=charged, applicant=applicant)
    with pytest.raises(PermissionDenied):
        services.payment_record(case=case, amount="10", receipt_no="R", actor=applicant, position=None)


def test_portal_apply_page_submit_and_retry(client, item, applicant, county):
    login(client, applicant)
    page = client.get(f"/cases/apply/{item.item.base_code}/")
    assert page.status_code == 200 and "营业执照" in page.content.decode()
    files = {f"material_{m.pk}": SimpleUploadedFile(f"{m.pk}.pdf", PDF_BYTES) for m in item.materials.all()}
    data = {"idempotency_key": "form-1", "division": county.village_a1.pk, "address": "东关村", "action": "submit",
            **files}
    response = client.post(f"/cases/apply/{item.item.base_code}/", data)
    assert response.status_code == 302
    files = {f"material_{m.pk}": SimpleUploadedFile(f"{m.pk}.pdf", PDF_BYTES) for m in item.materials.all()}
    retry = client.post(f"/cases/apply/{item.item.base_code}/", {**data, **files})
    assert retry.status_code == 302 and retry["Location"] == response["Location"]
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert client.get(f"/cases/mine/{case.pk}/").status_code == 200
    assert client.get("/cases/mine/").status_code == 200


def test_portal_apply_rejects_renamed_file(client, item, applicant, county):
    login(client, applicant)
    material = item.materials.first()
    data = {"idempotency_key": "form-2", "division": county.village_a1.pk, "action": "submit",
            f"material_{material.pk}": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")}
    response = client.post(f"/cases/apply/{item.item.base_code}/", data)
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_console_acceptance_desk_and_actions(client, item, applicant, clerk_a, clerk_b):
    case = make_submitted_case(version=item, applicant=applicant)
    login(client, clerk_a)
    desk = client.get("/cases/console/acceptance/")
    assert desk.status_code == 200 and case.number in desk.content.decode()
    assert client.get(f"/cases/console/cases/{case.pk}/").status_code == 200
    response = client.post(f"/cases/console/cases/{case.pk}/reject/", {"reason": ""})
    assert response.status_code == 400
    response = client.post(f"/cases/console/cases/{case.pk}/accept/", {"note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    client.logout()
    login(client, clerk_b)
    desk = client.get("/cases/console/acceptance/")
    assert case.number not in desk.content.decode()
    assert client.get(f"/cases/console/cases/{case.pk}/").status_code == 404


def test_agent_station_page(client, village_item, agent):
    case = make_submitted_case(version=village_item, channel="agent", filer=agent, received_on=date(2026, 3, 2))
    login(client, agent)
    page = client.get("/cases/console/filed/")
    assert page.status_code == 200 and case.number in page.content.decode()
    choose = client.get("/cases/console/file/")
    assert choose.status_code == 200 and village_item.name in choose.content.decode()
    form = client.get(f"/cases/console/file/?item={village_item.item.base_code}")
    assert form.status_code == 200 and "applicant_id_number" in form.content.decode()


def test_notice_download_and_supervision_page(client, item, applicant, other_applicant, clerk_a, supervisor):
    from yiwang.cases import services

    case = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant)
    notice = case.notices.get()
    login(client, applicant)
    response = client.get(f"/cases/notices/{notice.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    login(client, other_applicant)
    assert client.get(f"/cases/notices/{notice.pk}/download/").status_code == 404
    deemed = make_submitted_case(version=item, applicant=applicant, received_on=date(2026, 9, 29))
    services.cases_deem_accepted(today=date(2026, 10, 13))
    client.logout()
    login(client, supervisor)
    page = client.get("/cases/console/supervision/")
    assert page.status_code == 200 and deemed.number in page.content.decode()
    assert case.number not in page.content.decode()
