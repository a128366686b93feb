"""How the rules page names a rule's parameters: "黄牌提前量 [1] 个工作日", never ``yellow_workdays``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

# parameter → (what it means, its unit)
PARAMS: dict[str, tuple[Any, Any]] = {
    "max_days": (gettext_lazy("一般延长期限上限"), gettext_lazy("个工作日")),
    "max_joint_days": (gettext_lazy("统一、联合、集中办理延长期限上限"), gettext_lazy("个工作日")),
    "max_workdays": (gettext_lazy("作出准予决定后颁发、送达证件的期限"), gettext_lazy("个工作日")),
    "window_days": (gettext_lazy("检查最近完成的环节"), gettext_lazy("天内")),
    "max_notices": (gettext_lazy("允许的补正通知次数"), gettext_lazy("次")),
    "yellow_workdays": (gettext_lazy("剩余时限不超过此数时亮黄牌"), gettext_lazy("个工作日")),
}


@register.filter
def param_label(name: str) -> str:
    """The Chinese meaning of a rule parameter (unknown names read "参数")."""
    return str(PARAMS[name][0]) if name in PARAMS else _("参数")


@register.filter
def param_unit(name: str) -> str:
    return str(PARAMS[name][1]) if name in PARAMS else ""


@register.filter
def params_text(params: dict[str, Any] | None) -> str:
    """An override's parameters as a sentence: "一般延长期限上限 5 个工作日；…"."""
    return "；".join(f"{param_label(k)} {v} {param_unit(k)}".strip() for k, v in (params or {}).items()) or "—"
