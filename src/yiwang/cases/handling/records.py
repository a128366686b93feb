"""What the handling modules share: constants, the case timeline, locking and permission checks.

* ``STEP_PERMS``: what a position needs to act on a step of each kind, besides holding its role;
* ``_lock``/``_bump``: lock the case row, then the step row (always in this order), check and bump
  ``lock_version`` (two staff on the same step: the first wins, the second gets 409);
* ``_require_step_actor``/``_require_open_step``/``_require_case_open``: who may act, and when;
* ``_resolve_division``/``_resolve_department``: where a workflow step lands (乡镇/县级, the item's department);
* ``_event``: a :class:`~yiwang.cases.models.CaseEvent` on the case's timeline;
* ``_notice_issue``: a written notice (文书) with its audit event; ``_notify_applicant`` after commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseEvent, CaseNotice, CaseStatus, CaseStep, StepStatus
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, Perm
from yiwang.org.scope import has_perm
from yiwang.workflow import assignment

STEP_CLOCK_PURPOSE = "case_step"



HANDLING_CLOCK_PURPOSES = ("handling", "case_handling", "handle")






OPEN_STEP_STATUSES = (StepStatus.READY, StepStatus.CLAIMED)



# A denied case still goes through 办结 (delivery of the 决定书).
HANDLING_STATUSES = (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED, CaseStatus.GRANTED, CaseStatus.DENIED)



COUNTERSIGN_KIND = "countersign"



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



def _resolve_division(case: Case, level: str | None) -> Division:
    return assignment.step_division(level, case.division)



def _resolve_department(case: Case, code: str | None, role: str, division: Division | None = None
                        ) -> Department | None:
    """See :func:`yiwang.workflow.assignment.step_department`."""
    try:
        return assignment.step_department(role=role, code=code, division=division or case.division,
                                          case_division=case.division, case_department=case.department,
                                          item_department=case.version.department)
    except Department.DoesNotExist:
        raise InvalidInput(_("流程环节指定的部门不存在：{code}").format(code=code),
                           code="step_department_unknown", details={"department": code}) from None



def _next_sequence(case: Case) -> int:
    last = CaseStep.objects.filter(case=case).order_by("-sequence").values_list("sequence", flat=True).first()
    return (last or 0) + 1



def _notify_applicant(case: Case, *, note: str = "", key: str = "") -> None:
    """SMS + inbox to the applicant (and the filing agent) after commit, through the cases
    app's status notification."""
    from yiwang.cases.notifications import notify_status

    notify_status(case, note=note, key=key)



def _on_commit(fn: Any) -> None:
    transaction.on_commit(fn, robust=True)



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



def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None



def _county_name(case: Case) -> str:
    return assignment.county_of(case.division).name



def _notice_issue(case: Case, kind: str, context: dict[str, Any], *, actor: Any) -> CaseNotice:
    """Create the written notice (文书); its PDF is rendered by ``yiwang.licences.notices`` when present."""
    from yiwang.cases.notices import notice_issue

    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in context.items()}
    notice = notice_issue(case=case, kind=kind, context=clean, actor=actor, moment=timezone.now())
    audit_record(action="case.notice_issue", actor=actor, obj=notice,
                 after={"case": case.pk, "kind": kind, "number": notice.number})
    return notice
