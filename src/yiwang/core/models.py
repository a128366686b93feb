"""Tamper-evident audit trail (审计日志).

Events are append-only and chained by SM3 per partition; the heads of all partitions are
periodically signed with SM2 into an :class:`AuditAnchor`. Partitions keep concurrent
writers on different objects from queueing behind one row lock.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    partition = models.PositiveSmallIntegerField(_("分区"))
    seq = models.PositiveBigIntegerField(_("序号"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    position_id = models.BigIntegerField(null=True, blank=True)
    position_label = models.CharField(_("岗位"), max_length=200, blank=True)
    action = models.CharField(_("动作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [models.UniqueConstraint(fields=["partition", "seq"], name="audit_partition_seq_unique")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        ordering = ["-occurred_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The latest event of one partition; locked while appending to that partition."""

    partition = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.partition}#{self.seq}"


class AuditAnchor(models.Model):
    """An SM2-signed snapshot of every partition head (锚点)."""

    created_at = models.DateTimeField(db_index=True)
    heads = models.JSONField(help_text="{partition: [seq, hash]}")
    # The digest of the previous anchor: anchors form their own SM3 chain, so the newest valid
    # signature vouches for every earlier anchor too.
    prev_digest = models.CharField(max_length=64, default="0" * 64)
    digest = models.CharField(max_length=64, help_text="SM3 of the canonical JSON that is signed")
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=130)

    class Meta:
        verbose_name = _("审计锚点")
        verbose_name_plural = _("审计锚点")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.digest[:16]}"


class PeriodicRun(models.Model):
    """One claimed slot of a periodic task (定时任务执行记录): the unique pair makes it run once.

    Every huey consumer with the scheduler on enqueues each periodic task; the first to insert
    ``(name, slot)`` runs the body, the others skip. See :mod:`yiwang.core.periodic`.
    """

    name = models.CharField(_("任务"), max_length=150)
    slot = models.DateTimeField(_("计划时间"))
    claimed_by = models.CharField(_("执行者"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务执行记录")
        verbose_name_plural = _("定时任务执行记录")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_name_slot_unique")]
        ordering = ["-slot", "name"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
