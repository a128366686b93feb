"""Background jobs of 好差评: rectifications past their deadline become overdue (nightly, set-based)."""

from __future__ import annotations

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.evaluation.services.rectification import rectifications_mark_overdue


@periodic_once(crontab(minute="10", hour="1"))
def rating_rectifications_overdue() -> int:
    return rectifications_mark_overdue()
