"""What the catalogue writes share: permission, locking, applying cleaned fields, the search text.

* ``can_edit``/``can_publish`` (``_check``): ``CATALOG_EDIT``/``CATALOG_PUBLISH`` on the item's
  department, within the position's scope; ``system=True`` is for seeding and commands;
* ``_lock_version``/``_require_draft``: only a locked draft is changed (published rows stay frozen);
* ``implementation_code_for``: the 36-character 实施编码;
* ``refresh_search_text``: the segmented text the full-text index (``catalog.search``) reads.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalog import search
from yiwang.catalog.models import ServiceItemVersion, VersionStatus
from yiwang.catalog.services.cleaning import COPY_FIELDS
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.org.models import Department, Position
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm


def _in_scope(position: Position, department: Department) -> bool:
    scope = Scope.of(position)
    if not scope.contains_division_path(department.division.path):
        return False
    return scope.department_id is None or scope.department_id == department.pk



def _check(position: Position | None, perm: str, department: Department, *, system: bool) -> None:
    if system:
        return
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权维护事项目录"), details={"permission": perm})
    if not _in_scope(position, department):
        raise PermissionDenied(_("该事项不在本岗位管辖范围内"), details={"department": department.code})



def can_edit(position: Position | None, department: Department) -> bool:
    try:
        _check(position, Perm.CATALOG_EDIT, department, system=False)
    except PermissionDenied:
        return False
    return True



def can_publish(position: Position | None, department: Department) -> bool:
    try:
        _check(position, Perm.CATALOG_PUBLISH, department, system=False)
    except PermissionDenied:
        return False
    return True



def implementation_code_for(base_code: str, department: Department) -> str:
    """实施编码 (36): base code (12) + county division code (6) + the body's credit code (18)."""
    division_code = (department.division.code + "000000")[:6]
    credit = (department.credit_code or "").upper().ljust(18, "0")[:18]
    return f"{base_code}{division_code}{credit}"



def _snapshot(version: ServiceItemVersion) -> dict[str, Any]:
    data = {name: getattr(version, name) for name in COPY_FIELDS}
    data.update(status=version.status, number=version.number)
    return data



def _lock_version(version: ServiceItemVersion) -> ServiceItemVersion:
    return ServiceItemVersion.objects.select_for_update().select_related(
        "item", "department", "department__division").get(pk=version.pk)



def _require_draft(version: ServiceItemVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("只有草稿版本可以修改"), details={"version": version.pk, "status": version.status})



def _apply(version: ServiceItemVersion, cleaned: dict[str, Any]) -> None:
    for name, value in cleaned.items():
        if name not in {"joint_departments", "themes"}:
            setattr(version, name, value)



def _apply_relations(version: ServiceItemVersion, cleaned: dict[str, Any]) -> None:
    if "joint_departments" in cleaned:
        version.joint_departments.set(cleaned["joint_departments"])
    if "themes" in cleaned:
        version.themes.set(cleaned["themes"])



def refresh_search_text(version: ServiceItemVersion) -> None:
    """Re-segment name, other names, conditions, result, materials and department into ``search_text``."""
    department = version.department
    texts = [version.name, version.other_names, version.acceptance_conditions, version.result_name,
             department.name, department.short_name,
             *version.materials.values_list("name", flat=True)]
    version.search_text = " ".join(search.tokens_for_index(*texts))
    ServiceItemVersion.objects.filter(pk=version.pk).update(search_text=version.search_text)



def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
