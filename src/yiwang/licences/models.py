"""电子证照 Licences: issued once, SM2-signed over canonical data, verifiable by anyone.

A :class:`Licence` is never edited after issue (``licences.services`` is the only writer and
refuses); revocation (注销) is the only change. Its ``data`` is the canonical licence content;
``data_digest`` is SM3 over :func:`yiwang.licences.signing.canonical_bytes` and ``signature`` is
the SM2 signature over those same bytes, with the signing ``public_key`` stored alongside.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import Conflict

# The only fields that may change once a licence is stored: revocation, expiry, the rendered file.
MUTABLE_FIELDS = frozenset({"status", "revoked_at", "revoked_by", "revoke_reason", "pdf", "pdf_sha256"})


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已注销")
    EXPIRED = "expired", _("已过期")


class LicenceNumberSequence(models.Model):
    """Per-prefix, per-year counter for licence numbers; locked with select_for_update."""

    prefix = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="licence_number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Licence(models.Model):
    number = models.CharField(_("证照编号"), max_length=40, unique=True)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="licence", verbose_name=_("办件"))
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="licences",
                             verbose_name=_("事项"))
    licence_type = models.CharField(_("证照类型"), max_length=50, blank=True)
    title = models.CharField(_("证照名称"), max_length=200)
    holder_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="licences", verbose_name=_("持证人账户"))
    holder_name = models.CharField(_("持证人"), max_length=200)
    holder_id_masked = models.CharField(_("证件号码"), max_length=24, blank=True)
    holder_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="licences",
                                   verbose_name=_("发证部门"))
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="licences",
                                 verbose_name=_("发证区划"))
    data = models.JSONField(_("证照数据"))
    data_digest = models.CharField(_("数据摘要（SM3）"), max_length=64)
    signature = models.CharField(_("SM2 签名"), max_length=256)
    public_key = models.CharField(_("签名公钥"), max_length=200)
    verify_code = models.CharField(_("核验码"), max_length=16)
    issued_at = models.DateTimeField(_("发证时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("制证人"))
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("空表示长期有效"))
    status = models.CharField(_("状态"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.VALID,
                              db_index=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("注销人"))
    revoke_reason = models.TextField(_("注销原因"), blank=True)
    pdf = models.FileField(_("证照文件"), upload_to="licences/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"], name="licence_department_status_idx"),
            models.Index(fields=["holder_name"], name="licence_holder_name_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Issued licences are immutable: only ``MUTABLE_FIELDS`` may be saved again."""
        if self.pk is not None and not kwargs.get("force_insert"):
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= MUTABLE_FIELDS:
                raise Conflict(str(_("电子证照签发后不可修改，只能注销")), details={"number": self.number})
        super().save(*args, **kwargs)
