"""Who is the 12345 centre (热线中心) and the permission checks of the hotline services.

* ``is_centre``: hotline operators, or any position in the ``HOTLINE_CENTRE_DEPARTMENT`` department;
* ``require``: the position holds the permission, else :class:`PermissionDenied`;
* ``require_centre``: the same, and the position belongs to the centre;
* ``centre_department``: the centre's :class:`Department` row (leader instructions are copied to it).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.org.models import Department, Position
from yiwang.org.roles import Role
from yiwang.org.scope import has_perm

CENTRE_CODE = getattr(settings, "HOTLINE_CENTRE_DEPARTMENT", "HOTLINE")


def require(position: Position | None, perm: str) -> Position:
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"permission": str(perm)})
    return position


def is_centre(position: Position | None) -> bool:
    """The 12345 centre: hotline operators, or any position in the HOTLINE department."""
    if position is None or not position.is_active:
        return False
    if position.role == Role.HOTLINE_OPERATOR:
        return True
    return bool(position.department_id and position.department and position.department.code == CENTRE_CODE)


def require_centre(position: Position | None, perm: str) -> Position:
    position = require(position, perm)
    if not is_centre(position):
        raise PermissionDenied(_("仅 12345 热线中心可执行此操作"), details={"permission": str(perm)})
    return position


def centre_department() -> Department | None:
    return Department.objects.filter(code=CENTRE_CODE).first()
