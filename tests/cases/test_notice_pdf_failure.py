"""A notice whose PDF cannot be made (no Chinese font) is logged as an error and shown as failed,
never as "being generated" for ever; with the font it renders as before."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case
from tests.conftest import login
from yiwang.cases.notices import notice_issue
from yiwang.core import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_fonts(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "WQY_PATH", str(tmp_path / "missing.ttc"))
    pdf.register_fonts.cache_clear()
    pdf.styles.cache_clear()
    yield
    pdf.register_fonts.cache_clear()
    pdf.styles.cache_clear()


@pytest.fixture
def case(county, applicant):
    item = make_item(name="食品经营许可", department=county.civil_affairs, promised=10, statutory=20)
    return make_case(version=item, division=county.county, department=county.civil_affairs, applicant=applicant)


def test_missing_font_is_an_error_in_the_log_and_a_failure_on_the_page(no_fonts, case, applicant, client, caplog):
    # given a machine without fonts-wqy-microhei
    with caplog.at_level(logging.ERROR):
        # when a notice is issued
        notice = notice_issue(case=case, kind="accept", context={}, actor=None, moment=timezone.now())
    # then the notice exists without a file, and the log says why, naming the package
    assert not notice.file
    messages = " ".join(r.getMessage() + str(r.exc_info) for r in caplog.records if r.levelno >= logging.ERROR)
    assert "fonts-wqy-microhei" in messages
    # and the applicant sees that it failed, not that it is being generated
    login(client, applicant)
    html = client.get(f"/cases/mine/{case.pk}/").content.decode()
    assert "生成失败" in html and "文件生成中" not in html


def test_with_the_font_the_notice_renders(case, applicant, client):
    notice = notice_issue(case=case, kind="accept", context={}, actor=None, moment=timezone.now())
    assert notice.file and notice.sha256
    login(client, applicant)
    assert "生成失败" not in client.get(f"/cases/mine/{case.pk}/").content.decode()


def test_register_fonts_raises_a_named_error(no_fonts):
    with pytest.raises(pdf.PdfFontMissing, match="fonts-wqy-microhei"):
        pdf.register_fonts()
