"""Admin for the organisation. Saves go through org.services so that they are audited."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.org.models import Department, Division, Position, ServiceHall, Window


class AuditedAdmin(admin.ModelAdmin):
    """Records every admin change in the audit trail (the admin's own log is not tamper-evident)."""

    audit_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change) -> None:
        before = None
        if change and obj.pk:
            old = type(obj).objects.get(pk=obj.pk)
            before = {f: str(getattr(old, f)) for f in form.changed_data if hasattr(old, f)}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                action=f"{obj._meta.label_lower}.{'change' if change else 'create'}.admin",
                actor=request.user, position=getattr(request, "position", None), obj=obj, before=before,
                after={f: str(getattr(obj, f)) for f in form.changed_data if hasattr(obj, f)},
            )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            audit_record(action=f"{obj._meta.label_lower}.delete.admin", actor=request.user,
                         position=getattr(request, "position", None), obj=obj, before={"repr": str(obj)})
            super().delete_model(request, obj)


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level", "valid_to")
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "superseded_by")
    readonly_fields = ("path",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("code", "name", "short_name", "division", "is_active")
    list_filter = ("is_active", "division__level")
    search_fields = ("code", "name", "short_name")
    raw_id_fields = ("division", "parent")


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    filter_horizontal = ("departments",)


@admin.register(ServiceHall)
class ServiceHallAdmin(AuditedAdmin):
    list_display = ("name", "division", "phone", "is_active")
    list_filter = ("division__level", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("division",)
    inlines = [WindowInline]


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = ("user", "role", "division", "department", "is_active")
    list_filter = ("role", "is_active", "division__level")
    search_fields = ("user__username", "user__real_name", "division__name", "department__name")
    raw_id_fields = ("user", "division", "department", "window")
