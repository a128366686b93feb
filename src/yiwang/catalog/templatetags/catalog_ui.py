"""The import report names a field by its column header in the workbook ("事项名称"), not ``name``."""

from __future__ import annotations

from django import template

from yiwang.catalog.excel import (
    FEE_COLUMNS,
    FEE_SHEET,
    ITEM_COLUMNS,
    ITEM_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_SHEET,
)
from yiwang.core.field_labels import field_label, field_message

register = template.Library()

HEADERS: dict[str, dict[str, str]] = {
    ITEM_SHEET: {field: header for header, field, _kind in ITEM_COLUMNS},
    MATERIAL_SHEET: {field: header for header, field in MATERIAL_COLUMNS},
    FEE_SHEET: {field: header for header, field in FEE_COLUMNS},
}


@register.filter
def column_label(field: str, sheet: str) -> str:
    """The workbook column of ``field`` on ``sheet``; a shared label, or "" when none is known."""
    return HEADERS.get(sheet, {}).get(field) or field_label(field)


@register.filter
def error_text(message: object) -> str:
    return field_message(message)
