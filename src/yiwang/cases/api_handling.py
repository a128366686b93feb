"""办理 API (``/api/v1/cases/handling/…``): the staff inbox and the handling actions.

Reads accept an API key with ``cases:read`` or a staff session; actions on a case are taken by
a person in a position, so they need a session (an API key gets 403). Errors are
``{code, message, details}``; two staff completing the same step: the loser gets 409.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of
from yiwang.cases import handling
from yiwang.cases.models import CaseStep
from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

router = Router(tags=["cases 办件"])

READ_AUTH = [ApiKeyAuth(), SessionAuth()]
WRITE_AUTH = [ApiKeyAuth(), SessionAuth()]


class StepClockOut(Schema):
    due_date: date
    remaining: int
    status: str
    paused: bool


class HandlingStepOut(Schema):
    id: int
    case_id: int
    case_number: str
    item: str
    name: str
    step_kind: str
    role: str
    status: str
    department: str | None
    division: str
    parent_id: int | None
    assignee: str | None
    created_at: Any
    clock: StepClockOut | None
    case_clock: StepClockOut | None
    lock_version: int


class StepCompleteIn(Schema):
    opinion: str = ""
    outcome: str = ""
    decision: str = ""
    reasons: str = ""
    data: dict[str, Any] = {}
    lock_version: int | None = None


class ReturnIn(Schema):
    reason: str
    target: str | None = None


class CountersignIn(Schema):
    role: str
    department: str | None = None  # department code
    division: str | None = None  # division code
    reason: str
    step_days: int | None = None


class TransferIn(Schema):
    position_id: int
    reason: str = ""


class SpecialIn(Schema):
    kind: str
    reason: str
    expected_days: int


class SpecialEndIn(Schema):
    result: str = ""


class ExtendIn(Schema):
    days: int
    reason: str


class HandlingNoticeOut(Schema):
    id: int
    kind: str
    number: str
    context: dict[str, Any]


class CaseStateOut(Schema):
    id: int
    number: str | None
    status: str
    decision: str
    lock_version: int
    clock: StepClockOut | None


def _clock(clock: Any) -> dict[str, Any] | None:
    view = handling.clock_view(clock)
    if view is None:
        return None
    return {k: view[k] for k in ("due_date", "remaining", "status", "paused")}


def _step_out(step: CaseStep) -> dict[str, Any]:
    case = step.case
    return {
        "id": step.pk, "case_id": case.pk, "case_number": case.number or "", "item": case.version.name,
        "name": step.name, "step_kind": step.step_kind, "role": step.role, "status": step.status,
        "department": step.department.name if step.department else None, "division": step.division.name,
        "parent_id": step.parent_id,
        "assignee": step.assignee.display_name if step.assignee else None,
        "created_at": step.created_at, "clock": _clock(handling.step_clock(step)),
        "case_clock": _clock(handling.handling_clock(case)), "lock_version": case.lock_version,
    }


def _case_out(case: Any) -> dict[str, Any]:
    case.refresh_from_db()
    return {"id": case.pk, "number": case.number, "status": case.status, "decision": case.decision,
            "lock_version": case.lock_version, "clock": _clock(handling.handling_clock(case))}


def _staff_position(request: HttpRequest) -> Position:
    """Actions are taken by a person in a position: a session with a staff position."""
    if api_key_of(request) is not None:
        raise PermissionDenied(_("办理操作须由工作人员登录后进行，API 密钥不能办理办件"),
                               details={"reason": "session_required"})
    position = getattr(request, "position", None)
    if position is None or not has_perm(position, Perm.CASE_VIEW):
        raise PermissionDenied(_("当前岗位无权办理办件"))
    return position


def _step(request: HttpRequest, step_id: int) -> tuple[CaseStep, Position]:
    position = _staff_position(request)
    step = handling.step_get_for_position(position=position, pk=step_id)
    return step, position


@router.get("/handling/inbox", auth=READ_AUTH, response=list[HandlingStepOut], summary="我的待办（当前岗位）")
def inbox(request: HttpRequest) -> list[dict[str, Any]]:
    position = _staff_position(request)
    return [_step_out(s) for s in handling.inbox_for_position(position=position)[:500]]


@router.post("/handling/steps/{step_id}/claim", auth=WRITE_AUTH, response=HandlingStepOut, summary="认领环节")
def claim(request: HttpRequest, step_id: int) -> dict[str, Any]:
    step, position = _step(request, step_id)
    step = handling.step_claim(step=step, actor=request.user, position=position)
    return _step_out(CaseStep.objects.select_related("case", "case__version", "department", "division",
                                                    "assignee").get(pk=step.pk))


@router.post("/handling/steps/{step_id}/complete", auth=WRITE_AUTH, response=CaseStateOut,
             summary="完成环节（审查意见、决定）")
def complete(request: HttpRequest, step_id: int, payload: StepCompleteIn) -> dict[str, Any]:
    step, position = _step(request, step_id)
    handling.step_complete(step=step, opinion=payload.opinion, outcome=payload.outcome, data=payload.data,
                           decision=payload.decision, reasons=payload.reasons, actor=request.user,
                           position=position, expected_version=payload.lock_version)
    return _case_out(step.case)


@router.post("/handling/steps/{step_id}/return", auth=WRITE_AUTH, response=CaseStateOut, summary="退回")
def return_step(request: HttpRequest, step_id: int, payload: ReturnIn) -> dict[str, Any]:
    step, position = _step(request, step_id)
    handling.step_return(step=step, reason=payload.reason, target_spec_name=payload.target or None,
                         actor=request.user, position=position)
    return _case_out(step.case)


@router.post("/handling/steps/{step_id}/countersign", auth=WRITE_AUTH, response=HandlingStepOut, summary="加签")
def countersign(request: HttpRequest, step_id: int, payload: CountersignIn) -> dict[str, Any]:
    step, position = _step(request, step_id)
    department = None
    if payload.department:
        department = Department.objects.filter(code=payload.department, is_active=True).first()
        if department is None:
            raise InvalidInput(_("部门不存在"), details={"field": "department"})
    division = None
    if payload.division:
        division = Division.objects.filter(code=payload.division, valid_to__isnull=True).first()
        if division is None:
            raise InvalidInput(_("区划不存在"), details={"field": "division"})
    child = handling.step_countersign(step=step, role=payload.role, department=department, division=division,
                                      reason=payload.reason, step_days=payload.step_days, actor=request.user,
                                      position=position)
    return _step_out(CaseStep.objects.select_related("case", "case__version", "department", "division",
                                                    "assignee").get(pk=child.pk))


@router.post("/handling/steps/{step_id}/transfer", auth=WRITE_AUTH, response=HandlingStepOut, summary="转办")
def transfer(request: HttpRequest, step_id: int, payload: TransferIn) -> dict[str, Any]:
    step, position = _step(request, step_id)
    target = Position.objects.filter(pk=payload.position_id, is_active=True).first()
    if target is None:
        raise InvalidInput(_("转办对象不存在"), details={"field": "position_id"})
    step = handling.step_transfer(step=step, to_position=target, reason=payload.reason, actor=request.user,
                                  position=position)
    return _step_out(CaseStep.objects.select_related("case", "case__version", "department", "division",
                                                    "assignee").get(pk=step.pk))


def _case(request: HttpRequest, case_id: int) -> tuple[Any, Position]:
    position = _staff_position(request)
    return handling.case_get_for_handling(position=position, pk=case_id), position


@router.post("/handling/cases/{case_id}/special-procedure", auth=WRITE_AUTH, response=HandlingNoticeOut,
             summary="启动特别程序（中止计时）")
def special_start(request: HttpRequest, case_id: int, payload: SpecialIn) -> dict[str, Any]:
    case, position = _case(request, case_id)
    notice = handling.case_special_procedure_start(case=case, kind=payload.kind, reason=payload.reason,
                                                   expected_days=payload.expected_days, actor=request.user,
                                                   position=position)
    return {"id": notice.pk, "kind": notice.kind, "number": notice.number, "context": notice.context}


@router.post("/handling/cases/{case_id}/special-procedure/end", auth=WRITE_AUTH, response=CaseStateOut,
             summary="结束特别程序（恢复计时）")
def special_end(request: HttpRequest, case_id: int, payload: SpecialEndIn) -> dict[str, Any]:
    case, position = _case(request, case_id)
    handling.case_special_procedure_end(case=case, result=payload.result, actor=request.user, position=position)
    return _case_out(case)


@router.post("/handling/cases/{case_id}/extend", auth=WRITE_AUTH, response=HandlingNoticeOut, summary="延期（部门负责人）")
def extend(request: HttpRequest, case_id: int, payload: ExtendIn) -> dict[str, Any]:
    case, position = _case(request, case_id)
    notice = handling.case_extend(case=case, days=payload.days, reason=payload.reason, actor=request.user,
                                  position=position)
    return {"id": notice.pk, "kind": notice.kind, "number": notice.number, "context": notice.context}
