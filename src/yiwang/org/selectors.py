"""Reads of the organisation, always through the acting position's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.org.models import Department, Division, Position, ServiceHall, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm, scope_filter


def _require(position: Position | None, perm: str) -> Position:
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权查看该信息"), details={"permission": perm})
    return position


def division_list_for_position(*, position: Position | None, include_history: bool = False) -> QuerySet[Division]:
    position = _require(position, Perm.ORG_VIEW)
    qs = Division.objects.filter(path__startswith=Scope.of(position).division_path)
    if not include_history:
        qs = qs.filter(valid_to__isnull=True)
    return qs.select_related("parent").order_by("path")


def division_get_for_position(*, position: Position | None, code: str) -> Division:
    division = division_list_for_position(position=position, include_history=True).filter(code=code).first()
    if division is None:
        raise NotFound(_("行政区划不存在或不在本岗位管辖范围内"), details={"code": code})
    return division


def department_list_for_position(*, position: Position | None) -> QuerySet[Department]:
    position = _require(position, Perm.ORG_VIEW)
    scope = Scope.of(position)
    qs = Department.objects.filter(division__path__startswith=scope.division_path, is_active=True)
    if scope.department_id is not None:
        qs = qs.filter(pk=scope.department_id)
    return qs.select_related("division")


def hall_list_for_position(*, position: Position | None) -> QuerySet[ServiceHall]:
    position = _require(position, Perm.ORG_VIEW)
    return scope_filter(ServiceHall.objects.filter(is_active=True), position, department_field=None).select_related(
        "division"
    )


def window_list_for_position(*, position: Position | None) -> QuerySet[Window]:
    position = _require(position, Perm.ORG_VIEW)
    return scope_filter(
        Window.objects.filter(is_active=True), position, division_field="hall__division", department_field=None
    ).select_related("hall", "hall__division")


def position_list_for_user(*, user) -> QuerySet[Position]:
    if not getattr(user, "is_authenticated", False):
        return Position.objects.none()
    return (
        Position.objects.filter(user=user, is_active=True)
        .select_related("division", "department", "window")
        .order_by("id")
    )


def staff_positions_for_position(*, position: Position | None) -> QuerySet[Position]:
    """Positions (people) that the acting position may see in its scope."""
    position = _require(position, Perm.PERSON_VIEW)
    return scope_filter(Position.objects.filter(is_active=True), position).select_related(
        "user", "division", "department"
    )
