"""Registration of citizens and enterprises: services, forms and pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.accounts.helpers import (
    BAD_CHECKSUM_ID,
    BAD_DATE_ID,
    BAD_USCC,
    SHORT_ID,
    STRONG_PASSWORD,
    UNKNOWN_REGION_ID,
    VALID_ID,
    VALID_ID_2,
    VALID_USCC,
    sms_code,
)
from yiwang.accounts import services
from yiwang.accounts.models import AccountKind, Enterprise, PendingRegistration, User
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.models import AuditEvent
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def _citizen(**overrides):
    data = {"real_name": "王秀英", "id_number": VALID_ID, "phone": "13800000000", "password": STRONG_PASSWORD}
    data.update(overrides)
    return services.citizen_register(**data)


def _enterprise(**overrides):
    data = {"credit_code": VALID_USCC, "enterprise_name": "莒南县示例农业有限公司", "legal_representative": "刘强",
            "legal_rep_id_number": VALID_ID_2, "username": "shili_nongye", "phone": "13900001111",
            "password": STRONG_PASSWORD}
    data.update(overrides)
    return services.enterprise_register(**data)


def _error_codes(exc) -> dict[str, str]:
    return {e["field"]: e["code"] for e in exc.details["errors"]}


# --- citizens ---------------------------------------------------------------------------------


def test_citizen_register_happy_path():
    # when
    result = _citizen()
    # then
    user = User.objects.get(pk=result.user.pk)
    assert user.kind == AccountKind.CITIZEN
    assert user.username == "13800000000"  # phone by default
    assert user.check_password(STRONG_PASSWORD)
    assert user.decrypt_id_number() == VALID_ID
    assert user.decrypt_phone() == "13800000000"
    assert user.id_number_masked == "1101**********0011"
    assert user.phone_masked == "138****0000"
    assert result.warnings == [] and user.id_number_warning == ""
    event = AuditEvent.objects.get(action="account.register", object_id=str(user.pk))
    assert event.after["id_number"] == "1101**********0011"
    assert VALID_ID not in str(event.after) and "13800000000" not in str(event.after)
    assert event.after["username"] == "138****0000"


def test_citizen_may_choose_a_username():
    assert _citizen(username="wangxiuying").user.username == "wangxiuying"


@pytest.mark.parametrize(("id_number", "code"), [
    (BAD_CHECKSUM_ID, "id_checksum"), (SHORT_ID, "id_length"), (BAD_DATE_ID, "id_birth_date"),
])
def test_citizen_bad_id_is_rejected(id_number, code):
    with pytest.raises(InvalidInput) as info:
        _citizen(id_number=id_number)
    assert _error_codes(info.value)["id_number"] == code
    assert not User.objects.exists()


def test_citizen_lists_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as info:
        _citizen(real_name="", phone="12345", password="123")
    assert set(_error_codes(info.value)) == {"real_name", "phone", "username", "password"}


def test_weak_password_rejected_by_django_validators():
    with pytest.raises(InvalidInput) as info:
        _citizen(password="1234567890")
    assert _error_codes(info.value)["password"] == "password_weak"


def test_unknown_region_registers_with_warning():
    result = _citizen(id_number=UNKNOWN_REGION_ID)
    assert result.warnings == ["id_region_unknown"]
    assert result.user.id_number_warning == "id_region_unknown"
    event = AuditEvent.objects.get(action="account.register", object_id=str(result.user.pk))
    assert event.after["warnings"] == ["id_region_unknown"]


def test_duplicate_id_is_a_conflict_that_does_not_name_the_id(client):
    _citizen()
    with pytest.raises(Conflict) as info:
        _citizen(phone="13800000001", username="another")
    # the answer names no field: it must not tell a visitor that this ID number has an account
    assert _error_codes(info.value) == {"": "registration_refused"}
    assert "身份证" not in info.value.message or "窗口" in info.value.message
    assert User.objects.count() == 1


def test_taken_default_username_gets_the_same_answer_as_a_taken_id():
    _citizen()
    with pytest.raises(Conflict) as by_phone:
        _citizen(id_number=VALID_ID_2)  # same phone → same default username
    with pytest.raises(Conflict) as by_id:
        _citizen(phone="13800000001", username="another")
    assert by_phone.value.as_dict() == by_id.value.as_dict()


def test_a_chosen_username_that_is_taken_is_named():
    _citizen(username="wangxy")
    with pytest.raises(Conflict) as info:
        _citizen(id_number=VALID_ID_2, phone="13800000001", username="wangxy")
    assert _error_codes(info.value) == {"username": "username_taken"}


def test_pii_is_encrypted_at_rest():
    user = _citizen().user
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, phone_enc, id_number_index, phone_index FROM accounts_user "
                       "WHERE id = %s", [user.pk])
        row = cursor.fetchone()
    raw = " ".join(row)
    assert row[0].startswith("sm4g1:") and row[1].startswith("sm4g1:")
    assert VALID_ID not in raw and "13800000000" not in raw and "0307" not in row[0]


# --- enterprises ------------------------------------------------------------------------------


def test_enterprise_register_happy_path():
    result = _enterprise(address="莒南县十字路街道")
    user = User.objects.get(pk=result.user.pk)
    enterprise = Enterprise.objects.get(account=user)
    assert user.kind == AccountKind.ENTERPRISE
    assert user.display_name == "莒南县示例农业有限公司"
    assert enterprise.credit_code == VALID_USCC
    assert enterprise.decrypt_legal_rep_id() == VALID_ID_2
    assert enterprise.legal_rep_id_masked == "1101**********0017"
    assert VALID_ID_2 not in enterprise.legal_rep_id_enc
    assert user.decrypt_phone() == "13900001111"


def test_enterprise_bad_credit_code():
    with pytest.raises(InvalidInput) as info:
        _enterprise(credit_code=BAD_USCC)
    assert _error_codes(info.value) == {"credit_code": "credit_code_checksum"}
    assert not User.objects.exists() and not Enterprise.objects.exists()


def test_enterprise_bad_legal_rep_id():
    with pytest.raises(InvalidInput) as info:
        _enterprise(legal_rep_id_number=BAD_CHECKSUM_ID)
    assert _error_codes(info.value) == {"legal_rep_id_number": "id_checksum"}


def test_enterprise_duplicate_credit_code():
    _enterprise()
    with pytest.raises(Conflict) as info:
        _enterprise(username="another_co")
    assert _error_codes(info.value) == {"credit_code": "credit_code_taken"}
    assert User.objects.count() == 1 and Enterprise.objects.count() == 1


def test_enterprise_integrity_race_leaves_nothing(monkeypatch):
    """A double submit that slips past the pre-check hits the unique index; nothing half-made remains."""
    _enterprise()
    monkeypatch.setattr(services, "_uniqueness", lambda *a, **k: None)
    monkeypatch.setattr(Enterprise.objects, "filter", lambda *a, **k: Enterprise.objects.none())
    with pytest.raises(Conflict):
        _enterprise(username="second_try")
    assert not User.objects.filter(username="second_try").exists()
    assert User.objects.count() == 1


# --- pages ------------------------------------------------------------------------------------


def _citizen_form(**overrides):
    data = {"real_name": "王秀英", "id_number": VALID_ID, "phone": "13800000000", "username": "",
            "password": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    data.update(overrides)
    return data


def test_register_chooser_page(client):
    response = client.get(reverse("accounts:register"))
    assert response.status_code == 200
    assert reverse("accounts:register_citizen") in response.content.decode()
    assert reverse("accounts:register_enterprise") in response.content.decode()


def test_citizen_register_page_accessible_markup(client):
    html = client.get(reverse("accounts:register_citizen")).content.decode()
    assert '<label for="id_id_number">' in html
    assert 'autocomplete="tel"' in html and 'autocomplete="new-password"' in html


def _register_through_pages(client, **overrides):
    """Both steps in the browser: the form, then the code from the SMS."""
    data = _citizen_form(**overrides)
    first = client.post(reverse("accounts:register_citizen"), data)
    assert first.status_code == 302 and first.url == reverse("accounts:register_citizen_confirm")
    phone = data["phone"]
    code = sms_code(f"{phone[:3]}****{phone[-4:]}")
    return client.post(reverse("accounts:register_citizen_confirm"), {"code": code})


def test_citizen_register_page_success_logs_in(client):
    response = _register_through_pages(client)
    assert response.status_code == 302 and response.url == reverse("accounts:me")
    me = client.get(reverse("accounts:me")).content.decode()
    assert "1101**********0011" in me and VALID_ID not in me


def test_citizen_register_page_bad_checksum_shows_field_error(client):
    response = client.post(reverse("accounts:register_citizen"), _citizen_form(id_number=BAD_CHECKSUM_ID))
    html = response.content.decode()
    assert response.status_code == 400
    assert "校验位不正确" in html
    assert 'id="id_id_number_error"' in html
    assert 'aria-describedby="id_id_number_helptext id_id_number_error"' in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.exists()


def test_citizen_register_page_warning_message(client):
    response = _register_through_pages(client, id_number=UNKNOWN_REGION_ID)
    page = client.get(response.url)
    assert "地区码" in page.content.decode()
    assert User.objects.get().id_number_warning == "id_region_unknown"


def test_registration_is_throttled_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register": (3, 3600)}
    for i in range(3):
        response = client.post(reverse("accounts:register_citizen"), _citizen_form(password2=f"mismatch-{i}"),
                               REMOTE_ADDR="10.5.5.5")
        assert response.status_code == 400
    # the fourth try, even a valid one, is refused and sends nothing
    refused = client.post(reverse("accounts:register_citizen"), _citizen_form(), REMOTE_ADDR="10.5.5.5")
    assert refused.status_code == 429 and "尝试次数过多" in refused.content.decode()
    assert not PendingRegistration.objects.exists() and not Message.objects.exists()
    # another address is not affected
    other = client.post(reverse("accounts:register_citizen"), _citizen_form(), REMOTE_ADDR="10.5.5.6")
    assert other.status_code == 302


def test_password_mismatch(client):
    response = client.post(reverse("accounts:register_citizen"), _citizen_form(password2="Other-Horse-2026"))
    assert response.status_code == 400 and "不一致" in response.content.decode()
    assert not User.objects.exists()


def test_enterprise_register_page(client):
    data = {"enterprise_name": "莒南县示例农业有限公司", "credit_code": VALID_USCC, "legal_representative": "刘强",
            "legal_rep_id_number": VALID_ID_2, "address": "", "username": "shili_nongye", "phone": "13900001111",
            "password": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    bad = client.post(reverse("accounts:register_enterprise"), {**data, "credit_code": BAD_USCC})
    assert bad.status_code == 400 and "统一社会信用代码校验位不正确" in bad.content.decode()
    ok = client.post(reverse("accounts:register_enterprise"), data, follow=True)
    html = ok.content.decode()
    assert ok.status_code == 200 and VALID_USCC in html and "1101**********0017" in html
    assert Enterprise.objects.count() == 1
