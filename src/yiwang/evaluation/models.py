"""好差评: service ratings (一事一评 online, 一次一评 at the window), rectification and appeals.

A rating has one *target* (a case, a window, a staff member, a department, a service hall or
the platform itself) and always records the *responsible department* and division it counts
against, so that statistics per department are one indexed ``GROUP BY``.

Bad ratings (不满意/非常不满意) open a :class:`Rectification` (差评整改) with a working-day clock;
the department may file an :class:`Appeal` (申诉复核), and an upheld appeal excludes the rating
from every statistic (``status = excluded``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Grade(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


# Grades counted as 差评 (bad) and as 好评 (good) in statistics.
BAD_GRADES: tuple[int, ...] = (Grade.DISSATISFIED, Grade.VERY_DISSATISFIED)
GOOD_GRADES: tuple[int, ...] = (Grade.VERY_SATISFIED, Grade.SATISFIED, Grade.BASICALLY_SATISFIED)


def is_bad(grade: int) -> bool:
    return int(grade) in BAD_GRADES


class BadReason(models.TextChoices):
    ATTITUDE = "attitude", _("态度不好")
    SLOW = "slow", _("效率低")
    MULTIPLE_TRIPS = "multiple_trips", _("多次跑腿")
    UNREASONABLE_MATERIALS = "materials", _("材料要求不合理")
    UNCLEAR_POLICY = "policy", _("政策不明")
    SYSTEM = "system", _("系统问题")
    FEES = "fees", _("乱收费")
    INTEGRITY = "integrity", _("吃拿卡要")
    OTHER = "other", _("其他")


class TargetKind(models.TextChoices):
    CASE = "case", _("办件")
    WINDOW = "window", _("窗口")
    STAFF = "staff", _("工作人员")
    DEPARTMENT = "department", _("部门")
    HALL = "hall", _("服务大厅")
    PLATFORM = "platform", _("平台")


class PlatformChannel(models.TextChoices):
    PC = "pc", _("电脑端")
    MOBILE = "mobile", _("移动端")
    HOTLINE = "hotline", _("热线")
    KIOSK = "kiosk", _("自助终端")


class RatingChannel(models.TextChoices):
    ONLINE = "online", _("网上评价")
    WINDOW = "window", _("窗口评价器")
    SMS = "sms", _("短信评价")


class RatingStatus(models.TextChoices):
    VALID = "valid", _("有效")
    UNDER_APPEAL = "under_appeal", _("申诉中")
    EXCLUDED = "excluded", _("已剔除")


class Rating(models.Model):
    target_kind = models.CharField(_("评价对象"), max_length=12, choices=TargetKind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="ratings", verbose_name=_("办件"))
    window = models.ForeignKey("org.Window", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="ratings", verbose_name=_("窗口"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="ratings_received", verbose_name=_("工作人员"))
    # The responsible department (also the target when target_kind == department).
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="ratings", verbose_name=_("责任部门"))
    hall = models.ForeignKey("org.ServiceHall", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="ratings", verbose_name=_("服务大厅"))
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("行政区划"))
    platform_channel = models.CharField(_("平台渠道"), max_length=10, choices=PlatformChannel.choices, blank=True)
    channel = models.CharField(_("评价渠道"), max_length=10, choices=RatingChannel.choices,
                               default=RatingChannel.ONLINE)
    grade = models.PositiveSmallIntegerField(_("评价等级"), choices=Grade.choices)
    reasons = models.JSONField(_("差评原因"), default=list, blank=True)
    comment = models.TextField(_("评价内容"), blank=True, max_length=1000)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="ratings_given", verbose_name=_("评价人"))
    rater_name_masked = models.CharField(_("评价人"), max_length=50, blank=True)
    named = models.BooleanField(_("实名评价"), default=False)
    rater_phone_enc = models.TextField(blank=True, editable=False)
    rater_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    # "u:<user id>" or "p:<phone blind index>"; empty for anonymous window ratings.
    rater_key = models.CharField(max_length=80, blank=True, editable=False)
    session = models.ForeignKey("evaluation.WindowSession", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="ratings", verbose_name=_("窗口服务"))
    status = models.CharField(_("状态"), max_length=14, choices=RatingStatus.choices,
                              default=RatingStatus.VALID, db_index=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rater_key"],
                condition=Q(target_kind="case") & ~Q(rater_key=""),
                name="rating_one_per_case_per_applicant",
            ),
            models.CheckConstraint(condition=Q(grade__gte=1) & Q(grade__lte=5), name="rating_grade_range"),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="rating_department_idx"),
            models.Index(fields=["window", "created_at"], name="rating_window_idx"),
            models.Index(fields=["staff", "created_at"], name="rating_staff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_kind_display()} · {self.get_grade_display()}"

    @property
    def is_bad(self) -> bool:
        return is_bad(self.grade)

    def reason_labels(self) -> list[str]:
        labels = dict(BadReason.choices)
        return [str(labels.get(r, r)) for r in self.reasons or []]


class RatingInvitation(models.Model):
    """一事一评: the rating link sent with the completion SMS. One per case."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="rating_invitation",
                                verbose_name=_("办件"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")

    def __str__(self) -> str:
        return str(self.case)


class WindowSession(models.Model):
    """一次一评: the service a clerk is currently giving at a window (shown on the evaluator device)."""

    window = models.ForeignKey("org.Window", on_delete=models.PROTECT, related_name="sessions",
                               verbose_name=_("窗口"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="window_sessions",
                              verbose_name=_("工作人员"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("部门"))
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("办件"))
    ticket = models.CharField(_("排队号"), max_length=20, blank=True)
    service = models.CharField(_("办理事项"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rated = models.BooleanField(_("已评价"), default=False)

    class Meta:
        verbose_name = _("窗口服务")
        verbose_name_plural = _("窗口服务")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["window", "rated", "started_at"], name="windowsession_current_idx")]

    def __str__(self) -> str:
        return f"{self.window_id} · {self.service or self.ticket}"


class WindowDevice(models.Model):
    """An evaluator tablet/kiosk bound to one window, authenticated by a secret token in its URL."""

    window = models.OneToOneField("org.Window", on_delete=models.CASCADE, related_name="evaluator_device")
    token_index = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评价器")
        verbose_name_plural = _("评价器")

    def __str__(self) -> str:
        return str(self.window_id)


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    RECTIFYING = "rectifying", _("整改中")
    DONE = "done", _("已整改")
    OVERDUE = "overdue", _("逾期")
    CANCELLED = "cancelled", _("已撤销")


class Rectification(models.Model):
    """差评整改: callback (回访核实), plan, result and feedback to the rater, on a working-day clock."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="rectification")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="rating_rectifications", verbose_name=_("责任部门"))
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("责任人"))
    callback_required = models.BooleanField(_("须回访"), default=True)
    callback_verified = models.BooleanField(_("回访核实属实"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    plan = models.TextField(_("整改措施"), blank=True)
    result = models.TextField(_("整改结果"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN, db_index=True)
    budget_workdays = models.PositiveSmallIntegerField(_("整改时限（工作日）"), default=15)
    start_date = models.DateField(_("起算日"))
    due_date = models.DateField(_("整改期限"), db_index=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    feedback_sent_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["department", "due_date"], name="rectification_department_idx")]

    def __str__(self) -> str:
        return str(self.rating)

    @property
    def on_time(self) -> bool | None:
        if self.done_on is None:
            return None
        return self.done_on <= self.due_date


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待复核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class Appeal(models.Model):
    """申诉复核: the department asks a supervisor to exclude a mistaken or malicious rating."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="appeals")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    reason = models.TextField(_("申诉理由"))
    evidence = models.TextField(_("证据说明"), blank=True)
    attachment = models.FileField(_("证据材料"), upload_to="ratings/appeals/%Y/%m/", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=AppealStatus.choices,
                              default=AppealStatus.PENDING, db_index=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("复核人"))
    review_note = models.TextField(_("复核意见"), blank=True)
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价申诉")
        verbose_name_plural = _("评价申诉")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rating"], condition=Q(status="pending"),
                                    name="appeal_one_pending_per_rating"),
        ]

    def __str__(self) -> str:
        return str(self.rating)
