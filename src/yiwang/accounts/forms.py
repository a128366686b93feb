"""Forms for sign-in, registration and two-factor. They only shape input: the rules live in
``accounts.identity`` and ``accounts.services``, whose errors the views attach to fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import DomainError


class ServiceErrorsMixin:
    """Attach a service's ``{"errors": [{"field", "message"}]}`` details to the form fields."""

    def add_service_error(self, exc: DomainError) -> None:
        items = exc.details.get("errors", []) if isinstance(exc.details, dict) else []
        placed = False
        for item in items:
            name = item.get("field")
            target = name if name in self.fields else None  # type: ignore[attr-defined]
            self.add_error(target, item.get("message") or exc.message)  # type: ignore[attr-defined]
            placed = True
        if not placed:
            self.add_error(None, exc.message)  # type: ignore[attr-defined]


def _attrs(autocomplete: str, **extra: Any) -> dict[str, Any]:
    return {"autocomplete": autocomplete, **extra}


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs=_attrs("username", autocapitalize="none",
                                                                   spellcheck="false", autofocus=True)))
    password = forms.CharField(label=_("密码"), strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs=_attrs("current-password")))


class OtpForm(ServiceErrorsMixin, forms.Form):
    otp_token = forms.CharField(
        label=_("验证码"), max_length=16, min_length=6,
        help_text=_("请输入身份验证器中显示的 6 位数字，或一个备用码"),
        widget=forms.TextInput(attrs=_attrs("one-time-code", inputmode="numeric", autofocus=True,
                                            spellcheck="false")),
    )


class TotpConfirmForm(ServiceErrorsMixin, forms.Form):
    otp_token = forms.CharField(
        label=_("验证码"), max_length=6, min_length=6,
        help_text=_("用验证器扫描二维码后，输入其中显示的 6 位数字"),
        widget=forms.TextInput(attrs=_attrs("one-time-code", inputmode="numeric", pattern="[0-9]{6}",
                                            spellcheck="false")),
    )


class PasswordPairMixin(forms.Form):
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput(attrs=_attrs("new-password")),
                               help_text=_("至少 10 位，不能全是数字，不能与用户名相近"))
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs=_attrs("new-password")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class CitizenRegisterForm(ServiceErrorsMixin, PasswordPairMixin):
    real_name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=_attrs("name")),
                                help_text=_("与身份证上的姓名一致"))
    id_number = forms.CharField(label=_("居民身份证号"), max_length=24,
                                widget=forms.TextInput(attrs=_attrs("off", spellcheck="false",
                                                                    autocapitalize="characters")),
                                help_text=_("18 位，末位可能是 X"))
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs=_attrs("tel", inputmode="tel")))
    username = forms.CharField(label=_("用户名（可选）"), max_length=30, required=False,
                               widget=forms.TextInput(attrs=_attrs("username", autocapitalize="none")),
                               help_text=_("不填则以手机号码作为用户名"))
    field_order = ["real_name", "id_number", "phone", "username", "password", "password2"]


class RegistrationCodeForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("短信验证码"), max_length=12,
        help_text=_("短信中的 6 位数字"),
        widget=forms.TextInput(attrs=_attrs("one-time-code", inputmode="numeric", autofocus=True,
                                            spellcheck="false")),
    )


class EnterpriseRegisterForm(ServiceErrorsMixin, PasswordPairMixin):
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200,
                                      widget=forms.TextInput(attrs=_attrs("organization")))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=24,
                                  widget=forms.TextInput(attrs=_attrs("off", spellcheck="false",
                                                                      autocapitalize="characters")),
                                  help_text=_("18 位，见营业执照"))
    legal_representative = forms.CharField(label=_("法定代表人姓名"), max_length=50,
                                           widget=forms.TextInput(attrs=_attrs("off")))
    legal_rep_id_number = forms.CharField(label=_("法定代表人身份证号"), max_length=24,
                                          widget=forms.TextInput(attrs=_attrs("off", spellcheck="false",
                                                                              autocapitalize="characters")))
    address = forms.CharField(label=_("住所（可选）"), max_length=200, required=False,
                              widget=forms.TextInput(attrs=_attrs("street-address")))
    username = forms.CharField(label=_("用户名"), max_length=30,
                               widget=forms.TextInput(attrs=_attrs("username", autocapitalize="none")))
    phone = forms.CharField(label=_("联系人手机号码"), max_length=20,
                            widget=forms.TextInput(attrs=_attrs("tel", inputmode="tel")))
    field_order = ["enterprise_name", "credit_code", "legal_representative", "legal_rep_id_number", "address",
                   "username", "phone", "password", "password2"]
