"""Accounts API: registration answers 202 then 201 (SMS code), or 4xx with {code, message, details}."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import (
    BAD_CHECKSUM_ID,
    BAD_USCC,
    STRONG_PASSWORD,
    UNKNOWN_REGION_ID,
    VALID_ID_2,
    VALID_USCC,
    sms_code,
)
from tests.conftest import login
from yiwang.accounts.models import User

pytestmark = pytest.mark.django_db
URL = "/api/v1/accounts/citizens"


def _payload(**overrides):
    data = {"real_name": "王秀英", "id_number": "110101199003070011", "phone": "13800000000",
            "password": STRONG_PASSWORD}
    data.update(overrides)
    return data


def _register(client, **overrides):
    """Both calls: the form (202 + token), then the token and the code from the SMS (201)."""
    pending = client.post(URL, _payload(**overrides), content_type="application/json")
    assert pending.status_code == 202, pending.content
    body = pending.json()
    return client.post(f"{URL}/confirm", {"registration_token": body["registration_token"],
                                          "code": sms_code(body["phone_masked"])},
                       content_type="application/json")


def test_register_citizen_202_then_201(client):
    pending = client.post(URL, _payload(), content_type="application/json")
    assert pending.status_code == 202
    body = pending.json()
    assert body["phone_masked"] == "138****0000" and body["expires_in_seconds"] == 600
    assert "138****0000" in body["message"] and body["registration_token"]
    assert not User.objects.exists()
    response = client.post(f"{URL}/confirm", {"registration_token": body["registration_token"],
                                              "code": sms_code("138****0000")}, content_type="application/json")
    assert response.status_code == 201
    created = response.json()
    assert created["username"] == "13800000000" and created["kind"] == "citizen" and created["warnings"] == []
    assert User.objects.filter(pk=created["id"]).exists()


def test_register_citizen_warning(client):
    response = _register(client, id_number=UNKNOWN_REGION_ID)
    assert response.status_code == 201
    assert response.json()["warnings"] == ["id_region_unknown"]


def test_register_citizen_bad_id_400(client):
    response = client.post(URL, _payload(id_number=BAD_CHECKSUM_ID), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert body["details"]["errors"][0]["field"] == "id_number"
    assert body["details"]["errors"][0]["code"] == "id_checksum"
    assert not User.objects.exists()


def test_register_citizen_malformed_body_400(client):
    response = client.post(URL, {"real_name": 1}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert client.post(URL, "not json", content_type="application/json").status_code == 400


def test_register_citizen_taken_id_answers_202_like_a_free_one(client):
    assert _register(client).status_code == 201
    response = client.post(URL, _payload(phone="13800000001"), content_type="application/json")
    assert response.status_code == 202 and set(response.json()) == {
        "registration_token", "phone_masked", "expires_in_seconds", "message"}
    assert User.objects.count() == 1


def test_register_citizen_wrong_code_400_then_expired(client):
    token = client.post(URL, _payload(), content_type="application/json").json()["registration_token"]
    wrong = client.post(f"{URL}/confirm", {"registration_token": token, "code": "000000" if sms_code(
        "138****0000") != "000000" else "111111"}, content_type="application/json")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "code_wrong" and wrong.json()["details"]["attempts_left"] == 4
    unknown = client.post(f"{URL}/confirm", {"registration_token": "nope", "code": "123456"},
                          content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "registration_expired"
    assert not User.objects.exists()


def test_register_enterprise_bad_credit_code_400(client):
    payload = {"credit_code": BAD_USCC, "enterprise_name": "示例公司", "legal_representative": "刘强",
               "legal_rep_id_number": VALID_ID_2, "username": "shili", "phone": "13900001111",
               "password": STRONG_PASSWORD}
    response = client.post("/api/v1/accounts/enterprises", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["details"]["errors"][0]["code"] == "credit_code_checksum"
    ok = client.post("/api/v1/accounts/enterprises", {**payload, "credit_code": VALID_USCC},
                     content_type="application/json")
    assert ok.status_code == 201 and ok.json()["kind"] == "enterprise"


def test_me_requires_login(client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_me_is_masked(client, applicant):
    login(client, applicant)
    body = client.get("/api/v1/accounts/me").json()
    assert body["id_number_masked"] == "1101**********0011" and body["phone_masked"] == "138****0000"
    assert "110101199003070011" not in str(body)
    assert body["two_factor_required"] is False


def test_register_api_is_throttled_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register": (2, 3600)}
    for _i in range(2):
        client.post(URL, _payload(password="short"), content_type="application/json")
    response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert not User.objects.exists()
