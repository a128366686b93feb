"""Delivery of one queued SMS/email message (no enqueueing: ``notify.tasks`` calls this, and
``notify.services`` enqueues those tasks; imports go services → tasks → delivery).

* ``message_deliver``: claim the message (attempt counter), send it through the configured backend,
  mark it sent, or keep the error and re-raise so the queue retries; ``final`` marks it failed;
* ``stale_message_ids``: messages still queued long after creation (the queue was down at commit).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from yiwang.notify.backends import DeliveryError, EmailPayload, SmsPayload, get_email_backend, get_sms_backend
from yiwang.notify.models import Channel, Message, MessageStatus

logger = logging.getLogger("yiwang.notify")


def stale_message_ids(*, older_than_minutes: int = 30, limit: int = 500) -> list[int]:
    """Ids of messages still queued ``older_than_minutes`` after creation (at most two days old)."""
    now = timezone.now()
    return list(
        Message.objects.filter(
            status=MessageStatus.QUEUED,
            created_at__lt=now - timedelta(minutes=older_than_minutes),
            created_at__gte=now - timedelta(days=2),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def _send(message: Message) -> None:
    user = message.recipient
    if user is None:
        if message.channel != Channel.SMS or not message.phone_enc:
            raise DeliveryError("message has neither a recipient nor a phone number")
        from yiwang.core import crypto

        get_sms_backend().send(
            SmsPayload(
                message_id=message.pk,
                phone=crypto.decrypt(message.phone_enc, associated=b"phone"),
                template_id=message.sms_template_id,
                params=dict(message.params or {}),
                body=message.body,
            )
        )
        return
    if message.channel == Channel.SMS:
        phone = user.decrypt_phone()
        if not phone:
            raise DeliveryError("recipient has no phone number")
        get_sms_backend().send(
            SmsPayload(
                message_id=message.pk,
                phone=phone,
                template_id=message.sms_template_id,
                params=dict(message.params or {}),
                body=message.body,
            )
        )
    elif message.channel == Channel.EMAIL:
        if not user.email:
            raise DeliveryError("recipient has no email address")
        get_email_backend().send(
            EmailPayload(message_id=message.pk, to=user.email, subject=message.subject, body=message.body)
        )
    else:
        raise DeliveryError(f"channel {message.channel!r} is not delivered by a backend")


def message_deliver(*, message_id: int, final: bool = True) -> Message | None:
    """Try once to deliver a queued SMS/email message.

    Each attempt is counted and its error kept. On failure the error is re-raised so the
    task queue retries; when ``final`` (no retries left) the message is marked ``failed``.
    A message that is no longer queued (already sent, or claimed by another worker) is left alone.
    """
    message = Message.objects.select_related("recipient").filter(pk=message_id).first()
    if message is None:
        logger.warning("notify: message %s vanished before delivery", message_id)
        return None
    if message.status != MessageStatus.QUEUED:
        return message
    claimed = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED, attempts=message.attempts).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return Message.objects.get(pk=message.pk)
    message.attempts += 1
    try:
        _send(message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.status = MessageStatus.FAILED if final else MessageStatus.QUEUED
        Message.objects.filter(pk=message.pk).update(last_error=message.last_error, status=message.status)
        logger.warning(
            "notify: %s message %s attempt %s failed%s: %s",
            message.channel, message.pk, message.attempts, " (final)" if final else "", exc,
        )
        raise
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    Message.objects.filter(pk=message.pk).update(status=message.status, sent_at=message.sent_at, last_error="")
    return message
