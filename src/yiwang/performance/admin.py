"""Assessment schemes (weights, penalties, grade thresholds) are maintained in the admin; saving goes
through :func:`yiwang.performance.services.scheme_save` (validated, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from yiwang.core.errors import DomainError
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.performance import services
from yiwang.performance.models import Assessment, AssessmentScheme


def _manage_position(request: HttpRequest) -> Any:
    for position in getattr(request, "positions", []) or []:
        if has_perm(position, Perm.PERFORMANCE_MANAGE):
            return position
    return None


class AssessmentSchemeForm(forms.ModelForm):
    class Meta:
        model = AssessmentScheme
        fields = list(services.SCHEME_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                services.scheme_validate(AssessmentScheme(**{f: cleaned.get(f) for f in services.SCHEME_FIELDS}))
            except DomainError as exc:
                raise ValidationError([f"{exc.message}: {v}" for v in exc.details.get("fields", {}).values()]
                                      or exc.message) from exc
        return cleaned


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    form = AssessmentSchemeForm
    list_display = ("name", "is_default", "weight_on_time", "weight_satisfaction", "weight_rectification",
                    "weight_alerts", "threshold_excellent", "threshold_good", "threshold_pass")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and _manage_position(request) is not None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _manage_position(request) is not None

    def save_model(self, request: HttpRequest, obj: AssessmentScheme, form: Any, change: bool) -> None:
        services.scheme_save(scheme=obj, actor=request.user, position=_manage_position(request))


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("division", "period", "scheme", "status", "published_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Assessment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
