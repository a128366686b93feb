from __future__ import annotations

import pytest

from tests.conftest import make_position, make_user


@pytest.fixture(autouse=True)
def fresh_engine():
    """Each test sees the calendar table as it is in its own transaction."""
    from yiwang.calendar import engine

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
