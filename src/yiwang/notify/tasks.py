"""Background delivery of SMS and email (huey): ``deliver_message`` (retried) and the periodic
re-enqueueing of stale messages. Imports ``notify.delivery`` only, never ``notify.services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_task

from yiwang.core.periodic import periodic_once
from yiwang.notify.delivery import message_deliver, stale_message_ids

RETRY_DELAY_SECONDS = int(getattr(settings, "NOTIFY_RETRY_DELAY", 60))


@db_task(retries=settings.NOTIFY_MAX_RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True)
def deliver_message(message_id: int, task: Any = None) -> None:
    """Deliver one message; raises on failure so huey retries, marking it failed on the last try."""
    final = task is None or task.retries <= 0
    message_deliver(message_id=message_id, final=final)


@periodic_once(crontab(minute="*/15"))
def requeue_stale_messages() -> None:
    """Safety net: messages whose delivery task was lost (queue down at commit) are enqueued again."""
    for message_id in stale_message_ids():
        deliver_message(message_id)
