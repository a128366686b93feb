"""Issue, verify, revoke and expire licences through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_position, make_user
from tests.licences.conftest import build_case, position_of
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.licences.models import Licence
from yiwang.licences.services import licence_expire_due, licence_issue, licence_revoke, licence_verify
from yiwang.licences.signing import canonical_bytes, digest_of
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(granted_case, approver):
    return licence_issue(case=granted_case, actor=approver, position=position_of(approver))


def test_issue_builds_signed_canonical_data(licence, granted_case, approver):
    # then
    assert licence.number.startswith(f"JN-APPROVAL-{timezone.localdate().year}-")
    assert licence.case == granted_case and licence.holder_user == granted_case.applicant_user
    data = licence.data
    assert data["number"] == licence.number
    assert data["title"] == "食品经营许可证"
    assert data["holder"] == {"name": "王秀英", "id_masked": "1101**********0011", "credit_code": ""}
    assert data["issuer"]["name"] == "莒南县行政审批服务局"
    assert ["经营项目", "热食类食品制售"] in data["contents"]
    assert licence.valid_until == licence.valid_from.replace(year=licence.valid_from.year + 5) - timedelta(days=1)
    assert licence.data_digest == digest_of(data)
    assert canonical_bytes(data).decode().startswith('{"case_number":')
    assert len(licence.verify_code) >= 8 and licence.pdf and len(licence.pdf_sha256) == 64
    assert AuditEvent.objects.filter(action="licence.issue", object_id=str(licence.pk)).exists()


def test_issue_is_idempotent_per_case(licence, granted_case, approver):
    again = licence_issue(case=granted_case, actor=approver, position=position_of(approver))
    assert again.pk == licence.pk
    assert Licence.objects.count() == 1
    assert AuditEvent.objects.filter(action="licence.issue").count() == 1


def test_numbers_increase(food_version, applicant, approver):
    first = licence_issue(case=build_case(food_version, applicant=applicant, number="C1"), actor=approver,
                          position=position_of(approver))
    second = licence_issue(case=build_case(food_version, applicant=applicant, number="C2"), actor=approver,
                           position=position_of(approver), valid_years=0, extra={"contents": {"备注": "连锁门店"}})
    assert first.number.endswith("-000001") and second.number.endswith("-000002")
    assert second.valid_until is None and second.data["valid_until"] is None
    assert ["备注", "连锁门店"] in second.data["contents"]


def test_issue_requires_granted_case(food_version, applicant, approver):
    case = build_case(food_version, applicant=applicant, status="in_progress")
    with pytest.raises(Conflict):
        licence_issue(case=case, actor=approver, position=position_of(approver))
    assert not Licence.objects.exists()


def test_issue_forbidden_without_perm_or_scope(granted_case, applicant, clerk_b, supervisor):
    with pytest.raises(PermissionDenied):  # citizen: no position at all
        licence_issue(case=granted_case, actor=applicant, position=None)
    with pytest.raises(PermissionDenied):  # supervisor: no LICENCE_ISSUE
        licence_issue(case=granted_case, actor=supervisor, position=position_of(supervisor))
    with pytest.raises(PermissionDenied):  # clerk of another township: out of scope
        licence_issue(case=granted_case, actor=clerk_b, position=position_of(clerk_b))
    assert not Licence.objects.exists()


def test_issue_rejects_bad_extra(granted_case, approver):
    with pytest.raises(InvalidInput):
        licence_issue(case=granted_case, actor=approver, position=position_of(approver), extra={"contents": "x"})
    with pytest.raises(InvalidInput):
        licence_issue(case=granted_case, actor=approver, position=position_of(approver), valid_years=-1)


def test_issue_notifies_holder_on_commit(granted_case, approver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        licence = licence_issue(case=granted_case, actor=approver, position=position_of(approver))
    messages = Message.objects.filter(recipient=granted_case.applicant_user, template="licence.issued")
    assert {m.channel for m in messages} == {"inbox", "sms"}
    assert licence.number in messages.get(channel="inbox").body


def test_licence_is_immutable(licence):
    licence.holder_name = "李四"
    with pytest.raises(Conflict):
        licence.save()
    with pytest.raises(Conflict):
        licence.save(update_fields=["data"])
    assert Licence.objects.get(pk=licence.pk).holder_name == "王秀英"


def test_verify_valid_then_tampered_in_database(licence):
    assert licence_verify(number=licence.number, code=licence.verify_code).status == "valid"
    # when someone edits the stored data behind the platform's back
    data = dict(licence.data, contents=[["经营项目", "热食类、冷食类、生食类食品制售"]])
    Licence.objects.filter(pk=licence.pk).update(data=data)
    # then
    result = licence_verify(number=licence.number, code=licence.verify_code)
    assert result.status == "tampered" and result.reason == "digest"


def test_tampering_with_columns_or_resigned_digest_is_detected(licence):
    Licence.objects.filter(pk=licence.pk).update(holder_name="李四")
    assert licence_verify(number=licence.number, code=licence.verify_code).status == "tampered"
    Licence.objects.filter(pk=licence.pk).update(holder_name="王秀英")
    # data changed and the digest recomputed, but the signature no longer matches
    data = dict(licence.data, title="药品经营许可证")
    Licence.objects.filter(pk=licence.pk).update(data=data, data_digest=digest_of(data))
    result = licence_verify(number=licence.number, code=licence.verify_code)
    assert (result.status, result.reason) == ("tampered", "signature")


def test_wrong_or_missing_code_is_not_found(licence):
    assert licence_verify(number=licence.number, code="wrong").status == "not_found"
    assert licence_verify(number=licence.number, code="").status == "not_found"
    assert licence_verify(number="JN-NOPE-2026-000001", code=licence.verify_code).status == "not_found"


def test_untrusted_key_is_tampered(granted_case, approver, settings):
    original = settings.AUDIT_SM2_PRIVATE_KEY
    settings.AUDIT_SM2_PRIVATE_KEY = "1" * 64  # a key that is not the platform's
    licence = licence_issue(case=granted_case, actor=approver, position=position_of(approver))
    rogue_public = licence.public_key
    settings.AUDIT_SM2_PRIVATE_KEY = original
    result = licence_verify(number=licence.number, code=licence.verify_code)
    assert (result.status, result.reason) == ("tampered", "untrusted_key")
    # a retired key listed as trusted verifies again
    settings.AUDIT_SM2_TRUSTED_PUBLIC_KEYS = [rogue_public]
    assert licence_verify(number=licence.number, code=licence.verify_code).status == "valid"


def test_revoke_by_department_head(licence, dept_head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revoked = licence_revoke(licence=licence, reason="申请人自行申请注销", actor=dept_head,
                                 position=position_of(dept_head))
    assert revoked.status == "revoked" and revoked.revoked_by == dept_head and revoked.revoked_at
    result = licence_verify(number=licence.number, code=licence.verify_code)
    assert result.status == "revoked"
    assert AuditEvent.objects.filter(action="licence.revoke", object_id=str(licence.pk)).exists()
    assert Message.objects.filter(template="licence.revoked", channel="inbox").count() == 1
    with pytest.raises(Conflict):
        licence_revoke(licence=licence, reason="再次注销", actor=dept_head, position=position_of(dept_head))


def test_revoke_forbidden(licence, clerk_a, clerk_b, approver, applicant, county):
    for user in (clerk_b, clerk_a, approver):  # no LICENCE_REVOKE
        with pytest.raises(PermissionDenied):
            licence_revoke(licence=licence, reason="x", actor=user, position=position_of(user))
    with pytest.raises(PermissionDenied):
        licence_revoke(licence=licence, reason="x", actor=applicant, position=None)
    # a department head of another department: has the permission but not the scope
    other = make_user("head_other")
    make_position(other, "department_head", county.county, county.civil_affairs)
    with pytest.raises(PermissionDenied):
        licence_revoke(licence=licence, reason="x", actor=other, position=position_of(other))
    assert Licence.objects.get(pk=licence.pk).status == "valid"


def test_revoke_needs_reason(licence, dept_head):
    with pytest.raises(InvalidInput):
        licence_revoke(licence=licence, reason="  ", actor=dept_head, position=position_of(dept_head))


def test_expired(licence):
    later = licence.valid_until + timedelta(days=1)
    assert licence_expire_due(today=licence.valid_until) == 0
    assert licence_expire_due(today=later) == 1
    assert licence_verify(number=licence.number, code=licence.verify_code).status == "expired"


def test_holder_without_account_gets_sms(food_version, approver, django_capture_on_commit_callbacks):
    from yiwang.cases.personal_data import encrypt_phone

    case = build_case(food_version, applicant=None, number="WIN1", applicant_phone_enc=encrypt_phone("13700000000"))
    with django_capture_on_commit_callbacks(execute=True):
        licence = licence_issue(case=case, actor=approver, position=position_of(approver))
    message = Message.objects.get(template="licence.issued", recipient__isnull=True)
    assert message.channel == "sms" and message.destination == "137****0000" and licence.number in message.body
