"""A PDF asked for on a machine without the Chinese font: a 503 that says so, not a bare 500."""

from __future__ import annotations

import pytest

from yiwang.core import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def food(county, make_published):
    return make_published("010010001000", county.approval_bureau)


@pytest.fixture
def no_fonts(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "WQY_PATH", str(tmp_path / "missing.ttc"))
    pdf.register_fonts.cache_clear()
    pdf.styles.cache_clear()
    yield
    pdf.register_fonts.cache_clear()
    pdf.styles.cache_clear()


def test_guide_pdf_without_fonts_is_a_clear_503(no_fonts, client, food):
    response = client.get("/services/010010001000/guide.pdf")
    assert response.status_code == 503
    assert "PDF 文件暂时无法生成" in response.content.decode()


def test_guide_pdf_with_fonts_is_served(client, food):
    response = client.get("/services/010010001000/guide.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
