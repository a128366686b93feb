"""Time limits changed during handling: special procedures (Art. 45) and extensions (Art. 42).

* ``case_special_procedure_start``/``_end``: 听证、检验检测、鉴定、专家评审、招标拍卖 (``SPECIAL_KINDS``);
  the handling clocks and open step clocks are suspended, the case is 中止, and the applicant gets
  a written notice; counting resumes the next working day;
* ``case_extend``: 延期 by at most ``MAX_EXTENSION_DAYS`` (10) working days by the head of the case's
  department, or ``MAX_JOINT_EXTENSION_DAYS`` (15) for joint handling (``is_joint``, Art. 42 ¶2) by the
  head of the same-level government; the applicant is told why in writing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar import services as clock_services
from yiwang.calendar.models import Clock
from yiwang.cases.handling.clocks import case_time_clocks, handling_clock
from yiwang.cases.handling.inbox import _require_case_actor
from yiwang.cases.handling.records import (
    OPEN_STEP_STATUSES,
    STEP_CLOCK_PURPOSE,
    _bump,
    _case_dict,
    _event,
    _lock,
    _notice_issue,
    _notify_applicant,
    _today,
)
from yiwang.cases.models import Case, CaseNotice, CaseStatus, NoticeKind
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm, Role

SPECIAL_KINDS = ("hearing", "inspection", "appraisal", "expert_review", "tender", "auction")



MAX_EXTENSION_DAYS = 10  # 行政许可法 Art. 42 para. 1



MAX_JOINT_EXTENSION_DAYS = 15  # Art. 42 para. 2 (统一办理、联合办理、集中办理)



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
    working days in total, and the applicant is told why in writing. Joint, unified or centralised
    handling (Art. 42 ¶2) is extended by at most 15 working days, and only by the head of the
    same-level people's government (本级人民政府负责人: a ``leader`` position over the case's
    division), never by a department head."""
    _require_case_actor(case, position, actor, Perm.CLOCK_EXTEND)
    assert position is not None
    joint = is_joint(case)
    if joint:
        if position.role != Role.LEADER or not case.division.path.startswith(position.division.path):
            raise PermissionDenied(_("联合办理的延期须经本级人民政府负责人批准"), code="extend_not_government_head")
    elif position.role == Role.DEPARTMENT_HEAD:
        if position.department_id != case.department_id:
            raise PermissionDenied(_("只有本办件办理部门的负责人可以批准延期"), code="extend_not_head")
    elif position.role != Role.LEADER:
        raise PermissionDenied(_("只有部门负责人可以批准延期"), code="extend_not_head")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise InvalidInput(_("延长天数必须为正整数"), details={"field": "days"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写延期理由"), code="reason_required", details={"field": "reason"})
    max_days = MAX_JOINT_EXTENSION_DAYS if joint else MAX_EXTENSION_DAYS
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
