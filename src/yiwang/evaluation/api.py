"""好差评 API at ``/api/v1/ratings/``.

* public: the invitation behind a rating link, submitting a rating with the link's token,
  rating a window/department/hall/the platform, and the public summary per department;
* staff (session, two-factor): ratings in scope, rectifications (callback, completion),
  appeals (filing, review), and window sessions for the evaluator device.

Errors are ``{code, message, details}``; domain errors become 4xx in ``api.main``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from yiwang.api.auth import SessionAuth
from yiwang.api.schemas import ErrorOut
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.pagination import PageQuery
from yiwang.evaluation import selectors, services
from yiwang.evaluation.models import Appeal, Rating, Rectification, WindowSession
from yiwang.org.models import Window

router = Router()
STAFF = [SessionAuth()]


class RatingIn(Schema):
    token: str
    grade: int
    reasons: list[str] = []
    comment: str = ""


class PublicRatingIn(Schema):
    target_kind: str
    target_id: int | None = None
    grade: int
    reasons: list[str] = []
    comment: str = ""
    platform_channel: str = ""


class RatingOut(Schema):
    id: int
    target_kind: str
    channel: str
    grade: int
    reasons: list[str]
    comment: str
    status: str
    department_id: int | None
    window_id: int | None
    staff_id: int | None
    case_id: int | None
    rater_name_masked: str
    named: bool
    created_at: datetime
    rectification_id: int | None = None


class InvitationOut(Schema):
    case_number: str
    item: str
    department: str
    expires_at: datetime


class RectificationOut(Schema):
    id: int
    rating_id: int
    department_id: int | None
    status: str
    callback_required: bool
    callback_verified: bool | None
    callback_at: datetime | None
    due_date: date
    done_on: date | None
    plan: str
    result: str
    feedback_sent_at: datetime | None


class RectificationCallbackIn(Schema):
    verified: bool
    note: str


class RectificationCompleteIn(Schema):
    plan: str
    result: str


class AppealIn(Schema):
    reason: str
    evidence: str = ""


class AppealOut(Schema):
    id: int
    rating_id: int
    department_id: int | None
    reason: str
    evidence: str
    status: str
    review_note: str
    filed_at: datetime
    reviewed_at: datetime | None


class AppealReviewIn(Schema):
    uphold: bool
    note: str


class SessionIn(Schema):
    window_id: int
    service: str = ""
    ticket: str = ""


class SessionOut(Schema):
    id: int
    window_id: int
    staff_id: int
    service: str
    ticket: str
    started_at: datetime
    finished_at: datetime | None
    rated: bool


class RangeQuery(Schema):
    start: date | None = None
    end: date | None = None


class RatingListQuery(PageQuery):
    bad: bool = False
    status: str | None = None


def rating_out(r: Rating) -> dict[str, Any]:
    rect = getattr(r, "rectification", None) if r.is_bad else None
    return {
        "id": r.pk, "target_kind": r.target_kind, "channel": r.channel, "grade": r.grade, "reasons": r.reasons,
        "comment": r.comment, "status": r.status, "department_id": r.department_id, "window_id": r.window_id,
        "staff_id": r.staff_id, "case_id": r.case_id, "rater_name_masked": r.rater_name_masked, "named": r.named,
        "created_at": r.created_at, "rectification_id": rect.pk if rect else None,
    }


def _range(q: RangeQuery) -> tuple[date, date]:
    today = timezone.localdate()
    start, end = q.start or today.replace(day=1), q.end or today
    if end < start:
        raise InvalidInput(_("结束日期不能早于开始日期"), details={"field": "end"})
    if end - start > timedelta(days=366):
        raise InvalidInput(_("统计区间不能超过一年"), details={"field": "start"})
    return start, end


# --- public ----------------------------------------------------------------------------------------


@router.get("/invitations/{token}", response=InvitationOut, auth=None)
def invitation(request: HttpRequest, token: str) -> dict[str, Any]:
    """评价邀请详情。"""
    inv = services.invitation_get(token=token)
    return {"case_number": inv.case.number or "", "item": inv.case.version.name,
            "department": inv.case.department.name, "expires_at": inv.expires_at}


@router.post("/submit", response={201: RatingOut}, auth=None)
def submit(request: HttpRequest, payload: RatingIn) -> Any:
    """提交评价。"""
    rating = services.rating_submit_online(token=payload.token, grade=payload.grade, reasons=payload.reasons,
                                           comment=payload.comment)
    return Status(201, rating_out(rating))


@router.post("/public", response={201: RatingOut}, auth=None)
def rate_public(request: HttpRequest, payload: PublicRatingIn) -> Any:
    """公众评价（无需办件）。"""
    user = request.user if request.user.is_authenticated else None
    rating = services.rating_submit_public(
        target_kind=payload.target_kind, target_id=payload.target_id, grade=payload.grade, reasons=payload.reasons,
        comment=payload.comment, rater=user, platform_channel=payload.platform_channel)
    return Status(201, rating_out(rating))


@router.get("/public/summary", auth=None)
def public_summary(request: HttpRequest, q: Query[RangeQuery]) -> dict[str, Any]:
    """好差评公示统计。"""
    start, end = _range(q)
    return {"start": start, "end": end, "departments": selectors.public_summary(start, end)}


# --- staff -----------------------------------------------------------------------------------------


@router.get("/", response=list[RatingOut], auth=STAFF)
def rating_list(request: HttpRequest, q: Query[RatingListQuery]) -> list[dict[str, Any]]:
    """评价列表。"""
    qs = selectors.rating_list_for_position(position=request.position, bad_only=q.bad)  # type: ignore[attr-defined]
    if q.status:
        qs = qs.filter(status=q.status)
    return [rating_out(r) for r in q.window(qs.select_related("rectification"))]


@router.get("/rectifications", response=list[RectificationOut], auth=STAFF)
def rectification_list(request: HttpRequest, q: Query[RatingListQuery]) -> Any:
    """差评整改列表。"""
    qs = selectors.rectification_list_for_position(position=request.position,  # type: ignore[attr-defined]
                                                   status=q.status)
    return list(q.window(qs))


def _rect(request: HttpRequest, pk: int) -> Rectification:
    return selectors.rectification_get_for_position(position=request.position, pk=pk)  # type: ignore[attr-defined]


@router.post("/rectifications/{pk}/callback", response=RectificationOut, auth=STAFF)
def rectification_callback(request: HttpRequest, pk: int, payload: RectificationCallbackIn) -> Any:
    """差评整改回访核实。"""
    return services.rectification_callback(rectification=_rect(request, pk), actor=request.user,
                                           position=request.position,  # type: ignore[attr-defined]
                                           verified=payload.verified, note=payload.note)


@router.post("/rectifications/{pk}/complete", response=RectificationOut, auth=STAFF)
def rectification_complete(request: HttpRequest, pk: int, payload: RectificationCompleteIn) -> Any:
    """差评整改办结。"""
    return services.rectification_complete(rectification=_rect(request, pk), actor=request.user,
                                           position=request.position,  # type: ignore[attr-defined]
                                           plan=payload.plan, result=payload.result)


@router.post("/{rating_id}/appeal", response={201: AppealOut}, auth=STAFF)
def appeal_file(request: HttpRequest, rating_id: int, payload: AppealIn) -> Any:
    """提出申诉。"""
    rating = selectors.rating_get_for_position(position=request.position, pk=rating_id)  # type: ignore[attr-defined]
    appeal = services.appeal_file(rating=rating, actor=request.user, position=request.position,  # type: ignore[attr-defined]
                                  reason=payload.reason, evidence=payload.evidence)
    return Status(201, appeal)


@router.get("/appeals", response=list[AppealOut], auth=STAFF)
def appeal_list(request: HttpRequest, q: Query[RatingListQuery]) -> Any:
    """申诉列表。"""
    qs = selectors.appeal_list_for_position(position=request.position, status=q.status)  # type: ignore[attr-defined]
    return list(q.window(qs))


@router.post("/appeals/{pk}/review", response=AppealOut, auth=STAFF)
def appeal_review(request: HttpRequest, pk: int, payload: AppealReviewIn) -> Appeal:
    """复核申诉。"""
    appeal = selectors.appeal_get_for_position(position=request.position, pk=pk)  # type: ignore[attr-defined]
    return services.appeal_review(appeal=appeal, actor=request.user, position=request.position,  # type: ignore[attr-defined]
                                  uphold=payload.uphold, note=payload.note)


@router.post("/window-sessions", response={201: SessionOut, 404: ErrorOut}, auth=STAFF)
def session_start(request: HttpRequest, payload: SessionIn) -> Any:
    """窗口评价器：开始服务。"""
    window = Window.objects.filter(pk=payload.window_id, is_active=True).first()
    if window is None:
        raise NotFound(_("窗口不存在"))
    session = services.window_session_start(window=window, actor=request.user,
                                            position=request.position,  # type: ignore[attr-defined]
                                            service=payload.service, ticket=payload.ticket)
    return Status(201, session)


@router.post("/window-sessions/{pk}/finish", response=SessionOut, auth=STAFF)
def session_finish(request: HttpRequest, pk: int) -> WindowSession:
    """窗口评价器：结束服务并邀请评价。"""
    session = WindowSession.objects.filter(pk=pk, staff_id=request.user.pk).first()
    if session is None:
        raise NotFound(_("窗口服务不存在"))
    return services.window_session_finish(session=session, actor=request.user,
                                          position=request.position)  # type: ignore[attr-defined]
