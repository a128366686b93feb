"""Catalogue API (事项目录).

* Public, no authentication: ``GET /items`` (search published items) and ``GET /items/{base_code}``
  (the published version with materials, fees and its process id).
* Staff (session with the acting position's permissions, or an API key with ``catalog:read`` /
  ``catalog:write``): ``/manage/...`` lists items in scope, edits drafts, submits them, exports and
  imports Excel. Publishing and rejecting need a person: a session with ``CATALOG_PUBLISH``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of, require_access
from yiwang.api.schemas import ErrorOut
from yiwang.catalog import excel, selectors, services
from yiwang.catalog.models import ServiceItem, ServiceItemVersion
from yiwang.catalog.services import cleaning
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.pagination import PageQuery
from yiwang.core.search_query import clean_search_query
from yiwang.org.roles import Perm

router = Router()
STAFF_AUTH = [ApiKeyAuth(), SessionAuth()]


class ItemSummaryOut(Schema):
    base_code: str
    name: str
    item_type: str
    department_code: str
    department_name: str
    levels: list[str]
    service_targets: list[str]
    promised_limit: int
    promised_unit: str
    is_charged: bool
    version: int


class CatalogMaterialOut(Schema):
    id: int
    order: int
    name: str
    required: bool
    form: str
    source: str
    copies: int
    acceptance_standard: str
    note: str
    can_share: bool
    deferrable: bool = False
    blank_form_url: str | None
    sample_url: str | None


class FeeOut(Schema):
    id: int
    name: str
    amount: Decimal
    unit: str
    basis: str
    reducible: bool


class VersionOut(Schema):
    base_code: str
    number: int
    status: str
    implementation_code: str
    business_code: str
    business_kind: str
    name: str
    other_names: str
    item_type: str
    department_code: str
    department_name: str
    entrusted_department_code: str | None
    joint_department_codes: list[str]
    legal_basis: str
    power_source: str
    levels: list[str]
    service_targets: list[str]
    acceptance_conditions: str
    handling_form: str
    quantity_limit: str
    statutory_limit: int
    statutory_unit: str
    promised_limit: int
    promised_unit: str
    limit_note: str
    deferral_days: int = 0
    is_charged: bool
    special_procedures: str
    result_name: str
    result_type: str
    licence_template: str
    onsite_visits: int
    online_depth: int
    express_delivery: bool
    online_payment: bool
    booking: bool
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    faq: list[dict[str, str]]
    themes: list[str]
    process_id: int | None
    published_at: datetime | None
    review_note: str
    materials: list[CatalogMaterialOut]
    fees: list[FeeOut]


class StaffItemOut(Schema):
    base_code: str
    name: str
    department_code: str
    is_active: bool
    published_version: int | None


class VersionBriefOut(Schema):
    number: int
    status: str
    name: str
    published_at: datetime | None


class FieldsIn(Schema):
    fields: dict[str, Any]


class ItemIn(Schema):
    base_code: str
    department: str
    fields: dict[str, Any]


class MaterialIn(Schema):
    name: str
    required: bool = True
    form: str = "electronic"
    source: str = "applicant"
    copies: int = 1
    acceptance_standard: str = ""
    note: str = ""
    can_share: bool = False
    deferrable: bool = False


class FeeIn(Schema):
    name: str
    amount: Decimal
    unit: str = "元/件"
    basis: str = ""
    reducible: bool = False


class NoteIn(Schema):
    note: str = ""


class ImportOut(Schema):
    created: int
    updated: int
    rows: int


def _summary(v: ServiceItemVersion) -> ItemSummaryOut:
    return ItemSummaryOut(base_code=v.item.base_code, name=v.name, item_type=v.item_type,
                          department_code=v.department.code, department_name=v.department.name, levels=v.levels,
                          service_targets=v.service_targets, promised_limit=v.promised_limit,
                          promised_unit=v.promised_unit, is_charged=v.is_charged, version=v.number)


def _version_out(v: ServiceItemVersion) -> VersionOut:
    return VersionOut(
        base_code=v.item.base_code, number=v.number, status=v.status, implementation_code=v.implementation_code,
        business_code=v.business_code, business_kind=v.business_kind, name=v.name, other_names=v.other_names,
        item_type=v.item_type, department_code=v.department.code, department_name=v.department.name,
        entrusted_department_code=v.entrusted_department.code if v.entrusted_department else None,
        joint_department_codes=sorted(d.code for d in v.joint_departments.all()), legal_basis=v.legal_basis,
        power_source=v.power_source, levels=v.levels, service_targets=v.service_targets,
        acceptance_conditions=v.acceptance_conditions, handling_form=v.handling_form,
        quantity_limit=v.quantity_limit, statutory_limit=v.statutory_limit, statutory_unit=v.statutory_unit,
        promised_limit=v.promised_limit, promised_unit=v.promised_unit, limit_note=v.limit_note,
        deferral_days=v.deferral_days, is_charged=v.is_charged, special_procedures=v.special_procedures,
        result_name=v.result_name,
        result_type=v.result_type, licence_template=v.licence_template, onsite_visits=v.onsite_visits,
        online_depth=v.online_depth, express_delivery=v.express_delivery, online_payment=v.online_payment,
        booking=v.booking, place=v.place, hours=v.hours, consult_phone=v.consult_phone,
        complaint_phone=v.complaint_phone, faq=v.faq, themes=sorted(t.code for t in v.themes.all()),
        process_id=v.process_id, published_at=v.published_at, review_note=v.review_note,
        materials=[CatalogMaterialOut(
            id=m.pk, order=m.order, name=m.name, required=m.required, form=m.form, source=m.source, copies=m.copies,
            acceptance_standard=m.acceptance_standard, note=m.note, can_share=m.can_share, deferrable=m.deferrable,
            blank_form_url=m.blank_form.url if m.blank_form else None, sample_url=m.sample.url if m.sample else None,
        ) for m in v.materials.all()],
        fees=[FeeOut(id=f.pk, name=f.name, amount=f.amount, unit=f.unit, basis=f.basis, reducible=f.reducible)
              for f in v.fee_items.all()],
    )


# --- public -------------------------------------------------------------------------------------

@router.get("/items", response={200: list[ItemSummaryOut], 400: ErrorOut}, auth=None)
def items(request: HttpRequest, page: Query[PageQuery], q: str = "", department: str = "", level: str = "",
          theme: str = "", audience: str = "") -> list[ItemSummaryOut]:
    """检索已发布的办事事项。

    Search published items (Chinese keywords are segmented; every token must match)."""
    results = selectors.item_search(q=q, department=department or None, theme=theme or None, level=level or None,
                                    audience=audience or None)
    return [_summary(v) for v in page.window(results)]


@router.get("/items/{base_code}", response={200: VersionOut, 404: ErrorOut}, auth=None)
def item_detail(request: HttpRequest, base_code: str) -> VersionOut:
    """事项详情（已发布版本）。

    The published version of an item: every field, materials, fees and the bound process id."""
    return _version_out(selectors.guide_get(base_code=base_code))


# --- staff --------------------------------------------------------------------------------------

def _position(request: HttpRequest) -> Any:
    return getattr(request, "position", None)


def _staff_items(request: HttpRequest) -> Any:
    if api_key_of(request) is not None:
        return ServiceItem.objects.select_related("department", "published_version").order_by("base_code")
    return selectors.item_list_for_position(position=_position(request))


def _item(request: HttpRequest, base_code: str) -> ServiceItem:
    item = _staff_items(request).filter(base_code=base_code).first()
    if item is None:
        raise NotFound(_("事项不存在或不在本岗位管辖范围内"), details={"base_code": base_code})
    return item


def _version(request: HttpRequest, base_code: str, number: int) -> ServiceItemVersion:
    item = _item(request, base_code)
    version = item.versions.filter(number=number).select_related(
        "item", "department", "department__division", "entrusted_department").first()
    if version is None:
        raise NotFound(_("版本不存在"), details={"base_code": base_code, "number": number})
    return version


def _who(request: HttpRequest) -> dict[str, Any]:
    """Service arguments: a session acts as its position; an API key acts for the system."""
    if api_key_of(request) is not None:
        return {"actor": None, "position": None, "system": True}
    return {"actor": request.user, "position": _position(request), "system": False}


@router.get("/manage/items", response={200: list[StaffItemOut], 401: ErrorOut, 403: ErrorOut}, auth=STAFF_AUTH)
def manage_items(request: HttpRequest, q: str = "") -> list[StaffItemOut]:
    """事项管理：列出范围内的事项。"""
    require_access(request, scope="catalog:read", perm=Perm.CATALOG_EDIT)
    qs = _staff_items(request)
    q = clean_search_query(q, max_length=50)
    if q:
        qs = qs.filter(name__icontains=q)
    return [StaffItemOut(base_code=i.base_code, name=i.name, department_code=i.department.code,
                         is_active=i.is_active,
                         published_version=i.published_version.number if i.published_version else None)
            for i in qs[:1000]]


@router.post("/manage/items", response={201: VersionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                                        409: ErrorOut}, auth=STAFF_AUTH)
def manage_item_create(request: HttpRequest, payload: ItemIn) -> Status:
    """事项管理：新建事项。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    department = cleaning._department(payload.department)
    if department is None:
        raise InvalidInput(_("部门不存在"), details={"fields": {"department": payload.department}})
    version = services.item_create(base_code=payload.base_code, department=department, fields=payload.fields,
                                   **_who(request))
    return Status(201, _version_out(version))


@router.get("/manage/items/{base_code}/versions", response={200: list[VersionBriefOut], 401: ErrorOut,
                                                           403: ErrorOut, 404: ErrorOut}, auth=STAFF_AUTH)
def manage_versions(request: HttpRequest, base_code: str) -> list[VersionBriefOut]:
    """事项管理：列出事项的版本。"""
    require_access(request, scope="catalog:read", perm=Perm.CATALOG_EDIT)
    item = _item(request, base_code)
    return [VersionBriefOut(number=v.number, status=v.status, name=v.name, published_at=v.published_at)
            for v in item.versions.order_by("-number")]


@router.get("/manage/items/{base_code}/versions/{number}", response={200: VersionOut, 401: ErrorOut,
                                                                    403: ErrorOut, 404: ErrorOut}, auth=STAFF_AUTH)
def manage_version(request: HttpRequest, base_code: str, number: int) -> VersionOut:
    """事项管理：版本详情。"""
    require_access(request, scope="catalog:read", perm=Perm.CATALOG_EDIT)
    return _version_out(_version(request, base_code, number))


@router.post("/manage/items/{base_code}/drafts", response={201: VersionOut, 401: ErrorOut, 403: ErrorOut,
                                                           404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_draft(request: HttpRequest, base_code: str) -> Status:
    """事项管理：从已发布版本新建草稿。

    动态管理: a new draft copied from the published version."""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    draft = services.version_draft_from(item=_item(request, base_code), **_who(request))
    return Status(201, _version_out(draft))


@router.patch("/manage/items/{base_code}/versions/{number}", response={200: VersionOut, 400: ErrorOut,
              401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_update(request: HttpRequest, base_code: str, number: int, payload: FieldsIn) -> VersionOut:
    """事项管理：修改草稿版本。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    version = services.version_update(version=_version(request, base_code, number), fields=payload.fields,
                                      **_who(request))
    return _version_out(version)


@router.post("/manage/items/{base_code}/versions/{number}/materials", response={201: CatalogMaterialOut, 400: ErrorOut,
             401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_material_add(request: HttpRequest, base_code: str, number: int, payload: MaterialIn
                        ) -> Status:
    """事项管理：添加申请材料。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    m = services.material_add(version=_version(request, base_code, number), data=payload.dict(), **_who(request))
    return Status(201, CatalogMaterialOut(id=m.pk, order=m.order, name=m.name, required=m.required, form=m.form,
                                   source=m.source, copies=m.copies, acceptance_standard=m.acceptance_standard,
                                   note=m.note,
                                   can_share=m.can_share, deferrable=m.deferrable, blank_form_url=None,
                                   sample_url=None))


@router.delete("/manage/items/{base_code}/versions/{number}/materials/{material_id}",
               response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_material_remove(request: HttpRequest, base_code: str, number: int, material_id: int) -> Status:
    """事项管理：删除申请材料。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    material = _version(request, base_code, number).materials.filter(pk=material_id).first()
    if material is None:
        raise NotFound(_("材料不存在"))
    services.material_remove(material=material, **_who(request))
    return Status(204, None)


@router.post("/manage/items/{base_code}/versions/{number}/fees", response={201: FeeOut, 400: ErrorOut,
             401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_fee_add(request: HttpRequest, base_code: str, number: int, payload: FeeIn) -> Status:
    """事项管理：添加收费项目。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    f = services.fee_add(version=_version(request, base_code, number), data=payload.dict(), **_who(request))
    return Status(201, FeeOut(id=f.pk, name=f.name, amount=f.amount, unit=f.unit, basis=f.basis,
                              reducible=f.reducible))


@router.post("/manage/items/{base_code}/versions/{number}/submit", response={200: VersionOut, 401: ErrorOut,
             403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_submit(request: HttpRequest, base_code: str, number: int) -> VersionOut:
    """事项管理：提交审核。"""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    return _version_out(services.version_submit(version=_version(request, base_code, number), **_who(request)))


def _require_person_publisher(request: HttpRequest) -> None:
    if api_key_of(request) is not None:
        raise PermissionDenied(_("发布事项须由管理员登录后审核，API 密钥不能发布"))
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_PUBLISH)


@router.post("/manage/items/{base_code}/versions/{number}/publish", response={200: VersionOut, 400: ErrorOut,
             401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_publish(request: HttpRequest, base_code: str, number: int, payload: NoteIn) -> VersionOut:
    """事项管理：审核通过并发布。"""
    _require_person_publisher(request)
    version = services.version_publish(version=_version(request, base_code, number), note=payload.note,
                                       actor=request.user, position=_position(request))
    return _version_out(version)


@router.post("/manage/items/{base_code}/versions/{number}/reject", response={200: VersionOut, 400: ErrorOut,
             401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=STAFF_AUTH)
def manage_reject(request: HttpRequest, base_code: str, number: int, payload: NoteIn) -> VersionOut:
    """事项管理：退回修改。"""
    _require_person_publisher(request)
    version = services.version_reject(version=_version(request, base_code, number), note=payload.note,
                                      actor=request.user, position=_position(request))
    return _version_out(version)


@router.get("/manage/export.xlsx", response={200: None, 401: ErrorOut, 403: ErrorOut}, auth=STAFF_AUTH)
def manage_export(request: HttpRequest) -> HttpResponse:
    """事项管理：导出实施清单（Excel）。

    The catalogue in scope (each item's working version) as an implementation-list workbook."""
    require_access(request, scope="catalog:read", perm=Perm.CATALOG_EDIT)
    if api_key_of(request) is not None:
        versions = [v for v in (i.versions.order_by("-number").first() for i in _staff_items(request))
                    if v is not None]
    else:
        versions = selectors.working_versions_for_position(position=_position(request))
    response = HttpResponse(excel.catalog_export(versions=versions),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    return response


@router.post("/manage/import", response={200: ImportOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
             auth=STAFF_AUTH)
def manage_import(request: HttpRequest, file: UploadedFile = File(...)) -> ImportOut:  # noqa: B008
    """事项管理：从 Excel 导入草稿。

    Import drafts from a workbook: all rows or none; errors list sheet, row and fields."""
    require_access(request, scope="catalog:write", perm=Perm.CATALOG_EDIT)
    if file.size and file.size > excel.MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), code="too_large", details={"size": file.size})
    result = excel.catalog_import(data=file.read(excel.MAX_BYTES + 1), **_who(request))
    return ImportOut(**result)
