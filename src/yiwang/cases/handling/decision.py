"""决定与办结 (行政许可法 Arts. 37, 38, 39, 44): the decision, its 决定书 and the end of handling.

* ``_decide``: records 准予/不予 with reasons, issues the licence first on 准予 (电子证照) and the
  决定书, which states the applicant's remedies (``rights_statement``, Art. 38 ¶2: 行政复议 within
  ``REVIEW_DAYS``, 行政诉讼 within ``LITIGATION_MONTHS``);
* ``_finish``: 办结 when the process has finished; every time-limit clock stops and open steps are
  cancelled (``_cancel_open_steps``, also used when a return removes parallel branches).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import services as clock_services
from yiwang.cases.handling.clocks import _stop_clock, case_time_clocks, step_clock
from yiwang.cases.handling.records import (
    OPEN_STEP_STATUSES,
    _case_dict,
    _county_name,
    _event,
    _notice_issue,
    _notify_applicant,
    _step_dict,
)
from yiwang.cases.models import Case, CaseNotice, CaseStatus, CaseStep, Decision, NoticeKind, StepStatus
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict

# Administrative review within 60 days (行政复议法 Art. 20); litigation within 6 months (行政诉讼法 Art. 46).
REVIEW_DAYS = 60



LITIGATION_MONTHS = 6



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



def rights_statement(case: Case) -> str:
    """The applicant's remedies (行政许可法 Art. 38 ¶2), stated in every 决定书."""
    county = _county_name(case)
    return str(_("如不服本决定，可以自收到本决定书之日起六十日内向{county}人民政府申请行政复议，"
                 "或者自收到本决定书之日起六个月内向{county}人民法院提起行政诉讼。").format(county=county))



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
