"""Browser journey: a supervisor sees a red card, the department head corrects it with a note,
the supervisor verifies and closes it. Staff sessions are created server-side with two-factor passed."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.test import Client

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case
from tests.conftest import login, make_position, make_user
from tests.supervision.conftest import _calendar  # noqa: F401 - holiday data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _as(page, live_server, user) -> None:
    client = login(Client(), user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_red_alert_through_correction_to_closure(page, live_server, county):
    from yiwang.calendar.models import Clock
    from yiwang.supervision.engine import sweep
    from yiwang.supervision.models import Alert

    # a transactional test starts from flushed tables: re-seed the rules and templates
    importlib.import_module("yiwang.supervision.migrations.0002_seed_rules_and_templates").seed(django_apps, None)
    supervisor = make_user("szl_supervisor", real_name="十字路监察")
    make_position(supervisor, "supervisor", county.township_a)
    head = make_user("szl_head", real_name="十字路负责人", phone="13900000031")
    make_position(head, "department_head", county.township_a, county.civil_affairs_a)
    version = make_item(name="食品经营许可", department=county.civil_affairs, promised=3)
    case = make_case(version=version, division=county.township_a, department=county.civil_affairs_a,
                     today=date(2026, 9, 1), budget=3)
    Clock.objects.filter(purpose="case_step").delete()
    sweep(today=date(2026, 10, 8), codes=["time_limit_case"])
    alert = Alert.objects.get(rule__code="time_limit_case", case=case, level="red")

    _as(page, live_server, supervisor)
    page.goto(f"{live_server.url}/supervision/?level=red")
    assert int(page.get_by_test_id("count-red").inner_text()) >= 1
    page.get_by_role("link", name=alert.message).first.click()
    page.wait_for_url(f"**/supervision/alerts/{alert.pk}/")
    assert page.get_by_test_id("alert-status").inner_text() == "已通知"

    _as(page, live_server, head)
    page.goto(f"{live_server.url}/supervision/alerts/{alert.pk}/")
    page.get_by_label("说明（纠错情况）").fill("已督促承办人当日办结，并调整了人员安排。")
    page.get_by_role("button", name="提交纠错").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-status").inner_text() == "已纠错"
    assert page.get_by_role("button", name="关闭").count() == 0  # a department never closes its red card

    _as(page, live_server, supervisor)
    page.goto(f"{live_server.url}/supervision/alerts/{alert.pk}/")
    page.get_by_label("监察意见").fill("经核实，已整改。")
    page.get_by_role("button", name="核实").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-status").inner_text() == "已核实"
    page.get_by_role("button", name="关闭").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("alert-status").inner_text() == "已关闭"
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert [a.kind for a in alert.actions.order_by("at", "id")] == ["notify", "correct", "verify", "close"]
