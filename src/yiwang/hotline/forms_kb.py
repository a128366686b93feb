"""Forms of the knowledge-base console pages (shape only; the rules live in ``hotline.services``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class KnowledgeDraftForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    question = forms.CharField(label=_("问题"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(label=_("答复口径"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    tags = forms.CharField(label=_("标签（空格分隔）"), max_length=200, required=False)
    proposed_expires_on = forms.DateField(label=_("建议有效期至"), required=False, widget=DATE_INPUT,
                                          help_text=_("由热线中心审核发布时最终确定，最长三年。"))


class KnowledgeReviewForm(forms.Form):
    DECISIONS = (("approve", _("通过并发布")), ("reject", _("退回修改")))

    decision = forms.ChoiceField(label=_("审核意见"), choices=DECISIONS, widget=forms.RadioSelect)
    expires_on = forms.DateField(label=_("有效期至（发布必填）"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("审核说明（退回必填）"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "approve" and not data.get("expires_on"):
            self.add_error("expires_on", _("发布须设定有效期"))
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("退回须填写说明"))
        return data


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), max_length=100, required=False)
