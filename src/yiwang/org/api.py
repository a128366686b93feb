"""Organisation API: divisions, departments and halls.

Systems call it with an API key holding ``org:read`` (the county-wide directory); browsers with a
session see what their acting position's scope allows.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of, require_access
from yiwang.core.errors import NotFound
from yiwang.org import selectors
from yiwang.org.models import Department, Division, ServiceHall
from yiwang.org.roles import Perm

router = Router(auth=[ApiKeyAuth(), SessionAuth()])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: date
    valid_to: date | None


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    division_code: str


class HallOut(Schema):
    id: int
    name: str
    division_code: str
    address: str
    hours: str
    phone: str


def _division_out(d: Division) -> DivisionOut:
    return DivisionOut(code=d.code, name=d.name, level=d.level, parent_code=d.parent.code if d.parent else None,
                       valid_from=d.valid_from, valid_to=d.valid_to)


def _divisions(request: HttpRequest, include_history: bool):
    require_access(request, scope="org:read", perm=Perm.ORG_VIEW)
    if api_key_of(request) is not None:
        qs = Division.objects.select_related("parent").order_by("path")
        return qs if include_history else qs.filter(valid_to__isnull=True)
    return selectors.division_list_for_position(position=getattr(request, "position", None),
                                                include_history=include_history)


@router.get("/divisions", response=list[DivisionOut], summary="行政区划列表")
def division_list(request: HttpRequest, parent: str | None = None, include_history: bool = False):
    qs = _divisions(request, include_history)
    if parent:
        qs = qs.filter(parent__code=parent)
    return [_division_out(d) for d in qs[:2000]]


@router.get("/divisions/{code}", response=DivisionOut, summary="行政区划详情")
def division_detail(request: HttpRequest, code: str):
    division = _divisions(request, True).filter(code=code).order_by("-valid_from").first()
    if division is None:
        raise NotFound(_("行政区划不存在或不在管辖范围内"), details={"code": code})
    return _division_out(division)


@router.get("/departments", response=list[DepartmentOut], summary="部门列表")
def department_list(request: HttpRequest):
    require_access(request, scope="org:read", perm=Perm.ORG_VIEW)
    if api_key_of(request) is not None:
        qs = Department.objects.filter(is_active=True).select_related("division")
    else:
        qs = selectors.department_list_for_position(position=getattr(request, "position", None))
    return [DepartmentOut(code=d.code, name=d.name, short_name=d.short_name, division_code=d.division.code)
            for d in qs]


@router.get("/halls", response=list[HallOut], summary="服务大厅（中心/站）列表")
def hall_list(request: HttpRequest):
    require_access(request, scope="org:read", perm=Perm.ORG_VIEW)
    if api_key_of(request) is not None:
        qs = ServiceHall.objects.filter(is_active=True).select_related("division")
    else:
        qs = selectors.hall_list_for_position(position=getattr(request, "position", None))
    return [HallOut(id=h.pk, name=h.name, division_code=h.division.code, address=h.address, hours=h.hours,
                    phone=h.phone) for h in qs[:2000]]
