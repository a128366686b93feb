"""Overrides of the one-time rule (一次性告知): a second supplement notice.

**An override is given by the person who overrides.** The clerk cannot name a supervisor as the
approver; the clerk files :func:`supplement_override_request` (items, reason, optionally the
supervisor asked), nothing is issued, and a supervisor over the case's division sees it in
:func:`pending_override_requests` and approves or rejects it in their own session
(:func:`supplement_override_decide`). On approval the notice is issued in the clerk's name with the
supervisor recorded as ``override_by``, and flagged for supervision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases.acceptance import (
    MAX_REASON,
    _clean_items,
    _is_supervisor_of,
    _issue_supplement,
    _lock_for_supervisor,
    _lock_in_scope,
    _reason,
    _require_status,
)
from yiwang.cases.deadlines import now_or
from yiwang.cases.models import ApprovalStatus, Case, CaseStatus, SupplementNotice, SupplementOverrideRequest
from yiwang.cases.timeline import event_add
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def supplement_override_request(
    *, case: Case, actor: Any, position: Position | None, items: list[dict[str, Any]], reason: str,
    asked: Position | None = None, now: datetime | None = None,
) -> SupplementOverrideRequest:
    """A clerk asks for a second supplement notice; nothing is issued until a supervisor approves it.
    ``asked``: the supervisor the clerk asks (optional; any supervisor over the case may decide)."""
    text = _reason(reason, "override_reason")
    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        assert position is not None
        _require_status(locked, CaseStatus.SUBMITTED)
        if not SupplementNotice.objects.filter(case=locked).exists():
            raise Conflict(_("首次补正无须批准，请直接出具补正材料通知书"), code="first_supplement")
        if asked is not None and not _is_supervisor_of(asked, locked):
            raise InvalidInput(_("所选人员无权批准再次补正"), code="supplement_override_invalid",
                               details={"fields": {"override_position": _("请选择本办件的监督人员")}})
        if SupplementOverrideRequest.objects.filter(case=locked, status=ApprovalStatus.PENDING).exists():
            raise Conflict(_("已有待批准的再次补正申请"), code="override_pending")
        cleaned = _clean_items(locked, items)
        request = SupplementOverrideRequest.objects.create(
            case=locked, items=cleaned, reason=text, requested_by=actor, requested_by_position=position,
            requested_at=moment, asked_position=asked)
        event_add(locked, "supplement_override_requested", _("已申请再次补正，待监督人员批准"), public=False,
                  actor=actor, at=moment)
        audit_record(action="case.supplement.override_request", actor=actor, position=position, obj=locked,
                     after={"request": request.pk, "items": cleaned, "reason": text,
                            "asked_position": getattr(asked, "pk", None)})
    return request


def supplement_override_decide(*, request_id: int, actor: Any, position: Position | None, approve: bool,
                               note: str = "", now: datetime | None = None) -> SupplementOverrideRequest:
    """The supervisor approves (the notice is issued now, in the clerk's name, with the supervisor as
    the one who overrode) or rejects the request, in their own session."""
    moment = now_or(now)
    if position is None or not has_perm(position, Perm.SUPPLEMENT_OVERRIDE) or \
            getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("只有监督人员本人可以批准再次补正"), code="override_not_supervisor")
    with transaction.atomic():
        request = (SupplementOverrideRequest.objects.select_for_update()
                   .filter(pk=request_id, case__division__path__startswith=position.division.path).first())
        if request is None:
            raise NotFound(_("批准申请不存在或不在本岗位监督范围内"))
        if request.status != ApprovalStatus.PENDING:
            raise Conflict(_("该申请已处理"), code="override_decided")
        locked = _lock_for_supervisor(request.case, position)
        request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        request.decided_by, request.decided_by_position, request.decided_at = actor, position, moment
        request.decision_note = (note or "").strip()[:MAX_REASON]
        if approve:
            _require_status(locked, CaseStatus.SUBMITTED)
            previous = SupplementNotice.objects.filter(case=locked).count()
            request.notice = _issue_supplement(
                locked, request.items, actor=request.requested_by, position=request.requested_by_position,
                moment=moment, override_user=actor, override_reason=request.reason, previous=previous,
                approved_by_position=position)
        request.save()
        audit_record(action="case.supplement.override_decide", actor=actor, position=position, obj=locked,
                     after={"request": request.pk, "status": request.status, "note": request.decision_note,
                            "notice": request.notice_id})
    return request


def pending_override_requests(*, position: Position | None) -> Any:
    """Requests waiting for a supervisor over the case's division."""
    if position is None or not has_perm(position, Perm.SUPPLEMENT_OVERRIDE):
        return SupplementOverrideRequest.objects.none()
    return (SupplementOverrideRequest.objects.filter(status=ApprovalStatus.PENDING,
                                                     case__division__path__startswith=position.division.path)
            .select_related("case", "requested_by", "asked_position__user").order_by("requested_at"))
