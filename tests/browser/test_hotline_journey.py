"""Browser journey: an operator takes a call → dispatch → the unit replies → the centre approves
the reply → callback → closed. Staff sessions are created server-side with two-factor passed."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import login
from tests.hotline.conftest import fresh_engine, hl  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _as(page, live_server, user) -> None:
    client = login(Client(), user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_call_to_closed(page, live_server, hl):  # noqa: F811
    from yiwang.hotline.models import Ticket

    _as(page, live_server, hl.operator)
    page.goto(f"{live_server.url}/hotline/intake/")
    page.get_by_label("来电号码").fill("13812345678")
    page.get_by_label("来电人姓名").fill("王先生")
    page.get_by_label("诉求类别").select_option("help")
    page.get_by_label("事项类型").select_option("ROAD")
    page.get_by_label("诉求内容").fill("人民路中段窨井盖缺失，晚上没有警示，请尽快修复。")
    page.get_by_role("button", name="登记工单").click()
    page.wait_for_url("**/hotline/tickets/*/")
    ticket = Ticket.objects.get()
    assert page.locator("#ticket-status").inner_text() == "已登记"

    page.get_by_label("主办单位").select_option("HOUSING")  # the catalogue's suggestion
    page.get_by_role("button", name="派单", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#ticket-status").inner_text() == "已派单"

    _as(page, live_server, hl.housing_staff)
    page.goto(f"{live_server.url}/hotline/tickets/{ticket.pk}/")
    page.get_by_label("办理情况及答复").fill("已安排养护单位更换井盖并设置警示标志。")
    page.get_by_role("button", name="提交答复").click()
    page.wait_for_url("**/hotline/")

    _as(page, live_server, hl.operator)
    page.goto(f"{live_server.url}/hotline/tickets/{ticket.pk}/")
    assert page.locator("#ticket-status").inner_text() == "已答复待审"
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    assert page.locator("#ticket-status").inner_text() == "待回访"

    page.get_by_label("回访方式").select_option("phone")
    page.get_by_label("满意度").select_option("satisfied")
    page.get_by_label("问题已解决").check()
    page.get_by_role("button", name="记录回访").click()
    page.wait_for_load_state()
    assert page.locator("#ticket-status").inner_text() == "已办结"
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.callbacks.get().satisfaction == "satisfied"
