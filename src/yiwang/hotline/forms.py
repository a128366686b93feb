"""Forms of the hotline pages (validation of shape only; rules live in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import CallbackMethod, Category, DiversionKind, Satisfaction, Urgency
from yiwang.org.models import Division, DivisionLevel

QUICK_PHRASES = [
    _("来电人反映："),
    _("来电人咨询："),
    _("来电人请求有关部门尽快核实处理。"),
    _("来电人要求答复处理结果。"),
    _("来电人同意公开。"),
]


class IntakeForm(forms.Form):
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    caller_name = forms.CharField(label=_("来电人姓名"), max_length=60, required=False)
    category = forms.ChoiceField(label=_("诉求类别"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    matter_type = forms.CharField(label=_("事项类型"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    division = forms.ChoiceField(label=_("所在区划（乡镇/街道 → 村/社区）"), required=False,
                                 widget=forms.Select(attrs={"data-division-picker": "1"}))
    latitude = forms.DecimalField(label=_("纬度（选填）"), max_digits=9, decimal_places=6, required=False,
                                  min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("经度（选填）"), max_digits=9, decimal_places=6, required=False,
                                   min_value=-180, max_value=180)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    publish_consent = forms.BooleanField(label=_("同意公开（隐去个人信息）"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    # rendered by the template in their own places (picker, coordinates), not in the generic loop
    PLACED = ("matter_type", "address", "division", "latitude", "longitude", "anonymous", "publish_consent")

    def __init__(self, *args: Any, county: Division | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.divisions = division_tree(county)
        division_field = self.fields["division"]
        assert isinstance(division_field, forms.ChoiceField)  # noqa: S101 - declared above
        division_field.choices = division_choices(county, self.divisions)

    def clean_division(self) -> Division | None:
        code = self.cleaned_data.get("division") or ""
        return self.divisions.get(code) if code else None


def division_tree(county: Division | None) -> dict[str, Division]:
    """Current divisions of ``county`` (itself, townships, villages) by code, in path order."""
    if county is None:
        return {}
    rows = Division.objects.filter(path__startswith=county.path, valid_to__isnull=True).order_by("path")
    return {d.code: d for d in rows}


def division_choices(county: Division | None, divisions: dict[str, Division]) -> list[Any]:
    """A grouped select (works without JavaScript): one group per township, its villages inside.

    The cascading county → township → village picker is built from these groups by
    ``yiwang/division-picker.js``.
    """
    choices: list[Any] = [("", _("请选择（可不选）"))]
    if county is None:
        return choices
    choices.append((county.code, _("%(c)s（全县/不确定）") % {"c": county.name}))
    townships = [d for d in divisions.values() if d.level == DivisionLevel.TOWNSHIP]
    for township in townships:
        villages = [(d.code, d.name) for d in divisions.values()
                    if d.level == DivisionLevel.VILLAGE and d.parent_id == township.pk]
        choices.append((township.name, [(township.code, _("%(t)s（全镇/街道）") % {"t": township.name}),
                                        *villages]))
    return choices


class MailboxForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    caller_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                                   help_text=_("投诉、求助须留联系电话；咨询、建议、举报可以匿名。"))
    address = forms.CharField(label=_("事发地址"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("匿名提交"), required=False)
    publish_consent = forms.BooleanField(label=_("同意在网上公开（个人信息将隐去）"), required=False)
    attachments = forms.FileField(label=_("附件（PDF、图片，最多 5 个，每个 10MB 以内）"), required=False,
                                  widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.gif,.docx"}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class TrackForm(forms.Form):
    number = forms.CharField(label=_("工单编号"), max_length=24)
    code = forms.CharField(label=_("查询码"), max_length=16)


class DivertForm(forms.Form):
    kind = forms.ChoiceField(label=_("引导类型"), choices=DiversionKind.choices)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))
    channel_kind = forms.CharField(label=_("法定途径"), required=False)
    original = forms.CharField(label=_("原工单编号"), required=False)


class CallbackForm(forms.Form):
    method = forms.ChoiceField(label=_("回访方式"), choices=CallbackMethod.choices)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices)
    resolved = forms.BooleanField(label=_("问题已解决"), required=False)
    note = forms.CharField(label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
