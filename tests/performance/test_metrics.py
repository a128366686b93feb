from __future__ import annotations

from datetime import date

import pytest

from tests.performance.conftest import TODAY

pytestmark = pytest.mark.django_db

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_crafted_cases_land_in_their_townships(march, county):
    assert march["a1"].department_id == county.civil_affairs_a.pk
    assert march["b1"].department_id == county.civil_affairs_b.pk


def test_on_time_rate_counts_completed_and_overdue_open_cases(march, county):
    from yiwang.cases.models import Case
    from yiwang.performance import metrics

    by_dept = metrics.case_timeliness(Case.objects.all(), *MARCH, today=TODAY, group_by=("department",))
    assert by_dept[county.civil_affairs_a.pk] == {"due": 3, "on_time": 1, "on_time_rate": 0.3333}
    assert by_dept[county.civil_affairs_b.pk] == {"due": 1, "on_time": 1, "on_time_rate": 1.0}
    overall = metrics.case_timeliness(Case.objects.all(), *MARCH, today=TODAY)[None]
    assert (overall["due"], overall["on_time"]) == (4, 2)


def test_overdue_open_case_counts_only_once_its_due_date_has_passed(march, county):
    from yiwang.cases.models import Case
    from yiwang.performance import metrics

    early = metrics.case_timeliness(Case.objects.all(), *MARCH, today=date(2026, 3, 9),
                                    group_by=("department",))
    # a1 and a2 completed later than 03-09 but inside March: still counted; a3 (due 03-09) not yet overdue
    assert early[county.civil_affairs_a.pk]["due"] == 2


def test_processing_time_against_statutory_limit(march, county):
    from yiwang.cases.models import Case
    from yiwang.performance import metrics

    by_dept = metrics.processing_time(Case.objects.all(), *MARCH, group_by=("department",))
    a = by_dept[county.civil_affairs_a.pk]
    assert a["completed"] == 2
    assert a["avg_days"] == 7.0
    assert a["avg_statutory_days"] == 20.0
    assert a["speedup"] == 0.65
    assert by_dept[county.civil_affairs_b.pk]["avg_days"] == 2.0


def test_processing_time_skips_holidays(county, item, clerk_a, applicant):
    """Working days are counted on the calendar table: the 2026 Spring Festival break is not counted."""
    from tests.cases.factories import make_accepted_case
    from tests.performance.crafting import set_clocks
    from yiwang.cases.models import Case
    from yiwang.performance import metrics

    case = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant, division=county.village_a1,
                              received_on=date(2026, 2, 13))
    set_clocks(case, start=date(2026, 2, 13), due=date(2026, 3, 13), completed=date(2026, 2, 25))
    from yiwang.calendar import engine

    expected = engine.workdays_between(date(2026, 2, 13), date(2026, 2, 25))
    assert expected < 8  # the holiday is inside the span
    got = metrics.processing_time(Case.objects.all(), date(2026, 2, 1), date(2026, 2, 28))[None]
    assert got["avg_days"] == expected
