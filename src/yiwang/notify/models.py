"""Notifications (通知): messages to a person by SMS, email and the in-app inbox (站内信).

Every notification is a :class:`Message` row: the delivery log and the inbox are the same table.
Phone numbers and email addresses are never stored here in clear: ``destination`` is masked, and
the clear address is read from the recipient (decrypted) only at the moment of sending.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    INBOX = "inbox", _("站内消息")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("已跳过")


class NotificationTemplate(models.Model):
    """通知模板: one text per (code, channel). Bodies use Django template placeholders ``{{ name }}``."""

    code = models.CharField(_("模板代码"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    sms_template_id = models.CharField(
        _("短信平台模板编号"), max_length=64, blank=True, help_text=_("在短信网关备案的模板编号，仅短信渠道使用")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        ordering = ["code", "channel"]
        constraints = [models.UniqueConstraint(fields=["code", "channel"], name="notify_template_code_channel")]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_channel_display()})"


class Message(models.Model):
    """一条通知: one message to one person on one channel."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages", verbose_name=_("接收人"),
        null=True, blank=True,
    )
    # For people without an account (window/agent filings, hotline callers): the SM4-encrypted
    # number and its keyed blind index (dedupe), used only when ``recipient`` is empty.
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    template = models.CharField(_("模板代码"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    sms_template_id = models.CharField(max_length=64, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    destination = models.CharField(_("接收地址（脱敏）"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知消息")
        verbose_name_plural = _("通知消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notify_message_dedupe",
            ),
            models.UniqueConstraint(
                fields=["phone_index", "channel", "dedupe_key"],
                condition=~Q(dedupe_key="") & Q(recipient__isnull=True),
                name="notify_message_phone_dedupe",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "channel", "read_at"], name="notify_msg_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.destination or self.recipient_id}: {self.subject or self.template}"

    @property
    def is_unread(self) -> bool:
        return self.channel == Channel.INBOX and self.read_at is None
