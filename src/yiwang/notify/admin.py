from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yiwang.notify.models import Message, NotificationTemplate


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "channel", "subject", "sms_template_id", "is_active", "updated_at")
    list_filter = ("channel", "is_active")
    search_fields = ("code", "subject", "body")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The delivery log: read-only. Destinations are shown masked only."""

    list_display = ("id", "recipient", "channel", "template", "destination", "status", "attempts", "created_at",
                    "sent_at")
    list_filter = ("channel", "status", "template")
    search_fields = ("template", "subject", "recipient__username")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False
