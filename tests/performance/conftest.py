"""Fixtures for performance tests: the case fixtures, a township-A head and a crafted month of cases."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.conftest import _calendar, _media_root  # noqa: F401 - fixtures reused
from tests.cases.factories import make_item
from tests.conftest import make_position, make_user


@pytest.fixture
def item(county):
    """A township/village-level licensing item (statutory 20, promised 10 working days)."""
    return make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"])


@pytest.fixture
def head_a(county):
    """Head of township A's 社会事务办 (a departmental role with performance.view)."""
    user = make_user("head_a", real_name="孙主任", phone="13900000021")
    make_position(user, "department_head", county.township_a, county.civil_affairs_a)
    return user


@pytest.fixture
def leader(county):
    user = make_user("leader_c", real_name="刘县长", phone="13900000022")
    make_position(user, "leader", county.county)
    return user


@pytest.fixture
def march(county, item, clerk_a, clerk_b, applicant):
    """Crafted March 2026 (no holidays in it): see tests.performance.crafting."""
    from tests.performance.crafting import craft_march

    return craft_march(county=county, item=item, clerk_a=clerk_a, clerk_b=clerk_b, applicant=applicant)


TODAY = date(2026, 4, 1)
