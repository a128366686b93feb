"""The working-day engine (工作日计算): fast answers from an in-process snapshot of the table.

Counting rules (REGULATIONS.md, "Counting time"):

* a period starts the **day after** the triggering event (民法典 Art. 201), so
  ``add_workdays(d, n)`` is the n-th working day strictly after ``d``;
* periods in the Administrative Licensing Law are working days (行政许可法 Art. 82);
* a period in natural days whose last day is a rest day or holiday ends on the next
  working day (民法典 Art. 203).

How it is fast: every date is mapped to its ordinal, and a running count of working days
``G(x)`` is defined everywhere. Inside the span of years present in the table, ``G`` is a
bisect into one sorted array of working-day ordinals; outside it, a closed formula for
Monday–Friday. Both directions (count between two dates, n-th working day after a date) are
then O(log n).

Invalidation: :func:`invalidate` (called by the services that edit the table) drops this
process's snapshot and bumps a version number in Django's cache; other processes notice the
new version at their next check, at most :data:`CHECK_INTERVAL` seconds later.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db import DatabaseError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

VERSION_KEY = "yiwang:calendar:version"
CHECK_INTERVAL = 1.0  # seconds between two looks at the shared version number
MIN_YEAR = 1900
MAX_YEAR = 2200


def _mf_count(x: int) -> int:
    """Monday–Friday days in ordinals [1, x]. Ordinal 1 (0001-01-01) is a Monday."""
    return (x // 7) * 5 + min(x % 7, 5)


def _mf_nth(t: int) -> int:
    """The smallest ordinal x with ``_mf_count(x) == t`` (t >= 1): the t-th Monday–Friday day."""
    weeks, rest = divmod(t - 1, 5)
    return weeks * 7 + rest + 1


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date."""

    date: date
    is_workday: bool
    kind: str
    name: str
    official: bool  # the year has complete official data

    @property
    def weekday_label(self) -> str:
        return weekday_label(self.date)


@dataclass
class Snapshot:
    """An immutable view of the calendar table, built once and shared by all threads."""

    version: int | None = None
    complete_years: frozenset[int] = frozenset()
    lo: int = 0  # first ordinal of the table span (0: no data at all)
    hi: int = -1  # last ordinal of the table span
    workdays: list[int] = field(default_factory=list)  # sorted ordinals of working days in [lo, hi]
    rows: dict[int, tuple[bool, str, str]] = field(default_factory=dict)  # ordinal -> (workday, kind, name)

    @property
    def empty(self) -> bool:
        return not self.workdays and not self.rows

    # --- the running count G(x) and its inverse --------------------------------------
    def count_to(self, x: int) -> int:
        """G(x): working days in [lo, x] (negative before ``lo``; G(lo - 1) == 0)."""
        if self.hi < self.lo or x < self.lo:
            return _mf_count(x) - _mf_count(self.lo - 1) if self.hi >= self.lo else _mf_count(x)
        if x <= self.hi:
            return bisect_right(self.workdays, x)
        return len(self.workdays) + _mf_count(x) - _mf_count(self.hi)

    def nth(self, t: int) -> int:
        """The working day x with G(x) == t (the smallest such x)."""
        if self.hi < self.lo:
            return _mf_nth(t)
        if t <= 0:
            return _mf_nth(t + _mf_count(self.lo - 1))
        if t <= len(self.workdays):
            return self.workdays[t - 1]
        return _mf_nth(t - len(self.workdays) + _mf_count(self.hi))

    def is_workday(self, x: int) -> bool:
        if self.lo <= x <= self.hi:
            i = bisect_left(self.workdays, x)
            return i < len(self.workdays) and self.workdays[i] == x
        return (x - 1) % 7 < 5


def _build() -> Snapshot:
    from yiwang.calendar.models import CalendarDay, CalendarYear

    version = cache.get(VERSION_KEY)
    try:
        complete = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
        rows = {
            d.toordinal(): (w, k, n)
            for d, w, k, n in CalendarDay.objects.values_list("date", "is_workday", "kind", "name")
        }
    except DatabaseError:  # table missing (before migrate): plain Monday–Friday
        logger.warning("calendar table unavailable; using Monday–Friday")
        return Snapshot(version=version)
    years = set(complete) | {date.fromordinal(o).year for o in (min(rows), max(rows))} if rows else set(complete)
    if not years:
        return Snapshot(version=version)
    lo = date(min(years), 1, 1).toordinal()
    hi = date(max(years), 12, 31).toordinal()
    workdays = []
    for x in range(lo, hi + 1):
        row = rows.get(x)
        if (row[0] if row is not None else (x - 1) % 7 < 5):
            workdays.append(x)
    return Snapshot(version=version, complete_years=complete, lo=lo, hi=hi, workdays=workdays, rows=rows)


_lock = threading.Lock()
_snapshot: Snapshot | None = None
_checked_at = 0.0


def snapshot() -> Snapshot:
    """The current snapshot, reloaded when another process has changed the table."""
    global _snapshot, _checked_at
    snap = _snapshot
    now = time.monotonic()
    if snap is not None and now - _checked_at < CHECK_INTERVAL:
        return snap
    with _lock:
        snap = _snapshot
        if snap is not None and now - _checked_at < CHECK_INTERVAL:
            return snap
        if snap is None or snap.empty or cache.get(VERSION_KEY) != snap.version:
            snap = _build()
            _snapshot = snap
        _checked_at = now
        return snap


def reset() -> None:
    """Forget this process's snapshot (the next call reloads from the database)."""
    global _snapshot, _checked_at
    with _lock:
        _snapshot = None
        _checked_at = 0.0


def invalidate() -> None:
    """Tell every process that the calendar table changed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, int(time.time() * 1000), timeout=None)
    reset()


# --- public API ------------------------------------------------------------------------
def is_workday(d: date) -> bool:
    return snapshot().is_workday(d.toordinal())


def add_workdays(start: date, n: int) -> date:
    """The n-th working day strictly after ``start`` (n = 0 gives ``start``)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return start
    snap = snapshot()
    return date.fromordinal(snap.nth(snap.count_to(start.toordinal()) + n))


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]; 0 when b <= a."""
    if b <= a:
        return 0
    snap = snapshot()
    return snap.count_to(b.toordinal()) - snap.count_to(a.toordinal())


def next_workday(d: date) -> date:
    """``d`` itself if it is a working day, else the first working day after it."""
    return d if is_workday(d) else add_workdays(d, 1)


def add_natural_days(start: date, n: int) -> date:
    """``start + n`` days; if that is a rest day or holiday, the next working day (民法典 Art. 203)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    end = start + timedelta(days=n)
    return end if n == 0 else next_workday(end)


def _info(snap: Snapshot, d: date) -> DayInfo:
    official = d.year in snap.complete_years
    row = snap.rows.get(d.toordinal())
    if row is not None:
        return DayInfo(d, row[0], row[1], row[2], official)
    weekday = d.weekday() < 5
    return DayInfo(d, weekday, "normal" if weekday else "weekend", "", official)


def day_info(d: date) -> DayInfo:
    return _info(snapshot(), d)


def days_in_range(a: date, b: date) -> list[DayInfo]:
    """Every date in [a, b] with its status."""
    snap = snapshot()
    return [_info(snap, a + timedelta(days=i)) for i in range((b - a).days + 1)]


def _is_special(info: DayInfo) -> bool:
    return info.kind in ("holiday", "adjusted_workday") or info.is_workday != (info.date.weekday() < 5)


def non_workdays_between(a: date, b: date) -> list[DayInfo]:
    """Rest days and holidays in (a, b]."""
    return [info for info in days_in_range(a + timedelta(days=1), b) if not info.is_workday] if b > a else []


def special_days_between(a: date, b: date) -> list[DayInfo]:
    """Holidays and adjusted working days (调休上班) in (a, b] — the days that surprise people."""
    return [info for info in days_in_range(a + timedelta(days=1), b) if _is_special(info)] if b > a else []


def range_summary(a: date, b: date) -> tuple[list[DayInfo], list[DayInfo]]:
    """One pass over (a, b]: (non-working days, special days)."""
    if b <= a:
        return [], []
    infos = days_in_range(a + timedelta(days=1), b)
    return [i for i in infos if not i.is_workday], [i for i in infos if _is_special(i)]


# --- coverage -------------------------------------------------------------------------
def covered_years() -> list[int]:
    """Years with complete official data, ascending."""
    return sorted(snapshot().complete_years)


def is_year_complete(year: int) -> bool:
    return year in snapshot().complete_years


def missing_years(a: date, b: date) -> list[int]:
    """Years between ``a`` and ``b`` (inclusive, either order) that lack official data."""
    lo, hi = sorted((a.year, b.year))
    complete = snapshot().complete_years
    return [y for y in range(lo, hi + 1) if y not in complete]


def year_warning(year: int) -> str:
    return _("%(year)s 年的节假日安排尚未录入，暂按周一至周五为工作日计算，结果仅供参考。") % {"year": year}


def coverage_warnings(a: date, b: date, *, log: bool = True) -> list[str]:
    """Warnings for every year in [a, b] that falls back to Monday–Friday."""
    years = missing_years(a, b)
    if years and log:
        logger.warning("calendar: no official holiday data for %s; using Monday–Friday", years)
    return [year_warning(y) for y in years]


WEEKDAYS = (
    gettext_lazy("星期一"), gettext_lazy("星期二"), gettext_lazy("星期三"), gettext_lazy("星期四"),
    gettext_lazy("星期五"), gettext_lazy("星期六"), gettext_lazy("星期日"),
)


_weekday_cache: dict[str | None, tuple[str, ...]] = {}


def weekday_label(d: date) -> str:
    """星期几 in the active language (the seven labels are translated once per language)."""
    language = get_language()
    labels = _weekday_cache.get(language)
    if labels is None:
        labels = _weekday_cache[language] = tuple(str(label) for label in WEEKDAYS)
    return labels[d.weekday()]
