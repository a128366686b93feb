"""绩效评估 Performance assessment: schemes (weights and grade thresholds), monthly assessments
and their scores per department, window and staff member.

* :class:`AssessmentScheme` — the configurable weights (按时办结率、满意度、整改及时率 and the
  alert component with penalties per warning/yellow/red/recommendation) and the grade thresholds
  (优秀/良好/合格/不合格). Edited in the admin (through :func:`services.scheme_save`).
* :class:`Assessment` — one month for one division subtree, ``draft`` until published.
* :class:`AssessmentScore` — one target's component values, total, grade and rank.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

_pct = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
_nonneg = [MinValueValidator(Decimal("0"))]


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class AssessmentScheme(models.Model):
    """考核方案: points per component (summing to 100) and grade thresholds."""

    name = models.CharField(_("方案名称"), max_length=100)
    is_default = models.BooleanField(_("默认方案"), default=False)
    weight_on_time = models.DecimalField(_("按时办结率权重（分）"), max_digits=5, decimal_places=2,
                                         default=Decimal("40"), validators=_pct)
    weight_satisfaction = models.DecimalField(_("满意率权重（分）"), max_digits=5, decimal_places=2,
                                              default=Decimal("30"), validators=_pct)
    weight_rectification = models.DecimalField(_("整改及时率权重（分）"), max_digits=5, decimal_places=2,
                                               default=Decimal("10"), validators=_pct)
    weight_alerts = models.DecimalField(_("预警扣分项满分（分）"), max_digits=5, decimal_places=2,
                                        default=Decimal("20"), validators=_pct)
    penalty_warning = models.DecimalField(_("每条提示扣分"), max_digits=5, decimal_places=2,
                                          default=Decimal("0.5"), validators=_nonneg)
    penalty_yellow = models.DecimalField(_("每张黄牌扣分"), max_digits=5, decimal_places=2,
                                         default=Decimal("2"), validators=_nonneg)
    penalty_red = models.DecimalField(_("每张红牌扣分"), max_digits=5, decimal_places=2,
                                      default=Decimal("5"), validators=_nonneg)
    penalty_recommendation = models.DecimalField(_("每份监察建议书扣分"), max_digits=5, decimal_places=2,
                                                 default=Decimal("10"), validators=_nonneg)
    threshold_excellent = models.DecimalField(_("优秀分数线"), max_digits=5, decimal_places=2,
                                              default=Decimal("90"), validators=_pct)
    threshold_good = models.DecimalField(_("良好分数线"), max_digits=5, decimal_places=2,
                                         default=Decimal("80"), validators=_pct)
    threshold_pass = models.DecimalField(_("合格分数线"), max_digits=5, decimal_places=2,
                                         default=Decimal("60"), validators=_pct)
    notes = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="assessment_scheme_one_default"),
            models.CheckConstraint(
                condition=Q(threshold_excellent__gte=models.F("threshold_good"))
                & Q(threshold_good__gte=models.F("threshold_pass")),
                name="assessment_scheme_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_weight(self) -> Decimal:
        return self.weight_on_time + self.weight_satisfaction + self.weight_rectification + self.weight_alerts

    def grade_for(self, total: Decimal) -> str:
        if total >= self.threshold_excellent:
            return Grade.EXCELLENT
        if total >= self.threshold_good:
            return Grade.GOOD
        if total >= self.threshold_pass:
            return Grade.PASS
        return Grade.FAIL


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Assessment(models.Model):
    """月度绩效考核: one month for one division subtree."""

    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("考核范围"))
    period = models.DateField(_("考核月份"), help_text=_("当月第一天"))
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="assessments",
                               verbose_name=_("考核方案"))
    scheme_snapshot = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT, db_index=True)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("发布人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("月度绩效考核")
        verbose_name_plural = _("月度绩效考核")
        ordering = ["-period", "division__code"]
        constraints = [
            models.UniqueConstraint(fields=["division", "period"], name="assessment_one_per_division_month"),
        ]

    def __str__(self) -> str:
        return f"{self.division} {self.period:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.period.year}年{self.period.month}月"

    @property
    def is_published(self) -> bool:
        return self.status == AssessmentStatus.PUBLISHED


class TargetKind(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    WINDOW = "window", _("窗口")
    STAFF = "staff", _("工作人员")


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    target_kind = models.CharField(_("考核对象类型"), max_length=12, choices=TargetKind.choices)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("部门"))
    window = models.ForeignKey("org.Window", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("窗口"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("工作人员"))
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("所属区划"))
    label = models.CharField(_("考核对象"), max_length=200)
    components = models.JSONField(_("分项"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    rank = models.PositiveIntegerField(_("排名"))

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["assessment_id", "target_kind", "rank", "id"]
        indexes = [models.Index(fields=["assessment", "target_kind", "rank"], name="score_rank_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.total}"
