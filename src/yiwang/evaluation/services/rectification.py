"""差评整改: a bad rating is called back, rectified and answered (回访核实 → 整改 → 反馈).

* ``_rectification_open``: every bad rating opens a rectification on the shared working-day clock
  (``RECTIFY_CLOCK_PURPOSE``, ``rectify_workdays``: 15 by default) and tells the department heads;
* ``rectification_callback``: 回访核实, the department calls the rater back (a named rating requires it);
* ``rectification_complete``: 整改 done, the clock stops and the rater gets feedback (``_send_feedback``);
* ``rectifications_mark_overdue``: the periodic task marking rectifications past their due date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.env import env_int
from yiwang.evaluation.models import Rating, Rectification, RectificationStatus
from yiwang.evaluation.services.records import _check_actor, _in_scope, _rect_dict, _require
from yiwang.org.models import Position
from yiwang.org.roles import Perm

RECTIFY_CLOCK_PURPOSE = "rating_rectify"



def rectify_workdays() -> int:
    return int(getattr(settings, "YIWANG_RECTIFY_WORKDAYS", None) or env_int("YIWANG_RECTIFY_WORKDAYS", 15,
                                                                              minimum=1))



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
