"""API keys (接口密钥) for system-to-system calls: ``X-API-Key: yw_<prefix>_<secret>``.

Only an SM3 hash of the key is stored; the ``prefix`` (8 characters) identifies the key in lists
and logs. A key carries scopes (``api.scopes.SCOPES``) and may expire or be revoked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, unique=True)
    key_hash = models.CharField(_("密钥摘要（SM3）"), max_length=64, editable=False)
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("创建人"),
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (yw_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
