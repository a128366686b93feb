"""Clock purposes of a case and the time helpers of the case services.

* ``ACCEPTANCE_PURPOSE``: the five working days to decide on acceptance (行政许可法 Art. 32,
  ``ACCEPTANCE_DAYS``);
* ``HANDLING_PURPOSE``: the promised limit (承诺时限), the main clock;
* ``STATUTORY_PURPOSE``: the statutory limit (法定时限), kept for supervision.

``now_or``, ``local_date`` and ``start_of`` turn an optional moment into the local day and back.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

ACCEPTANCE_DAYS = 5  # 行政许可法 Art. 32: 五日内 (working days)
ACCEPTANCE_PURPOSE = "acceptance"
HANDLING_PURPOSE = "handling"  # the promised limit (承诺时限): the main clock
STATUTORY_PURPOSE = "statutory"  # the statutory limit (法定时限), kept for supervision


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))
