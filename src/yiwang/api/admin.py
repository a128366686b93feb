from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yiwang.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and revoked with ``create_api_key`` / ``revoke_api_key``."""

    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("name", "prefix", "scopes", "created_at", "created_by", "last_used_at", "expires_at",
                       "revoked_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False
