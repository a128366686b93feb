"""Supervision API at ``/api/v1/supervision/``: alerts (list, detail, actions), rules (list, update,
overrides), counts (levels, traffic lights, service-point tree).

Session callers act through their position (scope and permissions); API keys need the
``supervision:read`` / ``supervision:write`` scopes. Errors are ``{code, message, details}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, require_access
from yiwang.catalog.models import ServiceItem
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.core.pagination import PageQuery
from yiwang.org.models import Department
from yiwang.org.roles import Perm
from yiwang.supervision import selectors, services
from yiwang.supervision.models import Alert, Rule

router = Router(tags=["supervision"])
AUTH = [ApiKeyAuth(), SessionAuth()]


def _position(request: HttpRequest) -> Any:
    position = getattr(request, "position", None)
    if position is None:
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("当前账户没有可用的工作岗位"))
    return position


def _read(request: HttpRequest) -> Any:
    require_access(request, scope="supervision:read", perm=Perm.ALERT_VIEW)
    return _position(request)


class AlertFilter(PageQuery):
    division: str = ""
    department: int | None = None
    item: int | None = None
    level: str = ""
    status: str = ""
    rule: str = ""
    open: bool = False


def alert_out(alert: Alert, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": alert.pk, "rule": alert.rule.code, "rule_name": alert.rule.name, "level": alert.level,
        "status": alert.status, "message": alert.message,
        "object": {"type": alert.content_type.model if full else alert.content_type_id, "id": alert.object_id},
        "case": {"id": alert.case_id, "number": alert.case.number} if alert.case_id and alert.case else None,
        "department": alert.department.name if alert.department else None,
        "division": alert.division.name if alert.division else None,
        "raised_at": alert.raised_at, "closed_at": alert.closed_at,
    }
    if full:
        data["actions"] = [
            {"kind": a.kind, "text": a.text, "actor": getattr(a.actor, "display_name", None), "at": a.at,
             "attachment": a.attachment_name, "attachment_sha256": a.attachment_sha256}
            for a in alert.actions.select_related("actor").order_by("at", "id")]
        data["timeline"] = [{"kind": e.kind, "title": e.title, "detail": e.detail, "at": e.at}
                            for e in selectors.alert_timeline(alert)]
    return data


@router.get("/alerts", auth=AUTH)
def alerts(request: HttpRequest, filters: Query[AlertFilter]) -> dict[str, Any]:
    """预警列表。"""
    position = _read(request)
    qs = selectors.alert_list(position=position, division=filters.division, department=filters.department,
                              item=filters.item, level=filters.level, status=filters.status, rule=filters.rule,
                              open_only=filters.open)
    total = qs.count()
    rows = filters.window(qs)
    return {"count": total, "results": [alert_out(a) for a in rows]}


@router.get("/alerts/{alert_id}", auth=AUTH)
def alert_detail(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """预警详情。"""
    position = _read(request)
    return alert_out(selectors.alert_get(position=position, pk=alert_id), full=True)


class ActionIn(Schema):
    kind: str
    text: str = ""


@router.post("/alerts/{alert_id}/actions", auth=AUTH)
def alert_action(request: HttpRequest, alert_id: int, payload: ActionIn) -> dict[str, Any]:
    """处置预警（核实、督办、销号等）。"""
    require_access(request, scope="supervision:write")
    position = _position(request)
    alert = selectors.alert_get(position=position, pk=alert_id)
    services.alert_act(alert=alert, kind=payload.kind, text=payload.text, actor=request.user, position=position)
    return alert_out(selectors.alert_get(position=position, pk=alert_id), full=True)


@router.get("/counts", auth=AUTH)
def counts(request: HttpRequest) -> dict[str, Any]:
    """预警数量统计。"""
    position = _read(request)

    def tree(nodes: list[selectors.TreeNode]) -> list[dict[str, Any]]:
        return [{"code": n.division.code, "name": n.division.name, "level": n.division.level, "status": n.status,
                 "open_alerts": n.open_alerts, "red_alerts": n.red_alerts,
                 "halls": [h.name for h in n.halls], "children": tree(n.children)} for n in nodes]

    return {
        "levels": selectors.level_counts(position=position),
        "traffic_lights": [{"department_id": lt.department_id, "department": lt.name, "green": lt.green,
                            "yellow": lt.yellow, "red": lt.red, "paused": lt.paused}
                           for lt in selectors.traffic_lights(position=position)],
        "service_points": tree(selectors.service_point_tree(position=position)),
    }


def rule_out(rule: Rule) -> dict[str, Any]:
    return {"code": rule.code, "name": rule.name, "kind": rule.kind, "description": rule.description,
            "legal_basis": rule.legal_basis, "is_active": rule.is_active, "params": rule.params,
            "overrides": [{"id": o.pk, "item": o.item_id, "department": o.department_id, "level": o.level,
                           "is_active": o.is_active, "params": o.params} for o in rule.overrides.all()]}


@router.get("/rules", auth=AUTH)
def rules(request: HttpRequest) -> list[dict[str, Any]]:
    """监察规则列表。"""
    require_access(request, scope="supervision:read", perm=Perm.RULE_MANAGE)
    return [rule_out(r) for r in selectors.rule_list(position=_position(request))]


class RuleIn(Schema):
    is_active: bool | None = None
    params: dict[str, Any] | None = None


@router.patch("/rules/{code}", auth=AUTH)
def rule_update(request: HttpRequest, code: str, payload: RuleIn) -> dict[str, Any]:
    """修改监察规则。"""
    require_access(request, scope="supervision:write", perm=Perm.RULE_MANAGE)
    position = _position(request)
    rule = selectors.rule_get(position=position, code=code)
    services.rule_update(rule=rule, actor=request.user, position=position, is_active=payload.is_active,
                         params=payload.params)
    return rule_out(selectors.rule_get(position=position, code=code))


class OverrideIn(Schema):
    item: int | None = None
    department: int | None = None
    level: str = ""
    is_active: bool = True
    params: dict[str, Any] = {}


@router.post("/rules/{code}/overrides", auth=AUTH)
def rule_override(request: HttpRequest, code: str, payload: OverrideIn) -> dict[str, Any]:
    """按事项、部门或级别调整规则。"""
    require_access(request, scope="supervision:write", perm=Perm.RULE_MANAGE)
    position = _position(request)
    rule = selectors.rule_get(position=position, code=code)
    item = ServiceItem.objects.filter(pk=payload.item).first() if payload.item else None
    department = Department.objects.filter(pk=payload.department).first() if payload.department else None
    if (payload.item and item is None) or (payload.department and department is None):
        raise NotFound("item/department")
    services.rule_override_set(rule=rule, actor=request.user, position=position, item=item, department=department,
                               level=payload.level, is_active=payload.is_active, params=payload.params)
    return rule_out(selectors.rule_get(position=position, code=code))
