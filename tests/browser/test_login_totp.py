"""Browser journey: a staff member signs in with password + TOTP and reaches the console."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import make_position, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def staff_with_totp(county):
    user = make_user("clerk_totp", real_name="李娜", phone="13900000001")
    make_position(user, "window_clerk", county.township_a, county.civil_affairs_a)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def _token(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _sign_in_with_password(page, live_server) -> None:
    page.goto(f"{live_server.url}/console/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("用户名").fill("clerk_totp")
    page.locator("#id_password").fill("Correct-Horse-2026")
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_url("**/accounts/2fa/**")


def test_staff_login_with_totp_reaches_console(page, live_server, staff_with_totp):
    _user, device = staff_with_totp
    _sign_in_with_password(page, live_server)
    code = page.locator("#id_otp_token")
    assert code.get_attribute("autocomplete") == "one-time-code"
    code.fill(_token(device))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server.url}/console/")
    assert page.get_by_role("heading", name="工作台").is_visible()


def test_wrong_totp_shows_error(page, live_server, staff_with_totp):
    _user, device = staff_with_totp
    _sign_in_with_password(page, live_server)
    wrong = f"{(int(_token(device)) + 1) % 1_000_000:06d}"
    page.locator("#id_otp_token").fill(wrong)
    page.get_by_role("button", name="验证").click()
    error = page.locator("#id_otp_token_error")
    error.wait_for()
    assert "验证码不正确" in error.inner_text()
    assert page.locator("#id_otp_token").get_attribute("aria-invalid") == "true"
    page.goto(f"{live_server.url}/console/")
    assert "/accounts/2fa/" in page.url
