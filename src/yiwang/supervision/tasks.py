"""Background jobs of electronic supervision: the sweep every 15 minutes."""

from __future__ import annotations

import logging

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.supervision.engine import sweep

logger = logging.getLogger(__name__)


@periodic_once(crontab(minute="*/15"))
def supervision_sweep() -> dict[str, int]:
    """Evaluate every active rule set-based; new alerts are notified, cleared ones auto-resolved."""
    result = sweep()
    logger.info("supervision sweep: %s new, %s auto-resolved", result.total_created, result.total_resolved)
    return {"created": result.total_created, "resolved": result.total_resolved}
