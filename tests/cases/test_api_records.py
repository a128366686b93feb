"""API access to the case's own records: the auto-completed 受理 step is audited, the applicant
sees the licence number and verification code, and an API key with ``cases:read`` reads a case."""

from __future__ import annotations

import pytest

from tests.cases.factories import make_accepted_case, make_submitted_case, position_of
from tests.conftest import login, make_position, make_user
from yiwang.cases.models import CaseStatus, CaseStep
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_auto_completed_accept_step_is_audited(item, applicant, clerk_a):
    # when the clerk accepts
    case = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant)
    # then the 受理 step completed by acceptance has its own audit event, by the clerk
    step = CaseStep.objects.get(case=case, step_kind="accept")
    event = AuditEvent.objects.get(action="case.step.auto_complete", object_id=str(step.pk))
    assert event.actor_id == clerk_a.pk


def test_applicant_api_gives_licence_number_and_verify_code(client, county, county_item, applicant):
    from yiwang.cases.models import Case
    from yiwang.licences.services import licence_issue

    # given a granted case with its licence issued
    clerk = make_user("bureau_clerk", real_name="窗口")
    make_position(clerk, "window_clerk", county.county, county.approval_bureau)
    approver = make_user("bureau_approver", real_name="审批")
    make_position(approver, "approver", county.county, county.approval_bureau)
    case = make_accepted_case(clerk=clerk, version=county_item, applicant=applicant)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.GRANTED, decision="grant")
    licence = licence_issue(case=Case.objects.get(pk=case.pk), actor=approver, position=position_of(approver))
    # when the applicant reads their case
    login(client, applicant)
    body = client.get(f"/api/v1/cases/mine/{case.pk}").json()
    # then the licence number and verification code are there, and they verify
    assert body["licence"]["number"] == licence.number
    assert body["licence"]["verify_code"] == licence.verify_code
    client.logout()
    verified = client.get("/api/v1/licences/verify", {"number": body["licence"]["number"],
                                                      "code": body["licence"]["verify_code"]}).json()
    assert verified["status"] == "valid"


def test_case_without_licence_has_none(client, item, applicant):
    case = make_submitted_case(version=item, applicant=applicant)
    login(client, applicant)
    assert client.get(f"/api/v1/cases/mine/{case.pk}").json()["licence"] is None


def test_api_key_with_cases_read_reads_staff_case_detail(client, item, applicant):
    from yiwang.api.services import api_key_create

    case = make_submitted_case(version=item, applicant=applicant)
    _key, raw = api_key_create(name="数据共享", scopes=["cases:read"])
    response = client.get(f"/api/v1/cases/staff/{case.pk}", HTTP_X_API_KEY=raw)
    assert response.status_code == 200, response.content
    assert response.json()["number"] == case.number
    assert AuditEvent.objects.filter(action="case.api_read", object_id=str(case.pk)).count() == 1


def test_api_key_without_cases_read_is_refused(client, item, applicant):
    from yiwang.api.services import api_key_create

    case = make_submitted_case(version=item, applicant=applicant)
    _key, raw = api_key_create(name="目录", scopes=["catalog:read"])
    response = client.get(f"/api/v1/cases/staff/{case.pk}", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    # and a key still cannot act
    _key, raw = api_key_create(name="读写", scopes=["cases:read", "cases:write"])
    accept = client.post(f"/api/v1/cases/{case.pk}/accept", data="{}", content_type="application/json",
                         HTTP_X_API_KEY=raw)
    assert accept.status_code == 403


def test_api_second_supplement_naming_supervisor_only_files_a_request(client, item, applicant, clerk_a, supervisor):
    import json

    from tests.cases.factories import pdf_upload
    from yiwang.cases import services
    from yiwang.cases.models import SupplementNotice, SupplementOverrideRequest

    case = make_submitted_case(version=item, applicant=applicant)
    first = item.materials.first()
    services.case_request_supplement(case=case, actor=clerk_a, position=position_of(clerk_a),
                                     items=[{"material_id": first.pk, "problem": "模糊"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    login(client, clerk_a)
    response = client.post(f"/api/v1/cases/{case.pk}/supplement", content_type="application/json", data=json.dumps({
        "items": [{"material_id": first.pk, "problem": "仍模糊"}], "override_reason": "原件有涂改",
        "override_position_id": position_of(supervisor).pk}))
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "submitted"
    assert SupplementNotice.objects.filter(case=case).count() == 1
    assert SupplementOverrideRequest.objects.get(case=case).status == "pending"
