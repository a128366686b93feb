"""``{{ value|pct }}`` (0.6512 → 65.1%, None → —) and ``{{ value|num }}`` for the dashboard tables."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def num(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


@register.filter
def get(mapping: Any, key: str) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
