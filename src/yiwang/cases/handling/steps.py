"""Steps of handling (行政许可法 Arts. 34–37): the engine's ready tasks become steps that staff act on.

The workflow engine (:mod:`yiwang.workflow.engine`) decides *which* user tasks are ready; this
module turns them into :class:`~yiwang.cases.models.CaseStep` rows and runs each action on them:

* ``steps_sync``: a step (with its step clock) for every newly ready task, after acceptance and
  every completion or return;
* ``step_claim`` (认领), ``step_complete`` (完成 with an opinion; a ``decide`` step records the
  decision through :mod:`.decision`, a failed ``preliminary`` step denies), ``step_return`` (退回);
* ``step_countersign`` (加签: joint review by another department; the parent waits for it) and
  ``step_transfer`` (转办 to a position with the same role and scope).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import services as clock_services
from yiwang.calendar.models import ClockUnit
from yiwang.cases.handling.clocks import _stop_clock, step_clock
from yiwang.cases.handling.decision import _cancel_open_steps, _decide, _finish
from yiwang.cases.handling.inbox import _notify_staff, step_in_scope
from yiwang.cases.handling.records import (
    COUNTERSIGN_KIND,
    OPEN_STEP_STATUSES,
    STEP_CLOCK_PURPOSE,
    STEP_PERMS,
    _bump,
    _event,
    _jsonable,
    _lock,
    _next_sequence,
    _on_commit,
    _require_case_open,
    _require_open_step,
    _require_step_actor,
    _resolve_department,
    _resolve_division,
    _step_dict,
    _today,
)
from yiwang.cases.models import Case, CaseStatus, CaseStep, Decision, StepStatus
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, ROLE_PERMISSIONS, Perm, Role
from yiwang.org.scope import has_perm
from yiwang.workflow import engine
from yiwang.workflow.engine import StepInfo


def steps_sync(*, case: Case, ready: list[StepInfo], actor: Any = None, position: Any = None,
               today: date | None = None) -> list[CaseStep]:
    """Create a :class:`CaseStep` for every ready engine task that has no open row yet.

    Called by acceptance right after ``engine.start`` and by every step completion or return.
    Each new step gets its own step clock (``step_days`` working days from ``today``), an audit
    event and a timeline entry. Returns the steps created.
    """
    today = _today(today)
    created: list[CaseStep] = []
    with transaction.atomic():
        open_ids = set(CaseStep.objects.filter(case=case, status__in=OPEN_STEP_STATUSES)
                       .exclude(task_id="").values_list("task_id", flat=True))
        sequence = _next_sequence(case)
        for info in ready:
            if info.task_id in open_ids:
                continue
            division = _resolve_division(case, info.level)
            step = CaseStep.objects.create(
                case=case, task_id=info.task_id, spec_name=info.spec_name, name=info.name[:100],
                step_kind=info.step_kind, role=info.role,
                department=_resolve_department(case, info.department, info.role, division),
                division=division, status=StepStatus.READY, sequence=sequence,
                step_days=info.step_days, risk_level=info.risk_level,
            )
            sequence += 1
            open_ids.add(info.task_id)
            if info.step_days:
                clock_services.clock_start(obj=step, start=today, budget=info.step_days, unit=ClockUnit.WORKDAYS,
                                           position=None, actor=actor, purpose=STEP_CLOCK_PURPOSE, today=today)
            audit_record(action="case.step_ready", actor=actor, position=position, obj=step,
                         after=_step_dict(step))
            _event(case, "step_ready", _("进入环节：{name}").format(name=step.name))
            _on_commit(lambda s=step: _notify_staff(s))
            created.append(step)
    return created



def step_claim(*, step: CaseStep, actor: Any, position: Position | None) -> CaseStep:
    """认领: ready → claimed by this position. Claimed by someone else → :class:`Conflict`."""
    _require_step_actor(step, position, actor)
    assert position is not None
    with transaction.atomic():
        case, locked = _lock(step.case, step)
        assert locked is not None
        _require_case_open(case)
        if locked.status == StepStatus.CLAIMED and locked.assignee_position_id == position.pk:
            return locked
        _require_open_step(locked, position)
        before = _step_dict(locked)
        locked.status = StepStatus.CLAIMED
        locked.assignee = actor
        locked.assignee_position = position
        locked.claimed_at = timezone.now()
        locked.save(update_fields=["status", "assignee", "assignee_position", "claimed_at"])
        _bump(case)
        audit_record(action="case.step_claim", actor=actor, position=position, obj=locked, before=before,
                     after=_step_dict(locked))
        _event(case, "step_claim", _("{name}：已认领").format(name=locked.name), actor=actor, public=False)
    return locked



def _decision_from(step: CaseStep, outcome: str, decision: str, data: dict[str, Any]) -> str:
    value = (decision or data.get("decision") or outcome or "").strip().lower()
    aliases = {"grant": Decision.GRANT, "approve": Decision.GRANT, "pass": Decision.GRANT,
               "deny": Decision.DENY, "reject": Decision.DENY, "fail": Decision.DENY}
    if value not in aliases:
        raise InvalidInput(_("请选择决定：准予或不予"), code="decision_required", details={"field": "decision"})
    return str(aliases[value])



def step_complete(*, step: CaseStep, opinion: str, actor: Any, position: Position | None, outcome: str = "",
                  data: dict[str, Any] | None = None, decision: str = "", reasons: str = "",
                  expected_version: int | None = None, today: date | None = None) -> CaseStep:
    """完成环节 with an opinion (审查意见).

    Completes the engine task, stops the step clock and creates the newly ready steps. A
    ``decide`` step records the decision (准予/不予; reasons are required for 不予); when the
    process finishes the case is completed (办结). Two staff completing the same step: the
    first wins, the second gets :class:`Conflict` (HTTP 409).
    """
    _require_step_actor(step, position, actor)
    assert position is not None
    data = dict(data or {})
    opinion = (opinion or "").strip()
    reasons = (reasons or data.pop("reasons", "") or "").strip()
    outcome = (outcome or "").strip()[:20]
    if not opinion:
        if step.step_kind in ("complete", "accept", "agent_collect"):
            opinion = str(_("已办结")) if step.step_kind == "complete" else str(_("同意"))
        else:
            raise InvalidInput(_("请填写审查意见"), code="opinion_required", details={"field": "opinion"})
    if len(opinion) > 5000:
        raise InvalidInput(_("审查意见过长"), details={"field": "opinion"})
    chosen: str = ""
    if step.step_kind == "decide":
        chosen = _decision_from(step, outcome, decision, data)
        if chosen == Decision.DENY and not reasons:
            raise InvalidInput(_("不予许可必须说明理由"), code="deny_reasons_required", details={"field": "reasons"})
        if chosen == Decision.GRANT:
            from yiwang.cases.deferral import require_supplied

            require_supplied(step.case)  # 容缺受理: the promised materials come first
        outcome = chosen
    elif step.step_kind == "preliminary":
        passed = outcome.lower() not in ("fail", "deny", "reject", "不通过")
        data.setdefault("preliminary_passed", passed)
        outcome = outcome or ("pass" if passed else "fail")
        if not passed and not reasons:
            raise InvalidInput(_("初审不通过必须说明理由"), code="deny_reasons_required", details={"field": "reasons"})
    with transaction.atomic():
        case, locked = _lock(step.case, step, expected_version=expected_version)
        assert locked is not None
        _require_case_open(case)
        _require_open_step(locked, position)
        if case.status == CaseStatus.SUSPENDED and locked.parent_id is None:
            raise Conflict(_("办件处于特别程序中，请先结束特别程序"), code="case_suspended")
        if locked.countersigns.filter(status__in=OPEN_STEP_STATUSES).exists():
            raise Conflict(_("加签环节尚未办结，不能完成本环节"), code="countersign_open")
        before = _step_dict(locked)
        now = timezone.now()
        finished = False
        ready: list[StepInfo] = []
        if locked.parent_id is None and locked.task_id:
            definition = case.version.process
            if definition is None or case.workflow_state is None:
                raise Conflict(_("办件没有流程，无法办理"), code="no_workflow")
            engine_data = {**data, "outcome": outcome, "opinion": opinion}
            if chosen:
                engine_data["decision"] = chosen
            state, ready, finished = engine.complete(definition, case.workflow_state, locked.task_id, engine_data)
            case.workflow_state = state
            case.save(update_fields=["workflow_state"])
        locked.status = StepStatus.COMPLETED
        locked.opinion = opinion
        locked.outcome = outcome
        if data or reasons:
            locked.data = {**(locked.data or {}), **{k: v for k, v in data.items() if _jsonable(v)},
                           **({"reasons": reasons} if reasons else {})}
        locked.completed_at = now
        locked.completed_by = actor
        locked.completed_by_position = position
        if locked.assignee_id is None:
            locked.assignee = actor
            locked.assignee_position = position
            locked.claimed_at = now
        locked.save()
        _stop_clock(step_clock(locked), actor=actor, position=position)
        audit_record(action="case.step_complete", actor=actor, position=position, obj=locked, before=before,
                     after={**_step_dict(locked), "opinion": opinion})
        if locked.parent_id is not None:
            _event(case, "countersign_done", _("加签意见：{name}").format(name=locked.name), opinion,
                   actor=actor, public=False)
        else:
            _event(case, "step_complete", _("{name}：已完成").format(name=locked.name),
                   opinion if locked.step_kind != "decide" else "", actor=actor)
        if chosen:
            _decide(case, decision=chosen, reasons=reasons or opinion, actor=actor, position=position)
        elif locked.step_kind == "preliminary" and outcome == "fail":
            _decide(case, decision=Decision.DENY, reasons=reasons, actor=actor, position=position)
        if ready:
            steps_sync(case=case, ready=ready, actor=actor, position=position, today=today)
        if finished:
            _finish(case, actor=actor, position=position)
        _bump(case)
    return locked



def step_return(*, step: CaseStep, reason: str, actor: Any, position: Position | None,
                target_spec_name: str | None = None, today: date | None = None) -> CaseStep:
    """退回: send the case back to the previous (or the named) completed step, which becomes ready."""
    _require_step_actor(step, position, actor)
    assert position is not None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写退回理由"), code="reason_required", details={"field": "reason"})
    if step.parent_id is not None or not step.task_id:
        raise InvalidInput(_("加签环节不能退回，请填写意见后完成"), code="countersign_no_return")
    with transaction.atomic():
        case, locked = _lock(step.case, step)
        assert locked is not None
        _require_case_open(case)
        _require_open_step(locked, position)
        definition = case.version.process
        if definition is None or case.workflow_state is None:
            raise Conflict(_("办件没有流程，无法办理"), code="no_workflow")
        state, ready = engine.return_to(definition, case.workflow_state, locked.task_id,
                                        target_spec_name or None)
        case.workflow_state = state
        case.save(update_fields=["workflow_state"])
        before = _step_dict(locked)
        locked.status = StepStatus.RETURNED
        locked.opinion = reason
        locked.outcome = "returned"
        locked.completed_at = timezone.now()
        locked.completed_by = actor
        locked.completed_by_position = position
        locked.save()
        _stop_clock(step_clock(locked), actor=actor, position=position)
        for child in locked.countersigns.filter(status__in=OPEN_STEP_STATUSES):
            child.status = StepStatus.CANCELLED
            child.save(update_fields=["status"])
        # Parallel branches removed by the reset (联审 in progress) are cancelled as well.
        ready_ids = {info.task_id for info in ready}
        _cancel_open_steps(case, keep_task_ids=ready_ids, actor=actor, position=position, exclude=locked.pk)
        created = steps_sync(case=case, ready=ready, actor=actor, position=position, today=today)
        audit_record(action="case.step_return", actor=actor, position=position, obj=locked, before=before,
                     after={**_step_dict(locked), "reason": reason, "to": [s.spec_name for s in created]})
        _event(case, "step_return", _("{name}：退回至{target}").format(
            name=locked.name, target="、".join(s.name for s in created) or "-"), reason, actor=actor, public=False)
        _bump(case)
    return locked



def step_countersign(*, step: CaseStep, role: str, department: Department | None, division: Division | None,
                     reason: str, actor: Any, position: Position | None,
                     step_days: int | None = None, today: date | None = None) -> CaseStep:
    """加签: ask another position (role, department, division) for an opinion. The parent step
    cannot be completed until every countersign on it has been completed."""
    _require_step_actor(step, position, actor)
    assert position is not None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写加签事由"), code="reason_required", details={"field": "reason"})
    if step.parent_id is not None:
        raise InvalidInput(_("加签环节不能再加签"), code="countersign_nested")
    if role not in Role.values or Perm.CASE_HANDLE not in ROLE_PERMISSIONS.get(role, frozenset()):
        raise InvalidInput(_("加签角色必须是具有审查权限的工作人员"), code="countersign_role",
                           details={"field": "role"})
    if role in DEPARTMENTAL_ROLES and department is None:
        raise InvalidInput(_("请选择加签部门"), code="countersign_department", details={"field": "department"})
    if step_days is not None and not 0 < step_days <= 60:
        raise InvalidInput(_("加签时限必须为 1 至 60 个工作日"), details={"field": "step_days"})
    with transaction.atomic():
        case, locked = _lock(step.case, step)
        assert locked is not None
        _require_case_open(case)
        _require_open_step(locked, position)
        target_division = division or (department.division if department is not None else case.division)
        child = CaseStep.objects.create(
            case=case, task_id="", spec_name=locked.spec_name, name=str(_("加签：{name}").format(name=locked.name))[:100],
            step_kind=COUNTERSIGN_KIND, role=role, department=department if role in DEPARTMENTAL_ROLES else None,
            division=target_division, status=StepStatus.READY, parent=locked, sequence=_next_sequence(case),
            step_days=step_days, data={"reason": reason, "requested_by": getattr(actor, "pk", None),
                                       "requested_by_position": position.pk},
        )
        if step_days:
            clock_services.clock_start(obj=child, start=_today(today), budget=step_days, position=None,
                                       actor=actor, purpose=STEP_CLOCK_PURPOSE, today=today)
        if locked.status == StepStatus.READY:  # the requester keeps the step while waiting
            locked.status = StepStatus.CLAIMED
            locked.assignee = actor
            locked.assignee_position = position
            locked.claimed_at = timezone.now()
            locked.save(update_fields=["status", "assignee", "assignee_position", "claimed_at"])
        audit_record(action="case.step_countersign", actor=actor, position=position, obj=child,
                     after={**_step_dict(child), "reason": reason})
        _event(case, "countersign", _("{name}：加签").format(name=locked.name), reason, actor=actor, public=False)
        _bump(case)
        _on_commit(lambda: _notify_staff(child))
    return child



def step_transfer(*, step: CaseStep, to_position: Position, actor: Any, position: Position | None,
                  reason: str = "") -> CaseStep:
    """转办: hand the step to another position with the same role whose scope covers it."""
    _require_step_actor(step, position, actor)
    assert position is not None
    if to_position.pk == position.pk:
        raise InvalidInput(_("不能转办给自己"), code="transfer_self", details={"field": "to_position"})
    with transaction.atomic():
        case, locked = _lock(step.case, step)
        assert locked is not None
        _require_case_open(case)
        _require_open_step(locked, position)
        target = Position.objects.select_related("user", "division").filter(pk=to_position.pk).first()
        probe = CaseStep(role=locked.role, division=locked.division, department_id=locked.department_id,
                         status=StepStatus.READY)
        if target is None or not target.user.is_active or not step_in_scope(probe, target) or not has_perm(
                target, STEP_PERMS.get(locked.step_kind, Perm.CASE_HANDLE)):
            raise InvalidInput(_("转办对象必须是同一角色且权限范围覆盖本环节的岗位"), code="transfer_target",
                               details={"field": "to_position"})
        before = _step_dict(locked)
        history = list((locked.data or {}).get("transfers", []))
        history.append({"from_position": position.pk, "from_user": getattr(actor, "pk", None),
                        "to_position": target.pk, "to_user": target.user_id, "reason": reason,
                        "at": timezone.now().isoformat()})
        locked.data = {**(locked.data or {}), "transfers": history}
        locked.status = StepStatus.CLAIMED
        locked.assignee = target.user
        locked.assignee_position = target
        locked.claimed_at = timezone.now()
        locked.save(update_fields=["data", "status", "assignee", "assignee_position", "claimed_at"])
        audit_record(action="case.step_transfer", actor=actor, position=position, obj=locked, before=before,
                     after={**_step_dict(locked), "reason": reason})
        _event(case, "step_transfer", _("{name}：转办").format(name=locked.name), reason, actor=actor, public=False)
        _bump(case)
        _on_commit(lambda: _notify_staff(locked))
    return locked
