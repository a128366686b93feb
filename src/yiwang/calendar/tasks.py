"""Background jobs of the calendar app."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.calendar.services import clocks_refresh_open

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="0", minute="5"))
def clocks_refresh_nightly() -> int:
    """Just after midnight: recompute due dates, remaining days and lights of running clocks."""
    changed = clocks_refresh_open()
    logger.info("clocks refreshed: %s changed", changed)
    return changed
