"""The review workflow of a draft (送审 → 审核发布 or 退回修改).

* ``version_submit``: draft → in review;
* ``publish_problems``: what stops a version from being published (process, levels, legal basis,
  materials, fees and their basis, promised ≤ statutory limit, the 36-character code, 容缺 rules);
* ``version_publish`` (``CATALOG_PUBLISH``): in review → published; the previous version is retired
  and the search index follows; ``version_reject``: back to draft with the reviewer's note.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.catalog import search
from yiwang.catalog.deferral import deferral_problems
from yiwang.catalog.models import ServiceItem, ServiceItemVersion, VersionStatus
from yiwang.catalog.services.records import _check, _lock_version, _require_draft, _user
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.org.models import Position
from yiwang.org.roles import Perm


def version_submit(*, version: ServiceItemVersion, actor: Any = None, position: Position | None = None,
                   system: bool = False) -> ServiceItemVersion:
    """Draft → in review (送审)."""
    _check(position, Perm.CATALOG_EDIT, version.department, system=system)
    with transaction.atomic():
        version = _lock_version(version)
        _require_draft(version)
        version.status = VersionStatus.IN_REVIEW
        version.submitted_by = _user(actor)
        version.save(update_fields=["status", "submitted_by"])
        audit_record(action="catalog.version.submit", actor=actor, position=position, obj=version,
                     before={"status": VersionStatus.DRAFT}, after={"status": version.status})
    return version



def publish_problems(version: ServiceItemVersion, *, note: str = "") -> dict[str, str]:
    """What stops ``version`` from being published (empty when it may be)."""
    problems: dict[str, str] = {}
    process = version.process
    if process is None:
        problems["process"] = _("尚未绑定办理流程")
    elif process.status != "valid":
        problems["process"] = _("办理流程未通过校验")
    if not version.levels:
        problems["levels"] = _("请至少选择一个办理层级")
    if not version.legal_basis.strip():
        problems["legal_basis"] = _("请填写设定依据")
    if not version.materials.exists() and not note.strip():
        problems["materials"] = _("没有申请材料的事项须在发布意见中说明")
    fees = list(version.fee_items.all())
    if version.is_charged and not fees:
        problems["is_charged"] = _("收费事项必须列明收费项目")
    if any(not fee.basis.strip() for fee in fees):
        problems["fee_items"] = _("每个收费项目都必须有收费依据")
    if fees and not version.is_charged:
        problems["is_charged"] = _("列有收费项目的事项应标记为收费")
    if version.promised_unit == version.statutory_unit and version.promised_limit > version.statutory_limit:
        problems["promised_limit"] = _("承诺时限不得超过法定时限")
    if len(version.implementation_code) != 36:
        problems["implementation_code"] = _("实施编码应为 36 位")
    problems.update(deferral_problems(version))
    return problems



def version_publish(*, version: ServiceItemVersion, actor: Any = None, position: Position | None = None,
                    note: str = "", system: bool = False) -> ServiceItemVersion:
    """审核发布: in review → published; the previous published version is retired."""
    _check(position, Perm.CATALOG_PUBLISH, version.department, system=system)
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
        version = _lock_version(version)
        if version.status != VersionStatus.IN_REVIEW:
            raise Conflict(_("只有待审核的版本可以发布"), details={"status": version.status})
        problems = publish_problems(version, note=note)
        if problems:
            raise InvalidInput(_("该版本尚不能发布"), details={"fields": problems})
        previous = item.published_version
        if previous is not None:
            previous.status = VersionStatus.RETIRED
            previous.save(update_fields=["status"])
            search.unindex_version(previous.pk)
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.reviewed_by = _user(actor)
        version.review_note = note.strip()[:2000]
        version.save(update_fields=["status", "published_at", "reviewed_by", "review_note"])
        item.published_version = version
        item.name = version.name
        item.department_id = version.department_id
        item.is_active = True
        item.save(update_fields=["published_version", "name", "department", "is_active"])
        search.index_version(version.pk, version.search_text)
        audit_record(action="catalog.version.publish", actor=actor, position=position, obj=version,
                     before={"published_version": previous.pk if previous else None},
                     after={"published_version": version.pk, "number": version.number, "note": version.review_note})
    return version



def version_reject(*, version: ServiceItemVersion, note: str, actor: Any = None, position: Position | None = None,
                   system: bool = False) -> ServiceItemVersion:
    """退回修改: in review → draft, with the reviewer's note."""
    _check(position, Perm.CATALOG_PUBLISH, version.department, system=system)
    if not note.strip():
        raise InvalidInput(_("请填写退回意见"), details={"fields": {"note": _("此项必填")}})
    with transaction.atomic():
        version = _lock_version(version)
        if version.status != VersionStatus.IN_REVIEW:
            raise Conflict(_("只有待审核的版本可以退回"), details={"status": version.status})
        version.status = VersionStatus.DRAFT
        version.review_note = note.strip()[:2000]
        version.reviewed_by = _user(actor)
        version.save(update_fields=["status", "review_note", "reviewed_by"])
        audit_record(action="catalog.version.reject", actor=actor, position=position, obj=version,
                     before={"status": VersionStatus.IN_REVIEW}, after={"status": version.status, "note": note})
    return version
