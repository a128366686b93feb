"""好差评 writes: invitations, ratings (online, window device, public), window sessions,
rectification (回访核实 → 整改 → 反馈) and appeals (申诉复核).

Every function checks its caller, runs in one transaction, writes the audit chain and sends
notifications after commit.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.masking import mask_name, mask_phone
from yiwang.env import env_int
from yiwang.evaluation.models import (
    Appeal,
    AppealStatus,
    BadReason,
    Grade,
    PlatformChannel,
    Rating,
    RatingChannel,
    RatingInvitation,
    RatingStatus,
    Rectification,
    RectificationStatus,
    TargetKind,
    WindowDevice,
    WindowSession,
    is_bad,
)
from yiwang.org.models import Department, Division, Position, ServiceHall, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm

RECTIFY_CLOCK_PURPOSE = "rating_rectify"
MAX_COMMENT = 1000
# Case statuses after which the applicant is invited to rate (一事一评).
RATEABLE_CASE_STATUSES = ("completed", "denied", "rejected")


def rating_link_days() -> int:
    return int(getattr(settings, "YIWANG_RATING_LINK_DAYS", None) or env_int("YIWANG_RATING_LINK_DAYS", 7, minimum=1))


def rectify_workdays() -> int:
    return int(getattr(settings, "YIWANG_RECTIFY_WORKDAYS", None) or env_int("YIWANG_RECTIFY_WORKDAYS", 15,
                                                                              minimum=1))


# --- helpers ---------------------------------------------------------------------------------


def _require(position: Position | None, perm: str) -> Position:
    if position is None or not position.is_active:
        raise PermissionDenied(_("您没有可用的工作岗位"))
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"required_permission": str(perm)})
    return position


def _check_actor(actor: Any, position: Position) -> None:
    if getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("操作人必须是当前岗位的持有人"))


def _in_scope(position: Position, *, division: Division | None, department_id: int | None) -> bool:
    scope = Scope.of(position)
    if division is None or not scope.contains_division_path(division.path):
        return False
    return scope.department_id is None or scope.department_id == department_id


def _clean_grade(grade: Any) -> int:
    try:
        value = int(grade)
    except (TypeError, ValueError):
        raise InvalidInput(_("请选择评价等级"), details={"field": "grade"}) from None
    if value not in Grade.values:
        raise InvalidInput(_("评价等级不正确"), details={"field": "grade"})
    return value


def _clean_reasons(grade: int, reasons: Any) -> list[str]:
    if reasons is None:
        reasons = []
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list | tuple):
        raise InvalidInput(_("差评原因格式不正确"), details={"field": "reasons"})
    cleaned: list[str] = []
    for reason in reasons:
        if reason not in BadReason.values:
            raise InvalidInput(_("差评原因不正确"), details={"field": "reasons", "value": str(reason)[:40]})
        if reason not in cleaned:
            cleaned.append(reason)
    if is_bad(grade) and not cleaned:
        raise InvalidInput(_("差评须至少选择一项原因"), details={"field": "reasons"})
    return cleaned if is_bad(grade) else []


def _clean_comment(comment: Any) -> str:
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_("评价内容不能超过 %(n)s 字") % {"n": MAX_COMMENT}, details={"field": "comment"})
    return text


def _root_division() -> Division | None:
    return Division.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("code").first()


def _rating_dict(rating: Rating) -> dict[str, Any]:
    return {
        "target_kind": rating.target_kind, "case": rating.case_id, "window": rating.window_id,
        "staff": rating.staff_id, "department": rating.department_id, "hall": rating.hall_id,
        "channel": rating.channel, "grade": rating.grade, "reasons": rating.reasons, "status": rating.status,
        "named": rating.named,
    }


def _rect_dict(rect: Rectification) -> dict[str, Any]:
    return {
        "status": rect.status, "due_date": rect.due_date, "callback_verified": rect.callback_verified,
        "callback_at": rect.callback_at, "done_on": rect.done_on, "feedback_sent_at": rect.feedback_sent_at,
    }


def _save_rating(rating: Rating) -> Rating:
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated") from None
    return rating


def _after_rating(rating: Rating, *, actor: Any, position: Position | None, today: date | None) -> None:
    audit_record(action="rating.submit", actor=actor, position=position, obj=rating, after=_rating_dict(rating))
    if rating.is_bad:
        _rectification_open(rating, today=today)


def _rectification_open(rating: Rating, *, today: date | None = None) -> Rectification:
    """A bad rating opens 差评整改 on the shared working-day clock (default 15 working days)."""
    from yiwang.calendar import services as clock_services

    start = today or timezone.localdate()
    rect = Rectification(
        rating=rating, department=rating.department, division=rating.division, responsible=rating.staff,
        callback_required=rating.named, budget_workdays=rectify_workdays(), start_date=start, due_date=start,
    )
    rect.save()
    clock = clock_services.clock_start(obj=rect, start=start, budget=rect.budget_workdays, position=None,
                                       actor=None, purpose=RECTIFY_CLOCK_PURPOSE, today=start)
    rect.due_date = clock.due_date
    rect.save(update_fields=["due_date"])
    audit_record(action="rating.rectification_open", obj=rect, after=_rect_dict(rect))
    department_id = rect.department_id
    rect_id = rect.pk
    transaction.on_commit(lambda: _notify_department_heads(department_id, rect_id), robust=True)
    return rect


def _notify_department_heads(department_id: int | None, rect_id: int) -> None:
    from yiwang.notify.services import notify_person

    if department_id is None:
        return
    rect = Rectification.objects.select_related("rating").filter(pk=rect_id).first()
    if rect is None:
        return
    heads = Position.objects.filter(department_id=department_id, role="department_head", is_active=True)
    for head in heads.select_related("user"):
        notify_person(user=head.user, template="rating.bad_received", channels=["inbox", "sms"],
                      context={"grade": rect.rating.get_grade_display(), "due_date": rect.due_date.isoformat(),
                               "reasons": "、".join(rect.rating.reason_labels())},
                      dedupe_key=f"rating-rect-{rect.pk}")


# --- 一事一评: invitations and online ratings ------------------------------------------------


def invitation_issue(*, case: Any, now: datetime | None = None) -> RatingInvitation | None:
    """Invite the applicant to rate ``case`` (SMS with ``/ratings/r/<token>/``). One per case;
    called again it returns the existing invitation. None when nobody can be reached."""
    now = now or timezone.now()
    existing = RatingInvitation.objects.filter(case=case).first()
    if existing is not None:
        return existing
    user = case.applicant_user
    phone = ""
    if case.applicant_phone_enc:
        from yiwang.cases.personal_data import applicant_phone

        phone = applicant_phone(case)
    elif user is not None and user.phone_enc:
        phone = user.decrypt_phone()
    if user is None and not phone:
        return None
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = RatingInvitation(
            case=case, token=token, user=user, expires_at=now + timedelta(days=rating_link_days()),
            phone_enc=crypto.encrypt(phone, associated=b"phone") if phone else "",
            phone_index=crypto.blind_index(phone, purpose="phone") if phone else "",
            phone_masked=mask_phone(phone) if phone else "",
        )
        try:
            with transaction.atomic():
                invitation.save(force_insert=True)
        except IntegrityError:
            return RatingInvitation.objects.get(case=case)
        audit_record(action="rating.invite", obj=invitation, after={"case": case.pk,
                                                                    "expires_at": invitation.expires_at})
        invitation_id = invitation.pk
        transaction.on_commit(lambda: _send_invitation(invitation_id), robust=True)
    return invitation


def rating_link(token: str) -> str:
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}/ratings/r/{token}/"


def _send_invitation(invitation_id: int) -> None:
    from yiwang.notify.services import notify_person, notify_phone

    invitation = RatingInvitation.objects.select_related("case", "user").filter(pk=invitation_id).first()
    if invitation is None:
        return
    case = invitation.case
    context = {"case_number": case.number or "", "item": str(case.version.name if case.version_id else ""),
               "link": rating_link(invitation.token), "days": rating_link_days(), "name": case.applicant_name}
    key = f"rating-invite-{case.pk}"
    if invitation.user is not None:
        notify_person(user=invitation.user, template="rating.invite", context=context, dedupe_key=key)
    elif invitation.phone_enc:
        notify_phone(phone=crypto.decrypt(invitation.phone_enc, associated=b"phone"), template="rating.invite",
                     context=context, dedupe_key=key)


def invitation_get(*, token: str, now: datetime | None = None) -> RatingInvitation:
    """The invitation behind a link, or NotFound / Conflict (expired, already used)."""
    token = str(token or "").strip()
    if not token or len(token) > 64:
        raise NotFound(_("评价链接无效"))
    invitation = RatingInvitation.objects.select_related("case", "case__department", "case__version").filter(
        token=token).first()
    if invitation is None:
        raise NotFound(_("评价链接无效"))
    if invitation.used_at is not None:
        raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated")
    if (now or timezone.now()) >= invitation.expires_at:
        raise Conflict(_("评价链接已过期"), code="link_expired")
    return invitation


def rating_submit_online(*, token: str, grade: Any, reasons: Any = None, comment: str = "",
                         now: datetime | None = None) -> Rating:
    """一事一评 through the SMS link: valid only before expiry, once per case per applicant."""
    now = now or timezone.now()
    grade = _clean_grade(grade)
    cleaned = _clean_reasons(grade, reasons)
    text = _clean_comment(comment)
    with transaction.atomic():
        invitation = invitation_get(token=token, now=now)
        invitation = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated")
        case = invitation.case
        user = invitation.user
        rater_key = f"u:{user.pk}" if user is not None else (f"p:{invitation.phone_index}"
                                                            if invitation.phone_index else f"i:{invitation.pk}")
        rating = Rating(
            target_kind=TargetKind.CASE, case=case, department=case.department, division=case.division,
            channel=RatingChannel.ONLINE, grade=grade, reasons=cleaned, comment=text, rater=user,
            rater_name_masked=mask_name(case.applicant_name), named=True,
            rater_phone_enc=invitation.phone_enc, rater_phone_masked=invitation.phone_masked, rater_key=rater_key,
            created_at=now,
        )
        _save_rating(rating)
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        _after_rating(rating, actor=user, position=None, today=timezone.localdate(now))
    return rating


# --- public ratings of a window, staff member, department, hall or the platform --------------


def rating_submit_public(*, target_kind: str, target_id: int | None = None, grade: Any, reasons: Any = None,
                         comment: str = "", rater: Any = None, platform_channel: str = "",
                         today: date | None = None) -> Rating:
    """A member of the public rates a window, staff member, department, service hall or the platform.

    Anonymous raters are allowed (``rater=None``); a signed-in rater is named and gets a callback."""
    grade = _clean_grade(grade)
    cleaned = _clean_reasons(grade, reasons)
    text = _clean_comment(comment)
    rating = Rating(target_kind=target_kind, channel=RatingChannel.ONLINE, grade=grade, reasons=cleaned,
                    comment=text)
    if target_kind not in (TargetKind.WINDOW, TargetKind.STAFF, TargetKind.DEPARTMENT, TargetKind.HALL,
                           TargetKind.PLATFORM):
        raise InvalidInput(_("评价对象不正确"), details={"field": "target_kind"})
    if target_kind != TargetKind.PLATFORM and target_id is None:
        raise InvalidInput(_("请选择评价对象"), details={"field": "target_id"})
    pk: int = target_id or 0
    if target_kind == TargetKind.WINDOW:
        window = Window.objects.select_related("hall__division").filter(pk=pk, is_active=True).first()
        if window is None:
            raise NotFound(_("窗口不存在"))
        rating.window, rating.hall, rating.division = window, window.hall, window.hall.division
        rating.department = window.departments.order_by("pk").first()
    elif target_kind == TargetKind.STAFF:
        position = (Position.objects.select_related("division", "department", "user")
                    .filter(user_id=pk, is_active=True, user__is_active=True,
                            role__in=["window_clerk", "reviewer", "approver", "department_head"])
                    .order_by("pk").first())
        if position is None:
            raise NotFound(_("工作人员不存在"))
        rating.staff, rating.department, rating.division = position.user, position.department, position.division
    elif target_kind == TargetKind.DEPARTMENT:
        department = Department.objects.select_related("division").filter(pk=pk, is_active=True).first()
        if department is None:
            raise NotFound(_("部门不存在"))
        rating.department, rating.division = department, department.division
    elif target_kind == TargetKind.HALL:
        hall = ServiceHall.objects.select_related("division").filter(pk=pk, is_active=True).first()
        if hall is None:
            raise NotFound(_("服务大厅不存在"))
        rating.hall, rating.division = hall, hall.division
    elif target_kind == TargetKind.PLATFORM:
        if platform_channel not in PlatformChannel.values:
            raise InvalidInput(_("请选择平台渠道"), details={"field": "platform_channel"})
        rating.platform_channel = platform_channel
        rating.division = _root_division()
    else:
        raise InvalidInput(_("评价对象不正确"), details={"field": "target_kind"})
    if rater is not None and getattr(rater, "is_authenticated", False):
        rating.rater = rater
        rating.named = True
        rating.rater_name_masked = mask_name(rater.display_name)
        rating.rater_phone_enc = rater.phone_enc
        rating.rater_phone_masked = rater.phone_masked
        rating.rater_key = f"u:{rater.pk}"
    with transaction.atomic():
        _save_rating(rating)
        _after_rating(rating, actor=rating.rater, position=None, today=today)
    return rating


# --- 一次一评 at the window: sessions and the evaluator device --------------------------------


def _window_in_scope(position: Position, window: Window) -> bool:
    if position.window_id is not None and position.window_id == window.pk:
        return True
    scope = Scope.of(position)
    if not scope.contains_division_path(window.hall.division.path):
        return False
    if scope.department_id is None or window.is_comprehensive:
        return True
    department_ids = set(window.departments.values_list("pk", flat=True))
    return not department_ids or scope.department_id in department_ids


def window_clerk_may_use(*, position: Position | None, window: Window) -> bool:
    return (position is not None and position.is_active and has_perm(position, Perm.CASE_ACCEPT)
            and _window_in_scope(position, window))


def window_session_start(*, window: Window, actor: Any, position: Position | None, service: str = "",
                         ticket: str = "", case: Any = None) -> WindowSession:
    """The clerk starts serving someone at ``window``; the evaluator device shows this service.
    Any earlier unrated session of the window is closed (the citizen left without rating)."""
    position = _require(position, Perm.CASE_ACCEPT)
    _check_actor(actor, position)
    window = Window.objects.select_related("hall__division").get(pk=window.pk)
    if not window_clerk_may_use(position=position, window=window):
        raise PermissionDenied(_("该窗口不在您的权限范围内"))
    service = str(service or "").strip()[:200]
    ticket = str(ticket or "").strip()[:20]
    if case is not None:
        from yiwang.cases.selectors import case_list_for_staff

        if not case_list_for_staff(position=position).filter(pk=case.pk).exists():
            raise NotFound(_("办件不存在或不在您的权限范围内"))
        service = service or str(case.version.name)
    now = timezone.now()
    with transaction.atomic():
        WindowSession.objects.filter(window=window, finished_at__isnull=True).update(finished_at=now)
        session = WindowSession.objects.create(
            window=window, staff=actor, department=position.department, case=case, ticket=ticket, service=service)
        audit_record(action="rating.window_session_start", actor=actor, position=position, obj=session,
                     after={"window": window.pk, "service": service, "ticket": ticket,
                            "case": getattr(case, "pk", None)})
    return session


def window_session_finish(*, session: WindowSession, actor: Any, position: Position | None) -> WindowSession:
    position = _require(position, Perm.CASE_ACCEPT)
    _check_actor(actor, position)
    if session.staff_id != actor.pk:
        raise PermissionDenied(_("只能结束本人的窗口服务"))
    with transaction.atomic():
        locked = WindowSession.objects.select_for_update().get(pk=session.pk)
        if locked.finished_at is not None:
            raise Conflict(_("该窗口服务已结束"))
        locked.finished_at = timezone.now()
        locked.save(update_fields=["finished_at"])
        audit_record(action="rating.window_session_finish", actor=actor, position=position, obj=locked,
                     after={"finished_at": locked.finished_at})
    return locked


def window_current_session(window: Window, *, within_minutes: int = 30) -> WindowSession | None:
    """The service the evaluator device asks about: the newest unrated session that is running,
    or finished within ``within_minutes`` (the citizen rates just after the clerk finishes)."""
    cutoff = timezone.now() - timedelta(minutes=within_minutes)
    session = (WindowSession.objects.select_related("staff", "window", "department")
               .filter(window=window, rated=False).order_by("-started_at", "-id").first())
    if session is None:
        return None
    if session.finished_at is not None and session.finished_at < cutoff:
        return None
    return session


def window_device_register(*, window: Window, actor: Any, position: Position | None) -> str:
    """Bind an evaluator device to ``window``; returns its secret token (shown once).
    Registering again replaces the previous token."""
    position = _require(position, Perm.CASE_ACCEPT)
    _check_actor(actor, position)
    window = Window.objects.select_related("hall__division").get(pk=window.pk)
    if not window_clerk_may_use(position=position, window=window):
        raise PermissionDenied(_("该窗口不在您的权限范围内"))
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        WindowDevice.objects.update_or_create(
            window=window, defaults={"token_index": crypto.blind_index(token, purpose="rating_device")})
        audit_record(action="rating.device_register", actor=actor, position=position, obj=window)
    return token


def window_device_check(*, window: Window, token: str) -> bool:
    token = str(token or "")
    if not token or len(token) > 64:
        return False
    device = WindowDevice.objects.filter(window=window).first()
    return device is not None and crypto.constant_time_equal(
        device.token_index, crypto.blind_index(token, purpose="rating_device"))


def rating_submit_window(*, window: Window, grade: Any, reasons: Any = None, comment: str = "",
                         session_id: int | None = None, today: date | None = None) -> Rating:
    """一次一评: the citizen taps a grade on the evaluator device of ``window`` (the caller has
    authenticated the device). The rating counts for the window, the clerk and their department."""
    grade = _clean_grade(grade)
    cleaned = _clean_reasons(grade, reasons)
    text = _clean_comment(comment)
    with transaction.atomic():
        session = window_current_session(window)
        if session is None or (session_id is not None and session.pk != session_id):
            raise Conflict(_("当前没有待评价的窗口服务"), code="no_session")
        session = WindowSession.objects.select_for_update().get(pk=session.pk)
        if session.rated:
            raise Conflict(_("该次服务已评价"), code="already_rated")
        rating = Rating(
            target_kind=TargetKind.WINDOW, window=window, hall=window.hall, division=window.hall.division,
            staff=session.staff, department=session.department, case=session.case, session=session,
            channel=RatingChannel.WINDOW, grade=grade, reasons=cleaned, comment=text,
        )
        _save_rating(rating)
        session.rated = True
        session.finished_at = session.finished_at or timezone.now()
        session.save(update_fields=["rated", "finished_at"])
        _after_rating(rating, actor=None, position=None, today=today)
    return rating


# --- 差评整改: callback, rectification, feedback ------------------------------------------------


def _lock_rect(rect: Rectification, position: Position) -> Rectification:
    locked = (Rectification.objects.select_for_update(of=("self",)).select_related("rating", "division")
              .get(pk=rect.pk))
    if not _in_scope(position, division=locked.division, department_id=locked.department_id):
        raise NotFound(_("整改记录不存在或不在您的权限范围内"))
    if position.department_id is None or position.department_id != locked.department_id:
        raise PermissionDenied(_("只有责任部门可以办理整改"))
    return locked


def rectification_callback(*, rectification: Rectification, actor: Any, position: Position | None,
                           verified: bool, note: str, now: datetime | None = None) -> Rectification:
    """回访核实: the department calls the rater back and records whether the complaint is true."""
    position = _require(position, Perm.RATING_RECTIFY)
    _check_actor(actor, position)
    note = str(note or "").strip()
    if not note:
        raise InvalidInput(_("请填写回访记录"), details={"field": "callback_note"})
    with transaction.atomic():
        rect = _lock_rect(rectification, position)
        if rect.status in (RectificationStatus.DONE, RectificationStatus.CANCELLED):
            raise Conflict(_("该整改已结束"))
        before = _rect_dict(rect)
        rect.callback_verified = bool(verified)
        rect.callback_note = note[:2000]
        rect.callback_at = now or timezone.now()
        rect.callback_by = actor
        if rect.status == RectificationStatus.OPEN:
            rect.status = RectificationStatus.RECTIFYING
        rect.save(update_fields=["callback_verified", "callback_note", "callback_at", "callback_by", "status"])
        audit_record(action="rating.callback", actor=actor, position=position, obj=rect, before=before,
                     after=_rect_dict(rect))
    return rect


def rectification_complete(*, rectification: Rectification, actor: Any, position: Position | None, plan: str,
                           result: str, now: datetime | None = None) -> Rectification:
    """整改完成: the plan and result are recorded, the clock stops and the rater is told the result."""
    from yiwang.calendar import selectors as clock_selectors
    from yiwang.calendar import services as clock_services

    position = _require(position, Perm.RATING_RECTIFY)
    _check_actor(actor, position)
    plan, result = str(plan or "").strip(), str(result or "").strip()
    if not plan or not result:
        raise InvalidInput(_("请填写整改措施和整改结果"), details={"field": "plan" if not plan else "result"})
    now = now or timezone.now()
    with transaction.atomic():
        rect = _lock_rect(rectification, position)
        if rect.status in (RectificationStatus.DONE, RectificationStatus.CANCELLED):
            raise Conflict(_("该整改已结束"))
        if rect.callback_required and rect.callback_at is None:
            raise Conflict(_("实名差评须先完成回访核实"), code="callback_required")
        before = _rect_dict(rect)
        rect.plan, rect.result = plan[:4000], result[:4000]
        rect.status = RectificationStatus.DONE
        rect.done_at = now
        rect.done_on = timezone.localdate(now)
        fields = ["plan", "result", "status", "done_at", "done_on"]
        if rect.rating.rater_id or rect.rating.rater_phone_enc:
            rect.feedback_sent_at = now
            fields.append("feedback_sent_at")
        rect.save(update_fields=fields)
        clock = clock_selectors.clock_for_object(rect, purpose=RECTIFY_CLOCK_PURPOSE)
        if clock is not None and clock.stopped_at is None:
            clock_services.clock_stop(clock=clock, actor=actor, position=position, at=now)
        audit_record(action="rating.rectify", actor=actor, position=position, obj=rect, before=before,
                     after={**_rect_dict(rect), "plan": rect.plan, "result": rect.result})
        if rect.feedback_sent_at is not None:
            rect_id = rect.pk
            transaction.on_commit(lambda: _send_feedback(rect_id), robust=True)
    return rect


def _send_feedback(rect_id: int) -> None:
    from yiwang.notify.services import notify_person, notify_phone

    rect = Rectification.objects.select_related("rating", "rating__rater", "department").filter(pk=rect_id).first()
    if rect is None:
        return
    rating = rect.rating
    context = {"department": rect.department.name if rect.department else "", "result": rect.result,
               "name": rating.rater.display_name if rating.rater else ""}
    key = f"rating-feedback-{rect.pk}"
    if rating.rater is not None:
        notify_person(user=rating.rater, template="rating.feedback", context=context, dedupe_key=key)
    elif rating.rater_phone_enc:
        notify_phone(phone=crypto.decrypt(rating.rater_phone_enc, associated=b"phone"), template="rating.feedback",
                     context=context, dedupe_key=key)


def rectifications_mark_overdue(*, today: date | None = None) -> int:
    """Set-based: open rectifications past their due date become *overdue*. Returns the count."""
    today = today or timezone.localdate()
    return Rectification.objects.filter(
        status__in=[RectificationStatus.OPEN, RectificationStatus.RECTIFYING], due_date__lt=today,
    ).update(status=RectificationStatus.OVERDUE)


# --- 申诉复核 -----------------------------------------------------------------------------------


def appeal_file(*, rating: Rating, actor: Any, position: Position | None, reason: str, evidence: str = "",
                attachment: Any = None) -> Appeal:
    """The responsible department appeals a rating it believes mistaken or malicious."""
    position = _require(position, Perm.RATING_RECTIFY)
    _check_actor(actor, position)
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写申诉理由"), details={"field": "reason"})
    with transaction.atomic():
        locked = Rating.objects.select_for_update(of=("self",)).select_related("division").get(pk=rating.pk)
        if not _in_scope(position, division=locked.division, department_id=locked.department_id) or (
                position.department_id is None or position.department_id != locked.department_id):
            raise NotFound(_("评价不存在或不在您的权限范围内"))
        if locked.status != RatingStatus.VALID:
            raise Conflict(_("该评价正在申诉或已剔除"), code="appeal_exists")
        if locked.appeals.exists():
            raise Conflict(_("每条评价只能申诉一次"), code="appeal_exists")
        appeal = Appeal(rating=locked, department=locked.department, reason=reason[:4000],
                        evidence=str(evidence or "")[:4000], filed_by=actor)
        if attachment is not None:
            appeal.attachment = attachment
        appeal.save()
        locked.status = RatingStatus.UNDER_APPEAL
        locked.save(update_fields=["status"])
        audit_record(action="rating.appeal_file", actor=actor, position=position, obj=appeal,
                     after={"rating": locked.pk, "reason": appeal.reason})
    return appeal


def appeal_review(*, appeal: Appeal, actor: Any, position: Position | None, uphold: bool,
                  note: str = "", now: datetime | None = None) -> Appeal:
    """复核: a supervisor upholds (the rating is excluded from statistics, its rectification is
    cancelled) or rejects the appeal (the rating stays valid)."""
    from yiwang.calendar import selectors as clock_selectors
    from yiwang.calendar import services as clock_services

    position = _require(position, Perm.RATING_REVIEW)
    _check_actor(actor, position)
    note = str(note or "").strip()
    if not note:
        raise InvalidInput(_("请填写复核意见"), details={"field": "note"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = (Appeal.objects.select_for_update(of=("self", "rating")).select_related("rating", "rating__division")
                  .get(pk=appeal.pk))
        rating = locked.rating
        if rating.division is None or not Scope.of(position).contains_division_path(rating.division.path):
            raise NotFound(_("申诉不存在或不在您的权限范围内"))
        if Scope.of(position).department_id is not None:
            raise PermissionDenied(_("部门不能复核本部门的申诉"))
        if locked.status != AppealStatus.PENDING:
            raise Conflict(_("该申诉已复核"))
        locked.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
        locked.reviewer, locked.review_note, locked.reviewed_at = actor, note[:4000], now
        locked.save(update_fields=["status", "reviewer", "review_note", "reviewed_at"])
        rating.status = RatingStatus.EXCLUDED if uphold else RatingStatus.VALID
        rating.save(update_fields=["status"])
        rect = Rectification.objects.filter(rating=rating).first()
        if uphold and rect is not None and rect.status != RectificationStatus.DONE:
            rect.status = RectificationStatus.CANCELLED
            rect.save(update_fields=["status"])
            clock = clock_selectors.clock_for_object(rect, purpose=RECTIFY_CLOCK_PURPOSE)
            if clock is not None and clock.stopped_at is None:
                clock_services.clock_stop(clock=clock, actor=actor, position=position, at=now)
        audit_record(action="rating.appeal_review", actor=actor, position=position, obj=locked,
                     after={"status": locked.status, "rating_status": rating.status, "note": locked.review_note})
    return locked
