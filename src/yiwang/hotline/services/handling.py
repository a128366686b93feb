"""Handling (办理) of a dispatched ticket up to the callback (回访), and escalation (督办).

* ``reply_submit`` (unit) → ``reply_review`` (centre): approval stops the clock and sends the reply to
  the caller (and to tickets merged into this one);
* ``callback_record``: an unsatisfied, unresolved ticket is reopened (重办) with a fresh clock, at most
  ``max_reopens`` times;
* ``ticket_flag_for_leader``/``leader_instruct``: 领导批示;
* ``extension_request``/``extension_decide``: ``clock_extend`` in the clock's unit;
* ``escalation_sweep``: yellow clocks are urged (催办), red ones supervised (督办), once per level and round.
"""


from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar.clocks import clock_state
from yiwang.calendar.models import Clock, ClockStatus
from yiwang.calendar.services import clock_extend, clock_stop
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline.centre import centre_department, require, require_centre
from yiwang.hotline.models import (
    CLOCK_STATUSES,
    FINAL_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    CallbackMethod,
    Escalation,
    EscalationKind,
    EscalationLevel,
    ExtensionRequest,
    ExtensionStatus,
    LeaderInstruction,
    Reply,
    ReplyStatus,
    Satisfaction,
    Ticket,
    TicketStatus,
)
from yiwang.hotline.services.dispatch import (
    ACTIVE_ASSIGNMENT,
    _dispatch,
    _expected,
    _lock_assignment,
    _unit_position_for,
)
from yiwang.hotline.services.intake import _copy_reply
from yiwang.hotline.services.messages import (
    _on_commit_unit,
    _tell_caller,
)
from yiwang.hotline.services.records import (
    _event,
    _lock,
    _save,
    _snapshot,
    _text,
    _user,
    attachment_store,
    check_attachments,
    max_reopens,
)
from yiwang.org.models import Position
from yiwang.org.roles import Perm

logger = logging.getLogger(__name__)

def reply_submit(*, assignment: Assignment, content: str, evidence: Iterable[Any] = (), actor: Any,
                 position: Position) -> Reply:
    """办理答复: the unit (or the village it re-dispatched to) records what it did, with evidence."""
    _unit_position_for(assignment, position)
    content = _text(content, "content")
    checked = check_attachments(evidence, field="evidence")
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能答复"))
        if ticket.status in FINAL_STATUSES:
            raise Conflict(_("工单已办结"))
        if Reply.objects.filter(assignment=locked, status=ReplyStatus.PENDING_REVIEW).exists():
            raise Conflict(_("已有答复正在审核"))
        top = locked.parent or locked
        reply = Reply.objects.create(ticket=ticket, assignment=top, unit=locked.unit, content=content,
                                     submitted_by=_user(actor))
        for item in checked:
            attachment_store(ticket, item, reply=reply, actor=actor)
        locked.status = AssignmentStatus.REPLIED
        locked.save(update_fields=["status"])
        if top.pk != locked.pk:
            Assignment.objects.filter(pk=top.pk).update(status=AssignmentStatus.REPLIED)
        if top.role == AssignmentRole.LEAD:
            ticket.status = TicketStatus.REPLIED
            _save(ticket, "status")
        _event(ticket, "reply_submitted", _("%(unit)s提交办理答复") % {"unit": locked.unit.name}, actor=actor,
               unit=locked.unit, public=False)
        audit_record(action="hotline.reply.submit", actor=actor, position=position, obj=reply,
                     after={"ticket": ticket.pk, "assignment": locked.pk, "evidence": [c.sha256 for c in checked]})
    return reply


def reply_review(*, reply: Reply, approve: bool, note: str = "", actor: Any, position: Position) -> Reply:
    """答复审核: the centre approves (the lead unit's reply is sent to the caller, the clock stops,
    the ticket waits for callback; merged tickets get a copy) or rejects with a note (back to the unit)."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=reply.ticket_id)
        locked = Reply.objects.select_for_update(of=("self",)).select_related("assignment", "unit").get(pk=reply.pk)
        if locked.status != ReplyStatus.PENDING_REVIEW:
            raise Conflict(_("该答复不在待审核状态"))
        before = _snapshot(ticket)
        assignment = locked.assignment
        is_lead = assignment is not None and assignment.role == AssignmentRole.LEAD
        locked.status = ReplyStatus.APPROVED if approve else ReplyStatus.REJECTED
        locked.reviewer, locked.reviewed_at, locked.review_note = _user(actor), timezone.now(), note
        locked.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
        if approve:
            if assignment is not None:
                Assignment.objects.filter(Q(pk=assignment.pk) | Q(parent=assignment)).update(
                    status=AssignmentStatus.DONE)
            if is_lead:
                if assignment is not None and assignment.clock is not None and assignment.clock.stopped_at is None:
                    clock = clock_stop(clock=assignment.clock, actor=_user(actor), position=position)
                    ticket.light = clock.status
                ticket.status = TicketStatus.CALLBACK
                ticket.replied_at = timezone.now()
                _save(ticket, "status", "replied_at", "light")
                locked.sent_at = timezone.now()
                locked.save(update_fields=["sent_at"])
                _tell_caller(ticket, str(_("12345 办理结果")), locked.content, kind="reply_sent", actor=actor)
                for merged in ticket.merged_tickets.all():
                    _copy_reply(locked, merged)
                    _tell_caller(merged, str(_("12345 办理结果")), locked.content, kind="reply_sent", actor=actor)
        else:
            if assignment is not None:
                Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.ACCEPTED)
                Assignment.objects.filter(parent=assignment, status=AssignmentStatus.REPLIED).update(
                    status=AssignmentStatus.ACCEPTED)
            if is_lead:
                ticket.status = TicketStatus.REOPENED if ticket.reopen_count else TicketStatus.HANDLING
                _save(ticket, "status")
            _on_commit_unit(locked.unit, str(_("答复被退回")), str(_("工单 %(n)s 的答复未通过审核：%(note)s") % {
                "n": ticket.number, "note": note}), dedupe_key=f"hotline:reply_rejected:{locked.pk}")
        _event(ticket, "reply_approved" if approve else "reply_rejected", note or locked.content[:200], actor=actor,
               unit=locked.unit, public=approve)
        audit_record(action="hotline.reply.review", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(ticket), "approve": approve, "note": note})
    return locked


def callback_record(*, ticket: Ticket, method: str, satisfaction: str, resolved: bool, note: str = "",
                    actor: Any, position: Position) -> Callback:
    """回访: record satisfaction and resolution. 不满意 → 重办 (reopened to the same lead unit, fresh
    clock) up to :func:`max_reopens` times; after that the ticket is closed anyway, with a note."""
    require_centre(position, Perm.TICKET_REVIEW)
    if method not in CallbackMethod.values:
        raise InvalidInput(_("回访方式不正确"), details={"field": "method"})
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("满意度不正确"), details={"field": "satisfaction"})
    note = _text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.CALLBACK:
            raise Conflict(_("工单不在待回访状态"))
        before = _snapshot(locked)
        callback = Callback.objects.create(ticket=locked, method=method, satisfaction=satisfaction,
                                           resolved=bool(resolved), note=note, round=locked.reopen_count,
                                           recorded_by=_user(actor))
        reopen = satisfaction == Satisfaction.UNSATISFIED and locked.reopen_count < max_reopens()
        if reopen and locked.lead_unit is not None:
            locked.reopen_count += 1
            locked.status = TicketStatus.REGISTERED
            _dispatch(locked, lead_unit=locked.lead_unit, assisting_units=(),
                      note=_("回访不满意，重办（第%(n)s次）：%(note)s") % {"n": locked.reopen_count, "note": note},
                      actor=actor, position=position)
            _event(locked, "reopened", _("回访不满意，第%(n)s次重办") % {"n": locked.reopen_count}, actor=actor)
        else:
            locked.status = TicketStatus.CLOSED
            locked.closed_at = timezone.now()
            _save(locked, "status", "closed_at")
            text = _("回访%(s)s，办结") % {"s": callback.get_satisfaction_display()}
            if satisfaction == Satisfaction.UNSATISFIED:
                text = _("回访不满意，已达重办上限（%(n)s次），按规定办结") % {"n": max_reopens()}
            _event(locked, "closed", f"{text}。{note}".rstrip("。") + "。", actor=actor)
        audit_record(action="hotline.callback.record", actor=actor, position=position, obj=callback, before=before,
                     after={**_snapshot(locked), "satisfaction": satisfaction, "resolved": bool(resolved),
                            "reopened": reopen})
    return callback


# --- leader, extension, escalation ---------------------------------------------------------
def ticket_flag_for_leader(*, ticket: Ticket, flag: bool = True, note: str = "", actor: Any,
                           position: Position) -> Ticket:
    """呈领导批示: the centre flags a ticket for the leaders' mobile page."""
    require_centre(position, Perm.TICKET_DISPATCH)
    with transaction.atomic():
        locked = _lock(ticket)
        before = {"leader_flag": locked.leader_flag}
        locked.leader_flag = bool(flag)
        _save(locked, "leader_flag")
        _event(locked, "leader_flag", note or (_("呈领导批示") if flag else _("取消呈批")), actor=actor, public=False)
        audit_record(action="hotline.ticket.flag_leader", actor=actor, position=position, obj=locked,
                     before=before, after={"leader_flag": locked.leader_flag})
    return locked


def leader_instruct(*, ticket: Ticket, text: str, actor: Any, position: Position) -> LeaderInstruction:
    """领导批示 on a flagged ticket; the centre and the lead unit are told."""
    require(position, Perm.TICKET_INSTRUCT)
    text = _text(text, "text", limit=2000)
    with transaction.atomic():
        locked = _lock(ticket)
        if not locked.leader_flag:
            raise Conflict(_("该工单未呈领导批示"))
        instruction = LeaderInstruction.objects.create(ticket=locked, leader=actor, text=text)
        _event(locked, "instruction", _("领导批示：%(t)s") % {"t": text}, actor=actor, public=False)
        audit_record(action="hotline.ticket.instruct", actor=actor, position=position, obj=instruction,
                     after={"ticket": locked.pk, "text": text})
        message = str(_("工单 %(n)s 领导批示：%(t)s") % {"n": locked.number, "t": text})
        if locked.lead_unit is not None:
            _on_commit_unit(locked.lead_unit, str(_("领导批示")), message,
                            dedupe_key=f"hotline:instruction:{instruction.pk}")
        centre = centre_department()
        if centre is not None:
            _on_commit_unit(centre, str(_("领导批示")), message, dedupe_key=f"hotline:instruction:c{instruction.pk}",
                            channels=("inbox",))
    return instruction


def extension_request(*, assignment: Assignment, days: int, reason: str, actor: Any,
                      position: Position) -> ExtensionRequest:
    """延期申请 by the lead unit; the centre decides."""
    _unit_position_for(assignment, position)
    if assignment.role != AssignmentRole.LEAD or assignment.parent_id is not None:
        raise PermissionDenied(_("只有主办单位可以申请延期"))
    if not isinstance(days, int) or not 0 < days <= 30:
        raise InvalidInput(_("延长天数须为 1 至 30"), details={"field": "days"})
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT or locked.clock is None:
            raise Conflict(_("该派单当前状态不能申请延期"))
        if locked.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
            raise Conflict(_("已有延期申请待审批"))
        request = ExtensionRequest.objects.create(ticket=ticket, assignment=locked, days=days, reason=reason,
                                                  requested_by=_user(actor))
        _event(ticket, "extension_requested", _("申请延期 %(d)s：%(r)s") % {"d": days, "r": reason}, actor=actor,
               unit=locked.unit, public=False)
        audit_record(action="hotline.extension.request", actor=actor, position=position, obj=request,
                     after={"days": days, "reason": reason})
    return request


def extension_decide(*, request: ExtensionRequest, approve: bool, note: str = "", actor: Any,
                     position: Position) -> ExtensionRequest:
    """The centre approves (``clock_extend``, in the clock's unit) or refuses an extension."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        locked = ExtensionRequest.objects.select_for_update(of=("self",)).select_related("assignment").get(pk=request.pk)
        if locked.status != ExtensionStatus.PENDING:
            raise Conflict(_("该延期申请已处理"))
        ticket = Ticket.objects.select_for_update().get(pk=locked.ticket_id)
        locked.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = _user(actor), timezone.now(), note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and locked.assignment.clock is not None:
            clock_extend(clock=locked.assignment.clock, days=locked.days, reason=locked.reason or note,
                         approver=actor, position=position)
            clock = Clock.objects.get(pk=locked.assignment.clock_id)  # type: ignore[misc]
            ticket.expected_at, ticket.light = _expected(clock), clock.status
            _save(ticket, "expected_at", "light")
        _event(ticket, "extension_decided", (_("同意延期") if approve else _("不同意延期")) + f" {note}", actor=actor,
               public=False)
        audit_record(action="hotline.extension.decide", actor=actor, position=position, obj=locked,
                     after={"approve": approve, "note": note, "expected_at": ticket.expected_at})
    return locked


def escalation_sweep(*, now: datetime | None = None, horizon_days: int = 14) -> dict[str, int]:
    """催办/督办 sweep (periodic). Set-based: only running ticket clocks due within ``horizon_days``
    are recomputed (an indexed due-date query); yellow lights get an urging SMS to the unit
    (催办), red lights a formal supervision notice (督办). One escalation per ticket, level and
    round (unique constraint), so running the sweep again sends nothing new."""
    from django.contrib.contenttypes.models import ContentType

    now = now or timezone.now()
    today = timezone.localdate(now)
    ct = ContentType.objects.get_for_model(Ticket)
    candidates = list(Clock.objects.filter(content_type=ct, stopped_at__isnull=True,
                                           due_date__lte=today + timedelta(days=horizon_days))
                      .prefetch_related("suspensions", "extensions"))
    dirty = []
    for clock in candidates:
        state = clock_state(clock, today=today, now=now)
        if clock.status != state.status or clock.remaining != state.remaining:
            clock.status, clock.remaining, clock.status_at = state.status, state.remaining, today
            clock.due_date, clock.due_at = state.due_date, state.due_at
            dirty.append(clock)
    if dirty:
        Clock.objects.bulk_update(dirty, ["status", "remaining", "status_at", "due_date", "due_at"])
    lit = {c.object_id: c.status for c in candidates if c.status in (ClockStatus.YELLOW, ClockStatus.RED)}
    counts = {"checked": len(candidates), "urged": 0, "supervised": 0}
    if not lit:
        return counts
    tickets = list(Ticket.objects.filter(pk__in=list(lit), status__in=CLOCK_STATUSES).select_related("lead_unit"))
    for ticket in tickets:
        if ticket.light != lit[ticket.pk]:
            Ticket.objects.filter(pk=ticket.pk).update(light=lit[ticket.pk])
    done = set(Escalation.objects.filter(ticket__in=tickets).values_list("ticket_id", "level", "round"))
    for ticket in tickets:
        level = EscalationLevel.RED if lit[ticket.pk] == ClockStatus.RED else EscalationLevel.YELLOW
        if (ticket.pk, level, ticket.reopen_count) in done:
            continue
        due = timezone.localtime(ticket.expected_at).strftime("%Y-%m-%d %H:%M") if ticket.expected_at else "—"
        if level == EscalationLevel.YELLOW:
            kind = EscalationKind.URGE
            notice = _("【催办】工单 %(n)s 将于 %(d)s 到期，请抓紧办理并按时答复。") % {"n": ticket.number, "d": due}
        else:
            kind = EscalationKind.SUPERVISE
            notice = _("【督办通知】工单 %(n)s 已超过办理时限（应于 %(d)s 前办结），请立即办理，"
                       "并书面说明超期原因。") % {"n": ticket.number, "d": due}
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(ticket=ticket, unit=ticket.lead_unit, level=level, kind=kind,
                                                       round=ticket.reopen_count, notice=str(notice), at=now)
                _event(ticket, kind, str(notice), unit=ticket.lead_unit, public=False)
                audit_record(action=f"hotline.escalation.{kind}", obj=escalation,
                             after={"ticket": ticket.pk, "level": level, "round": ticket.reopen_count})
                if ticket.lead_unit is not None:
                    _on_commit_unit(ticket.lead_unit, str(_("12345 催办") if kind == EscalationKind.URGE
                                                          else _("12345 督办")), str(notice),
                                    dedupe_key=f"hotline:{ticket.pk}:{level}:{ticket.reopen_count}")
        except IntegrityError:  # a concurrent sweep got there first
            continue
        counts["urged" if kind == EscalationKind.URGE else "supervised"] += 1
    return counts
