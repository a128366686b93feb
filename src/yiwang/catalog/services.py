"""Writes to the service catalogue (事项目录), versioned (动态管理).

* An edit never touches a published version: :func:`version_draft_from` copies it into a new
  draft (one open draft per item); drafts are changed with :func:`version_update` and the
  material/fee functions; :func:`version_submit` sends the draft for review, and an administrator
  (``CATALOG_PUBLISH``) runs :func:`version_publish` (the previous version is retired) or
  :func:`version_reject`.
* Cases point at the version they were opened under, so published rows stay frozen (services
  and the model ``save`` guard both enforce it).
* Editors need ``CATALOG_EDIT`` on the item's department (reviewers and department heads of that
  department, administrators of the division); ``system=True`` is for seeding and commands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.catalog import search
from yiwang.catalog.deferral import deferral_problems, material_problem
from yiwang.catalog.models import (
    OPEN_STATUSES,
    Audience,
    BusinessKind,
    FeeItem,
    HandlingLevel,
    ItemType,
    LimitUnit,
    Material,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceItem,
    ServiceItemVersion,
    Theme,
    VersionStatus,
)
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.uploads import check_upload
from yiwang.org.models import Department, Position
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm

MAX_LIMIT_DAYS = 3650
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Blank forms and samples (空白表格、示例样表): PDF, Word, Excel (also 97-2003), PNG, JPEG.
ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "ole", "png", "jpg")

# Scalar fields of a version that editors may set, with their kind.
TEXT_FIELDS: dict[str, int] = {
    "name": 200, "other_names": 200, "legal_basis": 5000, "power_source": 100, "acceptance_conditions": 5000,
    "handling_form": 200, "quantity_limit": 200, "intermediary_services": 200, "limit_note": 500,
    "special_procedures": 2000, "result_name": 200, "licence_template": 50, "place": 300, "hours": 300,
    "consult_phone": 100, "complaint_phone": 100, "implementation_code": 36, "business_code": 50,
}
REQUIRED_TEXT = {"name", "legal_basis"}
CHOICE_FIELDS: dict[str, Any] = {
    "item_type": ItemType, "business_kind": BusinessKind, "statutory_unit": LimitUnit,
    "promised_unit": LimitUnit, "result_type": ResultType,
}
BOOL_FIELDS = {"is_charged", "express_delivery", "online_payment", "booking"}
INT_FIELDS: dict[str, tuple[int, int]] = {
    "statutory_limit": (0, MAX_LIMIT_DAYS), "promised_limit": (0, MAX_LIMIT_DAYS), "onsite_visits": (0, 10),
    "online_depth": (1, 4), "deferral_days": (0, 60),
}
LIST_FIELDS: dict[str, Any] = {"levels": HandlingLevel, "service_targets": Audience}
RELATION_FIELDS = {"department", "entrusted_department", "joint_departments", "themes", "process"}
EDITABLE_FIELDS = (set(TEXT_FIELDS) | set(CHOICE_FIELDS) | BOOL_FIELDS | set(INT_FIELDS) | set(LIST_FIELDS)
                   | RELATION_FIELDS | {"faq"})
# Copied from a version into the next draft.
COPY_FIELDS = [f for f in (set(TEXT_FIELDS) | set(CHOICE_FIELDS) | BOOL_FIELDS | set(INT_FIELDS)
                           | set(LIST_FIELDS) | {"faq", "department_id", "entrusted_department_id", "process_id"})]
MATERIAL_FIELDS = ["order", "name", "required", "form", "source", "copies", "acceptance_standard", "note",
                   "can_share", "deferrable"]
FEE_FIELDS = ["name", "amount", "unit", "basis", "reducible"]


# --- permission --------------------------------------------------------------------------------

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


# --- validation --------------------------------------------------------------------------------

@dataclass
class _Errors:
    items: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.items.setdefault(name, message)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.items:
            raise InvalidInput(message or _("事项信息填写有误"), details={"fields": self.items})


def _choice(enum: Any, value: Any) -> str | None:
    """Accept a choice's value or its (Chinese) label."""
    text = str(value).strip()
    for choice_value, label in enum.choices:
        if text in (choice_value, str(label)):
            return choice_value
    return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "是", "y"}:
        return True
    if text in {"0", "false", "no", "off", "否", "n", ""}:
        return False
    return None


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "")
    for sep in ("、", ",", "，", ";", "；", "\n"):
        text = text.replace(sep, " ")
    return [part for part in text.split() if part]


def _clean_faq(value: Any, errors: _Errors) -> list[dict[str, str]]:
    if isinstance(value, str):
        if not value.strip():
            return []
        try:
            value = json.loads(value)
        except ValueError:
            errors.add("faq", _("常见问题应为 [{\"q\": 问题, \"a\": 解答}] 格式"))
            return []
    if not isinstance(value, list):
        errors.add("faq", _("常见问题应为列表"))
        return []
    cleaned = []
    for entry in value[:50]:
        if not isinstance(entry, dict) or not str(entry.get("q", "")).strip():
            errors.add("faq", _("每条常见问题都需要问题和解答"))
            return []
        cleaned.append({"q": str(entry["q"]).strip()[:500], "a": str(entry.get("a", "")).strip()[:2000]})
    return cleaned


def _department(value: Any) -> Department | None:
    if value is None or value == "":
        return None
    if isinstance(value, Department):
        return value
    return Department.objects.filter(code=str(value).strip(), is_active=True).select_related("division").first()


def clean_version_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate ``fields`` (values or labels, as from a form, the API or Excel). Raises InvalidInput
    with ``details.fields`` naming every bad field; returns typed values."""
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            errors.add(name, _("不能修改该字段"))
        elif name in TEXT_FIELDS:
            text = "" if value is None else str(value).strip()
            if name in REQUIRED_TEXT and not text:
                errors.add(name, _("此项必填"))
            elif len(text) > TEXT_FIELDS[name]:
                errors.add(name, _("不能超过 %(n)d 个字符") % {"n": TEXT_FIELDS[name]})
            elif name == "implementation_code" and text and len(text) != 36:
                errors.add(name, _("实施编码应为 36 位"))
            else:
                cleaned[name] = text
        elif name in CHOICE_FIELDS:
            choice = _choice(CHOICE_FIELDS[name], value)
            if choice is None:
                errors.add(name, _("取值不在可选范围内"))
            else:
                cleaned[name] = choice
        elif name in BOOL_FIELDS:
            flag = _to_bool(value)
            if flag is None:
                errors.add(name, _("应为“是”或“否”"))
            else:
                cleaned[name] = flag
        elif name in INT_FIELDS:
            number = _to_int(value)
            low, high = INT_FIELDS[name]
            if number is None or not low <= number <= high:
                errors.add(name, _("应为 %(lo)d 到 %(hi)d 之间的整数") % {"lo": low, "hi": high})
            else:
                cleaned[name] = number
        elif name in LIST_FIELDS:
            values = [_choice(LIST_FIELDS[name], v) for v in _split_list(value)]
            if not values or None in values:
                errors.add(name, _("请从可选范围中至少选择一项"))
            else:
                cleaned[name] = sorted(set(values), key=[c for c, _label in LIST_FIELDS[name].choices].index)
        elif name == "faq":
            cleaned[name] = _clean_faq(value, errors)
        elif name in {"department", "entrusted_department"}:
            dep = _department(value)
            if dep is None and (name == "department" or value not in (None, "")):
                errors.add(name, _("部门不存在"))
            else:
                cleaned[name] = dep
        elif name == "joint_departments":
            deps = [_department(v) for v in (value if isinstance(value, list | tuple) else _split_list(value))]
            if None in deps:
                errors.add(name, _("联审部门不存在"))
            else:
                cleaned[name] = deps
        elif name == "themes":
            codes = [v.code if isinstance(v, Theme) else v for v in
                     (value if isinstance(value, list | tuple) else _split_list(value))]
            themes = list(Theme.objects.filter(code__in=codes))
            if len(themes) != len(set(codes)):
                errors.add(name, _("主题不存在"))
            else:
                cleaned[name] = themes
        elif name == "process":
            cleaned[name] = _process(value, errors)
    statutory = cleaned.get("statutory_limit")
    promised = cleaned.get("promised_limit")
    if (statutory is not None and promised is not None and promised > statutory
            and cleaned.get("statutory_unit", "workdays") == cleaned.get("promised_unit", "workdays")):
        errors.add("promised_limit", _("承诺时限不得超过法定时限"))
    errors.raise_if_any()
    return cleaned


def _process(value: Any, errors: _Errors) -> Any:
    from yiwang.workflow.models import ProcessDefinition

    if value is None or value == "":
        return None
    if isinstance(value, ProcessDefinition):
        return value
    number = _to_int(value)
    process = ProcessDefinition.objects.filter(pk=number).first() if number is not None else None
    if process is None:
        errors.add("process", _("流程定义不存在"))
    return process


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


# --- materials and fees (cleaning) ---------------------------------------------------------------

def check_attachment(upload: UploadedFile | None, *, label: str) -> None:
    """Blank forms and samples: ``core.uploads`` checks (sniffed content matching the extension, safe
    name, not empty) with at most 5 MB."""
    if upload is None:
        return
    try:
        check_upload(upload, allowed=ATTACHMENT_KINDS, max_bytes=MAX_ATTACHMENT_BYTES)
    except InvalidInput as exc:
        raise InvalidInput(_("%(label)s：%(problem)s") % {"label": label, "problem": exc.message}, code=exc.code,
                           details={**exc.details, "label": str(label)}) from exc


def clean_material(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    if not partial or "name" in data:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 200:
            errors.add("name", _("材料名称必填，且不超过 200 字"))
        cleaned["name"] = name
    for key, enum in (("form", MaterialForm), ("source", MaterialSource)):
        if key in data:
            value = _choice(enum, data[key])
            if value is None:
                errors.add(key, _("取值不在可选范围内"))
            cleaned[key] = value
    for key in ("required", "can_share", "deferrable"):
        if key in data:
            flag = _to_bool(data[key])
            if flag is None:
                errors.add(key, _("应为“是”或“否”"))
            cleaned[key] = flag
    for key, high in (("copies", 99), ("order", 999)):
        if key in data:
            number = _to_int(data[key])
            if number is None or not 0 <= number <= high:
                errors.add(key, _("应为 0 到 %(hi)d 之间的整数") % {"hi": high})
            cleaned[key] = number
    for key, limit in (("acceptance_standard", 2000), ("note", 500)):
        if key in data:
            text = str(data[key] or "").strip()
            if len(text) > limit:
                errors.add(key, _("不能超过 %(n)d 个字符") % {"n": limit})
            cleaned[key] = text
    if not partial and not errors.items:
        _deferrable_error(cleaned, errors)
    errors.raise_if_any(_("申请材料填写有误"))
    return cleaned


def _deferrable_error(values: dict[str, Any], errors: _Errors) -> None:
    """A material is 可容缺 only if required and not 免提交 (defaults: required, not shared)."""
    problem = material_problem(required=values.get("required", True) is not False,
                               can_share=bool(values.get("can_share")), deferrable=bool(values.get("deferrable")))
    if problem:
        errors.add("deferrable", problem)


def clean_fee(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    if not partial or "name" in data:
        cleaned["name"] = str(data.get("name") or "").strip()
        if not cleaned["name"] or len(cleaned["name"]) > 200:
            errors.add("name", _("收费项目名称必填"))
    if not partial or "basis" in data:
        cleaned["basis"] = str(data.get("basis") or "").strip()
        if not cleaned["basis"]:
            errors.add("basis", _("收费必须有法定依据（一费制：无依据不收费）"))
    if not partial or "amount" in data:
        try:
            amount = Decimal(str(data.get("amount", "")).strip())
        except (InvalidOperation, ValueError):
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999"):
            errors.add("amount", _("收费标准应为非负金额"))
        cleaned["amount"] = amount.quantize(Decimal("0.01")) if amount.is_finite() and amount >= 0 else amount
    if "unit" in data:
        cleaned["unit"] = str(data["unit"] or "元/件").strip()[:20] or "元/件"
    if "reducible" in data:
        flag = _to_bool(data["reducible"])
        if flag is None:
            errors.add("reducible", _("应为“是”或“否”"))
        cleaned["reducible"] = flag
    errors.raise_if_any(_("收费项目填写有误"))
    return cleaned


# --- items and versions ---------------------------------------------------------------------------

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


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


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
