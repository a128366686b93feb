"""notify_person, delivery with retries, backends, dedupe and the inbox (pages and API)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.test import Client

from tests.conftest import login, make_user
from yiwang.core.errors import InvalidInput
from yiwang.notify import backends
from yiwang.notify.backends import DeliveryError, FileSmsBackend, HttpSmsBackend, SmsPayload
from yiwang.notify.delivery import message_deliver
from yiwang.notify.models import Channel, Message, MessageStatus, NotificationTemplate
from yiwang.notify.services import notify_person
from yiwang.notify.tasks import deliver_message

CLOCK_CONTEXT = {"case_no": "JN2026-000123", "item": "残疾人证核发", "remaining_days": 1, "due_date": "2026-03-02"}


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFY_OUTBOX_DIR = tmp_path / "outbox"
    settings.NOTIFY_SMS_BACKEND = "file"
    settings.NOTIFY_EMAIL_BACKEND = "file"
    return settings.NOTIFY_OUTBOX_DIR


@pytest.fixture
def enqueued(monkeypatch):
    """Record deliveries instead of running them."""
    calls: list[int] = []
    monkeypatch.setattr("yiwang.notify.tasks.deliver_message", lambda message_id: calls.append(message_id))
    return calls


class FlakySms:
    """A backend failing the first ``failures`` calls."""

    def __init__(self, failures: int):
        self.failures = failures
        self.calls = 0

    def send(self, payload: SmsPayload) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError(f"gateway down ({self.calls})")


@pytest.fixture
def flaky(monkeypatch, settings):
    def install(failures: int) -> FlakySms:
        backend = FlakySms(failures)
        settings.NOTIFY_SMS_BACKEND = "flaky"
        monkeypatch.setitem(backends.SMS_BACKENDS, "flaky", lambda: backend)
        return backend

    return install


# --- notify_person ------------------------------------------------------------


def test_notify_person_creates_messages_and_enqueues_only_after_commit(
    applicant, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages = notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT)
        assert enqueued == []  # nothing leaves before commit

    by_channel = {m.channel: m for m in messages}
    assert set(by_channel) == {"inbox", "sms", "email"}
    inbox, sms, email = by_channel["inbox"], by_channel["sms"], by_channel["email"]
    assert inbox.status == MessageStatus.SENT and inbox.sent_at is not None and inbox.read_at is None
    assert "JN2026-000123" in inbox.subject and "王秀英" in inbox.body and "1 个工作日" in inbox.body
    assert sms.status == MessageStatus.QUEUED
    assert sms.sms_template_id == "SMS_CLOCK_WARNING"
    assert sms.params["case_no"] == "JN2026-000123"
    assert email.status == MessageStatus.SKIPPED  # the applicant has no email
    assert len(callbacks) == 1
    assert enqueued == [sms.pk]


def test_rollback_sends_nothing(applicant, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT)
            raise RuntimeError("the calling action failed")
    assert callbacks == []
    assert enqueued == []
    assert not Message.objects.exists()


def test_sms_is_delivered_to_the_file_outbox_after_commit(applicant, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messages = notify_person(user=applicant, template="account.registered", channels=["sms"])

    sms = Message.objects.get(pk=messages[0].pk)
    assert sms.status == MessageStatus.SENT and sms.attempts == 1 and sms.sent_at is not None
    lines = (outbox / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message_id"] == sms.pk
    assert record["to"] == "138****0000"
    assert record["template_id"] == "SMS_ACCOUNT_REGISTERED"
    assert "王秀英" in record["body"]
    assert "13800000000" not in lines[0]


def test_email_is_delivered_when_the_person_has_one(applicant, outbox, django_capture_on_commit_callbacks):
    applicant.email = "wang.xiuying@example.cn"
    applicant.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        [email] = notify_person(user=applicant, template="account.registered", channels=["email"])
    email.refresh_from_db()
    assert email.status == MessageStatus.SENT
    assert email.destination == "w***@example.cn"
    record = json.loads((outbox / "email.jsonl").read_text(encoding="utf-8"))
    assert record["subject"] == "一网政务服务平台：注册成功" and record["to"] == "w***@example.cn"


def test_person_without_phone_is_skipped(county, enqueued, django_capture_on_commit_callbacks):
    person = make_user("nophone", kind="citizen")
    with django_capture_on_commit_callbacks(execute=True):
        [sms] = notify_person(user=person, template="account.registered", channels=["sms"])
    assert sms.status == MessageStatus.SKIPPED and sms.last_error
    assert enqueued == []


def test_dedupe_key_never_sends_twice(applicant, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT,
                              dedupe_key="clock:JN2026-000123:yellow")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT,
                              dedupe_key="clock:JN2026-000123:yellow")
    assert [m.pk for m in again] == [m.pk for m in first]
    assert Message.objects.count() == 3
    assert callbacks == []
    assert len(enqueued) == 1
    # without a key, a second notice is a new message
    notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT, channels=["inbox"])
    assert Message.objects.count() == 4


def test_unknown_template_or_channel_is_invalid_input(applicant):
    with pytest.raises(InvalidInput):
        notify_person(user=applicant, template="no.such.template", context={})
    with pytest.raises(InvalidInput):
        notify_person(user=applicant, template="generic", context={}, channels=["pigeon"])
    assert not Message.objects.exists()


def test_missing_channel_template_falls_back_to_generic(applicant, enqueued):
    NotificationTemplate.objects.create(code="case.accepted", channel=Channel.INBOX, subject="已受理：{{ case_no }}",
                                        body="您的办件 {{ case_no }} 已受理。")
    # default channels: only those the template has
    [inbox] = notify_person(user=applicant, template="case.accepted", context={"case_no": "A-1"})
    assert inbox.channel == "inbox" and inbox.subject == "已受理：A-1"
    # asking for SMS explicitly uses the generic SMS template with the same text
    [sms] = notify_person(user=applicant, template="case.accepted", context={"case_no": "A-2"}, channels=["sms"])
    assert sms.template == "case.accepted"
    assert sms.sms_template_id == "SMS_GENERIC"
    assert sms.body == "已受理：A-2：您的办件 A-2 已受理。"
    assert sms.params == {"name": "王秀英", "title": "已受理：A-2", "text": "您的办件 A-2 已受理。"}


def test_inactive_template_counts_as_missing(applicant):
    NotificationTemplate.objects.filter(code="account.registered").update(is_active=False)
    with pytest.raises(InvalidInput):
        notify_person(user=applicant, template="account.registered")


def test_destination_is_masked_in_the_database_and_the_admin(client: Client, applicant, admin_user, enqueued):
    notify_person(user=applicant, template="account.registered", channels=["sms"])
    sms = Message.objects.get(channel="sms")
    assert sms.destination == "138****0000"
    row = Message.objects.filter(pk=sms.pk).values()[0]
    assert "13800000000" not in json.dumps(row, default=str)

    login(client, admin_user)
    response = client.get("/admin/notify/message/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****0000" in html and "13800000000" not in html
    # the delivery log is read-only
    assert client.get("/admin/notify/message/add/").status_code == 403


# --- delivery and retries -------------------------------------------------------


def test_failing_backend_is_retried_then_marked_failed(applicant, flaky, settings):
    backend = flaky(failures=100)
    [sms] = notify_person(user=applicant, template="account.registered", channels=["sms"])

    # huey runs in immediate mode under pytest; retry_delay=0 makes it run the retries inline.
    deliver_message(sms.pk, retry_delay=0)

    sms.refresh_from_db()
    assert backend.calls == settings.NOTIFY_MAX_RETRIES + 1
    assert sms.attempts == settings.NOTIFY_MAX_RETRIES + 1
    assert sms.status == MessageStatus.FAILED
    assert f"gateway down ({backend.calls})" in sms.last_error
    assert sms.sent_at is None


def test_a_retry_that_succeeds_marks_sent(applicant, flaky):
    backend = flaky(failures=1)
    [sms] = notify_person(user=applicant, template="account.registered", channels=["sms"])
    deliver_message(sms.pk, retry_delay=0)
    sms.refresh_from_db()
    assert (backend.calls, sms.attempts, sms.status, sms.last_error) == (2, 2, MessageStatus.SENT, "")


def test_failure_with_retries_left_stays_queued(applicant, flaky):
    backend = flaky(failures=2)
    [sms] = notify_person(user=applicant, template="account.registered", channels=["sms"])
    with pytest.raises(DeliveryError):
        message_deliver(message_id=sms.pk, final=False)
    sms.refresh_from_db()
    assert sms.status == MessageStatus.QUEUED and sms.attempts == 1 and "gateway down (1)" in sms.last_error

    # With the default delay the task schedules its retry (immediate mode never runs it):
    # the attempt is recorded and the message waits, still queued.
    deliver_message(sms.pk)
    sms.refresh_from_db()
    assert sms.status == MessageStatus.QUEUED and sms.attempts == 2 and "gateway down (2)" in sms.last_error

    deliver_message(sms.pk)
    sms.refresh_from_db()
    assert (backend.calls, sms.status, sms.attempts) == (3, MessageStatus.SENT, 3)


def test_stale_queued_messages_are_enqueued_again(applicant, enqueued):
    from datetime import timedelta

    from django.utils import timezone

    from yiwang.notify.services import message_requeue_stale

    [sms] = notify_person(user=applicant, template="account.registered", channels=["sms"])
    assert message_requeue_stale() == 0
    Message.objects.filter(pk=sms.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert message_requeue_stale() == 1
    assert enqueued == [sms.pk]


def test_final_failure_is_failed_and_sent_messages_are_not_resent(applicant, flaky):
    backend = flaky(failures=1)
    [sms] = notify_person(user=applicant, template="account.registered", channels=["sms"])
    with pytest.raises(DeliveryError):
        message_deliver(message_id=sms.pk, final=True)
    sms.refresh_from_db()
    assert sms.status == MessageStatus.FAILED
    # a failed message is not picked up again
    message_deliver(message_id=sms.pk)
    assert backend.calls == 1

    Message.objects.filter(pk=sms.pk).update(status=MessageStatus.SENT)
    message_deliver(message_id=sms.pk)
    assert backend.calls == 1


# --- backends ---------------------------------------------------------------------


def test_file_backend_appends_json_lines(outbox):
    FileSmsBackend().send(SmsPayload(message_id=1, phone="13912345678", template_id="T1", params={"a": "1"}, body="b"))
    FileSmsBackend().send(SmsPayload(message_id=2, phone="13912345678", template_id="T1", body="c"))
    lines = (outbox / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["message_id"] for line in lines] == [1, 2]
    assert json.loads(lines[0])["to"] == "139****5678"


class _Gateway(BaseHTTPRequestHandler):
    status = 200
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        self.received.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/sms/send"
    settings.NOTIFY_SMS_GATEWAY_TOKEN = "gw-token"
    settings.NOTIFY_SMS_SIGN = "一网政务"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_bearer(gateway):
    HttpSmsBackend().send(SmsPayload(message_id=9, phone="13912345678", template_id="SMS_X",
                                     params={"case_no": "A-1"}, body="ignored"))
    [request] = gateway.received
    assert request["body"] == {"phone": "13912345678", "template_id": "SMS_X", "params": {"case_no": "A-1"},
                               "sign": "一网政务"}
    assert request["headers"]["Authorization"] == "Bearer gw-token"


def test_http_gateway_error_raises(gateway):
    gateway.status = 503
    with pytest.raises(DeliveryError, match="503"):
        HttpSmsBackend().send(SmsPayload(message_id=9, phone="13912345678", template_id="SMS_X"))


def test_http_gateway_unreachable_or_unset_raises(settings):
    settings.NOTIFY_SMS_GATEWAY_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    with pytest.raises(DeliveryError):
        HttpSmsBackend().send(SmsPayload(message_id=9, phone="13912345678", template_id="SMS_X"))
    settings.NOTIFY_SMS_GATEWAY_URL = None
    with pytest.raises(DeliveryError):
        HttpSmsBackend().send(SmsPayload(message_id=9, phone="13912345678", template_id="SMS_X"))


def test_end_to_end_through_http_gateway(applicant, gateway, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_BACKEND = "http"
    with django_capture_on_commit_callbacks(execute=True):
        [sms] = notify_person(user=applicant, template="clock.warning", context=CLOCK_CONTEXT, channels=["sms"])
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT
    body = gateway.received[0]["body"]
    assert body["phone"] == "13800000000"  # decrypted only when sending
    assert body["template_id"] == "SMS_CLOCK_WARNING" and body["params"]["remaining_days"] == "1"


def test_smtp_backend_uses_django_mail(applicant, settings, django_capture_on_commit_callbacks, mailoutbox):
    settings.NOTIFY_EMAIL_BACKEND = "smtp"
    applicant.email = "wang@example.cn"
    applicant.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify_person(user=applicant, template="account.registered", channels=["email"])
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["wang@example.cn"]
    assert Message.objects.get().status == MessageStatus.SENT


# --- inbox pages ----------------------------------------------------------------------


@pytest.fixture
def inbox_messages(applicant, clerk_b):
    mine = notify_person(user=applicant, template="generic", context={"title": "您的办件已受理", "text": "请留意进度"},
                         channels=["inbox"])[0]
    theirs = notify_person(user=clerk_b, template="generic", context={"title": "张伟的消息", "text": "机密"},
                           channels=["inbox"])[0]
    return mine, theirs


def test_inbox_requires_login(client: Client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.post("/inbox/1/read/").status_code == 302


def test_inbox_lists_only_my_messages(client: Client, applicant, inbox_messages):
    client.force_login(applicant)
    response = client.get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "您的办件已受理" in html and "张伟的消息" not in html
    assert client.get("/inbox/unread-count/").json() == {"unread": 1}


def test_mark_read_own_message(client: Client, applicant, inbox_messages):
    mine, _ = inbox_messages
    client.force_login(applicant)
    response = client.post(f"/inbox/{mine.pk}/read/")
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get("/inbox/unread-count/").json() == {"unread": 0}


def test_mark_read_someone_elses_message_is_404(client: Client, applicant, inbox_messages):
    _, theirs = inbox_messages
    client.force_login(applicant)
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(client: Client, applicant, inbox_messages):
    mine, _ = inbox_messages
    client.force_login(applicant)
    assert client.get(f"/inbox/{mine.pk}/read/").status_code == 405


def test_mark_all_read_touches_only_mine(client: Client, applicant, inbox_messages):
    mine, theirs = inbox_messages
    client.force_login(applicant)
    client.post("/inbox/read-all/")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


# --- inbox API ---------------------------------------------------------------------------


def test_inbox_api_anonymous_is_401(client: Client):
    response = client.get("/api/v1/notify/inbox")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_inbox_api_lists_mine(client: Client, applicant, inbox_messages):
    client.force_login(applicant)
    body = client.get("/api/v1/notify/inbox").json()
    assert body["unread"] == 1 and body["total"] == 1
    assert [m["subject"] for m in body["items"]] == ["您的办件已受理"]


def test_inbox_api_read_own_and_not_others(client: Client, applicant, inbox_messages):
    mine, theirs = inbox_messages
    client.force_login(applicant)
    response = client.post(f"/api/v1/notify/inbox/{theirs.pk}/read")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(f"/api/v1/notify/inbox/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.get("/api/v1/notify/inbox?unread_only=true").json()["total"] == 0


def test_inbox_api_rejects_bad_paging(client: Client, applicant):
    client.force_login(applicant)
    response = client.get("/api/v1/notify/inbox?limit=100000")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


# --- sending through the API --------------------------------------------------------------


def test_staff_send_needs_notify_permission(client: Client, clerk_a, admin_user, applicant, enqueued):
    payload = {"username": applicant.username, "template": "generic", "context": {"title": "t", "text": "x"},
               "channels": ["inbox"]}
    login(client, clerk_a)
    response = client.post("/api/v1/notify/send", data=payload, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Message.objects.exists()

    login(client, admin_user)
    response = client.post("/api/v1/notify/send", data=payload, content_type="application/json")
    assert response.status_code == 200
    assert Message.objects.filter(recipient=applicant).count() == 1

    from yiwang.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="notify.send", actor_id=admin_user.pk).exists()


def test_send_to_unknown_person_is_404(client: Client, admin_user):
    login(client, admin_user)
    response = client.post("/api/v1/notify/send", data={"username": "ghost", "template": "generic"},
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_console_backend_logs_masked(applicant, settings, caplog, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_BACKEND = "console"
    with caplog.at_level("INFO", logger="yiwang.notify"), django_capture_on_commit_callbacks(execute=True):
        notify_person(user=applicant, template="account.registered", channels=["sms"])
    assert "138****0000" in caplog.text and "13800000000" not in caplog.text
    assert Message.objects.get().status == MessageStatus.SENT
