"""Guessing passwords: one account from many addresses, many accounts from one address."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import STRONG_PASSWORD
from yiwang.accounts.models import AccountKind, User

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _citizens(n):
    users = []
    for i in range(n):
        user = User(username=f"citizen{i:02d}", kind=AccountKind.CITIZEN, real_name=f"市民{i}")
        user.set_password(STRONG_PASSWORD)
        user.save()
        users.append(user)
    return users


def test_one_account_guessed_from_many_addresses_is_locked(client, applicant):
    # given five failures, each from a different address
    for i in range(5):
        _login(client, "applicant", "wrong-password", f"10.0.0.{i + 1}")
    # when the right password comes from a sixth address
    response = _login(client, "applicant", STRONG_PASSWORD, "10.0.0.99")
    # then the account is locked there too
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_password_spraying_from_one_address_is_locked(client, settings):
    # given one address trying one password on many accounts, once each
    settings.AXES_IP_FAILURE_LIMIT = 8
    users = _citizens(9)
    for user in users[:8]:
        _login(client, user.username, "Spring2026!!", "10.7.7.7")
    # when it then tries an account it has never tried, even with the right password
    response = _login(client, users[8].username, STRONG_PASSWORD, "10.7.7.7")
    # then the address is locked
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_a_few_typos_behind_one_office_address_lock_nobody(client, settings):
    # given several people behind one address each mistyping once
    settings.AXES_IP_FAILURE_LIMIT = 20
    users = _citizens(7)
    for user in users[:6]:
        assert _login(client, user.username, "typo-password", "10.8.8.8").status_code == 400
    # when the seventh signs in correctly from the same address
    response = _login(client, users[6].username, STRONG_PASSWORD, "10.8.8.8")
    # then nobody is locked
    assert response.status_code == 302


def test_a_sprayer_cannot_reset_its_address_by_signing_in_to_its_own_account(client, settings):
    # given a sprayer with an account of its own, one failure short of the address limit
    settings.AXES_IP_FAILURE_LIMIT = 4
    own, *victims = _citizens(6)
    for victim in victims[:3]:
        _login(client, victim.username, "Spring2026!!", "10.9.1.1")
    # when it signs in to its own account (which succeeds) and sprays once more
    assert _login(client, own.username, STRONG_PASSWORD, "10.9.1.1").status_code == 302
    client.logout()
    _login(client, victims[3].username, "Spring2026!!", "10.9.1.1")
    # then the address is locked, even for a right password
    response = _login(client, victims[4].username, STRONG_PASSWORD, "10.9.1.1")
    assert response.status_code in (403, 429)
