"""The public 办理时限计算器 page and the month view."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def result_of(html: str) -> str:
    match = re.search(r'<section id="result".*?</section>', html, re.S)
    assert match, "no result section"
    return match.group(0)


def test_empty_form_renders_accessibly(client):
    response = client.get("/deadline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="start">' in html and 'type="date"' in html and 'id="start"' in html
    assert '<label for="workdays">' in html and 'id="workdays"' in html
    assert 'type="submit"' in html
    assert 'id="result"' not in html


def test_computes_across_national_day(client):
    response = client.get("/deadline/", {"start": "2026-09-30", "workdays": "1"})
    assert response.status_code == 200
    result = result_of(response.content.decode())
    assert "2026-10-08" in result and "星期四" in result
    assert "国庆节" in result and "放假" in result


def test_shows_adjusted_workdays(client):
    result = result_of(client.get("/deadline/", {"start": "2026-02-11", "workdays": "20"}).content.decode())
    assert "2026-03-17" in result and "星期二" in result
    assert "2026-02-14" in result and "2026-02-28" in result and "调休上班" in result
    assert "春节" in result


def test_warns_for_a_year_without_data(client):
    result = result_of(client.get("/deadline/", {"start": "2026-12-30", "workdays": "3"}).content.decode())
    assert "2027-01-04" in result
    assert "2027 年的节假日安排尚未录入" in result


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-02-30", "workdays": "5"}, "日期格式应为 YYYY-MM-DD"),
        ({"start": "", "workdays": "5"}, "请填写起算日"),
        ({"start": "1800-01-01", "workdays": "5"}, "年份须在"),
        ({"start": "2026-02-03", "workdays": "-2"}, "天数不能为负数"),
        ({"start": "2026-02-03", "workdays": "5000"}, "天数不能超过"),
        ({"start": "2026-02-03", "workdays": "x"}, "天数必须是整数"),
    ],
)
def test_form_errors_next_to_the_field(client, params, message):
    response = client.get("/deadline/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert 'id="result"' not in html


def test_htmx_gets_only_the_panel(client):
    response = client.get("/deadline/", {"start": "2026-09-30", "workdays": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="calculator">') and "<html" not in html
    assert "2026-10-08" in result_of(html)


def test_natural_days_on_the_page(client):
    result = result_of(client.get("/deadline/", {"start": "2026-09-21", "workdays": "10", "unit": "natural"})
                       .content.decode())
    assert "2026-10-08" in result and "自然日" in result


def test_month_view_marks_holidays_and_adjusted_days(client):
    response = client.get("/calendar/days/", {"year": "2026", "month": "10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026 年 10 月工作日历" in html
    assert html.count("kind-holiday") == 7
    assert html.count("kind-adjusted_workday") == 1
    assert "2026-10-10（星期六）国庆节" in html


def test_month_view_bad_params_fall_back_with_an_error(client):
    response = client.get("/calendar/days/", {"year": "abc", "month": "13"})
    assert response.status_code == 400
    assert "年份或月份不正确" in response.content.decode()


def test_month_view_without_data_warns(client):
    html = client.get("/calendar/days/", {"year": "2027", "month": "1"}).content.decode()
    assert "2027 年的节假日安排尚未录入" in html
