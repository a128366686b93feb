"""Excel import and export of the catalogue in the implementation-list layout (实施清单).

Three sheets: ``事项`` (one row per item version, Chinese headers), ``申请材料`` and ``收费项目``
(rows keyed by 实施编码). Import (:func:`catalog_import`) creates or updates *draft* versions only,
validates every row and changes nothing unless every row is good (one transaction).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from yiwang.catalog import services
from yiwang.catalog.models import (
    OPEN_STATUSES,
    Audience,
    BusinessKind,
    HandlingLevel,
    ItemType,
    LimitUnit,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.catalog.services import cleaning
from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, InvalidInput, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx is a zip: a small upload can expand to hundreds of MB inside openpyxl (a 708 KB file
# took 490 MB). The zip's directory is read first and these bound what loading may expand to.
MAX_ZIP_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # per entry, for entries over RATIO_CHECK_BYTES
RATIO_CHECK_BYTES = 1024 * 1024
ITEM_SHEET, MATERIAL_SHEET, FEE_SHEET = "事项", "申请材料", "收费项目"

# (header, field, kind). Kinds: text, choice:<Enum>, bool, int, list:<Enum>, deps, themes, faq, process.
ITEM_COLUMNS: list[tuple[str, str, str]] = [
    ("基本编码", "base_code", "key"),
    ("实施编码", "implementation_code", "text"),
    ("业务办理项编码", "business_code", "text"),
    ("业务办理项类别", "business_kind", "choice"),
    ("事项名称", "name", "text"),
    ("其他名称", "other_names", "text"),
    ("事项类型", "item_type", "choice"),
    ("实施主体编码", "department", "dep"),
    ("实施主体", "department_name", "info"),
    ("受委托部门编码", "entrusted_department", "dep"),
    ("联办部门编码", "joint_departments", "deps"),
    ("设定依据", "legal_basis", "text"),
    ("权力来源", "power_source", "text"),
    ("办理层级", "levels", "list"),
    ("服务对象", "service_targets", "list"),
    ("受理条件", "acceptance_conditions", "text"),
    ("办理形式", "handling_form", "text"),
    ("数量限制", "quantity_limit", "text"),
    ("中介服务", "intermediary_services", "text"),
    ("法定办结时限", "statutory_limit", "int"),
    ("法定时限单位", "statutory_unit", "choice"),
    ("承诺办结时限", "promised_limit", "int"),
    ("承诺时限单位", "promised_unit", "choice"),
    ("时限说明", "limit_note", "text"),
    ("是否收费", "is_charged", "bool"),
    ("特别程序", "special_procedures", "text"),
    ("审批结果名称", "result_name", "text"),
    ("审批结果类型", "result_type", "choice"),
    ("证照模板", "licence_template", "text"),
    ("承诺补交期限（工作日）", "deferral_days", "int"),  # 容缺受理; 0 = not offered
    ("到现场次数", "onsite_visits", "int"),
    ("网上办理深度", "online_depth", "int"),
    ("支持物流快递", "express_delivery", "bool"),
    ("支持网上支付", "online_payment", "bool"),
    ("支持预约办理", "booking", "bool"),
    ("办理地点", "place", "text"),
    ("办理时间", "hours", "text"),
    ("咨询电话", "consult_phone", "text"),
    ("监督投诉电话", "complaint_phone", "text"),
    ("常见问题", "faq", "faq"),
    ("主题编码", "themes", "themes"),
    ("流程定义编号", "process", "process"),
    ("版本号", "number", "info"),
    ("版本状态", "status", "info"),
]
MATERIAL_COLUMNS: list[tuple[str, str]] = [
    ("实施编码", "implementation_code"), ("序号", "order"), ("材料名称", "name"), ("是否必要", "required"),
    ("材料形式", "form"), ("来源渠道", "source"), ("份数", "copies"), ("受理标准", "acceptance_standard"),
    ("备注", "note"), ("可共享获取", "can_share"), ("可容缺", "deferrable"),
]
FEE_COLUMNS: list[tuple[str, str]] = [
    ("实施编码", "implementation_code"), ("收费项目", "name"), ("收费标准", "amount"), ("计费单位", "unit"),
    ("收费依据", "basis"), ("是否允许减免", "reducible"),
]
CHOICE_ENUMS: dict[str, Any] = {
    "business_kind": BusinessKind, "item_type": ItemType, "statutory_unit": LimitUnit,
    "promised_unit": LimitUnit, "result_type": ResultType, "levels": HandlingLevel, "service_targets": Audience,
    "form": MaterialForm, "source": MaterialSource,
}


def _label(enum: Any, value: str) -> str:
    return str(dict(enum.choices).get(value, value))


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _item_cell(version: ServiceItemVersion, field: str, kind: str) -> Any:
    if field == "base_code":
        return version.item.base_code
    if field == "department":
        return version.department.code
    if field == "department_name":
        return version.department.name
    if field == "entrusted_department":
        return version.entrusted_department.code if version.entrusted_department else ""
    if field == "joint_departments":
        return "、".join(sorted(d.code for d in version.joint_departments.all()))
    if field == "themes":
        return "、".join(sorted(t.code for t in version.themes.all()))
    if field == "process":
        return version.process_id or ""
    if field == "status":
        return version.get_status_display()
    value = getattr(version, field)
    if kind == "choice":
        return _label(CHOICE_ENUMS[field], value)
    if kind == "list":
        return "、".join(_label(CHOICE_ENUMS[field], v) for v in value)
    if kind == "bool":
        return _yes(value)
    if kind == "faq":
        return json.dumps(value, ensure_ascii=False) if value else ""
    return value


def _sheet(workbook: Workbook, title: str, headers: list[str], *, first: bool = False) -> Any:
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "A2"
    return sheet


def catalog_export(*, versions: list[ServiceItemVersion]) -> bytes:
    """The versions as an .xlsx workbook in the implementation-list layout."""
    workbook = Workbook()
    items = _sheet(workbook, ITEM_SHEET, [h for h, _f, _k in ITEM_COLUMNS], first=True)
    materials = _sheet(workbook, MATERIAL_SHEET, [h for h, _f in MATERIAL_COLUMNS])
    fees = _sheet(workbook, FEE_SHEET, [h for h, _f in FEE_COLUMNS])
    for version in versions:
        items.append([_item_cell(version, f, k) for _h, f, k in ITEM_COLUMNS])
        for material in sorted(version.materials.all(), key=lambda m: (m.order, m.pk)):
            materials.append([
                version.implementation_code, material.order, material.name, _yes(material.required),
                _label(MaterialForm, material.form), _label(MaterialSource, material.source), material.copies,
                material.acceptance_standard, material.note, _yes(material.can_share), _yes(material.deferrable),
            ])
        for fee in version.fee_items.all():
            fees.append([version.implementation_code, fee.name, float(fee.amount), fee.unit, fee.basis,
                         _yes(fee.reducible)])
    for sheet, widths in ((items, {"E": 30, "L": 40, "P": 40}), (materials, {"C": 36, "H": 40}),
                          (fees, {"B": 24, "E": 40})):
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- import ---------------------------------------------------------------------------------------

@dataclass
class RowError:
    sheet: str
    row: int
    message: str
    fields: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "message": self.message, "fields": self.fields}


def _check_expansion(data: bytes) -> None:
    """Refuse a workbook whose zip would expand too far, before openpyxl opens it.

    The sizes come from the zip's central directory; :mod:`zipfile` stops reading an entry at
    its declared size (and fails its CRC check), so a file cannot expand beyond what it declares.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidInput(_("无法读取该 Excel 文件"), details={"file": "unreadable"}) from exc
    refused = _("该 Excel 文件解压后过大，请删除多余的工作表、空行和格式后重试")
    if len(entries) > MAX_ZIP_ENTRIES:
        raise InvalidInput(refused, code="too_large", details={"file": "too_many_parts", "parts": len(entries)})
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput(refused, code="too_large", details={"file": "expands_too_far", "size": total})
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise InvalidInput(refused, code="too_large",
                               details={"file": "compression_ratio", "part": entry.filename[:100]})


def _open_workbook(data: bytes) -> Any:
    if not data:
        raise InvalidInput(_("上传的文件是空的"), details={"file": "empty"})
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("文件不能超过 5 MB"), code="too_large", details={"size": len(data)})
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(_("请上传 Excel 工作簿（.xlsx）文件"), details={"file": "not_xlsx"})
    _check_expansion(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(_("无法读取该 Excel 文件"), details={"file": "unreadable"}) from exc
    if ITEM_SHEET not in workbook.sheetnames:
        raise InvalidInput(_("工作簿缺少“%(s)s”工作表") % {"s": ITEM_SHEET}, details={"file": "no_item_sheet"})
    return workbook


def _rows(workbook: Any, title: str, known: set[str]) -> list[tuple[int, dict[str, Any]]]:
    if title not in workbook.sheetnames:
        return []
    rows = workbook[title].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [h for h in known if h not in names] if title == ITEM_SHEET else []
    if missing and "基本编码" in missing:
        raise InvalidInput(_("“%(s)s”工作表缺少列：%(c)s") % {"s": title, "c": "、".join(sorted(missing))},
                           details={"sheet": title, "missing": sorted(missing)})
    result = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise InvalidInput(_("每个工作表最多 %(n)d 行") % {"n": MAX_ROWS}, details={"sheet": title})
        values = {names[i]: v for i, v in enumerate(row) if i < len(names) and names[i]}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        result.append((number, values))
    return result


def _cell(values: dict[str, Any], header: str) -> Any:
    value = values.get(header)
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else value


def catalog_import(*, data: bytes, actor: Any = None, position: Position | None = None,
                   system: bool = False) -> dict[str, Any]:
    """Import a workbook: each item row creates an item (new 基本编码) or updates/creates its open
    draft; its materials and fees are replaced by the rows with the same 实施编码 (blank forms and
    samples are kept for materials whose name is unchanged). All or nothing: any bad row raises
    ``InvalidInput`` with ``details.errors`` (sheet, row, message, fields) and nothing is changed."""
    if not system and not has_perm(position, Perm.CATALOG_EDIT):
        raise PermissionDenied(_("当前岗位无权导入事项目录"), details={"permission": Perm.CATALOG_EDIT})
    workbook = _open_workbook(data)
    try:
        item_rows = _rows(workbook, ITEM_SHEET, {h for h, _f, _k in ITEM_COLUMNS})
        material_rows = _rows(workbook, MATERIAL_SHEET, {h for h, _f in MATERIAL_COLUMNS})
        fee_rows = _rows(workbook, FEE_SHEET, {h for h, _f in FEE_COLUMNS})
    finally:
        workbook.close()
    if not item_rows:
        raise InvalidInput(_("“事项”工作表没有数据"), details={"errors": []})
    errors: list[RowError] = []
    materials_by_code: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, values in material_rows:
        data_row = {f: _cell(values, h) for h, f in MATERIAL_COLUMNS}
        code = str(data_row.pop("implementation_code"))
        try:
            materials_by_code.setdefault(code, []).append((number, services.clean_material(data_row)))
        except InvalidInput as exc:
            errors.append(RowError(MATERIAL_SHEET, number, exc.message, exc.details.get("fields", {})))
    fees_by_code: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, values in fee_rows:
        data_row = {f: _cell(values, h) for h, f in FEE_COLUMNS}
        code = str(data_row.pop("implementation_code"))
        try:
            fees_by_code.setdefault(code, []).append((number, services.clean_fee(data_row)))
        except InvalidInput as exc:
            errors.append(RowError(FEE_SHEET, number, exc.message, exc.details.get("fields", {})))
    created = updated = 0
    seen_codes: set[str] = set()
    used_codes: set[str] = set()
    try:
        with transaction.atomic():
            for number, values in item_rows:
                try:
                    base_code, impl_code, is_new = _import_item(values, materials_by_code, fees_by_code,
                                                                actor=actor, position=position, system=system)
                except DomainError as exc:
                    errors.append(RowError(ITEM_SHEET, number, exc.message, exc.details.get("fields", {})
                                           if isinstance(exc.details, dict) else {}))
                    continue
                if base_code in seen_codes:
                    errors.append(RowError(ITEM_SHEET, number, _("基本编码重复"), {"base_code": base_code}))
                seen_codes.add(base_code)
                used_codes.add(impl_code)
                created += is_new
                updated += not is_new
            listed = {str(_cell(values, "实施编码")) for _n, values in item_rows}
            orphans = (set(materials_by_code) | set(fees_by_code)) - used_codes - listed
            for code in sorted(orphans):
                rows = [n for n, _m in materials_by_code.get(code, [])] or [n for n, _f in fees_by_code.get(code, [])]
                sheet = MATERIAL_SHEET if code in materials_by_code else FEE_SHEET
                errors.append(RowError(sheet, rows[0], _("实施编码在“事项”工作表中不存在"),
                                       {"implementation_code": code}))
            if errors:
                raise _Rollback
            audit_record(action="catalog.import", actor=actor, position=position, object_type="catalog.import",
                         after={"created": created, "updated": updated, "rows": len(item_rows)})
    except _Rollback:
        errors.sort(key=lambda e: ([ITEM_SHEET, MATERIAL_SHEET, FEE_SHEET].index(e.sheet), e.row))
        raise InvalidInput(_("导入失败：%(n)d 行有误，未做任何修改") % {"n": len(errors)},
                           details={"errors": [e.as_dict() for e in errors]}) from None
    return {"created": created, "updated": updated, "rows": len(item_rows)}


class _Rollback(Exception):
    pass


def _item_fields(values: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for header, field, kind in ITEM_COLUMNS:
        if kind in {"key", "info"} or header not in values:
            continue
        value = _cell(values, header)
        if kind == "process":
            if value in ("", None):
                continue
        if kind == "dep" and field == "department" and value in ("", None):
            continue
        fields[field] = value
    return fields


def _import_item(values: dict[str, Any], materials: dict[str, list], fees: dict[str, list], *, actor: Any,
                 position: Position | None, system: bool) -> tuple[str, str, bool]:
    base_code = str(_cell(values, "基本编码")).upper()
    if not base_code:
        raise InvalidInput(_("基本编码必填"), details={"fields": {"base_code": _("此项必填")}})
    fields = _item_fields(values)
    impl_code = str(fields.get("implementation_code") or "")
    item = ServiceItem.objects.filter(base_code=base_code).select_related("department__division").first()
    with transaction.atomic():  # a savepoint: one bad row must not leave half of itself behind
        if item is None:
            department = cleaning._department(fields.pop("department", ""))
            if department is None:
                raise InvalidInput(_("实施主体编码不存在"), details={"fields": {"department": _("部门不存在")}})
            charged = cleaning._to_bool(fields.pop("is_charged", False))
            version = services.item_create(base_code=base_code, department=department, fields=fields,
                                           actor=actor, position=position, system=system)
            is_new = True
        else:
            open_version = item.versions.filter(status__in=OPEN_STATUSES).first()
            version = open_version or services.version_draft_from(item=item, actor=actor, position=position,
                                                                  system=system)
            if version.status != VersionStatus.DRAFT:
                raise InvalidInput(_("该事项有待审核的版本，审核完成前不能导入修改"),
                                   details={"fields": {"base_code": base_code}})
            charged = cleaning._to_bool(fields.pop("is_charged", version.is_charged))
            version = services.version_update(version=version, fields={**fields, "is_charged": False},
                                              actor=actor, position=position, system=system)
            is_new = False
        impl_code = impl_code or version.implementation_code
        _replace_children(version, materials.get(impl_code, []), fees.get(impl_code, []))
        if charged and not version.fee_items.exists():
            raise InvalidInput(_("收费事项必须列明收费项目及依据"), details={"fields": {"is_charged": _("缺少收费项目")}})
        if bool(charged) != version.is_charged:
            ServiceItemVersion.objects.filter(pk=version.pk).update(is_charged=bool(charged))
        services.refresh_search_text(version)
    return base_code, impl_code, is_new


def _replace_children(version: ServiceItemVersion, materials: list[tuple[int, dict]], fees: list[tuple[int, dict]]
                      ) -> None:
    from yiwang.catalog.models import FeeItem, Material

    files = {m.name: (m.blank_form.name, m.sample.name) for m in version.materials.all()}
    version.materials.all().delete()
    Material.objects.bulk_create([
        Material(version=version, blank_form=files.get(m["name"], ("", ""))[0],
                 sample=files.get(m["name"], ("", ""))[1], **{"order": i, **m})
        for i, (_n, m) in enumerate(materials, start=1)
    ])
    version.fee_items.all().delete()
    FeeItem.objects.bulk_create([FeeItem(version=version, **f) for _n, f in fees])
