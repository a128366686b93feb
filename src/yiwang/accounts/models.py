"""Accounts: citizens (自然人), enterprises (法人) and staff (工作人员).

Resident ID numbers and phone numbers are stored SM4-GCM encrypted, with a keyed SM3 blind
index for exact lookups and uniqueness, and a masked copy for lists.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core import crypto
from yiwang.core.masking import mask_id_number, mask_phone


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("自然人")
    ENTERPRISE = "enterprise", _("法人")
    STAFF = "staff", _("工作人员")


class User(AbstractUser):
    kind = models.CharField(_("账户类型"), max_length=12, choices=AccountKind.choices, default=AccountKind.CITIZEN)
    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True)
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=24, blank=True, editable=False)
    phone_enc = models.TextField(_("手机号（密文）"), blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True, editable=False)
    real_name_verified = models.BooleanField(_("已实名"), default=False)
    # A soft real-name warning, e.g. ``id_region_unknown`` (see ``accounts.identity``).
    id_number_warning = models.CharField(_("证件核验提示"), max_length=40, blank=True, editable=False)
    large_font = models.BooleanField(_("大字模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="user_id_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def needs_two_factor(self) -> bool:
        return self.kind == AccountKind.STAFF or self.is_staff or self.is_superuser

    # Encrypted personal data. Reading the clear value is an action: use
    # ``accounts.unmasking.person_unmask`` from views so that it is audited.
    def set_id_number(self, value: str) -> None:
        value = value.strip().upper()
        self.id_number_enc = crypto.encrypt(value, associated=b"id_number") if value else ""
        self.id_number_index = crypto.blind_index(value, purpose="id_number") if value else ""
        self.id_number_masked = mask_id_number(value)

    def set_phone(self, value: str) -> None:
        value = value.strip()
        self.phone_enc = crypto.encrypt(value, associated=b"phone") if value else ""
        self.phone_index = crypto.blind_index(value, purpose="phone") if value else ""
        self.phone_masked = mask_phone(value)

    def decrypt_id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc, associated=b"id_number") if self.id_number_enc else ""

    def decrypt_phone(self) -> str:
        return crypto.decrypt(self.phone_enc, associated=b"phone") if self.phone_enc else ""


class Enterprise(models.Model):
    """法人: an enterprise or other organisation, identified by its unified social credit code."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    legal_rep_id_enc = models.TextField(blank=True, editable=False)
    legal_rep_id_masked = models.CharField(_("法定代表人身份证号"), max_length=24, blank=True, editable=False)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    account = models.OneToOneField(User, on_delete=models.PROTECT, related_name="enterprise")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    def set_legal_rep_id(self, value: str) -> None:
        value = value.strip().upper()
        self.legal_rep_id_enc = crypto.encrypt(value, associated=b"legal_rep_id") if value else ""
        self.legal_rep_id_masked = mask_id_number(value)

    def decrypt_legal_rep_id(self) -> str:
        return crypto.decrypt(self.legal_rep_id_enc, associated=b"legal_rep_id") if self.legal_rep_id_enc else ""


class PendingRegistration(models.Model):
    """A citizen registration waiting for the SMS code (短信验证) sent to its mobile number.

    Nothing here is readable without the platform's keys: the form's personal data is one
    SM4-GCM ciphertext, the password is a Django password hash, and the token and the code are
    kept as keyed SM3 digests. Rows are deleted when confirmed, used up or found expired.
    """

    token_index = models.CharField(max_length=64, unique=True, editable=False)
    data_enc = models.TextField(editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, editable=False)
    password_hash = models.CharField(max_length=128, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    attempts = models.PositiveSmallIntegerField(_("验证码错误次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"), db_index=True)

    class Meta:
        verbose_name = _("待验证注册")
        verbose_name_plural = _("待验证注册")

    def __str__(self) -> str:
        return self.phone_masked
