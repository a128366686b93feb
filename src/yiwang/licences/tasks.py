"""Background jobs for licences (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.licences.services import licence_expire_due


@db_periodic_task(crontab(hour="0", minute="15"), name="licences.expire_due")
def expire_due_licences() -> None:
    """Every night: mark licences past their validity as expired (the registry shows 已过期)."""
    licence_expire_due()
