"""Background jobs for licences (huey)."""

from __future__ import annotations

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.licences.services import licence_expire_due


@periodic_once(crontab(hour="0", minute="15"), name="licences.expire_due")
def expire_due_licences() -> None:
    """Every night: mark licences past their validity as expired (the registry shows 已过期)."""
    licence_expire_due()
