"""Sign-in: passwords with django-axes lockout, and TOTP two-factor for staff."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import STRONG_PASSWORD
from tests.conftest import login
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
IP = {"REMOTE_ADDR": "10.1.2.3"}


def _password_login(client, username, password=STRONG_PASSWORD, next_url=None, **extra):
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data, **{**IP, **extra})


def _totp_device(user, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _token(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


# --- passwords and lockout --------------------------------------------------------------------


def test_login_page_has_labelled_fields(client):
    html = client.get(LOGIN).content.decode()
    assert 'id="id_username"' in html and 'id="id_password"' in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html


def test_citizen_login_goes_straight_home_without_2fa(client, applicant):
    response = _password_login(client, "applicant")
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert client.get(reverse("accounts:me")).status_code == 200
    assert AuditEvent.objects.filter(action="account.login", actor_id=applicant.pk).exists()


def test_wrong_password_is_a_form_error(client, applicant):
    response = _password_login(client, "applicant", "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures(client, applicant):
    for _attempt in range(4):
        assert _password_login(client, "applicant", "wrong-password").status_code == 400
    fifth = _password_login(client, "applicant", "wrong-password")
    assert fifth.status_code in (403, 429)
    # even the right password is refused now, from this address
    locked = _password_login(client, "applicant")
    assert locked.status_code in (403, 429)
    assert "账户已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_holds_for_the_account_from_another_address(client, applicant):
    for _attempt in range(5):
        _password_login(client, "applicant", "wrong-password")
    other_ip = _password_login(client, "applicant", REMOTE_ADDR="10.9.9.9")
    assert other_ip.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_unsafe_next_is_ignored(client, applicant):
    response = _password_login(client, "applicant", next_url="https://evil.example/steal")
    assert response.url == reverse("portal:home")


def test_safe_next_is_respected(client, applicant):
    response = _password_login(client, "applicant", next_url="/inbox/")
    assert response.url == "/inbox/"


def test_logout_requires_post(client, applicant):
    login(client, applicant)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_anonymous_me_redirects_to_login(client):
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


# --- staff two-factor -------------------------------------------------------------------------


def test_password_only_staff_cannot_open_console(client, clerk_a):
    _totp_device(clerk_a)
    response = _password_login(client, "clerk_a", next_url="/console/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two_factor"))
    console = client.get("/console/")
    assert console.status_code == 302 and console.url.startswith(reverse("accounts:two_factor"))
    assert client.get("/admin/").status_code == 302


def test_correct_totp_lets_staff_in(client, clerk_a):
    device = _totp_device(clerk_a)
    _password_login(client, "clerk_a")
    page = client.get(reverse("accounts:two_factor"), {"next": "/console/"})
    assert page.status_code == 200 and 'id="id_otp_token"' in page.content.decode()
    response = client.post(reverse("accounts:two_factor"), {"otp_token": _token(device), "next": "/console/"})
    assert response.status_code == 302 and response.url == "/console/"
    console = client.get("/console/")
    assert console.status_code == 200
    assert "工作台" in console.content.decode()
    assert AuditEvent.objects.filter(action="account.2fa_pass", actor_id=clerk_a.pk).exists()


def test_wrong_totp_is_refused(client, clerk_a):
    device = _totp_device(clerk_a)
    _password_login(client, "clerk_a")
    wrong = f"{(int(_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:two_factor"), {"otp_token": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    assert "验证码不正确" in html and 'id="id_otp_token_error"' in html
    assert client.get("/console/").status_code == 302
    assert AuditEvent.objects.filter(action="account.2fa_fail", actor_id=clerk_a.pk).exists()


def test_static_backup_code_works_once(client, clerk_a):
    _totp_device(clerk_a)
    static = StaticDevice.objects.create(user=clerk_a, name="backup", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    _password_login(client, "clerk_a")
    response = client.post(reverse("accounts:two_factor"), {"otp_token": "abcd2345"})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200
    # a second session cannot reuse it
    client.post(reverse("accounts:logout"))
    _password_login(client, "clerk_a")
    again = client.post(reverse("accounts:two_factor"), {"otp_token": "abcd2345"})
    assert again.status_code == 400
    assert client.get("/console/").status_code == 302


def test_totp_token_cannot_be_replayed(client, clerk_a):
    device = _totp_device(clerk_a)
    token = _token(device)
    _password_login(client, "clerk_a")
    assert client.post(reverse("accounts:two_factor"), {"otp_token": token}).status_code == 302
    client.post(reverse("accounts:logout"))
    _password_login(client, "clerk_a")
    assert client.post(reverse("accounts:two_factor"), {"otp_token": token}).status_code == 400


def test_staff_without_device_is_sent_to_enrolment(client, clerk_a):
    response = _password_login(client, "clerk_a", next_url="/console/")
    follow = client.get(response.url)
    assert follow.status_code == 302 and follow.url.startswith(reverse("accounts:two_factor_setup"))
    page = client.get(follow.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org", "")  # inline, no external service
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    device = TOTPDevice.objects.get(user=clerk_a, confirmed=False)
    assert b32decode(secret) == device.bin_key
    # a wrong code does not confirm
    assert client.post(reverse("accounts:two_factor_setup"), {"otp_token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    confirm = client.post(reverse("accounts:two_factor_setup"), {"otp_token": _token(device), "next": "/console/"})
    assert confirm.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", confirm.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/console/").status_code == 200
    assert StaticToken.objects.filter(device__user=clerk_a).count() == 10


def test_enrolled_staff_cannot_enrol_again_with_password_only(client, clerk_a):
    _totp_device(clerk_a)
    _password_login(client, "clerk_a")
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor"))
    assert not TOTPDevice.objects.filter(user=clerk_a, confirmed=False).exists()


def test_citizen_has_no_two_factor_pages(client, applicant):
    login(client, applicant)
    assert client.get(reverse("accounts:two_factor")).url == reverse("accounts:me")
    assert client.get(reverse("accounts:two_factor_setup")).url == reverse("accounts:me")


def test_me_shows_masked_data_and_totp_status(client, clerk_a):
    login(client, clerk_a)
    html = client.get(reverse("accounts:me")).content.decode()
    assert "1101**********003X" in html and "139****0001" in html
    assert "11010119900307003X" not in html and "13900000001" not in html
    assert "已启用身份验证器" in html


def test_backup_codes_regenerate_needs_verification(client, clerk_a):
    _totp_device(clerk_a)
    _password_login(client, "clerk_a")
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=clerk_a).exists()
    login(client, clerk_a)
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=clerk_a).count() == 10
