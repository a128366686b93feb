"""Background jobs of 好差评: rectifications past their deadline become overdue (nightly, set-based)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.evaluation.services import rectifications_mark_overdue


@db_periodic_task(crontab(minute="10", hour="1"))
def rating_rectifications_overdue() -> int:
    return rectifications_mark_overdue()
