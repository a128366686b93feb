"""Delivery backends for SMS and email, chosen by ``NOTIFY_SMS_BACKEND`` / ``NOTIFY_EMAIL_BACKEND``.

* ``console``: a log line (masked by the logging filter);
* ``file``: one JSON line per message in ``NOTIFY_OUTBOX_DIR/sms.jsonl`` or ``email.jsonl``
  (the embedded default: nothing leaves the machine, addresses are written masked);
* ``http`` (SMS): POST ``{"phone", "template_id", "params", "sign"}`` to ``NOTIFY_SMS_GATEWAY_URL``
  with a bearer token; any non-2xx answer is an error and the delivery is retried;
* ``smtp`` (email): Django's ``EmailMessage`` with the ``EMAIL_*`` settings.

A backend raises :class:`DeliveryError` on failure.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils import timezone

from yiwang.core.masking import mask_phone

logger = logging.getLogger("yiwang.notify")
_file_lock = threading.Lock()
GATEWAY_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """Sending failed; the task records the attempt and retries."""


def mask_email(value: str) -> str:
    """``wang.xiuying@example.cn`` → ``w***@example.cn``."""
    local, sep, domain = (value or "").partition("@")
    if not sep:
        return "*" * len(local)
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class SmsPayload:
    message_id: int
    phone: str
    template_id: str
    params: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class EmailPayload:
    message_id: int
    to: str
    subject: str
    body: str


class SmsBackend(Protocol):
    def send(self, payload: SmsPayload) -> None: ...


class EmailBackend(Protocol):
    def send(self, payload: EmailPayload) -> None: ...


def _append_jsonl(name: str, record: dict[str, Any]) -> None:
    outbox = Path(settings.NOTIFY_OUTBOX_DIR)
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with _file_lock, (outbox / name).open("a", encoding="utf-8") as fh:
            fh.write(line)
    except OSError as exc:
        raise DeliveryError(f"cannot write outbox {name}: {exc}") from exc


class ConsoleSmsBackend:
    def send(self, payload: SmsPayload) -> None:
        logger.info("SMS #%s to %s: %s", payload.message_id, mask_phone(payload.phone), payload.body)


class FileSmsBackend:
    def send(self, payload: SmsPayload) -> None:
        _append_jsonl(
            "sms.jsonl",
            {
                "message_id": payload.message_id,
                "to": mask_phone(payload.phone),
                "template_id": payload.template_id,
                "params": payload.params,
                "body": payload.body,
                "sign": settings.NOTIFY_SMS_SIGN,
                "at": timezone.now().isoformat(),
            },
        )


class HttpSmsBackend:
    """A generic SMS gateway speaking JSON over HTTP(S) (the county's 短信平台 or a provider's)."""

    def send(self, payload: SmsPayload) -> None:
        url = settings.NOTIFY_SMS_GATEWAY_URL
        if not url or not url.startswith(("http://", "https://")):
            raise DeliveryError("NOTIFY_SMS_GATEWAY_URL is not set to an http(s) URL")
        data = json.dumps(
            {
                "phone": payload.phone,
                "template_id": payload.template_id,
                "params": payload.params,
                "sign": settings.NOTIFY_SMS_SIGN,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if settings.NOTIFY_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.NOTIFY_SMS_GATEWAY_TOKEN}"
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=GATEWAY_TIMEOUT_SECONDS) as response:  # noqa: S310
                status = response.status
                response.read(65536)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS gateway answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"SMS gateway unreachable: {getattr(exc, 'reason', exc)}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway answered HTTP {status}")


class ConsoleEmailBackend:
    def send(self, payload: EmailPayload) -> None:
        logger.info("Email #%s to %s: %s", payload.message_id, mask_email(payload.to), payload.subject)


class FileEmailBackend:
    def send(self, payload: EmailPayload) -> None:
        _append_jsonl(
            "email.jsonl",
            {
                "message_id": payload.message_id,
                "to": mask_email(payload.to),
                "subject": payload.subject,
                "body": payload.body,
                "at": timezone.now().isoformat(),
            },
        )


class SmtpEmailBackend:
    def send(self, payload: EmailPayload) -> None:
        email = EmailMessage(
            subject=payload.subject, body=payload.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[payload.to]
        )
        try:
            sent = email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - smtplib and socket errors alike mean "retry"
            raise DeliveryError(f"SMTP error: {exc}") from exc
        if not sent:
            raise DeliveryError("SMTP accepted no message")


SMS_BACKENDS: dict[str, type] = {"console": ConsoleSmsBackend, "file": FileSmsBackend, "http": HttpSmsBackend}
EMAIL_BACKENDS: dict[str, type] = {"console": ConsoleEmailBackend, "file": FileEmailBackend, "smtp": SmtpEmailBackend}


def get_sms_backend() -> SmsBackend:
    name = settings.NOTIFY_SMS_BACKEND
    if name not in SMS_BACKENDS:
        raise ImproperlyConfigured(f"YIWANG_SMS_BACKEND must be one of {sorted(SMS_BACKENDS)}, not {name!r}")
    return SMS_BACKENDS[name]()


def get_email_backend() -> EmailBackend:
    name = settings.NOTIFY_EMAIL_BACKEND
    if name not in EMAIL_BACKENDS:
        raise ImproperlyConfigured(f"YIWANG_EMAIL_BACKEND must be one of {sorted(EMAIL_BACKENDS)}, not {name!r}")
    return EMAIL_BACKENDS[name]()
