"""Fixtures for the case tests: items, an agent persona, calendar data and a private media root."""

from __future__ import annotations

import pytest

from tests.cases.factories import make_item, position_of
from tests.conftest import make_position, make_user


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _calendar(request):
    """Official holiday data (seeded by migration; re-seeded if a transactional test flushed it)."""
    from yiwang.calendar import engine

    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("db")
        from yiwang.calendar.models import CalendarDay, CalendarYear
        from yiwang.calendar.seeding import seed_calendar

        if not CalendarYear.objects.filter(year=2026).exists():
            seed_calendar(CalendarDay, CalendarYear)
    engine.reset()
    yield
    engine.reset()


@pytest.fixture
def item(county):
    """A township/village-level licensing item of the county civil affairs bureau (standard process)."""
    return make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"])


@pytest.fixture
def county_item(county):
    return make_item(name="个体工商户设立登记", department=county.approval_bureau, levels=["county"])


@pytest.fixture
def village_item(county):
    return make_item(name="高龄津贴申请", department=county.civil_affairs, kind="village_agent",
                     levels=["township", "village"], materials=[("身份证", True), ("户口簿", True)],
                     item_type="benefit", statutory=20, promised=15)


@pytest.fixture
def agent(county):
    """Village agent (代办员) of 大店村 (village B1, township B)."""
    user = make_user("agent_b1", real_name="庄秀兰", phone="13900000010")
    make_position(user, "village_agent", county.village_b1)
    return user


@pytest.fixture
def villager(county):
    return make_user("villager", kind="citizen", real_name="庄大爷", id_number="110101194101050038",
                     phone="13800000002")


@pytest.fixture
def other_applicant(county):
    return make_user("other_applicant", kind="citizen", real_name="张建华", id_number="110101198509210136",
                     phone="13800000001")


def pos(user, perm=None):
    return position_of(user, perm)
