"""Field errors as people read them: "身份证号：格式不正确", never "id_number：…".

Services raise ``InvalidInput(details={"fields": {name: message}})`` with machine names, which the
API returns as they are. Pages turn them into labelled rows here, once:

* :data:`FIELD_LABELS` names the fields every form shares (applicant, address, reasons, …);
* a page adds its own labels (``material_42`` → the material's name) with the ``labels`` argument;
* a key with no known label shows its message alone rather than its internal name.
* a terse machine message (``"max 200"``) becomes a sentence (不能超过 200 个字符).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_LABELS: dict[str, Any] = {
    "kind": gettext_lazy("申请人类型"),
    "name": gettext_lazy("姓名（名称）"),
    "applicant.name": gettext_lazy("申请人姓名（名称）"),
    "id_number": gettext_lazy("身份证号"),
    "credit_code": gettext_lazy("统一社会信用代码"),
    "phone": gettext_lazy("手机号码"),
    "applicant.phone": gettext_lazy("申请人手机号码"),
    "contact_phone": gettext_lazy("联系电话"),
    "address": gettext_lazy("通讯地址"),
    "note": gettext_lazy("备注"),
    "delivery": gettext_lazy("结果送达方式"),
    "legal_representative": gettext_lazy("法定代表人"),
    "division": gettext_lazy("办理地点"),
    "division_code": gettext_lazy("办理地点"),
    "reason": gettext_lazy("理由"),
    "competent_agency": gettext_lazy("有权受理的机关"),
    "items": gettext_lazy("补正材料"),
    "item": gettext_lazy("补正项目"),
    "amount": gettext_lazy("金额"),
    "receipt_no": gettext_lazy("票据号"),
    "channel": gettext_lazy("申请渠道"),
    "idempotency_key": gettext_lazy("提交标识"),
    "override_position_id": gettext_lazy("批准人"),
    "override_reason": gettext_lazy("批准理由"),
    "opinion": gettext_lazy("意见"),
    "days": gettext_lazy("天数"),
    "department": gettext_lazy("部门"),
    "to_position": gettext_lazy("转办对象"),
    "file": gettext_lazy("文件"),
    "promise_text": gettext_lazy("承诺书内容"),
    "promised_by": gettext_lazy("承诺人"),
}

_MAX_RE = re.compile(r"^max\s+(\d+)$", re.IGNORECASE)
_ITEM_RE = re.compile(r"^items\.(\d+)$")


def field_label(key: str, labels: dict[str, str] | None = None) -> str:
    """The Chinese label of ``key``, or "" when none is known."""
    if labels and key in labels:
        return str(labels[key])
    if key in FIELD_LABELS:
        return str(FIELD_LABELS[key])
    for prefix in ("applicant.", "correct_"):  # the applicant block of a form; a clerk's corrections
        if key.startswith(prefix) and key.removeprefix(prefix) in FIELD_LABELS:
            return str(FIELD_LABELS[key.removeprefix(prefix)])
    if match := _ITEM_RE.match(key):
        return _("补正材料第 %(n)d 项") % {"n": int(match.group(1)) + 1}
    if key.startswith("material_"):
        return _("申请材料")
    return ""


def field_message(value: Any) -> str:
    """The readable message of one error value (a string or ``{"message": …}``)."""
    text = str(value.get("message", "")) if isinstance(value, dict) else str(value)
    if match := _MAX_RE.match(text.strip()):
        return _("不能超过 %(n)s 个字符") % {"n": match.group(1)}
    return text


def labelled_errors(errors: dict[str, Any], labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    """``[{"key", "label", "message"}]`` for a ``{field: message}`` mapping, in its order."""
    return [{"key": str(key), "label": field_label(str(key), labels), "message": field_message(value)}
            for key, value in errors.items()]
