"""Validation messages in the platform's own Chinese, for every form and model field.

Django's zh-hans catalogue says "确保该变量包含不超过 200 字符 (目前字符数 300)。" ("this variable"),
and "这个字段是必填项。". :func:`install` (called once from ``CoreConfig.ready``) replaces the
length validators' and the fields' default messages with plain ones that name a count of characters
(字) the way a form on paper would. The sources are Chinese, like every string of the platform.
"""

from __future__ import annotations

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy, ngettext_lazy

MAX_LENGTH = ngettext_lazy("不能超过 %(limit_value)d 个字（现有 %(show_value)d 个字）",
                           "不能超过 %(limit_value)d 个字（现有 %(show_value)d 个字）", "limit_value")
MIN_LENGTH = ngettext_lazy("至少需要 %(limit_value)d 个字（现有 %(show_value)d 个字）",
                           "至少需要 %(limit_value)d 个字（现有 %(show_value)d 个字）", "limit_value")
REQUIRED = gettext_lazy("请填写此项")
CHOICE = gettext_lazy("请从列表中选择（“%(value)s”不是可选项）")


def install() -> None:
    """Replace Django's generic messages (idempotent)."""
    validators.MaxLengthValidator.message = MAX_LENGTH
    validators.MinLengthValidator.message = MIN_LENGTH
    forms.Field.default_error_messages = {**forms.Field.default_error_messages, "required": REQUIRED}
    forms.ChoiceField.default_error_messages = {**forms.ChoiceField.default_error_messages,
                                                "invalid_choice": CHOICE}
