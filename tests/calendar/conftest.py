from __future__ import annotations

import pytest

from tests.conftest import make_position, make_user


@pytest.fixture(autouse=True)
def fresh_engine(request):
    """Each test sees the calendar table as it is in its own transaction.

    The table is filled by the data migration; if a transactional test elsewhere flushed it
    earlier in this session, seed it again so that these tests see the official data.
    """
    from yiwang.calendar import engine

    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        from yiwang.calendar.models import CalendarDay, CalendarYear
        from yiwang.calendar.seeding import seed_calendar

        if not CalendarYear.objects.filter(year=2026).exists():
            seed_calendar(CalendarDay, CalendarYear)
    engine.reset()
    yield
    engine.reset()


@pytest.fixture
def dept_head(county):
    """部门负责人 of township A's social affairs office: may approve extensions."""
    user = make_user("head_a", real_name="陈主任", phone="13900000009")
    make_position(user, "department_head", county.township_a, county.civil_affairs_a)
    return user


@pytest.fixture
def target(county):
    """Any saved object will do as a clock's owner; the tests use a department."""
    return county.civil_affairs_a


def position_of(user):
    return user.positions.get()
