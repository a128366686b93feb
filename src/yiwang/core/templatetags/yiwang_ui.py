"""Template tags every page shares: traffic-light badges, remaining working days, field errors.

* ``{% light_badge level %}`` — a traffic-light badge (绿灯/黄灯/红灯, 红牌/黄牌, 暂停, 已办结) whose text
  says the level, so colour is never the only signal (GB/T 37668); unknown values render as "—".
* ``{{ n|workdays_left }}`` — "剩余 3 个工作日", or "已超期 4 个工作日" when ``n`` is negative.
* ``{{ "accounts.user"|model_label }}`` — a model's Chinese name (用户) for audit rows.
* ``{% field_errors errors labels %}`` — a summary of ``{field: message}`` errors that names each field
  by its Chinese label (never ``material_42`` or ``id_number``); see :mod:`yiwang.core.field_labels`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy, ngettext

from yiwang.core.field_labels import labelled_errors

register = template.Library()

LIGHT_LABELS: dict[str, Any] = {
    "green": gettext_lazy("绿灯"),
    "yellow": gettext_lazy("黄灯"),
    "red": gettext_lazy("红灯"),
    "paused": gettext_lazy("暂停计时"),
    "done": gettext_lazy("已办结"),
}

# Supervision alerts use cards (牌), not lights.
CARD_LABELS: dict[str, Any] = {
    "yellow": gettext_lazy("黄牌"),
    "red": gettext_lazy("红牌"),
    "warning": gettext_lazy("提示"),
    "recommendation": gettext_lazy("监察建议书"),
}


@register.filter
def light_label(level: str | None) -> str:
    """The Chinese name of a traffic-light level ("green" → 绿灯)."""
    return str(LIGHT_LABELS.get(str(level or ""), "")) or "—"


@register.inclusion_tag("core/_light.html")
def light_badge(level: str | None, label: str = "", cards: bool = False) -> dict[str, Any]:
    """A badge for ``level``: class ``light light-<level>`` and a text label."""
    level = str(level or "")
    names = CARD_LABELS if cards else LIGHT_LABELS
    return {"level": level if level in LIGHT_LABELS or level in CARD_LABELS else "",
            "label": label or str(names.get(level, "")) or "—"}


@register.filter
def workdays_left(remaining: int | str | None) -> str:
    """Remaining working days as users read them; a negative count is an overdue count."""
    try:
        n = int(remaining)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if n < 0:
        return ngettext("已超期 %(n)d 个工作日", "已超期 %(n)d 个工作日", -n) % {"n": -n}
    return ngettext("剩余 %(n)d 个工作日", "剩余 %(n)d 个工作日", n) % {"n": n}


@register.inclusion_tag("core/_field_errors.html", takes_context=True)
def field_errors(context: Any, errors: dict[str, Any] | None, materials: Any = None, only: str = "") -> dict[str, Any]:
    """The error summary: one ``<li>`` per field, "标签：提示".

    ``materials`` (an item's materials) names ``material_<pk>`` errors after the material; ``only``
    keeps the keys that start with it (e.g. ``"material_"`` under the upload fields). A page whose
    form labels a shared field its own way passes ``field_labels`` in its context (``note`` is
    "申请说明" on the application form).
    """
    labels = {**(context.get("field_labels") or {}),
              **{f"material_{m.pk}": str(m.name) for m in (materials or [])}}
    rows = labelled_errors(errors or {}, labels)
    if only:
        rows = [row for row in rows if row["key"].startswith(only)]
    return {"rows": rows}


@register.filter
def model_label(object_type: str | None) -> str:
    """The verbose name of ``app_label.model`` ("accounts.user" → 用户); other values as they are."""
    from django.apps import apps

    text = str(object_type or "")
    try:
        return str(apps.get_model(text)._meta.verbose_name)
    except (LookupError, ValueError):
        return text
