"""The working-day engine against the State Council 2026 arrangement and chinese_calendar."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.calendar import engine
from yiwang.calendar.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)
REF_WORKDAYS = [
    FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)
    if chinese_calendar.is_workday(FIRST + timedelta(days=i))
]


def ref_add_workdays(start: date, n: int) -> date:
    """Brute force: walk day by day with chinese_calendar."""
    d, left = start, n
    while left:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            left -= 1
    return d


def ref_between(a: date, b: date) -> int:
    return sum(1 for i in range(1, (b - a).days + 1) if chinese_calendar.is_workday(a + timedelta(days=i)))


hyp = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
dates_2025_2026 = st.dates(min_value=FIRST, max_value=LAST)


# --- the 2026 notice, case by case (REGULATIONS.md) ------------------------------------
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Saturday 2/14 is a 调休 working day
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # 春节 2/15–2/23
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # 国庆 10/1–10/7
        (date(2026, 10, 8), 2, date(2026, 10, 10)),  # 10/9 Fri, 10/10 Sat is a working day
        (date(2026, 1, 3), 1, date(2026, 1, 4)),  # 1/4 Sunday is a working day
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # 元旦 1/1–1/3
        (date(2026, 4, 3), 1, date(2026, 4, 7)),  # 清明 4/4–4/6
        (date(2026, 4, 30), 1, date(2026, 5, 6)),  # 劳动节 5/1–5/5
        (date(2026, 5, 8), 1, date(2026, 5, 9)),  # 5/9 Saturday works
        (date(2026, 6, 18), 1, date(2026, 6, 22)),  # 端午 6/19–6/21
        (date(2026, 9, 19), 1, date(2026, 9, 20)),  # 9/20 Sunday works
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # 中秋 9/25–9/27
        (date(2026, 3, 2), 0, date(2026, 3, 2)),  # n = 0 is the start itself
        (date(2026, 2, 11), 20, date(2026, 3, 17)),  # a 20-day licence decision across 春节
    ],
)
def test_add_workdays_2026_notice(start, n, due):
    assert engine.add_workdays(start, n) == due


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 1, 1), False), (date(2026, 1, 4), True), (date(2026, 2, 14), True),
        (date(2026, 2, 16), False), (date(2026, 2, 23), False), (date(2026, 2, 28), True),
        (date(2026, 10, 7), False), (date(2026, 10, 10), True), (date(2026, 10, 11), False),
        (date(2026, 3, 9), True), (date(2026, 3, 8), False),
    ],
)
def test_is_workday_2026_notice(day, workday):
    assert engine.is_workday(day) is workday


def test_day_info_names_the_holiday_in_chinese():
    spring = engine.day_info(date(2026, 2, 16))
    assert (spring.is_workday, spring.kind, spring.name, spring.official) == (False, "holiday", "春节", True)
    adjusted = engine.day_info(date(2026, 10, 10))
    assert (adjusted.is_workday, adjusted.kind, adjusted.name) == (True, "adjusted_workday", "国庆节")
    assert engine.day_info(date(2026, 3, 7)).kind == "weekend"


def test_workdays_between_is_half_open():
    # (9/30, 10/8]: only 10/8 counts; the start day never counts.
    assert engine.workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert engine.workdays_between(date(2026, 10, 8), date(2026, 10, 8)) == 0
    assert engine.workdays_between(date(2026, 10, 9), date(2026, 10, 8)) == 0


def test_natural_days_ending_on_a_holiday_move_to_next_workday():
    # 民法典 Art. 203: 9/21 + 10 days = 10/1 (国庆) → 10/8.
    assert engine.add_natural_days(date(2026, 9, 21), 10) == date(2026, 10, 8)
    assert engine.add_natural_days(date(2026, 9, 20), 10) == date(2026, 9, 30)
    # A 调休 Saturday is a working day, so the period ends there.
    assert engine.add_natural_days(date(2026, 2, 4), 10) == date(2026, 2, 14)
    assert engine.add_natural_days(date(2026, 2, 4), 0) == date(2026, 2, 4)


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError):
        engine.add_workdays(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        engine.add_natural_days(date(2026, 1, 5), -1)


# --- properties against chinese_calendar -------------------------------------------------
@hyp
@given(day=st.dates(min_value=date(2004, 1, 1), max_value=LAST))
def test_is_workday_matches_chinese_calendar(day):
    assert engine.is_workday(day) is chinese_calendar.is_workday(day)


@hyp
@given(start=dates_2025_2026, data=st.data())
def test_add_workdays_matches_brute_force(start, data):
    left_in_range = sum(1 for d in REF_WORKDAYS if d > start)
    n = data.draw(st.integers(min_value=0, max_value=min(60, left_in_range)))
    due = engine.add_workdays(start, n)
    assert due == ref_add_workdays(start, n)
    if n:
        assert chinese_calendar.is_workday(due)
        assert engine.workdays_between(start, due) == n


@hyp
@given(a=dates_2025_2026, b=dates_2025_2026)
def test_workdays_between_matches_brute_force(a, b):
    a, b = min(a, b), max(a, b)
    assert engine.workdays_between(a, b) == ref_between(a, b)


@hyp
@given(start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
       n=st.integers(min_value=0, max_value=400))
def test_add_and_count_are_inverse_everywhere(start, n):
    """Across the seeded span and the Monday–Friday fallback on both sides."""
    due = engine.add_workdays(start, n)
    assert engine.workdays_between(start, due) == n
    if n:
        assert engine.is_workday(due)
        assert engine.workdays_between(start, due - timedelta(days=1)) == n - 1


# --- years without official data -------------------------------------------------------
def test_2027_falls_back_to_monday_to_friday_with_a_warning(caplog):
    assert not engine.is_year_complete(2027)
    assert engine.is_year_complete(2026)
    assert engine.is_workday(date(2027, 1, 1))  # a Friday: no holiday data yet
    assert not engine.is_workday(date(2027, 1, 2))
    assert engine.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert engine.add_workdays(date(2027, 1, 1), 1) == date(2027, 1, 4)
    with caplog.at_level("WARNING", logger="yiwang.calendar.engine"):
        warnings = engine.coverage_warnings(date(2026, 12, 20), date(2027, 1, 10))
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert "2027" in caplog.text
    assert engine.coverage_warnings(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_covered_years_are_the_seeded_ones():
    assert engine.covered_years() == list(range(2004, 2027))
    assert CalendarDay.objects.count() == (date(2027, 1, 1) - date(2004, 1, 1)).days


def test_empty_table_means_monday_to_friday():
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    engine.reset()
    assert engine.is_workday(date(2026, 10, 1))  # Thursday, no data
    assert engine.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 1)
    assert engine.covered_years() == []
    assert engine.missing_years(date(2026, 1, 1), date(2026, 1, 1)) == [2026]


def test_another_process_edit_is_seen_after_the_version_bump(monkeypatch):
    assert engine.is_workday(date(2026, 3, 9))
    # Another process changes the table and bumps the version; this one still has its snapshot.
    CalendarDay.objects.filter(date=date(2026, 3, 9)).update(is_workday=False, kind="holiday")
    assert engine.is_workday(date(2026, 3, 9))
    from django.core.cache import cache

    cache.set(engine.VERSION_KEY, -12345)
    monkeypatch.setattr(engine, "_checked_at", 0.0)
    assert not engine.is_workday(date(2026, 3, 9))


def test_seed_command_is_idempotent_and_keeps_admin_edits():
    from django.core.management import call_command

    CalendarDay.objects.filter(date=date(2026, 3, 9)).update(is_workday=False, kind="holiday", source="admin")
    CalendarDay.objects.filter(date=date(2026, 3, 10)).delete()
    CalendarDay.objects.filter(date=date(2026, 3, 11)).update(is_workday=False, kind="holiday")  # seed drift
    call_command("seed_calendar", "--year", "2026", stdout=open("/dev/null", "w"))
    assert CalendarDay.objects.get(date=date(2026, 3, 9)).is_workday is False  # admin edit kept
    assert CalendarDay.objects.get(date=date(2026, 3, 10)).is_workday is True  # recreated
    assert CalendarDay.objects.get(date=date(2026, 3, 11)).is_workday is True  # corrected
    count = CalendarDay.objects.count()
    call_command("seed_calendar", stdout=open("/dev/null", "w"))
    assert CalendarDay.objects.count() == count
