"""申诉复核: the responsible department appeals a rating; a supervisor outside it reviews the appeal.

* ``appeal_file``: the department (``RATING_RECTIFY``) appeals a rating it believes mistaken or
  malicious, once per rating;
* ``appeal_review`` (``RATING_REVIEW``): upheld, the rating is excluded from statistics and its
  rectification is cancelled (its clock stops); rejected, the rating stays valid. A department
  never reviews its own appeal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.evaluation.models import (
    Appeal,
    AppealStatus,
    Rating,
    RatingStatus,
    Rectification,
    RectificationStatus,
)
from yiwang.evaluation.services.records import _check_actor, _in_scope, _require
from yiwang.evaluation.services.rectification import RECTIFY_CLOCK_PURPOSE
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope


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
