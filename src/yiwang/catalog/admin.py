"""Read-mostly admin: catalogue changes go through ``catalog.services`` (console or API)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yiwang.catalog.models import FeeItem, Material, ServiceItem, ServiceItemVersion, Theme


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ("order", "name", "required", "form", "source", "copies", "can_share", "deferrable")
    readonly_fields = ("order", "name", "required", "form", "source", "copies", "can_share", "deferrable")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FeeInline(admin.TabularInline):
    model = FeeItem
    extra = 0
    fields = ("name", "amount", "unit", "basis", "reducible")
    readonly_fields = ("name", "amount", "unit", "basis", "reducible")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["base_code", "name", "department", "published_version", "is_active"]
    list_filter = ["is_active", "department"]
    search_fields = ["base_code", "name"]


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ReadOnlyAdmin):
    list_display = ["item", "number", "status", "item_type", "department", "published_at"]
    list_filter = ["status", "item_type"]
    search_fields = ["item__base_code", "name", "implementation_code"]
    inlines = [MaterialInline, FeeInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """Themes are plain reference data, editable here."""

    list_display = ["code", "name", "audience", "kind", "order"]
    list_filter = ["audience", "kind"]
