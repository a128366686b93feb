"""Periodic work of the shared kernel (huey)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.core.services import audit_anchor_create

logger = logging.getLogger(__name__)


def _anchor_schedule(minutes: int) -> crontab:
    if minutes < 60:
        return crontab(minute=f"*/{minutes}")
    return crontab(minute="0", hour=f"*/{max(1, min(minutes // 60, 23))}")


@periodic_once(_anchor_schedule(settings.AUDIT_ANCHOR_MINUTES), name="core.audit_anchor")
def audit_anchor_task() -> int | None:
    """Every ``AUDIT_ANCHOR_MINUTES``: sign the audit chain heads if anything changed."""
    anchor = audit_anchor_create()
    if anchor is not None:
        logger.info("audit anchor %s signed over %d partitions", anchor.pk, len(anchor.heads))
        return anchor.pk
    return None
