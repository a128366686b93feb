"""Writes to the organisation. Each checks permission (unless run by the system, e.g. seeding),
changes state in one transaction and writes an audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.org.models import Department, Division, DivisionLevel, Position, ServiceHall, Window
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import Scope, has_perm

_CHILD_LEVEL: dict[str | None, str] = {
    None: DivisionLevel.COUNTY,
    DivisionLevel.COUNTY: DivisionLevel.TOWNSHIP,
    DivisionLevel.TOWNSHIP: DivisionLevel.VILLAGE,
}


def _check_manage(position: Position | None, division: Division | None) -> None:
    """``position is None`` means the system itself (seeding, migrations)."""
    if position is None:
        return
    if not has_perm(position, Perm.ORG_MANAGE):
        raise PermissionDenied(_("当前岗位无权维护组织机构"), details={"permission": Perm.ORG_MANAGE})
    if division is not None and not Scope.of(position).contains_division_path(division.path):
        raise PermissionDenied(_("该区划不在本岗位管辖范围内"), details={"division": division.code})


def _snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def division_create(
    *, code: str, name: str, parent: Division | None, valid_from: date | None = None,
    actor: Any = None, position: Position | None = None,
) -> Division:
    """Add a 行政区划 under ``parent``; the level follows from the parent's level."""
    code = code.strip()
    if not (code.isdigit() and len(code) in (6, 9, 12)):
        raise InvalidInput(_("区划代码应为 6 位（GB/T 2260）、9 位或 12 位统计用区划代码"), details={"code": code})
    _check_manage(position, parent)
    level = _CHILD_LEVEL.get(parent.level if parent else None)
    if level is None:
        raise InvalidInput(_("村/社区下不能再设区划"), details={"parent": parent.code if parent else None})
    with transaction.atomic():
        if Division.objects.filter(code=code, valid_to__isnull=True).exists():
            raise Conflict(_("该区划代码已存在"), details={"code": code})
        division = Division.objects.create(code=code, name=name.strip(), level=level, parent=parent,
                                           valid_from=valid_from or date(2000, 1, 1))
        audit_record(action="org.division.create", actor=actor, position=position, obj=division,
                     after=_snapshot(division, ["code", "name", "level", "path", "valid_from"]))
    return division


def division_retire(
    *, division: Division, valid_to: date, superseded_by: Division | None = None,
    actor: Any = None, position: Position | None = None,
) -> Division:
    """区划调整: close a division's validity; history is kept, never deleted."""
    _check_manage(position, division)
    with transaction.atomic():
        division = Division.objects.select_for_update().get(pk=division.pk)
        if valid_to < division.valid_from:
            raise InvalidInput(_("停用日期不能早于启用日期"))
        before = _snapshot(division, ["valid_to", "superseded_by_id"])
        division.valid_to = valid_to
        division.superseded_by = superseded_by
        division.save(update_fields=["valid_to", "superseded_by"])
        audit_record(action="org.division.retire", actor=actor, position=position, obj=division,
                     before=before, after=_snapshot(division, ["valid_to", "superseded_by_id"]))
    return division


def department_create(
    *, name: str, code: str, division: Division, short_name: str = "", credit_code: str = "",
    parent: Department | None = None, actor: Any = None, position: Position | None = None,
) -> Department:
    _check_manage(position, division)
    with transaction.atomic():
        if Department.objects.filter(code=code).exists():
            raise Conflict(_("部门代码已存在"), details={"code": code})
        department = Department.objects.create(name=name, code=code, division=division, short_name=short_name,
                                               credit_code=credit_code, parent=parent)
        audit_record(action="org.department.create", actor=actor, position=position, obj=department,
                     after=_snapshot(department, ["name", "code", "division_id"]))
    return department


def hall_create(
    *, name: str, division: Division, address: str = "", hours: str = "", phone: str = "",
    actor: Any = None, position: Position | None = None,
) -> ServiceHall:
    _check_manage(position, division)
    with transaction.atomic():
        hall = ServiceHall.objects.create(name=name, division=division, address=address, hours=hours, phone=phone)
        audit_record(action="org.hall.create", actor=actor, position=position, obj=hall,
                     after=_snapshot(hall, ["name", "division_id", "address"]))
    return hall


def window_create(
    *, hall: ServiceHall, number: str, name: str, departments: list[Department] | None = None,
    is_comprehensive: bool = False, actor: Any = None, position: Position | None = None,
) -> Window:
    _check_manage(position, hall.division)
    with transaction.atomic():
        if Window.objects.filter(hall=hall, number=number).exists():
            raise Conflict(_("窗口号已存在"), details={"hall": hall.pk, "number": number})
        window = Window.objects.create(hall=hall, number=number, name=name, is_comprehensive=is_comprehensive)
        if departments:
            window.departments.set(departments)
        audit_record(action="org.window.create", actor=actor, position=position, obj=window,
                     after={"hall": hall.pk, "number": number, "name": name,
                            "departments": [d.pk for d in departments or []]})
    return window


def position_assign(
    *, user: Any, role: str, division: Division, department: Department | None = None,
    window: Window | None = None, title: str = "", actor: Any = None, position: Position | None = None,
) -> Position:
    """任命: give ``user`` a position. Departmental roles need a department."""
    if role not in Role.values:
        raise InvalidInput(_("未知角色"), details={"role": role})
    from yiwang.org.roles import DEPARTMENTAL_ROLES

    if role in DEPARTMENTAL_ROLES and department is None:
        raise InvalidInput(_("该角色须指定所属部门"), details={"role": role})
    if department is not None and not division.path.startswith(department.division.path) \
            and not department.division.path.startswith(division.path):
        raise InvalidInput(_("部门与区划不匹配"), details={"department": department.code, "division": division.code})
    _check_manage(position, division)
    with transaction.atomic():
        existing = Position.objects.filter(user=user, role=role, division=division, department=department).first()
        if existing is not None:
            if not existing.is_active:
                existing.is_active = True
                existing.save(update_fields=["is_active"])
                audit_record(action="org.position.reactivate", actor=actor, position=position, obj=existing,
                             before={"is_active": False}, after={"is_active": True})
            return existing
        created = Position.objects.create(user=user, role=role, division=division, department=department,
                                          window=window, title=title)
        audit_record(action="org.position.assign", actor=actor, position=position, obj=created,
                     after={"user": user.pk, "role": role, "division": division.code,
                            "department": department.code if department else None})
    return created


def position_revoke(*, target: Position, actor: Any = None, position: Position | None = None) -> Position:
    _check_manage(position, target.division)
    with transaction.atomic():
        target = Position.objects.select_for_update().get(pk=target.pk)
        if target.is_active:
            target.is_active = False
            target.save(update_fields=["is_active"])
            audit_record(action="org.position.revoke", actor=actor, position=position, obj=target,
                         before={"is_active": True}, after={"is_active": False})
    return target
