"""Fixtures for 好差评: department heads, a completed-case stand-in and the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.cases.conftest import _calendar  # noqa: F401 - official holidays for the rectification clock
from tests.cases.factories import make_item, make_submitted_case
from tests.conftest import make_position, make_user


@pytest.fixture
def depthead(county):
    """Head of 十字路街道社会事务办, the department handling the test cases (village A1, township A)."""
    user = make_user("depthead", real_name="周主任", phone="13900000020")
    make_position(user, "department_head", county.township_a, county.civil_affairs_a)
    return user


@pytest.fixture
def other_head(county):
    """Head of 大店镇社会事务办: another department."""
    user = make_user("dd_head", real_name="孙主任", phone="13900000021")
    make_position(user, "department_head", county.township_b, county.civil_affairs_b)
    return user


@pytest.fixture
def case(county, applicant):
    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"])
    return make_submitted_case(version=version, applicant=applicant)


@pytest.fixture
def window_case(county, clerk_a):
    """A case filed at the window for someone without an account (phone only)."""
    version = make_item(name="高龄津贴申请", department=county.civil_affairs, levels=["township", "village"])
    return make_submitted_case(version=version, channel="window", filer=clerk_a)


@dataclass
class Windows:
    a: Any
    b: Any


@pytest.fixture
def windows(county) -> Windows:
    from yiwang.org.models import Window

    return Windows(Window.objects.get(hall__division=county.township_a),
                   Window.objects.get(hall__division=county.township_b))
