"""Hotline fixtures: the centre, two county units, township units A/B and a village agent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import make_position, make_user


@pytest.fixture(autouse=True)
def fresh_engine(request):
    """Make sure the official calendar is loaded (a transactional test may have flushed it)."""
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


@dataclass
class Hotline:
    centre: object
    housing: object
    enforce: object
    town_a: object
    town_b: object
    operator: object
    housing_staff: object
    enforce_staff: object
    town_a_staff: object
    town_b_staff: object
    agent_a1: object
    leader: object
    matter_road: object
    matter_village: object

    def pos(self, user):
        return user.positions.get()


@pytest.fixture
def hl(county):
    from yiwang.hotline.models import DispatchRule, MatterType
    from yiwang.org.models import Department

    centre = Department.objects.create(name="12345热线中心", code="HOTLINE", division=county.county)
    housing = Department.objects.create(name="县住建局", code="HOUSING", division=county.county)
    enforce = Department.objects.create(name="县执法局", code="ENFORCE", division=county.county)
    town_a = Department.objects.create(name="十字路街道便民服务中心", code="T-001", division=county.township_a)
    town_b = Department.objects.create(name="大店镇便民服务中心", code="T-101", division=county.township_b)
    operator = make_user("op", real_name="郑丽", phone="13900000011")
    make_position(operator, "hotline_operator", county.county, centre)
    housing_staff = make_user("housing", real_name="吴敏", phone="13900000012")
    make_position(housing_staff, "reviewer", county.county, housing)
    enforce_staff = make_user("enforce", real_name="韩强", phone="13900000013")
    make_position(enforce_staff, "reviewer", county.county, enforce)
    ta = make_user("town_a", real_name="韩梅", phone="13900000014")
    make_position(ta, "window_clerk", county.township_a, town_a)
    tb = make_user("town_b", real_name="蒋涛", phone="13900000015")
    make_position(tb, "window_clerk", county.township_b, town_b)
    agent = make_user("agent_a1", real_name="葛文", phone="13900000016")
    make_position(agent, "village_agent", county.village_a1)
    leader = make_user("leader", real_name="沈明", phone="13900000017")
    make_position(leader, "leader", county.county)
    road = MatterType.objects.create(code="ROAD", name="道路破损", default_category="help")
    village = MatterType.objects.create(code="VILLAGE_AFFAIRS", name="村务公开", default_category="complaint")
    DispatchRule.objects.create(matter_type=road, lead_unit=housing)
    DispatchRule.objects.create(matter_type=village, lead_unit=enforce)
    DispatchRule.objects.create(matter_type=village, division=county.township_a, lead_unit=town_a)
    return Hotline(centre, housing, enforce, town_a, town_b, operator, housing_staff, enforce_staff, ta, tb, agent,
                   leader, road, village)


@pytest.fixture
def phone_ticket(hl, county):
    from yiwang.hotline.services.intake import ticket_create

    def _make(content="人民路中段窨井盖破损缺失，晚上没有警示，请尽快修复。", **kw):
        params = dict(category="help", channel="phone", content=content, caller_name="王先生",
                      caller_phone="13812345678", division=county.village_a1, matter_type=hl.matter_road,
                      actor=hl.operator, position=hl.pos(hl.operator))
        params.update(kw)
        return ticket_create(**params)

    return _make
