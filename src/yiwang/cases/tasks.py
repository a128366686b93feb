"""Background jobs of the cases app."""

from __future__ import annotations

import logging

from huey import crontab

from yiwang.cases.acceptance import cases_deem_accepted
from yiwang.core.periodic import periodic_once

logger = logging.getLogger(__name__)


@periodic_once(crontab(hour="0", minute="20"))
def cases_deem_accepted_daily() -> int:
    """After midnight (and after the clocks' nightly refresh): 视为受理 under 行政许可法 Art. 32."""
    marked = cases_deem_accepted()
    logger.info("cases deemed accepted: %s", marked)
    return marked
