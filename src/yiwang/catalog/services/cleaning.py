"""Clean input for the service catalogue (事项目录): every field of a version, materials and fees.

* ``clean_version_fields``: the editable fields (``EDITABLE_FIELDS``: text, choices, flags, limits up to
  ``MAX_LIMIT_DAYS``, lists, departments, themes, process) to typed values, or :class:`InvalidInput`
  with every bad field in ``details``;
* ``clean_material``/``clean_fee``: one 申请材料 or 收费项目 row (also used by the Excel import);
  a deferrable material (容缺) must say what may be deferred;
* ``check_attachment``: blank forms and samples through ``core.uploads`` (at most 5 MB).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from yiwang.catalog.deferral import material_problem
from yiwang.catalog.models import (
    Audience,
    BusinessKind,
    HandlingLevel,
    ItemType,
    LimitUnit,
    MaterialForm,
    MaterialSource,
    ResultType,
    Theme,
)
from yiwang.core.errors import InvalidInput
from yiwang.core.uploads import check_upload
from yiwang.org.models import Department

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
