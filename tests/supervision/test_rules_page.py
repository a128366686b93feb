"""The rules page speaks Chinese: parameter meanings and units, no rule codes or parameter keys."""

from __future__ import annotations

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_rule_parameters_are_described_in_chinese(client, supervisor):
    login(client, supervisor)
    html = client.get("/supervision/rules/").content.decode()
    assert "剩余时限不超过此数时亮黄牌" in html and "允许的补正通知次数" in html
    for raw in (">yellow_workdays<", ">max_notices<", ">max_joint_days<", "<small>time_limit_case</small>"):
        assert raw not in html


def test_a_saved_rule_is_confirmed_once(client, supervisor):
    login(client, supervisor)
    response = client.post("/supervision/rules/supplement_repeat/", {"is_active": "on", "param_max_notices": "1"},
                           follow=True)
    assert response.content.decode().count("规则已保存") == 1
