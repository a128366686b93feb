"""The call console: a division picker and an offline place search instead of a typed 12-digit code;
the leader's page in the staff layout."""

from __future__ import annotations

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_intake_offers_divisions_grouped_by_township(client, hl, county):
    # given the operator of the county centre
    login(client, hl.operator)
    # when the call console opens
    html = client.get("/hotline/intake/").content.decode()
    # then the division is chosen by name, grouped by township, and coordinates are optional extras
    assert '<optgroup label="十字路街道">' in html and "东关村" in html and "大店村" in html
    assert f'value="{county.village_a1.code}"' in html
    assert "区划（代码）" not in html
    assert "<details" in html and "纬度（选填）" in html
    assert "yiwang/division-picker.js" in html


def test_intake_registers_the_chosen_division_and_refuses_an_unknown_one(client, hl, county):
    from yiwang.hotline.models import Ticket

    login(client, hl.operator)
    base = {"category": "help", "urgency": "normal", "content": "文化路路面塌陷", "caller_phone": "13811112222",
            "idempotency_key": "k1"}
    response = client.post("/hotline/intake/", {**base, "division": county.village_a1.code})
    assert response.status_code == 302
    assert Ticket.objects.get().division == county.village_a1
    # an unknown code is a form error, not a 500, and registers nothing
    response = client.post("/hotline/intake/", {**base, "division": "999999999999", "idempotency_key": "k2"})
    assert response.status_code == 200 and "请从列表中选择" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_place_search_finds_villages_and_service_halls_offline(client, hl, county):
    login(client, hl.operator)
    html = client.get("/hotline/intake/places/", {"place": "东关"}).content.decode()
    assert "东关村" in html and f'data-place-code="{county.village_a1.code}"' in html
    html = client.get("/hotline/intake/places/", {"place": "便民服务中心"}).content.decode()
    assert "十字路街道便民服务中心" in html
    html = client.get("/hotline/intake/places/", {"place": "火星"}).content.decode()
    assert "没有找到" in html


def test_place_search_is_for_the_centre_only(client, hl):
    login(client, hl.housing_staff)
    assert client.get("/hotline/intake/places/", {"place": "东关"}).status_code == 403


def test_leader_page_uses_the_staff_layout(client, hl):
    login(client, hl.leader)
    response = client.get("/hotline/leader/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="console"' in html and "工作台" in html
    assert "办事指南" not in html  # the citizen portal's navigation
