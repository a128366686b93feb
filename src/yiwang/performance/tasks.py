"""Background jobs of performance: last month's draft assessment on the 1st of each month."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.performance.services import assessments_compute_last_month

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(day="1", hour="2", minute="30"))
def performance_monthly_assessment() -> list[int]:
    """02:30 on the 1st: compute last month's draft for every county (published months are left alone)."""
    done = assessments_compute_last_month()
    logger.info("performance: computed draft assessments %s", done)
    return done
