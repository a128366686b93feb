"""Scope and reads of handling (待办): who sees which step and which case.

* ``step_in_scope``: same role, division in the position's subtree and, for departmental roles, the
  same department; a claimed or transferred step is its holder's alone;
* ``inbox_for_position``/``positions_for_step``: the staff inbox, and whose inbox shows a step
  (``_notify_staff`` tells them, 站内信);
* ``case_queryset_for_handling``/``case_get_for_handling``/``step_get_for_position``: 404 outside scope;
* ``material_open``: a staff member opens an uploaded material; every download is audited.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.cases.handling.records import HANDLING_STATUSES
from yiwang.cases.models import Case, CaseStatus, CaseStep, StepStatus
from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, Perm, Role
from yiwang.org.scope import has_perm

logger = logging.getLogger(__name__)



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
    """Cases a staff position may open in the console: those in its data scope (查看办件), those its
    window may accept, and those with a step of its role in its scope (e.g. a joint-review
    department's reviewer)."""
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_VIEW):
        return Case.objects.none()
    from yiwang.org.scope import Scope

    in_scope = Scope.of(position).q()
    if has_perm(position, Perm.CASE_ACCEPT):  # 一窗受理: the window sees what it may accept
        from yiwang.cases.scope import acceptance_q

        in_scope |= acceptance_q(position)
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
