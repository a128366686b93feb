"""Pages of the 12345 hotline: operator console, unit worklist, ticket page with its actions,
public mailbox, SMS gateway hook, leaders' mobile page and the public listing.

Views only parse input, call selectors/services and render; domain errors become a message.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.pagination import page_of
from yiwang.core.ratelimit import client_key, rate_limit_hit
from yiwang.core.search_query import clean_search_query
from yiwang.hotline import selectors, services
from yiwang.hotline.centre import is_centre, require_centre
from yiwang.hotline.forms import QUICK_PHRASES, CallbackForm, IntakeForm, MailboxForm, TrackForm
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    DiversionKind,
    MatterType,
    Reply,
    ReplyStatus,
    ReturnReview,
    Ticket,
    TicketChannel,
)
from yiwang.org.models import Department, Division, DivisionLevel, ServiceHall
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def _division(code: str) -> Division | None:
    code = (code or "").strip()
    if not code:
        return None
    division = Division.objects.filter(code=code, valid_to__isnull=True).first()
    if division is None:
        raise InvalidInput(_("区划代码不存在"), details={"field": "division"})
    return division


def _matter(value: str) -> MatterType | None:
    value = (value or "").strip()
    if not value:
        return None
    matter = MatterType.objects.filter(code=value, is_active=True).first()
    if matter is None:
        raise InvalidInput(_("事项类型不存在"), details={"field": "matter_type"})
    return matter


def _department(value: str, field: str) -> Department:
    dep = Department.objects.filter(code=(value or "").strip(), is_active=True).first()
    if dep is None:
        raise InvalidInput(_("单位不存在"), details={"field": field})
    return dep


# --- console ------------------------------------------------------------------------------
@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    context: dict[str, Any] = {"is_centre": is_centre(position)}
    if has_perm(position, Perm.TICKET_VIEW):
        status = request.GET.get("status") or None
        tickets = selectors.ticket_list_for_position(position=position, status=status,
                                                     q=clean_search_query(request.GET.get("q")))
        context["page"] = page_of(request, tickets, 30)
    if context["is_centre"]:
        context["returns"] = selectors.pending_returns(position=position)[:50]
        context["replies"] = selectors.pending_replies(position=position)[:50]
        context["extensions"] = selectors.pending_extensions(position=position)[:50]
        context["callbacks"] = selectors.callbacks_due(position=position)[:50]
    if has_perm(position, Perm.TICKET_HANDLE):
        context["assignments"] = selectors.assignment_list_for_position(position=position)[:100]
    return render(request, "hotline/workbench.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """The operator's call console (来电登记)."""
    position = request.position  # type: ignore[attr-defined]
    require_centre(position, Perm.TICKET_INTAKE)
    form = IntakeForm(request.POST or None, initial={"idempotency_key": secrets.token_hex(12)},
                      county=_county_of(position))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                category=data["category"], channel=TicketChannel.PHONE, content=data["content"],
                title=data["title"], caller_name=data["caller_name"], caller_phone=data["caller_phone"],
                anonymous=data["anonymous"], publish_consent=data["publish_consent"], address=data["address"],
                division=data["division"], latitude=data["latitude"], longitude=data["longitude"],
                matter_type=_matter(data["matter_type"]), urgency=data["urgency"], actor=request.user,
                position=position, idempotency_key=data["idempotency_key"] or None)
            if request.POST.get("action") == "close_on_spot":
                article = None
                if request.POST.get("kb_article"):
                    article = selectors.knowledge_get_published(pk=request.POST["kb_article"])
                services.ticket_close_on_spot(ticket=ticket, article=article,
                                              answer=request.POST.get("answer", ""), actor=request.user,
                                              position=position)
                messages.success(request, _("工单 %(n)s 已直接办结") % {"n": ticket.number})
            else:
                messages.success(request, _("工单 %(n)s 已登记") % {"n": ticket.number})
            return redirect("hotline:ticket", pk=ticket.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "hotline/intake.html", {
        "form": form, "phrases": QUICK_PHRASES,
        "matter_types": MatterType.objects.filter(is_active=True).order_by("code"),
    })


def _county_of(position: Any) -> Division | None:
    """The county whose divisions the operator picks from (the centre's own county)."""
    division = getattr(position, "division", None)
    while division is not None and division.level != DivisionLevel.COUNTY and division.parent_id:
        division = division.parent
    return division


@staff_required
def place_search(request: HttpRequest) -> HttpResponse:
    """地址检索 for the call console, offline: divisions and service halls of the county by name or
    address (no map tiles, no outside service). Choosing a result fills the division and address."""
    position = request.position  # type: ignore[attr-defined]
    require_centre(position, Perm.TICKET_INTAKE)
    query = clean_search_query(request.GET.get("place") or request.GET.get("q"), max_length=50)
    county = _county_of(position)
    results: list[dict[str, str]] = []
    if query and county is not None:
        for d in Division.objects.filter(path__startswith=county.path, valid_to__isnull=True,
                                         name__icontains=query).select_related("parent").order_by("path")[:10]:
            parent = d.parent.name if d.parent is not None and d.level == DivisionLevel.VILLAGE else ""
            results.append({"name": d.name, "detail": parent, "code": d.code,
                            "address": f"{parent}{d.name}"})
        halls = ServiceHall.objects.filter(division__path__startswith=county.path).filter(
            Q(name__icontains=query) | Q(address__icontains=query)).select_related("division").order_by("name")[:10]
        for h in halls:
            results.append({"name": h.name, "detail": h.address, "code": h.division.code,
                            "address": h.address or h.name})
    return render(request, "hotline/_place_results.html", {"results": results, "query": query})


def kb_search(request: HttpRequest) -> HttpResponse:
    """Knowledge-base search panel (htmx partial; also a plain page). Published answers are public."""
    query = clean_search_query(request.GET.get("q"))
    results = selectors.knowledge_search(query=query) if query.strip() else []
    return render(request, "hotline/_kb_results.html", {"results": results, "query": query,
                                                          "selectable": request.GET.get("select") == "1"})


@staff_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    ticket = selectors.ticket_get_for_position(position=position, pk=pk)
    centre = is_centre(position)
    my_assignments = []
    if has_perm(position, Perm.TICKET_HANDLE):
        my_assignments = list(selectors.assignment_list_for_position(position=position, open_only=True)
                              .filter(ticket=ticket))
    context = {
        "ticket": ticket, "is_centre": centre, "my_assignments": my_assignments,
        "assignments": ticket.assignments.select_related("unit", "division").order_by("id"),
        "replies": ticket.replies.select_related("unit").prefetch_related("evidence"),
        "events": ticket.events.select_related("actor", "unit") if centre else ticket.events.filter(public=True),
        "callbacks": ticket.callbacks.all(), "instructions": ticket.instructions.select_related("leader"),
        "callback_form": CallbackForm(), "diversion_kinds": DiversionKind.choices,
        "channels": services.OTHER_CHANNELS,
        "can_unmask": has_perm(position, Perm.PERSON_UNMASK),
    }
    if centre:
        context["suggestion"] = services.dispatch_suggest(ticket)
        context["duplicates"] = services.ticket_find_duplicates(ticket)
        context["units"] = Department.objects.filter(is_active=True).select_related("division").order_by(
            "division__code", "code")
        context["pending_replies"] = ticket.replies.filter(status=ReplyStatus.PENDING_REVIEW)
        context["pending_returns"] = ticket.assignments.filter(return_review_status=ReturnReview.PENDING)
        context["pending_extensions"] = ticket.extension_requests.filter(status="pending")
    if my_assignments:
        unit_division = my_assignments[0].unit.division
        context["villages"] = unit_division.children.filter(valid_to__isnull=True).order_by("code")
    return render(request, "hotline/ticket.html", context)


def _units(request: HttpRequest, name: str) -> list[Department]:
    codes = [c for c in request.POST.getlist(name) if c]
    return [_department(c, name) for c in codes]


def _bool(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("1", "true", "on", "yes", "approve")


@require_POST
@staff_required
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """All the buttons of the ticket page; each calls one service."""
    position, user, post = request.position, request.user, request.POST  # type: ignore[attr-defined]
    ticket = selectors.ticket_get_for_position(position=position, pk=pk)

    def assignment() -> Assignment:
        return selectors.assignment_get_for_position(position=position, pk=post.get("assignment", ""))

    try:
        if action == "dispatch":
            services.ticket_dispatch(ticket=ticket, lead_unit=_department(post.get("lead_unit", ""), "lead_unit"),
                                     assisting_units=_units(request, "assisting_units"), note=post.get("note", ""),
                                     actor=user, position=position)
        elif action == "divert":
            original = None
            if post.get("original"):
                original = selectors.ticket_get_by_number_for_position(position=position, number=post["original"])
            services.ticket_divert(ticket=ticket, kind=post.get("kind", ""), reason=post.get("reason", ""),
                                   channel_kind=post.get("channel_kind", ""), emergency=post.get("emergency", ""),
                                   original=original, actor=user, position=position)
        elif action == "merge":
            into = selectors.ticket_get_by_number_for_position(position=position, number=post.get("into", ""))
            services.ticket_merge(ticket=ticket, into=into, note=post.get("note", ""), actor=user, position=position)
        elif action == "flag":
            services.ticket_flag_for_leader(ticket=ticket, flag=_bool(request, "flag"), actor=user, position=position)
        elif action == "accept":
            services.assignment_accept(assignment=assignment(), actor=user, position=position)
        elif action == "return":
            services.assignment_return(assignment=assignment(), reason=post.get("reason", ""), actor=user,
                                       position=position)
        elif action == "redispatch":
            redispatch_to = _division(post.get("division", "")) or _division("-")
            if redispatch_to is None:
                raise InvalidInput(_("请选择要转派的村（社区）"), details={"field": "division"})
            services.assignment_redispatch(assignment=assignment(), division=redispatch_to, note=post.get("note", ""),
                                           actor=user, position=position)
        elif action == "reply":
            services.reply_submit(assignment=assignment(), content=post.get("content", ""),
                                  evidence=request.FILES.getlist("evidence"), actor=user, position=position)
        elif action == "extension":
            try:
                days = int(post.get("days", ""))
            except ValueError as exc:
                raise InvalidInput(_("延长天数须为整数"), details={"field": "days"}) from exc
            services.extension_request(assignment=assignment(), days=days, reason=post.get("reason", ""),
                                       actor=user, position=position)
        elif action == "return_review":
            target = ticket.assignments.filter(pk=post.get("assignment") or 0).first()
            if target is None:
                raise NotFound(_("派单不存在"))
            new = _department(post["new_lead_unit"], "new_lead_unit") if post.get("new_lead_unit") else None
            services.return_review(assignment=target, approve=_bool(request, "approve"), note=post.get("note", ""),
                                   new_lead_unit=new, actor=user, position=position)
        elif action == "reply_review":
            reply = Reply.objects.filter(ticket=ticket, pk=post.get("reply") or 0).first()
            if reply is None:
                raise NotFound(_("答复不存在"))
            services.reply_review(reply=reply, approve=_bool(request, "approve"), note=post.get("note", ""),
                                  actor=user, position=position)
        elif action == "extension_decide":
            request_obj = ticket.extension_requests.filter(pk=post.get("request") or 0).first()
            if request_obj is None:
                raise NotFound(_("延期申请不存在"))
            services.extension_decide(request=request_obj, approve=_bool(request, "approve"),
                                      note=post.get("note", ""), actor=user, position=position)
        elif action == "callback":
            form = CallbackForm(post)
            if not form.is_valid():
                raise InvalidInput(_("请完整填写回访信息"), details=form.errors.get_json_data())
            services.callback_record(ticket=ticket, actor=user, position=position, **form.cleaned_data)
        else:
            raise NotFound(_("未知操作"))
        messages.success(request, _("操作成功"))
    except DomainError as exc:
        messages.error(request, exc.message)
    if action in ("return", "reply") and not is_centre(position):
        return redirect("hotline:workbench")
    return redirect("hotline:ticket", pk=ticket.pk)


# --- leaders ---------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def leader(request: HttpRequest) -> HttpResponse:
    """领导批示 (mobile-friendly): flagged tickets with a box to write the instruction."""
    position = request.position  # type: ignore[attr-defined]
    tickets = selectors.leader_ticket_list(position=position)
    if request.method == "POST":
        ticket = tickets.filter(pk=request.POST.get("ticket") or 0).first()
        if ticket is None:
            messages.error(request, _("工单不存在"))
        else:
            try:
                services.leader_instruct(ticket=ticket, text=request.POST.get("text", ""), actor=request.user,
                                         position=position)
                messages.success(request, _("批示已送达"))
            except DomainError as exc:
                messages.error(request, exc.message)
        return redirect("hotline:leader")
    return render(request, "hotline/leader.html", {"tickets": tickets[:50]})


# --- public ------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def mailbox(request: HttpRequest) -> HttpResponse:
    """政府信箱: anyone may write; signed-in citizens' letters appear under "my tickets"."""
    form = MailboxForm(request.POST or None, request.FILES or None,
                       initial={"idempotency_key": secrets.token_hex(12)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actor = request.user if request.user.is_authenticated else None
            key = data["idempotency_key"]
            ticket = services.ticket_create(
                category=data["category"], channel=TicketChannel.MAILBOX, content=data["content"],
                title=data["title"], caller_name=data["caller_name"], caller_phone=data["caller_phone"],
                anonymous=data["anonymous"], publish_consent=data["publish_consent"], address=data["address"],
                actor=actor, idempotency_key=f"mailbox:{key}" if key else None,
                attachments=request.FILES.getlist("attachments"))
            return render(request, "hotline/mailbox_done.html",
                          {"ticket": ticket, "query_code": getattr(ticket, "query_code", "")})
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "hotline/mailbox.html", {"form": form})


@require_http_methods(["GET", "POST"])
def mailbox_track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    view = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit_hit(scope="hotline.mailbox_track", client=client_key(request))
            ticket = selectors.ticket_get_by_query_code(number=form.cleaned_data["number"],
                                                        code=form.cleaned_data["code"])
            view = selectors.public_ticket_view(ticket)
            view["events"] = list(ticket.events.filter(public=True).values_list("at", "text"))
        except DomainError as exc:
            form.add_error(None, exc.message)
            if exc.status == 429:
                status = 429
    return render(request, "hotline/track.html", {"form": form, "view": view}, status=status)


def public_list(request: HttpRequest) -> HttpResponse:
    tickets = selectors.public_ticket_list().prefetch_related("replies__unit")
    page = page_of(request, tickets, 20)
    return render(request, "hotline/public.html", {"page": page,
                                                   "rows": [selectors.public_ticket_view(t) for t in page]})


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Inbound SMS gateway hook: header ``X-Yiwang-Token`` must equal ``YIWANG_SMS_INBOUND_TOKEN``.
    Body (JSON or form): ``phone``, ``text``, optional ``msgid`` (idempotency)."""
    expected = getattr(settings, "YIWANG_SMS_INBOUND_TOKEN", "") or ""
    given = request.headers.get("X-Yiwang-Token", "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return JsonResponse({"code": "unauthenticated", "message": _("令牌无效"), "details": {}}, status=401)
    try:
        data = json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
        phone, text = str(data.get("phone", "")).strip(), str(data.get("text", "")).strip()
        msgid = str(data.get("msgid", "")).strip()[:60]
    except (ValueError, AttributeError):
        return JsonResponse({"code": "invalid", "message": _("请求格式不正确"), "details": {}}, status=400)
    try:
        ticket = services.ticket_create(category=services.sms_category_guess(text), channel=TicketChannel.SMS,
                                        content=text, caller_phone=phone,
                                        idempotency_key=f"sms:{msgid}" if msgid else None)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"number": ticket.number, "status": ticket.status}, status=201)


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


__all__ = ["Ticket", "AssignmentStatus"]
