"""Service catalogue (事项目录): items of the implementation list (实施清单), versioned (动态管理).

A :class:`ServiceItem` is the stable identity (基本编码). Its content lives in
:class:`ServiceItemVersion` rows: an edit creates a draft, an administrator publishes it, and
the previously published version is retired. Published and retired versions are frozen, because
cases keep the version they were opened under. Change them only through ``catalog.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.errors import Conflict


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    BENEFIT = "benefit", _("行政给付")
    REWARD = "reward", _("行政奖励")
    ADJUDICATION = "adjudication", _("行政裁决")
    FILING = "filing", _("备案")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class HandlingLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）代办")


class Audience(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人和其他组织")


class ThemeKind(models.TextChoices):
    THEME = "theme", _("主题")
    LIFE_EVENT = "life_event", _("人生事件/企业生命周期")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class BusinessKind(models.TextChoices):
    NEW = "new", _("新设")
    CHANGE = "change", _("变更")
    RENEW = "renew", _("延续")
    CANCEL = "cancel", _("注销")


class LimitUnit(models.TextChoices):
    # A context of their own: in English these read "10 working days", unlike the calendar's
    # one-word day-kind labels that share the Chinese text.
    WORKDAYS = "workdays", pgettext_lazy("time limit unit", "工作日")
    NATURAL = "natural", pgettext_lazy("time limit unit", "自然日")


class ResultType(models.TextChoices):
    LICENCE = "licence", _("证照")
    APPROVAL = "approval", _("批文")
    OTHER = "other", _("其他")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ELECTRONIC = "electronic", _("电子件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件及复印件")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    INTERMEDIARY = "intermediary", _("中介机构出具")
    OTHER = "other", _("其他")


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
FROZEN_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.RETIRED)
# Fields that may change on a published/retired version: its lifecycle only.
LIFECYCLE_FIELDS = frozenset({"status", "reviewed_by", "published_at", "review_note"})


class Theme(models.Model):
    """主题/人生事件: 生育、入学、就业、养老 for people; 开办企业 … for enterprises."""

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    audience = models.CharField(_("面向对象"), max_length=12, choices=Audience.choices)
    kind = models.CharField(_("类别"), max_length=12, choices=ThemeKind.choices, default=ThemeKind.THEME)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["audience", "order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """事项: the stable identity of an item (基本编码); its content lives in versions."""

    base_code = models.CharField(_("基本编码"), max_length=12, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="service_items",
                                   verbose_name=_("实施主体"))
    published_version = models.OneToOneField(
        "ServiceItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("现行版本"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["base_code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.base_code}）"


class ServiceItemVersion(models.Model):
    """One version of an item's implementation-list content (实施清单要素)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    # identity and authority
    implementation_code = models.CharField(_("实施编码"), max_length=36)
    business_code = models.CharField(_("业务办理项编码"), max_length=50, blank=True)
    business_kind = models.CharField(_("业务办理项类别"), max_length=10, choices=BusinessKind.choices,
                                     default=BusinessKind.NEW)
    name = models.CharField(_("事项名称"), max_length=200)
    other_names = models.CharField(_("其他名称"), max_length=200, blank=True, help_text=_("俗称、别名，以顿号分隔"))
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("实施主体"))
    entrusted_department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="+", verbose_name=_("受委托部门"))
    joint_departments = models.ManyToManyField("org.Department", blank=True, related_name="+",
                                               verbose_name=_("联办/联审部门"))
    legal_basis = models.TextField(_("设定依据"))
    power_source = models.CharField(_("权力来源"), max_length=100, blank=True)
    levels = models.JSONField(_("办理层级"), default=list, help_text=_("县级、乡镇、村代办"))
    service_targets = models.JSONField(_("服务对象"), default=list)
    acceptance_conditions = models.TextField(_("受理条件"), blank=True)
    handling_form = models.CharField(_("办理形式"), max_length=200, blank=True)
    quantity_limit = models.CharField(_("数量限制"), max_length=200, blank=True)
    intermediary_services = models.CharField(_("中介服务"), max_length=200, blank=True)
    # time
    statutory_limit = models.PositiveIntegerField(_("法定办结时限"), default=20)
    statutory_unit = models.CharField(_("法定时限单位"), max_length=10, choices=LimitUnit.choices,
                                      default=LimitUnit.WORKDAYS)
    promised_limit = models.PositiveIntegerField(_("承诺办结时限"), default=20)
    promised_unit = models.CharField(_("承诺时限单位"), max_length=10, choices=LimitUnit.choices,
                                     default=LimitUnit.WORKDAYS)
    limit_note = models.CharField(_("时限说明"), max_length=500, blank=True)
    # 容缺受理: accept without a secondary material against the applicant's written promise (承诺书)
    # to supply it within this many working days; 0 = the item does not allow it.
    deferral_days = models.PositiveSmallIntegerField(
        _("容缺材料补交期限（工作日）"), default=0,
        help_text=_("实行容缺受理的，申请人书面承诺后在此期限内补交容缺材料；0 表示不实行容缺受理"))
    # fees
    is_charged = models.BooleanField(_("是否收费"), default=False)
    # process and result
    special_procedures = models.TextField(_("特别程序"), blank=True)
    result_name = models.CharField(_("审批结果名称"), max_length=200, blank=True)
    result_type = models.CharField(_("审批结果类型"), max_length=10, choices=ResultType.choices,
                                   default=ResultType.OTHER)
    licence_template = models.CharField(_("证照模板"), max_length=50, blank=True)
    # access
    onsite_visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    online_depth = models.PositiveSmallIntegerField(_("网上办理深度"), default=4,
                                                    help_text=_("1 信息发布 … 4 全程网办"))
    express_delivery = models.BooleanField(_("支持物流快递"), default=False)
    online_payment = models.BooleanField(_("支持网上支付"), default=False)
    booking = models.BooleanField(_("支持预约办理"), default=False)
    # logistics
    place = models.CharField(_("办理地点"), max_length=300, blank=True)
    hours = models.CharField(_("办理时间"), max_length=300, blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=100, blank=True)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=100, blank=True)
    faq = models.JSONField(_("常见问题"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="versions", verbose_name=_("主题"))
    process = models.ForeignKey("workflow.ProcessDefinition", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="item_versions", verbose_name=_("办理流程"))
    # bookkeeping
    search_text = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_number_unique"),
            models.UniqueConstraint(fields=["item"], condition=Q(status__in=["draft", "in_review"]),
                                    name="catalog_one_open_version"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="published"),
                                    name="catalog_one_published_version"),
            models.CheckConstraint(condition=Q(online_depth__gte=1) & Q(online_depth__lte=4),
                                   name="catalog_online_depth_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Published and retired versions are frozen: only lifecycle fields may change."""
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= LIFECYCLE_FIELDS:
                stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
                if stored in FROZEN_STATUSES:
                    raise Conflict(str(_("已发布的事项版本不可修改，请新建草稿版本")), details={"version": self.pk})
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def level_labels(self) -> list[str]:
        labels = dict(HandlingLevel.choices)
        return [str(labels.get(level, level)) for level in self.levels]

    def target_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels.get(t, t)) for t in self.service_targets]


def _check_open(version: ServiceItemVersion | None) -> None:
    if version is not None and version.status not in OPEN_STATUSES:
        raise Conflict(str(_("已发布的事项版本不可修改，请新建草稿版本")), details={"version": version.pk})


class Material(models.Model):
    """申请材料 of one item version."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    form = models.CharField(_("材料形式"), max_length=20, choices=MaterialForm.choices,
                            default=MaterialForm.ELECTRONIC)
    source = models.CharField(_("来源渠道"), max_length=20, choices=MaterialSource.choices,
                              default=MaterialSource.APPLICANT)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/%Y/", blank=True)
    sample = models.FileField(_("示例样表"), upload_to="catalog/samples/%Y/", blank=True)
    acceptance_standard = models.TextField(_("受理标准"), blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    can_share = models.BooleanField(_("可通过数据共享获取"), default=False,
                                    help_text=_("平台可自行获取，申请人免提交"))
    deferrable = models.BooleanField(_("可容缺受理"), default=False,
                                     help_text=_("非核心材料：申请人书面承诺后可先受理、限期补交"))

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version_id", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _check_open(ServiceItemVersion.objects.filter(pk=self.version_id).first())
        super().save(*args, **kwargs)


class FeeItem(models.Model):
    """收费项目: free unless a legal basis exists (一费制)."""

    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="fee_items")
    name = models.CharField(_("收费项目"), max_length=200)
    amount = models.DecimalField(_("收费标准"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("计费单位"), max_length=20, default="元/件")
    basis = models.TextField(_("收费依据"))
    reducible = models.BooleanField(_("是否允许减免"), default=False)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["version_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}{self.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _check_open(ServiceItemVersion.objects.filter(pk=self.version_id).first())
        super().save(*args, **kwargs)
