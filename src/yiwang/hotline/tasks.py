"""Background jobs of the hotline: the traffic-light sweep (催办/督办)."""

from __future__ import annotations

import logging

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.hotline import classifier_tasks  # noqa: F401 - registers the nightly retrain
from yiwang.hotline.services.handling import escalation_sweep

logger = logging.getLogger(__name__)


@periodic_once(crontab(minute="*/15"))
def hotline_escalation_sweep() -> dict[str, int]:
    """Every 15 minutes: yellow → 催办 SMS to the unit, red → 督办 notice (each once per level and round)."""
    counts = escalation_sweep()
    logger.info("hotline sweep: %s", counts)
    return counts
