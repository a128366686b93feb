"""Citizen registration confirmed by SMS: a visitor cannot tell whether an ID number has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import (
    STRONG_PASSWORD,
    UNKNOWN_REGION_ID,
    VALID_ID,
    VALID_ID_2,
    last_sms,
    sms_code,
)
from yiwang.accounts import registration, services
from yiwang.accounts.models import PendingRegistration, User
from yiwang.core.errors import Conflict, InvalidInput, RateLimited
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db
FORM = "/accounts/register/citizen/"
CONFIRM = "/accounts/register/citizen/confirm/"
API = "/api/v1/accounts/citizens"


def _form(**overrides):
    data = {"real_name": "王秀英", "id_number": VALID_ID, "phone": "13800000000", "username": "",
            "password": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    data.update(overrides)
    return data


def _begin(**overrides):
    data = {"real_name": "王秀英", "id_number": VALID_ID, "phone": "13800000000", "password": STRONG_PASSWORD}
    data.update(overrides)
    return registration.citizen_registration_begin(**data)


def _existing_account():
    return services.citizen_register(real_name="王秀英", id_number=VALID_ID, phone="13800000000",
                                     password=STRONG_PASSWORD, username="wangxy").user


def _page_text(response, phone_masked):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return html.replace(phone_masked, "PHONE")


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


# --- the same answer whatever the ID number's state ---------------------------------------------


def test_taken_and_free_id_numbers_get_the_same_pages(client):
    # given an account for VALID_ID
    _existing_account()
    # when one visitor submits the taken ID and another a free one
    taken = client.post(FORM, _form(phone="13800000001"))
    taken_page = client.get(CONFIRM)
    client.cookies.clear()
    free = client.post(FORM, _form(id_number=VALID_ID_2, phone="13900000002"))
    free_page = client.get(CONFIRM)
    # then both get the same redirect and the same code page, apart from the masked phone
    assert taken.status_code == free.status_code == 302
    assert taken.url == free.url == CONFIRM
    assert taken_page.status_code == free_page.status_code == 200
    assert "验证码已发送至 138****0001，请在 10 分钟内输入" in taken_page.content.decode()
    assert _page_text(taken_page, "138****0001") == _page_text(free_page, "139****0002")
    # and no account was created for the taken ID
    assert User.objects.count() == 1


def test_taken_id_gets_a_notice_by_sms_and_a_free_id_a_code(client):
    _existing_account()
    client.post(FORM, _form(phone="13800000001"))
    client.post(FORM, _form(id_number=VALID_ID_2, phone="13900000002"))
    taken_sms, free_sms = last_sms("138****0001"), last_sms("139****0002")
    assert "已有账户" in taken_sms.body and "找回" in taken_sms.body
    assert not re.search(r"\d{6}", taken_sms.body)
    assert re.search(r"验证码 \d{6}", free_sms.body)
    # the number is stored encrypted, like every SMS to a bare number
    assert "13800000001" not in taken_sms.phone_enc


def test_a_taken_id_cannot_be_confirmed_with_any_code(client):
    _existing_account()
    client.post(FORM, _form(phone="13800000001"))
    for code in ("123456", "000000", "999999", "654321", "111111"):
        client.post(CONFIRM, {"code": code})
    assert User.objects.count() == 1
    assert not PendingRegistration.objects.exists()  # used up after five tries


def test_the_api_answers_taken_and_free_id_numbers_alike(client):
    _existing_account()
    taken = client.post(API, {"real_name": "王秀英", "id_number": VALID_ID, "phone": "13800000001",
                              "password": STRONG_PASSWORD}, content_type="application/json")
    free = client.post(API, {"real_name": "王秀英", "id_number": VALID_ID_2, "phone": "13900000002",
                             "password": STRONG_PASSWORD}, content_type="application/json")
    assert taken.status_code == free.status_code == 202
    a, b = taken.json(), free.json()
    assert set(a) == set(b) and len(a["registration_token"]) == len(b["registration_token"])
    assert a["message"].replace(a["phone_masked"], "") == b["message"].replace(b["phone_masked"], "")
    assert a["expires_in_seconds"] == b["expires_in_seconds"]
    assert User.objects.count() == 1


def test_both_paths_do_the_same_work():
    _existing_account()
    Message.objects.all().delete()
    _begin(phone="13800000001")
    _begin(id_number=VALID_ID_2, phone="13900000002")
    assert PendingRegistration.objects.count() == 2 and Message.objects.count() == 2


def test_a_chosen_username_that_is_taken_is_named_whatever_the_id(client):
    _existing_account()
    with pytest.raises(Conflict) as taken_id:
        _begin(phone="13800000001", username="wangxy")
    with pytest.raises(Conflict) as free_id:
        _begin(id_number=VALID_ID_2, phone="13800000001", username="wangxy")
    assert taken_id.value.as_dict() == free_id.value.as_dict()
    assert taken_id.value.details["errors"][0]["code"] == "username_taken"


# --- the code creates the account ---------------------------------------------------------------


def test_the_right_code_creates_the_account_once(client):
    client.post(FORM, _form())
    assert not User.objects.exists()
    done = client.post(CONFIRM, {"code": sms_code("138****0000")})
    assert done.status_code == 302 and done.url == reverse("accounts:me")
    user = User.objects.get()
    assert user.decrypt_id_number() == VALID_ID and user.check_password(STRONG_PASSWORD)
    assert not PendingRegistration.objects.exists()
    # a second confirmation (double submit, back button) creates nothing more
    client.logout()
    again = client.post(CONFIRM, {"code": "123456"})
    assert again.status_code == 302 and again.url == FORM
    assert User.objects.count() == 1


def test_warnings_survive_the_pending_step():
    pending = _begin(id_number=UNKNOWN_REGION_ID)
    result = registration.citizen_registration_confirm(token=pending.token, code=sms_code("138****0000"))
    assert result.warnings == ["id_region_unknown"]


def test_pending_registration_is_encrypted_and_hashed_at_rest():
    _begin()
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_enc, password_hash, code_hash, token_index, phone_masked "
                       "FROM accounts_pendingregistration")
        row = cursor.fetchone()
    raw = " ".join(str(v) for v in row)
    assert row[0].startswith("sm4g1:")
    assert VALID_ID not in raw and "13800000000" not in raw and "王秀英" not in raw
    assert STRONG_PASSWORD not in raw and row[1].startswith(("pbkdf2", "argon2", "bcrypt", "scrypt", "md5"))
    assert sms_code("138****0000") not in raw and row[4] == "138****0000"


def test_an_id_registered_meanwhile_is_refused_at_confirmation():
    pending = _begin()
    code = sms_code("138****0000")
    _existing_account()
    with pytest.raises(Conflict) as info:
        registration.citizen_registration_confirm(token=pending.token, code=code)
    assert info.value.details["errors"][0]["code"] == "registration_refused"
    assert User.objects.count() == 1


# --- wrong and expired codes --------------------------------------------------------------------


def test_wrong_codes_are_limited(client):
    client.post(FORM, _form())
    right = sms_code("138****0000")
    for left in (4, 3, 2, 1):
        response = client.post(CONFIRM, {"code": _wrong(right)})
        assert response.status_code == 400 and f"还可输入 {left} 次" in response.content.decode()
    # the fifth wrong code uses the registration up: even the right code then fails
    used_up = client.post(CONFIRM, {"code": _wrong(right)})
    assert used_up.status_code == 302 and used_up.url == FORM
    assert client.post(CONFIRM, {"code": right}).status_code == 302
    assert not User.objects.exists()


def test_an_expired_code_means_starting_again(client):
    client.post(FORM, _form())
    code = sms_code("138****0000")
    PendingRegistration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(CONFIRM, {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == FORM
    assert "验证码已失效" in response.content.decode()
    assert not User.objects.exists()


def test_expired_and_unknown_tokens_in_the_service():
    pending = _begin()
    code = sms_code("138****0000")
    PendingRegistration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidInput) as expired:
        registration.citizen_registration_confirm(token=pending.token, code=code)
    with pytest.raises(InvalidInput) as unknown:
        registration.citizen_registration_confirm(token="not-a-token", code=code)
    assert expired.value.code == unknown.value.code == "registration_expired"
    assert not User.objects.exists() and not PendingRegistration.objects.exists()


def test_full_width_digits_are_accepted():
    pending = _begin()
    code = sms_code("138****0000")
    wide = code.translate({ord("0") + i: 0xFF10 + i for i in range(10)})
    assert registration.citizen_registration_confirm(token=pending.token, code=f" {wide} ").user.pk


def test_confirm_page_without_a_pending_registration_goes_back_to_the_form(client):
    assert client.get(CONFIRM).url == FORM


# --- throttling ---------------------------------------------------------------------------------


def test_code_tries_are_throttled_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register_confirm": (2, 3600)}
    client.post(FORM, _form(), REMOTE_ADDR="10.6.6.6")
    code = sms_code("138****0000")
    for _ in range(2):
        assert client.post(CONFIRM, {"code": _wrong(code)}, REMOTE_ADDR="10.6.6.6").status_code == 400
    refused = client.post(CONFIRM, {"code": code}, REMOTE_ADDR="10.6.6.6")
    assert refused.status_code == 429 and "尝试次数过多" in refused.content.decode()
    assert not User.objects.exists()


def test_api_confirm_is_throttled(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register_confirm": (1, 3600)}
    body = {"registration_token": "x", "code": "123456"}
    assert client.post(f"{API}/confirm", body, content_type="application/json").status_code == 400
    refused = client.post(f"{API}/confirm", body, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"


def test_texts_to_one_phone_are_throttled(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register_phone": (2, 3600)}
    _begin()
    _begin()
    with pytest.raises(RateLimited):
        _begin(id_number=VALID_ID_2)
    assert Message.objects.count() == 2


# --- demo ---------------------------------------------------------------------------------------


def test_demo_code_is_shown_and_works(client, settings):
    settings.ACCOUNTS_REGISTER_DEMO_CODE = "123456"
    client.post(FORM, _form())
    page = client.get(CONFIRM).content.decode()
    assert "演示环境：短信验证码为 123456" in page
    assert client.post(CONFIRM, {"code": "123456"}).url == reverse("accounts:me")
    assert User.objects.count() == 1


def test_no_demo_notice_outside_the_demo(client):
    client.post(FORM, _form())
    assert "演示环境" not in client.get(CONFIRM).content.decode()
