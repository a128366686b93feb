"""Periodic tasks that run once per schedule slot, however many huey consumers run (定时任务单次执行).

Every huey consumer with its scheduler on enqueues each periodic task when the schedule
matches, so N consumers would run the supervision sweep, the audit anchor and deemed
acceptance N times. :func:`periodic_once` replaces ``db_periodic_task`` and guards the body:

1. the **slot** is the latest minute at or before now that the schedule matches, read in
   the frame huey schedules in (UTC, or the platform time zone ``TIME_ZONE`` when
   ``HUEY["utc"]`` is false). A run delayed in the queue still finds its own slot;
2. the consumer that inserts ``PeriodicRun(name, slot)`` first runs the body. The unique
   constraint decides, on SQLite and PostgreSQL alike, with no shared cache needed; the
   others log "skipped" and return ``None``;
3. if the body raises, the claim is released so a retry (or the other consumer) may run it:
   a slot is run at least once and, when it succeeds, exactly once. A consumer killed in the
   middle of a body leaves its claim without ``finished_at``; the next slot catches up, as every
   periodic body is a set-based pass over what is due.

``task.call_local()`` stays the unguarded body: an operator's explicit "run it now".
Claims older than :data:`KEEP_DAYS` are pruned by the next claim of the same task.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_periodic_task

from yiwang.core.models import PeriodicRun

logger = logging.getLogger(__name__)

KEEP_DAYS = 35  # longer than the longest schedule (monthly), so a slot is never claimed twice
MAX_LOOKBACK_MINUTES = 31 * 24 * 60
WORKER_LABEL = f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return timezone.now()


def _schedule_zone() -> tzinfo:
    return UTC if HUEY.utc else ZoneInfo(settings.TIME_ZONE)


def schedule_slot(validate_datetime: Callable[[datetime], bool], *, now: datetime) -> datetime:
    """The latest minute at or before ``now`` that the schedule matches, as an aware datetime."""
    zone = _schedule_zone()
    minute = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    probe = minute
    for _ in range(MAX_LOOKBACK_MINUTES):
        if validate_datetime(probe):
            break
        probe -= timedelta(minutes=1)
    else:  # not on this schedule for a month (called by hand): the current minute is the slot
        probe = minute
    return probe.replace(tzinfo=zone)


def slot_claim(*, name: str, slot: datetime) -> PeriodicRun | None:
    """Insert the claim for ``(name, slot)``; ``None`` when another consumer holds it already."""
    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(name=name, slot=slot, claimed_by=WORKER_LABEL, started_at=_now())
    except IntegrityError:
        return None
    PeriodicRun.objects.filter(name=name, slot__lt=slot - timedelta(days=KEEP_DAYS)).delete()
    return run


def periodic_once(validate_datetime: Callable[[datetime], bool], *, name: str | None = None, **kwargs: Any):
    """``db_periodic_task`` whose body runs once per schedule slot across all consumers."""

    def decorator(fn: Callable[..., Any]):
        key = name or f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def guarded(*args: Any, **kw: Any) -> Any:
            slot = schedule_slot(validate_datetime, now=_now())
            run = slot_claim(name=key, slot=slot)
            if run is None:
                logger.info("periodic %s slot %s: skipped, already claimed", key, slot.isoformat())
                return None
            logger.info("periodic %s slot %s: claimed by %s", key, slot.isoformat(), WORKER_LABEL)
            try:
                result = fn(*args, **kw)
            except BaseException:
                PeriodicRun.objects.filter(pk=run.pk).delete()
                raise
            PeriodicRun.objects.filter(pk=run.pk).update(finished_at=_now())
            return result

        task = db_periodic_task(validate_datetime, name=name, **kwargs)(guarded)
        task.call_local = fn
        return task

    return decorator
