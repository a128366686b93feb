"""Working-day calendar (工作日历) and the clock ledger (办理时限台账).

* :class:`CalendarDay` — one row per date whose status is known: working day or not, and why
  (节假日 holiday, 调休上班 adjusted working day, weekend). Seeded from ``chinesecalendar``,
  edited by administrators through :func:`yiwang.calendar.services.calendar_day_set`.
* :class:`CalendarYear` — which years have official (complete) data. A year without one falls
  back to Monday–Friday and every answer that touches it carries a warning.
* :class:`Clock` — a time limit (时限) attached to any object: a budget plus suspensions
  (:class:`ClockSuspension`, 中止) and approved extensions (:class:`ClockExtension`, 延期).
  The due date is derived from these and stored so that it can be indexed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    NORMAL = "normal", _("工作日")
    HOLIDAY = "holiday", _("节假日")
    ADJUSTED_WORKDAY = "adjusted_workday", _("调休上班")
    WEEKEND = "weekend", _("周末")


class DaySource(models.TextChoices):
    SEED = "seed", _("初始数据")
    ADMIN = "admin", _("管理员维护")


class CalendarDay(models.Model):
    """工作日历中的一天."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("节日名称"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=DaySource.choices, default=DaySource.SEED)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("修改人"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year for which the State Council holiday arrangement has been entered (年度节假日安排)."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    complete = models.BooleanField(
        _("已发布完整安排"), default=True,
        help_text=_("勾选表示本年度节假日及调休安排已按国务院办公厅通知完整录入。"),
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class ClockUnit(models.TextChoices):
    WORKDAYS = "workdays", _("工作日")
    NATURAL_DAYS = "natural", _("自然日")
    HOURS = "hours", _("小时")


class ClockStatus(models.TextChoices):
    GREEN = "green", _("正常")
    YELLOW = "yellow", _("临近到期")
    RED = "red", _("已超期")
    PAUSED = "paused", _("已中止计时")
    DONE = "done", _("已办结")


class Clock(models.Model):
    """时限: a budget of days (or hours) counted from ``start_date`` for one object.

    ``due_date``/``due_at``/``status``/``remaining`` are a cache of
    :func:`yiwang.calendar.clocks.clock_state`, refreshed by every service and nightly.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    purpose = models.CharField(_("用途"), max_length=50, blank=True, default="")
    unit = models.CharField(_("计时单位"), max_length=10, choices=ClockUnit.choices, default=ClockUnit.WORKDAYS)
    budget = models.PositiveIntegerField(_("时限"))
    start_date = models.DateField(_("起算日"))
    started_at = models.DateTimeField(_("起算时间"))
    yellow_threshold = models.PositiveIntegerField(_("预警阈值"), null=True, blank=True)
    due_date = models.DateField(_("到期日"), db_index=True)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ClockStatus.choices, default=ClockStatus.GREEN,
                              db_index=True)
    remaining = models.IntegerField(_("剩余"), default=0)
    status_at = models.DateField(_("状态计算日"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="clock_object_idx"),
            models.Index(fields=["status", "due_date"], name="clock_status_due_idx",
                         condition=Q(stopped_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.get_unit_display()} / {self.start_date.isoformat()}"

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None


class SuspensionKind(models.TextChoices):
    """Time not counted (行政许可法 Art. 45; 补正; 政府信息公开条例 Art. 32/34 征求意见)."""

    HEARING = "hearing", _("听证")
    TENDER = "tender", _("招标")
    AUCTION = "auction", _("拍卖")
    INSPECTION = "inspection", _("检验、检测、检疫")
    APPRAISAL = "appraisal", _("鉴定")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    SUPPLEMENT = "supplement", _("补正")
    CONSULTATION = "consultation", _("征求第三方意见")
    OTHER = "other", _("其他")


class ClockSuspension(models.Model):
    """中止计时: working days in (start, end] are not counted. An open one pauses the clock."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(_("中止事由类型"), max_length=20, choices=SuspensionKind.choices)
    reason = models.TextField(_("中止事由"))
    start = models.DateField(_("中止日"))
    end = models.DateField(_("恢复日"), null=True, blank=True)
    started_at = models.DateTimeField(_("中止时间"))
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("中止计时")
        verbose_name_plural = _("中止计时")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="clock_suspension_ordered"),
        ]

    def __str__(self) -> str:
        end = self.end.isoformat() if self.end else "…"
        return f"{self.get_kind_display()} {self.start.isoformat()}–{end}"


class ClockExtension(models.Model):
    """延期: extra days (in the clock's unit) approved by someone with authority (行政许可法 Art. 42)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extensions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("批准人"))
    reason = models.TextField(_("延期理由"))
    days = models.PositiveIntegerField(_("延长天数"))
    approved_at = models.DateTimeField(_("批准时间"))

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        ordering = ["approved_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(days__gt=0), name="clock_extension_positive")]

    def __str__(self) -> str:
        return f"+{self.days} ({self.approved_at:%Y-%m-%d})"
