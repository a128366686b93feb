"""Staff accounts, admin masking, and PII key rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.accounts.helpers import STRONG_PASSWORD, VALID_ID_2, VALID_USCC
from yiwang.accounts import services
from yiwang.accounts.models import AccountKind, Enterprise, User
from yiwang.core import crypto
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

OLD_KEY = "kold:" + "11" * 16
NEW_KEY = "knew:" + "22" * 16


# --- staff ----------------------------------------------------------------------------------


def test_staff_create_by_system():
    user = services.staff_create(username="li_na", real_name="李娜", password=STRONG_PASSWORD, phone="13900000020")
    assert user.kind == AccountKind.STAFF and user.needs_two_factor
    assert user.phone_masked == "139****0020" and user.decrypt_phone() == "13900000020"
    assert AuditEvent.objects.filter(action="account.staff_create", object_id=str(user.pk)).exists()


def test_staff_create_by_administrator(admin_user):
    position = admin_user.positions.get()
    user = services.staff_create(username="new_clerk", real_name="新人", password=STRONG_PASSWORD,
                                 id_number=VALID_ID_2, actor=admin_user, position=position)
    assert user.id_number_masked == "1101**********0017"
    event = AuditEvent.objects.get(action="account.staff_create")
    assert event.actor_id == admin_user.pk


def test_staff_create_forbidden_for_clerk(clerk_a):
    with pytest.raises(PermissionDenied):
        services.staff_create(username="sneaky", real_name="某人", password=STRONG_PASSWORD, actor=clerk_a,
                              position=clerk_a.positions.get())
    assert not User.objects.filter(username="sneaky").exists()


def test_staff_create_validates(db):
    with pytest.raises(InvalidInput):
        services.staff_create(username="x", real_name="", password="123")
    services.staff_create(username="dup_user", real_name="甲", password=STRONG_PASSWORD)
    with pytest.raises(Conflict):
        services.staff_create(username="dup_user", real_name="乙", password=STRONG_PASSWORD)


def test_admin_user_list_is_masked(login_as, admin_user, applicant):
    client = login_as(admin_user)
    html = client.get("/admin/accounts/user/").content.decode()
    assert "1101**********0011" in html and "138****0000" in html
    assert "110101199003070011" not in html and "13800000000" not in html
    change = client.get(f"/admin/accounts/user/{applicant.pk}/change/").content.decode()
    assert "1101**********0011" in change
    assert "sm4g1:" not in change and applicant.id_number_index not in change


def test_admin_sets_phone_through_service(login_as, admin_user, clerk_b):
    client = login_as(admin_user)
    url = f"/admin/accounts/user/{clerk_b.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"groups", "user_permissions"}}
    data.update({"username": "clerk_b", "kind": "staff", "real_name": "张伟", "new_phone": "13911112222",
                 "new_id_number": "", "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00",
                 "is_active": "on"})
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    clerk_b.refresh_from_db()
    assert clerk_b.decrypt_phone() == "13911112222" and clerk_b.phone_masked == "139****2222"
    assert AuditEvent.objects.filter(action="person.pii_update", object_id=str(clerk_b.pk)).exists()


def test_user_pii_update_rejects_duplicate_id(admin_user, applicant, clerk_b):
    with pytest.raises(Conflict):
        services.user_pii_update(actor=admin_user, user=clerk_b, id_number=applicant.decrypt_id_number())


# --- key rotation ------------------------------------------------------------------------------


def test_rotation_re_encrypts_and_old_ciphertexts_still_decrypt(db):
    # given: data written under the old key
    with override_settings(PII_KEYS=[OLD_KEY]):
        citizen = services.citizen_register(real_name="王秀英", id_number="110101199003070011",
                                            phone="13800000000", password=STRONG_PASSWORD).user
        enterprise = services.enterprise_register(
            credit_code=VALID_USCC, enterprise_name="示例公司", legal_representative="刘强",
            legal_rep_id_number=VALID_ID_2, username="shili", phone="13900001111",
            password=STRONG_PASSWORD).enterprise
    old_id_ct = User.objects.get(pk=citizen.pk).id_number_enc
    assert crypto.key_id_of(old_id_ct) == "kold"
    with override_settings(PII_KEYS=[NEW_KEY, OLD_KEY]):
        # old ciphertexts still decrypt before the rekey
        assert User.objects.get(pk=citizen.pk).decrypt_id_number() == "110101199003070011"
        assert services.pii_rekey(dry_run=True)["total"] == 4
        # when
        counts = services.pii_rekey(batch_size=1)
        # then
        assert counts["accounts.user.id_number_enc"] == 1
        assert counts["accounts.user.phone_enc"] == 2
        assert counts["accounts.enterprise.legal_rep_id_enc"] == 1
        assert counts["total"] == 4
        fresh = User.objects.get(pk=citizen.pk)
        assert crypto.key_id_of(fresh.id_number_enc) == "knew" and fresh.id_number_enc != old_id_ct
        assert fresh.decrypt_id_number() == "110101199003070011"
        assert fresh.id_number_index == citizen.id_number_index  # blind index unchanged
        assert services.pii_rekey()["total"] == 0  # idempotent
    # the old key can now be dropped
    with override_settings(PII_KEYS=[NEW_KEY]):
        assert User.objects.get(pk=citizen.pk).decrypt_phone() == "13800000000"
        assert Enterprise.objects.get(pk=enterprise.pk).decrypt_legal_rep_id() == VALID_ID_2
    with override_settings(PII_KEYS=[OLD_KEY]), pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=citizen.pk).decrypt_phone()
    assert AuditEvent.objects.filter(action="pii.rekey").count() == 2


def test_rotate_command_reports_counts(applicant):
    out = StringIO()
    with override_settings(PII_KEYS=[NEW_KEY, *settings.PII_KEYS]):
        call_command("rotate_pii_keys", stdout=out)
        assert crypto.key_id_of(User.objects.get(pk=applicant.pk).phone_enc) == "knew"
    text = out.getvalue()
    assert "re-encrypted 2 of 2" in text and "accounts.user.phone_enc: 1" in text


def test_admin_adds_staff_with_masked_pii(login_as, admin_user):
    client = login_as(admin_user)
    assert client.get("/admin/accounts/user/add/").status_code == 200
    bad = client.post("/admin/accounts/user/add/", {
        "username": "wang_clerk", "real_name": "王窗口", "kind": "staff", "new_id_number": "110101199003070012",
        "new_phone": "", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert bad.status_code == 200 and "校验位不正确" in bad.content.decode()
    assert not User.objects.filter(username="wang_clerk").exists()
    response = client.post("/admin/accounts/user/add/", {
        "username": "wang_clerk", "real_name": "王窗口", "kind": "staff", "new_id_number": VALID_ID_2,
        "new_phone": "13900005555", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username="wang_clerk")
    assert user.kind == "staff" and user.decrypt_id_number() == VALID_ID_2 and user.phone_masked == "139****5555"


def test_reindex_after_index_key_rotation(db, settings):
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import make_user
    from yiwang.accounts.models import User
    from yiwang.core import crypto

    user = make_user("reindexed", kind="citizen", id_number="110101199003070011", phone="13800000000")
    old_index = user.id_number_index
    settings.PII_INDEX_KEY = "ab" * 32
    call_command("rotate_pii_keys", "--reindex", stdout=StringIO())
    user = User.objects.get(pk=user.pk)
    assert user.id_number_index != old_index
    assert user.id_number_index == crypto.blind_index("110101199003070011", purpose="id_number")
    assert user.phone_index == crypto.blind_index("13800000000", purpose="phone")
