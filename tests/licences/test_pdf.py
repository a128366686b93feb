"""The licence PDF: fonts, QR link, embedded signed data, and verification of uploaded copies."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.licences.conftest import build_case, position_of
from yiwang.licences.pdf import draw_qr, render_licence_pdf
from yiwang.licences.services import licence_issue, licence_verify_pdf
from yiwang.licences.signing import PAYLOAD_MARK, canonical_bytes, payload_extract

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(granted_case, approver):
    return licence_issue(case=granted_case, actor=approver, position=position_of(approver))


def _pdf(licence) -> bytes:
    with licence.pdf.open("rb") as handle:
        return handle.read()


def test_pdf_has_chinese_font_qr_link_and_signed_payload(licence, settings):
    pdf = _pdf(licence)
    assert pdf.startswith(b"%PDF-")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf)
    url = f"http://127.0.0.1:8000/licences/verify/{licence.number}/?code={licence.verify_code}"
    assert f"/URI ({url})".encode() in pdf
    payload = payload_extract(pdf)
    assert payload is not None and payload["kind"] == "licence"
    assert payload["data"] == licence.data
    assert (payload["digest"], payload["signature"], payload["public_key"]) == (
        licence.data_digest, licence.signature, licence.public_key)


def test_qr_is_drawn_and_site_url_setting_is_used(licence, settings):
    calls = []

    class FakeCanvas:
        def saveState(self): ...
        def restoreState(self): ...
        def setFillColor(self, colour): ...
        def rect(self, *args, **kwargs):
            calls.append(args)

    draw_qr(FakeCanvas(), "http://example.org/licences/verify/X/?code=abc", 0, 0, 100)
    assert len(calls) > 50  # background + runs of dark modules
    assert all(0 <= x <= 100 and 0 <= y <= 100 for x, y, *_ in calls)
    settings.SITE_URL = "https://zwfw.junan.gov.cn/"
    assert b"/URI (https://zwfw.junan.gov.cn/licences/verify/" in render_licence_pdf(licence)


def test_rendering_is_deterministic(licence):
    assert render_licence_pdf(licence) == render_licence_pdf(licence) == _pdf(licence)


def test_rare_characters_in_names_use_fallback_fonts(food_version, approver):
    case = build_case(food_version, name="王䶮𠈌", number="RARE1")
    licence = licence_issue(case=case, actor=approver, position=position_of(approver))
    pdf = _pdf(licence)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+HanaMinB", pdf)  # 𠈌 U+2020C is outside WQY
    assert licence.data["holder"]["name"] == "王䶮𠈌"
    assert licence_verify_pdf(pdf).status == "valid"


def test_uploaded_original_pdf_is_valid(licence):
    result = licence_verify_pdf(_pdf(licence))
    assert result.status == "valid" and result.licence == licence


def _replace_payload(pdf: bytes, change) -> bytes:
    payload = payload_extract(pdf)
    old = re.search(rb"YIWANG-SIGNED:[A-Za-z0-9+/=]+", pdf).group(0)
    change(payload)
    new = (PAYLOAD_MARK + base64.b64encode(canonical_bytes(payload)).decode()).encode()
    return pdf.replace(old, new)


def test_changed_pdf_data_is_tampered(licence):
    pdf = _pdf(licence)
    forged = _replace_payload(pdf, lambda p: p["data"].update(valid_until="2099-12-31"))
    assert json.loads(json.dumps(payload_extract(forged)["data"]))["valid_until"] == "2099-12-31"
    result = licence_verify_pdf(forged)
    assert (result.status, result.reason) == ("tampered", "digest")


def test_changed_pdf_with_recomputed_digest_is_tampered(licence):
    from yiwang.licences.signing import digest_of

    def change(p):
        p["data"]["holder"]["name"] = "李四"
        p["digest"] = digest_of(p["data"])

    result = licence_verify_pdf(_replace_payload(_pdf(licence), change))
    assert (result.status, result.reason) == ("tampered", "signature")


def test_changed_pdf_file_with_intact_data_is_tampered(licence):
    pdf = _pdf(licence)
    forged = pdf.replace(b"/Creator", b"/Creatox")  # any byte outside the signed payload
    assert forged != pdf
    result = licence_verify_pdf(forged)
    assert (result.status, result.reason) == ("tampered", "file_changed")


def test_revoked_licence_pdf_reports_revoked(licence, dept_head):
    from yiwang.licences.services import licence_revoke

    licence_revoke(licence=licence, reason="吊销", actor=dept_head, position=position_of(dept_head))
    assert licence_verify_pdf(_pdf(licence)).status == "revoked"


@pytest.mark.parametrize("blob", [b"", b"hello", b"%PDF-1.4\n%%EOF", b"%PDF-1.4 YIWANG-SIGNED:!!!!"])
def test_garbage_uploads_are_not_found(blob):
    assert licence_verify_pdf(blob).status == "not_found"
