"""Process definitions (BPMN 2.0) bound to service-item versions; run by SpiffWorkflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    STANDARD = "standard", _("标准流程：受理→审查→决定→办结")
    TOWNSHIP_COUNTY = "township_county", _("乡镇初审、县级决定")
    JOINT = "joint", _("多部门联审")
    VILLAGE_AGENT = "village_agent", _("村级代办、乡镇办理")
    CUSTOM = "custom", _("自定义（上传 BPMN）")


class ProcessStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    VALID = "valid", _("已校验")
    INVALID = "invalid", _("校验未通过")


class ProcessDefinition(models.Model):
    """One BPMN process, stored once (XML and the serialized SpiffWorkflow spec).

    Cases store only their own workflow state, never the spec.
    """

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=ProcessKind.choices, default=ProcessKind.STANDARD)
    process_id = models.CharField(_("BPMN 流程标识"), max_length=100)
    bpmn_xml = models.TextField(_("BPMN XML"))
    spec_json = models.JSONField(_("序列化流程规格"), null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=ProcessStatus.choices, default=ProcessStatus.DRAFT)
    validation_errors = models.JSONField(_("校验问题"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_usable(self) -> bool:
        """Only a validated definition may be bound to an item version or run."""
        return self.status == ProcessStatus.VALID and not self.validation_errors
