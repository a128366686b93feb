"""Dispatch (派单) of tickets to units, the ticket clock, and the units' answer to a dispatch.

* ``dispatch_suggest``: the catalogue's unit (``catalogue_rule``: the most specific division wins) and,
  when confident, the classifier's ranked units;
* ``ticket_dispatch``: the centre gives a ticket to a lead unit (主办) and assisting units (协办) and
  starts one clock per ticket and round from :class:`ServiceLevel` (``service_level_for``; defaults:
  urgent 24 natural hours, normal 5 working days, consultation 1 working day). A catalogue entry that
  names a county department forbids dispatching to a township/village unit (事项属于部门职责的不得推给基层);
* ``assignment_accept``/``assignment_redispatch`` (to a village)/``assignment_return`` (退单);
* ``return_review``: the centre approves a return and re-dispatches (改派); the running clock is kept,
  because the caller's deadline does not move when the centre dispatched wrongly.
"""


from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar.models import Clock, ClockUnit
from yiwang.calendar.services import clock_start
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline.centre import require, require_centre
from yiwang.hotline.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    DispatchRule,
    MatterType,
    ReturnReview,
    ServiceLevel,
    Ticket,
    TicketStatus,
)
from yiwang.hotline.services.messages import (
    _on_commit_unit,
)
from yiwang.hotline.services.records import (
    _event,
    _lock,
    _save,
    _snapshot,
    _text,
    _user,
)
from yiwang.org.models import Department, Division, DivisionLevel, Position
from yiwang.org.roles import Perm, Role

logger = logging.getLogger(__name__)

# Default service levels (category "", any): urgent 24 natural hours, normal 5 working days,
# consultation 1 working day. Rows in :class:`ServiceLevel` override these.
DEFAULT_LEVELS: dict[tuple[str, str], tuple[int, str]] = {
    ("", "urgent"): (24, "hours"),
    ("", "normal"): (5, "workdays"),
    ("consult", "normal"): (1, "workdays"),
}
URGENT_YELLOW_HOURS = 4


def catalogue_rule(matter_type: MatterType | None, division: Division | None) -> DispatchRule | None:
    """The catalogue rule for a matter at a place: the most specific division wins; null = county."""
    if matter_type is None:
        return None
    rules = list(DispatchRule.objects.filter(matter_type=matter_type, is_active=True)
                 .select_related("division", "lead_unit", "lead_unit__division"))
    best: DispatchRule | None = None
    best_depth = -1
    for rule in rules:
        if rule.division_id is None:
            depth = 0
        elif division is not None and rule.division is not None and division.path.startswith(rule.division.path):
            depth = rule.division.path.count("/")
        else:
            continue
        if depth > best_depth:
            best, best_depth = rule, depth
    return best


def dispatch_suggest(ticket: Ticket) -> dict[str, Any]:
    """派单建议: the catalogue's unit for (matter type, division) and, when the classifier helper's
    ``hotline.classifier.suggest_units`` is importable, its ranked units with confidence."""
    rule = catalogue_rule(ticket.matter_type, ticket.division)
    catalogue = None
    if rule is not None:
        catalogue = {"lead_unit": rule.lead_unit, "assisting_units": list(rule.assisting_units.all()),
                     "rule_id": rule.pk, "division": rule.division}
    model: list[dict[str, Any]] = []
    try:
        from yiwang.hotline.classifier import suggest_units
    except ImportError:
        suggest_units = None  # type: ignore[assignment]
    if suggest_units is not None:
        try:
            ranked = list(suggest_units(f"{ticket.title} {ticket.content}", division=ticket.division))[:3]
        except Exception:  # noqa: BLE001 - a model failure falls back to the catalogue
            logger.exception("classifier suggestion failed")
            ranked = []
        units = Department.objects.in_bulk([code for code, _c in ranked], field_name="code")
        model = [{"unit": units[code], "confidence": float(conf)} for code, conf in ranked if code in units]
    confident = False
    if model:
        from yiwang.hotline.classifier import confidence_threshold

        confident = model[0]["confidence"] >= confidence_threshold()
    # Below the threshold the dispatch catalogue decides (the model's ranking is still shown).
    preferred = model[0]["unit"] if confident else (catalogue["lead_unit"] if catalogue else None)
    return {"catalogue": catalogue, "model": model, "model_confident": confident, "preferred_unit": preferred}


def service_level_for(category: str, urgency: str) -> tuple[int, str, int | None]:
    """(budget, unit, yellow threshold) for a ticket: the most specific ServiceLevel, else defaults."""
    rows = {(r.category, r.urgency): r for r in ServiceLevel.objects.filter(urgency=urgency,
                                                                            category__in=[category, ""])}
    row = rows.get((category, urgency)) or rows.get(("", urgency))
    if row is not None:
        return row.budget, row.unit, row.yellow_threshold
    budget, unit = DEFAULT_LEVELS.get((category, urgency)) or DEFAULT_LEVELS[("", urgency)]
    return budget, unit, (URGENT_YELLOW_HOURS if unit == ClockUnit.HOURS else None)


def _expected(clock: Clock) -> datetime:
    if clock.due_at is not None:
        return clock.due_at
    return timezone.make_aware(datetime.combine(clock.due_date, time(23, 59, 59)))


def _start_clock(ticket: Ticket, *, actor: Any, position: Position | None, now: datetime | None = None) -> Clock:
    budget, unit, yellow = service_level_for(ticket.category, ticket.urgency)
    now = now or timezone.now()
    clock = clock_start(obj=ticket, start=timezone.localdate(now), budget=budget, unit=unit, position=position,
                        actor=_user(actor), yellow_threshold=yellow, purpose=f"hotline:{ticket.reopen_count}",
                        started_at=now)
    ticket.expected_at = _expected(clock)
    ticket.light = clock.status
    return clock


def current_clock(ticket: Ticket) -> Clock | None:
    lead = (Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, parent__isnull=True,
                                      clock__isnull=False).order_by("-id").first())
    return lead.clock if lead else None


def _is_grassroots(unit: Department) -> bool:
    return unit.division.level in (DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE)


def _check_not_pushed_down(ticket: Ticket, lead_unit: Department) -> None:
    rule = catalogue_rule(ticket.matter_type, ticket.division)
    if rule is None or rule.lead_unit_id == lead_unit.pk:
        return
    if not _is_grassroots(rule.lead_unit) and _is_grassroots(lead_unit):
        raise Conflict(
            _("派单目录规定该事项由%(owner)s负责，不得推给基层单位%(unit)s") % {
                "owner": rule.lead_unit.name, "unit": lead_unit.name},
            details={"field": "lead_unit", "catalogue_unit": rule.lead_unit.code, "reason": "pushed_down"},
        )


def _dispatch(locked: Ticket, *, lead_unit: Department, assisting_units: Sequence[Department], note: str,
              actor: Any, position: Position, keep_clock: Clock | None = None) -> Assignment:
    if not lead_unit.is_active:
        raise InvalidInput(_("承办单位已停用"), details={"field": "lead_unit"})
    _check_not_pushed_down(locked, lead_unit)
    assisting = [u for u in dict.fromkeys(assisting_units) if u.pk != lead_unit.pk]
    clock = keep_clock or _start_clock(locked, actor=actor, position=position)
    lead = Assignment.objects.create(ticket=locked, unit=lead_unit, role=AssignmentRole.LEAD, note=note,
                                     dispatched_by=_user(actor), clock=clock)
    for unit in assisting:
        Assignment.objects.create(ticket=locked, unit=unit, role=AssignmentRole.ASSIST, note=note,
                                  dispatched_by=_user(actor))
    locked.status = TicketStatus.DISPATCHED if locked.reopen_count == 0 else TicketStatus.REOPENED
    locked.lead_unit = lead_unit
    locked.dispatched_at = locked.dispatched_at or timezone.now()
    _save(locked, "status", "lead_unit", "dispatched_at", "expected_at", "light", "reopen_count")
    names = "、".join(u.name for u in assisting)
    _event(locked, "dispatched", _("派至%(unit)s主办%(assist)s") % {
        "unit": lead_unit.name, "assist": (_("，%(names)s协办") % {"names": names}) if names else ""},
        actor=actor, unit=lead_unit)
    text = _("工单 %(number)s：%(title)s。请于 %(due)s 前办结答复。") % {
        "number": locked.number, "title": locked.title,
        "due": timezone.localtime(locked.expected_at).strftime("%Y-%m-%d %H:%M") if locked.expected_at else "—"}
    for unit in [lead_unit, *assisting]:
        _on_commit_unit(unit, str(_("12345 新派工单")), str(text), dedupe_key=f"hotline:{locked.pk}:dispatch:{lead.pk}")
    return lead


def ticket_dispatch(*, ticket: Ticket, lead_unit: Department, assisting_units: Sequence[Department] = (),
                    note: str = "", actor: Any, position: Position) -> Ticket:
    """派单: the centre gives a registered ticket to a lead unit (主办) and assisting units (协办).
    Starts the ticket clock from its :class:`ServiceLevel` and stores ``expected_at``."""
    require_centre(position, Perm.TICKET_DISPATCH)
    note = _text(note, "note", required=False, limit=1000)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.REGISTERED:
            raise Conflict(_("只有已登记、未派出的工单可以派单"), details={"status": locked.status})
        before = _snapshot(locked)
        lead = _dispatch(locked, lead_unit=lead_unit, assisting_units=assisting_units, note=note, actor=actor,
                         position=position)
        audit_record(action="hotline.ticket.dispatch", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(locked), "assignment": lead.pk,
                            "assisting": [u.pk for u in assisting_units], "expected_at": locked.expected_at})
    return locked


def _unit_position_for(assignment: Assignment, position: Position | None) -> Position:
    """The acting position must handle tickets for this assignment's unit (or its village)."""
    position = require(position, Perm.TICKET_HANDLE)
    if assignment.division_id is not None:
        ok = position.role == Role.VILLAGE_AGENT and position.division_id == assignment.division_id
        ok = ok or position.department_id == assignment.unit_id
    else:
        ok = position.department_id == assignment.unit_id
    if not ok:
        raise PermissionDenied(_("该工单未派给本单位"))
    return position


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Ticket]:
    ticket = Ticket.objects.select_for_update().get(pk=assignment.ticket_id)
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("unit", "unit__division", "division").get(
        pk=assignment.pk)
    return locked, ticket


ACTIVE_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)


def assignment_accept(*, assignment: Assignment, actor: Any, position: Position) -> Assignment:
    """签收: the unit acknowledges the ticket; it is now being handled."""
    _unit_position_for(assignment, position)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status != AssignmentStatus.PENDING:
            raise Conflict(_("该派单已签收或已处理"))
        locked.status = AssignmentStatus.ACCEPTED
        locked.save(update_fields=["status"])
        if locked.role == AssignmentRole.LEAD and ticket.status == TicketStatus.DISPATCHED:
            ticket.status = TicketStatus.HANDLING
            _save(ticket, "status")
        _event(ticket, "accepted", _("%(unit)s已签收") % {"unit": locked.unit.name}, actor=actor, unit=locked.unit)
        audit_record(action="hotline.assignment.accept", actor=actor, position=position, obj=locked,
                     after={"status": locked.status})
    return locked


def assignment_redispatch(*, assignment: Assignment, division: Division, note: str = "", actor: Any,
                          position: Position) -> Assignment:
    """乡镇转派: a township unit passes its assignment to a village/grid in its township; the
    village's agents (代办员) handle it and reply in the township's name."""
    _unit_position_for(assignment, position)
    if assignment.division_id is not None:
        raise Conflict(_("村级派单不能再次转派"))
    unit = assignment.unit
    if unit.division.level != DivisionLevel.TOWNSHIP:
        raise PermissionDenied(_("只有乡镇（街道）可以向村（社区）转派"))
    if division.level != DivisionLevel.VILLAGE or division.parent_id != unit.division_id:
        raise InvalidInput(_("只能转派至本乡镇（街道）所辖村（社区）"), details={"field": "division"})
    note = _text(note, "note", required=False, limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能转派"))
        child = Assignment.objects.create(ticket=ticket, unit=locked.unit, role=locked.role, division=division,
                                          parent=locked, note=note, dispatched_by=_user(actor))
        locked.status = AssignmentStatus.REDISPATCHED
        locked.save(update_fields=["status"])
        if ticket.status == TicketStatus.DISPATCHED:
            ticket.status = TicketStatus.HANDLING
            _save(ticket, "status")
        _event(ticket, "redispatched", _("%(unit)s转派至%(village)s") % {"unit": unit.name, "village": division.name},
               actor=actor, unit=unit)
        audit_record(action="hotline.assignment.redispatch", actor=actor, position=position, obj=child,
                     after={"parent": locked.pk, "division": division.pk})
        _on_commit_unit(unit, str(_("12345 转派工单")), str(_("工单 %(n)s 已转派至本村，请及时办理。") % {"n": ticket.number}),
                        division=division, dedupe_key=f"hotline:{ticket.pk}:redispatch:{child.pk}")
    return child


def assignment_return(*, assignment: Assignment, reason: str, actor: Any, position: Position) -> Assignment:
    """退单 (派单异议): the unit says the ticket is not theirs; the centre reviews the objection."""
    _unit_position_for(assignment, position)
    if assignment.parent_id is not None:
        raise Conflict(_("村级转派请退回乡镇，由乡镇向热线中心退单"))
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能退单"))
        before = {"status": locked.status}
        locked.status = AssignmentStatus.RETURNED
        locked.return_reason = reason
        locked.returned_at = timezone.now()
        locked.return_review_status = ReturnReview.PENDING
        locked.save(update_fields=["status", "return_reason", "returned_at", "return_review_status"])
        if locked.role == AssignmentRole.LEAD:
            ticket.status = TicketStatus.RETURNED
            _save(ticket, "status")
        _event(ticket, "returned", _("%(unit)s申请退单：%(reason)s") % {"unit": locked.unit.name, "reason": reason},
               actor=actor, unit=locked.unit, public=False)
        audit_record(action="hotline.assignment.return", actor=actor, position=position, obj=locked, before=before,
                     after={"status": locked.status, "reason": reason})
    return locked


def return_review(*, assignment: Assignment, approve: bool, note: str = "", new_lead_unit: Department | None = None,
                  assisting_units: Sequence[Department] = (), actor: Any, position: Position) -> Assignment:
    """派单异议审核: approve → the ticket is re-dispatched (改派) to ``new_lead_unit`` (required for a
    lead assignment) keeping its clock; reject → back to the unit, which must handle it."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.return_review_status != ReturnReview.PENDING:
            raise Conflict(_("该退单不在待审核状态"))
        before = _snapshot(ticket)
        locked.return_review_note = note
        if approve:
            locked.return_review_status = ReturnReview.APPROVED
            locked.save(update_fields=["return_review_status", "return_review_note"])
            if locked.role == AssignmentRole.LEAD:
                if new_lead_unit is None:
                    raise InvalidInput(_("同意退单须选择改派单位"), details={"field": "new_lead_unit"})
                if new_lead_unit.pk == locked.unit_id:
                    raise InvalidInput(_("改派单位不能是退单单位"), details={"field": "new_lead_unit"})
                clock = locked.clock
                locked.clock = None
                locked.save(update_fields=["clock"])
                Assignment.objects.filter(ticket=ticket, role=AssignmentRole.ASSIST,
                                          status__in=ACTIVE_ASSIGNMENT).update(status=AssignmentStatus.CANCELLED)
                ticket.status = TicketStatus.REGISTERED
                _dispatch(ticket, lead_unit=new_lead_unit, assisting_units=assisting_units,
                          note=note or _("改派"), actor=actor, position=position, keep_clock=clock)
                if clock is not None:
                    ticket.expected_at = _expected(clock)
                    _save(ticket, "expected_at")
                _event(ticket, "return_approved", _("同意%(unit)s退单，改派%(new)s") % {
                    "unit": locked.unit.name, "new": new_lead_unit.name}, actor=actor, public=False)
        else:
            locked.return_review_status = ReturnReview.REJECTED
            locked.status = AssignmentStatus.ACCEPTED
            locked.save(update_fields=["return_review_status", "return_review_note", "status"])
            if locked.role == AssignmentRole.LEAD:
                ticket.status = TicketStatus.REOPENED if ticket.reopen_count else TicketStatus.HANDLING
                _save(ticket, "status")
            _event(ticket, "return_rejected", _("驳回%(unit)s退单：%(note)s") % {"unit": locked.unit.name, "note": note},
                   actor=actor, unit=locked.unit, public=False)
            _on_commit_unit(locked.unit, str(_("退单被驳回")), str(_("工单 %(n)s 退单未通过：%(note)s，请继续办理。") % {
                "n": ticket.number, "note": note}), dedupe_key=f"hotline:{ticket.pk}:return_rejected:{locked.pk}")
        audit_record(action="hotline.assignment.return_review", actor=actor, position=position, obj=locked,
                     before=before, after={**_snapshot(ticket), "approve": approve, "note": note,
                                           "new_lead_unit": getattr(new_lead_unit, "pk", None)})
    return locked
