"""Background jobs of performance: last month's draft assessment on the 1st of each month."""

from __future__ import annotations

import logging

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.performance.services import assessments_compute_last_month

logger = logging.getLogger(__name__)


@periodic_once(crontab(day="1", hour="2", minute="30"))
def performance_monthly_assessment() -> list[int]:
    """02:30 on the 1st: compute last month's draft for every county (published months are left alone)."""
    done = assessments_compute_last_month()
    logger.info("performance: computed draft assessments %s", done)
    return done
