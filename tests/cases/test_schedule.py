"""Daily jobs run at their local (Beijing) time: huey schedules in TIME_ZONE, not UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def test_huey_schedules_in_platform_time_zone():
    # given the configured queue
    from huey.contrib.djhuey import HUEY

    # then it reads the clock in local time, and local time is the platform's
    assert settings.HUEY["utc"] is False
    assert HUEY.utc is False
    assert settings.TIME_ZONE == "Asia/Shanghai"
    beijing_now = timezone.localtime().replace(tzinfo=None)
    assert abs(HUEY._get_timestamp() - beijing_now) < timedelta(seconds=5)


def test_deemed_acceptance_runs_at_0020_beijing():
    from yiwang.cases.tasks import cases_deem_accepted_daily

    task = cases_deem_accepted_daily.task_class()
    # the consumer passes its (local) timestamp: 00:20 Beijing fires, 08:20 Beijing does not
    assert task.validate_datetime(datetime(2026, 3, 2, 0, 20))
    assert not task.validate_datetime(datetime(2026, 3, 2, 8, 20))
    # and 00:20 Beijing is 16:20 UTC of the day before: the consumer must not see that time
    utc_of_local_0020 = datetime(2026, 3, 1, 16, 20)
    assert not task.validate_datetime(utc_of_local_0020)
