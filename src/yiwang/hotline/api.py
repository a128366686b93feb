"""Hotline API at ``/api/v1/hotline/``: intake, my tickets (citizen), ticket detail (scoped),
dispatch, return, return review, reply, reply review, callback, publication review (公开审核) and
knowledge-base search.

Errors are ``{code, message, details}`` (domain errors are turned into 4xx by ``api.main``).
Staff act through their session position; citizens see only their own tickets.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from yiwang.api.auth import SessionAuth, UnauthenticatedError
from yiwang.core.errors import InvalidInput, NotFound
from yiwang.core.pagination import Limit, PageQuery
from yiwang.core.search_query import clean_search_query
from yiwang.hotline import selectors, services
from yiwang.hotline.models import Assignment, MatterType, Reply, Ticket, TicketChannel
from yiwang.org.models import Department, Division
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

router = Router(tags=["hotline"])


class TicketIn(Schema):
    category: str
    content: str
    title: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    anonymous: bool = False
    publish_consent: bool = False
    address: str = ""
    division_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    matter_type: str = ""
    urgency: str = "normal"
    idempotency_key: str | None = None


class TicketOut(Schema):
    id: int
    number: str
    category: str
    channel: str
    urgency: str
    status: str
    title: str
    content: str
    caller_phone_masked: str
    lead_unit: str | None
    expected_at: datetime | None
    created_at: datetime
    replies: list[dict[str, Any]]


class DispatchIn(Schema):
    lead_unit: str
    assisting_units: list[str] = []
    note: str = ""


class ReturnReasonIn(Schema):
    reason: str


class HotlineReviewIn(Schema):
    approve: bool
    note: str = ""
    new_lead_unit: str | None = None


class PublicationIn(Schema):
    approve: bool
    title: str | None = None
    content: str | None = None
    address: str | None = None
    note: str = ""


class ReplyIn(Schema):
    content: str


class TicketCallbackIn(Schema):
    method: str
    satisfaction: str
    resolved: bool
    note: str = ""


def _out(ticket: Ticket, *, staff: bool) -> dict[str, Any]:
    replies = ticket.replies.select_related("unit").order_by("id")
    if not staff:
        replies = replies.filter(status="approved")
    return {
        "id": ticket.pk, "number": ticket.number, "category": ticket.category, "channel": ticket.channel,
        "urgency": ticket.urgency, "status": ticket.status, "title": ticket.title, "content": ticket.content,
        "caller_phone_masked": ticket.caller_phone_masked,
        "lead_unit": ticket.lead_unit.code if ticket.lead_unit else None, "expected_at": ticket.expected_at,
        "created_at": ticket.created_at,
        "replies": [{"id": r.pk, "unit": r.unit.code, "status": r.status, "content": r.content} for r in replies],
    }


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None) or request.user
    if not getattr(user, "is_authenticated", False):
        raise UnauthenticatedError(_("需要登录"))
    return user


def _position(request: HttpRequest) -> Any:
    return getattr(request, "position", None)


def _dept(code: str, field: str) -> Department:
    dep = Department.objects.filter(code=code, is_active=True).first()
    if dep is None:
        raise InvalidInput(_("单位不存在"), details={"field": field})
    return dep


@router.post("/tickets", response={201: TicketOut}, auth=[SessionAuth()])
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    """登记工单（来电或网上诉求）。

    Staff with ``TICKET_INTAKE`` record a phone ticket; anyone else files a web ticket as themselves."""
    user, position = _user(request), _position(request)
    staff = position is not None and has_perm(position, Perm.TICKET_INTAKE)
    division = None
    if payload.division_code:
        division = Division.objects.filter(code=payload.division_code, valid_to__isnull=True).first()
        if division is None:
            raise InvalidInput(_("区划代码不存在"), details={"field": "division_code"})
    matter = None
    if payload.matter_type:
        matter = MatterType.objects.filter(code=payload.matter_type, is_active=True).first()
        if matter is None:
            raise InvalidInput(_("事项类型不存在"), details={"field": "matter_type"})
    ticket = services.ticket_create(
        category=payload.category, channel=TicketChannel.PHONE if staff else TicketChannel.WEB,
        content=payload.content, title=payload.title, caller_name=payload.caller_name,
        caller_phone=payload.caller_phone, anonymous=payload.anonymous, publish_consent=payload.publish_consent,
        address=payload.address, division=division, latitude=payload.latitude, longitude=payload.longitude,
        matter_type=matter, urgency=payload.urgency, actor=user, position=position if staff else None,
        idempotency_key=f"api:{user.pk}:{payload.idempotency_key}" if payload.idempotency_key else None)
    return Status(201, _out(ticket, staff=staff))


@router.get("/my-tickets", response=list[TicketOut], auth=[SessionAuth()])
def my_tickets(request: HttpRequest) -> list[dict[str, Any]]:
    """我的诉求。"""
    return [_out(t, staff=False) for t in selectors.ticket_list_for_citizen(user=_user(request))[:100]]


@router.get("/tickets", response=list[TicketOut], auth=[SessionAuth()])
def list_tickets(request: HttpRequest, page: Query[PageQuery], status: str = "") -> list[dict[str, Any]]:
    """工单列表（本岗位范围）。"""
    _user(request)
    qs = selectors.ticket_list_for_position(position=_position(request), status=status or None)
    return [_out(t, staff=True) for t in page.window(qs)]


@router.get("/tickets/{ticket_id}", response=TicketOut, auth=[SessionAuth()])
def ticket_detail(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """工单详情。"""
    user, position = _user(request), _position(request)
    if position is not None and has_perm(position, Perm.TICKET_VIEW):
        return _out(selectors.ticket_get_for_position(position=position, pk=ticket_id), staff=True)
    return _out(selectors.ticket_get_for_citizen(user=user, pk=ticket_id), staff=False)


@router.post("/tickets/{ticket_id}/dispatch", response=TicketOut, auth=[SessionAuth()])
def dispatch(request: HttpRequest, ticket_id: int, payload: DispatchIn) -> dict[str, Any]:
    """派单。"""
    user, position = _user(request), _position(request)
    ticket = selectors.ticket_get_for_position(position=position, pk=ticket_id)
    services.ticket_dispatch(ticket=ticket, lead_unit=_dept(payload.lead_unit, "lead_unit"),
                             assisting_units=[_dept(c, "assisting_units") for c in payload.assisting_units],
                             note=payload.note, actor=user, position=position)
    ticket.refresh_from_db()
    return _out(ticket, staff=True)


@router.get("/tickets/{ticket_id}/suggest", auth=[SessionAuth()])
def suggest(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """智能派单建议。"""
    ticket = selectors.ticket_get_for_position(position=_position(request), pk=ticket_id)
    result = services.dispatch_suggest(ticket)
    cat = result["catalogue"]
    return {"catalogue": {"lead_unit": cat["lead_unit"].code,
                          "assisting_units": [u.code for u in cat["assisting_units"]]} if cat else None,
            "model": [{"unit": m["unit"].code, "confidence": m["confidence"]} for m in result["model"]]}


def _assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    return selectors.assignment_get_for_position(position=_position(request), pk=assignment_id)


@router.post("/assignments/{assignment_id}/return", auth=[SessionAuth()])
def return_assignment(request: HttpRequest, assignment_id: int, payload: ReturnReasonIn) -> dict[str, Any]:
    """承办单位退单。"""
    a = services.assignment_return(assignment=_assignment(request, assignment_id), reason=payload.reason,
                                   actor=_user(request), position=_position(request))
    return {"id": a.pk, "status": a.status, "return_review_status": a.return_review_status}


@router.post("/assignments/{assignment_id}/review-return", auth=[SessionAuth()])
def review_return(request: HttpRequest, assignment_id: int, payload: HotlineReviewIn) -> dict[str, Any]:
    """审核退单。"""
    position = _position(request)
    selectors.pending_returns(position=position)
    a = Assignment.objects.filter(pk=assignment_id).first()
    if a is None:
        raise NotFound(_("派单不存在"))
    new = _dept(payload.new_lead_unit, "new_lead_unit") if payload.new_lead_unit else None
    a = services.return_review(assignment=a, approve=payload.approve, note=payload.note, new_lead_unit=new,
                               actor=_user(request), position=position)
    return {"id": a.pk, "return_review_status": a.return_review_status}


@router.post("/assignments/{assignment_id}/reply", auth=[SessionAuth()])
def reply(request: HttpRequest, assignment_id: int, payload: ReplyIn) -> dict[str, Any]:
    """承办单位答复。"""
    r = services.reply_submit(assignment=_assignment(request, assignment_id), content=payload.content,
                              actor=_user(request), position=_position(request))
    return {"id": r.pk, "status": r.status}


@router.post("/replies/{reply_id}/review", auth=[SessionAuth()])
def review_reply(request: HttpRequest, reply_id: int, payload: HotlineReviewIn) -> dict[str, Any]:
    """审核答复。"""
    position = _position(request)
    r = selectors.pending_replies(position=position).filter(pk=reply_id).first()
    if r is None:
        r = Reply.objects.filter(pk=reply_id, ticket__in=selectors.ticket_list_for_position(position=position)).first()
    if r is None:
        raise NotFound(_("答复不存在"))
    r = services.reply_review(reply=r, approve=payload.approve, note=payload.note, actor=_user(request),
                              position=position)
    return {"id": r.pk, "status": r.status}


@router.post("/tickets/{ticket_id}/callback", auth=[SessionAuth()])
def callback(request: HttpRequest, ticket_id: int, payload: TicketCallbackIn) -> dict[str, Any]:
    """回访。"""
    position = _position(request)
    ticket = selectors.ticket_get_for_position(position=position, pk=ticket_id)
    c = services.callback_record(ticket=ticket, method=payload.method, satisfaction=payload.satisfaction,
                                 resolved=payload.resolved, note=payload.note, actor=_user(request), position=position)
    ticket.refresh_from_db()
    return {"id": c.pk, "ticket_status": ticket.status, "reopen_count": ticket.reopen_count}


@router.get("/publication-queue", auth=[SessionAuth()], summary="公开审核队列")
def publication_queue(request: HttpRequest, limit: Limit = 50) -> list[dict[str, Any]]:
    """公开审核: answered tickets with the caller's consent, waiting for the centre's review."""
    _user(request)
    qs = selectors.publication_review_queue(position=_position(request))[:max(1, min(limit, 200))]
    return [{"id": t.pk, "number": t.number, "title": t.title, "content": t.content} for t in qs]


@router.post("/tickets/{ticket_id}/publication", auth=[SessionAuth()], summary="公开审核：批准（附审核后的文本）或不予公开")
def review_publication(request: HttpRequest, ticket_id: int, payload: PublicationIn) -> dict[str, Any]:
    """审核来信是否公开（公开时使用审核后的文本）。

    The centre approves (with the reviewed text) or refuses the publication of a letter."""
    position = _position(request)
    ticket = selectors.ticket_get_for_position(position=position, pk=ticket_id)
    t = services.ticket_publication_review(ticket=ticket, approve=payload.approve, title=payload.title,
                                           content=payload.content, address=payload.address, note=payload.note,
                                           actor=_user(request), position=position)
    return {"id": t.pk, "publication_status": t.publication_status, "published_title": t.published_title,
            "published_content": t.published_content}


@router.get("/kb/search", auth=None)
def kb_search(request: HttpRequest, q: str = "", limit: Limit = 10) -> list[dict[str, Any]]:
    """检索知识库（已发布且未过期的答复口径）。

    Published, unexpired answers (public)."""
    return [{"id": a.pk, "title": a.title, "question": a.question, "answer": a.answer,
             "department": a.department.name, "expires_on": a.expires_on}
            for a in selectors.knowledge_search(query=clean_search_query(q), limit=limit)]
