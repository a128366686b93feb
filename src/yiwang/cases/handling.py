"""办理 Handling (行政许可法 Arts. 34–45): steps, the staff inbox, joint review, special
procedures, extensions and the decision.

The workflow engine (:mod:`yiwang.workflow.engine`) decides *which* user tasks are ready; this
module turns them into :class:`~yiwang.cases.models.CaseStep` rows that staff claim and
complete from their inbox. Every write is a keyword-only service that checks permission and
scope, locks the case row (and the step row) with ``select_for_update``, writes an audit event
and sends notifications on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar import services as clock_services
from yiwang.calendar.models import Clock, ClockUnit
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseNotice,
    CaseStatus,
    CaseStep,
    Decision,
    NoticeKind,
    StepStatus,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Department, Division, DivisionLevel, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, ROLE_PERMISSIONS, Perm, Role
from yiwang.org.scope import has_perm
from yiwang.workflow import engine
from yiwang.workflow.engine import StepInfo

logger = logging.getLogger(__name__)

STEP_CLOCK_PURPOSE = "case_step"
HANDLING_CLOCK_PURPOSES = ("handling", "case_handling", "handle")
ITEM_DEPARTMENT = "$item"
OPEN_STEP_STATUSES = (StepStatus.READY, StepStatus.CLAIMED)
# A denied case still goes through 办结 (delivery of the 决定书).
HANDLING_STATUSES = (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED, CaseStatus.GRANTED, CaseStatus.DENIED)
COUNTERSIGN_KIND = "countersign"
SPECIAL_KINDS = ("hearing", "inspection", "appraisal", "expert_review", "tender", "auction")
MAX_EXTENSION_DAYS = 10  # 行政许可法 Art. 42 para. 1
MAX_JOINT_EXTENSION_DAYS = 15  # Art. 42 para. 2 (统一办理、联合办理、集中办理)
# Administrative review within 60 days (行政复议法 Art. 20); litigation within 6 months (行政诉讼法 Art. 46).
REVIEW_DAYS = 60
LITIGATION_MONTHS = 6

# What a position needs to act on a step of each kind (besides holding the step's role).
STEP_PERMS: dict[str, str] = {
    "accept": Perm.CASE_ACCEPT,
    "complete": Perm.CASE_ACCEPT,
    "agent_collect": Perm.CASE_FILE_FOR_OTHERS,
    "review": Perm.CASE_HANDLE,
    "joint_review": Perm.CASE_HANDLE,
    "preliminary": Perm.CASE_HANDLE,
    "decide": Perm.CASE_DECIDE,
    COUNTERSIGN_KIND: Perm.CASE_HANDLE,
}


# --- helpers ------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _label(actor: Any, position: Any = None) -> str:
    if actor is None:
        return str(_("系统"))
    name = getattr(actor, "display_name", None) or getattr(actor, "real_name", "") or str(actor)
    return str(name)[:100]


def _event(case: Case, kind: str, title: str, detail: str = "", *, actor: Any = None, public: bool = True) -> None:
    CaseEvent.objects.create(case=case, kind=kind, title=str(title)[:200], detail=str(detail),
                             actor_label=_label(actor) if actor is not None else "", at=timezone.now(),
                             public=public)


def _step_dict(step: CaseStep) -> dict[str, Any]:
    return {
        "id": step.pk, "task_id": step.task_id, "spec_name": step.spec_name, "name": step.name,
        "step_kind": step.step_kind, "role": step.role, "department": step.department_id,
        "division": step.division_id, "status": step.status, "assignee": step.assignee_id,
        "assignee_position": step.assignee_position_id, "parent": step.parent_id, "outcome": step.outcome,
    }


def _case_dict(case: Case) -> dict[str, Any]:
    return {"status": case.status, "decision": case.decision, "lock_version": case.lock_version,
            "decided_at": case.decided_at, "completed_at": case.completed_at}


def _township_of(division: Division) -> Division:
    """The township (乡镇/街道) on ``division``'s path; the division itself when there is none."""
    if division.level == DivisionLevel.TOWNSHIP:
        return division
    for node in reversed(division.ancestors()):
        if node.level == DivisionLevel.TOWNSHIP:
            return node
    return division


def _county_of(division: Division) -> Division:
    """The county (root) of ``division``'s path."""
    chain = division.ancestors()
    for node in chain:
        if node.level == DivisionLevel.COUNTY:
            return node
    return chain[0] if chain else division


def _resolve_division(case: Case, level: str | None) -> Division:
    base = case.division
    if level == DivisionLevel.TOWNSHIP:
        return _township_of(base)
    if level == DivisionLevel.COUNTY:
        return _county_of(base)
    return base


def _resolve_department(case: Case, code: str | None, role: str) -> Department | None:
    if code == ITEM_DEPARTMENT:
        return case.department
    if code:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise InvalidInput(_("流程环节指定的部门不存在：{code}").format(code=code),
                               code="step_department_unknown", details={"department": code})
        return department
    return case.department if role in DEPARTMENTAL_ROLES else None


def step_clock(step: CaseStep) -> Clock | None:
    return clock_selectors.clock_for_object(step, purpose=STEP_CLOCK_PURPOSE)


def handling_clock(case: Case) -> Clock | None:
    """The case's handling time limit (办理时限), started at acceptance."""
    clocks = list(clock_selectors.clock_list_for_object(case))
    for purpose in HANDLING_CLOCK_PURPOSES:
        found = [c for c in clocks if c.purpose == purpose]
        if found:
            return found[-1]
    rest = [c for c in clocks if "accept" not in c.purpose]
    return rest[-1] if rest else None


def case_time_clocks(case: Case) -> list[Clock]:
    """The case's running time limits other than acceptance: the promised (handling) and the
    statutory limit. Special procedures, extensions and 办结 apply to all of them."""
    return [c for c in clock_selectors.clock_list_for_object(case)
            if c.stopped_at is None and "accept" not in c.purpose]


def _next_sequence(case: Case) -> int:
    last = CaseStep.objects.filter(case=case).order_by("-sequence").values_list("sequence", flat=True).first()
    return (last or 0) + 1


def _notify_staff(step: CaseStep) -> None:
    """Tell the holders of the step's role in scope that a task is waiting (站内信)."""
    try:
        from yiwang.notify.services import notify_person

        title = str(_("新的待办：{step}")).format(step=step.name)
        text = str(_("办件 {number}（{item}）进入“{step}”环节，请及时办理。")).format(
            number=step.case.number or "", item=step.case.version.name, step=step.name)
        for position in positions_for_step(step):
            notify_person(user=position.user, template="generic", context={"title": title, "text": text},
                          channels=["inbox"], dedupe_key=f"case-step-{step.pk}-{position.pk}-{step.status}")
    except Exception:  # noqa: BLE001 - a notification must never undo the case's progress
        logger.warning("step notification failed for step %s", step.pk, exc_info=True)


def _notify_applicant(case: Case, *, note: str = "", key: str = "") -> None:
    """SMS + inbox to the applicant (and the filing agent) after commit, through the cases
    app's status notification."""
    from yiwang.cases.notifications import notify_status

    notify_status(case, note=note, key=key)


def _on_commit(fn: Any) -> None:
    transaction.on_commit(fn, robust=True)


# --- steps from the engine ----------------------------------------------------------------


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
            step = CaseStep.objects.create(
                case=case, task_id=info.task_id, spec_name=info.spec_name, name=info.name[:100],
                step_kind=info.step_kind, role=info.role,
                department=_resolve_department(case, info.department, info.role),
                division=_resolve_division(case, info.level), status=StepStatus.READY, sequence=sequence,
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


# --- scope and selectors ------------------------------------------------------------------


def step_in_scope(step: CaseStep, position: Position | None) -> bool:
    """Whether ``position`` may act on ``step``: same role, division in its subtree and,
    for departmental roles, the same department. A step assigned (转办/认领) to a position is
    that position's alone."""
    if position is None or not position.is_active or position.role != step.role:
        return False
    if not step.division.path.startswith(position.division.path):
        return False
    if position.role in DEPARTMENTAL_ROLES and step.department_id != position.department_id:
        return False
    return not (step.assignee_position_id is not None and step.status == StepStatus.CLAIMED
                and step.assignee_position_id != position.pk)


def _step_scope_q(position: Position, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}role": position.role, f"{prefix}division__path__startswith": position.division.path})
    if position.role in DEPARTMENTAL_ROLES:
        q &= Q(**{f"{prefix}department_id": position.department_id})
    return q


def inbox_for_position(*, position: Position | None) -> QuerySet[CaseStep]:
    """待办: ready steps of this position's role in its scope, and the steps it has claimed."""
    if position is None or not position.is_active or position.role not in set(Role) - {Role.CITIZEN,
                                                                                      Role.ENTERPRISE}:
        return CaseStep.objects.none()
    mine = Q(status=StepStatus.CLAIMED, assignee_position=position)
    ready = Q(status=StepStatus.READY, assignee_position__isnull=True)
    return (CaseStep.objects.filter(_step_scope_q(position))
            .filter(mine | ready)
            .filter(case__status__in=HANDLING_STATUSES)
            .select_related("case", "case__version", "case__division", "department", "division", "parent",
                            "assignee")
            .order_by("created_at", "id"))


def positions_for_step(step: CaseStep) -> QuerySet[Position]:
    """Active positions whose inbox shows ``step``."""
    if step.assignee_position_id is not None and step.status == StepStatus.CLAIMED:
        return Position.objects.filter(pk=step.assignee_position_id, is_active=True).select_related("user")
    qs = Position.objects.filter(role=step.role, is_active=True).select_related("user", "division")
    if step.role in DEPARTMENTAL_ROLES:
        qs = qs.filter(department_id=step.department_id)  # type: ignore[misc]
    prefixes = [step.division.path[:i + 1] for i, ch in enumerate(step.division.path) if ch == "/" and i > 0]
    return qs.filter(division__path__in=prefixes)


def case_queryset_for_handling(*, position: Position | None) -> QuerySet[Case]:
    """Cases a staff position may open in the console: those in its data scope (查看办件), and
    those with a step of its role in its scope (e.g. a joint-review department's reviewer)."""
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_VIEW):
        return Case.objects.none()
    from yiwang.org.scope import Scope

    in_scope = Scope.of(position).q()
    has_step = Q(pk__in=CaseStep.objects.filter(_step_scope_q(position)).values("case_id"))
    return Case.objects.filter(in_scope | has_step).exclude(status=CaseStatus.DRAFT)


def case_get_for_handling(*, position: Position | None, pk: int) -> Case:
    case = (case_queryset_for_handling(position=position)
            .select_related("version", "version__process", "item", "division", "department", "applicant_user")
            .filter(pk=pk).first())
    if case is None:
        raise NotFound(_("办件不存在或不在您的权限范围内"))
    return case


def step_get_for_position(*, position: Position | None, pk: int) -> CaseStep:
    step = (CaseStep.objects.select_related("case", "case__version", "division", "department", "parent")
            .filter(pk=pk).first())
    if step is None or not step_in_scope(step, position):
        raise NotFound(_("环节不存在或不在您的权限范围内"))
    return step


def case_steps(case: Case) -> QuerySet[CaseStep]:
    return case.steps.select_related("department", "division", "assignee", "completed_by", "parent").order_by(
        "sequence", "id")


# --- locking ------------------------------------------------------------------------------


def _lock(case: Case, step: CaseStep | None = None, *,
          expected_version: int | None = None) -> tuple[Case, CaseStep | None]:
    """Lock the case row, then the step row (always in this order), and check the version."""
    locked_case = (Case.objects.select_for_update(of=("self",)).select_related("version", "version__process")
                   .get(pk=case.pk))
    if expected_version is not None and locked_case.lock_version != expected_version:
        raise Conflict(_("该办件已被他人更新，请刷新后重试"), code="stale_version",
                       details={"expected": expected_version, "current": locked_case.lock_version})
    locked_step = None
    if step is not None:
        locked_step = CaseStep.objects.select_for_update().get(pk=step.pk)
        locked_step.case = locked_case
    return locked_case, locked_step


def _bump(case: Case, *fields: str) -> None:
    case.lock_version = F("lock_version") + 1
    case.save(update_fields=["lock_version", "updated_at", *fields])
    case.refresh_from_db(fields=["lock_version"])


def _require_open_step(step: CaseStep, position: Position) -> None:
    if step.status not in OPEN_STEP_STATUSES:
        raise Conflict(_("该环节已由他人办理"), code="step_already_handled",
                       details={"step": step.pk, "status": step.status})
    if step.status == StepStatus.CLAIMED and step.assignee_position_id not in (None, position.pk):
        raise Conflict(_("该环节已由他人认领"), code="step_claimed_by_other",
                       details={"step": step.pk})


def _require_step_actor(step: CaseStep, position: Position | None, actor: Any) -> Position:
    if position is None or not position.is_active:
        raise PermissionDenied(_("您没有可用的工作岗位"))
    if getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("操作人必须是当前岗位的持有人"))
    perm = STEP_PERMS.get(step.step_kind, Perm.CASE_HANDLE)
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权办理该环节"), details={"permission": str(perm)})
    if position.role != step.role or not step.division.path.startswith(position.division.path) or (
            position.role in DEPARTMENTAL_ROLES and step.department_id != position.department_id):
        raise NotFound(_("环节不存在或不在您的权限范围内"))
    return position


def _require_case_open(case: Case) -> None:
    if case.status not in HANDLING_STATUSES:
        raise Conflict(_("办件当前状态为“{status}”，不能办理").format(status=case.get_status_display()),
                       code="case_not_in_handling", details={"status": case.status})


def _stop_clock(clock: Clock | None, *, actor: Any, position: Any) -> None:
    if clock is not None and clock.stopped_at is None:
        clock_services.clock_stop(clock=clock, actor=actor, position=position)


# --- claim / complete / return / countersign / transfer ------------------------------------


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


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None


def _cancel_open_steps(case: Case, *, keep_task_ids: Iterable[str], actor: Any, position: Any,
                       exclude: int | None = None) -> None:
    keep = set(keep_task_ids)
    stale = (CaseStep.objects.select_for_update().filter(case=case, status__in=OPEN_STEP_STATUSES)
             .exclude(task_id__in=keep))
    if exclude is not None:
        stale = stale.exclude(pk=exclude)
    for other in stale:
        if other.parent_id is not None and other.parent_id == exclude:
            continue
        other.status = StepStatus.CANCELLED
        other.save(update_fields=["status"])
        _stop_clock(step_clock(other), actor=actor, position=position)
        audit_record(action="case.step_cancel", actor=actor, position=position, obj=other, after=_step_dict(other))


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


# --- notices ------------------------------------------------------------------------------

def _county_name(case: Case) -> str:
    return _county_of(case.division).name


def rights_statement(case: Case) -> str:
    """The applicant's remedies (行政许可法 Art. 38 ¶2), stated in every 决定书."""
    county = _county_name(case)
    return str(_("如不服本决定，可以自收到本决定书之日起六十日内向{county}人民政府申请行政复议，"
                 "或者自收到本决定书之日起六个月内向{county}人民法院提起行政诉讼。").format(county=county))


def _notice_issue(case: Case, kind: str, context: dict[str, Any], *, actor: Any) -> CaseNotice:
    """Create the written notice (文书); its PDF is rendered by ``yiwang.licences.notices`` when present."""
    from yiwang.cases.notices import notice_issue

    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in context.items()}
    notice = notice_issue(case=case, kind=kind, context=clean, actor=actor, moment=timezone.now())
    audit_record(action="case.notice_issue", actor=actor, obj=notice,
                 after={"case": case.pk, "kind": kind, "number": notice.number})
    return notice


def _needs_licence(case: Case) -> bool:
    version = case.version
    return version.result_type == "licence" or bool(version.licence_template)


def _issue_licence(case: Case, *, actor: Any, position: Any) -> Any:
    licence_services: Any
    try:
        from yiwang.licences import services as licence_services
    except ImportError:
        licence_services = None
    issue = getattr(licence_services, "licence_issue", None)
    if issue is None:
        raise Conflict(_("电子证照模块不可用，暂不能作出需要制发证照的准予决定"), code="licence_module_missing")
    return issue(case=case, actor=actor, position=position)


def _decide(case: Case, *, decision: str, reasons: str, actor: Any, position: Any) -> CaseNotice:
    """作出决定 (Art. 37/38): record it, issue the 决定书 and, on 准予, the licence."""
    if case.decision:
        raise Conflict(_("该办件已作出决定"), code="already_decided")
    before = _case_dict(case)
    case.decision = decision
    case.decision_reason = reasons
    case.decided_at = timezone.now()
    case.status = CaseStatus.GRANTED if decision == Decision.GRANT else CaseStatus.DENIED
    case.save(update_fields=["decision", "decision_reason", "decided_at", "status"])
    kind = NoticeKind.GRANT if decision == Decision.GRANT else NoticeKind.DENY
    context: dict[str, Any] = {"decision": decision, "reason": reasons, "reasons": reasons,
                               "decided_on": timezone.localdate(), "rights": rights_statement(case),
                               "review_body": f"{_county_name(case)}人民政府", "review_days": REVIEW_DAYS,
                               "litigation_months": LITIGATION_MONTHS}
    if decision == Decision.GRANT:
        context["result_name"] = case.version.result_name
        if _needs_licence(case):  # 准予 with a licence: issue it first, the 决定书 cites its number
            licence = _issue_licence(case, actor=actor, position=position)
            context["licence_number"] = getattr(licence, "number", "")
    notice = _notice_issue(case, kind, context, actor=actor)
    audit_record(action="case.decide", actor=actor, position=position, obj=case, before=before,
                 after={**_case_dict(case), "reasons": reasons, "notice": notice.number})
    label = _("准予许可") if decision == Decision.GRANT else _("不予许可")
    _event(case, "decision", _("作出决定：{label}").format(label=label), reasons, actor=actor)
    _notify_applicant(case, key=f"case-{case.pk}-decision")
    return notice


def _finish(case: Case, *, actor: Any, position: Any) -> None:
    """办结: the process has finished; the handling clock and any open step clock stop."""
    before = _case_dict(case)
    case.status = CaseStatus.COMPLETED
    case.completed_at = timezone.now()
    case.save(update_fields=["status", "completed_at"])
    for clock in case_time_clocks(case):
        clock_services.clock_stop(clock=clock, actor=actor, position=position)
    _cancel_open_steps(case, keep_task_ids=(), actor=actor, position=position)
    audit_record(action="case.complete", actor=actor, position=position, obj=case, before=before,
                 after=_case_dict(case))
    _event(case, "completed", _("办结"), actor=actor)
    _notify_applicant(case, key=f"case-{case.pk}-completed")


# --- case-level actions: special procedures, extensions ------------------------------------


def _require_case_actor(case: Case, position: Position | None, actor: Any, perm: str) -> Position:
    if position is None or not position.is_active:
        raise PermissionDenied(_("您没有可用的工作岗位"))
    if getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("操作人必须是当前岗位的持有人"))
    if not case_queryset_for_handling(position=position).filter(pk=case.pk).exists():
        raise NotFound(_("办件不存在或不在您的权限范围内"))
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"permission": str(perm)})
    return position


def _require_handling_clock(case: Case) -> Clock:
    clock = handling_clock(case)
    if clock is None or clock.stopped_at is not None:
        raise Conflict(_("办件没有正在计时的办理时限"), code="no_handling_clock")
    return clock


def _open_step_clocks(case: Case) -> list[Clock]:
    steps = case.steps.filter(status__in=OPEN_STEP_STATUSES)
    return [c for c in clock_selectors.clock_list_for_objects(steps) if c.purpose == STEP_CLOCK_PURPOSE]


def case_special_procedure_start(*, case: Case, kind: str, reason: str, expected_days: int, actor: Any,
                                 position: Position | None, today: date | None = None) -> CaseNotice:
    """特别程序 (Art. 45): 听证、检验检测、鉴定、专家评审、招标拍卖. The time it takes is not
    counted: the handling clock (and open step clocks) are suspended, and the applicant is told
    in writing what the procedure is and how long it is expected to take."""
    _require_case_actor(case, position, actor, Perm.CLOCK_SUSPEND)
    if kind not in SPECIAL_KINDS:
        raise InvalidInput(_("特别程序类型不正确"), code="special_kind", details={"field": "kind"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写特别程序事由"), code="reason_required", details={"field": "reason"})
    if not isinstance(expected_days, int) or isinstance(expected_days, bool) or not 0 < expected_days <= 365:
        raise InvalidInput(_("预计所需时间必须为 1 至 365 个工作日"), code="expected_days",
                           details={"field": "expected_days"})
    today = _today(today)
    with transaction.atomic():
        locked, _step = _lock(case)
        if locked.status != CaseStatus.IN_PROGRESS:
            raise Conflict(_("只有办理中的办件可以启动特别程序"), code="case_not_in_progress",
                           details={"status": locked.status})
        _require_handling_clock(locked)
        before = _case_dict(locked)
        for clock in case_time_clocks(locked):
            if not clock.suspensions.filter(end__isnull=True).exists():
                clock_services.clock_suspend(clock=clock, kind=kind, reason=reason, start=today, actor=actor,
                                             position=position, today=today)
        for step_clock_ in _open_step_clocks(locked):
            if not step_clock_.suspensions.filter(end__isnull=True).exists():
                clock_services.clock_suspend(clock=step_clock_, kind=kind, reason=reason, start=today, actor=actor,
                                             position=position, today=today)
        locked.status = CaseStatus.SUSPENDED
        locked.save(update_fields=["status"])
        from yiwang.calendar.engine import add_workdays
        from yiwang.calendar.models import SuspensionKind

        kind_label = str(SuspensionKind(kind).label)
        notice = _notice_issue(locked, NoticeKind.SPECIAL, {
            "procedure": kind, "procedure_label": kind_label, "reason": reason, "expected_days": expected_days,
            "start": today, "expected_end": add_workdays(today, expected_days),
            "note": str(_("特别程序所需时间不计算在行政许可期限内（《中华人民共和国行政许可法》第四十五条）。")),
        }, actor=actor)
        audit_record(action="case.special_start", actor=actor, position=position, obj=locked, before=before,
                     after={**_case_dict(locked), "kind": kind, "reason": reason, "expected_days": expected_days,
                            "notice": notice.number})
        _event(locked, "special_start", _("启动特别程序：{kind}").format(kind=kind_label),
               _("预计需要 {days} 个工作日，期间不计入办理时限。").format(days=expected_days), actor=actor)
        _bump(locked)
        _notify_applicant(locked, key=f"case-{locked.pk}-special-{notice.pk}")
    case.refresh_from_db()
    return notice


def case_special_procedure_end(*, case: Case, actor: Any, position: Position | None, result: str = "",
                               today: date | None = None) -> Case:
    """特别程序结束: counting resumes the next working day; the case is in progress again."""
    _require_case_actor(case, position, actor, Perm.CLOCK_SUSPEND)
    today = _today(today)
    with transaction.atomic():
        locked, _step = _lock(case)
        if locked.status != CaseStatus.SUSPENDED:
            raise Conflict(_("办件不在特别程序中"), code="case_not_suspended", details={"status": locked.status})
        before = _case_dict(locked)
        for clock in case_time_clocks(locked):
            if clock.suspensions.filter(end__isnull=True).exists():
                clock_services.clock_resume(clock=clock, end=today, actor=actor, position=position, today=today)
        for step_clock_ in _open_step_clocks(locked):
            if step_clock_.suspensions.filter(end__isnull=True).exists():
                clock_services.clock_resume(clock=step_clock_, end=today, actor=actor, position=position,
                                            today=today)
        locked.status = CaseStatus.IN_PROGRESS
        locked.save(update_fields=["status"])
        audit_record(action="case.special_end", actor=actor, position=position, obj=locked, before=before,
                     after={**_case_dict(locked), "result": result})
        _event(locked, "special_end", _("特别程序结束，恢复计时"), (result or "").strip(), actor=actor)
        _bump(locked)
        _notify_applicant(locked, key=f"case-{locked.pk}-special-end-{today.isoformat()}")
    case.refresh_from_db()
    return case


def is_joint(case: Case) -> bool:
    """联合办理 (Art. 42 ¶2): the item has joint departments or a joint-review process."""
    version = case.version
    process = version.process
    return (process is not None and process.kind == "joint") or version.joint_departments.exists()


def case_extend(*, case: Case, days: int, reason: str, actor: Any, position: Position | None,
                today: date | None = None) -> CaseNotice:
    """延期 (Art. 42): a head of the case's department extends the handling limit by at most 10
    working days (15 for joint handling) in total, and the applicant is told why in writing."""
    _require_case_actor(case, position, actor, Perm.CLOCK_EXTEND)
    assert position is not None
    if position.role == Role.DEPARTMENT_HEAD:
        if position.department_id != case.department_id:
            raise PermissionDenied(_("只有本办件办理部门的负责人可以批准延期"), code="extend_not_head")
    elif position.role != Role.LEADER:
        raise PermissionDenied(_("只有部门负责人可以批准延期"), code="extend_not_head")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise InvalidInput(_("延长天数必须为正整数"), details={"field": "days"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写延期理由"), code="reason_required", details={"field": "reason"})
    max_days = MAX_JOINT_EXTENSION_DAYS if is_joint(case) else MAX_EXTENSION_DAYS
    with transaction.atomic():
        locked, _step = _lock(case)
        if locked.status not in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED):
            raise Conflict(_("办件当前状态不能延期"), code="case_not_in_progress", details={"status": locked.status})
        clock = _require_handling_clock(locked)
        before = _case_dict(locked)
        for each in case_time_clocks(locked):  # the promised and the statutory limit move together
            clock_services.clock_extend(clock=each, days=days, reason=reason, approver=actor, position=position,
                                        max_days=max_days, today=today)
        clock.refresh_from_db()
        notice = _notice_issue(locked, NoticeKind.EXTENSION, {
            "days": days, "reason": reason, "new_due_date": clock.due_date, "max_days": max_days,
            "basis": str(_("《中华人民共和国行政许可法》第四十二条")),
        }, actor=actor)
        audit_record(action="case.extend", actor=actor, position=position, obj=locked, before=before,
                     after={**_case_dict(locked), "days": days, "reason": reason, "due_date": clock.due_date,
                            "notice": notice.number})
        _event(locked, "extension", _("延长办理期限 {days} 个工作日").format(days=days),
               _("理由：{reason}；新的办结期限：{due}").format(reason=reason, due=clock.due_date.isoformat()),
               actor=actor)
        _bump(locked)
        _notify_applicant(locked, note=str(_("办理期限延长至{due}").format(due=clock.due_date.isoformat())),
                          key=f"case-{locked.pk}-extension-{notice.pk}")
    return notice


# --- materials -----------------------------------------------------------------------------


def material_open(*, material_id: int, actor: Any, position: Position | None) -> Any:
    """Open an uploaded material for a staff member in scope; every download is audited."""
    from yiwang.cases.models import CaseMaterial

    material = CaseMaterial.objects.select_related("case").filter(pk=material_id).first()
    if material is None or not case_queryset_for_handling(position=position).filter(pk=material.case_id).exists():
        raise NotFound(_("材料不存在或不在您的权限范围内"))
    with transaction.atomic():
        audit_record(action="case.material_download", actor=actor, position=position, obj=material,
                     after={"case": material.case_id, "sha256": material.sha256, "name": material.original_name})
    return material


def clock_view(clock: Clock | None, *, today: date | None = None) -> dict[str, Any] | None:
    """Due date, remaining working days and the traffic light of ``clock`` as of today."""
    if clock is None:
        return None
    from yiwang.calendar.clocks import clock_state

    state = clock_state(clock, today=today)
    return {"due_date": state.due_date, "remaining": state.remaining, "status": state.status,
            "status_label": _STATUS_LABELS.get(state.status, state.status), "paused": state.paused,
            "suspended": state.suspended, "extended": state.extended, "budget": clock.budget,
            "stopped": clock.stopped_at is not None, "start_date": clock.start_date}


_STATUS_LABELS: dict[str, Any] = {}


def _init_labels() -> None:
    from yiwang.calendar.models import ClockStatus

    _STATUS_LABELS.update({str(k): v for k, v in ClockStatus.choices})


_init_labels()
