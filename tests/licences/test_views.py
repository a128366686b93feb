"""Public verification page, downloads and the staff registry, over the personas."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.licences.conftest import position_of
from yiwang.cases.models import CaseNotice, NoticeKind
from yiwang.core.models import AuditEvent
from yiwang.licences.models import Licence
from yiwang.licences.services import licence_issue
from yiwang.licences.signing import PAYLOAD_MARK, canonical_bytes, payload_extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(granted_case, approver):
    return licence_issue(case=granted_case, actor=approver, position=position_of(approver))


def _verify(client, licence, code=None):
    url = reverse("licences:verify", kwargs={"number": licence.number})
    return client.get(url, {"code": licence.verify_code if code is None else code})


def _pdf(licence) -> bytes:
    with licence.pdf.open("rb") as handle:
        return handle.read()


def test_qr_page_says_valid_then_tampered(client, licence):
    response = _verify(client, licence)
    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body and "已被篡改" not in body
    assert "王**" in body and "王秀英" not in body  # holder masked on the public page
    assert "莒南县行政审批服务局" in body and "食品经营许可" in body
    Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "valid_until": "2099-12-31"})
    body = _verify(client, licence).content.decode()
    assert "已被篡改" in body and "✔" not in body
    assert "2099" not in body and "食品经营许可证" not in body  # forged data is not echoed back


def test_qr_page_revoked_and_not_found(client, licence, dept_head):
    assert "不存在" in _verify(client, licence, code="nope").content.decode()
    login(client, dept_head)
    client.post(reverse("licences:revoke", kwargs={"number": licence.number}), {"reason": "停业"})
    client.logout()
    assert "已注销" in _verify(client, licence).content.decode()


def test_verify_home_lookup_form(client, licence):
    response = client.get(reverse("licences:verify_home"), {"number": licence.number, "code": licence.verify_code})
    assert "有效" in response.content.decode()
    assert 'for="verify-number"' in client.get(reverse("licences:verify_home")).content.decode()


def test_upload_original_and_modified_pdf(client, licence):
    url = reverse("licences:verify_home")
    pdf = _pdf(licence)
    body = client.post(url, {"file": SimpleUploadedFile("l.pdf", pdf, "application/pdf")}).content.decode()
    assert "有效" in body and "已被篡改" not in body
    payload = payload_extract(pdf)
    payload["data"]["holder"]["name"] = "李四"
    old = re.search(rb"YIWANG-SIGNED:[A-Za-z0-9+/=]+", pdf).group(0)
    forged = pdf.replace(old, (PAYLOAD_MARK + base64.b64encode(canonical_bytes(payload)).decode()).encode())
    body = client.post(url, {"file": SimpleUploadedFile("l.pdf", forged, "application/pdf")}).content.decode()
    assert "已被篡改" in body
    body = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")}).content.decode()
    assert "未在文件中找到电子证照数据" in body
    assert client.post(url, {}).status_code == 400


def test_licence_download_permissions(client, licence, applicant, other_citizen, clerk_b, approver):
    url = reverse("licences:pdf", kwargs={"number": licence.number})
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    login(client, other_citizen)
    assert client.get(url).status_code == 404
    login(client, clerk_b)
    assert client.get(url).status_code == 404
    login(client, applicant)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == _pdf(licence)
    assert not AuditEvent.objects.filter(action="licence.download").exists()
    login(client, approver)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="licence.download", actor_id=approver.pk).exists()


def test_notice_download_permissions(client, granted_case, applicant, other_citizen, clerk_b, approver):
    notice = CaseNotice.objects.create(case=granted_case, kind=NoticeKind.ACCEPT, number="莒审受〔2026〕1号",
                                       issued_at=timezone.now())
    url = reverse("licences:notice_pdf", kwargs={"notice_id": notice.pk})
    assert client.get(url).status_code == 302
    login(client, other_citizen)
    assert client.get(url).status_code == 404
    login(client, clerk_b)
    assert client.get(url).status_code == 404
    login(client, applicant)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert not AuditEvent.objects.filter(action="notice.download").exists()
    login(client, approver)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="notice.download", actor_id=approver.pk).exists()
    assert client.get(reverse("licences:notice_pdf", kwargs={"notice_id": 999999})).status_code == 404


def test_notice_download_by_filer(client, granted_case, clerk_b):
    granted_case.filed_by = clerk_b
    granted_case.save(update_fields=["filed_by"])
    notice = CaseNotice.objects.create(case=granted_case, kind=NoticeKind.GRANT, number="N-2",
                                       issued_at=timezone.now())
    login(client, clerk_b)
    assert client.get(reverse("licences:notice_pdf", kwargs={"notice_id": notice.pk})).status_code == 200


def test_my_licences_page(client, licence, applicant, other_citizen):
    login(client, applicant)
    assert licence.number in client.get(reverse("licences:mine")).content.decode()
    login(client, other_citizen)
    assert licence.number not in client.get(reverse("licences:mine")).content.decode()


def test_registry_lists_searches_and_revokes(client, licence, dept_head):
    login(client, dept_head)
    url = reverse("licences:registry")
    body = client.get(url).content.decode()
    assert licence.number in body and "确认注销" in body and 'for="reason-' in body
    assert licence.number not in client.get(url, {"q": "不存在的人"}).content.decode()
    assert licence.number in client.get(url, {"q": "王秀"}).content.decode()
    assert licence.number not in client.get(url, {"status": "revoked"}).content.decode()
    response = client.post(reverse("licences:revoke", kwargs={"number": licence.number}), {"reason": "申请注销"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == "revoked" and licence.revoke_reason == "申请注销"


def test_registry_forbidden_paths(client, licence, clerk_b, clerk_a, applicant):
    revoke = reverse("licences:revoke", kwargs={"number": licence.number})
    assert client.get(reverse("licences:registry")).status_code == 302  # anonymous → login
    login(client, applicant)
    assert client.get(reverse("licences:registry")).status_code == 403
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    login(client, clerk_b)  # another township: does not even see it
    assert licence.number not in client.get(reverse("licences:registry")).content.decode()
    assert client.post(revoke, {"reason": "x"}).status_code == 404
    assert Licence.objects.get(pk=licence.pk).status == "valid"
