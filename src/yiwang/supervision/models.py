"""电子监察 Electronic supervision: rules (data), alerts (预警 → 纠错) and risk points (风险点).

* :class:`Rule` — one supervision rule, identified by ``code`` (the Python implementation in
  :mod:`yiwang.supervision.rules`), switchable and with thresholds in ``params``;
  :class:`RuleOverride` narrows it per item, department or alert level.
* :class:`Alert` — one finding of one rule on one object at one level (unique: idempotent).
* :class:`AlertAction` — the alert's lifecycle trail (notify / explain / correct / verify / escalate / close).
* :class:`RiskPoint` / :class:`RiskConfirmation` — risk points on process steps; steps at levels 1–2
  need a second person's confirmation and are always monitored.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    TIME_LIMIT = "time_limit", _("时限监察")
    PROCEDURE = "procedure", _("程序监察")
    FEE = "fee", _("收费监察")
    RISK = "risk", _("风险点监察")


class Rule(models.Model):
    code = models.CharField(_("规则代码"), max_length=50, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=RuleKind.choices)
    description = models.TextField(_("说明"), blank=True)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("监察规则")
        verbose_name_plural = _("监察规则")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("提示")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")
    RECOMMENDATION = "recommendation", _("监察建议书")


LEVEL_RANK: dict[str, int] = {AlertLevel.WARNING: 1, AlertLevel.YELLOW: 2, AlertLevel.RED: 3, AlertLevel.RECOMMENDATION: 4}


class RuleOverride(models.Model):
    """Scope override: switch a rule off, or change its thresholds, for an item / department / level."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="overrides")
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("事项"))
    department = models.ForeignKey("org.Department", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", verbose_name=_("部门"))
    level = models.CharField(_("预警级别"), max_length=20, choices=AlertLevel.choices, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)

    class Meta:
        verbose_name = _("规则适用调整")
        verbose_name_plural = _("规则适用调整")
        ordering = ["rule_id", "id"]

    def __str__(self) -> str:
        return f"{self.rule.code} · {self.item_id or '-'}/{self.department_id or '-'}/{self.level or '-'}"


class AlertStatus(models.TextChoices):
    RAISED = "raised", _("已生成")
    NOTIFIED = "notified", _("已通知")
    EXPLAINED = "explained", _("已说明")
    CORRECTED = "corrected", _("已纠错")
    VERIFIED = "verified", _("已核实")
    ESCALATED = "escalated", _("已督办")
    CLOSED = "closed", _("已关闭")
    AUTO_RESOLVED = "auto_resolved", _("已自动消除")


OPEN_ALERT_STATUSES = (AlertStatus.RAISED, AlertStatus.NOTIFIED, AlertStatus.EXPLAINED, AlertStatus.CORRECTED,
                       AlertStatus.VERIFIED, AlertStatus.ESCALATED)
FINAL_ALERT_STATUSES = (AlertStatus.CLOSED, AlertStatus.AUTO_RESOLVED)


class Alert(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("规则"))
    level = models.CharField(_("级别"), max_length=20, choices=AlertLevel.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
                             verbose_name=_("办件"))
    # Denormalised from the case/step for filtering; no database constraint, so that the sweep's bulk
    # INSERT … SELECT is not slowed by a foreign-key check per column per row.
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.DO_NOTHING, null=True, blank=True,
                             related_name="+", verbose_name=_("事项"), db_constraint=False)
    department = models.ForeignKey("org.Department", on_delete=models.DO_NOTHING, null=True, blank=True,
                                   related_name="+", verbose_name=_("责任部门"), db_constraint=False)
    division = models.ForeignKey("org.Division", on_delete=models.DO_NOTHING, null=True, blank=True,
                                 related_name="+", verbose_name=_("区划"), db_constraint=False)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True,
                                         blank=True, related_name="+", verbose_name=_("责任人"), db_constraint=False)
    responsible_position = models.ForeignKey("org.Position", on_delete=models.DO_NOTHING, null=True, blank=True,
                                             related_name="+", db_constraint=False)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.RAISED,
                              db_index=True)
    message = models.CharField(_("预警内容"), max_length=500)
    detail = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(_("生成时间"))
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "content_type", "object_id", "level"],
                                    name="alert_one_per_rule_object_level"),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="alert_object_idx"),
            models.Index(fields=["department", "status"], name="alert_department_status_idx"),
            models.Index(fields=["division", "status"], name="alert_division_status_idx"),
            models.Index(fields=["level", "status"], name="alert_level_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.message}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERT_STATUSES


class ActionKind(models.TextChoices):
    NOTIFY = "notify", _("通知")
    EXPLAIN = "explain", _("情况说明")
    CORRECT = "correct", _("纠错")
    VERIFY = "verify", _("核实")
    ESCALATE = "escalate", _("督办")
    CLOSE = "close", _("关闭")
    REOPEN = "reopen", _("重新打开")
    AUTO_RESOLVE = "auto_resolve", _("自动消除")


class AlertAction(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("动作"), max_length=16, choices=ActionKind.choices)
    text = models.TextField(_("说明"), blank=True)
    attachment = models.FileField(_("附件"), upload_to="supervision/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    position = models.ForeignKey("org.Position", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("预警处置记录")
        verbose_name_plural = _("预警处置记录")
        ordering = ["alert_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.get_kind_display()}"


class RiskPoint(models.Model):
    """风险点 on a process step (by item and/or BPMN task spec name)."""

    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("事项"))
    spec_name = models.CharField(_("环节标识"), max_length=100)
    level = models.PositiveSmallIntegerField(_("风险等级"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))])
    description = models.TextField(_("风险描述"))
    control_measure = models.TextField(_("防控措施"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")
        ordering = ["level", "spec_name"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=3), name="riskpoint_level_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.spec_name} L{self.level}"


class RiskConfirmation(models.Model):
    """Second confirmation (双人复核) of a step at a level 1–2 risk point, by someone other than its completer."""

    step = models.OneToOneField("cases.CaseStep", on_delete=models.CASCADE, related_name="risk_confirmation")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey("org.Position", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(_("复核意见"), blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("风险点复核")
        verbose_name_plural = _("风险点复核")

    def __str__(self) -> str:
        return f"{self.step_id} ✓ {self.confirmed_by_id}"
