"""Browser: the call console picks a division by township then village, or by searching a place
name offline; the choice is what gets registered."""

from __future__ import annotations

import pytest

from tests.browser.test_hotline_journey import _as
from tests.hotline.conftest import fresh_engine, hl  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_cascading_picker_and_place_search(page, live_server, hl, county):  # noqa: F811
    from yiwang.hotline.models import Ticket

    _as(page, live_server, hl.operator)
    page.goto(f"{live_server.url}/hotline/intake/")
    # the grouped select is replaced by township → village selects
    page.get_by_label("乡镇/街道", exact=True).select_option(label="大店镇")
    page.get_by_label("村/社区", exact=True).select_option(label="大店村")
    assert page.locator("#id_division").input_value() == county.village_b1.code
    # searching a place name fills the division and the address
    page.get_by_label("按地名检索（乡镇、村社区、便民服务中心）").fill("东关")
    page.get_by_role("button", name="东关村").click()
    assert page.locator("#id_division").input_value() == county.village_a1.code
    assert page.get_by_label("村/社区", exact=True).input_value() == county.village_a1.code
    assert "东关村" in page.locator("#id_address").input_value()
    page.get_by_label("来电号码").fill("13812345678")
    page.get_by_label("诉求类别").select_option("help")
    page.get_by_label("诉求内容").fill("东关村路灯不亮，请尽快修复。")
    page.get_by_role("button", name="来电人要求答复处理结果。").click()  # a quick phrase, no inline script
    assert page.get_by_label("诉求内容").input_value().endswith("来电人要求答复处理结果。")
    page.get_by_role("button", name="登记工单").click()
    page.wait_for_url("**/hotline/tickets/*/")
    assert Ticket.objects.get().division == county.village_a1
