"""办件 API (``/api/v1/cases/…``): applying, uploads, my cases, the public status query and the
acceptance actions (行政许可法 Art. 32) for staff; handling lives in :mod:`yiwang.cases.api_handling`.

* Applying and uploads need a signed-in person (session); a retried ``POST /apply`` with the same
  ``Idempotency-Key`` header returns the same case (200 instead of 201), never a second one.
* ``GET /status?number=&code=`` is public: status, public timeline and remaining working days,
  with the applicant's name masked; a wrong number or code gets one generic 404.
* Staff actions take ``[ApiKeyAuth(), SessionAuth()]``; an API key may read a case
  (``GET /staff/{id}`` with ``cases:read``, audited) but acceptance decisions are taken by a person
  in a position (session; an API key gets 403).
* The applicant's own case (``GET /mine/{id}``) carries its licence number and verification code.

Every error is ``{code, message, details}``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of, require_access
from yiwang.api.schemas import ErrorOut
from yiwang.cases import selectors, services, status_query
from yiwang.cases.api_handling import router as handling_router
from yiwang.cases.fees import fee_lines
from yiwang.cases.models import Case
from yiwang.cases.overrides import supplement_override_request
from yiwang.catalog.models import ServiceItem
from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Division, Position
from yiwang.org.roles import Perm

router = Router(tags=["cases 办件"])
AUTH = [ApiKeyAuth(), SessionAuth()]
PERSON_AUTH = [SessionAuth()]


class FeeLineOut(Schema):
    name: str
    amount: Decimal
    unit: str
    basis: str


class FeeQuoteOut(Schema):
    base_code: str
    is_charged: bool
    total: Decimal
    items: list[FeeLineOut]


class ApplicantIn(Schema):
    kind: str = "person"
    name: str = ""
    id_number: str = ""
    phone: str = ""
    credit_code: str = ""


class ApplyIn(Schema):
    base_code: str
    channel: str = "online"
    division_code: str | None = None
    applicant: ApplicantIn | None = None
    form_data: dict[str, Any] = {}
    submit: bool = False


class EventOut(Schema):
    at: datetime
    title: str
    detail: str


class CaseMaterialOut(Schema):
    id: int
    material_id: int | None
    name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CaseNoticeOut(Schema):
    id: int
    kind: str
    number: str
    issued_at: datetime
    has_file: bool


class SupplementOut(Schema):
    id: int
    sequence: int
    items: list[dict[str, Any]]
    outstanding: list[str]
    flagged: bool


class CaseClockOut(Schema):
    purpose: str
    due_date: date | None
    remaining: int | None
    status: str
    stopped: bool
    paused: bool


class CaseOut(Schema):
    id: int
    number: str | None
    query_code: str
    item: str
    base_code: str
    status: str
    status_label: str
    channel: str
    applicant: str
    department: str
    division: str
    handling_level: str
    submitted_at: datetime | None
    materials_received_on: date | None
    accepted_at: datetime | None
    deemed_accepted: bool
    fee_due: Decimal
    fee_paid: Decimal


class CaseLicenceOut(Schema):
    """The licence issued on the case: its number and verification code (核验码), for the holder to
    verify at ``/api/v1/licences/verify``."""

    number: str
    verify_code: str
    title: str
    status: str
    valid_until: date | None


class CaseDetailOut(CaseOut):
    licence: CaseLicenceOut | None = None
    form_data: dict[str, Any]
    timeline: list[EventOut]
    materials: list[CaseMaterialOut]
    notices: list[CaseNoticeOut]
    clock: CaseClockOut | None
    supplement: SupplementOut | None
    missing_materials: list[str]


class StatusOut(Schema):
    number: str
    item: str
    applicant: str
    status: str
    status_label: str
    department: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    deemed_accepted: bool
    due_date: date | None
    remaining_workdays: int | None
    clock_status: str
    timeline: list[EventOut]


class CaseReasonIn(Schema):
    reason: str
    outside_competence: bool = False
    competent_agency: str = ""


class AcceptIn(Schema):
    note: str = ""
    promise_text: str = ""  # 容缺受理: the applicant's written promise (承诺书)
    promised_by: str = ""


class SupplementItemIn(Schema):
    material_id: int | None = None
    name: str = ""
    problem: str = ""


class SupplementIn(Schema):
    items: list[SupplementItemIn]
    override_position_id: int | None = None
    override_reason: str = ""


class CorrectIn(Schema):
    corrections: dict[str, str]
    note: str = ""


class PaymentIn(Schema):
    amount: Decimal
    receipt_no: str
    backend: str = "offline"


class PaymentOut(Schema):
    id: int
    case_id: int
    amount: Decimal
    backend: str
    receipt_no: str
    recorded_at: datetime
    fee_due: Decimal
    fee_paid: Decimal


# --- helpers ---------------------------------------------------------------------------------

def _person(request: HttpRequest) -> Any:
    if api_key_of(request) is not None:
        raise PermissionDenied(_("此操作须由本人登录后办理，不能使用 API 密钥"), code="session_required")
    return request.user


def _staff(request: HttpRequest, perm: str, scope: str = "cases:write") -> tuple[Any, Position]:
    require_access(request, scope=scope, perm=perm)
    user = _person(request)
    position = getattr(request, "position", None)
    if position is None:
        raise PermissionDenied(_("没有可用的工作岗位"))
    return user, position


def _version(base_code: str) -> Any:
    item = ServiceItem.objects.filter(base_code=(base_code or "").strip().upper(), is_active=True).select_related(
        "published_version").first()
    if item is None or item.published_version is None:
        raise NotFound(_("事项不存在或未发布"))
    return item.published_version


def _division(code: str | None) -> Division | None:
    if not code:
        return None
    division = Division.objects.filter(code=code.strip(), valid_to__isnull=True).first()
    if division is None:
        raise InvalidInput(_("办理地点不存在"), details={"fields": {"division_code": code}})
    return division


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk, "number": case.number, "query_code": case.query_code, "item": case.version.name,
        "base_code": case.item.base_code, "status": case.status, "status_label": str(case.get_status_display()),
        "channel": case.channel, "applicant": case.applicant_name, "department": case.department.name,
        "division": case.division.name, "handling_level": case.handling_level, "submitted_at": case.submitted_at,
        "materials_received_on": case.materials_received_on, "accepted_at": case.accepted_at,
        "deemed_accepted": case.deemed_accepted, "fee_due": case.fee_due, "fee_paid": case.fee_paid,
    }


def case_detail_out(case: Case) -> dict[str, Any]:
    from yiwang.cases.acceptance import supplement_outstanding
    from yiwang.cases.application import missing_materials

    clock = selectors.main_clock(case)
    notice = selectors.case_open_supplement(case)
    return {
        **case_out(case),
        "form_data": {k: v for k, v in case.form_data.items() if k != "corrections"},
        "timeline": [{"at": e.at, "title": e.title, "detail": e.detail} for e in selectors.case_timeline(case)],
        "materials": [{"id": m.pk, "material_id": m.material_id, "name": m.name, "original_name": m.original_name,
                       "content_type": m.content_type, "size": m.size, "sha256": m.sha256,
                       "uploaded_at": m.uploaded_at} for m in selectors.case_materials(case)],
        "notices": [{"id": n.pk, "kind": n.kind, "number": n.number, "issued_at": n.issued_at,
                     "has_file": bool(n.file)} for n in selectors.case_notices(case)],
        "clock": clock.__dict__ if clock else None,
        "supplement": {"id": notice.pk, "sequence": notice.sequence, "items": notice.items,
                       "outstanding": [i["key"] for i in supplement_outstanding(notice)], "flagged": notice.flagged}
        if notice else None,
        "missing_materials": [m.name for m in missing_materials(case)],
        "licence": _licence_out(case),
    }


def _licence_out(case: Case) -> dict[str, Any] | None:
    from yiwang.licences.models import Licence

    licence = Licence.objects.filter(case=case).first()
    if licence is None:
        return None
    return {"number": licence.number, "verify_code": licence.verify_code, "title": licence.title,
            "status": licence.status, "valid_until": licence.valid_until}


# --- public ------------------------------------------------------------------------------------

@router.get("/fee-quote/{base_code}", response={200: FeeQuoteOut, 404: ErrorOut}, auth=None,
            summary="收费标准（一费制）")
def fee_quote(request: HttpRequest, base_code: str) -> dict[str, Any]:
    version = _version(base_code)
    return {"base_code": version.item.base_code, "is_charged": version.is_charged,
            "total": services.fee_quote(version), "items": fee_lines(version)}


@router.get("/status", response={200: StatusOut, 404: ErrorOut, 429: ErrorOut}, auth=None,
            summary="办件查询（办件编号 + 查询码，无需登录）")
def status(request: HttpRequest, number: str = "", code: str = "") -> dict[str, Any]:
    client = getattr(request, "ip", None) or request.META.get("REMOTE_ADDR", "")
    return status_query.case_status_lookup(number=number, code=code, client=f"api:{client}")


# --- applicants ----------------------------------------------------------------------------------

@router.post("/apply", auth=PERSON_AUTH, response={200: CaseOut, 201: CaseOut, 400: ErrorOut, 403: ErrorOut,
                                                  404: ErrorOut, 409: ErrorOut},
             summary="申请（草稿或提交；Idempotency-Key 头防止重复提交）")
def apply(request: HttpRequest, payload: ApplyIn) -> Any:
    user = _person(request)
    version = _version(payload.base_code)
    position = getattr(request, "position", None) if payload.channel != "online" else None
    case, created = services.case_apply(
        version=version, actor=user, position=position, channel=payload.channel,
        applicant=payload.applicant.dict() if payload.applicant else None, form_data=payload.form_data,
        division=_division(payload.division_code), files=None,
        idempotency_key=request.headers.get("Idempotency-Key", ""), submit=payload.submit)
    return Status(201 if created else 200, case_out(case))


def _draft_or_case(user: Any, case_id: int) -> Case:
    try:
        return selectors.draft_get_for_owner(user=user, pk=case_id)
    except NotFound:
        return selectors.case_get_for_applicant(user=user, pk=case_id)


@router.post("/{case_id}/materials", auth=PERSON_AUTH, response={201: CaseMaterialOut, 400: ErrorOut, 404: ErrorOut,
                                                                  409: ErrorOut},
             summary="上传申请材料（草稿）")
def upload_material(request: HttpRequest, case_id: int, material_id: Form[int],
                    file: File[UploadedFile]) -> Any:
    user = _person(request)
    case = selectors.draft_get_for_owner(user=user, pk=case_id)
    row = services.case_material_upload(case=case, material_id=material_id, upload=file, actor=user,
                                        position=getattr(request, "position", None))
    return Status(201, {"id": row.pk, "material_id": row.material_id, "name": row.name,
                        "original_name": row.original_name, "content_type": row.content_type, "size": row.size,
                        "sha256": row.sha256, "uploaded_at": row.uploaded_at})


@router.post("/{case_id}/submit", auth=PERSON_AUTH, response={200: CaseOut, 400: ErrorOut, 404: ErrorOut,
                                                               409: ErrorOut},
             summary="提交草稿（重复提交返回同一办件）")
def submit(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = _person(request)
    case = _draft_or_case(user, case_id)
    return case_out(services.case_submit(case=case, actor=user, position=getattr(request, "position", None)))


@router.get("/mine", auth=PERSON_AUTH, response=list[CaseOut], summary="我的办件")
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [case_out(c) for c in selectors.case_list_for_applicant(user=_person(request))[:200]]


@router.get("/mine/{case_id}", auth=PERSON_AUTH, response={200: CaseDetailOut, 404: ErrorOut},
            summary="我的办件详情")
def mine_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_detail_out(selectors.case_get_for_applicant(user=_person(request), pk=case_id))


@router.post("/mine/{case_id}/supplement", auth=PERSON_AUTH,
             response={201: CaseMaterialOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="上传补正材料")
def supplement_upload(request: HttpRequest, case_id: int, item_key: Form[str], file: File[UploadedFile]) -> Any:
    user = _person(request)
    case = selectors.case_get_for_applicant(user=user, pk=case_id)
    row = services.case_supplement_upload(case=case, item_key=item_key, upload=file, actor=user)
    return Status(201, {"id": row.pk, "material_id": row.material_id, "name": row.name,
                        "original_name": row.original_name, "content_type": row.content_type, "size": row.size,
                        "sha256": row.sha256, "uploaded_at": row.uploaded_at})


# --- staff -------------------------------------------------------------------------------------------

@router.get("/acceptance", auth=AUTH, response={200: list[CaseOut], 403: ErrorOut}, summary="待受理办件（受理台）")
def acceptance_list(request: HttpRequest) -> list[dict[str, Any]]:
    require_access(request, scope="cases:read", perm=Perm.CASE_ACCEPT)
    position = getattr(request, "position", None)
    if api_key_of(request) is not None:
        raise PermissionDenied(_("受理台按岗位范围显示，请使用工作人员会话"), code="session_required")
    return [case_out(c) for c in selectors.case_list_for_acceptance(position=position)[:500]]


@router.get("/staff/{case_id}", auth=AUTH, response={200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut},
            summary="办件详情（工作人员）")
def staff_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """A staff session sees cases in its position's scope; an API key with ``cases:read`` (a platform
    integration, not a person) reads any submitted case, and each read is audited."""
    key = api_key_of(request)
    if key is not None:
        require_access(request, scope="cases:read")
        case = selectors.case_get_for_api_key(key=key, pk=case_id)
        audit_record(action="case.api_read", obj=case, after={"api_key": key.prefix, "api_key_name": key.name})
        return case_detail_out(case)
    _user, position = _staff(request, Perm.CASE_VIEW, scope="cases:read")
    return case_detail_out(selectors.case_get_for_staff(position=position, pk=case_id))


@router.get("/deemed-accepted", auth=AUTH, response={200: list[CaseOut], 403: ErrorOut},
            summary="视为受理的办件（效能监察）")
def deemed(request: HttpRequest) -> list[dict[str, Any]]:
    _user, position = _staff(request, Perm.CASE_VIEW, scope="cases:read")
    return [case_out(c) for c in selectors.cases_deemed_accepted(position=position)[:500]]


def _for_acceptance(position: Position, case_id: int) -> Case:
    case = selectors.case_list_for_staff(position=position).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("办件不存在或不在本岗位范围内"))
    return case


ACTION_RESPONSES = {200: CaseOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post("/{case_id}/accept", auth=AUTH, response=ACTION_RESPONSES, summary="受理（出具受理通知书）")
def accept(request: HttpRequest, case_id: int, payload: AcceptIn) -> dict[str, Any]:
    user, position = _staff(request, Perm.CASE_ACCEPT)
    case = _for_acceptance(position, case_id)
    promise = ({"text": payload.promise_text, "promised_by": payload.promised_by}
               if payload.promise_text.strip() else None)
    return case_out(services.case_accept(case=case, actor=user, position=position, note=payload.note,
                                         promise=promise))


@router.post("/{case_id}/reject", auth=AUTH, response=ACTION_RESPONSES, summary="不予受理（出具不予受理决定书）")
def reject(request: HttpRequest, case_id: int, payload: CaseReasonIn) -> dict[str, Any]:
    user, position = _staff(request, Perm.CASE_ACCEPT)
    case = _for_acceptance(position, case_id)
    return case_out(services.case_reject(case=case, actor=user, position=position, reason=payload.reason,
                                         outside_competence=payload.outside_competence,
                                         competent_agency=payload.competent_agency))


@router.post("/{case_id}/not-licensing", auth=AUTH, response=ACTION_RESPONSES, summary="不属于许可事项（即时告知）")
def not_licensing(request: HttpRequest, case_id: int, payload: CaseReasonIn) -> dict[str, Any]:
    user, position = _staff(request, Perm.CASE_ACCEPT)
    case = _for_acceptance(position, case_id)
    return case_out(services.case_not_licensing(case=case, actor=user, position=position, reason=payload.reason,
                                                competent_agency=payload.competent_agency))


@router.post("/{case_id}/correct", auth=AUTH, response=ACTION_RESPONSES, summary="当场更正")
def correct(request: HttpRequest, case_id: int, payload: CorrectIn) -> dict[str, Any]:
    user, position = _staff(request, Perm.CASE_ACCEPT)
    case = _for_acceptance(position, case_id)
    return case_out(services.case_correct_on_spot(case=case, actor=user, position=position,
                                                  corrections=payload.corrections, note=payload.note))


@router.post("/{case_id}/supplement", auth=AUTH, response={**ACTION_RESPONSES, 202: CaseOut},
             summary="一次性告知补正材料（再次补正：提交申请，待监督人员本人批准）")
def supplement(request: HttpRequest, case_id: int, payload: SupplementIn) -> Any:
    require_access(request, scope="cases:write")
    user = _person(request)
    position = getattr(request, "position", None)
    if position is None:
        raise PermissionDenied(_("没有可用的工作岗位"))
    case = _for_acceptance(position, case_id)
    asked = None
    if payload.override_position_id:
        asked = Position.objects.filter(pk=payload.override_position_id, is_active=True).select_related(
            "division").first()
        if asked is None:
            raise InvalidInput(_("批准人岗位不存在"), details={"fields": {"override_position_id": _("不存在")}})
    items = [i.dict() for i in payload.items]
    if case.supplement_notices.exists():
        # A second notice: filed as a request that waits for the supervisor's own approval.
        supplement_override_request(case=case, actor=user, position=position, items=items,
                                    reason=payload.override_reason, asked=asked)
        return Status(202, case_out(case))
    services.case_request_supplement(case=case, actor=user, position=position, items=items)
    case.refresh_from_db()
    return case_out(case)


@router.post("/{case_id}/payments", auth=AUTH,
             response={200: PaymentOut, 201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="登记收费（窗口线下收费；Idempotency-Key 头）")
def payment(request: HttpRequest, case_id: int, payload: PaymentIn) -> Any:
    user, position = _staff(request, Perm.PAYMENT_RECORD)
    case = _for_acceptance(position, case_id)
    key = request.headers.get("Idempotency-Key", "")
    before = case.payments.count()
    row = services.payment_record(case=case, amount=payload.amount, receipt_no=payload.receipt_no, actor=user,
                                  position=position, idempotency_key=key, backend=payload.backend)
    case.refresh_from_db()
    out = {"id": row.pk, "case_id": case.pk, "amount": row.amount, "backend": row.backend,
           "receipt_no": row.receipt_no, "recorded_at": row.recorded_at, "fee_due": case.fee_due,
           "fee_paid": case.fee_paid}
    return Status(201 if case.payments.count() > before else 200, out)


router.add_router("", handling_router)
