"""The BPMN upload form: a name plus a file of at most 1 MB that really is XML."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from yiwang.workflow.validation import MAX_BPMN_BYTES

ALLOWED_SUFFIXES = (".bpmn", ".xml", ".bpmn20.xml")


class ProcessUploadForm(forms.Form):
    name = forms.CharField(label=_("流程名称"), max_length=200)
    file = forms.FileField(label=_("BPMN 文件（.bpmn 或 .xml，不超过 1 MB）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml"}))

    def clean_file(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is None or upload.size > MAX_BPMN_BYTES:
            raise forms.ValidationError(_("文件超过 1 MB"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件为空"))
        name = (upload.name or "").lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("只接受 .bpmn 或 .xml 文件"))
        data = upload.read(MAX_BPMN_BYTES + 1)
        if len(data) > MAX_BPMN_BYTES:
            raise forms.ValidationError(_("文件超过 1 MB"))
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head != b"<":  # sniff the content, do not trust the name or the browser's type
            raise forms.ValidationError(_("文件内容不是 XML"))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("文件不是 UTF-8 编码的 XML")) from exc
        return data

    def clean(self) -> dict[str, Any]:
        return super().clean() or {}
