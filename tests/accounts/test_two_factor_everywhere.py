"""Two-factor everywhere: where a half-signed-in staff session is sent, what it sees, and the happy paths.

The exhaustive walk over every URL and API operation is in ``test_half_signed_in.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login


def _password_only(client: Client, user: Any) -> Client:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "Correct-Horse-2026"},
                           REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    return client


def _totp(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.django_db
def test_a_page_that_needs_sign_in_sends_a_half_signed_in_session_to_two_factor(client, supervisor, settings):
    # given
    settings.STAFF_REQUIRE_2FA = True
    _totp(supervisor)
    _password_only(client, supervisor)
    # when / then: whatever the URL, the way on is the second factor, not the password page
    for url in ("/supervision/", "/cases/console/inbox/", "/accounts/me/", "/console/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:two_factor") + "?next="), (url, response.url)
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert client.get("/api/v1/audit/events").status_code == 401
    assert client.get(reverse("accounts:two_factor")).status_code == 200


@pytest.mark.django_db
def test_a_public_page_shows_the_half_signed_in_session_the_way_to_two_factor(client, supervisor, settings):
    settings.STAFF_REQUIRE_2FA = True
    _totp(supervisor)
    visitor = client.get("/services/").content.decode()
    _password_only(client, supervisor)
    page = client.get("/services/").content.decode()
    assert "请完成二次验证" in page and f'href="{reverse("accounts:two_factor")}?next=' in page
    assert "请完成二次验证" not in visitor
    assert supervisor.display_name not in page  # the page knows nobody


@pytest.mark.django_db
def test_after_totp_the_same_staff_account_reaches_its_pages(client, supervisor, settings):
    from django_otp.oath import TOTP

    # given: password, then the authenticator's code
    settings.STAFF_REQUIRE_2FA = True
    device = _totp(supervisor)
    _password_only(client, supervisor)
    token = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    assert client.post(reverse("accounts:two_factor"), {"otp_token": token}).status_code == 302
    # then
    assert client.get("/supervision/").status_code == 200
    assert client.get("/console/").status_code == 200
    assert client.get("/api/v1/accounts/me").json()["username"] == "supervisor"
    assert client.get("/api/v1/audit/events").status_code == 200
    assert "请完成二次验证" not in client.get("/services/").content.decode()


@pytest.mark.django_db
def test_a_clerk_past_two_factor_still_works_the_acceptance_desk(client, clerk_a, settings):
    settings.STAFF_REQUIRE_2FA = True
    login(client, clerk_a)
    assert client.get("/cases/console/acceptance/").status_code == 200
    assert client.get("/cases/console/inbox/").status_code == 200


@pytest.mark.django_db
def test_a_citizen_needs_no_second_factor(client, applicant, settings):
    settings.STAFF_REQUIRE_2FA = True
    _password_only(client, applicant)
    assert client.get("/accounts/me/").status_code == 200
    assert client.get("/cases/mine/").status_code == 200
    assert client.get("/api/v1/accounts/me").json()["username"] == "applicant"
    assert "请完成二次验证" not in client.get("/services/").content.decode()


@pytest.mark.django_db
def test_without_the_2fa_requirement_staff_pass_on_the_password(client, supervisor, settings):
    settings.STAFF_REQUIRE_2FA = False
    _password_only(client, supervisor)
    assert client.get("/supervision/").status_code == 200


@pytest.mark.django_db
def test_staff_required_and_session_auth_check_two_factor_themselves(rf, clerk_a, settings):
    """The second line: with the middleware out of the way, the decorator and the API auth still refuse."""
    from yiwang.api.auth import SessionAuth, UnauthenticatedError
    from yiwang.console.views import home

    settings.STAFF_REQUIRE_2FA = True
    request = rf.get("/console/")
    clerk_a.is_verified = lambda: False
    request.user = clerk_a
    request.position = clerk_a.positions.first()
    request.session = {}
    response = home(request)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor"))
    with pytest.raises(UnauthenticatedError):
        SessionAuth()(request)
