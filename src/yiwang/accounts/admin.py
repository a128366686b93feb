"""Administration of accounts. Personal data is shown masked only; ciphertexts and blind
indexes never appear. New values for the resident ID and phone go through
``services.user_pii_update`` (validated, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import identity, services
from yiwang.accounts.models import AccountKind, Enterprise, User
from yiwang.core import crypto
from yiwang.core.errors import DomainError


class PiiFieldsMixin(forms.ModelForm):
    new_id_number = forms.CharField(label=_("设置身份证号"), required=False, max_length=24,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                    help_text=_("留空则不修改。保存后只显示脱敏值。"))
    new_phone = forms.CharField(label=_("设置手机号码"), required=False, max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                help_text=_("留空则不修改。"))

    def clean_new_id_number(self) -> str:
        value = self.cleaned_data.get("new_id_number", "").strip()
        if not value:
            return ""
        try:
            number = identity.check_resident_id(value).number
        except identity.IdentityError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        others = User.objects.filter(id_number_index=crypto.blind_index(number, purpose="id_number"))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("该身份证号已被其他账户使用"), code="id_number_taken")
        return number

    def clean_new_phone(self) -> str:
        value = self.cleaned_data.get("new_phone", "").strip()
        if value:
            try:
                return identity.check_phone(value)
            except identity.IdentityError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
        return ""


class YiwangUserChangeForm(PiiFieldsMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "password", "kind", "real_name", "real_name_verified", "email", "large_font",  # type: ignore[assignment]
                  "is_active", "is_staff", "is_superuser", "groups", "user_permissions", "last_login",
                  "date_joined")


class YiwangUserCreationForm(PiiFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "real_name", "kind")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = YiwangUserChangeForm
    add_form = YiwangUserCreationForm
    list_display = ("username", "real_name", "kind", "id_number_masked", "phone_masked", "is_active", "is_staff")
    list_filter = ("kind", "is_active", "is_staff", "is_superuser", "real_name_verified")
    search_fields = ("username", "real_name")
    readonly_fields = ("id_number_masked", "phone_masked", "id_number_warning", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("身份信息"), {"fields": ("kind", "real_name", "real_name_verified", "id_number_masked", "id_number_warning",
                                 "new_id_number", "phone_masked", "new_phone", "email", "large_font")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "real_name", "kind", "new_id_number", "new_phone",
                                                  "password1", "password2")}),
    )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("kind", AccountKind.STAFF)
        return initial

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        id_number = form.cleaned_data.get("new_id_number") or None
        phone = form.cleaned_data.get("new_phone") or None
        if id_number is None and phone is None:
            return
        try:
            services.user_pii_update(actor=request.user, user=obj, id_number=id_number, phone=phone,
                                     position=getattr(request, "position", None))
        except DomainError as exc:
            self.message_user(request, exc.message, level="error")


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "legal_rep_id_masked", "account", "created_at")
    search_fields = ("name", "credit_code")
    readonly_fields = ("legal_rep_id_masked", "created_at")
    fields = ("name", "credit_code", "legal_representative", "legal_rep_id_masked", "address", "account",
              "created_at")
    raw_id_fields = ("account",)
