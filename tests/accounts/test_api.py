"""Accounts API: registration answers 201, or 400/409 with {code, message, details}."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import (
    BAD_CHECKSUM_ID,
    BAD_USCC,
    STRONG_PASSWORD,
    UNKNOWN_REGION_ID,
    VALID_ID_2,
    VALID_USCC,
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


def test_register_citizen_201(client):
    response = client.post(URL, _payload(), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "13800000000" and body["kind"] == "citizen" and body["warnings"] == []
    assert User.objects.filter(pk=body["id"]).exists()


def test_register_citizen_warning(client):
    response = client.post(URL, _payload(id_number=UNKNOWN_REGION_ID), content_type="application/json")
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


def test_register_citizen_duplicate_409(client):
    client.post(URL, _payload(), content_type="application/json")
    response = client.post(URL, _payload(phone="13800000001"), content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert User.objects.count() == 1


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
