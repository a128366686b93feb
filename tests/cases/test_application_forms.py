"""The application form: complete before submission, 免提交 not demanded, good uploads kept when one
is bad, and errors under the field's label (never ``material_42`` or ``id_number``)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import PDF_BYTES, make_item, make_submitted_case
from tests.conftest import login
from yiwang.cases.models import Case, CaseMaterial, CaseStatus

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page as read: tags dropped (a label is in <strong>)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def _internal_names(html: str) -> list[str]:
    return re.findall(r"(material_\d+|id_number|credit_code|contact_phone|note)：", html)


def test_empty_online_application_is_not_submitted(client, item, applicant, county):
    # given a citizen who submits the form with nothing in it
    login(client, applicant)
    response = client.post(f"/cases/apply/{item.item.base_code}/",
                           {"idempotency_key": "empty-1", "division": county.village_a1.pk, "action": "submit"})
    # then nothing is submitted, and each missing thing is named by its label
    assert response.status_code == 400
    html = _text(response)
    assert "通讯地址：此项必填" in html
    assert "营业执照：" in html and "经营场所证明：" in html
    assert _internal_names(html) == []
    assert not Case.objects.exclude(status=CaseStatus.DRAFT).exists()


def test_one_bad_upload_keeps_the_good_ones(client, item, applicant, county):
    login(client, applicant)
    licence = item.materials.get(name="营业执照")
    venue = item.materials.get(name="经营场所证明")
    data = {"idempotency_key": "mixed-1", "division": county.village_a1.pk, "address": "东关村 1 号",
            "action": "submit",
            f"material_{licence.pk}": SimpleUploadedFile("执照.pdf", PDF_BYTES),
            f"material_{venue.pk}": SimpleUploadedFile("场所.pdf", b"MZ\x90\x00 not a pdf")}
    response = client.post(f"/cases/apply/{item.item.base_code}/", data)
    assert response.status_code == 400
    html = _text(response)
    # the good file is kept in a draft and shown as uploaded; the bad one has a message under its name
    draft = Case.objects.get()
    assert draft.status == CaseStatus.DRAFT
    assert list(CaseMaterial.objects.filter(case=draft).values_list("material_id", flat=True)) == [licence.pk]
    assert "已上传：执照.pdf" in html
    assert "经营场所证明：" in html and _internal_names(html) == []
    assert f'action="/cases/drafts/{draft.pk}/"' in response.content.decode()
    # the person re-chooses only the bad file and submits from the draft
    again = client.post(f"/cases/drafts/{draft.pk}/", {"address": "东关村 1 号", "action": "submit",
                                                       f"material_{venue.pk}": SimpleUploadedFile("场所.pdf",
                                                                                                  PDF_BYTES)})
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.status == CaseStatus.SUBMITTED


def test_window_form_errors_use_labels(client, item, clerk_a):
    login(client, clerk_a)
    response = client.post(f"/cases/console/file/?item={item.item.base_code}",
                           {"idempotency_key": "w-1", "applicant_name": "王秀英", "applicant_id_number": "123",
                            "applicant_phone": "13800000000", "note": "x" * 1001, "action": "submit"})
    assert response.status_code == 400
    html = _text(response)
    assert "申请说明：不能超过 1000 个字符" in html and _internal_names(html) == []
    response = client.post(f"/cases/console/file/?item={item.item.base_code}",
                           {"idempotency_key": "w-2", "applicant_name": "王秀英", "applicant_id_number": "123",
                            "applicant_phone": "13800000000", "action": "submit"})
    html = _text(response)
    assert response.status_code == 400 and "身份证号：" in html and _internal_names(html) == []


def test_shared_material_is_exempt_online(client, county, applicant):
    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"],
                        materials=[{"name": "申请书", "required": True},
                                   {"name": "营业执照", "required": True, "can_share": True}])
    case = make_submitted_case(version=version, applicant=applicant, upload=["申请书"])
    assert case.status == CaseStatus.SUBMITTED
    login(client, applicant)
    page = client.get(f"/cases/apply/{version.item.base_code}/").content.decode()
    assert "免提交" in page


def test_console_accept_with_promise(client, county, clerk_a):
    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"],
                        extra_fields={"deferral_days": 5},
                        materials=[{"name": "申请书", "required": True},
                                   {"name": "经营场所照片", "required": True, "deferrable": True}])
    case = make_submitted_case(version=version, channel="window", filer=clerk_a, upload=["申请书"])
    login(client, clerk_a)
    page = client.get(f"/cases/console/cases/{case.pk}/").content.decode()
    assert "承诺书内容" in page and "经营场所照片" in page
    refused = client.post(f"/cases/console/cases/{case.pk}/accept/", {"note": ""})
    assert refused.status_code == 400 and "承诺书内容：" in _text(refused)
    accepted = client.post(f"/cases/console/cases/{case.pk}/accept/",
                           {"promise_text": "本人承诺 5 个工作日内补交经营场所照片", "promised_by": "庄大爷"})
    assert accepted.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.deferrals.get().promised_by == "庄大爷"
    page = client.get(f"/cases/console/cases/{case.pk}/").content.decode()
    assert "容缺受理承诺" in page and "补交前不能作出准予决定" in page


def test_second_supplement_from_the_desk_waits_for_the_supervisor(client, item, applicant, clerk_a, supervisor):
    from tests.cases.factories import pdf_upload, position_of
    from yiwang.cases import services
    from yiwang.cases.models import SupplementNotice, SupplementOverrideRequest

    case = make_submitted_case(version=item, applicant=applicant)
    first = item.materials.first()
    services.case_request_supplement(case=case, actor=clerk_a, position=position_of(clerk_a),
                                     items=[{"material_id": first.pk, "problem": "模糊"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    # when the clerk names the supervisor on a second notice
    login(client, clerk_a)
    response = client.post(f"/cases/console/cases/{case.pk}/supplement/", {
        f"need_{first.pk}": "on", f"problem_{first.pk}": "仍模糊", "override_reason": "原件有涂改",
        "override_position": position_of(supervisor).pk})
    assert response.status_code == 302
    # then no notice is issued: a request waits for the supervisor
    assert SupplementNotice.objects.filter(case=case).count() == 1
    pending = SupplementOverrideRequest.objects.get(case=case)
    assert pending.status == "pending"
    client.logout()
    login(client, supervisor)
    page = client.get("/cases/console/supervision/").content.decode()
    assert "待批准的再次补正申请" in page and case.number in page
    client.post(f"/cases/console/supervision/override-requests/{pending.pk}/", {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == supervisor
    assert SupplementNotice.objects.get(case=case, sequence=2).override_by == supervisor


def test_printable_acceptance_receipt_for_window_and_agent(client, item, village_item, clerk_a, clerk_b, agent,
                                                           applicant):
    window = make_submitted_case(version=item, channel="window", filer=clerk_a)
    login(client, clerk_a)
    filed = client.get("/cases/console/filed/").content.decode()
    assert f"/cases/console/receipts/{window.pk}/" in filed
    page = client.get(f"/cases/console/receipts/{window.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (window.number, window.query_code, "食品经营许可", "庄大爷", "营业执照", "经营场所证明", "<svg",
                 "承诺 10 个工作日办结", "收件窗口", "十字路街道", "/cases/query/"):
        assert text in html, text
    # another township's clerk cannot print it; nor can the applicant through the console
    client.logout()
    login(client, clerk_b)
    assert client.get(f"/cases/console/receipts/{window.pk}/").status_code == 404
    # an agent prints the receipt of the station's filing
    agent_case = make_submitted_case(version=village_item, channel="agent", filer=agent)
    client.logout()
    login(client, agent)
    html = client.get(f"/cases/console/receipts/{agent_case.pk}/").content.decode()
    assert agent_case.number in html and "代办员" in html and "大店村" in html
    # an online case has no window receipt
    online = make_submitted_case(version=item, applicant=applicant)
    client.logout()
    login(client, clerk_a)
    assert client.get(f"/cases/console/receipts/{online.pk}/").status_code == 404
