"""一次一评 at the window: the clerk's service session and the evaluator device (评价器).

* ``window_clerk_may_use``/``window_session_start``/``window_session_finish``/``window_current_session``:
  the clerk serves someone at a window in scope (an earlier unrated session is closed); the device
  asks for the newest unrated session;
* ``window_device_register``/``window_device_check``: bind a device to a window with a secret token
  (shown once; registering again replaces it), and check it;
* ``rating_submit_window``: the device submits the rating of the current session.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, NotFound, PermissionDenied
from yiwang.evaluation.models import Rating, RatingChannel, TargetKind, WindowDevice, WindowSession
from yiwang.evaluation.services.ratings import _after_rating, _save_rating
from yiwang.evaluation.services.records import (
    _check_actor,
    _clean_comment,
    _clean_grade,
    _clean_reasons,
    _require,
)
from yiwang.org.models import Position, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm


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
