"""Console screens for handling (办理): the inbox (我的待办) and the case page with its actions.

Every read goes through :mod:`yiwang.cases.handling` selectors with the acting position; every
action posts a plain form (works without JavaScript) to a service. A refused action re-renders
the case page with the message and the error's HTTP status (409 when someone else was first).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.calendar.models import SuspensionKind
from yiwang.cases import handling
from yiwang.cases.models import Case, CaseStatus, CaseStep, StepStatus
from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.core.masking import mask_name
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, Perm, Role
from yiwang.org.scope import has_perm

COUNTERSIGN_ROLES = (Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_HEAD)


def _position(request: HttpRequest) -> Any:
    return request.position  # type: ignore[attr-defined]


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("请输入整数"), details={"field": field}) from exc


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    position = _position(request)
    rows = []
    for step in handling.inbox_for_position(position=position)[:300]:
        rows.append({"step": step, "clock": handling.clock_view(handling.step_clock(step)),
                     "case_clock": handling.clock_view(handling.handling_clock(step.case))})
    return render(request, "cases/handling/inbox.html", {"rows": rows, "position": position})


def _transfer_targets(step: CaseStep, position: Position) -> list[Position]:
    candidates = Position.objects.filter(role=step.role, is_active=True, user__is_active=True).exclude(
        pk=position.pk).select_related("user", "division", "department")
    if step.role in DEPARTMENTAL_ROLES:
        candidates = candidates.filter(department_id=step.department_id)  # type: ignore[misc]
    probe = CaseStep(role=step.role, division=step.division, department_id=step.department_id,
                     status=StepStatus.READY)
    return [p for p in candidates[:200] if handling.step_in_scope(probe, p)]


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    position = _position(request)
    steps = list(handling.case_steps(case))
    step_rows = [{"step": s, "clock": handling.clock_view(handling.step_clock(s))} for s in steps]
    mine = [s for s in steps if s.status in handling.OPEN_STEP_STATUSES and handling.step_in_scope(s, position)]
    completed = {s.spec_name for s in steps if s.status == StepStatus.COMPLETED and s.parent_id is None}
    current = {s.spec_name for s in steps if s.status in handling.OPEN_STEP_STATUSES}
    can_extend = has_perm(position, Perm.CLOCK_EXTEND) and case.status in (
        CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED) and (
        (position.role == Role.DEPARTMENT_HEAD and position.department_id == case.department_id)
        or position.role == Role.LEADER)
    return {
        "case": case,
        "applicant_name": mask_name(case.applicant_name),
        "materials": case.materials.filter(is_current=True).order_by("id"),
        "events": case.events.order_by("at", "id"),
        "notices": case.notices.order_by("issued_at", "id"),
        "step_rows": step_rows,
        "my_steps": [{"step": s, "targets": _transfer_targets(s, position),
                      "countersigns_open": s.countersigns.filter(status__in=handling.OPEN_STEP_STATUSES).exists()}
                     for s in mine],
        "definition": case.version.process,
        "completed": completed,
        "current": current,
        "clock": handling.clock_view(handling.handling_clock(case)),
        "can_special": has_perm(position, Perm.CLOCK_SUSPEND) and case.status == CaseStatus.IN_PROGRESS,
        "can_special_end": has_perm(position, Perm.CLOCK_SUSPEND) and case.status == CaseStatus.SUSPENDED,
        "can_extend": can_extend,
        "max_extension": handling.MAX_JOINT_EXTENSION_DAYS if handling.is_joint(case)
        else handling.MAX_EXTENSION_DAYS,
        "special_kinds": [(k, SuspensionKind(k).label) for k in handling.SPECIAL_KINDS],
        "countersign_roles": [(r.value, r.label) for r in COUNTERSIGN_ROLES],
        "departments": Department.objects.filter(is_active=True).order_by("division__code", "code")[:300],
    }


def _render_detail(request: HttpRequest, case: Case, *, error: DomainError | None = None) -> HttpResponse:
    context = _detail_context(request, case)
    context["error"] = error
    return render(request, "cases/handling/case_detail.html", context, status=error.status if error else 200)


@require_GET
@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = handling.case_get_for_handling(position=_position(request), pk=pk)
    return _render_detail(request, case)


@require_POST
@staff_required
def step_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """认领 / 完成 / 退回 / 加签 / 转办 a step, from the case page or the inbox."""
    position = _position(request)
    step = handling.step_get_for_position(position=position, pk=pk)
    case = step.case
    post = request.POST
    try:
        if action == "claim":
            handling.step_claim(step=step, actor=request.user, position=position)
            messages.success(request, _("已认领：{name}").format(name=step.name))
        elif action == "complete":
            version = post.get("lock_version")
            handling.step_complete(
                step=step, opinion=post.get("opinion", ""), outcome=post.get("outcome", ""),
                decision=post.get("decision", ""), reasons=post.get("reasons", ""), actor=request.user,
                position=position, expected_version=_int(version, "lock_version") if version else None)
            messages.success(request, _("已完成：{name}").format(name=step.name))
        elif action == "return":
            handling.step_return(step=step, reason=post.get("reason", ""), target_spec_name=post.get("target") or None,
                                 actor=request.user, position=position)
            messages.success(request, _("已退回：{name}").format(name=step.name))
        elif action == "countersign":
            department = None
            if post.get("department"):
                department = Department.objects.filter(pk=_int(post["department"], "department")).first()
                if department is None:
                    raise InvalidInput(_("部门不存在"), details={"field": "department"})
            division = None
            if post.get("division"):
                division = Division.objects.filter(code=post["division"].strip()).first()
                if division is None:
                    raise InvalidInput(_("区划不存在"), details={"field": "division"})
            handling.step_countersign(step=step, role=post.get("role", ""), department=department,
                                      division=division, reason=post.get("reason", ""), actor=request.user,
                                      position=position)
            messages.success(request, _("已加签"))
        elif action == "transfer":
            target = Position.objects.filter(pk=_int(post.get("to_position"), "to_position"), is_active=True).first()
            if target is None:
                raise InvalidInput(_("转办对象不存在"), details={"field": "to_position"})
            handling.step_transfer(step=step, to_position=target, reason=post.get("reason", ""),
                                   actor=request.user, position=position)
            messages.success(request, _("已转办"))
        else:
            raise InvalidInput(_("未知的操作"), details={"action": action})
    except DomainError as exc:
        return _render_detail(request, handling.case_get_for_handling(position=position, pk=case.pk), error=exc)
    if post.get("next") == "inbox":
        return redirect("cases:handling_inbox")
    try:
        handling.case_get_for_handling(position=position, pk=case.pk)
    except DomainError:  # no longer visible after the action (e.g. transferred away): back to the inbox
        return redirect("cases:handling_inbox")
    return redirect("cases:handling_case", pk=case.pk)


@require_POST
@staff_required
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """特别程序 start/end and 延期 on a case."""
    position = _position(request)
    case = handling.case_get_for_handling(position=position, pk=pk)
    post = request.POST
    try:
        if action == "special":
            handling.case_special_procedure_start(
                case=case, kind=post.get("kind", ""), reason=post.get("reason", ""),
                expected_days=_int(post.get("expected_days"), "expected_days"), actor=request.user,
                position=position)
            messages.success(request, _("已启动特别程序，并已生成特别程序告知书"))
        elif action == "special_end":
            handling.case_special_procedure_end(case=case, result=post.get("result", ""), actor=request.user,
                                                position=position)
            messages.success(request, _("特别程序已结束，恢复计时"))
        elif action == "extend":
            handling.case_extend(case=case, days=_int(post.get("days"), "days"), reason=post.get("reason", ""),
                                 actor=request.user, position=position)
            messages.success(request, _("已延期，并已生成延期告知书"))
        else:
            raise InvalidInput(_("未知的操作"), details={"action": action})
    except DomainError as exc:
        case.refresh_from_db()
        return _render_detail(request, case, error=exc)
    return redirect("cases:handling_case", pk=case.pk)


@require_GET
@staff_required
def material_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    material = handling.material_open(material_id=pk, actor=request.user, position=_position(request))
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        return render(request, "portal/error.html", {"title": _("无法下载"), "message": _("材料文件不存在")},
                      status=404)
    response = FileResponse(handle, as_attachment=True, filename=material.original_name,
                            content_type=material.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("console/inbox/", inbox, name="handling_inbox"),
    path("console/handling/<int:pk>/", case_detail, name="handling_case"),
    path("console/handling/<int:pk>/<str:action>/", case_action, name="handling_case_action"),
    path("console/handling/steps/<int:pk>/<str:action>/", step_action, name="handling_step_action"),
    path("console/handling/materials/<int:pk>/", material_download, name="handling_material"),
]
