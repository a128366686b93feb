"""Materials (申请材料) and fees (收费项目) of a draft version: add, update, remove.

Every function cleans its input (:mod:`.cleaning`), locks the draft and writes an audit event; removing
the last fee of a charged version marks it free.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.catalog.models import FeeItem, Material, ServiceItemVersion
from yiwang.catalog.services.cleaning import (
    _deferrable_error,
    _Errors,
    check_attachment,
    clean_fee,
    clean_material,
)
from yiwang.catalog.services.records import _check, _lock_version, _require_draft, refresh_search_text
from yiwang.core.audit import audit_record
from yiwang.org.models import Position
from yiwang.org.roles import Perm


def material_add(*, version: ServiceItemVersion, data: dict[str, Any], actor: Any = None,
                 position: Position | None = None, system: bool = False, blank_form: UploadedFile | None = None,
                 sample: UploadedFile | None = None) -> Material:
    _check(position, Perm.CATALOG_EDIT, version.department, system=system)
    cleaned = clean_material(data)
    check_attachment(blank_form, label=_("空白表格"))
    check_attachment(sample, label=_("示例样表"))
    with transaction.atomic():
        version = _lock_version(version)
        _require_draft(version)
        if "order" not in data:
            cleaned["order"] = version.materials.count() + 1
        material = Material(version=version, **cleaned)
        if blank_form is not None:
            material.blank_form = blank_form
        if sample is not None:
            material.sample = sample
        material.save()
        refresh_search_text(version)
        audit_record(action="catalog.material.add", actor=actor, position=position, obj=material,
                     after={"version": version.pk, **cleaned})
    return material



def material_update(*, material: Material, data: dict[str, Any], actor: Any = None,
                    position: Position | None = None, system: bool = False,
                    blank_form: UploadedFile | None = None, sample: UploadedFile | None = None) -> Material:
    _check(position, Perm.CATALOG_EDIT, material.version.department, system=system)
    cleaned = clean_material(data, partial=True)
    check_attachment(blank_form, label=_("空白表格"))
    check_attachment(sample, label=_("示例样表"))
    with transaction.atomic():
        version = _lock_version(material.version)
        _require_draft(version)
        material = Material.objects.get(pk=material.pk, version=version)
        before = {k: getattr(material, k) for k in cleaned}
        errors = _Errors()
        _deferrable_error({k: cleaned.get(k, getattr(material, k)) for k in ("required", "can_share", "deferrable")},
                          errors)
        errors.raise_if_any(_("申请材料填写有误"))
        for key, value in cleaned.items():
            setattr(material, key, value)
        if blank_form is not None:
            material.blank_form = blank_form
        if sample is not None:
            material.sample = sample
        material.save()
        refresh_search_text(version)
        audit_record(action="catalog.material.update", actor=actor, position=position, obj=material,
                     before=before, after=cleaned)
    return material



def material_remove(*, material: Material, actor: Any = None, position: Position | None = None,
                    system: bool = False) -> None:
    _check(position, Perm.CATALOG_EDIT, material.version.department, system=system)
    with transaction.atomic():
        version = _lock_version(material.version)
        _require_draft(version)
        audit_record(action="catalog.material.remove", actor=actor, position=position, obj=material,
                     before={"version": version.pk, "name": material.name})
        Material.objects.filter(pk=material.pk, version=version).delete()
        refresh_search_text(version)



def fee_add(*, version: ServiceItemVersion, data: dict[str, Any], actor: Any = None,
            position: Position | None = None, system: bool = False) -> FeeItem:
    """Add a fee item (it needs a basis); the version becomes charged."""
    _check(position, Perm.CATALOG_EDIT, version.department, system=system)
    cleaned = clean_fee(data)
    with transaction.atomic():
        version = _lock_version(version)
        _require_draft(version)
        fee = FeeItem.objects.create(version=version, **cleaned)
        if not version.is_charged:
            version.is_charged = True
            version.save(update_fields=["is_charged"])
        audit_record(action="catalog.fee.add", actor=actor, position=position, obj=fee,
                     after={"version": version.pk, **cleaned})
    return fee



def fee_update(*, fee: FeeItem, data: dict[str, Any], actor: Any = None, position: Position | None = None,
               system: bool = False) -> FeeItem:
    _check(position, Perm.CATALOG_EDIT, fee.version.department, system=system)
    cleaned = clean_fee(data, partial=True)
    with transaction.atomic():
        version = _lock_version(fee.version)
        _require_draft(version)
        fee = FeeItem.objects.get(pk=fee.pk, version=version)
        before = {k: getattr(fee, k) for k in cleaned}
        for key, value in cleaned.items():
            setattr(fee, key, value)
        fee.save()
        audit_record(action="catalog.fee.update", actor=actor, position=position, obj=fee, before=before,
                     after=cleaned)
    return fee



def fee_remove(*, fee: FeeItem, actor: Any = None, position: Position | None = None, system: bool = False) -> None:
    """Remove a fee item; with none left the version is free again."""
    _check(position, Perm.CATALOG_EDIT, fee.version.department, system=system)
    with transaction.atomic():
        version = _lock_version(fee.version)
        _require_draft(version)
        audit_record(action="catalog.fee.remove", actor=actor, position=position, obj=fee,
                     before={"version": version.pk, "name": fee.name, "amount": fee.amount})
        FeeItem.objects.filter(pk=fee.pk, version=version).delete()
        if not version.fee_items.exists() and version.is_charged:
            version.is_charged = False
            version.save(update_fields=["is_charged"])
