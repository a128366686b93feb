"""Supervisor console (实时监控) and the department's alert pages (预警 → 纠错), plus rule admin.

Views only parse input, call selectors/services and render; domain errors become a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.catalog.models import ServiceItem
from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.core.pagination import page_of
from yiwang.org.models import Department
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.supervision import selectors, services
from yiwang.supervision.models import AlertStatus


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _filters(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    return {"division": g.get("division", "")[:12], "department": _int(g.get("department")),
            "item": _int(g.get("item")), "level": g.get("level", "")[:20], "status": g.get("status", "")[:20],
            "open_only": g.get("open", "1") == "1"}


@staff_required
def console(request: HttpRequest) -> HttpResponse:
    """The live list (htmx refresh every 30 s), level counts, traffic lights and the service-point tree."""
    position = request.position  # type: ignore[attr-defined]
    filters = _filters(request)
    alerts = selectors.alert_list(position=position, **filters)
    page = page_of(request, alerts, 50)
    context = {"page": page, "filters": filters, "counts": selectors.level_counts(position=position),
               "query": request.GET.urlencode(), "statuses": AlertStatus.choices,
               "can_verify": has_perm(position, Perm.ALERT_VERIFY),
               "can_manage": has_perm(position, Perm.RULE_MANAGE)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "supervision/_alerts.html", context)
    context.update(selectors.filter_choices(position=position))
    context["lights"] = selectors.traffic_lights(position=position)
    context["tree"] = selectors.service_point_tree(position=position)
    return render(request, "supervision/console.html", context)


@staff_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    alert = selectors.alert_get(position=position, pk=pk)
    context = {
        "alert": alert, "actions": alert.actions.select_related("actor").order_by("at", "id"),
        "timeline": selectors.alert_timeline(alert), "steps": selectors.alert_steps(alert),
        "can_correct": has_perm(position, Perm.ALERT_CORRECT) and alert.is_open,
        "can_verify": has_perm(position, Perm.ALERT_VERIFY) and alert.is_open,
    }
    return render(request, "supervision/alert.html", context)


@require_POST
@staff_required
def alert_action(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    alert = selectors.alert_get(position=position, pk=pk)
    try:
        services.alert_act(alert=alert, kind=kind, text=request.POST.get("text", ""), actor=request.user,
                           position=position, attachment=request.FILES.get("attachment"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交"))
    return redirect("supervision:alert", pk=pk)


@staff_required
def rules(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    context = {"rules": selectors.rule_list(position=position),
               "departments": Department.objects.filter(is_active=True).order_by("code"),
               "items": ServiceItem.objects.filter(is_active=True).order_by("name")[:500]}
    return render(request, "supervision/rules.html", context)


def _params(request: HttpRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith("param_") and request.POST[key].strip():
            try:
                out[key[6:]] = int(request.POST[key])
            except ValueError as exc:
                raise InvalidInput(_("参数须为整数"), details={"field": key}) from exc
    return out


@require_POST
@staff_required
def rule_save(request: HttpRequest, code: str) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    rule = selectors.rule_get(position=position, code=code)
    try:
        services.rule_update(rule=rule, actor=request.user, position=position,
                             is_active=request.POST.get("is_active") == "on", params=_params(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("规则已保存"))
    return redirect("supervision:rules")


@require_POST
@staff_required
def override_save(request: HttpRequest, code: str) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    rule = selectors.rule_get(position=position, code=code)
    item_id, dept_id = _int(request.POST.get("item")), _int(request.POST.get("department"))
    try:
        services.rule_override_set(
            rule=rule, actor=request.user, position=position,
            item=ServiceItem.objects.filter(pk=item_id).first() if item_id else None,
            department=Department.objects.filter(pk=dept_id).first() if dept_id else None,
            level=request.POST.get("level", ""), is_active=request.POST.get("is_active") == "on",
            params=_params(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("规则调整已保存"))
    return redirect("supervision:rules")


@require_POST
@staff_required
def override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    services.rule_override_delete(override=selectors.override_get(position=position, pk=pk), actor=request.user,
                                  position=position)
    messages.success(request, _("规则调整已删除"))
    return redirect("supervision:rules")
