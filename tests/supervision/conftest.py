"""Fixtures for the supervision tests: calendar data, staff of the test county and in-progress cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.cases.conftest import _calendar  # noqa: F401 - official holiday data for every test
from tests.cases.factories import make_item
from tests.conftest import make_position, make_user


@dataclass
class People:
    reviewer: Any
    reviewer2: Any
    approver: Any
    head: Any
    supervisor_a: Any
    supervisor_b: Any
    citizen: Any


@pytest.fixture
def people(county, supervisor) -> People:
    def staff(username: str, role: str, division: Any, department: Any = None, phone: str = "") -> Any:
        user = make_user(username, real_name=username, phone=phone)
        make_position(user, role, division, department)
        return user

    c = county.county
    return People(
        reviewer=staff("rev1", "reviewer", c, county.civil_affairs, "13900000021"),
        reviewer2=staff("rev2", "reviewer", c, county.civil_affairs),
        approver=staff("appr", "approver", c, county.civil_affairs),
        head=staff("civil_head", "department_head", c, county.civil_affairs, "13900000022"),
        supervisor_a=staff("szl_supervisor", "supervisor", county.township_a),
        supervisor_b=staff("dd_supervisor", "supervisor", county.township_b),
        citizen=make_user("citizen1", kind="citizen", real_name="王秀英", id_number="110101199003070011"),
    )


@pytest.fixture
def standard_item(county):
    return make_item(name="食品经营许可", department=county.civil_affairs, promised=10, statutory=20)


def pos(user: Any) -> Any:
    return user.positions.select_related("division", "department").first()
