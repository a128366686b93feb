"""Process definitions in the admin: read-only, with uploads going through ``process_upload``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.workflow import services
from yiwang.workflow.forms import ProcessUploadForm
from yiwang.workflow.models import ProcessDefinition


class ProcessUploadAdminForm(forms.ModelForm):
    """Name and file only; validation and storage happen in the service."""

    file = forms.FileField(label=_("BPMN 文件（.bpmn 或 .xml，不超过 1 MB）"))

    class Meta:
        model = ProcessDefinition
        fields = ("name",)

    def clean_file(self) -> bytes:
        from django.utils.datastructures import MultiValueDict

        helper = ProcessUploadForm(data={"name": self.cleaned_data.get("name") or "-"},
                                   files=MultiValueDict({"file": [self.cleaned_data["file"]]}))
        if not helper.is_valid():
            raise forms.ValidationError(list(helper.errors.get("file") or [_("文件无效")]))
        return helper.cleaned_data["file"]


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "process_id", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("name", "process_id", "sha256")
    readonly_fields = ("name", "kind", "process_id", "status", "sha256", "created_by", "created_at", "issues",
                       "xml_preview")
    exclude = ("bpmn_xml", "validation_errors")

    def get_form(self, request: HttpRequest, obj: ProcessDefinition | None = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm]:
        if obj is None:
            return ProcessUploadAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: ProcessDefinition | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: ProcessDefinition | None = None) -> Any:
        if obj is None:
            return ("name", "file")
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and has_perm(getattr(request, "position", None),
                                                                Perm.PROCESS_MANAGE)

    def has_change_permission(self, request: HttpRequest, obj: ProcessDefinition | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProcessDefinition | None = None) -> bool:
        return False  # cases and item versions keep pointing at their definition

    def save_model(self, request: HttpRequest, obj: ProcessDefinition, form: forms.ModelForm, change: bool) -> None:
        try:
            definition = services.process_upload(name=form.cleaned_data["name"], xml=form.cleaned_data["file"],
                                                 actor=request.user, position=getattr(request, "position", None))
        except DomainError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = definition.pk
        obj.__dict__.update({k: v for k, v in definition.__dict__.items() if not k.startswith("_")})
        if not definition.is_usable:
            messages.warning(request, _("流程未通过校验，不能绑定到事项。"))

    @admin.display(description=_("校验问题"))
    def issues(self, obj: ProcessDefinition) -> str:
        if not obj.validation_errors:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li><code>{}</code> {} {}</li>",
            ((i.get("code", ""), i.get("message", ""), i.get("element_id") or "") for i in obj.validation_errors)))

    @admin.display(description=_("BPMN XML"))
    def xml_preview(self, obj: ProcessDefinition) -> str:
        return format_html('<pre style="max-height:30em;overflow:auto">{}</pre>', obj.bpmn_xml)
