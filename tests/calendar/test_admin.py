"""Administrators edit the calendar in the Django admin; every edit is audited and seen at once."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.calendar.conftest import position_of
from tests.conftest import login, make_position, make_user
from yiwang.calendar import engine
from yiwang.calendar.models import CalendarDay, CalendarYear, DaySource
from yiwang.calendar.services import calendar_day_set, calendar_year_set
from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGE_URL = "/admin/calendar/calendarday/2026-03-09/change/"


def test_admin_edit_changes_results_and_is_audited(client, admin_user):
    # given a Monday that is a working day, and results computed (and cached) from it
    assert engine.is_workday(date(2026, 3, 9))
    assert engine.add_workdays(date(2026, 3, 6), 1) == date(2026, 3, 9)
    login(client, admin_user)
    # when the administrator turns it into a holiday in the admin
    response = client.post(CHANGE_URL, {"kind": "holiday", "name": "临时放假", "_save": "1"})
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarDay.objects.get(date=date(2026, 3, 9))
    assert (row.is_workday, row.kind, row.name, row.source) == (False, "holiday", "临时放假", DaySource.ADMIN)
    assert row.updated_by == admin_user
    assert not engine.is_workday(date(2026, 3, 9))
    assert engine.add_workdays(date(2026, 3, 6), 1) == date(2026, 3, 10)
    api = client.get("/api/v1/calendar/deadline", {"start": "2026-03-06", "workdays": "1"}).json()
    assert api["due"] == "2026-03-10"
    event = AuditEvent.objects.get(action="calendar.day_set", object_id="2026-03-09")
    assert event.actor_id == admin_user.pk
    assert event.before["is_workday"] is True and event.after["is_workday"] is False


def test_admin_rejects_inconsistent_kind(client, admin_user):
    login(client, admin_user)
    response = client.post(CHANGE_URL, {"is_workday": "on", "kind": "holiday", "name": "", "_save": "1"})
    assert response.status_code == 200  # the form comes back with the error
    assert "不一致" in response.content.decode()
    assert CalendarDay.objects.get(date=date(2026, 3, 9)).kind == "normal"
    assert not AuditEvent.objects.filter(action="calendar.day_set").exists()


def test_admin_adds_a_day_of_a_year_without_data(client, admin_user):
    login(client, admin_user)
    response = client.post("/admin/calendar/calendarday/add/",
                           {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "_save": "1"})
    assert response.status_code == 302
    assert not engine.is_workday(date(2027, 1, 1))
    assert not engine.is_year_complete(2027)  # one day entered is not a published year


def test_changelist_warns_about_missing_years(client, admin_user, caplog):
    login(client, admin_user)
    next_year = timezone.localdate().year + 1
    with caplog.at_level("WARNING", logger="yiwang.calendar.admin"):
        response = client.get("/admin/calendar/calendarday/")
    assert response.status_code == 200
    assert f"{next_year} 年的节假日安排尚未录入" in response.content.decode()
    assert str(next_year) in caplog.text


def test_changelist_is_quiet_when_years_are_published(client, admin_user):
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.update_or_create(year=year, defaults={"complete": True})
    engine.reset()
    login(client, admin_user)
    response = client.get("/admin/calendar/calendarday/")
    assert "节假日安排尚未录入" not in response.content.decode()


def test_staff_without_calendar_permission_cannot_edit(client, county):
    # given a staff member whose position is a window clerk
    user = make_user("staff_clerk")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    make_position(user, "window_clerk", county.township_a, county.civil_affairs_a)
    login(client, user)
    # when they try to edit a day
    response = client.post(CHANGE_URL, {"kind": "holiday", "name": "私自放假", "_save": "1"})
    # then
    assert response.status_code == 403
    assert CalendarDay.objects.get(date=date(2026, 3, 9)).is_workday is True
    assert client.get("/admin/calendar/calendarday/add/").status_code == 403


def test_service_requires_calendar_manage(clerk_a, admin_user):
    with pytest.raises(PermissionDenied):
        calendar_day_set(day=date(2026, 3, 9), is_workday=False, name="x", actor=clerk_a,
                         position=position_of(clerk_a))
    with pytest.raises(PermissionDenied):
        calendar_year_set(year=2027, complete=True, actor=clerk_a, position=position_of(clerk_a))
    with pytest.raises(InvalidInput):
        calendar_day_set(day=date(2026, 3, 9), is_workday=True, kind="holiday", actor=admin_user,
                         position=position_of(admin_user))
    assert CalendarDay.objects.get(date=date(2026, 3, 9)).is_workday is True


def test_publishing_a_year_removes_the_warning(admin_user):
    assert engine.coverage_warnings(date(2027, 1, 4), date(2027, 1, 5))
    calendar_year_set(year=2027, complete=True, source="国办发明电〔2026〕", actor=admin_user,
                      position=position_of(admin_user))
    assert engine.coverage_warnings(date(2027, 1, 4), date(2027, 1, 5)) == []
    assert AuditEvent.objects.filter(action="calendar.year_set").count() == 1


def test_default_kind_for_weekend_workday(admin_user):
    row = calendar_day_set(day=date(2026, 3, 7), is_workday=True, name="调休", actor=admin_user,
                           position=position_of(admin_user))
    assert row.kind == "adjusted_workday"
    assert engine.add_workdays(date(2026, 3, 6), 1) == date(2026, 3, 7)
