"""SMS to people without an account: recorded, encrypted, deduplicated, delivered after commit."""

import json

import pytest

from yiwang.notify.models import Message, MessageStatus
from yiwang.notify.services import notify_phone


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFY_SMS_BACKEND = "file"
    settings.NOTIFY_OUTBOX_DIR = tmp_path
    return tmp_path


def test_bare_phone_sms_is_recorded_masked_and_sent(db, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_phone(phone="13912345678", template="generic",
                               context={"title": "办件进度", "text": "您的申请已受理"}, dedupe_key="case-1-accepted")
    message.refresh_from_db()
    assert message.recipient_id is None
    assert message.destination == "139****5678"
    assert "13912345678" not in message.phone_enc
    assert message.status == MessageStatus.SENT
    line = json.loads((outbox / "sms.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert "您的申请已受理" in json.dumps(line, ensure_ascii=False)


def test_bare_phone_dedupe_and_rollback(db, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_phone(phone="13912345678", template="generic", context={"title": "t", "text": "x"},
                             dedupe_key="same")
        second = notify_phone(phone="13912345678", template="generic", context={"title": "t", "text": "x"},
                              dedupe_key="same")
    assert first.pk == second.pk
    assert Message.objects.filter(recipient__isnull=True).count() == 1
    assert notify_phone(phone="  ", template="generic") is None


def test_unknown_template_is_invalid(db, outbox):
    from yiwang.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        notify_phone(phone="13912345678", template="no.such.template")
