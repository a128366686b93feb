"""Items and their versions (事项与版本, 动态管理).

* ``item_create``: a new item with its first draft;
* ``version_draft_from``: an edit never touches a published version; it is copied into a new draft
  (one open draft per item), changed with ``version_update``;
* ``item_set_active``: 暂停/恢复 an item in the public catalogue;
* ``theme_ensure``: seeding of themes (主题).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.catalog.models import (
    OPEN_STATUSES,
    Audience,
    FeeItem,
    HandlingLevel,
    ItemType,
    Material,
    ServiceItem,
    ServiceItemVersion,
    Theme,
    VersionStatus,
)
from yiwang.catalog.services.cleaning import (
    COPY_FIELDS,
    FEE_FIELDS,
    MATERIAL_FIELDS,
    clean_fee,
    clean_material,
    clean_version_fields,
)
from yiwang.catalog.services.records import (
    _apply,
    _apply_relations,
    _check,
    _lock_version,
    _require_draft,
    _snapshot,
    _user,
    implementation_code_for,
    refresh_search_text,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.org.models import Department, Position
from yiwang.org.roles import Perm


def item_create(
    *, base_code: str, department: Department, fields: dict[str, Any], actor: Any = None,
    position: Position | None = None, system: bool = False, materials: list[dict[str, Any]] | None = None,
    fees: list[dict[str, Any]] | None = None,
) -> ServiceItemVersion:
    """Create an item (基本编码) with draft version 1; returns the draft."""
    base_code = (base_code or "").strip().upper()
    if len(base_code) != 12 or not base_code.isalnum() or not base_code.isascii():
        raise InvalidInput(_("基本编码应为 12 位字母或数字"), details={"fields": {"base_code": base_code}})
    _check(position, Perm.CATALOG_EDIT, department, system=system)
    fields = {**fields, "department": department}
    fields.setdefault("item_type", ItemType.LICENSING)
    fields.setdefault("levels", [HandlingLevel.COUNTY])
    fields.setdefault("service_targets", [Audience.PERSON])
    missing = [n for n in ("name", "legal_basis") if n not in fields]
    if missing:
        raise InvalidInput(_("事项信息填写有误"), details={"fields": {n: _("此项必填") for n in missing}})
    cleaned = clean_version_fields(fields)
    if cleaned.get("is_charged") and not fees:
        raise InvalidInput(_("收费事项必须列明收费项目及依据"), details={"fields": {"is_charged": _("缺少收费项目")}})
    clean_materials = [clean_material(m) for m in materials or []]
    clean_fees = [clean_fee(f) for f in fees or []]
    with transaction.atomic():
        if ServiceItem.objects.filter(base_code=base_code).exists():
            raise Conflict(_("该基本编码已存在"), details={"base_code": base_code})
        item = ServiceItem.objects.create(base_code=base_code, name=cleaned["name"], department=department)
        version = ServiceItemVersion(item=item, number=1, status=VersionStatus.DRAFT, created_by=_user(actor))
        _apply(version, cleaned)
        if not version.implementation_code:
            version.implementation_code = implementation_code_for(base_code, department)
        if clean_fees:
            version.is_charged = True
        version.save()
        _apply_relations(version, cleaned)
        Material.objects.bulk_create([Material(version=version, **{"order": i, **m})
                                      for i, m in enumerate(clean_materials, start=1)])
        FeeItem.objects.bulk_create([FeeItem(version=version, **f) for f in clean_fees])
        refresh_search_text(version)
        audit_record(action="catalog.item.create", actor=actor, position=position, obj=item,
                     after={"base_code": base_code, "version": version.pk, **_snapshot(version),
                            "materials": len(clean_materials), "fees": len(clean_fees)})
    return version



def version_draft_from(*, item: ServiceItem, actor: Any = None, position: Position | None = None,
                       system: bool = False) -> ServiceItemVersion:
    """动态管理: a new draft copied from the published (else latest) version, with materials, fees,
    themes and joint departments. Only one open (draft or in-review) version per item."""
    _check(position, Perm.CATALOG_EDIT, item.department, system=system)
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        open_version = item.versions.filter(status__in=OPEN_STATUSES).first()
        if open_version is not None:
            raise Conflict(_("该事项已有未发布的版本（第 %(n)d 版），请在其上修改") % {"n": open_version.number},
                           details={"version": open_version.pk, "number": open_version.number})
        source = item.published_version or item.versions.order_by("-number").first()
        if source is None:
            raise Conflict(_("该事项没有可复制的版本"))
        last = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
        draft = ServiceItemVersion(item=item, number=last + 1, status=VersionStatus.DRAFT, created_by=_user(actor),
                                   search_text=source.search_text)
        for name in COPY_FIELDS:
            setattr(draft, name, getattr(source, name))
        draft.save()
        draft.joint_departments.set(source.joint_departments.all())
        draft.themes.set(source.themes.all())
        Material.objects.bulk_create([
            Material(version=draft, blank_form=m.blank_form.name, sample=m.sample.name,
                     **{f: getattr(m, f) for f in MATERIAL_FIELDS})
            for m in source.materials.all()
        ])
        FeeItem.objects.bulk_create([FeeItem(version=draft, **{f: getattr(x, f) for f in FEE_FIELDS})
                                     for x in source.fee_items.all()])
        audit_record(action="catalog.version.draft", actor=actor, position=position, obj=draft,
                     after={"item": item.base_code, "number": draft.number, "from_version": source.pk})
    return draft



def version_update(*, version: ServiceItemVersion, fields: dict[str, Any], actor: Any = None,
                   position: Position | None = None, system: bool = False) -> ServiceItemVersion:
    """Change a draft's fields (values or labels accepted). Published versions are never changed."""
    _check(position, Perm.CATALOG_EDIT, version.department, system=system)
    cleaned = clean_version_fields(fields)
    if "department" in cleaned and cleaned["department"] is not None:
        _check(position, Perm.CATALOG_EDIT, cleaned["department"], system=system)
    with transaction.atomic():
        version = _lock_version(version)
        _require_draft(version)
        before = _snapshot(version)
        charged = cleaned.get("is_charged", version.is_charged)
        if charged and not version.fee_items.exists():
            raise InvalidInput(_("收费事项必须先列明收费项目及依据"),
                               details={"fields": {"is_charged": _("缺少收费项目")}})
        _apply(version, cleaned)
        version.save()
        _apply_relations(version, cleaned)
        refresh_search_text(version)
        after = _snapshot(version)
        audit_record(action="catalog.version.update", actor=actor, position=position, obj=version,
                     before={k: v for k, v in before.items() if after.get(k) != v},
                     after={k: v for k, v in after.items() if before.get(k) != v}
                     | {k: [str(x) for x in cleaned[k]] for k in ("themes", "joint_departments") if k in cleaned})
    return version



def item_set_active(*, item: ServiceItem, active: bool, actor: Any = None, position: Position | None = None,
                    system: bool = False) -> ServiceItem:
    """暂停/恢复 an item in the public catalogue (its versions stay as they are)."""
    _check(position, Perm.CATALOG_PUBLISH, item.department, system=system)
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        before = item.is_active
        item.is_active = active
        item.save(update_fields=["is_active"])
        audit_record(action="catalog.item.activate" if active else "catalog.item.deactivate", actor=actor,
                     position=position, obj=item, before={"is_active": before}, after={"is_active": active})
    return item



def theme_ensure(*, code: str, name: str, audience: str, kind: str, order: int = 0) -> Theme:
    """System use (seeding): create or update a theme."""
    theme, _created = Theme.objects.update_or_create(
        code=code, defaults={"name": name, "audience": audience, "kind": kind, "order": order})
    return theme
