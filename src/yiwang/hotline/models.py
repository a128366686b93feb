"""12345 hotline and government mailbox (政务服务便民热线 / 政府信箱): work orders (工单).

Closed loop (国办发〔2020〕53号): 受理 → 派单 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价.

* :class:`Ticket` — one request from a citizen, whatever the channel (phone, mailbox, SMS, Open311, web).
* :class:`DispatchRule` — the dispatch catalogue (派单目录): matter type × division → lead unit (+ assisting units).
* :class:`ServiceLevel` — category × urgency → time budget on the shared calendar clock.
* :class:`Assignment` — a ticket given to a unit (主办/协办), possibly re-dispatched by a township
  to a village (``parent``); a unit may return it (退单) and the centre reviews the objection.
* :class:`Reply` — what the unit did; reviewed by the centre before it goes to the caller.
* :class:`Callback` — 回访: satisfaction and whether the matter was resolved.
* :class:`Escalation` — 催办 (yellow light) and 督办 (red light), one per ticket, level and round.
* :class:`KnowledgeArticle` — 知识库, written by departments, reviewed by the centre, with an expiry date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import crypto
from yiwang.core.masking import mask_phone


class Category(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    MAILBOX = "mailbox", _("政府信箱")
    SMS = "sms", _("短信")
    OPEN311 = "open311", _("Open311 接口")
    WEB = "web", _("网站/移动端")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class TicketStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    DIVERTED = "diverted", _("不予受理/引导")
    CLOSED_ON_SPOT = "closed_on_spot", _("直接办结")
    DISPATCHED = "dispatched", _("已派单")
    HANDLING = "handling", _("办理中")
    RETURNED = "returned", _("退单待审")
    REPLIED = "replied", _("已答复待审")
    CALLBACK = "callback", _("待回访")
    CLOSED = "closed", _("已办结")
    REOPENED = "reopened", _("重办")
    MERGED = "merged", _("已并单")


OPEN_STATUSES = (
    TicketStatus.REGISTERED,
    TicketStatus.DISPATCHED,
    TicketStatus.HANDLING,
    TicketStatus.RETURNED,
    TicketStatus.REPLIED,
    TicketStatus.REOPENED,
)
# Statuses during which the handling unit's clock runs (used by the escalation sweep).
CLOCK_STATUSES = (TicketStatus.DISPATCHED, TicketStatus.HANDLING, TicketStatus.RETURNED, TicketStatus.REOPENED)
FINAL_STATUSES = (TicketStatus.CLOSED, TicketStatus.CLOSED_ON_SPOT, TicketStatus.DIVERTED, TicketStatus.MERGED)


class DiversionKind(models.TextChoices):
    """北京市接诉即办工作条例 Art. 11: requests that are not accepted but redirected."""

    EMERGENCY = "emergency", _("紧急警情（110/119/120/122）")
    OTHER_CHANNEL = "other_channel", _("应通过诉讼、仲裁、复议、信访等法定途径解决")
    REPEAT_NO_NEW_FACTS = "repeat_no_new_facts", _("重复诉求且无新情况")
    PRIVACY_SECRET = "privacy_secret", _("涉及国家秘密、商业秘密或个人隐私")
    UNLAWFUL = "unlawful", _("诉求违反法律法规")


class PublicationStatus(models.TextChoices):
    """Review of a letter for publication (公开审核): nothing the citizen wrote is public before approval."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("审核公开")
    REJECTED = "rejected", _("不予公开")


class MatterType(models.Model):
    """事项类型: what the ticket is about (噪音扰民, 道路破损 …), a small tree."""

    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    default_category = models.CharField(_("默认类别"), max_length=12, choices=Category.choices, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("事项类型")
        verbose_name_plural = _("事项类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DispatchRule(models.Model):
    """派单目录: matter type × division → lead unit (+ assisting units).

    ``division`` null = the whole county; a rule for a more specific division (deeper path) wins.
    """

    matter_type = models.ForeignKey(MatterType, on_delete=models.CASCADE, related_name="rules",
                                    verbose_name=_("事项类型"))
    division = models.ForeignKey("org.Division", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("区划"))
    lead_unit = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("主办单位"))
    assisting_units = models.ManyToManyField("org.Department", blank=True, related_name="+",
                                             verbose_name=_("协办单位"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["matter_type__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["matter_type", "division"], name="dispatch_rule_unique",
                                    condition=Q(is_active=True)),
        ]

    def __str__(self) -> str:
        return f"{self.matter_type} → {self.lead_unit}"


class ServiceLevel(models.Model):
    """时限标准: category × urgency → budget on the shared clock (configurable in the admin).

    ``category`` blank = any category. The most specific row wins. Defaults (seeded): urgent 24
    natural hours; normal 5 working days; consultation 1 working day.
    """

    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    budget = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("计时单位"), max_length=10, default="workdays")  # calendar.ClockUnit values
    yellow_threshold = models.PositiveIntegerField(_("预警阈值"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限标准")
        verbose_name_plural = _("时限标准")
        ordering = ["urgency", "category"]
        constraints = [models.UniqueConstraint(fields=["category", "urgency"], name="service_level_unique")]

    def __str__(self) -> str:
        return f"{self.get_category_display() or '*'} / {self.get_urgency_display()}: {self.budget} {self.unit}"


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=24, unique=True)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=TicketChannel.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    content = models.TextField(_("诉求内容"))
    caller_name = models.CharField(_("来电人"), max_length=60, blank=True)
    caller_phone_enc = models.TextField(_("联系电话（密文）"), blank=True, editable=False)
    caller_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    caller_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    caller_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="hotline_tickets")
    anonymous = models.BooleanField(_("匿名"), default=False)
    publish_consent = models.BooleanField(_("同意公开"), default=False)
    publication_status = models.CharField(_("公开审核"), max_length=10, choices=PublicationStatus.choices,
                                          default=PublicationStatus.PENDING)
    published_title = models.CharField(_("公开标题"), max_length=200, blank=True)
    published_content = models.TextField(_("公开内容"), blank=True)
    published_address = models.CharField(_("公开地址"), max_length=200, blank=True)
    publication_note = models.CharField(_("公开审核意见"), max_length=500, blank=True)
    publication_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                                blank=True, related_name="+")
    publication_reviewed_at = models.DateTimeField(_("公开审核时间"), null=True, blank=True)
    query_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("区划"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    matter_type = models.ForeignKey(MatterType, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="tickets", verbose_name=_("事项类型"))
    status = models.CharField(_("状态"), max_length=16, choices=TicketStatus.choices,
                              default=TicketStatus.REGISTERED)
    lead_unit = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("主办单位"))
    diversion_kind = models.CharField(_("引导类型"), max_length=24, choices=DiversionKind.choices, blank=True)
    diversion_reason = models.TextField(_("引导理由"), blank=True)
    diversion_message = models.TextField(_("告知内容"), blank=True)
    kb_article = models.ForeignKey("KnowledgeArticle", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("引用知识"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_tickets")
    related_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    leader_flag = models.BooleanField(_("呈领导批示"), default=False)
    service_code = models.CharField(_("Open311 服务代码"), max_length=30, blank=True)
    token = models.CharField(_("Open311 令牌"), max_length=40, blank=True, db_index=True)
    expected_at = models.DateTimeField(_("应办结时间"), null=True, blank=True)
    light = models.CharField(_("亮灯"), max_length=10, blank=True, default="")
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "lead_unit"], name="ticket_status_unit_idx"),
            models.Index(fields=["division", "created_at"], name="ticket_division_created_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def set_caller_phone(self, value: str) -> None:
        value = (value or "").strip()
        self.caller_phone_enc = crypto.encrypt(value, associated=b"ticket-phone") if value else ""
        self.caller_phone_index = crypto.blind_index(value, purpose="phone") if value else ""
        self.caller_phone_masked = mask_phone(value)

    def decrypt_caller_phone(self) -> str:
        return crypto.decrypt(self.caller_phone_enc, associated=b"ticket-phone") if self.caller_phone_enc else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey("Reply", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    file = models.FileField(upload_to="hotline/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACCEPTED = "accepted", _("办理中")
    REDISPATCHED = "redispatched", _("已转派")
    RETURNED = "returned", _("已退单")
    REPLIED = "replied", _("已答复")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤回")


class ReturnReview(models.TextChoices):
    NONE = "", _("—")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("同意退单")
    REJECTED = "rejected", _("驳回退单")


class Assignment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("承办单位"))
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("转派至村/网格"))
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    status = models.CharField(_("状态"), max_length=14, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.PENDING)
    note = models.TextField(_("派单意见"), blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    dispatched_at = models.DateTimeField(default=timezone.now)
    return_reason = models.TextField(_("退单理由"), blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_review_status = models.CharField(_("退单审核"), max_length=10, choices=ReturnReview.choices,
                                            blank=True, default="")
    return_review_note = models.TextField(_("审核意见"), blank=True)
    clock = models.ForeignKey("calendar.Clock", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        ordering = ["id"]
        indexes = [models.Index(fields=["unit", "status"], name="assignment_unit_status_idx")]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.unit}"


class ReplyStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待审核")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("退回修改")


class Reply(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    assignment = models.ForeignKey(Assignment, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="replies")
    unit = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("办理情况及答复"))
    status = models.CharField(_("状态"), max_length=16, choices=ReplyStatus.choices,
                              default=ReplyStatus.PENDING_REVIEW)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    propagated_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.unit}"


class CallbackMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    SMS = "sms", _("短信回访")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Callback(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    method = models.CharField(_("回访方式"), max_length=8, choices=CallbackMethod.choices)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    resolved = models.BooleanField(_("问题已解决"), default=False)
    note = models.TextField(_("回访记录"), blank=True)
    round = models.PositiveSmallIntegerField(default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_satisfaction_display()}"


class LeaderInstruction(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("批示内容"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.text[:20]}"


class EscalationLevel(models.TextChoices):
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


class EscalationKind(models.TextChoices):
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")


class Escalation(models.Model):
    """One per (ticket, level, round): ``round`` is the ticket's reopen count, so a reopened ticket
    can be urged again, but the sweep never urges twice for the same light."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    unit = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    level = models.CharField(_("亮灯"), max_length=8, choices=EscalationLevel.choices)
    kind = models.CharField(_("方式"), max_length=10, choices=EscalationKind.choices)
    round = models.PositiveSmallIntegerField(default=0)
    notice = models.TextField(_("通知内容"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("催办督办")
        verbose_name_plural = _("催办督办")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "level", "round"], name="escalation_once")]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_kind_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class ExtensionRequest(models.Model):
    """延期申请: the unit asks, the centre decides (``clock_extend`` on approval)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extension_requests")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    days = models.PositiveIntegerField(_("延长天数"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket} +{self.days}"


class TicketEvent(models.Model):
    """Timeline (工单流转记录) shown on the ticket page; the audit log is the legal record."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    unit = models.ForeignKey("org.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    public = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.ticket} {self.kind}"


class KnowledgeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")


class KnowledgeArticle(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    question = models.TextField(_("问题"))
    answer = models.TextField(_("答复口径"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("编写部门"))
    status = models.CharField(_("状态"), max_length=10, choices=KnowledgeStatus.choices,
                              default=KnowledgeStatus.DRAFT)
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    review_note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_on"], name="kb_status_expiry_idx")]

    def __str__(self) -> str:
        return self.title


class HotlineConfig(models.Model):
    """Single-row configuration (管理员可调): reopen limit, duplicate window."""

    max_reopens = models.PositiveSmallIntegerField(_("最多重办次数"), default=2)
    duplicate_window_days = models.PositiveSmallIntegerField(_("重复诉求判定天数"), default=30)

    class Meta:
        verbose_name = _("热线参数")
        verbose_name_plural = _("热线参数")

    def __str__(self) -> str:
        return str(_("热线参数"))
