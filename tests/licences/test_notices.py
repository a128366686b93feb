"""Written notices (文书): every kind renders a signed PDF from the case and its context."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.utils import timezone

from tests.licences.conftest import build_case
from yiwang.cases.models import CaseNotice, NoticeKind, SupplementNotice
from yiwang.licences.notices import _story, notice_attach_pdf, notice_canonical_data, notice_render
from yiwang.licences.signing import payload_extract, sign_data, signature_problem

pytestmark = pytest.mark.django_db

CONTEXTS = {
    NoticeKind.ACCEPT: {"due_date": "2026-12-20"},
    NoticeKind.SUPPLEMENT: {"items": [{"name": "营业执照", "problem": "复印件不清晰"},
                                      {"name": "食品安全管理制度", "problem": "缺少"}]},
    NoticeKind.REJECT: {"reason": "申请事项属于市级审批权限", "competent_agency": "临沂市行政审批服务局"},
    NoticeKind.NOT_LICENSING: {"reason": "属于备案事项"},
    NoticeKind.SPECIAL: {"procedure": "expert_review", "days": 15, "start": "2026-12-01", "reason": "技术复杂"},
    NoticeKind.EXTENSION: {"days": 10, "reason": "需现场核查", "new_due_date": "2027-01-15"},
    NoticeKind.GRANT: {},
    NoticeKind.DENY: {"reason": "经营场所与有毒、有害场所距离不足25米"},
}


def _notice(case, kind, context=None):
    return CaseNotice.objects.create(case=case, kind=kind, number=f"莒审〔2026〕{kind}-1号",
                                     context=CONTEXTS[kind] if context is None else context,
                                     issued_at=timezone.now())


def _text(notice) -> str:
    """The notice's visible text, from the flowables (the PDF stream is compressed glyph ids)."""
    from reportlab.platypus import Paragraph, Table

    parts = []
    for flowable in _story(notice, sign_data(notice_canonical_data(notice))):
        if isinstance(flowable, Paragraph):
            parts.append(flowable.text)
        elif isinstance(flowable, Table):
            parts += [cell.text for row in flowable._cellvalues for cell in row]
    return re.sub(r"<[^>]+>", "", "\n".join(parts))


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_renders_a_signed_pdf(granted_case, kind):
    notice = _notice(granted_case, kind)
    pdf = notice_render(notice)
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf)
    payload = payload_extract(pdf)
    assert payload["kind"] == "notice" and payload["data"]["kind"] == kind and payload["data"]["number"] == notice.number
    assert signature_problem(data=payload["data"], digest=payload["digest"], signature=payload["signature"],
                             public_key=payload["public_key"]) == ""
    text = _text(notice)
    assert str(kind.label) in text and notice.number in text and "莒南县行政审批服务局" in text
    assert "（电子印章）" in text or "电子印章" in text
    assert "王秀英：" in text


def test_texts_carry_the_legal_content(granted_case):
    supplement = _text(_notice(granted_case, NoticeKind.SUPPLEMENT))
    assert "营业执照" in supplement and "复印件不清晰" in supplement and "食品安全管理制度" in supplement
    assert "一次性告知" in supplement
    reject = _text(_notice(granted_case, NoticeKind.REJECT))
    assert "临沂市行政审批服务局" in reject and "六十日内向莒南县人民政府申请行政复议" in reject
    assert "六个月内" in reject and "行政诉讼" in reject
    special = _text(_notice(granted_case, NoticeKind.SPECIAL))
    assert "专家评审" in special and "15个工作日" in special and "第四十五条" in special and "不计算" in special
    extension = _text(_notice(granted_case, NoticeKind.EXTENSION))
    assert "延长10个工作日" in extension and "需现场核查" in extension and "第四十二条" in extension
    deny = _text(_notice(granted_case, NoticeKind.DENY))
    assert "25米" in deny and "行政复议" in deny and "六个月内" in deny
    grant = _text(_notice(granted_case, NoticeKind.GRANT))
    assert "准予" in grant and "食品经营许可证" in grant


def test_supplement_defaults_to_the_case_supplement_notice(granted_case, approver):
    SupplementNotice.objects.create(case=granted_case, items=[{"material_id": 1, "name": "健康证明",
                                                                "problem": "已过期"}],
                                    issued_by=approver, issued_at=timezone.now())
    text = _text(_notice(granted_case, NoticeKind.SUPPLEMENT, context={}))
    assert "健康证明" in text and "已过期" in text


def test_rare_character_applicant(food_version):
    case = build_case(food_version, name="李𠈌", number="RARE2")
    pdf = notice_render(_notice(case, NoticeKind.ACCEPT))
    assert re.search(rb"/BaseFont /[A-Z]{6}\+HanaMinB", pdf)


def test_attach_pdf_stores_file_and_checksum(granted_case):
    notice = _notice(granted_case, NoticeKind.ACCEPT)
    notice_attach_pdf(notice=notice)
    notice.refresh_from_db()
    with notice.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == notice.sha256


@pytest.mark.parametrize("kind", [NoticeKind.GRANT, NoticeKind.DENY, NoticeKind.REJECT, NoticeKind.NOT_LICENSING])
def test_a_reason_typed_with_its_own_full_stop_is_not_doubled(granted_case, kind):
    # given an officer who ends the reason (or the competent agency) with punctuation
    granted_case.decision_reason = "材料齐全，符合条件。"
    granted_case.save(update_fields=["decision_reason"])
    context = {} if kind == NoticeKind.GRANT else {"reason": "不符合条件。", "competent_agency": "临沂市行政审批服务局。"}
    # when the notice is written
    text = _text(_notice(granted_case, kind, context))
    # then no sentence ends twice
    assert "。。" not in text and "。）。" not in text and "。，" not in text
    assert "材料齐全，符合条件" in text or "不符合条件" in text


def test_accept_notice_lists_deferred_materials_with_their_promised_dates(granted_case):
    # given a case accepted against a written promise (容缺受理) for two materials
    context = {"due_date": "2026-12-20", "deferred": [{"name": "经营场所照片", "due_date": "2026-10-13"},
                                                      {"name": "健康证明", "due_date": "2026-10-15"}]}
    # when the 受理通知书 is written
    text = _text(_notice(granted_case, NoticeKind.ACCEPT, context))
    # then it says so, and lists each material with its promised date
    assert "容缺受理" in text and "书面承诺" in text and "申请材料齐全、符合法定形式。" not in text
    assert "经营场所照片" in text and "2026年10月13日" in text
    assert "健康证明" in text and "2026年10月15日" in text
    assert "不作出准予行政许可的决定" in text


def test_accept_notice_without_deferral_says_materials_are_complete(granted_case):
    text = _text(_notice(granted_case, NoticeKind.ACCEPT, {"due_date": "2026-12-20", "deferred": []}))
    assert "申请材料齐全、符合法定形式" in text and "容缺" not in text
