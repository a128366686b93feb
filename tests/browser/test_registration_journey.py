"""A newcomer registers as a citizen in Chromium: the form, the SMS code page (the demo code is
shown there), then their account page; under the Content-Security-Policy, without script errors."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import STRONG_PASSWORD, VALID_ID
from yiwang.accounts.models import User
from yiwang.notify.models import NotificationTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _sms_template(db):
    """The seeded SMS template (a transactional test may run after a flush of the seed data)."""
    NotificationTemplate.objects.get_or_create(code="generic", channel="sms", defaults={
        "subject": "{{ title }}", "body": "{{ title }}：{{ text }}", "sms_template_id": "SMS_GENERIC"})


def test_citizen_registers_with_the_demo_sms_code(page, live_server, county, settings):
    # given the demo, where the SMS code is fixed and shown
    settings.ACCOUNTS_REGISTER_DEMO_CODE = "123456"
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # when a newcomer fills in the form
    page.goto(f"{live_server.url}/accounts/register/citizen/")
    page.fill("#id_real_name", "王秀英")
    page.fill("#id_id_number", VALID_ID)
    page.fill("#id_phone", "13800000000")
    page.fill("#id_password", STRONG_PASSWORD)
    page.fill("#id_password2", STRONG_PASSWORD)
    page.click("form.card button[type=submit]")
    # then the code page says where the code went, and the demo notice gives it
    page.wait_for_url("**/accounts/register/citizen/confirm/")
    body = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "验证码已发送至 138****0000" in body and "演示环境：短信验证码为 123456" in body
    assert not User.objects.exists()
    # when they type it
    page.fill("#id_code", "123456")
    page.click("form.card button[type=submit]")
    # then the account exists and they are on their account page
    page.wait_for_url("**/accounts/me/")
    assert "138****0000" in page.inner_text("body")
    assert User.objects.get().decrypt_id_number() == VALID_ID
    assert errors == []


def test_a_wrong_code_is_explained_on_the_page(page, live_server, county, settings):
    settings.ACCOUNTS_REGISTER_DEMO_CODE = "123456"
    page.goto(f"{live_server.url}/accounts/register/citizen/")
    for selector, value in [("#id_real_name", "王秀英"), ("#id_id_number", VALID_ID), ("#id_phone", "13800000000"),
                            ("#id_password", STRONG_PASSWORD), ("#id_password2", STRONG_PASSWORD)]:
        page.fill(selector, value)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/confirm/")
    page.fill("#id_code", "654321")
    page.click("form.card button[type=submit]")
    page.wait_for_load_state("load")
    assert "验证码不正确，还可输入 4 次" in page.inner_text("body")
    assert not User.objects.exists()
