"""Shared fixtures: a small county and the personas from STYLE.md.

* ``applicant``: a citizen of village A1 in township A;
* ``clerk_a`` / ``clerk_b``: window clerks of township A / township B (same department kind);
* ``supervisor``: the county 效能监察 supervisor;
* anonymous visitor: the plain ``client`` fixture.

``login(client, user)`` signs a person in and, for staff, passes two-factor as well.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _default_language():
    """A test-client request with another language leaves it active in the thread: reset it."""
    from django.conf import settings as django_settings
    from django.utils import translation

    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded files and generated PDFs go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@dataclass
class County:
    county: object
    township_a: object
    township_b: object
    village_a1: object
    village_b1: object
    approval_bureau: object
    civil_affairs: object
    civil_affairs_a: object
    civil_affairs_b: object


@pytest.fixture
def county(db) -> County:
    from yiwang.org.models import Department, Division, DivisionLevel, ServiceHall, Window

    c = Division.objects.create(code="371327", name="莒南县", level=DivisionLevel.COUNTY)
    a = Division.objects.create(code="371327001", name="十字路街道", level=DivisionLevel.TOWNSHIP, parent=c)
    b = Division.objects.create(code="371327101", name="大店镇", level=DivisionLevel.TOWNSHIP, parent=c)
    a1 = Division.objects.create(code="371327001201", name="东关村", level=DivisionLevel.VILLAGE, parent=a)
    b1 = Division.objects.create(code="371327101201", name="大店村", level=DivisionLevel.VILLAGE, parent=b)
    bureau = Department.objects.create(name="莒南县行政审批服务局", code="D-APPROVAL", division=c)
    civil = Department.objects.create(name="莒南县民政局", code="D-CIVIL", division=c)
    civil_a = Department.objects.create(name="十字路街道社会事务办", code="D-CIVIL-A", division=a)
    civil_b = Department.objects.create(name="大店镇社会事务办", code="D-CIVIL-B", division=b)
    hall_a = ServiceHall.objects.create(name="十字路街道便民服务中心", division=a)
    hall_b = ServiceHall.objects.create(name="大店镇便民服务中心", division=b)
    Window.objects.create(hall=hall_a, number="1", name="综合受理窗口", is_comprehensive=True)
    Window.objects.create(hall=hall_b, number="1", name="综合受理窗口", is_comprehensive=True)
    return County(c, a, b, a1, b1, bureau, civil, civil_a, civil_b)


def make_user(username: str, *, kind: str = "staff", real_name: str = "", id_number: str = "", phone: str = ""):
    from yiwang.accounts.models import User

    user = User(username=username, kind=kind, real_name=real_name or username)
    if id_number:
        user.set_id_number(id_number)
    if phone:
        user.set_phone(phone)
    user.set_password("Correct-Horse-2026")
    user.save()
    return user


def make_position(user, role: str, division, department=None):
    from yiwang.org.models import Position

    return Position.objects.create(user=user, role=role, division=division, department=department)


@pytest.fixture
def applicant(county):
    return make_user("applicant", kind="citizen", real_name="王秀英", id_number="110101199003070011",
                     phone="13800000000")


@pytest.fixture
def clerk_a(county):
    user = make_user("clerk_a", real_name="李娜", id_number="11010119900307003X", phone="13900000001")
    make_position(user, "window_clerk", county.township_a, county.civil_affairs_a)
    return user


@pytest.fixture
def clerk_b(county):
    user = make_user("clerk_b", real_name="张伟", phone="13900000002")
    make_position(user, "window_clerk", county.township_b, county.civil_affairs_b)
    return user


@pytest.fixture
def supervisor(county):
    user = make_user("supervisor", real_name="赵监察", phone="13900000003")
    make_position(user, "supervisor", county.county)
    return user


@pytest.fixture
def admin_user(county):
    user = make_user("county_admin", real_name="系统管理员")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    make_position(user, "administrator", county.county)
    return user


def login(client: Client, user) -> Client:
    """Sign ``user`` in; staff also pass two-factor with a confirmed TOTP device."""
    client.force_login(user)
    if getattr(user, "needs_two_factor", False):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login_as(client):
    def _login(user) -> Client:
        return login(client, user)

    return _login
