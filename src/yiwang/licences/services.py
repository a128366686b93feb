"""Licence actions: issue (制证), revoke (注销), verify (核验), and marking expired licences.

* :func:`licence_issue` is called by the case handling right after a grant decision (Art. 44: the
  licence is issued within 10 days of the decision). It is idempotent per case.
* A licence is never edited after issue; :func:`licence_revoke` is the only change (and
  :func:`licence_expire_due` marks lapsed ones). ``Licence.save`` refuses anything else too.
* :func:`licence_verify` (the QR page) checks the registry record; :func:`licence_verify_pdf` checks
  an uploaded PDF. Any mismatch between data, digest, signature and trusted key is ``tampered``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseStatus, Decision
from yiwang.core.audit import audit_record
from yiwang.core.crypto import constant_time_equal
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.masking import mask_name
from yiwang.licences.models import Licence, LicenceNumberSequence, LicenceStatus
from yiwang.licences.pdf import render_licence_pdf
from yiwang.licences.signing import payload_extract, sign_data, signature_problem
from yiwang.org.models import Department, Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm, scope_filter

DEFAULT_VALID_YEARS = 5
MAX_PDF_BYTES = 10 * 1024 * 1024
# Application-form fields copied onto the licence when present (form key → label).
FORM_CONTENT_FIELDS = {
    "business_name": "名称",
    "enterprise_name": "名称",
    "legal_representative": "法定代表人（负责人）",
    "address": "经营场所",
    "business_address": "经营场所",
    "business_scope": "经营范围",
    "scope": "经营项目",
    "project_name": "项目名称",
    "location": "建设位置",
    "scale": "建设规模",
}


class VerifyStatus:
    VALID = "valid"
    REVOKED = "revoked"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"


@dataclass
class VerifyResult:
    status: str
    licence: Licence | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VerifyStatus.VALID

    def public_dict(self) -> dict[str, Any]:
        """What the public may see: holder masked, no identifiers beyond the licence's own."""
        out: dict[str, Any] = {"status": self.status, "reason": self.reason}
        if self.licence is not None and self.status == VerifyStatus.TAMPERED:
            out["number"] = self.licence.number  # the rest of the data cannot be trusted
        elif self.licence is not None and self.status != VerifyStatus.NOT_FOUND:
            data = self.licence.data if isinstance(self.licence.data, dict) else {}
            holder = data.get("holder", {}) if isinstance(data.get("holder"), dict) else {}
            out.update({
                "number": self.licence.number,
                "title": data.get("title", self.licence.title),
                "holder_name_masked": mask_name(str(holder.get("name", self.licence.holder_name))),
                "item": (data.get("item") or {}).get("name", "") if isinstance(data.get("item"), dict) else "",
                "issuer": (data.get("issuer") or {}).get("name", "") if isinstance(data.get("issuer"), dict) else "",
                "issue_date": data.get("issue_date"),
                "valid_from": data.get("valid_from"),
                "valid_until": data.get("valid_until"),
                "revoked_at": self.licence.revoked_at.isoformat() if self.licence.revoked_at else None,
            })
        return out


# --- issue --------------------------------------------------------------------------------------


def _department_code(department: Department) -> str:
    code = department.code.upper()
    code = code[2:] if code.startswith("D-") else code
    return re.sub(r"[^A-Z0-9]", "", code)[:12] or "GOV"


def _next_number(department: Department, year: int) -> str:
    prefix = f"{getattr(settings, 'LICENCE_NUMBER_PREFIX', 'JN')}-{_department_code(department)}"
    LicenceNumberSequence.objects.get_or_create(prefix=prefix, year=year)
    seq = LicenceNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _clean_contents(case: Case, extra: dict[str, Any]) -> list[list[str]]:
    contents: list[list[str]] = []
    form = case.form_data if isinstance(case.form_data, dict) else {}
    seen: set[str] = set()
    for key, label in FORM_CONTENT_FIELDS.items():
        value = form.get(key)
        if isinstance(value, str | int) and str(value).strip() and label not in seen:
            contents.append([label, str(value).strip()[:500]])
            seen.add(label)
    raw = extra.get("contents", [])
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    if not isinstance(pairs, list | tuple):
        raise InvalidInput(_("证照内容格式不正确"), details={"fields": {"contents": _("应为键值对")}})
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InvalidInput(_("证照内容格式不正确"), details={"fields": {"contents": _("应为键值对")}})
        label, value = str(pair[0]).strip()[:50], str(pair[1]).strip()[:500]
        if label and value:
            contents = [c for c in contents if c[0] != label] + [[label, value]]
    return contents[:20]


def _case_in_scope(case: Case, position: Position) -> bool:
    return scope_filter(Case.objects.filter(pk=case.pk), position).exists()


def licence_issue(*, case: Case, actor: Any, position: Position | None, valid_years: int | None = None,
                  extra: dict[str, Any] | None = None) -> Licence:
    """Issue the electronic licence of a granted case (idempotent: a second call returns the first).

    ``valid_years``: ``None`` → 5 years, ``0`` → long-term (长期). ``extra`` may carry ``contents``
    (a dict or ``[[label, value], …]`` printed on the licence), ``title`` and ``holder_name``.
    """
    if not has_perm(position, Perm.LICENCE_ISSUE):
        raise PermissionDenied(_("当前岗位无权制发电子证照"), details={"required_permission": Perm.LICENCE_ISSUE})
    assert position is not None
    extra = dict(extra or {})
    if valid_years is not None and (not isinstance(valid_years, int) or not 0 <= valid_years <= 50):
        raise InvalidInput(_("有效期年限不正确"), details={"fields": {"valid_years": valid_years}})
    with transaction.atomic():
        locked = (Case.objects.select_for_update()
                  .select_related("version", "item", "department", "division").filter(pk=case.pk).first())
        if locked is None or not _case_in_scope(locked, position):
            raise PermissionDenied(_("该办件不在本岗位管辖范围内"), details={"case": case.pk})
        existing = Licence.objects.filter(case=locked).first()
        if existing is not None:
            return existing
        granted = locked.status == CaseStatus.GRANTED or (
            locked.status == CaseStatus.COMPLETED and locked.decision == Decision.GRANT)
        if not granted:
            raise Conflict(_("办件尚未作出准予许可决定，不能制发证照"),
                           details={"case": locked.number, "status": locked.status})
        version = locked.version
        now = timezone.now()
        today = timezone.localdate(now)
        years = DEFAULT_VALID_YEARS if valid_years is None else valid_years
        valid_until = _add_years(today, years) - timedelta(days=1) if years else None
        department = locked.department
        number = _next_number(department, today.year)
        holder_name = str(extra.get("holder_name") or locked.applicant_name).strip()[:200]
        title = str(extra.get("title") or version.result_name or version.name).strip()[:200]
        data: dict[str, Any] = {
            "schema": 1,
            "number": number,
            "type": version.licence_template or "",
            "title": title,
            "holder": {"name": holder_name, "id_masked": locked.applicant_id_masked,
                       "credit_code": locked.applicant_credit_code},
            "item": {"base_code": locked.item.base_code, "name": version.name,
                     "implementation_code": version.implementation_code, "version": version.number},
            "case_number": locked.number or "",
            "contents": _clean_contents(locked, extra),
            "issuer": {"name": department.name, "code": department.code},
            "issue_date": today.isoformat(),
            "valid_from": today.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        }
        signed = sign_data(data)
        licence = Licence(
            number=number, case=locked, item=locked.item, licence_type=version.licence_template or "", title=title,
            holder_user=locked.applicant_user, holder_name=holder_name,
            holder_id_masked=locked.applicant_id_masked, holder_credit_code=locked.applicant_credit_code,
            department=department, division=locked.division, data=data, data_digest=signed.digest,
            signature=signed.signature, public_key=signed.public_key, verify_code=secrets.token_urlsafe(9)[:12],
            issued_at=now, issued_by=actor if getattr(actor, "pk", None) else None, valid_from=today,
            valid_until=valid_until,
        )
        licence.save(force_insert=True)
        pdf_bytes = render_licence_pdf(licence)
        licence.pdf.save(f"{number}.pdf", ContentFile(pdf_bytes), save=False)
        licence.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        licence.save(update_fields=["pdf", "pdf_sha256"])
        audit_record(action="licence.issue", actor=actor, position=position, obj=licence,
                     after={"number": number, "case": locked.number, "digest": signed.digest,
                            "public_key": signed.public_key, "pdf_sha256": licence.pdf_sha256})
        _notify_holder(licence, "licence.issued")
    return licence


def _notify_holder(licence: Licence, template: str) -> None:
    """After commit: tell the holder (inbox + SMS); a holder without an account gets the SMS at the
    phone number recorded on the case (window or agent filings)."""
    from yiwang.notify.services import notify_person, notify_phone

    user_id, case_id = licence.holder_user_id, licence.case_id
    number, title, reason = licence.number, licence.title, licence.revoke_reason
    context = {"licence_no": number, "title": title, "reason": reason, "name": licence.holder_name}

    def send() -> None:
        from yiwang.accounts.models import User
        from yiwang.cases.personal_data import applicant_phone

        user = User.objects.filter(pk=user_id).first() if user_id else None
        if user is not None:
            notify_person(user=user, template=template, context={**context, "name": user.display_name},
                          dedupe_key=f"{template}:{number}")
            return
        case = Case.objects.filter(pk=case_id).first() if case_id else None
        if case is not None and case.applicant_phone_enc:
            notify_phone(phone=applicant_phone(case), template=template, context=context,
                         dedupe_key=f"{template}:{number}")

    transaction.on_commit(send, robust=True)


# --- revoke / expire ----------------------------------------------------------------------------


def licence_revoke(*, licence: Licence, reason: str, actor: Any, position: Position | None) -> Licence:
    """注销: only by LICENCE_REVOKE holders whose scope covers the issuing department."""
    reason = (reason or "").strip()
    if not has_perm(position, Perm.LICENCE_REVOKE):
        raise PermissionDenied(_("当前岗位无权注销电子证照"), details={"required_permission": Perm.LICENCE_REVOKE})
    if not reason:
        raise InvalidInput(_("请填写注销原因"), details={"fields": {"reason": _("此项必填")}})
    if len(reason) > 1000:
        raise InvalidInput(_("注销原因过长"), details={"fields": {"reason": _("最多 1000 字")}})
    with transaction.atomic():
        locked = scope_filter(Licence.objects.select_for_update().filter(pk=licence.pk), position).first()
        if locked is None:
            raise PermissionDenied(_("该证照不在本岗位管辖范围内"), details={"number": licence.number})
        if locked.status == LicenceStatus.REVOKED:
            raise Conflict(_("该证照已注销"), details={"number": locked.number})
        before = {"status": locked.status}
        locked.status = LicenceStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor if getattr(actor, "pk", None) else None
        locked.revoke_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        audit_record(action="licence.revoke", actor=actor, position=position, obj=locked, before=before,
                     after={"status": locked.status, "reason": reason})
        _notify_holder(locked, "licence.revoked")
    return locked


def licence_expire_due(*, today: date | None = None) -> int:
    """System action: mark valid licences past their ``valid_until`` as expired. Returns the count."""
    today = today or timezone.localdate()
    count = 0
    with transaction.atomic():
        for licence in Licence.objects.select_for_update().filter(status=LicenceStatus.VALID,
                                                                  valid_until__lt=today):
            licence.status = LicenceStatus.EXPIRED
            licence.save(update_fields=["status"])
            audit_record(action="licence.expire", obj=licence, before={"status": LicenceStatus.VALID},
                         after={"status": LicenceStatus.EXPIRED})
            count += 1
    return count


# --- verify -------------------------------------------------------------------------------------


def _record_problem(licence: Licence) -> str:
    """Why the stored record is not authentic, or ``""``."""
    data = licence.data
    if not isinstance(data, dict):
        return "data"
    problem = signature_problem(data=data, digest=licence.data_digest, signature=licence.signature,
                                public_key=licence.public_key)
    if problem:
        return problem
    raw_holder = data.get("holder")
    holder: dict[str, Any] = raw_holder if isinstance(raw_holder, dict) else {}
    if (data.get("number") != licence.number or holder.get("name") != licence.holder_name
            or data.get("valid_until") != (licence.valid_until.isoformat() if licence.valid_until else None)):
        return "columns"
    return ""


def _status_of(licence: Licence, today: date | None = None) -> str:
    if licence.status == LicenceStatus.REVOKED:
        return VerifyStatus.REVOKED
    today = today or timezone.localdate()
    if licence.status == LicenceStatus.EXPIRED or (licence.valid_until is not None and licence.valid_until < today):
        return VerifyStatus.EXPIRED
    return VerifyStatus.VALID


def licence_verify(*, number: str, code: str) -> VerifyResult:
    """Check the registry record behind a QR code: valid, revoked, expired, tampered or not found."""
    number, code = (number or "").strip()[:40], (code or "").strip()[:32]
    licence = Licence.objects.select_related("item", "department").filter(number=number).first() if number else None
    if licence is None or not code or not constant_time_equal(code, licence.verify_code):
        return VerifyResult(VerifyStatus.NOT_FOUND)
    problem = _record_problem(licence)
    if problem:
        return VerifyResult(VerifyStatus.TAMPERED, licence, problem)
    return VerifyResult(_status_of(licence), licence)


def licence_verify_pdf(file_bytes: bytes) -> VerifyResult:
    """Check an uploaded licence PDF: its embedded signed data, then the registry and the file itself."""
    if not file_bytes or len(file_bytes) > MAX_PDF_BYTES or not file_bytes.lstrip()[:5] == b"%PDF-":
        return VerifyResult(VerifyStatus.NOT_FOUND, reason="not_pdf")
    payload = payload_extract(file_bytes)
    if payload is None or payload.get("kind") != "licence":
        return VerifyResult(VerifyStatus.NOT_FOUND, reason="no_licence_data")
    data = payload["data"]
    problem = signature_problem(data=data, digest=str(payload.get("digest", "")),
                                signature=str(payload.get("signature", "")), public_key=str(payload.get("public_key", "")))
    number = str(data.get("number", ""))[:40]
    licence = Licence.objects.select_related("item", "department").filter(number=number).first() if number else None
    if problem:
        return VerifyResult(VerifyStatus.TAMPERED, licence, problem)
    if licence is None:
        return VerifyResult(VerifyStatus.NOT_FOUND, reason="not_registered")
    record_problem = _record_problem(licence)
    if record_problem:
        return VerifyResult(VerifyStatus.TAMPERED, licence, record_problem)
    if licence.data_digest != payload.get("digest"):
        return VerifyResult(VerifyStatus.TAMPERED, licence, "registry_mismatch")
    if licence.pdf_sha256 and hashlib.sha256(file_bytes).hexdigest() != licence.pdf_sha256:
        return VerifyResult(VerifyStatus.TAMPERED, licence, "file_changed")
    return VerifyResult(_status_of(licence), licence)
