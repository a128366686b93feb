"""Public calendar API: /api/v1/calendar/deadline and /api/v1/calendar/days."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DEADLINE = "/api/v1/calendar/deadline"
DAYS = "/api/v1/calendar/days"


def test_deadline_across_national_day(client):
    response = client.get(DEADLINE, {"start": "2026-09-30", "workdays": "1"})
    assert response.status_code == 200
    body = response.json()
    assert body["due"] == "2026-10-08"
    assert body["start"] == "2026-09-30" and body["workdays"] == 1 and body["unit"] == "workdays"
    assert body["calendar_complete"] is True and body["warnings"] == []
    assert body["due_weekday"] == "星期四"
    skipped = [(d["date"], d["name"]) for d in body["skipped"]]
    assert skipped == [(f"2026-10-0{i}", "国庆节") for i in range(1, 8)]


def test_deadline_lists_adjusted_workdays(client):
    body = client.get(DEADLINE, {"start": "2026-02-13", "workdays": "1"}).json()
    assert body["due"] == "2026-02-14"
    assert body["adjusted_workdays"] == [
        {"date": "2026-02-14", "weekday": "星期六", "is_workday": True, "kind": "adjusted_workday", "name": "春节"}
    ]


def test_deadline_into_2027_warns(client):
    body = client.get(DEADLINE, {"start": "2026-12-30", "workdays": "3"}).json()
    assert body["due"] == "2027-01-04"
    assert body["calendar_complete"] is False
    assert len(body["warnings"]) == 1 and "2027" in body["warnings"][0]


def test_natural_days(client):
    body = client.get(DEADLINE, {"start": "2026-09-21", "days": "10", "unit": "natural"}).json()
    assert body["due"] == "2026-10-08" and body["unit"] == "natural" and body["days"] == 10
    assert body["workdays"] is None


def test_zero_workdays_is_the_start(client):
    assert client.get(DEADLINE, {"start": "2026-10-01", "workdays": "0"}).json()["due"] == "2026-10-01"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"workdays": "5"}, "start"),
        ({"start": "2026-02-30", "workdays": "5"}, "start"),
        ({"start": "26-2-3", "workdays": "5"}, "start"),
        ({"start": "2026-02-03T00:00", "workdays": "5"}, "start"),
        ({"start": "1899-12-31", "workdays": "5"}, "start"),
        ({"start": "2201-01-01", "workdays": "5"}, "start"),
        ({"start": "2026-02-03"}, "workdays"),
        ({"start": "2026-02-03", "workdays": "-1"}, "workdays"),
        ({"start": "2026-02-03", "workdays": "1001"}, "workdays"),
        ({"start": "2026-02-03", "workdays": "99999999999999999999"}, "workdays"),
        ({"start": "2026-02-03", "workdays": "2.5"}, "workdays"),
        ({"start": "2026-02-03", "workdays": "abc"}, "workdays"),
        ({"start": "2026-02-03", "days": "3", "unit": "fortnight"}, "unit"),
        ({"start": "2026-02-03", "unit": "natural"}, "days"),
    ],
)
def test_deadline_bad_params_are_400(client, params, field):
    response = client.get(DEADLINE, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "invalid"
    located = body["details"].get("field") or body["details"]["errors"][0]["loc"][-1]
    assert located == field


def test_days_lists_each_day(client):
    response = client.get(DAYS, {"from": "2026-10-01", "to": "2026-10-11"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-10-01" and body["to"] == "2026-10-11" and body["calendar_complete"] is True
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 11
    assert days["2026-10-01"] == {"date": "2026-10-01", "weekday": "星期四", "is_workday": False,
                                  "kind": "holiday", "name": "国庆节"}
    assert days["2026-10-10"]["is_workday"] is True and days["2026-10-10"]["kind"] == "adjusted_workday"
    assert days["2026-10-11"]["kind"] == "weekend"


def test_days_of_a_year_without_data(client):
    body = client.get(DAYS, {"from": "2027-10-01", "to": "2027-10-01"}).json()
    assert body["calendar_complete"] is False and body["warnings"]
    assert body["days"][0]["is_workday"] is True  # a Friday, Monday–Friday fallback


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-10-01"}, "to"),
        ({"to": "2026-10-01"}, "from"),
        ({"from": "2026-10-05", "to": "2026-10-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ],
)
def test_days_bad_params_are_400(client, params, field):
    response = client.get(DAYS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    located = body["details"].get("field") or body["details"]["errors"][0]["loc"][-1]
    assert located == field


def test_full_leap_year_range_is_allowed(client):
    response = client.get(DAYS, {"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200 and len(response.json()["days"]) == 366


def test_openapi_documents_the_shapes(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"due", "calendar_complete", "warnings", "skipped"} <= set(schemas["DeadlineOut"]["properties"])
    assert {"date", "is_workday", "kind", "name"} <= set(schemas["DayOut"]["properties"])
    assert {"from", "to", "days"} <= set(schemas["DaysOut"]["properties"])
    deadline = spec["paths"]["/api/v1/calendar/deadline"]["get"]
    assert {"200", "400"} <= set(deadline["responses"])
    assert {p["name"] for p in deadline["parameters"]} >= {"start", "workdays", "days", "unit"}
    assert {p["name"] for p in spec["paths"]["/api/v1/calendar/days"]["get"]["parameters"]} == {"from", "to"}
