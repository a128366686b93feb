"""Pages name a field in error by its Chinese label, never by its internal name (material_42, id_number)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_bad_upload_is_reported_under_the_material_name(item, applicant, county, login_as):
    # given an applicant who uploads a file that is not a PDF or image for the first material
    material = item.materials.order_by("pk").first()
    client = login_as(applicant)
    # when the application is saved
    response = client.post(reverse("cases:apply", args=[item.item.base_code]), {
        "action": "save", "division": county.village_a1.pk, "address": "东关村 1 号",
        f"material_{material.pk}": SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf at all"),
    })
    # then the error names the material, not its field name
    html = response.content.decode()
    assert response.status_code == 400
    assert "material_" + str(material.pk) + "：" not in html and f">material_{material.pk}<" not in html
    assert f"<strong>{material.name}</strong>：" in html


def test_field_errors_use_chinese_labels_and_sentences():
    # given service errors keyed by machine names, one with a terse length hint
    class Material:
        pk, name = 42, "营业执照"

    errors = {"material_42": {"message": "文件类型不支持"}, "id_number": "身份证号格式不正确",
              "note": "max 500", "items.0": "材料不存在", "mystery_key": "无法识别"}
    # when the shared summary renders them
    html = Template("{% load yiwang_ui %}{% field_errors errors materials %}").render(
        Context({"errors": errors, "materials": [Material()]}))
    # then each row reads "标签：提示" in Chinese, with no internal names
    assert "<strong>营业执照</strong>：文件类型不支持" in html
    assert "<strong>身份证号</strong>：" in html and "<strong>备注</strong>：不能超过 500 个字符" in html
    assert "补正材料第 1 项" in html and "无法识别" in html
    for raw in ("material_", "id_number", "note：", "items.0", "mystery_key", "max 500"):
        assert raw not in html


def test_no_template_prints_an_error_key():
    # the old pattern "{{ key }}：{{ message }}" must not come back in any template
    from pathlib import Path

    import yiwang

    root = Path(yiwang.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("templates/**/*.html")
                 if "{{ key }}：" in p.read_text(encoding="utf-8")]
    assert offenders == []
