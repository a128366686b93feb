"""好差评 pages: the rating link (一事一评), the window evaluator device (一次一评), public
ratings of a target, the public summary page, and the staff console (window service,
rectifications, appeals). Views parse input, call selectors/services and render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.pagination import page_of
from yiwang.evaluation import selectors, services
from yiwang.evaluation.models import (
    AppealStatus,
    BadReason,
    Grade,
    PlatformChannel,
    RatingStatus,
    RectificationStatus,
    TargetKind,
    WindowSession,
    is_bad,
)
from yiwang.org.models import Department, ServiceHall, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

DEVICE_SESSION_KEY = "rating_device_windows"
GRADES = [(g, Grade(g).label) for g in sorted(Grade.values, reverse=True)]


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "evaluation/message.html", {"title": _("无法完成"), "message": exc.message},
                  status=exc.status)


def _grade_context(**extra: Any) -> dict[str, Any]:
    return {"grades": GRADES, "reasons": BadReason.choices, **extra}


# --- 一事一评: the link from the completion SMS ------------------------------------------------


@require_http_methods(["GET", "POST"])
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get(token=token)
    except DomainError as exc:
        return _error(request, exc)
    context = _grade_context(invitation=invitation, case=invitation.case, selected=None, chosen_reasons=[])
    if request.method == "POST":
        grade = request.POST.get("grade", "")
        reasons = request.POST.getlist("reasons")
        try:
            services.rating_submit_online(token=token, grade=grade, reasons=reasons,
                                          comment=request.POST.get("comment", ""))
        except DomainError as exc:
            context.update(error=exc.message, selected=grade, chosen_reasons=reasons,
                           comment=request.POST.get("comment", ""))
            return render(request, "evaluation/rate_link.html", context, status=exc.status)
        return render(request, "evaluation/thanks.html", {"bad": is_bad(int(grade))})
    return render(request, "evaluation/rate_link.html", context)


# --- public ratings of a window / department / hall / the platform --------------------------------


@require_http_methods(["GET", "POST"])
def rate_public(request: HttpRequest) -> HttpResponse:
    context = _grade_context(
        target_kinds=[(k, label) for k, label in TargetKind.choices if k not in (TargetKind.CASE, TargetKind.STAFF)],
        departments=Department.objects.filter(is_active=True).order_by("division__code", "code"),
        halls=ServiceHall.objects.filter(is_active=True).select_related("division"),
        windows=Window.objects.filter(is_active=True).select_related("hall"),
        platform_channels=PlatformChannel.choices, selected=None, chosen_reasons=[], data={},
    )
    if request.method == "POST":
        data = request.POST
        kind = data.get("target_kind", "")
        target_field = {"department": "department", "hall": "hall", "window": "window"}.get(kind)
        try:
            target_id = None
            if target_field:
                raw = data.get(target_field, "")
                if not raw.isdigit():
                    raise InvalidInput(_("请选择评价对象"), details={"field": target_field})
                target_id = int(raw)
            services.rating_submit_public(
                target_kind=kind, target_id=target_id, grade=data.get("grade", ""),
                reasons=data.getlist("reasons"), comment=data.get("comment", ""),
                rater=request.user if request.user.is_authenticated else None,
                platform_channel=data.get("platform_channel", ""))
        except DomainError as exc:
            context.update(error=exc.message, selected=data.get("grade"), chosen_reasons=data.getlist("reasons"),
                           data=data)
            return render(request, "evaluation/rate_public.html", context, status=exc.status)
        return render(request, "evaluation/thanks.html", {"bad": data.get("grade") in ("1", "2")})
    return render(request, "evaluation/rate_public.html", context)


def public_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else today.replace(day=1)
        end = date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
    except ValueError:
        start, end = today.replace(day=1), today
    if end < start or (end - start) > timedelta(days=366):
        start, end = today.replace(day=1), today
    summary = selectors.public_summary(start, end)
    return render(request, "evaluation/public.html", {
        "summary": summary, "start": start, "end": end, "grades": GRADES,
        "rectifications": selectors.public_rectifications(limit=30),
        "rect_statuses": RectificationStatus.choices,
    })


# --- 一次一评: the evaluator device at a window ----------------------------------------------------


def _device_allowed(request: HttpRequest, window: Window) -> bool:
    allowed = set(request.session.get(DEVICE_SESSION_KEY, []))
    if window.pk in allowed:
        return True
    token = request.GET.get("k", "")
    if token and services.window_device_check(window=window, token=token):
        allowed.add(window.pk)
        request.session[DEVICE_SESSION_KEY] = sorted(allowed)
        return True
    user = request.user
    if user.is_authenticated and getattr(user, "needs_two_factor", False) and not getattr(user, "is_verified", lambda: False)():
        return False
    return services.window_clerk_may_use(position=getattr(request, "position", None), window=window)


@require_http_methods(["GET", "POST"])
def window_device(request: HttpRequest, window_id: int) -> HttpResponse:
    window = Window.objects.select_related("hall__division").filter(pk=window_id, is_active=True).first()
    if window is None:
        return _error(request, NotFound(_("窗口不存在")))
    if not _device_allowed(request, window):
        return render(request, "evaluation/message.html",
                      {"title": _("评价器未授权"), "message": _("请使用窗口绑定的评价器链接，或由窗口工作人员登录后打开。")},
                      status=403)
    session = services.window_current_session(window)
    device_url = reverse("evaluation:window_device", args=[window.pk])
    context = _grade_context(window=window, session=session, selected=None, chosen_reasons=[],
                             device_url=device_url)
    if request.method == "POST":
        grade = request.POST.get("grade", "")
        reasons = request.POST.getlist("reasons")
        session_id = request.POST.get("session", "")
        try:
            services.rating_submit_window(window=window, grade=grade, reasons=reasons,
                                          comment=request.POST.get("comment", ""),
                                          session_id=int(session_id) if session_id.isdigit() else None)
        except DomainError as exc:
            # A bad grade without a reason: ask for the reason on the same screen.
            needs_reason = exc.details.get("field") == "reasons" if isinstance(exc.details, dict) else False
            context.update(selected=grade, chosen_reasons=reasons, ask_reasons=needs_reason,
                           error=None if needs_reason and not reasons else exc.message)
            return render(request, "evaluation/device.html", context, status=200 if needs_reason else exc.status)
        return render(request, "evaluation/device_thanks.html", {"window": window, "device_url": device_url,
                                                                 "bad": is_bad(int(grade))})
    return render(request, "evaluation/device.html", context)


# --- staff console ---------------------------------------------------------------------------------


@staff_required
def console_home(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    ratings = selectors.rating_list_for_position(position=position, bad_only=request.GET.get("bad") == "1")
    return render(request, "evaluation/console_ratings.html", {
        "page": page_of(request, ratings, 30),
        "bad_only": request.GET.get("bad") == "1",
        "pending_appeals": selectors.pending_appeal_count(position=position),
        "can_review": has_perm(position, Perm.RATING_REVIEW),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_window(request: HttpRequest) -> HttpResponse:
    """The clerk marks the service they are giving (the evaluator device shows it)."""
    position = request.position  # type: ignore[attr-defined]
    windows = [w for w in Window.objects.filter(is_active=True).select_related("hall__division")
               if services.window_clerk_may_use(position=position, window=w)]
    device_token = None
    device_window = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            window = next((w for w in windows if str(w.pk) == request.POST.get("window", "")), None)
            if action == "finish":
                session = WindowSession.objects.filter(pk=request.POST.get("session") or 0).first()
                if session is None:
                    raise NotFound(_("窗口服务不存在"))
                services.window_session_finish(session=session, actor=request.user, position=position)
                messages.success(request, _("已结束本次服务"))
                return redirect("evaluation:console_window")
            if window is None:
                raise InvalidInput(_("请选择窗口"), details={"field": "window"})
            if action == "device":
                device_token = services.window_device_register(window=window, actor=request.user, position=position)
                device_window = window
            else:
                services.window_session_start(window=window, actor=request.user, position=position,
                                              service=request.POST.get("service", ""),
                                              ticket=request.POST.get("ticket", ""))
                messages.success(request, _("已开始服务，请办事群众在评价器上评价"))
                return redirect("evaluation:console_window")
        except DomainError as exc:
            messages.error(request, exc.message)
    sessions = WindowSession.objects.filter(staff_id=request.user.pk).select_related("window__hall")[:20]
    device_link = None
    if device_token and device_window:
        device_link = request.build_absolute_uri(
            reverse("evaluation:window_device", args=[device_window.pk]) + f"?k={device_token}")
    return render(request, "evaluation/console_window.html", {
        "windows": windows, "sessions": sessions, "device_link": device_link, "device_window": device_window,
    })


@staff_required
def console_rectifications(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    status = request.GET.get("status") or None
    if status and status not in RectificationStatus.values:
        status = None
    rects = selectors.rectification_list_for_position(position=position, status=status)
    return render(request, "evaluation/console_rectifications.html", {
        "page": page_of(request, rects, 30), "status": status,
        "statuses": RectificationStatus.choices, "today": timezone.localdate(),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_rectification(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    rect = selectors.rectification_get_for_position(position=position, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "callback":
                services.rectification_callback(rectification=rect, actor=request.user, position=position,
                                                verified=request.POST.get("verified") == "1",
                                                note=request.POST.get("callback_note", ""))
                messages.success(request, _("已记录回访核实"))
            elif action == "complete":
                services.rectification_complete(rectification=rect, actor=request.user, position=position,
                                                plan=request.POST.get("plan", ""),
                                                result=request.POST.get("result", ""))
                messages.success(request, _("整改已完成，结果已反馈评价人"))
            elif action == "appeal":
                services.appeal_file(rating=rect.rating, actor=request.user, position=position,
                                     reason=request.POST.get("reason", ""),
                                     evidence=request.POST.get("evidence", ""),
                                     attachment=request.FILES.get("attachment"))
                messages.success(request, _("申诉已提交，等待复核"))
            else:
                raise InvalidInput(_("未知操作"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("evaluation:console_rectification", pk=rect.pk)
    return render(request, "evaluation/console_rectification.html", {
        "rect": rect, "rating": rect.rating, "appeals": rect.rating.appeals.all(),
        "can_rectify": has_perm(position, Perm.RATING_RECTIFY) and position.department_id == rect.department_id,
        "can_appeal": (has_perm(position, Perm.RATING_RECTIFY) and rect.rating.status == RatingStatus.VALID
                       and not rect.rating.appeals.exists()),
        "open": rect.status not in (RectificationStatus.DONE, RectificationStatus.CANCELLED),
    })


@staff_required
def console_appeals(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    status = request.GET.get("status") or None
    if status and status not in AppealStatus.values:
        status = None
    appeals = selectors.appeal_list_for_position(position=position, status=status)
    return render(request, "evaluation/console_appeals.html", {
        "page": page_of(request, appeals, 30), "status": status,
        "statuses": AppealStatus.choices,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def console_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    appeal = selectors.appeal_get_for_position(position=position, pk=pk)
    if request.method == "POST":
        try:
            services.appeal_review(appeal=appeal, actor=request.user, position=position,
                                   uphold=request.POST.get("decision") == "uphold",
                                   note=request.POST.get("note", ""))
            messages.success(request, _("复核意见已记录"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("evaluation:console_appeal", pk=appeal.pk)
    return render(request, "evaluation/console_appeal.html", {
        "appeal": appeal, "rating": appeal.rating,
        "can_review": has_perm(position, Perm.RATING_REVIEW) and appeal.status == AppealStatus.PENDING,
    })


@require_POST
@staff_required
def console_mark_overdue(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    if not has_perm(position, Perm.RATING_REVIEW):
        return _error(request, NotFound(_("页面不存在")))
    count = services.rectifications_mark_overdue()
    messages.success(request, _("已标记 %(n)s 条逾期整改") % {"n": count})
    return redirect("evaluation:console_rectifications")
