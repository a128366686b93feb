"""Background jobs of the calendar app."""

from __future__ import annotations

import logging

from huey import crontab

from yiwang.calendar.services import clocks_refresh_open
from yiwang.core.periodic import periodic_once

logger = logging.getLogger(__name__)


@periodic_once(crontab(hour="0", minute="5"))
def clocks_refresh_nightly() -> int:
    """Just after midnight: recompute due dates, remaining days and lights of running clocks."""
    changed = clocks_refresh_open()
    logger.info("clocks refreshed: %s changed", changed)
    return changed
