"""办件 Cases: applications, acceptance (行政许可法 Art. 32), handling steps, decisions, notices, fees.

A case keeps the service-item version it was opened under. Its workflow state (SpiffWorkflow,
behind ``yiwang.workflow.engine``) is stored here without the process spec; the rest of the
platform sees only ``Case`` and ``CaseStep``. Clocks (acceptance, handling, each step) are
``calendar.Clock`` rows attached to the case or step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口受理")
    AGENT = "agent", _("村级代办")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待受理")
    SUPPLEMENT = "supplement", _("待补正")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("特别程序中")
    REJECTED = "rejected", _("不予受理")
    NOT_LICENSING = "not_licensing", _("不属于许可事项")
    GRANTED = "granted", _("准予许可")
    DENIED = "denied", _("不予许可")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED,
                 CaseStatus.GRANTED)
CLOSED_STATUSES = (CaseStatus.REJECTED, CaseStatus.NOT_LICENSING, CaseStatus.DENIED, CaseStatus.COMPLETED,
                   CaseStatus.WITHDRAWN)


class Decision(models.TextChoices):
    GRANT = "grant", _("准予")
    DENY = "deny", _("不予")


class CaseNumberSequence(models.Model):
    """Per-prefix, per-year counter for case numbers; locked with select_for_update."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="case_number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}/{self.year}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=32, unique=True, null=True, blank=True)
    query_code = models.CharField(_("查询码"), max_length=12, blank=True)
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="cases")
    version = models.ForeignKey("catalog.ServiceItemVersion", on_delete=models.PROTECT, related_name="cases",
                                verbose_name=_("事项版本"))
    # Applicant (申请人): a snapshot, because window and agent filings may be for people without accounts.
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="cases_applied")
    applicant_kind = models.CharField(_("申请人类型"), max_length=12, choices=ApplicantKind.choices,
                                      default=ApplicantKind.PERSON)
    applicant_name = models.CharField(_("申请人"), max_length=200)
    applicant_id_enc = models.TextField(blank=True, editable=False)
    applicant_id_masked = models.CharField(_("证件号码"), max_length=24, blank=True)
    applicant_phone_enc = models.TextField(blank=True, editable=False)
    applicant_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    applicant_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # How it arrived.
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="cases_filed", verbose_name=_("代办/窗口人员"))
    filed_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    # Where it is handled.
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("办理区划"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="cases",
                                   verbose_name=_("办理部门"))
    handling_level = models.CharField(_("办理层级"), max_length=10, default="county")
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT,
                              db_index=True)
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Dates that the law counts from.
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    materials_received_on = models.DateField(_("材料收到日"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("视为受理"), default=False)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decision = models.CharField(_("决定"), max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    outcome_note = models.TextField(_("处理说明"), blank=True, help_text=_("不予受理理由、有权机关等"))
    competent_agency = models.CharField(_("有权机关"), max_length=200, blank=True)
    # Workflow state (SpiffWorkflow, serialized without the spec).
    workflow_state = models.JSONField(null=True, blank=True, editable=False)
    # Fees (一费制).
    fee_due = models.DecimalField(_("应收费用"), max_digits=12, decimal_places=2, default=0)
    fee_paid = models.DecimalField(_("已收费用"), max_digits=12, decimal_places=2, default=0)
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "department"], name="case_status_department_idx"),
            models.Index(fields=["division", "status"], name="case_division_status_idx"),
            models.Index(fields=["applicant_user", "status"], name="case_applicant_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 #{self.pk}"


class StepStatus(models.TextChoices):
    READY = "ready", _("待办")
    CLAIMED = "claimed", _("办理中")
    COMPLETED = "completed", _("已完成")
    RETURNED = "returned", _("已退回")
    TRANSFERRED = "transferred", _("已转办")
    CANCELLED = "cancelled", _("已取消")


class CaseStep(models.Model):
    """One user task of the case's process (or a countersign added to one)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    task_id = models.CharField(max_length=64, blank=True, help_text="workflow engine task id")
    spec_name = models.CharField(max_length=100)
    name = models.CharField(_("环节"), max_length=100)
    step_kind = models.CharField(max_length=20)
    role = models.CharField(_("角色"), max_length=30)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=StepStatus.choices, default=StepStatus.READY,
                              db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="case_steps")
    assignee_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="countersigns",
                               verbose_name=_("加签自"))
    sequence = models.PositiveIntegerField(default=0)
    step_days = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_level = models.PositiveSmallIntegerField(null=True, blank=True)
    opinion = models.TextField(_("审查意见"), blank=True)
    outcome = models.CharField(_("结论"), max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    completed_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="+")

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["case_id", "sequence", "id"]
        indexes = [models.Index(fields=["status", "role", "department"], name="casestep_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"


class CaseMaterial(models.Model):
    """An uploaded material (申请材料), kept with its SHA-256; superseded files stay."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    is_current = models.BooleanField(default=True)
    supplement_notice = models.ForeignKey("SupplementNotice", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="materials")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.original_name})"


class SupplementNotice(models.Model):
    """补正材料通知书: one notice listing everything missing (一次性告知)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_notices")
    sequence = models.PositiveSmallIntegerField(default=1)
    items = models.JSONField(help_text="[{material_id, name, problem}]")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")
    issued_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("批准再次补正"))
    override_reason = models.TextField(blank=True)
    flagged = models.BooleanField(_("违反一次性告知（已标记）"), default=False)

    class Meta:
        verbose_name = _("补正通知")
        verbose_name_plural = _("补正通知")
        constraints = [models.UniqueConstraint(fields=["case", "sequence"], name="supplement_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.case} · 补正 #{self.sequence}"


class NoticeKind(models.TextChoices):
    ACCEPT = "accept", _("受理通知书")
    SUPPLEMENT = "supplement", _("补正材料通知书")
    REJECT = "reject", _("不予受理决定书")
    NOT_LICENSING = "not_licensing", _("不属于许可事项告知书")
    SPECIAL = "special", _("特别程序告知书")
    EXTENSION = "extension", _("延期告知书")
    GRANT = "grant", _("准予许可决定书")
    DENY = "deny", _("不予许可决定书")


class CaseNotice(models.Model):
    """A dated written notice (文书), generated as a PDF and kept with its checksum."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("文书类型"), max_length=16, choices=NoticeKind.choices)
    number = models.CharField(_("文号"), max_length=64, unique=True)
    file = models.FileField(upload_to="notices/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    context = models.JSONField(default=dict, blank=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["case_id", "issued_at"]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """The case's public timeline (办理进度), shown to the applicant."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    actor_label = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.title}"


class Payment(models.Model):
    """A fee payment (一费制); the default backend records an offline payment entered at the window."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    backend = models.CharField(max_length=30, default="offline")
    receipt_no = models.CharField(_("票据号"), max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("缴费记录")
        verbose_name_plural = _("缴费记录")
        constraints = [
            models.UniqueConstraint(fields=["backend", "receipt_no"], name="payment_receipt_unique",
                                    condition=~Q(receipt_no="")),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.amount} ({self.receipt_no})"


class CaseDeferral(models.Model):
    """容缺受理: a secondary material accepted as missing against the applicant's written promise
    (承诺书) to supply it by ``due_date`` (the item's ``deferral_days`` working days after acceptance,
    counted by a ``calendar`` clock with purpose ``deferral``). Until it is supplied the case cannot
    be decided."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deferrals")
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("容缺材料"), max_length=200)
    promise_text = models.TextField(_("承诺书内容"))
    promised_by = models.CharField(_("承诺人"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="+")
    recorded_at = models.DateTimeField()
    due_date = models.DateField(_("承诺补交期限"))
    supplied_at = models.DateTimeField(_("补交时间"), null=True, blank=True)
    supplied_material = models.ForeignKey(CaseMaterial, on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+")

    class Meta:
        verbose_name = _("容缺受理承诺")
        verbose_name_plural = _("容缺受理承诺")
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "material"], name="case_deferral_unique")]

    def __str__(self) -> str:
        return f"{self.case} · 容缺 {self.name}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class SupplementOverrideRequest(models.Model):
    """A clerk's request for a second supplement notice (违反一次性告知). An override is given by the
    person who overrides: the notice waits until a supervisor approves it in their own session."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_override_requests")
    items = models.JSONField(help_text="[{key, material_id, name, problem}]")
    reason = models.TextField(_("再次补正的理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    asked_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("请求批准的监督人员"))
    status = models.CharField(_("状态"), max_length=10, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_by_position = models.ForeignKey("org.Position", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    notice = models.OneToOneField(SupplementNotice, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="override_request")

    class Meta:
        verbose_name = _("再次补正批准申请")
        verbose_name_plural = _("再次补正批准申请")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(status="pending"),
                                               name="one_pending_override_per_case")]

    def __str__(self) -> str:
        return f"{self.case} · 再次补正申请 ({self.status})"
